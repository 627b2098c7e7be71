"""Migrations run up, down and up again, and leave the schema the models describe."""

import os
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from portal.config import normalise_database_url
from portal.extensions import db
from tests.conftest import MIGRATIONS, make_app


@contextmanager
def scratch_database(tmp_path):
    """A database of its own: a SQLite file, or a new PostgreSQL database beside the test one."""
    configured = os.environ.get("TEST_DATABASE_URL")
    if not configured:
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    parts = urlsplit(normalise_database_url(configured))
    name = parts.path.lstrip("/") + "_migrations"
    admin = create_engine(
        urlunsplit(parts._replace(path="/postgres")), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _tables(url):
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade(tmp_path):
    with scratch_database(tmp_path) as url:
        app = make_app(url)
        with app.app_context():
            upgrade(directory=MIGRATIONS)
            assert _tables(url) == set(db.metadata.tables)
            downgrade(directory=MIGRATIONS, revision="base")
            assert _tables(url) == set()
            upgrade(directory=MIGRATIONS)
            with db.engine.connect() as connection:
                differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
            db.engine.dispose()
        assert differences == [], "models and migrations disagree; generate a migration"


@pytest.mark.parametrize("command", [["db", "current"]])
def test_flask_db_commands_are_registered(runner, command):
    result = runner.invoke(args=command)
    assert result.exit_code == 0, result.output
