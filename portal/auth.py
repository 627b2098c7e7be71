"""Who is calling: Flask-Login for browser sessions, bearer API keys for integrations."""

from flask import Flask, g, request
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user

from portal.extensions import csrf, db, login_manager
from portal.services import accounts, api_keys
from portal.services.access import Actor, Origin
from portal.services.errors import Unauthenticated

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class SessionCookies(SecureCookieSessionInterface):
    """Flask builds the session cookie's signer for every request; it depends only on the
    keys, so it is built once for each set of keys."""

    def get_signing_serializer(self, app: Flask):
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        kept = app.extensions.get("portal.session_signer")
        if kept is None or kept[0] != keys:
            kept = (keys, super().get_signing_serializer(app))
            app.extensions["portal.session_signer"] = kept
        return kept[1]


def init_auth(app: Flask) -> None:
    app.session_interface = SessionCookies()
    login_manager.init_app(app)
    login_manager.login_view = "accounts.sign_in"
    login_manager.login_message = "Sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    login_manager.user_loader(lambda identity: accounts.load_user(db.session, identity))


def request_origin() -> Origin:
    return Origin(ip_address=request.remote_addr or "", user_agent=request.user_agent.string or "")


def api_actor() -> Actor:
    """The caller of an API operation: a bearer key, else the browser session; 401 otherwise."""
    if "actor" in g:
        return g.actor
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _, token = header.partition(" ")
        actor = api_keys.authenticate_api_key(db.session, token.strip())
        if scheme.lower() != "bearer" or actor is None:
            raise Unauthenticated("The API key is invalid or revoked.", token_rejected=True)
        g.actor = actor
    elif current_user.is_authenticated:
        if request.method not in SAFE_METHODS:
            csrf.protect()  # a cookie-authenticated write must prove it came from our pages
        g.actor = Actor.for_user(current_user)
    else:
        raise Unauthenticated("Sign in, or send Authorization: Bearer <api key>.")
    return g.actor


def page_actor() -> Actor:
    """The signed-in user of a page (pages that call this are behind login_required)."""
    return Actor.for_user(current_user)
