"""Shared fixtures: one migrated, seeded database per run (SQLite, or TEST_DATABASE_URL)."""

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import create_engine, inspect, text
from werkzeug.serving import make_server

from portal import PROJECT_ROOT, create_app
from portal.config import normalise_database_url
from portal.extensions import db
from portal.services.framework_loader import load_framework, read_framework_file

MIGRATIONS = str(PROJECT_ROOT / "migrations")


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
