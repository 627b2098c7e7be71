"""Settings read from the environment, with working defaults for local use."""

import os
from pathlib import Path


class ConfigurationError(SystemExit):
    """The environment does not describe a portal that may start: the process ends with this
    one line on standard error and status 1, no traceback (flask commands and gunicorn alike)."""

    def __init__(self, message: str):
        super().__init__(f"portal: {message}")


# Every connection is tested as it leaves the pool (one a database restart or
# pg_terminate_backend killed is replaced, not handed to a request), none is kept longer than
# half an hour, and a request waits at most POOL_TIMEOUT seconds for one: a database that cannot
# keep up is answered 503, not left hanging until gunicorn's timeout.
POOL_TIMEOUT = 10
ENGINE_OPTIONS = {"pool_pre_ping": True, "pool_recycle": 1800, "pool_timeout": POOL_TIMEOUT}
# libpq settings for every PostgreSQL connection (portal.extensions applies them; a value the
# URL names wins): an unreachable host fails the attempt after 5 s, and keepalives notice a
# server that vanished without closing the connection, instead of a request waiting for ever.
# Each query runs on one core: a ranking spread over parallel workers took every core from the
# requests beside it (bench load, 2 cores: p99 410-420 ms with PostgreSQL's default of 2
# workers, 280-310 ms with none). No query is compiled by JIT: compiling took 76 of the 118 ms
# of the recruiter pool's filtered count (bench match, 100,000 candidates: 257 -> 86 ms).
POSTGRES_CONNECT_ARGS = {
    "connect_timeout": 5,
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
    "options": "-c max_parallel_workers_per_gather=0 -c jit=off",
}


def normalise_database_url(url: str) -> str:
    """Point plain PostgreSQL URLs at the psycopg 3 driver the portal ships with."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def from_environment(instance_path: str, project_root: Path) -> dict:
    """Build the Flask configuration for PORTAL_ENV, refusing unsafe production settings."""
    env = os.environ.get("PORTAL_ENV", "development")
    if env not in ("development", "production"):
        raise ConfigurationError(f"PORTAL_ENV must be development or production, not {env!r}")
    production = env == "production"
    secret_key = os.environ.get("SECRET_KEY")
    if production and not secret_key:
        raise ConfigurationError("SECRET_KEY must be set when PORTAL_ENV=production")
    redis_url = os.environ.get("REDIS_URL")
    if production and not redis_url:
        raise ConfigurationError(
            "REDIS_URL must be set when PORTAL_ENV=production "
            "(rate limits and jobs are shared through it by every worker and host)"
        )
    default_db = "sqlite:///" + str(Path(instance_path) / "portal.db")
    return {
        "REDIS_URL": redis_url or "",
        # How long a bulk import's worker may go silent before another resumes the import.
        "IMPORT_LEASE_SECONDS": _whole_number("IMPORT_LEASE_SECONDS", 60, 1, 3600),
        # One JSON object per log line for log collectors, or readable lines for a terminal.
        "LOG_FORMAT": _log_format(production),
        # Who writes a request's access line: the portal (`portal.access`), or the server with
        # the portal's fields (gunicorn.conf.py sets `server`: one line per request, not two).
        "ACCESS_LOG": _choice("ACCESS_LOG", "portal", ("portal", "server")),
        "METRICS_TOKEN": _metrics_token(),
        "SMTP_URL": os.environ.get("SMTP_URL", ""),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "CPO Readiness Portal <no-reply@localhost>"),
        "PORTAL_ENV": env,
        "TRUSTED_PROXIES": _trusted_proxies(),
        "DEBUG": False if production else None,
        "SECRET_KEY": secret_key or "dev-only-not-secret",
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(
            os.environ.get("DATABASE_URL", default_db)
        ),
        "SQLALCHEMY_ENGINE_OPTIONS": dict(ENGINE_OPTIONS),
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        "PREFERRED_URL_SCHEME": "https" if production else "http",
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "WTF_CSRF_TIME_LIMIT": None,
        "JSON_RESUME_SCHEMA": _json_resume_schema(project_root),
        "API_TITLE": "CPO Readiness Portal API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.1.0",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
    }


def _whole_number(name: str, default: int, low: int, high: int) -> int:
    value = os.environ.get(name, str(default)).strip()
    if not value.isdigit() or not low <= int(value) <= high:
        raise ConfigurationError(
            f"{name} must be a whole number from {low} to {high}, not {value!r}"
        )
    return int(value)


def _log_format(production: bool) -> str:
    return _choice("LOG_FORMAT", "json" if production else "text", ("json", "text"))


def _choice(name: str, default: str, allowed: tuple[str, ...]) -> str:
    value = os.environ.get(name, default).strip()
    if value not in allowed:
        raise ConfigurationError(f"{name} must be {' or '.join(allowed)}, not {value!r}")
    return value


# /metrics is not rate-limited: its token must be too long to guess (token_hex(16) or longer).
METRICS_TOKEN_MIN_LENGTH = 32


def _metrics_token() -> str:
    """The bearer token /metrics asks for; without one there is no /metrics."""
    token = os.environ.get("METRICS_TOKEN", "").strip()
    if token and len(token) < METRICS_TOKEN_MIN_LENGTH:
        raise ConfigurationError(
            f"METRICS_TOKEN must be at least {METRICS_TOKEN_MIN_LENGTH} characters "
            "(python3 -c 'import secrets; print(secrets.token_hex(32))')"
        )
    return token


def _trusted_proxies() -> int:
    """How many reverse proxies in front set X-Forwarded-* (0: trust none)."""
    value = os.environ.get("TRUSTED_PROXIES", "0").strip()
    if not value.isdigit() or int(value) > 10:
        raise ConfigurationError(
            f"TRUSTED_PROXIES must be a whole number from 0 to 10, not {value!r}"
        )
    return int(value)


def _json_resume_schema(project_root: Path) -> str:
    """The JSON Resume schema `make assets` copies, else the npm package's own file; the app
    starts without either (resume import then answers that it is unavailable)."""
    copied = project_root / "static" / "vendor" / "jsonresume-schema.json"
    installed = project_root / "node_modules" / "@jsonresume" / "schema" / "schema.json"
    return str(copied if copied.exists() or not installed.exists() else installed)
