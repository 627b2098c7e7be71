"""Operations: log lines that say which request (or job) they belong to, one access line per
request, and Prometheus metrics at /metrics.

Logs: every record made in the process carries `request_id` (the request being answered, or
the request that queued the job being run, else "-"), and inside a job `job` and `job_id` too.
With LOG_FORMAT=json each line is one JSON object; with text, one readable line.

Metrics: request counts and latencies per endpoint are kept in each process. Under gunicorn
(gunicorn.conf.py sets PROMETHEUS_MULTIPROC_DIR before any worker starts) every worker writes
them to files in one directory and a scrape sums them all. What the job workers change (queue,
webhook deliveries, imports) is read from Redis and the database when /metrics is scraped.
"""

import hmac
import logging
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from time import perf_counter

from flask import Blueprint, Flask, Response, abort, current_app, g, has_request_context, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from pythonjsonlogger.json import JsonFormatter
from sqlalchemy import func, or_, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from portal.extensions import csrf, db, limiter

# --- logs ------------------------------------------------------------------------------------

TEXT_FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"
# The same field names as gunicorn's own lines (gunicorn.conf.py), so one query reads both.
JSON_FIELDS = ["levelname", "name", "message", "process"]
JSON_RENAMES = {"levelname": "level", "name": "logger", "process": "pid"}

access_log = logging.getLogger("portal.access")


@dataclass(frozen=True)
class _Job:
    name: str
    job_id: str
    request_id: str


_current_job: ContextVar[_Job | None] = ContextVar("portal_job", default=None)


def current_request_id() -> str | None:
    """The id of the request being answered, if any."""
    return g.get("request_id") if has_request_context() else None


@contextmanager
def job_logging(name: str, job_id: str | None = None, request_id: str | None = None) -> Iterator:
    """Records made within carry the job's name and id and the id of the request that queued
    it (so one id leads from a request to the work it caused)."""
    token = _current_job.set(_Job(name, job_id or uuid.uuid4().hex, request_id or "-"))
    try:
        yield
    finally:
        _current_job.reset(token)


def _with_context(make_record):
    def make(*args, **kwargs) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        job = _current_job.get()
        if job is not None:
            record.request_id, record.job, record.job_id = job.request_id, job.name, job.job_id
        else:
            record.request_id = current_request_id() or "-"
        return record

    make.portal_context = True
    return make


def configure_logging(app: Flask) -> None:
    """One handler, in LOG_FORMAT, for the portal's loggers and the job worker's (RQ); for all
    others too unless the process has its own (gunicorn's configuration, pytest's capture)."""
    if not getattr(logging.getLogRecordFactory(), "portal_context", False):
        logging.setLogRecordFactory(_with_context(logging.getLogRecordFactory()))
    handler = logging.StreamHandler()
    handler.portal_handler = True
    if app.config["LOG_FORMAT"] == "json":
        handler.setFormatter(
            JsonFormatter(JSON_FIELDS, rename_fields=JSON_RENAMES, timestamp="time")
        )
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    for name in ("portal", "rq"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(logging.INFO)
        logger.propagate = False
    root = logging.getLogger()
    if all(getattr(existing, "portal_handler", False) for existing in root.handlers):
        root.handlers[:] = [handler]


# --- metrics ---------------------------------------------------------------------------------

# Labels take a bounded set of values: the endpoint (never the path), a known method, the
# status class. Latency buckets in seconds, from a cached read to a bulk upload.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_STATUS_CLASSES = {1: "1xx", 2: "2xx", 3: "3xx", 4: "4xx", 5: "5xx"}
_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
REQUESTS = Counter(
    "portal_http_requests",
    "Requests answered, by endpoint, method and status class.",
    ["endpoint", "method", "status"],
    registry=None,
)
LATENCY = Histogram(
    "portal_http_request_duration_seconds",
    "Time from the request's arrival in the portal to its answer, by endpoint and method.",
    ["endpoint", "method"],
    buckets=_BUCKETS,
    registry=None,
)
_series: dict[tuple[str, str, int], tuple] = {}

# Path segments that are secrets (share codes, sign-up, reset and invitation tokens): a request
# to such a route is logged with the route's pattern instead of its path.
SECRET_PATH_ARGUMENTS = frozenset({"code", "token"})
MAX_LOGGED_PATH = 300


def register_observability(app: Flask) -> None:
    """Time and count every request, write its access line, and serve /metrics."""
    # First before-request hook and last after-request hook (they run in reverse): the time
    # covers every other hook, and the line records the answer as it leaves.
    app.before_request_funcs.setdefault(None, []).insert(0, _start_clock)
    app.after_request_funcs.setdefault(None, []).insert(0, _observe)
    csrf.exempt(bp)
    limiter.exempt(bp)
    app.register_blueprint(bp)


def _start_clock() -> None:
    g.started_at = perf_counter()


def _observe(response: Response) -> Response:
    # The objects behind the `request` and `g` proxies, looked up once (each proxy access
    # costs a context lookup).
    answered, context = request._get_current_object(), g._get_current_object()
    elapsed = perf_counter() - context.get("started_at", perf_counter())
    method = answered.method if answered.method in _METHODS else "other"
    endpoint = answered.endpoint or "unmatched"
    status = response.status_code
    key = (endpoint, method, status // 100)
    try:
        series = _series.get(key) or _new_series(key)
    except OSError:  # the metrics directory is gone or full: the answer matters more
        logging.getLogger(__name__).warning("Request metrics not recorded", exc_info=True)
    else:
        series[0].inc()
        series[1].observe(elapsed)
    path = _loggable_path(answered)
    # gunicorn's access line (gunicorn.conf.py) logs this path too, never the raw one.
    answered.environ["portal.log_path"] = path
    caller = {
        "endpoint": endpoint,
        "remote_addr": answered.remote_addr,  # the client's, through TRUSTED_PROXIES
        **_caller(context),
    }
    if current_app.config["ACCESS_LOG"] == "server":
        answered.environ["portal.access"] = caller  # the server's line adds these fields
    elif access_log.isEnabledFor(logging.INFO):
        fields = {
            "method": method,
            "path": path,
            "status": status,
            "duration_ms": round(elapsed * 1000, 2),
            **caller,
        }
        args = (method, path, status, elapsed * 1000)
        # makeRecord and handle, as Logger.info does, but without its walk up the stack to find
        # the caller's file and line (always this function).
        record = access_log.makeRecord(
            access_log.name, logging.INFO, __file__, 0, "%s %s %s %.1fms", args, None, extra=fields
        )
        access_log.handle(record)
    return response


def _new_series(key: tuple[str, str, int]) -> tuple:
    endpoint, method, status_class = key
    series = (
        REQUESTS.labels(endpoint, method, _STATUS_CLASSES.get(status_class, "other")),
        LATENCY.labels(endpoint, method),
    )
    _series[key] = series
    return series


def _loggable_path(answered) -> str:
    """The path without its query string, with a route's pattern in place of secrets in it."""
    rule = answered.url_rule
    if rule is not None and not SECRET_PATH_ARGUMENTS.isdisjoint(rule.arguments):
        return rule.rule
    return answered.path[:MAX_LOGGED_PATH]


def _caller(context) -> dict[str, int]:
    """Who called, as far as the request already found out (nothing is loaded to log it)."""
    actor = context.get("actor")
    if actor is not None:
        ids = {
            "user_id": actor.user_id,
            "organisation_id": actor.organisation_id,
            "api_key_id": actor.api_key_id,
        }
    else:
        user = context.get("_login_user")  # Flask-Login's, set once a view asked for the user
        ids = {
            "user_id": getattr(user, "id", None),
            "organisation_id": getattr(user, "organisation_id", None),
        }
    return {name: value for name, value in ids.items() if value is not None}


bp = Blueprint("observability", __name__)


@bp.get("/metrics")
def metrics():
    """Prometheus metrics for a scraper holding METRICS_TOKEN; no such page without one."""
    token = current_app.config["METRICS_TOKEN"]
    if not token:
        abort(404)
    scheme, _, supplied = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(supplied.encode(), token.encode()):
        return Response(
            "Send Authorization: Bearer <METRICS_TOKEN>.\n",
            401,
            {"WWW-Authenticate": 'Bearer realm="metrics"'},
            mimetype="text/plain",
        )
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)  # every gunicorn worker's counts, summed
    else:
        registry.register(_ThisProcess())
    registry.register(_SharedState(current_app._get_current_object()))
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)


class _ThisProcess:
    """The request metrics of a single process (the development server, tests)."""

    def collect(self):
        yield from REQUESTS.collect()
        yield from LATENCY.collect()


class _SharedState:
    """Figures every process shares, read when scraped: the database, the job queue."""

    def __init__(self, app: Flask):
        self.app = app

    def collect(self):
        yield from _database_figures(db.session)
        if self.app.config["REDIS_URL"]:
            yield from _queue_figures(self.app)


def _database_figures(session: Session):
    up = GaugeMetricFamily("portal_database_up", "1 when the database answers, else 0.")
    try:
        families = [_webhook_endpoints(session), *_webhook_deliveries(session)]
        families.append(_imports(session))
    except SQLAlchemyError:
        session.rollback()
        up.add_metric([], 0)
        yield up
        return
    up.add_metric([], 1)
    yield up
    yield from families


def _webhook_endpoints(session: Session) -> GaugeMetricFamily:
    family = GaugeMetricFamily(
        "portal_webhook_endpoints",
        "Webhook endpoints: healthy, failing (deliveries failing, not yet switched off) or "
        "disabled (switched off after failing for days).",
        labels=["state"],
    )
    from portal.models import WebhookEndpoint

    rows = session.execute(
        select(
            WebhookEndpoint.active, WebhookEndpoint.failing_since.is_not(None), func.count()
        ).group_by(WebhookEndpoint.active, WebhookEndpoint.failing_since.is_not(None))
    ).all()
    counts = {"healthy": 0, "failing": 0, "disabled": 0}
    for active, failing, count in rows:
        counts["disabled" if not active else "failing" if failing else "healthy"] += count
    for state, count in counts.items():
        family.add_metric([state], count)
    return family


def _webhook_deliveries(session: Session) -> list:
    from portal.models import WebhookAttempt, WebhookDelivery

    deliveries = GaugeMetricFamily(
        "portal_webhook_deliveries",
        "Webhook deliveries by status (pending: waiting for an attempt or a retry).",
        labels=["status"],
    )
    counts = dict.fromkeys(("pending", "succeeded", "failed"), 0)
    rows = session.execute(
        select(WebhookDelivery.status, func.count()).group_by(WebhookDelivery.status)
    )
    counts.update(dict(rows.all()))
    for status, count in counts.items():
        deliveries.add_metric([status], count)
    # A failed attempt: no HTTP answer, or one outside 2xx (webhooks.Outcome.succeeded).
    failed = session.scalar(
        select(func.count()).where(
            or_(
                WebhookAttempt.status_code.is_(None),
                WebhookAttempt.status_code < 200,
                WebhookAttempt.status_code >= 300,
            )
        )
    )
    attempts = CounterMetricFamily(
        "portal_webhook_attempts_failed",
        "Webhook delivery attempts that failed (no answer, or not 2xx).",
        value=failed,
    )
    return [deliveries, attempts]


def _imports(session: Session) -> GaugeMetricFamily:
    from portal.models import ImportJob

    family = GaugeMetricFamily(
        "portal_bulk_imports_unfinished",
        "Bulk imports waiting for a worker (queued) or being imported (running).",
        labels=["status"],
    )
    counts = dict.fromkeys(("queued", "running"), 0)
    rows = session.execute(
        select(ImportJob.status, func.count())
        .where(ImportJob.status.in_(counts))
        .group_by(ImportJob.status)
    )
    counts.update(dict(rows.all()))
    for status, count in counts.items():
        family.add_metric([status], count)
    return family


def _queue_figures(app: Flask):
    from redis.exceptions import RedisError
    from rq.registry import FailedJobRegistry

    from portal import jobs

    up = GaugeMetricFamily("portal_redis_up", "1 when Redis (the job queue) answers, else 0.")
    try:
        depth = jobs.queue_depth(app)
        failed = FailedJobRegistry(jobs.QUEUE, connection=jobs.redis_connection(app)).count
    except RedisError:
        up.add_metric([], 0)
        yield up
        return
    up.add_metric([], 1)
    yield up
    yield GaugeMetricFamily(
        "portal_job_queue_depth", "Jobs waiting in the queue for a worker.", value=depth
    )
    yield GaugeMetricFamily(
        "portal_jobs_failed",
        "Jobs that failed after their retries (RQ's failed job registry).",
        value=failed,
    )
