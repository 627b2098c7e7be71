"""Shared fixtures: one migrated, seeded database per run (SQLite, or TEST_DATABASE_URL)."""

import os
import re
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import create_engine, event, func, inspect, select, text
from werkzeug.serving import make_server

from portal import PROJECT_ROOT, create_app
from portal.config import normalise_database_url
from portal.extensions import db, limiter
from portal.models import Candidate
from portal.services import accounts, api_keys, mail
from portal.services.access import Actor, Origin
from portal.services.framework_loader import load_framework, read_framework_file

MIGRATIONS = str(PROJECT_ROOT / "migrations")
# CI runs the SQLite and the PostgreSQL suites side by side; each gives its modules Redis
# databases of their own (1-7, moved up by TEST_REDIS_DB_OFFSET: 7 for the second suite).
REDIS_DB_OFFSET = int(os.environ.get("TEST_REDIS_DB_OFFSET", "0"))


def redis_url(database: int) -> str:
    """A test module's own Redis database (1 to 7), which it may empty."""
    assert 1 <= database <= 7, database
    return f"redis://127.0.0.1:6379/{database + REDIS_DB_OFFSET}"


def configured_database_url(tmp_dir: Path, name: str = "portal") -> str:
    configured = os.environ.get("TEST_DATABASE_URL")
    if configured:
        return normalise_database_url(configured)
    return f"sqlite:///{tmp_dir / name}.db"


def empty_database(url: str) -> None:
    """Drop every table, so each run starts from migrations on a blank schema."""
    engine = create_engine(url)
    with engine.begin() as connection:
        tables = inspect(connection).get_table_names()
        if connection.dialect.name == "postgresql":
            for table in tables:
                connection.execute(text(f'DROP TABLE IF EXISTS "{table}" CASCADE'))
        else:
            connection.execute(text("PRAGMA foreign_keys=OFF"))
            for table in tables:
                connection.execute(text(f'DROP TABLE IF EXISTS "{table}"'))
    engine.dispose()


def make_app(url: str, **overrides) -> Flask:
    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, **overrides})


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = configured_database_url(tmp_path_factory.mktemp("db"))
    empty_database(url)
    return url


@pytest.fixture(scope="session")
def app(database_url) -> Iterator[Flask]:
    application = make_app(database_url)
    with application.app_context():
        upgrade(directory=MIGRATIONS)
        load_framework(db.session, read_framework_file())
        db.session.remove()
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def session(app):
    """A database session inside an app context, for service-level tests."""
    with app.app_context():
        yield db.session
        db.session.rollback()
        db.session.remove()


@pytest.fixture(scope="session")
def live_server(app) -> Iterator[str]:
    """The portal served over HTTP on a free loopback port, for the browser tests."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(autouse=True)
def _fresh_rate_limits(app):
    """Rate-limit counters are per test, so one test's sign-ins never throttle another's."""
    limiter.reset()


PASSWORD = "correct-horse-battery-staple-9"
PROBLEM = "application/problem+json"
# A JSON Resume a candidate uploads in the profile tests (pages and browser).
SAMPLE_RESUME = {
    "basics": {
        "name": "Jordan Resume",
        "email": "jordan@example.test",
        "label": "Head of Product, B2B SaaS",
        "summary": "Builds product teams.",
    },
    "work": [
        {
            "name": "Acme",
            "position": "Senior Product Manager",
            "startDate": "2010-01-01",
            "endDate": "2014-01-01",
        },
        {
            "name": "Beta",
            "position": "Head of Product",
            "startDate": "2013-01-01",
            "endDate": "2016-01-01",
        },
    ],
    "education": [{"studyType": "BSc"}, {"studyType": "MBA"}],
    "certificates": [
        {"name": "Certified Scrum Product Owner"},
        {"name": "Pragmatic Marketing Certified"},
    ],
    "skills": [{"name": "Data-driven decision making", "level": "Expert"}],
}

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def unique_email(label: str = "user") -> str:
    return f"{label}-{uuid.uuid4().hex[:10]}@example.test"


def csrf_token_from(client, url: str = "/signin") -> str:
    match = CSRF_FIELD.search(client.get(url).text)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def post_form(client, url, data, headers=None, csrf_from=None):
    """POST a page form with the CSRF token the page at `csrf_from` (default `url`) carries."""
    token = csrf_token_from(client, csrf_from or url)
    return client.post(url, data={**data, "csrf_token": token}, headers=headers)


def assert_problem(response, status: int) -> dict:
    """An RFC 9457 problem+json answer with `status`; returns its body."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.json
    assert body["status"] == status
    assert {"type", "title", "status", "detail"} <= set(body)
    return body


SIGN_UP_LINK = re.compile(r"(/signup/confirm/[\w-]+)")


def sign_up_link(email: str) -> str:
    """The path of the newest sign-up confirmation link mailed to `email`."""
    links = [
        found.group(1)
        for message in mail.sent_to(accounts.normalise_email(email))
        if (found := SIGN_UP_LINK.search(message.body))
    ]
    assert links, f"no sign-up link was mailed to {email}"
    return links[-1]


def sign_up(client, data: dict):
    """Sign up as a person does: the form, then the link mailed to the address and its button.
    Answers the button's answer (a 303 to where sign-up leads), or the form's own when it is
    refused (422 with the field errors)."""
    sent = post_form(client, "/signup", data)
    if sent.status_code != 303:
        return sent
    assert sent.location == "/signup/sent", sent.location
    return post_form(client, sign_up_link(data["email"]), {})


def sign_in(client, email: str, password: str = PASSWORD):
    token = csrf_token_from(client)
    return client.post("/signin", data={"email": email, "password": password, "csrf_token": token})


@dataclass
class Organisation:
    """An organisation with a signed-up recruiter, as the tests see it."""

    slug: str
    organisation_id: int
    recruiter_email: str


@pytest.fixture
def make_recruiter(app):
    """Create a recruiter (and organisation) directly through the service layer."""

    def make(email: str | None = None, organisation_name: str | None = None) -> Organisation:
        email = email or unique_email("recruiter")
        with app.app_context():
            user = accounts.register_recruiter(
                db.session,
                email=email,
                password=PASSWORD,
                name="Test Recruiter",
                organisation_name=organisation_name or f"Org {uuid.uuid4().hex[:6]}",
            )
            made = Organisation(user.organisation.slug, user.organisation_id, email)
            db.session.remove()
        return made

    return make


@pytest.fixture
def make_candidate(app):
    def make(email: str | None = None) -> str:
        email = email or unique_email("candidate")
        with app.app_context():
            accounts.register_candidate(db.session, email=email, password=PASSWORD, name="Cand")
            db.session.remove()
        return email

    return make


@pytest.fixture
def make_api_key(app):
    """Create an API key for an organisation; returns the bearer token."""

    def make(organisation_id: int, scopes: list[str], *, revoked: bool = False) -> str:
        with app.app_context():
            issued = api_keys.create_api_key(
                db.session, organisation_id, "test key", scopes, Origin("127.0.0.1", "pytest")
            )
            if revoked:
                api_keys.revoke_api_key(
                    db.session,
                    Actor(organisation_id=organisation_id, role="recruiter"),
                    issued.key.id,
                    Origin(),
                )
            db.session.remove()
        return issued.token

    return make


def pool_size(app, organisation_id: int) -> int:
    """How many candidates the organisation's pool holds (to show nothing was saved)."""
    with app.app_context():
        count = db.session.scalar(
            select(func.count(Candidate.id)).where(Candidate.organisation_id == organisation_id)
        )
        db.session.remove()
    return count


@pytest.fixture
def statements_after_commit(app):
    """`watch(prefix)`: the list of SQL statements the app sends once the transaction that
    sent a statement starting with `prefix` has committed (a prefix never sent fails the
    test: the watch would have proven nothing)."""
    with app.app_context():
        engine = db.engine
    listening = []
    watched = []

    def watch(prefix: str) -> list[str]:
        sent: list[str] = []
        state = {"seen": False, "committed": False}
        watched.append((prefix, state))

        def on_execute(connection, cursor, statement, *args):
            if state["committed"]:
                sent.append(statement)
            elif statement.lstrip().upper().startswith(prefix):
                state["seen"] = True

        def on_commit(connection):
            state["committed"] = state["seen"]

        for name, listener in (("commit", on_commit), ("before_cursor_execute", on_execute)):
            event.listen(engine, name, listener)
            listening.append((name, listener))
        return sent

    yield watch
    for name, listener in listening:
        event.remove(engine, name, listener)
    assert [prefix for prefix, state in watched if not state["seen"]] == []
