"""CPO Readiness Portal: the application factory."""

from functools import lru_cache
from inspect import iscoroutinefunction
from pathlib import Path

from flask import Flask
from jinja2 import StrictUndefined
from werkzeug.middleware.proxy_fix import ProxyFix

from portal import config as settings
from portal import vocabulary

# `api` would be shadowed by the portal.api subpackage once imported: a name of its own.
from portal.extensions import api as rest_api
from portal.extensions import csrf, db, htmx, limiter, migrate

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Portal(Flask):
    def ensure_sync(self, func):
        """Flask asks whether each hook and the view is a coroutine function, about 18 times a
        request; a function's answer never changes, so it is asked once per function."""
        if _is_coroutine_function(getattr(func, "__func__", func)):
            return self.async_to_sync(func)
        return func


# Keyed by the function, not a bound method: a view class's method is bound anew per request.
@lru_cache(maxsize=1024)
def _is_coroutine_function(func) -> bool:
    return iscoroutinefunction(func)


def create_app(config: dict | None = None) -> Flask:
    """Build the portal; `config` overrides the environment (tests pass their database here)."""
    app = Portal(
        __name__,
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.from_mapping(settings.from_environment(app.instance_path, PROJECT_ROOT))
    app.config.from_mapping(config or {})
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.jinja_env.undefined = StrictUndefined
    # Forms take their limits (weight 1..5, years 0..60, ...) from the one home of each rule.
    app.jinja_env.globals["bounds"] = vocabulary.bounds()
    app.json.sort_keys = False  # keep documented field order in API answers

    from portal import models  # noqa: F401  (registers the tables with the metadata)
    from portal.api.auth import SECURITY_SCHEMES
    from portal.api.base import register_id_converter
    from portal.api.candidates import document_json_resume
    from portal.auth import init_auth
    from portal.middleware import register_middleware
    from portal.observability import configure_logging, register_observability

    configure_logging(app)
    _configure_mail(app)
    db.init_app(app)
    migrate.init_app(
        app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True, compare_type=True
    )
    htmx.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    init_auth(app)
    register_id_converter(app, rest_api)
    rest_api.init_app(app)
    for name, scheme in SECURITY_SCHEMES.items():
        rest_api.spec.components.security_scheme(name, scheme)
    document_json_resume(rest_api.spec, app.config["JSON_RESUME_SCHEMA"])
    _register_blueprints(app)
    register_middleware(app)
    register_observability(app)
    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        # The client address (rate limits, audit log) and scheme come from exactly this many
        # proxies' X-Forwarded-* headers; anything a client adds in front is ignored.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)

    from portal.cli import register_commands
    from portal.errors import register_error_handlers

    register_error_handlers(app)
    register_commands(app)
    from portal import job_handlers  # noqa: F401  (queues webhook deliveries after each commit)

    return app


def _configure_mail(app: Flask) -> None:
    from portal.services import mail

    if not app.config["SMTP_URL"]:
        mail.configure(None)
        if app.config["PORTAL_ENV"] == "production":
            app.logger.warning(
                "SMTP_URL is not set: sign-up and password reset links go to this log only"
            )
        return
    try:
        mail.configure(mail.smtp_server(app.config["SMTP_URL"], app.config["MAIL_FROM"]))
    except ValueError as malformed:
        raise settings.ConfigurationError(str(malformed)) from None


def _register_blueprints(app: Flask) -> None:
    from portal.api import candidates as candidates_api
    from portal.api import deletions as deletions_api
    from portal.api import evaluations as evaluations_api
    from portal.api import framework as framework_api
    from portal.api import matches as matches_api
    from portal.api import me, ops
    from portal.api import scorecards as scorecards_api
    from portal.api import webhooks as webhooks_api
    from portal.web import (
        accounts,
        candidates,
        interview_plans,
        interviews,
        matches,
        pages,
        profile,
        readiness,
        scorecards,
        webhooks,
    )
    from portal.web import framework as framework_pages

    # The API authenticates per request (bearer key, or session plus CSRF header for writes).
    for blueprint in (
        framework_api.blp,
        me.blp,
        scorecards_api.blp,
        candidates_api.blp,
        deletions_api.blp,
        matches_api.blp,
        evaluations_api.blp,
        webhooks_api.blp,
    ):
        rest_api.register_blueprint(blueprint)
        csrf.exempt(blueprint)
    csrf.exempt(ops.bp)
    pages_blueprints = (pages.bp, framework_pages.bp, accounts.bp, scorecards.bp, candidates.bp)
    interview_pages = (interview_plans.bp, interviews.bp)
    for blueprint in (
        ops.bp,
        *pages_blueprints,
        profile.bp,
        matches.bp,
        readiness.bp,
        *interview_pages,
        webhooks.bp,
    ):
        app.register_blueprint(blueprint)
