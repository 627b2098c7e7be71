"""Matches as the API answers them, their filters, and the what-if a caller lays over a scorecard.

The what-if takes the scorecard's own field rules (portal.schemas.scorecards), so its bounds are
the scorecard's bounds and the OpenAPI document states them once.
"""

import marshmallow as ma

from portal.schemas.fields import StrictBoolean
from portal.schemas.scorecards import RequirementsSchema, ScorecardCompetencyInputSchema
from portal.services.candidates import SOURCES
from portal.services.matching import REQUIREMENTS, VERDICTS, MatchFilter

SCORE_RANGE = (0, 100)


class MatchFilterSchema(ma.Schema):
    """Filters of a ranking, as query parameters; they narrow the ranking, not reorder it."""

    min_score = ma.fields.Float(
        load_default=None,
        validate=ma.validate.Range(*SCORE_RANGE, error="A score is from {min} to {max}."),
        metadata={"description": "Only matches scoring at least this much"},
    )
    must_haves_met = ma.fields.Boolean(
        load_default=None,
        metadata={"description": "Only matches that meet (true) or miss (false) the must-haves"},
    )
    verdict = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(VERDICTS)),
        load_default=list,
        metadata={"description": "Only these verdicts (repeat the parameter for several)"},
    )

    @ma.post_load
    def to_filter(self, values, **kwargs) -> MatchFilter:
        return MatchFilter(
            verdicts=tuple(values["verdict"]),
            must_haves_met=values["must_haves_met"],
            min_score=values["min_score"],
        )


class WhatIfCompetencySchema(ScorecardCompetencyInputSchema):
    must_have = StrictBoolean(
        metadata={"description": "Omitted: as the matched version says (false if it lacks it)"}
    )


class WhatIfSchema(ma.Schema):
    """Changes laid over the matched version for one request; nothing is saved."""

    competencies = ma.fields.List(
        ma.fields.Nested(WhatIfCompetencySchema),
        validate=ma.validate.Length(min=1, error="Keep at least one competency."),
        metadata={"description": "Replaces the version's competencies (each slug once)"},
    )
    requirements = ma.fields.Nested(
        RequirementsSchema, metadata={"description": "Replaces the named requirements only"}
    )


class MatchedCandidateSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()


class GapSchema(ma.Schema):
    competency = ma.fields.String(metadata={"description": "Competency slug"})
    target_level = ma.fields.Integer()
    level = ma.fields.Float(
        metadata={"description": "Interview mean, else self-assessment, else 0 (1 decimal)"}
    )
    source = ma.fields.String(
        allow_none=True,
        metadata={"enum": [*SOURCES, None], "description": "Where the level comes from"},
    )
    gap = ma.fields.Float(metadata={"description": "max(target - level, 0)"})
    weight = ma.fields.Integer()
    contribution = ma.fields.Float(
        metadata={"description": "Points of the score this competency earns; they add up"}
    )


class PlanStepSchema(ma.Schema):
    step = ma.fields.String(metadata={"description": "Step slug from /steps"})
    title = ma.fields.String()
    addresses = ma.fields.List(
        ma.fields.String(), metadata={"description": "Competencies below target it develops"}
    )


class MatchSchema(ma.Schema):
    candidate = ma.fields.Nested(
        MatchedCandidateSchema,
        allow_none=True,
        metadata={"description": "null in the candidate's own readiness"},
    )
    scorecard_version = ma.fields.Integer(
        metadata={"description": "The published version matched; 0 for a draft's working copy"}
    )
    score = ma.fields.Float(metadata={"description": "0..100, 1 decimal"})
    verdict = ma.fields.String(validate=ma.validate.OneOf(VERDICTS))
    must_haves_met = ma.fields.Boolean()
    unmet_requirements = ma.fields.List(ma.fields.String(validate=ma.validate.OneOf(REQUIREMENTS)))
    gaps = ma.fields.List(
        ma.fields.Nested(GapSchema), metadata={"description": "One per competency, in order"}
    )
    plan = ma.fields.List(
        ma.fields.Nested(PlanStepSchema),
        metadata={"description": "Career steps, the largest weighted gap they address first"},
    )


class RoleSchema(ma.Schema):
    id = ma.fields.Integer(allow_none=True, metadata={"description": "null for the CPO benchmark"})
    title = ma.fields.String()
    organisation = ma.fields.String(
        allow_none=True, metadata={"description": "null for the CPO benchmark"}
    )


class ReadinessSchema(ma.Schema):
    scorecard = ma.fields.Nested(RoleSchema)
    match = ma.fields.Nested(MatchSchema)
