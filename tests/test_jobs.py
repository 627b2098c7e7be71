"""Background jobs: through a real Redis queue and `flask worker`, and in a thread of the web
process without Redis; a job that raises is retried."""

import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from redis import Redis
from rq.job import Job
from rq.registry import ScheduledJobRegistry
from sqlalchemy import select

from portal import PROJECT_ROOT, jobs
from portal.extensions import db
from portal.models import Organisation
from tests.conftest import make_app, redis_url

REDIS_URL = redis_url(1)  # a database of its own, emptied by these tests
attempts: dict[str, int] = {}


@jobs.job("test.found_organisation")
def found_organisation(slug: str, failures: int = 0) -> None:
    attempts[slug] = attempts.get(slug, 0) + 1
    if attempts[slug] <= failures:
        raise RuntimeError("not this time")
    db.session.add(Organisation(slug=slug, name=slug))
    db.session.commit()


def exists(app, slug: str) -> bool:
    with app.app_context():
        found = db.session.scalar(select(Organisation.id).where(Organisation.slug == slug))
        db.session.remove()
        return found is not None


@pytest.fixture
def redis_app(database_url):
    connection = Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except OSError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    connection.flushdb()
    yield make_app(database_url, REDIS_URL=REDIS_URL)
    connection.flushdb()


def test_a_queued_job_is_run_by_the_worker(redis_app):
    slug = f"queued-{uuid.uuid4().hex[:8]}"
    with redis_app.app_context():
        jobs.enqueue("test.found_organisation", slug)
        assert jobs.queue_depth(redis_app) == 1
    assert not exists(redis_app, slug)  # nothing runs in the web process
    jobs.work(redis_app, burst=True)
    assert exists(redis_app, slug)
    assert jobs.queue_depth(redis_app) == 0


def test_a_job_that_raises_is_retried(redis_app, monkeypatch):
    monkeypatch.setattr(jobs, "RETRIES", (0, 0, 0))
    slug = f"retried-{uuid.uuid4().hex[:8]}"
    with redis_app.app_context():
        jobs.enqueue("test.found_organisation", slug, 2)
    jobs.work(redis_app, burst=True)
    assert attempts[slug] == 3
    assert exists(redis_app, slug)


def test_a_delayed_job_waits_for_its_time_then_runs(redis_app):
    slug = f"delayed-{uuid.uuid4().hex[:8]}"
    with redis_app.app_context():
        jobs.enqueue("test.found_organisation", slug, delay=timedelta(hours=1))
    jobs.work(redis_app, burst=True)
    assert not exists(redis_app, slug)  # not due yet

    connection = Redis.from_url(REDIS_URL)
    scheduled = ScheduledJobRegistry(jobs.QUEUE, connection=connection)
    (job_id,) = scheduled.get_job_ids()
    scheduled.schedule(Job.fetch(job_id, connection=connection), datetime.now(UTC))  # its time
    jobs.work(redis_app, burst=True)
    assert exists(redis_app, slug)


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:  # it ended while being read
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def test_the_worker_forks_no_process_that_could_outlive_it(redis_app, database_url, tmp_path):
    """A forked process shares the worker's database connections; killed, the worker would
    leave it holding them open, with the row locks of the import it was running."""
    log = tmp_path / "worker.log"
    worker = subprocess.Popen(
        [str(Path(sys.executable).with_name("flask")), "--app", "portal", "worker"],
        cwd=PROJECT_ROOT,
        env={**os.environ, "DATABASE_URL": database_url, "REDIS_URL": REDIS_URL},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while "Listening on" not in log.read_text() and time.monotonic() < deadline:
            assert worker.poll() is None, log.read_text()
            time.sleep(0.1)
        time.sleep(2)  # rq started its scheduler process right after this line
        assert "Listening on" in log.read_text()
        assert children_of(worker.pid) == []
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(30)


def test_the_worker_command_needs_redis(app, runner):
    result = runner.invoke(args=["worker", "--burst"])
    assert result.exit_code != 0
    assert "REDIS_URL is not set" in result.output


def test_without_redis_the_web_process_runs_the_job(app):
    slug = f"threaded-{uuid.uuid4().hex[:8]}"
    with app.app_context():
        jobs.enqueue("test.found_organisation", slug)
    deadline = time.monotonic() + 10
    while not exists(app, slug) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert exists(app, slug)
