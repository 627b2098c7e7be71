"""Tombstones over JSON: what an integration syncing with `updated_since` must remove."""

from flask.views import MethodView

from portal.api.auth import BEARER_SCHEME, COOKIE_SCHEME, requires
from portal.api.base import ApiBlueprint
from portal.extensions import db
from portal.schemas.sync import DeletionFilterSchema, DeletionSchema
from portal.services import sync

SYNC = """Incremental sync. The lists of what an organisation owns and changes (`GET /scorecards`,
`GET /candidates`, and a candidate's evaluations for a scorecard) take `updated_since`, an
RFC 3339 date-time with its offset (`Z` or `+01:00`; without one, or in any other shape, it is
refused with 422 naming the field). They then hold only what changed at or after that instant,
ordered by `updated_at` (for evaluations, which never change once submitted, `submitted_at`),
then `id`, and are paginated as usual. Poll with the latest `updated_at` you have seen: `>=`
means a row written in that same instant is never missed, and the rows of that instant come
again (apply changes by id and the repeat does nothing). A write stamps `updated_at` a moment
before it commits, so poll from a little before that (a minute is ample) to catch a slow
transaction. A candidate's `updated_at` is when its document last changed for your
organisation: an edit of the profile, the moment a self-registered candidate shared it with
you, or your latest submitted evaluation of it.

Deletions are tombstones rather than soft deletes: a deleted scorecard or candidate is gone
from every list and read, and `GET /deletions` lists `{kind, id, deleted_at}` for each, as does
a self-registered candidate who withdraws their profile from your organisation. Tombstones are
kept (they are small), so a client coming back after months still learns of every deletion
since its last poll. Apply one only to a copy older than it: a withdrawn profile shared again
comes back with a later `updated_at`. The framework lists (competencies, responsibilities,
steps, FAQ) are reference data shipped with the portal: they have no `updated_at` and take no
`updated_since`."""

blp = ApiBlueprint("deletions_api", __name__, url_prefix="/api/v1", description=SYNC)
READ_SCOPES = list(sync.KIND_SCOPES.values())


@blp.route("/deletions")
class Deletions(MethodView):
    @blp.doc(
        security=[{BEARER_SCHEME: READ_SCOPES}, {COOKIE_SCHEME: READ_SCOPES}],
        description="Needs the `candidates:read` scope for candidate tombstones and the "
        "`scorecards:read` scope for scorecard ones: a caller with one of them sees only that "
        "kind (403 with neither, or for a `kind` it cannot read).\n\nOldest first, by "
        "`deleted_at`, then `id`. With `updated_since`, only the tombstones written at or after "
        "it. A candidate is listed when it is deleted, and when a self-registered candidate "
        "withdraws their profile from your organisation.",
    )
    @requires(blp, None)
    @blp.arguments(DeletionFilterSchema, location="query", as_kwargs=True)
    @blp.response(200, DeletionSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters, actor, kind=None, updated_since=None):
        """List the organisation's deleted candidates and scorecards"""
        page = sync.deletion_page(
            db.session,
            actor,
            kind=kind,
            since=updated_since,
            page=pagination_parameters.page,
            page_size=pagination_parameters.page_size,
        )
        pagination_parameters.item_count = page.total
        return [sync.tombstone(deletion) for deletion in page.items]
