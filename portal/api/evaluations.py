"""Evaluations over JSON: interviewers' structured ratings of a candidate for a scorecard."""

import inspect

from flask.views import MethodView
from flask_smorest import Page

from portal.api.auth import requires
from portal.api.base import ApiBlueprint
from portal.api.idempotency import idempotent
from portal.auth import request_origin
from portal.extensions import db
from portal.schemas.evaluations import EvaluationInputSchema, EvaluationSchema
from portal.schemas.sync import SubmittedSinceSchema
from portal.services import evaluations

blp = ApiBlueprint(
    "evaluations_api",
    __name__,
    url_prefix="/api/v1",
    description="Interviewers' structured ratings of candidates against published scorecards.",
)

# One interviewer's ratings as an ATS pushes them, and the evaluation the portal answers.
SUBMISSION_EXAMPLE = {
    "interviewer": "ada.interviewer@example.com",
    "ratings": [
        {
            "competency": "product-strategy",
            "rating": 4,
            "note": "Walked through a 3-year strategy with clear bets and kill criteria.",
        },
        {"competency": "team-leadership", "rating": 3, "note": "Coaches ICs; less so managers."},
    ],
    "recommendation": "yes",
    "summary": "Strong strategist; coaching of managers still developing.",
}
EVALUATION_EXAMPLE = {
    "id": 18,
    "scorecard": {"id": 7, "version": 2},
    "candidate": {"id": 42, "name": "Alex Rivera"},
    **SUBMISSION_EXAMPLE,
    "status": "submitted",
    "supersedes": None,
    "submitted_at": "2026-03-02T14:05:09.120000+00:00",
}
CORRECTED_EXAMPLE = {
    **EVALUATION_EXAMPLE,
    "id": 17,
    "ratings": [{"competency": "product-strategy", "rating": 3, "note": ""}],
    "status": "superseded",
    "submitted_at": "2026-03-02T11:40:00+00:00",
}


def needs(scope: str):
    """`requires(blp, scope)` with a documented 404; the OpenAPI description keeps the
    docstring's details beside the scope note."""

    def decorator(view):
        details = inspect.cleandoc(view.__doc__ or "").partition("\n")[2].strip()
        note = f"Needs the `{scope}` scope."
        described = blp.doc(description=f"{note}\n\n{details}" if details else note)
        not_found = blp.alt_response(404, response="NOT_FOUND")
        return described(not_found(requires(blp, scope)(view)))

    return decorator


@blp.route("/scorecards/<id:scorecard_id>/candidates/<id:candidate_id>/evaluations")
class Evaluations(MethodView):
    @needs("evaluations:read")
    @blp.arguments(SubmittedSinceSchema, location="query", as_kwargs=True)
    @blp.response(200, EvaluationSchema(many=True), example=[CORRECTED_EXAMPLE, EVALUATION_EXAMPLE])
    @blp.paginate(Page)
    def get(self, scorecard_id, candidate_id, actor, updated_since=None):
        """List a candidate's evaluations for a scorecard

        Submitted and superseded ones, oldest first (drafts stay private to their interviewer).
        A user with the `interviewer` role sees only interviews assigned to them, and sees the
        other interviewers' evaluations only once they have submitted their own.
        With `updated_since`, only those submitted at or after it (by `submitted_at`, then
        `id`): a submitted evaluation never changes, and a correction is a new one naming the
        evaluation it supersedes in `supersedes`, so a syncing client marks that one superseded
        itself.
        """
        found = evaluations.evaluations_for(
            db.session, actor, scorecard_id, candidate_id, updated_since
        )
        return [evaluations.document(evaluation) for evaluation in found]

    @needs("evaluations:write")
    @idempotent(blp)
    @blp.arguments(EvaluationInputSchema, example=SUBMISSION_EXAMPLE)
    @blp.response(201, EvaluationSchema, example=EVALUATION_EXAMPLE)
    def post(self, values, scorecard_id, candidate_id, actor):
        """Submit an evaluation of a candidate against a scorecard

        Rated against the scorecard's latest published version (422 if it was never
        published); the candidate's match uses the new interview levels at once. Submitted
        evaluations never change: a correction names the one it replaces in `supersedes`, and a
        second submission by the same interviewer without it gets 409 naming the first.
        Recruiters, admins and API keys may submit for any staff member of the organisation;
        a user with the `interviewer` role submits only their own, for interviews assigned to
        them. Bad input gets 422 with each field's path (`ratings.0.rating`).
        """
        answers = []
        evaluations.submit(
            db.session,
            actor,
            scorecard_id,
            candidate_id,
            values,
            request_origin(),
            before_commit=lambda evaluation: answers.append(evaluations.document(evaluation)),
        )
        return answers[0]
