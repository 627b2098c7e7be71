"""Probes, request ids, security headers and configuration from the environment."""

import io
import logging
import uuid

import pytest

from portal import create_app
from portal.config import ConfigurationError
from tests.conftest import csrf_token_from, redis_url


def test_healthz_and_readyz(client):
    assert client.get("/healthz").json == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json["database"] == "ok"


def test_readyz_is_503_when_the_database_is_unreachable(tmp_path):
    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none"}
    )
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["status"] == "unavailable"


def test_request_id_is_echoed_or_created(client):
    assert client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"] == (
        "abc-123"
    )
    generated = client.get("/healthz").headers["X-Request-ID"]
    assert len(generated) == 32
    forged = client.get("/healthz", headers={"X-Request-ID": "bad id <script>"})
    assert len(forged.headers["X-Request-ID"]) == 32


def test_request_id_is_written_in_the_logs(app):
    handler = logging.getLogger("portal").handlers[0]
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        with app.test_request_context(headers={"X-Request-ID": "trace-me-42"}):
            app.preprocess_request()
            logging.getLogger("portal.errors").warning("something to trace")
    finally:
        handler.setStream(previous)
    assert "[trace-me-42]" in stream.getvalue()
    assert "something to trace" in stream.getvalue()


@pytest.mark.parametrize("url", ["/", "/framework", "/api/v1/steps", "/api/v1/nothing"])
def test_security_headers_on_every_response(client, url):
    headers = client.get(url).headers
    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp
    assert "base-uri 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"]
    assert "Strict-Transport-Security" not in headers


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigurationError):
        create_app()


def test_production_settings(monkeypatch, database_url):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("REDIS_URL", redis_url(2))
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    assert app.debug is False
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    headers = app.test_client().get("/healthz").headers
    assert headers["Strict-Transport-Security"].startswith("max-age=")


def test_database_url_from_environment(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u@h/db")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"


def test_default_database_is_sqlite_under_instance(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app()
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    assert uri.startswith("sqlite:///")
    assert uri.endswith("instance/portal.db")


@pytest.mark.parametrize(
    ("kind", "send"),
    [
        (
            "json",
            lambda c: c.post(
                "/api/v1/me", data='{"name": "a\\u0000b"}', content_type="application/json"
            ),
        ),
        (
            "json",
            lambda c: c.post(
                "/api/v1/me", data='{"name": "\\ud800"}', content_type="application/json"
            ),
        ),
        (
            "form",
            lambda c: c.post(
                "/signin",
                data={"email": "a\x00b@x.test", "password": "x", "csrf_token": csrf_token_from(c)},
            ),
        ),
    ],
)
def test_text_no_database_can_store_is_a_bad_request(client, kind, send):
    response = send(client)
    assert response.status_code == 400
    assert "cannot be stored" in response.text
    expected = "application/problem+json" if kind == "json" else "text/html"
    assert response.content_type.startswith(expected)


def test_rate_limits_are_shared_through_redis_when_configured(monkeypatch, database_url):
    """With REDIS_URL set the sign-in counters live in Redis, where every worker sees them."""
    redis = pytest.importorskip("redis")
    url = redis_url(2)
    try:
        redis.Redis.from_url(url).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    monkeypatch.setenv("REDIS_URL", url)
    prefix = f"portal-test-{uuid.uuid4().hex}"
    workers = [
        create_app({"SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_KEY_PREFIX": prefix})
        for _ in range(2)
    ]
    assert workers[0].config["RATELIMIT_STORAGE_URI"] == url
    statuses = []
    for attempt in range(6):
        client = workers[attempt % 2].test_client()
        token = csrf_token_from(client)
        response = client.post(
            "/signin", data={"email": "x@example.test", "password": "nope", "csrf_token": token}
        )
        statuses.append(response.status_code)
    assert statuses == [422] * 5 + [429]
    store = redis.Redis.from_url(url)
    counters = store.keys(f"*{prefix}*accounts.sign_in*")
    assert counters, "the sign-in counters are not kept in Redis"
    store.delete(*counters)
