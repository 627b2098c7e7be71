"""Scope checks for API operations, documented in the OpenAPI security requirements."""

from functools import wraps

from portal.auth import api_actor

BEARER_SCHEME = "bearerAuth"
COOKIE_SCHEME = "sessionCookie"
SECURITY_SCHEMES = {
    BEARER_SCHEME: {
        "type": "http",
        "scheme": "bearer",
        "description": "An API key created on the API keys page or with `flask api-keys create`.",
    },
    COOKIE_SCHEME: {
        "type": "apiKey",
        "in": "cookie",
        "name": "session",
        "description": "The browser session of a signed-in user (writes also need X-CSRFToken).",
    },
}


def requires(blp, scope: str | None):
    """Authenticate the caller, check `scope`, and pass the Actor to the view as `actor`."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            actor = api_actor()
            if scope is not None:
                actor.require_scope(scope)
            return view(*args, actor=actor, **kwargs)

        roles = [scope] if scope else []
        documented = blp.doc(
            security=[{BEARER_SCHEME: roles}, {COOKIE_SCHEME: roles}],
            description=f"Needs the `{scope}` scope." if scope else "Needs any signed-in caller.",
        )
        return blp.alt_response(401, description="Missing or invalid credentials")(
            blp.alt_response(403, description="The caller lacks the scope or role")(
                documented(wrapper)
            )
        )

    return decorator
