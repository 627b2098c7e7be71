"""Production refuses to start without what it needs (one line, no traceback), trusts exactly
TRUSTED_PROXIES proxies for the client address, and gunicorn recycles no worker by itself."""

import os
import subprocess
import sys

import pytest
from gunicorn.config import Config
from sqlalchemy import select

from benchmarks.servers import gunicorn_settings
from portal import PROJECT_ROOT, create_app
from portal.config import ConfigurationError
from portal.extensions import db
from portal.models import AuditEvent
from tests.conftest import csrf_token_from

FLASK = [sys.executable, "-m", "flask", "--app", "portal", "routes"]


@pytest.mark.parametrize(
    ("environment", "missing"),
    [({}, "SECRET_KEY"), ({"SECRET_KEY": "s" * 40}, "REDIS_URL")],
)
def test_production_refuses_to_start_with_one_line_and_no_traceback(environment, missing):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("SECRET_KEY", "REDIS_URL", "DATABASE_URL")
    }
    result = subprocess.run(
        FLASK,
        env={**env, "PORTAL_ENV": "production", **environment},
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"portal: {missing} must be set")
    assert "Traceback" not in result.stderr


def test_production_needs_redis(monkeypatch):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    monkeypatch.delenv("REDIS_URL", raising=False)
    with pytest.raises(ConfigurationError, match="REDIS_URL"):
        create_app()


@pytest.mark.parametrize("value", ["-1", "two", "99"])
def test_trusted_proxies_must_be_a_small_whole_number(monkeypatch, value):
    monkeypatch.setenv("TRUSTED_PROXIES", value)
    with pytest.raises(ConfigurationError, match="TRUSTED_PROXIES"):
        create_app()


def _failed_sign_in_address(database_url, make_recruiter, monkeypatch, proxies, forwarded):
    monkeypatch.setenv("TRUSTED_PROXIES", proxies)
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url})
    email = make_recruiter().recruiter_email
    client = app.test_client()
    token = csrf_token_from(client)
    client.post(
        "/signin",
        data={"email": email, "password": "wrong-password-123", "csrf_token": token},
        headers={"X-Forwarded-For": forwarded},
        environ_base={"REMOTE_ADDR": "10.9.9.9"},
    )
    with app.app_context():
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.subject == email).order_by(AuditEvent.id.desc())
        )
        address = event.ip_address
        db.session.remove()
        db.engine.dispose()
    return address


def test_behind_one_proxy_the_client_address_is_the_one_it_forwarded(
    database_url, make_recruiter, monkeypatch
):
    address = _failed_sign_in_address(
        database_url, make_recruiter, monkeypatch, "1", "6.6.6.6, 203.0.113.7"
    )
    assert address == "203.0.113.7"  # what the client claimed before the proxy is ignored


def test_without_trusted_proxies_forwarded_headers_are_ignored(
    database_url, make_recruiter, monkeypatch
):
    address = _failed_sign_in_address(database_url, make_recruiter, monkeypatch, "0", "203.0.113.7")
    assert address == "10.9.9.9"


def test_gunicorn_recycles_no_worker_and_opens_no_control_socket():
    config = Config()
    for name, value in gunicorn_settings().items():
        if name in config.settings:
            config.set(name, value)
    assert config.max_requests == 0
    assert config.control_socket_disable is True


def test_demo_data_is_refused_in_production(app, runner, monkeypatch):
    monkeypatch.setitem(app.config, "PORTAL_ENV", "production")
    result = runner.invoke(args=["seed", "--demo"])
    assert result.exit_code != 0
    assert "not in production" in result.output
    assert "Demo logins" not in result.output


def test_reading_the_gunicorn_settings_leaves_this_process_environment_alone():
    before = dict(os.environ)
    gunicorn_settings()
    assert dict(os.environ) == before
