"""`flask export` / `flask import`: the whole installation as one JSON document. An export
imported into an empty database and exported again gives the same bytes, on either database;
a damaged file, a non-empty database or another schema version is refused before anything is
written."""

import json
import re
from datetime import timedelta

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Candidate, ImportFile, Organisation, User
from portal.models.types import utcnow
from portal.services import backup, bulk_import
from portal.services.access import Actor
from tests.conftest import MIGRATIONS, make_app
from tests.test_migrations import scratch_database


@pytest.fixture
def exported(app, runner, tmp_path, make_recruiter):
    """An export of the test database, with at least one organisation, the demo data and an
    import waiting with its stored upload (bytes)."""
    organisation = make_recruiter()
    assert runner.invoke(args=["seed", "--demo"]).exit_code == 0
    with app.app_context():
        recruiter = db.session.scalar(
            select(User).where(User.email == organisation.recruiter_email)
        )
        upload = bulk_import.template_csv().replace("@", "+✓@").encode()
        job = bulk_import.start_import(
            db.session, Actor.for_user(recruiter), "waiting.csv", upload, ""
        )
        job.lease_until = utcnow() + timedelta(days=1)  # not due for the sweeps of this run
        db.session.commit()
        db.session.remove()
    path = tmp_path / "export.json"
    result = runner.invoke(args=["export", str(path)])
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture
def empty(tmp_path):
    """A freshly migrated, empty database, and a CLI runner on it."""
    with scratch_database(tmp_path, "import") as url:
        target = make_app(url)
        with target.app_context():
            upgrade(directory=MIGRATIONS)
            db.session.remove()
        yield target
        with target.app_context():
            db.engine.dispose()


def count(app, model) -> int:
    with app.app_context():
        found = db.session.scalar(select(func.count()).select_from(model))
        db.session.remove()
        return found


def test_export_import_export_gives_the_same_document(exported, empty, tmp_path):
    runner = empty.test_cli_runner()
    imported = runner.invoke(args=["import", str(exported)])
    assert imported.exit_code == 0, imported.output
    again = tmp_path / "again.json"
    assert runner.invoke(args=["export", str(again)]).exit_code == 0
    assert again.read_bytes() == exported.read_bytes()
    assert count(empty, ImportFile) >= 1  # stored uploads travel as base64
    document = json.loads(exported.read_text())  # plain JSON any tool can read
    names = [table["table"] for table in document["tables"]]
    assert {"organisations", "candidates", "evaluations", "scorecard_versions"} <= set(names)
    # New rows get fresh ids after an import (PostgreSQL's sequences were moved on).
    with empty.app_context():
        highest = db.session.scalar(select(func.max(Organisation.id)))
        db.session.add(Organisation(slug="after-import", name="After import"))
        db.session.commit()
        assert db.session.scalar(select(func.max(Organisation.id))) > highest
        db.session.remove()


def test_an_import_into_a_database_with_data_is_refused(exported, app):
    before = count(app, Candidate)
    result = app.test_cli_runner().invoke(args=["import", str(exported)])
    assert result.exit_code != 0
    assert "not empty" in result.output
    assert "Traceback" not in result.output
    assert count(app, Candidate) == before


def damaged(path, tmp_path, change) -> str:
    lines = path.read_text().splitlines(keepends=True)
    target = tmp_path / "damaged.json"
    target.write_text("".join(change(lines)))
    return str(target)


def swap_a_value(lines):
    index = next(i for i, line in enumerate(lines) if "Acme Product Co" in line)
    return [
        *lines[:index],
        lines[index].replace("Acme Product Co", "Acme Evil Co"),
        *lines[index + 1 :],
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda lines: lines[: len(lines) // 2], "truncated"),
        (lambda lines: lines[:-1], "truncated"),
        (
            lambda lines: [
                line.replace("[", "{", 1) if i == 5 else line for i, line in enumerate(lines)
            ],
            "line 6",
        ),
        (swap_a_value, "checksum"),
        (lambda lines: [lines[0].replace('"version": 1', '"version": 9'), *lines[1:]], "version"),
        (
            lambda lines: [
                re.sub(r'"schema": "[^"]+"', '"schema": "0003_scorecards"', lines[0]),
                *lines[1:],
            ],
            "migration",
        ),
        (lambda lines: ["hello\n"], "not a portal export"),
        (lambda lines: [*lines, "extra\n"], "more after the end"),
    ],
)
def test_a_damaged_file_is_refused_before_anything_is_written(
    exported, empty, tmp_path, change, message
):
    path = damaged(exported, tmp_path, change)
    result = empty.test_cli_runner().invoke(args=["import", path])
    assert result.exit_code != 0
    assert message in result.output
    assert "Nothing was written" in result.output
    assert count(empty, Organisation) == 0
    assert count(empty, Candidate) == 0


def test_a_file_that_is_not_text_is_refused(empty, tmp_path):
    path = tmp_path / "binary.json"
    path.write_bytes(b"\xff\xfe\x00garbage\n")
    result = empty.test_cli_runner().invoke(args=["import", str(path)])
    assert result.exit_code != 0
    assert "Nothing was written" in result.output


class _WritesDuringExport:
    """An export target that, once the export has begun, has another connection commit an
    organisation (a write arriving while production is being backed up)."""

    def __init__(self, app):
        self.app = app
        self.parts: list[str] = []

    def write(self, data: str) -> None:
        if not self.parts:
            with self.app.app_context(), db.engine.connect() as other:
                other.execute(
                    Organisation.__table__.insert().values(
                        name="Arrived during the export", slug="arrived-during-export"
                    )
                )
                other.commit()
        self.parts.append(data)


def test_an_export_reads_one_snapshot_of_postgresql(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite is the single-process development database")
        target = _WritesDuringExport(app)
        backup.export(db.session, target)
        db.session.remove()
    document = "".join(target.parts)
    assert "Arrived during the export" not in document
    assert json.loads(document)["tables"]
    with app.app_context():
        db.session.execute(
            Organisation.__table__.delete().where(Organisation.slug == "arrived-during-export")
        )
        db.session.commit()
