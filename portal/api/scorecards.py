"""Role scorecards over JSON: create, read, update with If-Match, publish, versions."""

from flask.views import MethodView

from portal.api.auth import requires
from portal.api.base import ApiBlueprint, kept_rendering
from portal.api.etags import IF_MATCH_PARAMETER, expected_revision, not_modified, revision_etag
from portal.api.idempotency import idempotent
from portal.extensions import db
from portal.schemas.scorecards import (
    ScorecardCreateSchema,
    ScorecardFilterSchema,
    ScorecardInputSchema,
    ScorecardSchema,
    ScorecardVersionSummarySchema,
)
from portal.services import scorecards

blp = ApiBlueprint(
    "scorecards_api", __name__, url_prefix="/api/v1", description="CPO role scorecards."
)
WRITE_DOC = {"parameters": [IF_MATCH_PARAMETER]}
# PATCH may leave out top-level fields; a competency it does send must be complete.
EDITABLE = tuple(ScorecardInputSchema().fields)
SHOWN = ScorecardSchema()


def _answer(scorecard, status: int = 200):
    etag = revision_etag(scorecard.revision)
    return scorecards.document(scorecard), status, {"ETag": etag}


@blp.route("/scorecards")
class Scorecards(MethodView):
    @requires(blp, "scorecards:read")
    @blp.arguments(ScorecardFilterSchema, location="query", as_kwargs=True)
    @blp.response(200, ScorecardSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters, actor, status=None, q=None, updated_since=None):
        """List the organisation's scorecards

        Most recently edited first; filter by `status` and text `q`. With `updated_since`, only
        those whose `updated_at` is at or after it, ordered by `updated_at`, then `id` (every
        edit, publish, archive and restore moves `updated_at`). Deleted drafts are listed by
        `GET /deletions`.
        """
        page = scorecards.scorecard_page(
            db.session,
            actor,
            status=status,
            q=q,
            updated_since=updated_since,
            page=pagination_parameters.page,
            page_size=pagination_parameters.page_size,
        )
        pagination_parameters.item_count = page.total
        return [scorecards.document(scorecard) for scorecard in page.items]

    @requires(blp, "scorecards:write")
    @idempotent(blp)
    @blp.arguments(ScorecardCreateSchema)
    @blp.response(201, ScorecardSchema)
    def post(self, values, actor):
        """Create a draft scorecard

        From scratch (`title` required), or as a copy with `clone_from`.
        """
        source = values.pop("clone_from", None)
        return _answer(scorecards.create_scorecard(db.session, actor, values, source), 201)


@blp.route("/scorecards/<id:scorecard_id>")
class ScorecardDetail(MethodView):
    @requires(blp, "scorecards:read")
    @blp.response(200, ScorecardSchema)
    @blp.alt_response(304, description="Not modified")
    def get(self, scorecard_id, actor):
        """Get a scorecard's working copy (with its ETag)"""
        document, revision = scorecards.shown_document(db.session, actor, scorecard_id)
        etag = revision_etag(revision)
        return not_modified(etag) or (kept_rendering(SHOWN, document), 200, {"ETag": etag})

    @requires(blp, "scorecards:write")
    @blp.doc(**WRITE_DOC)
    @blp.arguments(ScorecardInputSchema(partial=EDITABLE))
    @blp.response(200, ScorecardSchema)
    @blp.alt_response(412, response="PRECONDITION_FAILED")
    @blp.alt_response(428, response="PRECONDITION_REQUIRED")
    def patch(self, changes, scorecard_id, actor):
        """Change a scorecard (If-Match required)

        Top-level fields replace; `requirements` may be partial.
        """
        revision = expected_revision(_current_revision(actor, scorecard_id))
        return _answer(
            scorecards.update_scorecard(db.session, actor, scorecard_id, changes, revision)
        )

    @requires(blp, "scorecards:write")
    @blp.doc(**WRITE_DOC)
    @blp.response(204)
    @blp.alt_response(409, response="CONFLICT")
    @blp.alt_response(412, response="PRECONDITION_FAILED")
    @blp.alt_response(428, response="PRECONDITION_REQUIRED")
    def delete(self, scorecard_id, actor):
        """Delete a draft that was never published (If-Match required)"""
        revision = expected_revision(_current_revision(actor, scorecard_id))
        scorecards.delete_draft(db.session, actor, scorecard_id, revision)


def _current_revision(actor, scorecard_id: int):
    """For `If-Match: *`: the revision the scorecard has now (404 when there is none)."""
    return lambda: scorecards.current_revision(db.session, actor, scorecard_id)


@blp.route("/scorecards/<id:scorecard_id>/publish")
class Publish(MethodView):
    @requires(blp, "scorecards:write")
    @blp.doc(**WRITE_DOC)
    @blp.response(200, ScorecardSchema)
    @blp.alt_response(409, response="CONFLICT")
    @blp.alt_response(412, response="PRECONDITION_FAILED")
    @blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
    @blp.alt_response(428, response="PRECONDITION_REQUIRED")
    def post(self, scorecard_id, actor):
        """Publish the working copy as an immutable version N+1 (If-Match required)"""
        revision = expected_revision(_current_revision(actor, scorecard_id))
        version = scorecards.publish(db.session, actor, scorecard_id, revision)
        return _answer(version.scorecard)


@blp.route("/scorecards/<id:scorecard_id>/versions")
class Versions(MethodView):
    @requires(blp, "scorecards:read")
    @blp.response(200, ScorecardVersionSummarySchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters, scorecard_id, actor):
        """List a scorecard's published versions, newest first"""
        page = scorecards.version_page(
            db.session,
            actor,
            scorecard_id,
            pagination_parameters.page,
            pagination_parameters.page_size,
        )
        pagination_parameters.item_count = page.total
        return page.items


@blp.route("/scorecards/<id:scorecard_id>/versions/<id:number>")
class VersionDetail(MethodView):
    @requires(blp, "scorecards:read")
    @blp.response(200, ScorecardSchema)
    def get(self, scorecard_id, number, actor):
        """Get a published version exactly as it was published"""
        return scorecards.get_version(db.session, actor, scorecard_id, number).snapshot
