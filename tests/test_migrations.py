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
def scratch_database(tmp_path, purpose: str = "migrations"):
    """A database of its own: a SQLite file, or a new PostgreSQL database beside the test one."""
    configured = os.environ.get("TEST_DATABASE_URL")
    if not configured:
        yield f"sqlite:///{tmp_path / purpose}.db"
        return
    parts = urlsplit(normalise_database_url(configured))
    name = f"{parts.path.lstrip('/')}_{purpose}"
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


def test_the_matching_migration_fills_the_ranking_rows_of_existing_candidates(tmp_path):
    with scratch_database(tmp_path) as url:
        app = make_app(url)
        with app.app_context():
            upgrade(directory=MIGRATIONS, revision="0004_candidates")
            with db.engine.begin() as connection:
                for statement in (
                    "INSERT INTO skill_areas (id, slug, name, description, position) "
                    "VALUES (1, 'a', 'A', 'd', 0)",
                    "INSERT INTO competencies (id, slug, name, skill_area_id, description, "
                    "position) VALUES (7, 'c7', 'C7', 1, 'd', 0), (3, 'c3', 'C3', 1, 'd', 1)",
                    "INSERT INTO organisations (id, name, slug, created_at) "
                    "VALUES (1, 'O', 'o', CURRENT_TIMESTAMP)",
                    "INSERT INTO candidates (id, organisation_id, name, email, headline, "
                    "years_product, years_leadership, education, certifications, summary, "
                    "work_history, revision, created_at, updated_at) VALUES (5, 1, 'N', '', '', "
                    "8.3, 2, 'master', '[]', '', '[]', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
                    "INSERT INTO assessments (candidate_id, competency_id, source, level, "
                    "evidence, updated_at) VALUES (5, 7, 'self', 4, '', CURRENT_TIMESTAMP), "
                    "(5, 3, 'interview', 2, '', CURRENT_TIMESTAMP)",
                ):
                    connection.execute(text(statement))
            upgrade(directory=MIGRATIONS)
            with db.engine.connect() as connection:
                slots = dict(connection.execute(text("SELECT slug, slot FROM competencies")).all())
                row = connection.execute(text("SELECT * FROM match_profiles")).mappings().one()
            db.engine.dispose()
        assert slots == {"c3": 1, "c7": 2}  # slots follow ids
        assert (row["candidate_id"], row["organisation_id"]) == (5, 1)
        assert (row["years_product"], row["years_leadership"], row["education"]) == (83, 20, 2)
        assert (row["l1"], row["l2"], row["l3"]) == (None, 40, None)  # self levels only
