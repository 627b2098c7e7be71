"""Public, read-only framework resources: competencies, responsibilities, steps, the FAQ."""

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


@blp.route("/competencies")
class Competencies(MethodView):
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
    @blp.etag
    @blp.response(200, CompetencySchema)
    def get(self, slug):
        """Get one competency with its indicators and five level descriptors"""
        return framework.get_competency(db.session, slug)


@blp.route("/responsibilities")
class Responsibilities(MethodView):
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
    @blp.etag
    @blp.response(200, ResponsibilitySchema)
    def get(self, slug):
        """Get one responsibility with the competencies it needs"""
        return framework.get_responsibility(db.session, slug)


@blp.route("/steps")
class Steps(MethodView):
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
    @blp.etag
    @blp.response(200, StepSchema)
    def get(self, slug):
        """Get one step with its actions and the competencies it develops"""
        return framework.get_step(db.session, slug)


@blp.route("/faq")
class Faq(MethodView):
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
