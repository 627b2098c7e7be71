"""Bulk import (CSV, zip of JSON Resumes): run synchronously against the run's real database."""

import csv
import io
import json
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import sessionmaker

from portal.extensions import db
from portal.models import Assessment, Candidate, Competency, ImportFailure, ImportJob, User
from portal.services import bulk_import
from portal.services.access import Actor
from portal.services.bulk_import import (
    COMPETENCY_COLUMNS,
    CSV_COLUMNS,
    REQUIRED_COLUMNS,
    job_for,
    recent_jobs,
    run_import,
    start_import,
)
from portal.services.errors import NotFound, ValidationFailed

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


def run(session, job: ImportJob, data: bytes, actor: Actor, schema_path: str = "") -> ImportJob:
    """The job's runner, as a background thread calls it, then the job as the database has it."""
    run_import(sessionmaker(bind=db.engine), job.id, data, actor, schema_path)
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

    job = run(session, job, data, actor)

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

    job = run(session, job, data, actor)

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
        job = run(session, job, data, actor)
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

    job = run(session, job, b"\xff\xfe not the uploaded file", actor)

    assert job.status == "failed"
    assert "not UTF-8" in job.error
    assert job.finished_at is not None
    assert imported(session, actor) == []


def test_a_job_runs_once(session, actor):
    data = csv_bytes([GOOD])
    job = start_import(session, actor, "candidates.csv", data, "")
    run(session, job, data, actor)
    job = run(session, job, data, actor)
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

    job = run(session, job, data, actor, schema_path)

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

    # Nor can another organisation run it: the job stays queued and nothing is imported.
    job = run(session, job, data, stranger)
    assert job.status == "queued"
    assert imported(session, stranger) == [] == imported(session, actor)


def test_a_job_whose_worker_died_is_reported_as_interrupted(session, actor):
    job = start_import(session, actor, "candidates.csv", csv_bytes([GOOD]), "")
    fresh = job_for(session, actor, job.id)
    assert fresh.status == "queued"
    job.created_at -= bulk_import.INTERRUPTED_AFTER + timedelta(minutes=1)
    session.commit()

    stuck = job_for(session, actor, job.id)

    assert stuck.status == "failed"
    assert "interrupted" in stuck.error
    assert recent_jobs(session, actor)[0].status == "failed"
