"""Bulk import of candidates: a CSV file, or a zip of JSON Resume documents.

`start_import` checks the file's shape (refusing it whole when its columns or format are wrong,
or when a zip would unpack to too much), then records a queued `ImportJob` and stores the file
(`ImportFile`) in the same transaction, before anything is queued: any worker on any host can
run the job, and resume it, after the web process that took the upload is gone.

`run_job` is the background job. It claims the job with a conditional UPDATE (a lease of LEASE
seconds, renewed with every batch), validates every row with the same schema the API uses and
writes the valid ones in batches: a row whose email already belongs to one of the
organisation's candidates updates that candidate, any other row creates one. Failed rows are
appended as `ImportFailure` rows (row number or zip member, the fields, the messages, and a CSV
row's cells for the failed-rows file). Each batch is committed together with the job's counts
and its renewed lease, in one transaction that first checks the job is still this run's: a
worker killed between batches loses nothing, and a job resumed by another worker starts after
the last committed row, so no row is ever imported twice.

A job is *held* while `worker` names a worker and `lease_until` is in the future. A job that is
not held and not finished is waiting: `lease_until` is then when `resume_stalled` (a sweep every
worker runs) queues it (again) if no worker has taken it by then — QUEUED_GRACE after it was
queued, or as soon as a holder's lease has run out (its worker died). So lost work is resumed
within about LEASE + the sweep interval, by whichever worker is alive.

A job ends `done`, `failed` (with `error`) or `cancelled` (`request_cancel`; a running job stops
between two batches, the rows committed before stay imported). The end is recorded with the
`import.finished` webhook event and the removal of the stored file, in one transaction: the
failed-rows file is built from `ImportFailure`, so the upload is not needed after.

The CSV columns and the update rules are documented in docs/bulk-import.md.
"""

import csv
import io
import json
import logging
import os
import re
import socket
import time
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import islice
from typing import Any

import marshmallow as ma
from sqlalchemy import delete, func, insert, literal, or_, select, update
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from portal.models import (
    Assessment,
    Candidate,
    Competency,
    ImportFailure,
    ImportFile,
    ImportJob,
)
from portal.models.types import UTCDateTime, utcnow
from portal.schemas.candidates import AssessmentInputSchema, CandidateInputSchema
from portal.services import match_profiles, webhooks
from portal.services.access import Actor
from portal.services.candidates import PROFILE_FIELDS, one_decimal
from portal.services.errors import Conflict, NotFound, ValidationFailed, flatten_messages
from portal.services.framework_loader import shipped_slugs
from portal.services.pagination import Page, paginate
from portal.services.resume import ResumeProfile
from portal.services.resume_import import (
    competency_terms,
    merge_plan,
    profile_values,
    read_resume,
)

log = logging.getLogger(__name__)

REQUIRED_COLUMNS = (
    "name",
    "email",
    "headline",
    "years_product",
    "years_leadership",
    "education",
    "background",
    "certifications",
    "summary",
)
COMPETENCY_COLUMNS = shipped_slugs("competencies")
CSV_COLUMNS = REQUIRED_COLUMNS + COMPETENCY_COLUMNS
ERROR_COLUMN = "error"  # the failed-rows file's column; ignored when that file is uploaded again
CERTIFICATION_SEPARATOR = ";"
TEMPLATE_EXAMPLE = {
    "name": "Ada Lovelace",
    "email": "ada@example.com",
    "headline": "VP Product",
    "years_product": "12.5",
    "years_leadership": "6",
    "education": "master",
    "background": "product-management",
    "certifications": "CSPO; Pragmatic Institute",
    "summary": "Led three product lines from idea to profit.",
    "product-strategy": "4",
    "team-leadership": "3",
}

BATCH_SIZE = 500  # rows written per transaction at most
PROGRESS_SHARE = 50  # ... and at least every 1/50th (2 %) of the rows
PROGRESS_SECONDS = 1.0  # ... or every second, whichever comes first
ZIP_MAX_MEMBERS = 20_000
ZIP_MAX_TOTAL_BYTES = 100 * 1024 * 1024  # what the zip's files add up to, unpacked
ZIP_MAX_RATIO = 100  # unpacked / packed; JSON text packs about 5 to 10 times
ZIP_RATIO_FLOOR = 1024 * 1024  # the ratio is checked on zips that unpack to more than this
ZIP_MEMBER_MAX_BYTES = 1024 * 1024  # one resume; real ones are a few kilobytes
READ_CHUNK = 64 * 1024
PROBLEMS_MAX = 50  # distinct messages summarised on the job; the rest counted as "other"
OTHER_PROBLEMS = "_other"
FAILURES_PAGE_SIZE = 50
RECENT_JOBS = 10
JOBS_PAGE_SIZE = 25
LEASE = timedelta(seconds=60)  # renewed with every batch, which commits at least every second
QUEUED_GRACE = timedelta(minutes=1)  # a job no worker took by then is queued again
MAX_ATTEMPTS = 5  # claims of one job; a file that kills its worker each time then fails
UNFINISHED = ("queued", "running")
FINISHED = ("done", "failed", "cancelled")

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
NOT_UTF8 = (
    'The file is not UTF-8 text{where}. Save it as "CSV UTF-8 (comma delimited)" and upload it '
    "again."
)
DATABASE_REFUSED = "The database refused this row; nothing of it was saved."
CHANGED_MEANWHILE = (
    "The candidate with this email was changed by someone else during the import; "
    "nothing of this row was saved. Upload it again."
)


# --- starting a job --------------------------------------------------------------------------


def start_import(
    session: Session, actor: Actor, filename: str, data: bytes, schema_path: str
) -> ImportJob:
    """Check the file's shape, then record a queued job and store the file with it (one
    transaction, committed); the caller queues `run_job` for the job's id.

    The whole file is refused (ValidationFailed, nothing recorded) when it is neither .csv nor
    .zip, is not UTF-8, has unknown or missing columns, is not a readable zip of .json files, or
    is a zip that unpacks to too many files, too many bytes, or too many times its size.
    `schema_path` is accepted for symmetry with `run_job`; documents are only validated
    there, one by one.
    """
    actor.require_scope("candidates:write")
    organisation_id = actor.require_organisation()
    kind = _kind(filename)
    columns = None
    if kind == "csv":
        columns, records = _csv_records(data)
        total = sum(1 for _ in records)
        if total == 0:
            raise _refuse("file", ["The file has no rows under its header."])
    else:
        total = len(_zip_members(_open_zip(data)))
    job = ImportJob(
        organisation_id=organisation_id,
        created_by_id=actor.user_id,
        filename=filename[:255],
        kind=kind,
        status="queued",
        total=total,
        processed=0,
        succeeded=0,
        updated=0,
        columns=columns,
        problems=[],
        error="",
        worker="",
        lease_until=utcnow() + QUEUED_GRACE,  # not held: queued again then if no worker took it
    )
    session.add(job)
    session.flush()
    session.add(ImportFile(job_id=job.id, content=data, size=len(data)))
    session.commit()
    return job


def _kind(filename: str) -> str:
    lowered = filename.lower()
    for kind in ("csv", "zip"):
        if lowered.endswith(f".{kind}"):
            return kind
    raise _refuse("file", ["Upload a .csv file or a .zip of JSON Resume (.json) files."])


def _refuse(field_name: str, messages: list[str]) -> ValidationFailed:
    return ValidationFailed(
        {field_name: messages}, "The file cannot be imported; nothing was saved."
    )


def template_csv() -> str:
    """The CSV template: every column, and one example row."""
    return _csv_line(list(CSV_COLUMNS)) + _csv_line(
        [TEMPLATE_EXAMPLE.get(column, "") for column in CSV_COLUMNS]
    )


def _csv_line(cells: Iterable[str]) -> str:
    out = io.StringIO()
    csv.writer(out).writerow(cells)
    return out.getvalue()


# --- CSV -------------------------------------------------------------------------------------


def _csv_text(data: bytes) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise _refuse("file", [NOT_UTF8.format(where=f" (byte {error.start + 1})")]) from None
    if "\x00" in text:  # UTF-16 text without a byte-order mark decodes as "n\0a\0m\0e\0"
        raise _refuse("file", [NOT_UTF8.format(where="")])
    return text


def _csv_records(data: bytes) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The checked header, and (data row number, cells) for each row that is not blank.

    Row 1 is the first row under the header; blank rows are skipped but keep their number, so
    a row number is the spreadsheet's row number minus one.
    """
    reader = csv.reader(io.StringIO(_csv_text(data), newline=""))
    try:
        header = next(reader, None)
    except csv.Error as error:
        raise _refuse("file", [f"The header cannot be read as CSV: {error}."]) from None
    if header is None or not any(cell.strip() for cell in header):
        raise _refuse("file", ["The file is empty; its first row must name the columns."])
    columns = [cell.strip().lower() for cell in header]
    _check_columns(columns)

    def records() -> Iterator[tuple[int, list[str]]]:
        number = 0
        try:
            for cells in reader:
                number += 1
                if any(cell.strip() for cell in cells):
                    yield number, cells
        except csv.Error as error:
            raise _refuse("file", [f"Row {number + 1} cannot be read as CSV: {error}."]) from None

    return columns, records()


def _check_columns(columns: list[str]) -> None:
    known = {*CSV_COLUMNS, ERROR_COLUMN}
    errors = [
        f"Unknown column {name!r}" if name else f"Column {index + 1} has no name"
        for index, name in enumerate(columns)
        if name not in known
    ]
    errors += [
        f"Duplicate column {name!r}"
        for index, name in enumerate(columns)
        if name in known and columns.index(name) != index
    ]
    errors += [f"Missing column {name!r}" for name in REQUIRED_COLUMNS if name not in columns]
    if errors:
        raise _refuse("columns", errors)


# --- zip of JSON Resumes ---------------------------------------------------------------------


def _open_zip(data: bytes) -> zipfile.ZipFile:
    """The archive, once its directory shows it is safe to unpack (nothing is unpacked here).

    The sizes checked are the ones the zip declares; `_read_member` never reads past them."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise _refuse("file", ["The file is not a readable zip archive."]) from None
    members = archive.infolist()
    if len(members) > ZIP_MAX_MEMBERS:
        raise _refuse("file", [f"The zip holds more than {ZIP_MAX_MEMBERS:,} files."])
    unpacked = sum(member.file_size for member in members)
    packed = sum(member.compress_size for member in members)
    if unpacked > ZIP_MAX_TOTAL_BYTES:
        limit = ZIP_MAX_TOTAL_BYTES // (1024 * 1024)
        raise _refuse("file", [f"The zip unpacks to more than {limit} MB."])
    if unpacked > ZIP_RATIO_FLOOR and unpacked > ZIP_MAX_RATIO * max(packed, 1):
        raise _refuse(
            "file",
            [
                f"The zip unpacks to {unpacked // max(packed, 1):,} times its size; resumes pack "
                f"at most {ZIP_MAX_RATIO} times. It is refused as a possible zip bomb."
            ],
        )
    if not _zip_members(archive):
        raise _refuse("file", ["The zip holds no .json files."])
    return archive


def _zip_members(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The .json files, in archive order; folders and macOS resource forks are skipped."""
    return [
        member
        for member in archive.infolist()
        if not member.is_dir()
        and member.filename.lower().endswith(".json")
        and not member.filename.startswith("__MACOSX/")
        and not member.filename.rsplit("/", 1)[-1].startswith("._")
    ]


def _read_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> Any:
    """The member's JSON document; ValidationFailed when it cannot be read or parsed.

    A member declared larger than one resume can be is refused unread; the others are read a
    chunk at a time, and never past ZIP_MEMBER_MAX_BYTES whatever the zip declares."""
    limit_kb = ZIP_MEMBER_MAX_BYTES // 1024
    too_large = ValidationFailed(
        {"_document": [f"The file is larger than {limit_kb:,} KB; a resume is much smaller."]}
    )
    if member.file_size > ZIP_MEMBER_MAX_BYTES:
        raise too_large
    chunks, size = [], 0
    try:
        with archive.open(member) as handle:
            while chunk := handle.read(READ_CHUNK):
                size += len(chunk)
                if size > ZIP_MEMBER_MAX_BYTES:
                    raise too_large
                chunks.append(chunk)
    except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError, EOFError) as error:
        raise ValidationFailed({"_document": [f"The file cannot be unpacked: {error}."]}) from None
    raw = b"".join(chunks)
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ValidationFailed({"_document": ["The file is not UTF-8 text."]}) from None
    except RecursionError:
        raise ValidationFailed({"_document": ["The JSON is nested too deeply."]}) from None
    except json.JSONDecodeError as error:
        raise ValidationFailed(
            {
                "_document": [
                    f"Not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})."
                ]
            }
        ) from None


# --- running a job ---------------------------------------------------------------------------


@dataclass
class _Row:
    """One source row: where it came from, and either its values or its errors.

    `given` names the candidate fields the row states (a non-blank cell; what a resume states),
    the only ones an update changes. `cells` is a CSV row as uploaded; `profile` a resume's."""

    ref: int | str  # data row number (CSV) or member name (zip)
    name: str
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    given: frozenset[str] = frozenset()
    cells: list[str] | None = None
    profile: ResumeProfile | None = None

    @property
    def email_key(self) -> str:
        return self.values.get("email", "").lower()


def this_worker() -> str:
    """How a job names the process that holds it: host:pid."""
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


class _Stop(Exception):
    """The run ends here: the job was finished (cancelled) or is no longer this run's."""


def run_job(
    session: Session,
    job_id: int,
    schema_path: str,
    *,
    worker: str | None = None,
    lease: timedelta = LEASE,
) -> str:
    """The background job: claim the import, process its rows after the last committed one,
    and finish it. Answers what this run did: "done", "failed", "cancelled", "not claimed"
    (finished, cancelled, held by a live worker, or unknown), "lost" (another worker took it
    over) or "interrupted" (the database went away; the sweep queues it again).

    Never raises for the job's own failures: an error in the rows or in the stored file ends
    the job as "failed" with its `error` text (batches committed before it stay imported and
    counted); a lost connection leaves it to be resumed.
    """
    claimed = _claim(session, job_id, worker or this_worker(), lease)
    if claimed is None:
        session.rollback()
        return "not claimed"
    run = _Run(session, claimed, lease)
    try:
        run.process(schema_path)
    except _Stop as stop:
        session.rollback()
        return str(stop)
    except Exception as error:
        session.rollback()
        if _connection_lost(error):
            log.warning("import job %s interrupted; it will be resumed", job_id, exc_info=True)
            run.release()
            return "interrupted"
        log.exception("import job %s failed", job_id)
        return run.fail(error)
    return "done"


def _connection_lost(error: Exception) -> bool:
    """A database that went away or is locked: the work can go on later, elsewhere."""
    return isinstance(error, OperationalError) or (
        isinstance(error, DBAPIError) and error.connection_invalidated
    )


def _not_held(now: datetime):
    """SQL: no worker holds the job (none took it yet, or its holder's lease ran out)."""
    return or_(ImportJob.worker == "", ImportJob.lease_until.is_(None), ImportJob.lease_until < now)


def _claim(session: Session, job_id: int, worker: str, lease: timedelta) -> ImportJob | None:
    """Take the job for this run (one conditional UPDATE, so of two workers only one wins);
    the job as claimed, or None."""
    now = utcnow()
    claimed = session.execute(
        update(ImportJob)
        .where(
            ImportJob.id == job_id,
            ImportJob.status.in_(UNFINISHED),
            ImportJob.cancel_requested.is_(False),
            ImportJob.attempts < MAX_ATTEMPTS,
            _not_held(now),
        )
        .values(
            status="running",
            worker=worker,
            lease_until=now + lease,
            attempts=ImportJob.attempts + 1,
            started_at=func.coalesce(ImportJob.started_at, literal(now, UTCDateTime())),
        )
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return None
    session.commit()
    job = session.get(ImportJob, job_id, populate_existing=True)
    log.info("import job %s claimed by %s (attempt %s)", job_id, worker, job.attempts)
    return job


class _Run:
    """One worker's run of a claimed job: every transaction it commits starts by renewing the
    lease on the condition that the job is still this run's (the same claim, `attempts`)."""

    def __init__(self, session: Session, job: ImportJob, lease: timedelta):
        self.session = session
        self.job = job
        self.job_id = job.id
        self.attempt = job.attempts
        self.lease = lease

    def hold(self) -> ImportJob:
        """Renew the lease (which, on PostgreSQL, also locks the job's row until the commit);
        _Stop("lost") when another worker took the job over, and the job cancelled (then
        _Stop("cancelled")) when that was asked. The job as the database has it."""
        renewed = self.session.execute(
            update(ImportJob)
            .where(
                ImportJob.id == self.job_id,
                ImportJob.attempts == self.attempt,
                ImportJob.status == "running",
            )
            .values(lease_until=utcnow() + self.lease)
            .execution_options(synchronize_session=False)
        )
        if renewed.rowcount != 1:
            log.warning("import job %s: the lease was lost; this run stops", self.job_id)
            raise _Stop("lost")
        self.job = self.session.get(ImportJob, self.job_id, populate_existing=True)
        if self.job.cancel_requested:
            _finish(self.session, self.job, "cancelled")
            self.session.commit()
            raise _Stop("cancelled")
        return self.job

    def process(self, schema_path: str) -> None:
        job = self.job
        stored = self.session.get(ImportFile, job.id)
        if stored is None:
            raise ValidationFailed(
                {"file": ["The uploaded file is no longer stored; upload it again."]}
            )
        data = stored.content
        self.session.expunge(stored)
        competency_ids = dict(self.session.execute(select(Competency.slug, Competency.id)).all())
        if job.kind == "csv":
            reader = _CsvRows(data, skip=job.processed)
        else:
            reader = _ZipRows(self.session, data, schema_path, skip=job.processed)
        writer = _Writer(self.session, job.organisation_id, competency_ids)
        step = max(1, min(BATCH_SIZE, job.total // PROGRESS_SHARE))
        batch: list[_Row] = []
        since = time.monotonic()
        for row in reader:
            batch.append(row)
            if len(batch) >= step or time.monotonic() - since >= PROGRESS_SECONDS:
                self.save(writer, batch)
                batch, since = [], time.monotonic()
        if batch:
            self.save(writer, batch)
        _finish(self.session, self.hold(), "done")
        self.session.commit()

    def save(self, writer: "_Writer", batch: list[_Row]) -> None:
        """The batch's rows, failures and counts and the renewed lease: one transaction."""
        writer.save(self.hold(), batch)
        self.session.commit()

    def fail(self, error: Exception) -> str:
        try:
            job = self.hold()
            _finish(
                self.session,
                job,
                "failed",
                f"The import stopped after {job.processed} of {job.total} rows: {_describe(error)}",
            )
            self.session.commit()
        except _Stop as stop:
            self.session.rollback()
            return str(stop)
        except Exception:
            log.exception("import job %s could not record its failure", self.job_id)
            self.session.rollback()
            return "interrupted"
        return "failed"

    def release(self) -> None:
        """Give the job back at once, so the next sweep queues it (best effort: if the
        database is still away, the lease runs out instead)."""
        try:
            self.session.execute(
                update(ImportJob)
                .where(ImportJob.id == self.job_id, ImportJob.attempts == self.attempt)
                .values(worker="", lease_until=utcnow())
                .execution_options(synchronize_session=False)
            )
            self.session.commit()
        except Exception:
            log.warning("import job %s could not be released", self.job_id, exc_info=True)
            self.session.rollback()


def _finish(session: Session, job: ImportJob, status: str, error: str = "") -> None:
    """End the job in the caller's transaction: its status, the stored file removed, and the
    `import.finished` event for the organisation's webhooks."""
    job.status = status
    job.error = error[:2000]
    job.finished_at = utcnow()
    job.lease_until = None
    session.execute(delete(ImportFile).where(ImportFile.job_id == job.id))
    webhooks.emit(session, job.organisation_id, "import.finished", report(job))


def report(job: ImportJob) -> dict[str, Any]:
    """The job as the `import.finished` event reports it."""
    return {
        "id": job.id,
        "filename": job.filename,
        "kind": job.kind,
        "status": job.status,
        "total": job.total,
        "processed": job.processed,
        "created": job.created,
        "updated": job.updated,
        "failed": job.failed,
        "error": job.error,
        "created_at": _iso(job.created_at),
        "finished_at": _iso(job.finished_at),
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _describe(error: Exception) -> str:
    """What the job's page may show; the details (SQL, traceback) stay in the log."""
    if isinstance(error, ValidationFailed):
        return " ".join(message for messages in error.errors.values() for message in messages)
    if isinstance(error, DBAPIError):
        return f"the database stopped it ({type(error.orig).__name__})."
    return f"an unexpected error stopped it ({type(error).__name__}); the log has the details."


def _schema_errors(schema: ma.Schema, values: dict[str, Any]) -> tuple[dict, dict]:
    """(loaded values, {}) when `values` pass the schema, else ({}, {dotted.path: [messages]})."""
    try:
        return schema.load(values), {}
    except ma.ValidationError as error:
        return {}, flatten_messages(error.normalized_messages())


class _CsvRows:
    """CSV rows as `_Row`s: text converted to numbers and lists, then checked by the API's schema.

    The profile fields go through `CandidateInputSchema`; each level cell through the schema it
    nests for assessments, once per distinct (competency, cell) pair, since a file of thousands
    of rows holds only a few dozen of those. The first `skip` rows (imported by an earlier run
    of the job) are read past without being checked.
    """

    def __init__(self, data: bytes, skip: int = 0):
        self.columns, self.records = _csv_records(data)
        self.skip = skip
        self.schema = CandidateInputSchema(exclude=("assessments",))
        self.assessment_schema = AssessmentInputSchema()
        self.levels: dict[tuple[str, str], tuple[dict[str, Any], list[str]]] = {}

    def __iter__(self) -> Iterator[_Row]:
        for number, cells in islice(self.records, self.skip, None):
            yield self._row(number, cells)

    def _row(self, number: int, cells: list[str]) -> _Row:
        if len(cells) != len(self.columns):
            cells_text = f"{len(cells)} cells; the header has {len(self.columns)}"
            where = self.columns.index("name")
            name = cells[where].strip() if where < len(cells) else ""
            return _Row(
                number, name[:200], errors={"_row": [f"This row has {cells_text}."]}, cells=cells
            )
        text = {column: cell.strip() for column, cell in zip(self.columns, cells, strict=True)}
        row = _Row(number, text["name"][:200], cells=cells)
        row.given = frozenset(
            column for column in REQUIRED_COLUMNS if text[column] and column != "certifications"
        ) | ({"certifications"} if text["certifications"].strip(" ;") else set())
        values: dict[str, Any] = {
            "name": text["name"],
            "headline": text["headline"],
            "summary": text["summary"],
            "certifications": [
                item.strip()
                for item in text["certifications"].split(CERTIFICATION_SEPARATOR)
                if item.strip()
            ],
        }
        for column in ("email", "education", "background"):
            if text[column]:
                values[column] = text[column] if column == "email" else text[column].lower()
        for column in ("years_product", "years_leadership"):
            if text[column]:
                if _NUMBER.fullmatch(text[column]):
                    values[column] = float(text[column])
                else:
                    row.errors[column] = ["Enter a number of years, such as 7.5."]
        loaded, errors = _schema_errors(self.schema, values)
        for column, messages in errors.items():
            row.errors.setdefault(column.split(".")[0], []).extend(messages)
        assessments = []
        for slug in COMPETENCY_COLUMNS:
            if text.get(slug):
                entry, messages = self._level(slug, text[slug])
                if messages:
                    row.errors[slug] = messages
                else:
                    assessments.append(entry)
        if not row.errors:
            row.values = {**loaded, "assessments": assessments}
        return row

    def _level(self, slug: str, cell: str) -> tuple[dict[str, Any], list[str]]:
        """The assessment a level cell gives, or the messages that refuse it."""
        key = (slug, cell)
        if key not in self.levels:
            if _NUMBER.fullmatch(cell):
                level = float(cell)
                entry = {"competency": slug, "level": int(level) if level.is_integer() else level}
                loaded, errors = _schema_errors(self.assessment_schema, entry)
                messages = [message for field in errors.values() for message in field]
                self.levels[key] = (loaded, messages)
            else:
                self.levels[key] = ({}, ["Level is a whole number from 0 to 5."])
        return self.levels[key]


class _ZipRows:
    """Zip members as `_Row`s: each a JSON Resume, read and mapped as the single import does
    (a value that breaks only a format is left out, a resume without an email has none); the
    first `skip` members are left unread."""

    def __init__(self, session: Session, data: bytes, schema_path: str, skip: int = 0):
        self.session = session
        self.archive = _open_zip(data)
        self.skip = skip
        self.schema_path = schema_path
        self.schema = CandidateInputSchema()
        self.terms = competency_terms(session)

    def __iter__(self) -> Iterator[_Row]:
        for member in _zip_members(self.archive)[self.skip :]:
            yield self._row(member)

    def _row(self, member: zipfile.ZipInfo) -> _Row:
        row = _Row(member.filename, "")
        try:
            document = _read_member(self.archive, member)
            basics = document.get("basics") if isinstance(document, dict) else None
            name = basics.get("name") if isinstance(basics, dict) else None
            row.name = name[:200] if isinstance(name, str) else ""
            profile = read_resume(self.session, document, self.schema_path, self.terms)
        except ValidationFailed as error:
            row.errors = error.errors
            return row
        except RecursionError:  # a document nested deeper than the validator can follow
            row.errors = {"_document": ["The JSON is nested too deeply."]}
            return row
        values = profile_values(profile)
        work_history = values.pop("work_history", [])
        loaded, row.errors = _schema_errors(self.schema, values)
        if not row.errors:
            row.values = {**loaded, "work_history": work_history}
            row.profile = profile
            row.given = profile.stated
        return row


class _Writer:
    """Writes valid rows (new candidates with their self-assessments, or updates of the
    organisation's candidates found by email), their ranking rows, the failures and progress,
    in the caller's transaction (the caller commits)."""

    def __init__(self, session: Session, organisation_id: int, competency_ids: dict[str, int]):
        self.session = session
        self.organisation_id = organisation_id
        self.competency_ids = competency_ids
        self.slots = match_profiles.competency_slots(session)

    def save(self, job: ImportJob, batch: list[_Row]) -> None:
        """The batch, inside a savepoint; when the database refuses it, each row in a savepoint
        of its own, so only the rows it refuses fail and the transaction goes on."""
        failed = [row for row in batch if not self._resolve(row)]
        valid = [row for row in batch if not row.errors]
        try:
            with self.session.begin_nested():
                created, updated = self._write(valid)
        except (DBAPIError, StaleDataError) as error:
            if _connection_lost(error):
                raise
            log.warning("import job %s: a batch was refused; retrying row by row", job.id)
            created = updated = 0
            for row in valid:
                outcome = self._write_alone(row)
                if outcome is None:
                    failed.append(row)
                else:
                    created, updated = created + outcome[0], updated + outcome[1]
            order = {id(row): index for index, row in enumerate(batch)}
            failed.sort(key=lambda row: order[id(row)])
        _record_failures(self.session, job, failed)
        job.processed += len(batch)
        job.succeeded += created + updated
        job.updated += updated
        self.session.flush()

    def _resolve(self, row: _Row) -> bool:
        """Check the row's competencies against the database's; False when it has errors."""
        if row.errors:
            return False
        seen = set()
        for entry in row.values.get("assessments", []):
            slug = entry["competency"]
            if slug not in self.competency_ids:
                row.errors[slug] = [f"Unknown competency {slug!r}."]
            elif slug in seen:
                row.errors[slug] = [f"{slug} is assessed twice."]
            seen.add(slug)
        return not row.errors

    def _write_alone(self, row: _Row) -> tuple[int, int] | None:
        try:
            with self.session.begin_nested():
                outcome = self._write([row])
        except (DBAPIError, StaleDataError) as error:
            if _connection_lost(error):
                raise
            log.warning("import: the database refused row %s", row.ref, exc_info=True)
            message = CHANGED_MEANWHILE if isinstance(error, StaleDataError) else DATABASE_REFUSED
            row.errors = {"_row": [message]}
            return None
        return outcome

    def _write(self, rows: list[_Row]) -> tuple[int, int]:
        """(created, updated). A row repeating an email of an earlier row in `rows` is written
        after it, so it updates the candidate that row created or updated."""
        created = updated = 0
        while rows:
            existing = self._existing([row.email_key for row in rows if row.email_key])
            now_rows, later, seen = [], [], set()
            for row in rows:
                key = row.email_key
                (later if key and key in seen else now_rows).append(row)
                if key:
                    seen.add(key)
            creates = [row for row in now_rows if row.email_key not in existing]
            updates = [row for row in now_rows if row.email_key in existing]
            self._insert(creates)
            self._update([(existing[row.email_key], row) for row in updates])
            created, updated, rows = created + len(creates), updated + len(updates), later
        return created, updated

    def _existing(self, keys: list[str]) -> dict[str, Candidate]:
        """The organisation's candidates with these emails (ignoring case); the oldest one
        when several share an email."""
        if not keys:
            return {}
        statement = (
            select(Candidate)
            .options(selectinload(Candidate.assessments))
            .where(
                Candidate.organisation_id == self.organisation_id,
                func.lower(Candidate.email).in_(set(keys)),
            )
            .order_by(Candidate.id.desc())
        )
        return {candidate.email.lower(): candidate for candidate in self.session.scalars(statement)}

    def _update(self, pairs: list[tuple[Candidate, _Row]]) -> None:
        """The fields each row states replace the candidate's. A CSV row's levels replace the
        candidate's self-assessments on those competencies (a recruiter's data); a resume's
        suggestions only fill competencies not assessed yet (`merge_plan`, as the single import
        merges). Interview assessments are never touched."""
        if not pairs:
            return
        now = utcnow()
        for candidate, row in pairs:
            if row.profile is not None:
                plan = merge_plan(candidate, row.profile)
                values = plan.values
                levels = [_entry(s.competency, s.level, s.evidence) for s in plan.added]
            else:
                values = {name: row.values.get(name) for name in row.given}
                levels = row.values.get("assessments", [])
            for name in PROFILE_FIELDS:
                if name in values:
                    value = values[name]
                    if name in ("years_product", "years_leadership"):
                        value = one_decimal(value)
                    setattr(candidate, name, value)
            own = {a.competency_id: a for a in candidate.assessments if a.source == "self"}
            for entry in levels:
                competency_id = self.competency_ids[entry["competency"]]
                assessment = own.get(competency_id)
                if assessment is None:
                    candidate.assessments.append(
                        Assessment(
                            competency_id=competency_id,
                            source="self",
                            level=float(entry["level"]),
                            evidence=entry.get("evidence", ""),
                            updated_at=now,
                        )
                    )
                elif assessment.level != entry["level"]:
                    assessment.level = float(entry["level"])
                    assessment.updated_at = now
            candidate.updated_at = now
        match_profiles.refresh(self.session, [candidate for candidate, _row in pairs])

    def _insert(self, rows: list[_Row]) -> None:
        if not rows:
            return
        now = utcnow()
        parameters = [self._candidate(row, now) for row in rows]
        ids = self._candidate_ids(parameters)
        assessments = [
            {
                "candidate_id": candidate_id,
                "competency_id": self.competency_ids[entry["competency"]],
                "source": "self",
                "level": float(entry["level"]),
                "evidence": entry.get("evidence", ""),
                "updated_at": now,
            }
            for candidate_id, row in zip(ids, rows, strict=True)
            for entry in row.values.get("assessments", [])
        ]
        if assessments:
            self.session.execute(insert(Assessment.__table__), assessments)
        match_profiles.save(
            self.session,
            [
                self._profile_row(candidate_id, values, row.values.get("assessments", []))
                for candidate_id, values, row in zip(ids, parameters, rows, strict=True)
            ],
        )

    def _profile_row(
        self, candidate_id: int, values: dict[str, Any], assessments: list[dict[str, Any]]
    ) -> dict[str, Any]:
        return match_profiles.profile_row(
            candidate_id,
            self.organisation_id,
            values["years_product"],
            values["years_leadership"],
            values["education"],
            (
                (self.slots[self.competency_ids[entry["competency"]]], entry["level"])
                for entry in assessments
            ),
        )

    def _candidate_ids(self, parameters: list[dict[str, Any]]) -> list[int]:
        """Insert the candidates (Core, INSERT ... RETURNING); their ids, in parameter order.

        PostgreSQL takes a page of rows per statement; on SQLite, SQLAlchemy pairs ids with
        parameters by sending one statement per row, which costs little in-process.
        """
        candidates = Candidate.__table__
        statement = insert(candidates).returning(candidates.c.id, sort_by_parameter_order=True)
        return list(self.session.scalars(statement, parameters))

    def _candidate(self, row: _Row, now: datetime) -> dict[str, Any]:
        values = row.values
        return {
            "organisation_id": self.organisation_id,
            "name": values["name"],
            "email": values.get("email", ""),
            "headline": values.get("headline", ""),
            "years_product": one_decimal(values.get("years_product", 0)),
            "years_leadership": one_decimal(values.get("years_leadership", 0)),
            "education": values.get("education", "none"),
            "certifications": values.get("certifications", []),
            "background": values.get("background"),
            "summary": values.get("summary", ""),
            "work_history": values.get("work_history", []),
            "revision": 1,
            "created_at": now,
            "updated_at": now,
        }


def _entry(competency: str, level: float, evidence: str) -> dict[str, Any]:
    return {"competency": competency, "level": level, "evidence": evidence}


def _record_failures(session: Session, job: ImportJob, failed: list[_Row]) -> None:
    """Append the batch's failed rows (one INSERT, whatever came before) and count each
    distinct message in the job's bounded summary."""
    if not failed:
        return
    first = job.processed - job.succeeded + 1
    session.execute(
        insert(ImportFailure.__table__),
        [
            {
                "job_id": job.id,
                "position": first + index,
                "ref": str(row.ref)[:255],
                "name": row.name[:200],
                "errors": row.errors,
                "cells": row.cells,
            }
            for index, row in enumerate(failed)
        ],
    )
    problems = {(p["field"], p["message"]): dict(p) for p in job.problems or []}
    for row in failed:
        for field_name, messages in row.errors.items():
            for message in dict.fromkeys(messages):
                key = (field_name, message)
                if key not in problems and len(problems) >= PROBLEMS_MAX:
                    key = (OTHER_PROBLEMS, "")
                if key in problems:
                    problems[key]["rows"] += 1
                else:
                    problems[key] = {
                        "field": key[0],
                        "message": key[1],
                        "rows": 1,
                        "first": str(row.ref),
                    }
    job.problems = list(problems.values())


# --- reading jobs ----------------------------------------------------------------------------


def job_for(session: Session, actor: Actor, job_id: int) -> ImportJob:
    """One of the caller's organisation's import jobs (NotFound for anyone else's)."""
    actor.require_scope("candidates:read")
    organisation_id = actor.require_organisation()
    job = session.scalar(
        select(ImportJob).where(
            ImportJob.id == job_id, ImportJob.organisation_id == organisation_id
        )
    )
    if job is None:
        raise NotFound(f"No import {job_id} is visible to you.")
    return job


def failure_page(
    session: Session, job: ImportJob, page: int, page_size: int = FAILURES_PAGE_SIZE
) -> Page:
    """One page of a job's failed rows (ImportFailure), in file order. `job` from `job_for`."""
    statement = (
        select(ImportFailure).where(ImportFailure.job_id == job.id).order_by(ImportFailure.position)
    )
    return paginate(session, statement, page, page_size)


def error_text(errors: dict[str, list[str]]) -> str:
    """A failed row's errors as one line: `email: Enter a valid email address. | ...`."""
    return " | ".join(
        " ".join(messages) if field_name == "_row" else f"{field_name}: {' '.join(messages)}"
        for field_name, messages in errors.items()
    )


def failures_csv(session: Session, actor: Actor, job_id: int) -> Iterator[str]:
    """The failed rows as CSV lines, streamed: for a CSV job its columns as uploaded (short
    rows padded) then `error`, ready to fix and upload again; for a zip, `file, name, error`."""
    job = job_for(session, actor, job_id)
    columns = list(job.columns or [])
    statement = (
        select(ImportFailure)
        .where(ImportFailure.job_id == job.id)
        .order_by(ImportFailure.position)
        .execution_options(yield_per=1000)
    )
    if job.kind == "csv":
        keep = [index for index, name in enumerate(columns) if name != ERROR_COLUMN]
        yield _csv_line([*(columns[index] for index in keep), ERROR_COLUMN])
        for failure in session.scalars(statement):
            cells = list(failure.cells or [])
            if len(cells) == len(columns):
                cells = [cells[index] for index in keep]
            else:
                cells += [""] * (len(keep) - len(cells))
            yield _csv_line([*cells, error_text(failure.errors)])
    else:
        yield _csv_line(["file", "name", ERROR_COLUMN])
        for failure in session.scalars(statement):
            yield _csv_line([failure.ref, failure.name, error_text(failure.errors)])


def failures_filename(job: ImportJob) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", job.filename.rsplit(".", 1)[0]).strip("-") or "import"
    return f"{stem}-failed-rows.csv"


def recent_jobs(session: Session, actor: Actor, limit: int = RECENT_JOBS) -> list[ImportJob]:
    """The organisation's latest import jobs, newest first."""
    return job_page(session, actor, 1, limit).items


def job_page(session: Session, actor: Actor, page: int, page_size: int = JOBS_PAGE_SIZE) -> Page:
    """One page of the organisation's import jobs, newest first."""
    actor.require_scope("candidates:read")
    organisation_id = actor.require_organisation()
    statement = (
        select(ImportJob)
        .where(ImportJob.organisation_id == organisation_id)
        .order_by(ImportJob.created_at.desc(), ImportJob.id.desc())
    )
    return paginate(session, statement, page, page_size)


def unfinished_count(session: Session) -> int:
    """How many imports, of any organisation, are queued or running."""
    return session.scalar(select(func.count(ImportJob.id)).where(ImportJob.status.in_(UNFINISHED)))


def state(job: ImportJob, now: datetime | None = None) -> str:
    """What a person watching the job should be told, one of: "queued" (waiting for its first
    worker), "running", "stalled" (its worker stopped: the lease ran out, or the job waits for
    another worker to resume it), "cancelling" (asked; the worker stops after its batch),
    "done", "failed", "cancelled"."""
    if job.status in FINISHED:
        return job.status
    if job.cancel_requested:
        return "cancelling"
    now = now or utcnow()
    held = bool(job.worker) and job.lease_until is not None and job.lease_until >= now
    if held:
        return "running"
    return "stalled" if job.attempts else "queued"


def request_cancel(session: Session, actor: Actor, job_id: int) -> ImportJob:
    """Cancel one of the organisation's unfinished imports: at once when no worker holds it,
    else by its worker before the next batch (the rows committed before stay imported).
    Conflict when it has already finished."""
    actor.require_scope("candidates:write")
    job = job_for(session, actor, job_id)
    if job.status in FINISHED:
        raise Conflict(f"The import has already finished ({job.status}); nothing was changed.")
    now = utcnow()
    session.execute(
        update(ImportJob)
        .where(ImportJob.id == job.id, ImportJob.status.in_(UNFINISHED))
        .values(cancel_requested=True)
        .execution_options(synchronize_session=False)
    )
    _cancel_if_not_held(session, job.id, now)
    session.commit()
    session.refresh(job)
    return job


def _cancel_if_not_held(session: Session, job_id: int, now: datetime) -> bool:
    """End a cancel-requested job that no worker holds (in the caller's transaction)."""
    ended = session.execute(
        update(ImportJob)
        .where(
            ImportJob.id == job_id,
            ImportJob.status.in_(UNFINISHED),
            ImportJob.cancel_requested.is_(True),
            _not_held(now),
        )
        .values(lease_until=None)  # taken: _finish ends it in this transaction
        .execution_options(synchronize_session=False)
    )
    if ended.rowcount != 1:
        return False
    _finish(session, session.get(ImportJob, job_id, populate_existing=True), "cancelled")
    return True


def resume_stalled(session: Session, now: datetime | None = None) -> list[int]:
    """The sweep: the ids of the unfinished jobs no worker holds whose time has come (queued
    QUEUED_GRACE ago without a worker taking them, or whose holder's lease ran out), each
    marked queued again until now + QUEUED_GRACE; the caller queues them. Cancel-requested
    jobs nobody holds end as cancelled, and jobs claimed MAX_ATTEMPTS times as failed.

    Safe in many workers at once: each change is a conditional UPDATE that only one of them
    makes, so each due job is queued once per sweep interval at most, and the claim decides
    who runs it."""
    now = now or utcnow()
    due = session.execute(
        select(ImportJob.id, ImportJob.attempts, ImportJob.cancel_requested).where(
            ImportJob.status.in_(UNFINISHED),
            or_(ImportJob.lease_until.is_(None), ImportJob.lease_until < now),
        )
    ).all()
    queued: list[int] = []
    for job_id, attempts, cancel_requested in due:
        if cancel_requested:
            _cancel_if_not_held(session, job_id, now)
        elif attempts >= MAX_ATTEMPTS:
            _fail_worn_out(session, job_id, attempts, now)
        elif _requeue(session, job_id, attempts, now):
            queued.append(job_id)
        session.commit()
    return queued


def _requeue(session: Session, job_id: int, attempts: int, now: datetime) -> bool:
    marked = session.execute(
        update(ImportJob)
        .where(
            ImportJob.id == job_id,
            ImportJob.status.in_(UNFINISHED),
            ImportJob.attempts == attempts,
            ImportJob.cancel_requested.is_(False),
            or_(ImportJob.lease_until.is_(None), ImportJob.lease_until < now),
        )
        .values(worker="", lease_until=now + QUEUED_GRACE)
        .execution_options(synchronize_session=False)
    )
    if marked.rowcount == 1:
        log.info("import job %s queued again (claimed %s times before)", job_id, attempts)
    return marked.rowcount == 1


def _fail_worn_out(session: Session, job_id: int, attempts: int, now: datetime) -> None:
    taken = session.execute(
        update(ImportJob)
        .where(
            ImportJob.id == job_id,
            ImportJob.status.in_(UNFINISHED),
            ImportJob.attempts == attempts,
            or_(ImportJob.lease_until.is_(None), ImportJob.lease_until < now),
        )
        .values(lease_until=None)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount == 1:
        job = session.get(ImportJob, job_id, populate_existing=True)
        _finish(
            session,
            job,
            "failed",
            f"The import stopped after {job.processed} of {job.total} rows: its worker stopped "
            f"{attempts} times while running it. Upload the rows not imported yet again.",
        )
