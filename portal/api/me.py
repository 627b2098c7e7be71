"""Whoami: lets an integration check its key, its organisation and its scopes."""

from flask.views import MethodView

from portal.api.auth import requires
from portal.api.base import ApiBlueprint
from portal.extensions import db
from portal.schemas.accounts import CallerSchema
from portal.services import accounts

blp = ApiBlueprint("me", __name__, url_prefix="/api/v1", description="The authenticated caller.")


@blp.route("/me")
class Me(MethodView):
    @requires(blp, None)
    @blp.response(200, CallerSchema)
    def get(self, actor):
        """Describe the caller

        The signed-in user or the API key, its organisation and its scopes.
        """
        return accounts.describe_caller(db.session, actor)
