"""Whoami: lets an integration check its key, its organisation and its scopes; and a signed-in
candidate's own readiness for the CPO role."""

from flask.views import MethodView
from flask_login import current_user

from portal.api.auth import COOKIE_SCHEME, requires
from portal.api.base import ApiBlueprint
from portal.api.matches import MATCH_EXAMPLE
from portal.extensions import db
from portal.schemas.accounts import CallerSchema
from portal.schemas.matches import ReadinessSchema
from portal.services import accounts, matching
from portal.services.errors import Forbidden

blp = ApiBlueprint("me", __name__, url_prefix="/api/v1", description="The authenticated caller.")

READINESS_EXAMPLE = [
    {
        "scorecard": {"id": None, "title": "CPO benchmark", "organisation": None},
        "match": {**MATCH_EXAMPLE, "candidate": None, "scorecard_version": 0},
    },
    {
        "scorecard": {"id": 7, "title": "Chief Product Officer", "organisation": "Acme"},
        "match": {**MATCH_EXAMPLE, "candidate": None},
    },
]


@blp.route("/me")
class Me(MethodView):
    @requires(blp, None)
    @blp.response(200, CallerSchema)
    def get(self, actor):
        """Describe the caller

        The signed-in user or the API key, its organisation and its scopes.
        """
        return accounts.describe_caller(db.session, actor)


@blp.route("/me/readiness")
class Readiness(MethodView):
    @blp.doc(
        security=[{COOKIE_SCHEME: []}],
        description="The CPO benchmark first (`id` null), then every published scorecard of the "
        "organisations the candidate shares their profile with, from their own "
        "self-assessments.\n\nNeeds a signed-in candidate's session; staff and API keys get 403.",
    )
    @requires(blp, None)
    @blp.response(200, ReadinessSchema(many=True), example=READINESS_EXAMPLE)
    def get(self, actor):
        """The signed-in candidate's readiness for the CPO role

        Their match against the CPO benchmark (first, `id` null) and every published scorecard
        of the organisations they share their profile with, from their own self-assessments.
        For a candidate's browser session only: staff users and API keys get 403.
        """
        if actor.role != "candidate":
            raise Forbidden("Readiness is a candidate's own report: sign in as the candidate.")
        roles = matching.readiness(db.session, current_user._get_current_object())
        return [matching.readiness_document(role) for role in roles]
