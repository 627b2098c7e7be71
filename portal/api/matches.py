"""Matches over JSON: a scorecard's ranked candidates, one explained match, and what-ifs."""

from portal.api.base import ApiBlueprint

blp = ApiBlueprint(
    "matches_api", __name__, url_prefix="/api/v1", description="Candidates matched to scorecards."
)
