"""Flask extensions, created unbound and initialised in create_app."""

from flask import current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from htmx_flask import Htmx
from sqlalchemy import Engine, MetaData, event
from sqlalchemy.orm import DeclarativeBase

from portal.config import POSTGRES_CONNECT_ARGS
from portal.openapi import ProblemApi

# Stable constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# Objects stay readable after commit: an answer about a saved write is built without asking
# the database again, so a connection lost after the commit cannot turn it into a failure.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
api = ProblemApi()
htmx = Htmx()
csrf = CSRFProtect()
login_manager = LoginManager()


class PortalLimiter(Limiter):
    """Flask-Limiter checks every request before its view runs, for application-wide,
    default and blueprint limits; the portal has none of those (only some page views are
    limited, and those check themselves when called), so requests skip that check unless such
    a limit applies to them (a tenth of an API read's time)."""

    def _check_request_limit(self, callable_name=None, in_middleware: bool = True) -> None:
        if in_middleware and not self._limits_before_views():
            return
        super()._check_request_limit(callable_name, in_middleware)

    def _limits_before_views(self) -> bool:
        blueprints = current_app.extensions.setdefault("portal.blueprint_limited", {})
        blueprint = request.blueprint
        if blueprint not in blueprints:
            manager = self.limit_manager
            blueprints[blueprint] = bool(
                manager.application_limits
                or manager.default_limits
                or (blueprint and manager.blueprint_limits(current_app, blueprint))
            )
        return blueprints[blueprint]


limiter = PortalLimiter(key_func=get_remote_address, default_limits=[])


@event.listens_for(Engine, "do_connect")
def _bounded_postgres_waits(dialect, connection_record, cargs, cparams) -> None:
    """The portal's connection settings on PostgreSQL; a value the URL names wins."""
    if dialect.name == "postgresql":
        for name, value in POSTGRES_CONNECT_ARGS.items():
            cparams.setdefault(name, value)
