"""Settings read from the environment, with working defaults for local use."""

import os
from pathlib import Path


class ConfigurationError(RuntimeError):
    """The environment does not describe a portal that may start."""


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
    default_db = "sqlite:///" + str(Path(instance_path) / "portal.db")
    redis_url = os.environ.get("REDIS_URL")
    return {
        "PORTAL_ENV": env,
        "DEBUG": False if production else None,
        "SECRET_KEY": secret_key or "dev-only-not-secret",
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(
            os.environ.get("DATABASE_URL", default_db)
        ),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
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
        "JSON_RESUME_SCHEMA": str(project_root / "static" / "vendor" / "jsonresume-schema.json"),
        "API_TITLE": "CPO Readiness Portal API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.1.0",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
    }
