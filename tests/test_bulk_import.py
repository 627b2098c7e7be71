"""Bulk import (CSV, zip of JSON Resumes): run synchronously against the run's real database."""

import csv
import io
import json
import re
import time
import tracemalloc
import zipfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select, text

from portal.extensions import db
from portal.models import (
    Assessment,
    Candidate,
    Competency,
    ImportFailure,
    ImportFile,
    ImportJob,
    User,
)
from portal.models.types import utcnow
from portal.services import bulk_import, match_profiles
from portal.services.access import Actor
from portal.services.bulk_import import (
    COMPETENCY_COLUMNS,
    CSV_COLUMNS,
    REQUIRED_COLUMNS,
    job_for,
    recent_jobs,
    run_job,
    start_import,
)
from portal.services.errors import NotFound, ValidationFailed
from tests.conftest import csrf_token_from, sign_in

GOOD = {
    "name": "Ada Product",
    "email": "ada@example.test",
    "headline": "VP Product",
    "years_product": "12.26",
    "years_leadership": "6",
    "education": "Master",
    "background": "product-management",
    "certifications": "CSPO; Pragmatic Institute ;",
    "summary": "Led three product lines.",
    "product-strategy": "4",
    "team-leadership": "3",
}


@pytest.fixture
def actor(session, make_recruiter) -> Actor:
    organisation = make_recruiter()
    user = session.scalar(select(User).where(User.email == organisation.recruiter_email))
    return Actor.for_user(user)


@pytest.fixture
def schema_path(app) -> str:
    path = app.config["JSON_RESUME_SCHEMA"]
    if not Path(path).exists():
        pytest.skip("the JSON Resume schema is built by `make assets`")
    return path


def csv_bytes(rows: list[dict], columns=CSV_COLUMNS) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), restval="", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def run(session, job: ImportJob, schema_path: str = "") -> ImportJob:
    """The job, run as a worker runs it (from the stored file), then as the database has it."""
    run_job(session, job.id, schema_path)
    session.expire_all()
    return session.get(ImportJob, job.id)


def imported(session, actor: Actor) -> list[Candidate]:
    statement = (
        select(Candidate)
        .where(Candidate.organisation_id == actor.organisation_id)
        .order_by(Candidate.id)
    )
    return list(session.scalars(statement))


def self_levels(session, candidate: Candidate) -> dict[str, float]:
    statement = (
        select(Competency.slug, Assessment.level)
        .join(Competency, Competency.id == Assessment.competency_id)
        .where(Assessment.candidate_id == candidate.id, Assessment.source == "self")
    )
    return dict(session.execute(statement).all())


def failures_of(session, job: ImportJob) -> list[dict]:
    """The job's failed rows as stored, in file order, as {"row", "name", "errors"}."""
    statement = (
        select(ImportFailure).where(ImportFailure.job_id == job.id).order_by(ImportFailure.position)
    )
    return [
        {"row": int(f.ref) if f.ref.isdigit() else f.ref, "name": f.name, "errors": f.errors}
        for f in session.scalars(statement)
    ]


def job_count(session, actor: Actor) -> int:
    statement = select(func.count(ImportJob.id)).where(
        ImportJob.organisation_id == actor.organisation_id
    )
    return session.scalar(statement)


# --- CSV -------------------------------------------------------------------------------------


def test_csv_imports_exactly_the_good_rows_and_reports_each_bad_one(session, actor, monkeypatch):
    monkeypatch.setattr(bulk_import, "BATCH_SIZE", 3)  # several batches, and a partial last one
    rows = [
        GOOD,  # 1
        {**GOOD, "name": "Bad Email", "email": "not-an-email"},  # 2
        {**GOOD, "name": "Bo Minimal", "email": "", "education": "", "background": "",
         "years_product": "", "years_leadership": "", "certifications": "", "summary": "",
         "product-strategy": "", "team-leadership": "0"},  # 3
        {**GOOD, "name": "Too Long", "years_product": "61"},  # 4
        {**GOOD, "name": "Negative", "years_leadership": "-2"},  # 5
        {**GOOD, "name": "Level Seven", "team-leadership": "7"},  # 6
        {**GOOD, "name": "Astronaut", "background": "astronaut"},  # 7
        {**GOOD, "name": "  "},  # 8
        {**GOOD, "name": "Wordy Years", "years_product": "ten"},  # 9
        {**GOOD, "name": "Cy Complete", "email": "cy@example.test",
         **dict.fromkeys(COMPETENCY_COLUMNS, "5")},  # 10
    ]  # fmt: skip
    data = csv_bytes(rows)
    job = start_import(session, actor, "candidates.csv", data, "")
    assert (job.status, job.kind, job.total, job.processed) == ("queued", "csv", 10, 0)

    job = run(session, job)

    assert (job.status, job.error) == ("done", "")
    assert (job.total, job.processed, job.succeeded) == (10, 10, 3)
    assert job.finished_at is not None
    reported = {
        failure["row"]: (failure["name"], failure["errors"])
        for failure in failures_of(session, job)
    }
    assert sorted(reported) == [2, 4, 5, 6, 7, 8, 9]
    assert list(reported[2][1]) == ["email"]
    assert reported[2][0] == "Bad Email"
    assert list(reported[4][1]) == ["years_product"]
    assert list(reported[5][1]) == ["years_leadership"]
    assert reported[6][1] == {"team-leadership": ["Level is a whole number from 0 to 5."]}
    assert list(reported[7][1]) == ["background"]
    assert list(reported[8][1]) == ["name"]
    assert list(reported[9][1]) == ["years_product"]

    ada, bo, cy = imported(session, actor)
    assert (ada.name, ada.email, ada.headline, ada.education) == (
        "Ada Product",
        "ada@example.test",
        "VP Product",
        "master",
    )
    assert (ada.years_product, ada.years_leadership) == (12.3, 6.0)
    assert ada.certifications == ["CSPO", "Pragmatic Institute"]
    assert (ada.background, ada.revision, ada.user_id) == ("product-management", 1, None)
    assert ada.created_at is not None
    assert ada.updated_at == ada.created_at
    assert self_levels(session, ada) == {"product-strategy": 4, "team-leadership": 3}
    assert (bo.email, bo.education, bo.background, bo.years_product, bo.certifications) == (
        "",
        "none",
        None,
        0.0,
        [],
    )
    assert self_levels(session, bo) == {"team-leadership": 0}
    assert self_levels(session, cy) == dict.fromkeys(COMPETENCY_COLUMNS, 5)


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        ([c for c in CSV_COLUMNS if c != "email"], "Missing column 'email'"),
        ([*CSV_COLUMNS, "shoe_size"], "Unknown column 'shoe_size'"),
        ([*REQUIRED_COLUMNS, "product-strategy", "Product-Strategy"], "Duplicate column"),
        ([*REQUIRED_COLUMNS, ""], f"Column {len(REQUIRED_COLUMNS) + 1} has no name"),
    ],
    ids=["missing", "unknown", "duplicate", "unnamed"],
)
def test_a_file_with_wrong_columns_is_refused_whole(session, actor, columns, message):
    data = csv_bytes([GOOD, GOOD], columns)
    with pytest.raises(ValidationFailed) as refused:
        start_import(session, actor, "candidates.csv", data, "")
    assert any(line.startswith(message) for line in refused.value.errors["columns"])
    assert job_count(session, actor) == 0
    assert imported(session, actor) == []


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        ("candidates.csv", csv_bytes([GOOD]).decode().encode("utf-16"), "not UTF-8"),
        ("candidates.csv", csv_bytes([GOOD]).decode().encode("utf-16-le"), "not UTF-8"),
        ("candidates.csv", csv_bytes([{**GOOD, "name": "Zoë"}]).decode().encode("latin-1"),
         "not UTF-8"),
        ("candidates.csv", b"", "empty"),
        ("candidates.csv", csv_bytes([]), "no rows"),
        ("candidates.xlsx", csv_bytes([GOOD]), "Upload a .csv file"),
        ("resumes.zip", b"PK\x03\x04 not really", "not a readable zip"),
    ],
    ids=["utf-16", "utf-16-no-bom", "latin-1", "empty", "header-only", "xlsx", "bad-zip"],
)  # fmt: skip
def test_an_unreadable_file_is_refused(session, actor, filename, data, message):
    with pytest.raises(ValidationFailed) as refused:
        start_import(session, actor, filename, data, "")
    assert message in refused.value.errors["file"][0]
    assert job_count(session, actor) == 0


def test_a_utf8_file_with_a_byte_order_mark_and_a_ragged_row(session, actor):
    data = "\ufeff".encode() + csv_bytes([GOOD]) + b"Short Row,short@example.test\r\n\r\n"
    job = start_import(session, actor, "excel.csv", data, "")
    assert job.total == 2  # the blank line is not a row

    job = run(session, job)

    assert (job.processed, job.succeeded) == (2, 1)
    assert failures_of(session, job) == [
        {
            "row": 2,
            "name": "Short Row",
            "errors": {"_row": [f"This row has 2 cells; the header has {len(CSV_COLUMNS)}."]},
        }
    ]


def test_rows_the_database_refuses_fail_alone(session, actor):
    """A batch the database refuses is retried row by row: the other rows are still imported."""
    refused_name = f"Refused {actor.organisation_id}"
    dialect = db.engine.dialect.name
    if dialect == "sqlite":
        ddl = [
            "CREATE TRIGGER refuse_bulk BEFORE INSERT ON candidates "
            f"WHEN NEW.name = '{refused_name}' BEGIN SELECT RAISE(ABORT, 'refused'); END"
        ]
        drop = ["DROP TRIGGER refuse_bulk"]
    else:
        ddl = [
            "CREATE FUNCTION refuse_bulk() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF NEW.name = '{refused_name}' THEN RAISE EXCEPTION 'refused'; END IF; "
            "RETURN NEW; END $$",
            "CREATE TRIGGER refuse_bulk BEFORE INSERT ON candidates "
            "FOR EACH ROW EXECUTE FUNCTION refuse_bulk()",
        ]
        drop = ["DROP TRIGGER refuse_bulk ON candidates", "DROP FUNCTION refuse_bulk()"]
    rows = [
        GOOD,
        {**GOOD, "name": refused_name, "email": "refused@example.test"},
        {**GOOD, "name": "Di After", "email": "di@example.test"},
    ]
    data = csv_bytes(rows)
    job = start_import(session, actor, "candidates.csv", data, "")
    with db.engine.begin() as connection:
        for statement in ddl:
            connection.execute(text(statement))
    try:
        job = run(session, job)
    finally:
        with db.engine.begin() as connection:
            for statement in drop:
                connection.execute(text(statement))

    assert (job.status, job.processed, job.succeeded) == ("done", 3, 2)
    assert failures_of(session, job) == [
        {"row": 2, "name": refused_name, "errors": {"_row": [bulk_import.DATABASE_REFUSED]}}
    ]
    assert [c.name for c in imported(session, actor)] == ["Ada Product", "Di After"]
    assert session.scalar(
        select(func.count(Assessment.id))
        .join(Candidate)
        .where(Candidate.organisation_id == actor.organisation_id)
    ) == 4  # fmt: skip


def test_an_unexpected_error_ends_the_job_as_failed_without_raising(session, actor):
    data = csv_bytes([GOOD])
    job = start_import(session, actor, "candidates.csv", data, "")
    session.get(ImportFile, job.id).content = b"\xff\xfe not the uploaded file"
    session.commit()

    job = run(session, job)

    assert job.status == "failed"
    assert "not UTF-8" in job.error
    assert job.finished_at is not None
    assert imported(session, actor) == []
    assert session.get(ImportFile, job.id) is None  # a finished job keeps no file


def test_a_job_whose_file_is_gone_fails_and_says_so(session, actor):
    job = start_import(session, actor, "candidates.csv", csv_bytes([GOOD]), "")
    session.delete(session.get(ImportFile, job.id))
    session.commit()

    job = run(session, job)

    assert job.status == "failed"
    assert "no longer stored; upload it again" in job.error


def test_a_job_runs_once(session, actor):
    data = csv_bytes([GOOD])
    job = start_import(session, actor, "candidates.csv", data, "")
    run(session, job)
    job = run(session, job)
    assert (job.status, job.succeeded) == ("done", 1)
    assert len(imported(session, actor)) == 1


# --- zip of JSON Resumes ---------------------------------------------------------------------

RESUME = {
    "basics": {"name": "Eve Resume", "email": "eve@example.test", "label": "Head of Product"},
    "work": [
        {"name": "Acme", "position": "Product Manager", "startDate": "2014-01-01",
         "endDate": "2018-01-01"},
        {"name": "Beta", "position": "Director of Product", "startDate": "2018-01-01",
         "endDate": "2020-01-01"},
    ],
    "education": [{"institution": "Uni", "studyType": "MBA"}],
    "certificates": [{"name": "CSPO"}],
    "skills": [{"name": "Product strategy", "level": "Expert"}],
}  # fmt: skip


def zip_bytes(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


def test_a_zip_imports_each_valid_resume_and_names_each_failing_file(session, actor, schema_path):
    invalid = {**RESUME, "basics": {"name": "Fay Invalid", "email": 42}}
    data = zip_bytes(
        {
            "resumes/eve.json": json.dumps(RESUME).encode(),
            "resumes/broken.json": b'{"basics": {"name": ',
            "resumes/fay.json": json.dumps(invalid).encode(),
            "resumes/README.txt": b"not a resume",
            "__MACOSX/resumes/._eve.json": b"\x00\x05\x16\x07",
        }
    )
    job = start_import(session, actor, "resumes.zip", data, schema_path)
    assert (job.kind, job.total) == ("zip", 3)

    job = run(session, job, schema_path)

    assert (job.status, job.total, job.processed, job.succeeded) == ("done", 3, 3, 1)
    failures = {failure["row"]: failure for failure in failures_of(session, job)}
    assert sorted(failures) == ["resumes/broken.json", "resumes/fay.json"]
    assert list(failures["resumes/broken.json"]["errors"]) == ["_document"]
    assert "Not valid JSON" in failures["resumes/broken.json"]["errors"]["_document"][0]
    assert failures["resumes/fay.json"]["name"] == "Fay Invalid"
    assert "basics.email" in failures["resumes/fay.json"]["errors"]

    (eve,) = imported(session, actor)
    assert (eve.name, eve.email, eve.headline, eve.education) == (
        "Eve Resume",
        "eve@example.test",
        "Head of Product",
        "master",
    )
    assert (eve.years_product, eve.years_leadership) == (6.0, 2.0)
    assert eve.certifications == ["CSPO"]
    assert len(eve.work_history) == 2
    assert self_levels(session, eve).get("product-strategy") == 5


@pytest.mark.parametrize(
    ("limit", "value", "members", "message"),
    [
        ("ZIP_MAX_MEMBERS", 2, {"a.json": b"{}", "b.json": b"{}", "c.json": b"{}"}, "more than 2"),
        ("ZIP_MAX_TOTAL_BYTES", 1000, {"a.json": b" " * 1001}, "unpacks to more than"),
        ("ZIP_MAX_MEMBERS", 10, {"notes.txt": b"hello"}, "no .json files"),
    ],
    ids=["too-many-files", "too-many-bytes", "no-json"],
)
def test_a_zip_bomb_or_a_zip_without_resumes_is_refused(
    session, actor, monkeypatch, limit, value, members, message
):
    monkeypatch.setattr(bulk_import, limit, value)
    with pytest.raises(ValidationFailed) as refused:
        start_import(session, actor, "resumes.zip", zip_bytes(members), "")
    assert message in refused.value.errors["file"][0]
    assert job_count(session, actor) == 0


# --- reading jobs ----------------------------------------------------------------------------


def test_jobs_are_visible_to_their_organisation_only(session, actor, make_recruiter):
    data = csv_bytes([GOOD])
    job = start_import(session, actor, "candidates.csv", data, "")
    other = make_recruiter()
    stranger = Actor.for_user(
        session.scalar(select(User).where(User.email == other.recruiter_email))
    )

    assert job_for(session, actor, job.id).id == job.id
    assert [j.id for j in recent_jobs(session, actor)] == [job.id]
    with pytest.raises(NotFound):
        job_for(session, stranger, job.id)
    assert recent_jobs(session, stranger) == []
    # Nor can another organisation cancel it.
    with pytest.raises(NotFound):
        bulk_import.request_cancel(session, stranger, job.id)
    assert job_for(session, actor, job.id).cancel_requested is False
    assert bulk_import.request_cancel(session, actor, job.id).status == "cancelled"  # theirs


# --- updating by email (issue 9) -------------------------------------------------------------


def rows_are_fresh(session, *shown) -> bool:
    """The ranking rows of these candidates equal a rebuild (other tests of the run write
    interview levels straight into the ranking rows, so the whole table is not checked)."""
    return not set(match_profiles.stale_candidates(session)) & {c.id for c in shown}


def test_a_reupload_updates_its_candidates_instead_of_creating_twins(session, actor):
    other = {**GOOD, "name": "Bo Second", "email": "bo@example.test", "team-leadership": ""}
    first = csv_bytes([GOOD, other])
    job = run(session, start_import(session, actor, "pool.csv", first, ""))
    assert (job.created, job.updated, job.failed) == (2, 0, 0)
    ada = imported(session, actor)[0]
    session.add(
        Assessment(
            candidate_id=ada.id,
            competency_id=session.scalar(
                select(Competency.id).where(Competency.slug == "data-driven-decision-making")
            ),
            source="interview",
            level=2.5,
        )
    )
    session.commit()

    changed = {
        **GOOD,
        "email": "ADA@Example.TEST",  # the same person, whatever the case
        "headline": "Chief Product Officer",
        "summary": "",  # blank: keeps what the candidate has
        "product-strategy": "5",  # replaces the self level
        "team-leadership": "",  # blank: keeps 3
        "data-driven-decision-making": "4",  # a new self level; the interview level stays
    }
    again = csv_bytes([changed, other])
    job = run(session, start_import(session, actor, "pool.csv", again, ""))

    assert (job.status, job.created, job.updated, job.failed) == ("done", 0, 2, 0)
    ada, bo = imported(session, actor)
    assert (ada.headline, ada.summary, ada.email) == (
        "Chief Product Officer",
        "Led three product lines.",
        "ADA@Example.TEST",  # as the row spells it now
    )
    assert ada.revision == 2
    assert self_levels(session, ada) == {
        "product-strategy": 5,
        "team-leadership": 3,
        "data-driven-decision-making": 4,
    }
    interview = session.scalars(
        select(Assessment.level).where(
            Assessment.candidate_id == ada.id, Assessment.source == "interview"
        )
    ).all()
    assert interview == [2.5]
    assert bo.name == "Bo Second"
    assert rows_are_fresh(session, ada, bo)


def test_an_email_twice_in_one_file_creates_once_then_updates(session, actor, monkeypatch):
    monkeypatch.setattr(bulk_import, "BATCH_SIZE", 500)
    rows = [GOOD, {**GOOD, "headline": "Second row wins"}, {**GOOD, "email": ""}]
    data = csv_bytes(rows)
    job = run(session, start_import(session, actor, "twice.csv", data, ""))
    assert (job.created, job.updated, job.failed) == (2, 1, 0)  # no email: always a new one
    ada, _no_email = imported(session, actor)
    assert ada.headline == "Second row wins"
    assert rows_are_fresh(session, ada, _no_email)


def test_a_resume_for_a_known_email_merges_and_keeps_their_own_self_assessments(
    session, actor, schema_path
):
    first = csv_bytes([{**GOOD, "email": "eve@example.test", "product-strategy": "2"}])
    run(session, start_import(session, actor, "pool.csv", first, ""))
    no_email = {**RESUME, "basics": {"name": "Nell Noemail"}}
    data = zip_bytes(
        {"eve.json": json.dumps(RESUME).encode(), "nell.json": json.dumps(no_email).encode()}
    )

    job = start_import(session, actor, "r.zip", data, schema_path)
    job = run(session, job, schema_path)

    assert (job.created, job.updated, job.failed) == (1, 1, 0)
    eve, nell = imported(session, actor)
    assert (eve.name, eve.headline, eve.education) == ("Eve Resume", "Head of Product", "master")
    assert len(eve.work_history) == 2
    assert self_levels(session, eve)["product-strategy"] == 2  # a suggestion never overwrites
    assert self_levels(session, eve)["team-leadership"] == 3  # the CSV's, untouched
    assert (nell.name, nell.email) == ("Nell Noemail", "")
    assert rows_are_fresh(session, eve, nell)


# --- progress and failures -------------------------------------------------------------------


class StatementLog:
    """The SQL statements (and their parameters' size) the engine runs while it is open."""

    def __init__(self):
        self.statements: list[tuple[str, int]] = []

    def __enter__(self):
        event.listen(db.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        event.remove(db.engine, "before_cursor_execute", self._record)

    def _record(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append((statement, len(repr(parameters))))

    def matching(self, start: str) -> list[int]:
        return [size for statement, size in self.statements if statement.startswith(start)]


def test_progress_is_committed_every_two_percent(session, actor):
    rows = [{**GOOD, "email": f"p{n}@example.test"} for n in range(300)]
    data = csv_bytes(rows)
    job = start_import(session, actor, "progress.csv", data, "")
    with StatementLog() as log:
        job = run(session, job)
    assert (job.created, job.processed) == (300, 300)
    progress_updates = log.matching("UPDATE import_jobs")
    assert len(progress_updates) >= 50  # 2 % of 300 rows is 6 rows


def test_failures_are_appended_as_rows_not_rewritten(session, actor, monkeypatch):
    """Recording failures costs the same per batch however many came before: each batch
    appends its own rows, and the job's row stays the same size."""
    monkeypatch.setattr(bulk_import, "PROGRESS_SHARE", 1)
    monkeypatch.setattr(bulk_import, "BATCH_SIZE", 100)
    bad = [{**GOOD, "name": f"Bad {n}", "email": "not-an-email"} for n in range(1000)]
    data = csv_bytes(bad)
    job = start_import(session, actor, "bad.csv", data, "")
    with StatementLog() as log:
        job = run(session, job)

    assert (job.processed, job.failed) == (1000, 1000)
    assert session.scalar(
        select(func.count(ImportFailure.id)).where(ImportFailure.job_id == job.id)
    ) == 1000  # fmt: skip
    appends = log.matching("INSERT INTO import_failures")
    assert len(appends) == 10  # one per batch (executemany), never a rewrite of earlier ones
    assert max(appends) < 3 * min(appends)  # each batch sends only its own rows
    job_updates = log.matching("UPDATE import_jobs")
    assert max(job_updates) < 2_000  # the job row never carries the failures
    assert job.problems == [
        {"field": "email", "message": "Enter a valid email address.", "rows": 1000, "first": "1"}
    ]


# --- zip bombs -------------------------------------------------------------------------------


def big_member_zip(size: int) -> bytes:
    """A zip of one .json member of `size` spaces, written without holding it in memory."""
    out = io.BytesIO()
    chunk = b" " * (1024 * 1024)
    with (
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("huge.json", "w", force_zip64=True) as member,
    ):
        for _ in range(size // len(chunk)):
            member.write(chunk)
    return out.getvalue()


@pytest.fixture(scope="module")
def zip_bomb() -> bytes:
    return big_member_zip(100 * 1024 * 1024)


def test_a_zip_bomb_is_refused_without_unpacking_it(session, actor, zip_bomb):
    assert len(zip_bomb) < 200 * 1024  # about 100 KB that unpacks to 100 MB
    tracemalloc.start()
    try:
        with pytest.raises(ValidationFailed) as refused:
            start_import(session, actor, "bomb.zip", zip_bomb, "")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "zip bomb" in refused.value.errors["file"][0]
    assert peak < 5 * 1024 * 1024
    assert job_count(session, actor) == 0


def test_an_oversized_member_fails_alone_unread(session, actor, monkeypatch, zip_bomb):
    """Past the zip's caps, a member larger than a resume is still never read whole."""
    monkeypatch.setattr(bulk_import, "ZIP_MAX_RATIO", 10**6)
    job = start_import(session, actor, "bomb.zip", zip_bomb, "")
    tracemalloc.start()
    try:
        job = run(session, job)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (job.status, job.failed) == ("done", 1)
    (failure,) = failures_of(session, job)
    assert "larger than 1,024 KB" in failure["errors"]["_document"][0]
    assert peak < 10 * 1024 * 1024


def test_a_member_larger_than_it_declares_is_cut_off(session, actor, monkeypatch):
    monkeypatch.setattr(bulk_import, "ZIP_MEMBER_MAX_BYTES", 100)
    data = zip_bytes({"long.json": json.dumps({"basics": {"name": "x" * 500}}).encode()})
    job = run(session, start_import(session, actor, "r.zip", data, ""))
    assert "larger than" in failures_of(session, job)[0]["errors"]["_document"][0]


# --- the pages -------------------------------------------------------------------------------


@dataclass
class Recruiter:
    """A signed-in recruiter's test client. Without Redis a thread of this process runs each
    upload's job, as in development; `upload` waits until it has finished."""

    client: Any
    app: Any
    organisation_id: int

    def upload(self, filename: str, data: bytes) -> int:
        token = csrf_token_from(self.client, "/candidates/bulk")
        response = self.client.post(
            "/candidates/bulk",
            data={"csrf_token": token, "file": (io.BytesIO(data), filename)},
            content_type="multipart/form-data",
        )
        assert response.status_code == 303, response.text
        job_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[-1])
        self.wait(job_id)
        return job_id

    def wait(self, job_id: int, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while self.counts(job_id)[0] not in bulk_import.FINISHED:
            assert time.monotonic() < deadline, f"import {job_id} did not finish"
            time.sleep(0.05)

    def counts(self, job_id: int) -> tuple[str, int, int, int]:
        """(status, created, updated, failed) as the database has them."""
        with self.app.app_context():
            job = db.session.get(ImportJob, job_id)
            counts = (job.status, job.created, job.updated, job.failed)
            db.session.remove()
        return counts

    def set_status(self, job_id: int, status: str) -> None:
        """As a worker would leave it: a running job is held (a live lease) by a worker."""
        with self.app.app_context():
            job = db.session.get(ImportJob, job_id)
            job.status = status
            if status == "running":
                job.worker, job.lease_until = "test-host:1", utcnow() + timedelta(hours=1)
            db.session.commit()
            db.session.remove()

    def pool_size(self) -> int:
        with self.app.app_context():
            size = db.session.scalar(
                select(func.count(Candidate.id)).where(
                    Candidate.organisation_id == self.organisation_id
                )
            )
            db.session.remove()
        return size


@pytest.fixture
def recruiter(app, client, make_recruiter) -> Recruiter:
    """Page tests hold no app context of their own: a request would share its `g`."""
    organisation = make_recruiter()
    assert sign_in(client, organisation.recruiter_email).status_code == 303
    return Recruiter(client, app, organisation.organisation_id)


def test_the_template_downloads_and_imports(recruiter):
    page = recruiter.client.get("/candidates/bulk")
    assert 'href="/candidates/bulk/template.csv"' in page.text

    response = recruiter.client.get("/candidates/bulk/template.csv")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    header, *rows = list(csv.reader(io.StringIO(response.text)))
    assert tuple(header) == CSV_COLUMNS
    assert len(rows) == 1
    job_id = recruiter.upload("template.csv", response.data)
    assert recruiter.counts(job_id) == ("done", 1, 0, 0)


def test_failed_rows_download_fix_and_upload_again(recruiter):
    columns = ["email", "name", *REQUIRED_COLUMNS[2:], "product-strategy"]  # not the usual order
    rows = [
        {**GOOD, "name": "Good One", "email": "one@example.test"},
        {**GOOD, "name": "Bad Email", "email": "bad-email"},
        {**GOOD, "name": "Bad Years", "email": "years@example.test", "years_product": "ten"},
        {**GOOD, "name": "Bad Level", "email": "level@example.test", "product-strategy": "9"},
    ]
    job_id = recruiter.upload("pool.csv", csv_bytes(rows, columns))
    assert recruiter.counts(job_id) == ("done", 1, 0, 3)

    response = recruiter.client.get(f"/candidates/bulk/{job_id}/failed-rows.csv")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "pool-failed-rows.csv" in response.headers["Content-Disposition"]
    failed = list(csv.DictReader(io.StringIO(response.text)))
    assert list(failed[0]) == [*columns, "error"]
    assert [row["name"] for row in failed] == ["Bad Email", "Bad Years", "Bad Level"]
    assert failed[0]["error"] == "email: Enter a valid email address."
    assert failed[1]["error"].startswith("years_product: ")
    assert failed[2]["error"].startswith("product-strategy: ")

    failed[0]["email"] = "fixed@example.test"
    failed[1]["years_product"] = "10"
    failed[2]["product-strategy"] = "4"
    fixed = csv_bytes(failed, [*columns, "error"])  # uploaded as it is, error column and all
    job_id = recruiter.upload("pool-failed-rows.csv", fixed)

    assert recruiter.counts(job_id) == ("done", 3, 0, 0)
    assert recruiter.pool_size() == 4


def test_reuploading_the_same_file_reports_updates(recruiter):
    data = csv_bytes([GOOD, {**GOOD, "name": "Bo", "email": "bo@example.test"}])
    recruiter.upload("pool.csv", data)
    job_id = recruiter.upload("pool.csv", data)
    assert recruiter.counts(job_id) == ("done", 0, 2, 0)
    page = recruiter.client.get(f"/candidates/bulk/{job_id}")
    assert re.search(r"<dt>Created</dt><dd[^>]*>0</dd>", page.text)
    assert re.search(r"<dt>Updated</dt><dd[^>]*>2</dd>", page.text)
    assert recruiter.pool_size() == 2


def test_the_job_page_stays_small_with_5000_failures(recruiter):
    bad = [{**GOOD, "name": f"Bad {n}", "email": f"bad-{n}"} for n in range(5000)]
    job_id = recruiter.upload("bad.csv", csv_bytes(bad))
    assert recruiter.counts(job_id) == ("done", 0, 0, 5000)
    url = f"/candidates/bulk/{job_id}"

    page = recruiter.client.get(url)

    assert page.status_code == 200
    assert len(page.data) < 40_000
    assert "5,000 rows not imported" in page.text
    assert page.text.count("Enter a valid email address.") == 1  # each message once
    assert page.text.count("<td>Bad ") == bulk_import.FAILURES_PAGE_SIZE
    assert "page 1 of 100" in page.text

    second = recruiter.client.get(
        f"{url}?page=2", headers={"HX-Request": "true", "HX-Target": "job_failures"}
    )
    assert second.text.lstrip().startswith('<section id="job_failures"')
    assert "<td>Bad 50</td>" in second.text
    assert "<td>Bad 0</td>" not in second.text
    assert "HX-Request" in second.headers["Vary"]

    # While an import runs, the poll answers the progress alone, not the failure list.
    recruiter.set_status(job_id, "running")
    poll_headers = {"HX-Request": "true", "HX-Target": "job_progress"}
    poll = recruiter.client.get(url, headers=poll_headers)
    assert len(poll.data) < 3_000
    assert "job_failures" not in poll.text
    assert 'hx-trigger="every 1s"' in poll.text
    # The poll that finds it finished brings the first page of failures once, out of band.
    recruiter.set_status(job_id, "done")
    last = recruiter.client.get(url, headers=poll_headers)
    assert 'hx-trigger="every 1s"' not in last.text
    assert 'id="job_failures" hx-swap-oob="true"' in last.text
    assert len(last.data) < 40_000


def test_another_organisation_cannot_download_the_failed_rows(recruiter, app, make_recruiter):
    job_id = recruiter.upload("pool.csv", csv_bytes([{**GOOD, "email": "nope"}]))
    stranger = app.test_client()
    assert sign_in(stranger, make_recruiter().recruiter_email).status_code == 303
    assert stranger.get(f"/candidates/bulk/{job_id}/failed-rows.csv").status_code == 404
    assert stranger.get(f"/candidates/bulk/{job_id}").status_code == 404
