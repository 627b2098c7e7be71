"""Evaluations as the API answers them, and what a submission sends.

A submission is checked by the service (portal.services.evaluations), which knows the
scorecard's published version and names each bad field by its dotted path
("ratings.0.rating"). So the input schema only documents the fields: each takes whatever JSON
value it is sent and hands it on, and the service answers every type, range and presence error
in its own words.
"""

import marshmallow as ma

from portal.schemas.matches import MatchedCandidateSchema
from portal.services.evaluations import NOTE_MAX, RATING_RANGE, RECOMMENDATIONS, SUMMARY_MAX

SUBMITTED_STATUSES = ("submitted", "superseded")  # drafts are private to their interviewer
NO_NUL = "^[^\\u0000]*$"  # the portal refuses text holding a NUL character (400)

RATING_INPUT = {
    "type": "object",
    "required": ["competency", "rating"],
    "properties": {
        "competency": {
            "type": "string",
            "description": "A competency slug on the scorecard's latest published version "
            "(each at most once)",
            "example": "product-strategy",
        },
        "rating": {
            "type": "integer",
            "minimum": RATING_RANGE[0],
            "maximum": RATING_RANGE[1],
            "description": "The behaviour-anchored level observed: 1 = Foundational ... "
            "5 = Executive",
            "example": 4,
        },
        "note": {
            "type": ["string", "null"],
            "maxLength": NOTE_MAX,
            "pattern": NO_NUL,
            "description": "What the interviewer saw that supports the rating",
            "example": "Walked through a 3-year strategy with clear bets and kill criteria.",
        },
    },
}


class Passed(ma.fields.Raw):
    """A JSON value handed to the service as it came, even when missing or null: the field's
    metadata documents what is expected, the service says what is wrong with it."""

    def _validate_missing(self, value):
        """The service names missing and null values itself (and names them by their path)."""


class EvaluationInputSchema(ma.Schema):
    """One whole evaluation, submitted at once against the scorecard's latest published version."""

    interviewer = Passed(
        allow_none=True,
        metadata={
            "type": "string",
            "format": "email",
            "description": "The email of a staff member (recruiter, admin or interviewer) of "
            "the organisation. Defaults to the signed-in user; required with an API key. A "
            "user with the `interviewer` role submits only their own, for interviews assigned "
            "to them.",
            "example": "ada.interviewer@example.com",
        },
    )
    ratings = Passed(
        required=True,
        metadata={
            "type": "array",
            "minItems": 1,
            "items": RATING_INPUT,
            "description": "At least one competency of the published version, each once",
        },
    )
    recommendation = Passed(
        required=True,
        metadata={
            "type": "string",
            "enum": list(RECOMMENDATIONS),
            "description": "The interviewer's overall recommendation",
            "example": "yes",
        },
    )
    summary = Passed(
        allow_none=True,
        metadata={
            "type": "string",
            "maxLength": SUMMARY_MAX,
            "pattern": NO_NUL,
            "description": "The interviewer's summary",
            "example": "Strong strategist; coaching of managers still developing.",
        },
    )
    supersedes = Passed(
        allow_none=True,
        metadata={
            "type": "integer",
            "minimum": 1,
            "description": "The id of the interviewer's current submitted evaluation that this "
            "one corrects (it becomes `superseded`). Without it, a second submission by the "
            "same interviewer is refused with 409.",
            "example": 17,
        },
    )


class EvaluationScorecardSchema(ma.Schema):
    id = ma.fields.Integer()
    version = ma.fields.Integer(metadata={"description": "The published version rated against"})


class EvaluationRatingSchema(ma.Schema):
    competency = ma.fields.String(metadata={"description": "Competency slug"})
    rating = ma.fields.Integer(
        allow_none=True,
        validate=ma.validate.Range(*RATING_RANGE),
        metadata={"description": "1..5; null when not assessed but a note was left"},
    )
    note = ma.fields.String()


class EvaluationSchema(ma.Schema):
    """A submitted (or superseded) evaluation, as CONTRACT shapes it."""

    id = ma.fields.Integer()
    scorecard = ma.fields.Nested(EvaluationScorecardSchema)
    candidate = ma.fields.Nested(MatchedCandidateSchema)
    interviewer = ma.fields.String(metadata={"description": "The interviewer's email"})
    ratings = ma.fields.List(ma.fields.Nested(EvaluationRatingSchema))
    recommendation = ma.fields.String(validate=ma.validate.OneOf(RECOMMENDATIONS))
    summary = ma.fields.String()
    status = ma.fields.String(
        validate=ma.validate.OneOf(SUBMITTED_STATUSES),
        metadata={"description": "`superseded` once a correction replaced it"},
    )
    supersedes = ma.fields.Integer(
        allow_none=True, metadata={"description": "The evaluation this one corrects"}
    )
    submitted_at = ma.fields.String(metadata={"format": "date-time"})
