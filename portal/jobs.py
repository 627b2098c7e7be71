"""Background jobs: RQ over `REDIS_URL`, run by `flask --app portal worker`; without Redis (in
development) the web process runs them in threads.

The database, not the queue, is the record of what is done: a job reads its work from there,
commits its progress as it goes, and is written so that running it twice does no harm (bulk
imports resume from their last committed batch; a webhook delivery keeps its id). So a job lost
with a killed worker is not lost work: every worker also runs the sweeps registered here every
few seconds, which find work whose lease has expired (its worker died) or which has fallen due
(a webhook retry) and queue it again.

Jobs and sweeps are registered by name (`@job("bulk_import")`, `@sweep`), so the queue holds
only a name and plain arguments.
"""

import logging
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Flask, current_app

from portal import observability
from portal.extensions import db

logger = logging.getLogger("portal.jobs")

QUEUE = "portal"
JOB_TIMEOUT = 3600  # seconds; a bulk import of 50 MB finishes well within it
SWEEP_EVERY = 5  # seconds between sweeps in each worker
RETRIES = (10, 30, 120)  # seconds before each retry of a job that raised

_jobs: dict[str, Callable[..., Any]] = {}
_sweeps: list[Callable[[], Any]] = []


def job(name: str) -> Callable:
    """Register a function as the background job `name`."""

    def register(function: Callable) -> Callable:
        _jobs[name] = function
        return function

    return register


def sweep(function: Callable[[], Any]) -> Callable[[], Any]:
    """Register a function every worker runs every SWEEP_EVERY seconds (it must be safe to run
    in many workers at once)."""
    _sweeps.append(function)
    return function


def _load_job_modules() -> None:
    """Import the modules whose jobs and sweeps a worker runs (they register themselves)."""
    from portal import job_handlers  # noqa: F401


def redis_connection(app: Flask):
    """The Redis connection jobs use, or None in development without REDIS_URL."""
    url = app.config.get("REDIS_URL")
    if not url:
        return None
    from redis import Redis

    return Redis.from_url(url)


def enqueue(
    name: str, *args: Any, delay: timedelta | None = None, job_id: str | None = None
) -> None:
    """Run job `name` with `args` in the background (after `delay`)."""
    app = current_app._get_current_object()
    connection = redis_connection(app)
    if connection is None:
        _in_a_thread(app, name, args, delay)
        return
    from rq import Queue, Retry

    queue = Queue(QUEUE, connection=connection)
    options = {
        "job_id": job_id,
        "job_timeout": JOB_TIMEOUT,
        "retry": Retry(max=len(RETRIES), interval=list(RETRIES)),
        "meta": {"request_id": observability.current_request_id()},  # for the job's log lines
    }
    if delay:
        queue.enqueue_in(delay, run, name, *args, **options)
    else:
        queue.enqueue(run, name, *args, **options)


def run(name: str, *args: Any) -> Any:
    """What the queue calls: the registered job, inside the worker's application context."""
    _load_job_modules()
    from rq import get_current_job

    queued = get_current_job()  # None when the web process runs it in a thread
    job_id, meta = (queued.id, queued.meta) if queued else (None, {})
    with observability.job_logging(name, job_id, meta.get("request_id")):
        try:
            return _jobs[name](*args)
        finally:
            db.session.remove()


def _in_a_thread(app: Flask, name: str, args: tuple, delay: timedelta | None) -> None:
    def work() -> None:
        if delay:
            time.sleep(delay.total_seconds())
        with app.app_context():
            try:
                run(name, *args)
            except Exception:  # a thread has nobody to tell: the sweeps will try again
                logger.exception("Background job %s%r failed", name, args)

    threading.Thread(target=work, name=f"job-{name}", daemon=True).start()
    sweep_in_this_process(app)


_sweeping: set[int] = set()


def sweep_in_this_process(app: Flask) -> None:
    """Development without Redis: this web process runs the sweeps from now on (once per
    process and app)."""
    if id(app) in _sweeping:
        return
    _sweeping.add(id(app))
    threading.Thread(target=sweep_forever, args=(app,), name="job-sweeps", daemon=True).start()


def sweep_once(app: Flask) -> None:
    _load_job_modules()
    for function in _sweeps:
        with app.app_context():
            try:
                function()
            except Exception:
                logger.exception("Sweep %s failed", function.__name__)
            finally:
                db.session.remove()


def sweep_forever(app: Flask, stop: threading.Event | None = None) -> None:
    stop = stop or threading.Event()
    while not stop.wait(SWEEP_EVERY):
        sweep_once(app)


def work(app: Flask, *, burst: bool = False) -> None:
    """Run jobs from the queue until stopped (or, with `burst`, until the queue is empty)."""
    from rq import Queue, SimpleWorker
    from rq.scheduler import RQScheduler

    connection = redis_connection(app)
    _load_job_modules()
    stop = threading.Event()
    sweeper = threading.Thread(target=sweep_forever, args=(app, stop), daemon=True)
    sweeper.start()
    sweep_once(app)
    scheduler = RQScheduler([QUEUE], connection=connection)
    _move_due_jobs(scheduler)
    threading.Thread(target=_schedule_forever, args=(scheduler, stop), daemon=True).start()
    # SimpleWorker runs each job in this process, and the scheduler is a thread of it (rq's
    # with_scheduler forks one): a forked process would share this one's database
    # connections, and outlive a killed worker holding them open with the import's row locks.
    worker = SimpleWorker([Queue(QUEUE, connection=connection)], connection=connection)
    try:
        with app.app_context():
            worker.work(burst=burst, logging_level="INFO")
    finally:
        stop.set()
        scheduler.release_locks()


def _move_due_jobs(scheduler) -> None:
    """Delayed jobs and retries whose time has come go onto the queue, by whichever worker holds
    the scheduler lock (taken when free, kept alive while held)."""
    if scheduler.acquired_locks:
        scheduler.heartbeat()
    else:
        scheduler.acquire_locks()
    if scheduler.acquired_locks:
        scheduler.enqueue_scheduled_jobs()


def _schedule_forever(scheduler, stop: threading.Event) -> None:
    while not stop.wait(scheduler.interval):
        try:
            _move_due_jobs(scheduler)
        except Exception:  # Redis away for a moment: the next tick tries again
            logger.exception("Moving due jobs onto the queue failed")


def queue_depth(app: Flask) -> int | None:
    """Jobs waiting in the queue (None without Redis)."""
    connection = redis_connection(app)
    if connection is None:
        return None
    from rq import Queue

    return Queue(QUEUE, connection=connection).count
