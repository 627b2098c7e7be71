"""Public, read-only framework resources: competencies, responsibilities, steps, the FAQ."""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from threading import Lock
from time import monotonic

from flask import Response, current_app, request
from flask.views import MethodView

from portal.api.base import ApiBlueprint
from portal.extensions import db
from portal.schemas.faq import FaqSchema
from portal.schemas.framework import (
    CompetencyFilterSchema,
    CompetencySchema,
    ResponsibilitySchema,
    StepSchema,
)
from portal.services import faq, framework
from portal.services.framework import CompetencyFilter

blp = ApiBlueprint(
    "framework_api",
    __name__,
    url_prefix="/api/v1",
    description="The CPO competency framework (public).",
)

# Public reference data: each process keeps its answers per URL for as long as the framework
# service says what is built from the framework may be kept, so a read costs no query, schema
# dump or ETag hash.
KEEP_AT_MOST = 512  # answers per process (a few per page and filter the pages link to)
_KEEPING = Lock()


@dataclass(frozen=True)
class _Kept:
    body: bytes
    headers: list[tuple[str, str]]
    etag: str
    generation: int
    until: float


def kept_answers(view: Callable) -> Callable:
    """Answer a public GET from the answer this process kept for its URL, 304 when the caller
    holds its ETag (as @blp.etag does); errors and 304s are never kept."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        answers = current_app.extensions.setdefault("portal.framework_answers", {})
        kept = answers.get(request.url)
        if kept is None or kept.until < monotonic() or kept.generation != framework.generation():
            generation = framework.generation()
            response = current_app.make_response(view(*args, **kwargs))
            if response.status_code == 200 and response.headers.get("ETag"):
                _keep(answers, request.url, response, generation)
            return response
        if kept.etag.strip('"') in request.if_none_match:
            return Response(status=304, headers={"ETag": kept.etag})
        return Response(kept.body, 200, kept.headers)

    return wrapper


def _keep(answers: dict, url: str, response: Response, generation: int) -> None:
    with _KEEPING:  # a worker's threads share the answers
        if len(answers) >= KEEP_AT_MOST:
            answers.pop(next(iter(answers)))  # the oldest
        answers[url] = _Kept(
            body=response.get_data(),
            headers=list(response.headers.items()),
            etag=response.headers["ETag"],
            generation=generation,
            until=monotonic() + framework.KEEP_SECONDS,
        )


@blp.route("/competencies")
class Competencies(MethodView):
    @kept_answers
    @blp.etag
    @blp.arguments(CompetencyFilterSchema, location="query", as_kwargs=True)
    @blp.response(200, CompetencySchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters, category=None, q=None):
        """List competencies

        Filter by skill area (`category`) and by text (`q`), in framework order.
        """
        page = framework.competency_page(
            db.session,
            CompetencyFilter(category=category, q=q),
            pagination_parameters.page,
            pagination_parameters.page_size,
        )
        pagination_parameters.item_count = page.total
        return page.items


@blp.route("/competencies/<slug>")
class CompetencyDetail(MethodView):
    @kept_answers
    @blp.etag
    @blp.response(200, CompetencySchema)
    def get(self, slug):
        """Get one competency with its indicators and five level descriptors"""
        return framework.get_competency(db.session, slug)


@blp.route("/responsibilities")
class Responsibilities(MethodView):
    @kept_answers
    @blp.etag
    @blp.response(200, ResponsibilitySchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters):
        """List the key responsibilities of a CPO"""
        page = framework.responsibility_page(
            db.session, pagination_parameters.page, pagination_parameters.page_size
        )
        pagination_parameters.item_count = page.total
        return page.items


@blp.route("/responsibilities/<slug>")
class ResponsibilityDetail(MethodView):
    @kept_answers
    @blp.etag
    @blp.response(200, ResponsibilitySchema)
    def get(self, slug):
        """Get one responsibility with the competencies it needs"""
        return framework.get_responsibility(db.session, slug)


@blp.route("/steps")
class Steps(MethodView):
    @kept_answers
    @blp.etag
    @blp.response(200, StepSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters):
        """List the steps to become a CPO, in order"""
        page = framework.step_page(
            db.session, pagination_parameters.page, pagination_parameters.page_size
        )
        pagination_parameters.item_count = page.total
        return page.items


@blp.route("/steps/<slug>")
class StepDetail(MethodView):
    @kept_answers
    @blp.etag
    @blp.response(200, StepSchema)
    def get(self, slug):
        """Get one step with its actions and the competencies it develops"""
        return framework.get_step(db.session, slug)


@blp.route("/faq")
class Faq(MethodView):
    @kept_answers
    @blp.etag
    @blp.response(200, FaqSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters):
        """List the frequently asked questions about the CPO role

        The seed article's six questions (the role, qualifications, responsibilities, skills,
        gaining experience, career paths), in its order, each answered in our words with links
        (`{title, href}`, `href` a path on this site) to the framework pages it touches.
        """
        page = faq.question_page(pagination_parameters.page, pagination_parameters.page_size)
        pagination_parameters.item_count = page.total
        return page.items
