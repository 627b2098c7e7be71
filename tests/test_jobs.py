"""Background jobs: through a real Redis queue and `flask worker`, and in a thread of the web
process without Redis; a job that raises is retried."""

import time
import uuid

import pytest
from redis import Redis
from sqlalchemy import select

from portal import jobs
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
