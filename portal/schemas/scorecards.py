"""Scorecards as the API reads and writes them; the pages load their forms with the same fields."""

import marshmallow as ma

from portal.schemas.fields import (
    SearchText,
    StrictBoolean,
    StrictFloat,
    WholeNumber,
    not_blank,
    plain_text,
)
from portal.schemas.sync import UpdatedSinceSchema
from portal.services import scorecards as rules
from portal.services.framework_loader import shipped_slugs

# The framework is versioned with the code, so its slugs are part of the documented contract.
_responsibility = ma.fields.String(
    validate=ma.validate.OneOf(shipped_slugs("responsibilities"), error="Unknown responsibility.")
)


class RequirementsSchema(ma.Schema):
    min_years_product = StrictFloat(
        validate=ma.validate.Range(*rules.YEARS_RANGE, error=rules.YEARS_MESSAGE),
        metadata={"description": "Minimum years in product roles"},
    )
    min_years_leadership = StrictFloat(
        validate=ma.validate.Range(*rules.YEARS_RANGE, error=rules.YEARS_MESSAGE),
        metadata={"description": "Minimum years leading people or functions"},
    )
    education = ma.fields.String(
        validate=ma.validate.OneOf(rules.EDUCATION_LEVELS),
        metadata={"description": "Lowest degree accepted: none < bachelor < master < doctorate"},
    )


class ScorecardCompetencyInputSchema(ma.Schema):
    competency = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(shipped_slugs("competencies"), error="Unknown competency."),
        metadata={"description": "Competency slug from /competencies"},
    )
    weight = WholeNumber(
        required=True, validate=ma.validate.Range(*rules.WEIGHT_RANGE, error=rules.WEIGHT_MESSAGE)
    )
    target_level = WholeNumber(
        required=True, validate=ma.validate.Range(*rules.LEVEL_RANGE, error=rules.LEVEL_MESSAGE)
    )
    must_have = StrictBoolean(load_default=False)


class ScorecardCompetencySchema(ScorecardCompetencyInputSchema):
    name = ma.fields.String(dump_only=True)


class ScorecardInputSchema(ma.Schema):
    """The editable fields. POST needs a title; PATCH takes any subset."""

    title = ma.fields.String(
        required=True,
        validate=[
            ma.validate.Length(min=1, max=rules.TITLE_MAX, error="Enter 1 to 200 characters."),
            not_blank,
        ],
    )
    mission = ma.fields.String(
        validate=[
            ma.validate.Length(
                max=rules.MISSION_MAX,
                error=f"Keep the mission under {rules.MISSION_MAX} characters.",
            ),
            plain_text,
        ]
    )
    outcomes = ma.fields.List(
        ma.fields.String(
            validate=[
                ma.validate.Length(
                    min=1, max=rules.OUTCOME_MAX, error="Enter 1 to 300 characters."
                ),
                not_blank,
            ]
        ),
        validate=ma.validate.Length(
            max=rules.MAX_OUTCOMES, error=f"A scorecard has at most {rules.MAX_OUTCOMES} outcomes."
        ),
        metadata={"description": "Measurable outcomes, 3 to 8 recommended"},
    )
    requirements = ma.fields.Nested(RequirementsSchema)
    competencies = ma.fields.List(ma.fields.Nested(ScorecardCompetencyInputSchema))
    responsibilities = ma.fields.List(
        _responsibility, metadata={"description": "Responsibility slugs"}
    )


class ScorecardCreateSchema(ScorecardInputSchema):
    clone_from = ma.fields.String(
        load_default=None,
        validate=ma.validate.Regexp(
            r"^(benchmark|\d{1,18})$", error="Use benchmark or a scorecard id."
        ),
        metadata={
            "description": "Start from `benchmark` (the CPO benchmark) or a scorecard id; "
            "the fields given (a title at least) then override the copy"
        },
    )


class ScorecardSchema(ma.Schema):
    id = ma.fields.Integer()
    title = ma.fields.String()
    mission = ma.fields.String()
    outcomes = ma.fields.List(ma.fields.String())
    status = ma.fields.String(validate=ma.validate.OneOf(rules.STATUSES))
    version = ma.fields.Integer(metadata={"description": "Latest published version, 0 if none"})
    requirements = ma.fields.Nested(RequirementsSchema)
    competencies = ma.fields.List(ma.fields.Nested(ScorecardCompetencySchema))
    responsibilities = ma.fields.List(ma.fields.String())
    created_at = ma.fields.String(metadata={"format": "date-time"})
    updated_at = ma.fields.String(metadata={"format": "date-time"})
    published_at = ma.fields.String(allow_none=True, metadata={"format": "date-time"})


class ScorecardVersionSummarySchema(ma.Schema):
    version = ma.fields.Integer(attribute="number")
    title = ma.fields.Function(lambda version: version.snapshot["title"])
    published_at = ma.fields.DateTime()


class ScorecardFilterSchema(UpdatedSinceSchema):
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(rules.STATUSES))
    q = SearchText(load_default=None, metadata={"description": "Text in the title or mission"})
