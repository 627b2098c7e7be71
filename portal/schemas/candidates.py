"""Candidates as the API reads and writes them; the pages load their forms with the same fields."""

import marshmallow as ma

from portal.schemas.fields import SearchText, StrictFloat, WholeNumber, not_blank, plain_text
from portal.schemas.sync import UpdatedSinceSchema
from portal.services import candidates as rules
from portal.services.candidates import BACKGROUNDS, EDUCATION_LEVELS, SOURCES
from portal.services.framework_loader import shipped_slugs

_years = {
    "validate": ma.validate.Range(*rules.YEARS_RANGE, error=rules.YEARS_MESSAGE),
}


class AssessmentInputSchema(ma.Schema):
    competency = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(shipped_slugs("competencies"), error="Unknown competency."),
    )
    level = WholeNumber(
        required=True,
        validate=ma.validate.Range(*rules.ASSESSED_LEVEL_RANGE, error=rules.LEVEL_MESSAGE),
        metadata={"description": "0 = no evidence yet, 1 = Foundational ... 5 = Executive"},
    )
    evidence = ma.fields.String(
        load_default="",
        validate=[
            ma.validate.Length(max=2000, error="Keep evidence under 2,000 characters."),
            plain_text,
        ],
    )


class AssessmentSchema(ma.Schema):
    competency = ma.fields.String()
    level = ma.fields.Float(metadata={"description": "0..5; interview levels are means, 1 decimal"})
    evidence = ma.fields.String()
    source = ma.fields.String(validate=ma.validate.OneOf(SOURCES))


class CandidateInputSchema(ma.Schema):
    """The editable fields. POST needs a name; PATCH takes any subset. Assessments are `self`."""

    name = ma.fields.String(
        required=True,
        validate=[
            ma.validate.Length(min=1, max=200, error="Enter 1 to 200 characters."),
            not_blank,
        ],
    )
    email = ma.fields.Email(
        validate=ma.validate.Length(max=254),
        error_messages={"invalid": "Enter a valid email address."},
    )
    headline = ma.fields.String(
        validate=[ma.validate.Length(max=200, error="Use at most 200 characters."), plain_text]
    )
    years_product = StrictFloat(**_years)
    years_leadership = StrictFloat(**_years)
    education = ma.fields.String(validate=ma.validate.OneOf(EDUCATION_LEVELS))
    certifications = ma.fields.List(
        ma.fields.String(validate=[ma.validate.Length(min=1, max=200), not_blank]),
        validate=ma.validate.Length(max=50, error="List at most 50 certifications."),
    )
    background = ma.fields.String(allow_none=True, validate=ma.validate.OneOf(BACKGROUNDS))
    summary = ma.fields.String(
        validate=[ma.validate.Length(max=5000, error="Keep it under 5,000 characters."), plain_text]
    )
    assessments = ma.fields.List(
        ma.fields.Nested(AssessmentInputSchema),
        metadata={"description": "Replaces the self-assessments; interview ones are kept"},
    )


class CandidateSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    email = ma.fields.String()
    headline = ma.fields.String()
    years_product = ma.fields.Float()
    years_leadership = ma.fields.Float()
    education = ma.fields.String(validate=ma.validate.OneOf(EDUCATION_LEVELS))
    certifications = ma.fields.List(ma.fields.String())
    background = ma.fields.String(allow_none=True)
    summary = ma.fields.String()
    assessments = ma.fields.List(ma.fields.Nested(AssessmentSchema))
    updated_at = ma.fields.String(
        metadata={
            "format": "date-time",
            "description": "When this document last changed for your organisation: the latest "
            "edit of the profile, the moment a self-registered candidate shared it with you, or "
            "your latest submitted evaluation of the candidate (its interview levels are in "
            "`assessments`), whichever is latest",
        }
    )


class CandidateFilterSchema(UpdatedSinceSchema):
    q = SearchText(load_default=None, metadata={"description": "Text in the name or headline"})
    education = ma.fields.String(load_default=None, validate=ma.validate.OneOf(EDUCATION_LEVELS))
    background = ma.fields.String(load_default=None, validate=ma.validate.OneOf(BACKGROUNDS))
    competency = ma.fields.String(
        load_default=None,
        validate=ma.validate.OneOf(shipped_slugs("competencies")),
        metadata={"description": "Only candidates assessed on this competency"},
    )
    min_level = ma.fields.Integer(
        load_default=None,
        validate=ma.validate.Range(*rules.FILTER_LEVEL_RANGE),
        metadata={"description": "With `competency` (required with it): at least this level"},
    )

    @ma.validates_schema
    def _level_needs_a_competency(self, data, **kwargs):
        """A level alone filters nothing: refuse it instead of ignoring it."""
        if data.get("min_level") is not None and not data.get("competency"):
            raise ma.ValidationError(
                "Choose the competency this level applies to.", field_name="min_level"
            )
