"""Matches over JSON: a scorecard's ranked candidates, one explained match, and what-ifs."""

import inspect

from flask import Response, current_app
from flask.views import MethodView

from portal.api.auth import requires
from portal.api.base import ApiBlueprint
from portal.extensions import db
from portal.schemas.matches import MatchFilterSchema, MatchSchema, WhatIfSchema
from portal.services import matching

blp = ApiBlueprint(
    "matches_api", __name__, url_prefix="/api/v1", description="Candidates matched to scorecards."
)

# One consistent match (weights 5 and 3: 37.5 + 37.5 = 75.0), shown in the OpenAPI document.
MATCH_EXAMPLE = {
    "candidate": {"id": 42, "name": "Alex Rivera"},
    "scorecard_version": 2,
    "score": 75.0,
    "verdict": "ready_with_gaps",
    "must_haves_met": True,
    "unmet_requirements": [],
    "gaps": [
        {
            "competency": "product-strategy",
            "target_level": 5,
            "level": 3.0,
            "source": "interview",
            "gap": 2.0,
            "weight": 5,
            "contribution": 37.5,
        },
        {
            "competency": "team-leadership",
            "target_level": 4,
            "level": 4.0,
            "source": "self",
            "gap": 0.0,
            "weight": 3,
            "contribution": 37.5,
        },
    ],
    "plan": [
        {
            "step": "gain-experience-in-product-management",
            "title": "Gain Experience in Product Management",
            "addresses": ["product-strategy"],
        }
    ],
}
WHAT_IF_EXAMPLE = {
    "competencies": [
        {"competency": "product-strategy", "weight": 3, "target_level": 4, "must_have": True},
        {"competency": "team-leadership", "weight": 5, "target_level": 4},
    ],
    "requirements": {"min_years_product": 5},
}


def needs_matches_read(view):
    """`requires(blp, "matches:read")` with a documented 404; the OpenAPI description keeps
    the docstring's details beside the scope note."""
    details = inspect.cleandoc(view.__doc__ or "").partition("\n")[2].strip()
    note = "Needs the `matches:read` scope."
    described = blp.doc(description=f"{note}\n\n{details}" if details else note)
    not_found = blp.alt_response(404, response="NOT_FOUND")
    return described(not_found(requires(blp, "matches:read")(view)))


def _ranking(pagination, actor, scorecard_id, criteria, changes=None) -> Response:
    board = matching.board(
        db.session,
        actor,
        scorecard_id,
        criteria,
        pagination.page,
        pagination.page_size,
        changes,
    )
    pagination.item_count = board.page.total
    # match_document builds MatchSchema's shape already (tests hold them equal), so the page is
    # encoded as it is: dumping it through the schema again took a quarter of the request.
    return current_app.json.response(
        [_item(candidate, match) for _, candidate, match in board.page.rows]
    )


def _item(candidate, match) -> dict:
    return matching.match_document(match, {"id": candidate.id, "name": candidate.name})


@blp.route("/scorecards/<id:scorecard_id>/matches")
class Matches(MethodView):
    @needs_matches_read
    @blp.arguments(MatchFilterSchema, location="query")
    @blp.response(200, MatchSchema(many=True), example=[MATCH_EXAMPLE])
    @blp.paginate()
    def get(self, criteria, pagination_parameters, scorecard_id, actor):
        """Rank the organisation's candidates against a scorecard

        Its latest published version (a never-published draft: its working copy, version 0),
        over the organisation's own candidates and those who share their profile with it.
        Must-haves met first, then score descending, then candidate id.
        """
        return _ranking(pagination_parameters, actor, scorecard_id, criteria)


@blp.route("/scorecards/<id:scorecard_id>/matches/<id:candidate_id>")
class MatchDetail(MethodView):
    @needs_matches_read
    @blp.response(200, MatchSchema, example=MATCH_EXAMPLE)
    def get(self, scorecard_id, candidate_id, actor):
        """Explain one candidate's match against a scorecard

        Score, verdict, gaps per competency with their source, unmet requirements and the
        development plan.
        """
        _, _, candidate, match = matching.candidate_match(
            db.session, actor, scorecard_id, candidate_id
        )
        return _item(candidate, match)


@blp.route("/scorecards/<id:scorecard_id>/matches/what-if")
class WhatIf(MethodView):
    @needs_matches_read
    @blp.arguments(WhatIfSchema, required=False, example=WHAT_IF_EXAMPLE)
    @blp.arguments(MatchFilterSchema, location="query")
    @blp.response(200, MatchSchema(many=True), example=[MATCH_EXAMPLE])
    @blp.paginate()
    def post(self, changes, criteria, pagination_parameters, scorecard_id, actor):
        """Rank against a what-if over a scorecard, saving nothing

        `competencies` replaces the matched version's list, `requirements` the fields it names;
        what the body omits comes from the matched version. Same filters, order and pages as
        the ranking.
        """
        return _ranking(pagination_parameters, actor, scorecard_id, criteria, changes)
