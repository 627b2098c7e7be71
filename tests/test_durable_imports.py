"""Durable bulk imports: the upload is stored before its job is queued, a job resumes after its
last committed batch whichever worker runs it (a real worker process killed with SIGKILL
included), every row is imported exactly once, the sweep queues lost work again, cancelling,
the list of imports, what the job page says in each state, and the thread fallback without
Redis (development) with its sweeps."""

import csv
import io
import os
import re
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from redis import Redis
from sqlalchemy import func, select, update
from sqlalchemy.orm import sessionmaker

from portal import PROJECT_ROOT, jobs
from portal.extensions import db
from portal.models import (
    Candidate,
    ImportFailure,
    ImportFile,
    ImportJob,
    User,
    WebhookDelivery,
    WebhookEndpoint,
)
from portal.models.types import utcnow
from portal.services import bulk_import
from portal.services.access import Actor
from portal.services.bulk_import import CSV_COLUMNS, LEASE, QUEUED_GRACE, run_job, start_import
from portal.services.errors import Conflict
from tests.conftest import csrf_token_from, make_app, redis_url, sign_in

REDIS_URL = redis_url(4)  # this module's own database, emptied by its tests
BAD_EVERY = 50  # every 50th row has a bad email and fails


def rows_csv(count: int, label: str) -> bytes:
    """`count` candidates with distinct emails; every BAD_EVERY-th one fails (a bad email)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(CSV_COLUMNS), restval="")
    writer.writeheader()
    for number in range(1, count + 1):
        bad = number % BAD_EVERY == 0
        writer.writerow(
            {
                "name": f"{label} {number}",
                "email": f"bad-{number}" if bad else f"{label}-{number}@example.test",
                "years_product": "5",
                "product-strategy": "3",
            }
        )
    return out.getvalue().encode()


def expected_emails(count: int, label: str) -> list[str]:
    return sorted(
        f"{label}-{number}@example.test"
        for number in range(1, count + 1)
        if number % BAD_EVERY != 0
    )


def assert_imported_exactly_once(session, organisation_id: int, job_id: int, count: int, label):
    """Every good row is one candidate (no twin, none missing), every bad row one failure."""
    session.expire_all()
    emails = session.scalars(
        select(Candidate.email).where(Candidate.organisation_id == organisation_id)
    ).all()
    assert sorted(emails) == expected_emails(count, label)  # a twin would show twice
    failures = session.scalars(
        select(ImportFailure.ref).where(ImportFailure.job_id == job_id)
    ).all()
    assert sorted(map(int, failures)) == list(range(BAD_EVERY, count + 1, BAD_EVERY))
    job = session.get(ImportJob, job_id)
    assert (job.status, job.processed, job.created, job.updated, job.failed) == (
        "done",
        count,
        len(emails),
        0,
        count // BAD_EVERY,
    )
    assert session.get(ImportFile, job_id) is None  # the stored upload went with the end


@pytest.fixture(autouse=True)
def _no_import_left_running(app):
    """The jobs a test leaves unfinished end with it: the sweeps running in this process
    would otherwise import them later, in the middle of other tests."""
    with app.app_context():
        before = db.session.scalar(select(func.max(ImportJob.id))) or 0
        db.session.remove()
    yield
    with app.app_context():
        db.session.execute(
            update(ImportJob)
            .where(ImportJob.id > before, ImportJob.status.in_(bulk_import.UNFINISHED))
            .values(status="cancelled", lease_until=None, finished_at=utcnow())
        )
        db.session.commit()
        db.session.remove()


@pytest.fixture
def actor(session, make_recruiter) -> Actor:
    organisation = make_recruiter()
    user = session.scalar(select(User).where(User.email == organisation.recruiter_email))
    return Actor.for_user(user)


@pytest.fixture
def redis_app(database_url, app):
    """The portal with a job queue on Redis: nothing runs in this process."""
    connection = Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except OSError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    connection.flushdb()
    yield make_app(database_url, REDIS_URL=REDIS_URL)
    connection.flushdb()


class Death(BaseException):
    """A worker process dying: nothing after it runs, no handler records anything."""


def die_before_batch(monkeypatch, batch: int, then=None) -> None:
    """Make the run die (or first do `then`) as it is about to write its `batch`-th batch."""
    calls = {"n": 0}
    hold = bulk_import._Run.hold

    def dying_hold(run):
        calls["n"] += 1
        if calls["n"] == batch:
            if then is None:
                raise Death()
            then()
        return hold(run)

    monkeypatch.setattr(bulk_import._Run, "hold", dying_hold)


def other_session():
    return sessionmaker(bind=db.engine)()


# --- the stored file -------------------------------------------------------------------------


def test_the_upload_is_stored_before_its_job_is_queued(redis_app, make_recruiter):
    organisation = make_recruiter()
    client = redis_app.test_client()
    assert sign_in(client, organisation.recruiter_email).status_code == 303
    data = rows_csv(120, "stored")

    response = client.post(
        "/candidates/bulk",
        data={
            "csrf_token": csrf_token_from(client, "/candidates/bulk"),
            "file": (io.BytesIO(data), "pool.csv"),
        },
        content_type="multipart/form-data",
    )

    assert response.status_code == 303
    job_id = int(response.headers["Location"].rsplit("/", 1)[-1])
    with redis_app.app_context():
        stored = db.session.get(ImportFile, job_id)
        assert (stored.content, stored.size) == (data, len(data))
        job = db.session.get(ImportJob, job_id)
        assert (job.status, job.processed, job.worker) == ("queued", 0, "")
        assert jobs.queue_depth(redis_app) == 1  # the queue holds the job's id, not the file
        page = client.get(f"/candidates/bulk/{job_id}")
        assert "<strong>Queued</strong>: 0 of 120 rows processed." in page.text
        assert "Waiting for a worker to start it." in page.text
        db.session.remove()

    jobs.work(redis_app, burst=True)  # a worker, anywhere, takes it from the database

    with redis_app.app_context():
        assert_imported_exactly_once(
            db.session, organisation.organisation_id, job_id, 120, "stored"
        )
        db.session.remove()


# --- resuming --------------------------------------------------------------------------------


def test_a_job_resumed_after_its_worker_died_imports_every_row_once(session, actor, monkeypatch):
    monkeypatch.setattr(bulk_import, "PROGRESS_SHARE", 10)  # 300 rows: batches of 30
    data = rows_csv(300, "resumed")
    job = start_import(session, actor, "pool.csv", data, "")
    die_before_batch(monkeypatch, 4)  # three batches committed, the fourth never written

    with pytest.raises(Death):
        run_job(session, job.id, "", worker="first-host:1")
    session.rollback()  # the dead process's open transaction goes with its connection

    session.expire_all()
    dead = session.get(ImportJob, job.id)
    assert (dead.status, dead.processed, dead.worker, dead.attempts) == (
        "running",
        90,
        "first-host:1",
        1,
    )
    assert bulk_import.state(dead) == "running"  # nobody can tell yet: the lease is live
    assert job.id not in bulk_import.resume_stalled(session)
    later = utcnow() + LEASE + timedelta(seconds=1)
    assert bulk_import.state(dead, later) == "stalled"

    # The sweeps (of other tests' jobs too: a minute on, theirs are due as well).
    assert job.id in bulk_import.resume_stalled(session, later)
    assert job.id not in bulk_import.resume_stalled(session, later)  # queued once
    session.expire_all()
    assert bulk_import.state(session.get(ImportJob, job.id)) == "stalled"  # until taken
    monkeypatch.undo()
    monkeypatch.setattr(bulk_import, "PROGRESS_SHARE", 10)
    assert run_job(session, job.id, "", worker="second-host:2") == "done"

    assert_imported_exactly_once(session, actor.organisation_id, job.id, 300, "resumed")
    finished = session.get(ImportJob, job.id)
    assert (finished.attempts, finished.worker) == (2, "second-host:2")


def test_a_worker_that_lost_its_lease_stops_without_writing(session, actor, monkeypatch):
    """A worker that went silent past its lease (but is alive) finds the job taken over at its
    next batch: it writes nothing more, and the other worker's run is the one that counts."""
    monkeypatch.setattr(bulk_import, "PROGRESS_SHARE", 10)
    data = rows_csv(200, "lost")
    job = start_import(session, actor, "pool.csv", data, "")
    outcomes = []

    def taken_over():
        other = other_session()
        try:
            monkeypatch.setattr(bulk_import._Run, "hold", original_hold)
            later = utcnow() + LEASE + timedelta(seconds=1)
            assert job.id in bulk_import.resume_stalled(other, later)
            outcomes.append(run_job(other, job.id, "", worker="second-host:2"))
        finally:
            other.close()

    original_hold = bulk_import._Run.hold
    die_before_batch(monkeypatch, 3, then=taken_over)

    assert run_job(session, job.id, "", worker="slow-host:1") == "lost"

    assert outcomes == ["done"]
    assert_imported_exactly_once(session, actor.organisation_id, job.id, 200, "lost")


def test_the_sweep_queues_a_job_no_worker_took(session, actor):
    """An enqueue that was lost (Redis restarted, the web process died right after the
    commit): a minute later the sweep queues the job again."""
    job = start_import(session, actor, "pool.csv", rows_csv(3, "lost-enqueue"), "")
    assert bulk_import.state(job) == "queued"
    assert job.id not in bulk_import.resume_stalled(session)
    later = utcnow() + QUEUED_GRACE + timedelta(seconds=1)
    assert job.id in bulk_import.resume_stalled(session, later)
    assert job.id not in bulk_import.resume_stalled(session, later)


def test_a_job_that_kills_its_worker_every_time_ends_as_failed(session, actor):
    job = start_import(session, actor, "pool.csv", rows_csv(3, "worn"), "")
    job.status, job.worker, job.attempts = "running", "host:1", bulk_import.MAX_ATTEMPTS
    job.lease_until = utcnow() - timedelta(seconds=1)
    session.commit()

    assert job.id not in bulk_import.resume_stalled(session)

    session.expire_all()
    failed = session.get(ImportJob, job.id)
    assert failed.status == "failed"
    assert f"its worker stopped {bulk_import.MAX_ATTEMPTS} times" in failed.error
    assert session.get(ImportFile, job.id) is None
    assert run_job(session, job.id, "") == "not claimed"


def test_a_finished_job_is_not_run_again(session, actor):
    job = start_import(session, actor, "pool.csv", rows_csv(3, "once"), "")
    assert run_job(session, job.id, "") == "done"
    assert run_job(session, job.id, "") == "not claimed"
    assert run_job(session, 10**9, "") == "not claimed"
    assert bulk_import.resume_stalled(session, utcnow() + timedelta(days=1)).count(job.id) == 0


# --- a real worker process killed mid-import -------------------------------------------------


def start_worker(database_url: str, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "PORTAL_ENV": "development",
        "IMPORT_LEASE_SECONDS": "2",
    }
    flask = Path(sys.executable).with_name("flask")
    return subprocess.Popen(
        [str(flask), "--app", "portal", "worker"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def wait_for(condition, seconds: float, what: str, worker=None, log=None):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        if worker is not None and worker.poll() is not None:
            pytest.fail(f"the worker exited ({worker.returncode}):\n{log.read_text()[-3000:]}")
        time.sleep(0.02)
    pytest.fail(f"timed out waiting for {what}:\n{log.read_text()[-3000:] if log else ''}")


def test_a_worker_killed_mid_import_is_finished_by_another(
    redis_app, database_url, make_recruiter, tmp_path
):
    organisation = make_recruiter()
    count = 5000
    with redis_app.app_context():
        user = db.session.scalar(select(User).where(User.email == organisation.recruiter_email))
        job = start_import(db.session, Actor.for_user(user), "big.csv", rows_csv(count, "k"), "")
        job_id = job.id
        jobs.enqueue("bulk_import", job_id)
        engine_session = other_session()
        db.session.remove()

    def job_row() -> ImportJob:
        engine_session.expire_all()
        return engine_session.get(ImportJob, job_id)

    log = tmp_path / "workers.log"
    first = start_worker(database_url, log)
    try:
        wait_for(lambda: job_row().processed > 0, 120, "the first batch", first, log)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    killed = job_row()
    assert killed.status == "running", "the import finished before the kill; make it larger"
    assert 0 < killed.processed < count
    first_worker = killed.worker
    assert first_worker.endswith(f":{first.pid}")

    second = start_worker(database_url, log)
    try:
        wait_for(lambda: job_row().status in bulk_import.FINISHED, 180, "the import", second, log)
    finally:
        second.send_signal(signal.SIGTERM)
        try:
            second.wait(20)
        except subprocess.TimeoutExpired:
            second.kill()
            second.wait(10)

    finished = job_row()
    assert finished.attempts >= 2
    assert finished.worker != first_worker  # another worker finished it
    assert_imported_exactly_once(engine_session, organisation.organisation_id, job_id, count, "k")
    engine_session.close()


# --- cancelling ------------------------------------------------------------------------------


def test_cancelling_a_queued_import_ends_it_at_once(session, actor):
    job = start_import(session, actor, "pool.csv", rows_csv(10, "cq"), "")

    cancelled = bulk_import.request_cancel(session, actor, job.id)

    assert (cancelled.status, cancelled.cancel_requested) == ("cancelled", True)
    assert cancelled.finished_at is not None
    assert session.get(ImportFile, job.id) is None
    assert run_job(session, job.id, "") == "not claimed"  # the queued job finds nothing to do
    assert session.scalar(
        select(func.count(Candidate.id)).where(Candidate.organisation_id == actor.organisation_id)
    ) == 0  # fmt: skip
    with pytest.raises(Conflict):
        bulk_import.request_cancel(session, actor, job.id)


def test_cancelling_a_running_import_stops_it_between_batches(session, actor, monkeypatch):
    monkeypatch.setattr(bulk_import, "PROGRESS_SHARE", 10)
    job = start_import(session, actor, "pool.csv", rows_csv(100, "cr"), "")

    def cancel_from_the_page():
        other = other_session()
        try:
            asked = bulk_import.request_cancel(other, actor, job.id)
            assert (asked.status, bulk_import.state(asked)) == ("running", "cancelling")
        finally:
            other.close()

    die_before_batch(monkeypatch, 3, then=cancel_from_the_page)

    assert run_job(session, job.id, "") == "cancelled"

    session.expire_all()
    stopped = session.get(ImportJob, job.id)
    assert (stopped.status, stopped.processed) == ("cancelled", 20)  # two batches of 10
    emails = session.scalars(
        select(Candidate.email).where(Candidate.organisation_id == actor.organisation_id)
    ).all()
    assert sorted(emails) == expected_emails(20, "cr")  # what was imported stays
    assert session.get(ImportFile, job.id) is None


def test_a_cancel_asked_of_a_dead_worker_is_ended_by_the_sweep(session, actor, monkeypatch):
    job = start_import(session, actor, "pool.csv", rows_csv(100, "cd"), "")
    monkeypatch.setattr(bulk_import, "PROGRESS_SHARE", 10)
    die_before_batch(monkeypatch, 2)
    with pytest.raises(Death):
        run_job(session, job.id, "")
    session.rollback()
    assert bulk_import.request_cancel(session, actor, job.id).status == "running"

    later = utcnow() + LEASE + timedelta(seconds=1)
    assert job.id not in bulk_import.resume_stalled(session, later)

    session.expire_all()
    assert session.get(ImportJob, job.id).status == "cancelled"


# --- the import.finished event ---------------------------------------------------------------


def test_the_end_of_an_import_is_an_import_finished_event(session, actor):
    endpoint = WebhookEndpoint(
        organisation_id=actor.organisation_id,
        url="http://127.0.0.1:9/hooks",  # nothing listens: the delivery is only recorded here
        events=["import.finished"],
        secret="whsec_" + "A" * 32,
        active=True,
    )
    session.add(endpoint)
    session.commit()
    job = start_import(session, actor, "pool.csv", rows_csv(100, "ev"), "")

    run_job(session, job.id, "")

    session.expire_all()
    (delivery,) = session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.webhook_id == endpoint.id)
    ).all()
    assert delivery.event_type == "import.finished"
    data = delivery.payload["data"]
    assert {
        key: data[key] for key in ("id", "status", "total", "created", "updated", "failed")
    } == {
        "id": job.id,
        "status": "done",
        "total": 100,
        "created": 98,
        "updated": 0,
        "failed": 2,
    }
    assert data["filename"] == "pool.csv"


# --- the pages -------------------------------------------------------------------------------


@pytest.fixture
def recruiter(client, make_recruiter, app):
    organisation = make_recruiter()
    assert sign_in(client, organisation.recruiter_email).status_code == 303
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == organisation.recruiter_email))
        client.actor = Actor.for_user(user)
        db.session.remove()
    client.app = app
    return client


def queued_job(app, actor: Actor, filename: str = "pool.csv", rows: int = 10, **state) -> int:
    """A job as an upload leaves it (not queued anywhere, so no worker takes it), then set to
    `state` (e.g. as a worker leaves it)."""
    with app.app_context():
        job = start_import(db.session, actor, filename, rows_csv(rows, filename[:-4]), "")
        for name, value in state.items():
            setattr(job, name, value)
        db.session.commit()
        job_id = job.id
        db.session.remove()
    return job_id


def progress_text(page) -> str:
    section = re.search(r'<section id="job_progress".*?</section>', page.text, re.S).group(0)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section)).strip()
    return re.sub(r" ([:.,])", r"\1", text)


def test_the_job_page_says_what_is_happening(recruiter):
    app, actor = recruiter.app, recruiter.actor
    now = utcnow()
    held = {"status": "running", "attempts": 1, "processed": 4, "succeeded": 4}
    cases = {
        "queued": ({}, "Queued: 0 of 10 rows processed. Waiting for a worker to start it."),
        "running": (
            {**held, "worker": "host:1", "lease_until": now + timedelta(minutes=1)},
            "Running: 4 of 10 rows processed.",
        ),
        "stalled": (  # its worker died; the sweep queued it again, no worker took it yet
            {**held, "worker": "", "lease_until": now + timedelta(minutes=1)},
            "Stalled: 4 of 10 rows processed. Its worker stopped; another will resume it "
            "after row 4 (nothing is imported twice).",
        ),
        "cancelling": (
            {**held, "worker": "host:1", "lease_until": now + timedelta(minutes=1),
             "cancel_requested": True},
            "Cancelling: 4 of 10 rows processed. It stops after the batch its worker is writing",
        ),
    }  # fmt: skip
    for state, (values, words) in cases.items():
        job_id = queued_job(app, actor, f"{state}.csv", **values)
        page = recruiter.get(f"/candidates/bulk/{job_id}")
        assert page.status_code == 200
        assert progress_text(page).startswith(words), (state, progress_text(page))
        assert f'data-state="{state}"' in page.text
        assert 'hx-trigger="every 1s"' in page.text  # polled until it ends
        cancel = f'href="/candidates/bulk/{job_id}/cancel"'
        assert (cancel in page.text) == (state != "cancelling"), state


def test_cancel_through_the_confirm_page(recruiter):
    job_id = queued_job(recruiter.app, recruiter.actor)
    url = f"/candidates/bulk/{job_id}/cancel"

    confirm = recruiter.get(url)
    assert confirm.status_code == 200
    assert "Cancel the import of pool.csv?" in confirm.text
    assert f'action="{url}" method="post"' in confirm.text

    response = recruiter.post(url, data={"csrf_token": csrf_token_from(recruiter, url)})

    assert response.status_code == 303
    assert response.headers["Location"] == f"/candidates/bulk/{job_id}"
    page = recruiter.get(f"/candidates/bulk/{job_id}")
    assert "The import is cancelled." in page.text
    assert progress_text(page).startswith("Cancelled: 0 of 10 rows processed.")
    assert 'hx-trigger="every 1s"' not in page.text
    assert f'href="{url}"' not in page.text
    assert recruiter.get(url).headers["Location"] == f"/candidates/bulk/{job_id}"  # nothing to ask

    token = csrf_token_from(recruiter, f"/candidates/bulk/{job_id}")
    again = recruiter.post(url, data={"csrf_token": token})  # a second tab, say
    assert again.status_code == 303
    assert "already finished (cancelled)" in recruiter.get(again.headers["Location"]).text


def test_cancel_with_htmx_redirects_the_page(recruiter):
    now = utcnow()
    job_id = queued_job(
        recruiter.app,
        recruiter.actor,
        status="running",
        attempts=1,
        worker="host:1",
        lease_until=now + timedelta(minutes=1),
    )
    url = f"/candidates/bulk/{job_id}/cancel"
    token = csrf_token_from(recruiter, f"/candidates/bulk/{job_id}")

    response = recruiter.post(url, headers={"HX-Request": "true", "X-CSRFToken": token})

    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == f"/candidates/bulk/{job_id}"
    page = recruiter.get(f"/candidates/bulk/{job_id}")
    assert "The import stops after the batch its worker is writing." in page.text
    assert 'data-state="cancelling"' in page.text


def test_the_imports_page_lists_the_organisations_imports(recruiter, make_recruiter, app):
    actor = recruiter.actor
    older = queued_job(app, actor, "older.csv")
    done = queued_job(app, actor, "done.csv", status="done", processed=10, succeeded=7, updated=2)
    stranger = make_recruiter()
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == stranger.recruiter_email))
        theirs = queued_job(app, Actor.for_user(user), "theirs.csv")
        db.session.remove()

    page = recruiter.get("/candidates/imports")

    assert page.status_code == 200
    rows = dict(re.findall(r'<tr data-job="(\d+)">(.*?)</tr>', page.text, re.S))
    assert list(map(int, rows)) == [done, older]  # newest first, their own only
    cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", rows[str(done)], re.S)
    texts = [re.sub(r"<[^>]+>", "", cell).strip() for cell in cells]
    assert texts[:6] == ["done.csv", "Done", "10 of 10", "5", "2", "3"]
    assert "Queued" in rows[str(older)]
    assert f"/candidates/bulk/{theirs}" not in page.text
    assert 'href="/candidates/imports"' in recruiter.get("/candidates").text
    assert 'href="/candidates/imports"' in recruiter.get("/candidates/bulk").text


# --- development without Redis ---------------------------------------------------------------


def test_without_redis_an_upload_is_run_in_the_web_process(recruiter):
    data = rows_csv(60, "thread")
    response = recruiter.post(
        "/candidates/bulk",
        data={
            "csrf_token": csrf_token_from(recruiter, "/candidates/bulk"),
            "file": (io.BytesIO(data), "pool.csv"),
        },
        content_type="multipart/form-data",
    )
    job_id = int(response.headers["Location"].rsplit("/", 1)[-1])
    app = recruiter.app
    with app.app_context():
        wait_for(
            lambda: (
                db.session.scalar(select(ImportJob.status).where(ImportJob.id == job_id)) == "done"
            ),
            60,
            "the import in a thread",
        )
        assert_imported_exactly_once(
            db.session, recruiter.actor.organisation_id, job_id, 60, "thread"
        )
        db.session.remove()


def test_a_restarted_development_server_resumes_unfinished_imports(
    database_url, app, make_recruiter
):
    """A job left by a web process that stopped (the lease ran out): a new development server
    starts its sweeps with its first request, and the import finishes."""
    organisation = make_recruiter()
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == organisation.recruiter_email))
        job_id = queued_job(
            app,
            Actor.for_user(user),
            status="running",
            attempts=1,
            worker="old-process:1",
            lease_until=utcnow() - timedelta(seconds=1),
        )
        db.session.remove()
    restarted = make_app(database_url, TESTING=False)
    assert not restarted.config["REDIS_URL"]

    restarted.test_client().get("/healthz")

    assert id(restarted) in jobs._sweeping  # its first request started the sweeps
    with app.app_context():
        wait_for(
            lambda: (
                db.session.scalar(select(ImportJob.status).where(ImportJob.id == job_id)) == "done"
            ),
            jobs.SWEEP_EVERY + 30,
            "the resumed import",
        )
        db.session.remove()
