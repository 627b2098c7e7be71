"""Evaluations over JSON: interviewers' structured ratings of a candidate for a scorecard."""

from portal.api.base import ApiBlueprint

blp = ApiBlueprint(
    "evaluations_api",
    __name__,
    url_prefix="/api/v1",
    description="Interviewers' structured ratings of candidates against published scorecards.",
)
