"""Operations: JSON log lines that carry the request (or job) id and no secrets; /metrics behind
its token, counting requests per endpoint, reading the queue, webhook failures and the
database; and one scrape summing every gunicorn worker."""

import io
import json
import logging
import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families
from redis import Redis
from rq import Queue
from sqlalchemy import update

from portal import PROJECT_ROOT, jobs
from portal.extensions import db
from portal.models import WebhookDelivery, WebhookEndpoint
from portal.models.accounts import SCOPES
from portal.models.types import utcnow
from portal.services import webhooks
from portal.services.access import Actor, Origin
from tests.conftest import PASSWORD, make_app, redis_url, sign_in

TOKEN = "metrics-token-for-the-tests-0123456789abcdef"
SCRAPE = {"Authorization": f"Bearer {TOKEN}"}
# Redis database 9: this module's own (queue depth, jobs queued from a request), emptied by it.
REDIS_URL = redis_url(5)
CLOSED_PORT_URL = "http://127.0.0.1:1/hooks"  # nothing listens: every attempt fails


@pytest.fixture
def captured_logs():
    """`captured_logs()`: what the portal logs from then on (through the handler the last app
    made), as text. The handlers of before are put back after the test."""
    loggers = [logging.getLogger(name) for name in ("portal", "rq")]
    saved = [list(logger.handlers) for logger in loggers]

    def capture() -> io.StringIO:
        stream = io.StringIO()
        logging.getLogger("portal").handlers[0].setStream(stream)
        return stream

    yield capture
    for logger, handlers in zip(loggers, saved, strict=True):
        logger.handlers[:] = handlers


def json_lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def access_line(lines: list[dict], request_id: str) -> dict:
    (found,) = [
        line
        for line in lines
        if line["logger"] == "portal.access" and line["request_id"] == request_id
    ]
    return found


def scrape(client) -> dict[tuple[str, tuple], float]:
    """The samples of one scrape: (name, sorted labels) -> value."""
    response = client.get("/metrics", headers=SCRAPE)
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def requests_to(samples: dict, endpoint: str, method: str = "GET", status: str = "2xx") -> float:
    labels = (("endpoint", endpoint), ("method", method), ("status", status))
    return samples.get(("portal_http_requests_total", labels), 0.0)


@pytest.fixture
def metrics_app(database_url):
    return make_app(database_url, METRICS_TOKEN=TOKEN)


@pytest.fixture
def redis_app(database_url):
    connection = Redis.from_url(REDIS_URL)
    connection.flushdb()
    yield make_app(database_url, METRICS_TOKEN=TOKEN, REDIS_URL=REDIS_URL, LOG_FORMAT="json")
    connection.flushdb()


# --- logs ------------------------------------------------------------------------------------


def test_each_request_writes_one_json_access_line_with_its_request_id(
    database_url, captured_logs, make_recruiter, make_api_key
):
    app = make_app(database_url, LOG_FORMAT="json")
    logs = captured_logs()
    organisation = make_recruiter()
    token = make_api_key(organisation.organisation_id, ["scorecards:read"])
    client = app.test_client()

    answer = client.get("/api/v1/scorecards", headers={"Authorization": f"Bearer {token}"})
    sign_in(client, organisation.recruiter_email)
    page = client.get("/scorecards")

    lines = json_lines(logs)  # every line is one JSON object
    by_key = access_line(lines, answer.headers["X-Request-ID"])
    assert by_key["method"] == "GET"
    assert by_key["path"] == "/api/v1/scorecards"
    assert by_key["endpoint"] == "scorecards_api.Scorecards"
    assert by_key["status"] == 200
    assert by_key["duration_ms"] >= 0
    assert by_key["remote_addr"] == "127.0.0.1"
    assert by_key["organisation_id"] == organisation.organisation_id
    assert isinstance(by_key["api_key_id"], int)
    assert {"time", "level", "pid"} <= by_key.keys()
    by_user = access_line(lines, page.headers["X-Request-ID"])
    assert by_user["status"] == 200
    assert by_user["organisation_id"] == organisation.organisation_id
    assert isinstance(by_user["user_id"], int)
    assert all("request_id" in line for line in lines)


def test_under_a_server_that_logs_access_the_portal_hands_it_the_fields_instead(
    database_url, captured_logs, make_recruiter, make_api_key
):
    app = make_app(database_url, LOG_FORMAT="json", ACCESS_LOG="server")
    logs = captured_logs()
    organisation = make_recruiter()
    token = make_api_key(organisation.organisation_id, ["scorecards:read"])

    environs = []  # what the server holds once the portal has answered
    portal = app.wsgi_app

    def server(environ, start_response):
        answer = portal(environ, start_response)
        environs.append(environ)
        return answer

    app.wsgi_app = server

    answer = app.test_client().get(
        "/api/v1/scorecards", headers={"Authorization": f"Bearer {token}"}
    )

    assert answer.status_code == 200
    assert not [line for line in json_lines(logs) if line["logger"] == "portal.access"]
    (environ,) = environs
    handed = environ["portal.access"]
    assert handed["endpoint"] == "scorecards_api.Scorecards"
    assert handed["remote_addr"] == "127.0.0.1"
    assert handed["organisation_id"] == organisation.organisation_id
    assert isinstance(handed["api_key_id"], int)
    assert environ["portal.log_path"] == "/api/v1/scorecards"


def test_a_line_logged_while_answering_carries_that_request_id(database_url, captured_logs):
    app = make_app(database_url, LOG_FORMAT="json")
    logs = captured_logs()
    with app.test_request_context(headers={"X-Request-ID": "trace-me-43"}):
        app.preprocess_request()
        logging.getLogger("portal.errors").warning("something to trace")
    (line,) = json_lines(logs)
    assert line["request_id"] == "trace-me-43"
    assert line["message"] == "something to trace"
    assert line["level"] == "WARNING"


def test_secrets_stay_out_of_the_log(database_url, captured_logs, make_recruiter, make_api_key):
    app = make_app(database_url, LOG_FORMAT="json")
    logs = captured_logs()
    organisation = make_recruiter()
    token = make_api_key(organisation.organisation_id, ["scorecards:read"])
    client = app.test_client()
    client.get(
        "/api/v1/scorecards?access_token=query-secret-1",
        headers={"Authorization": f"Bearer {token}"},
    )
    share = client.get("/share/share-code-secret-2")
    client.get("/password/reset/reset-token-secret-3")
    client.get("/invitations/invitation-token-secret-4")
    sign_in(client, organisation.recruiter_email)
    cookie = client.get_cookie("session").value

    text = logs.getvalue()
    for secret in (token, "query-secret-1", "secret-2", "secret-3", "secret-4", PASSWORD, cookie):
        assert secret not in text
    assert access_line(json_lines(logs), share.headers["X-Request-ID"])["path"] == "/share/<code>"


def test_a_job_logs_its_id_and_the_request_that_queued_it(redis_app, captured_logs):
    logs = captured_logs()
    with redis_app.test_request_context(headers={"X-Request-ID": "origin-of-the-job"}):
        redis_app.preprocess_request()
        jobs.enqueue("observability-says-hello")
    (queued,) = Queue(jobs.QUEUE, connection=Redis.from_url(REDIS_URL)).get_jobs()
    jobs.work(redis_app, burst=True)

    lines = json_lines(logs)  # the worker's own lines (RQ's) are JSON too
    (hello,) = [line for line in lines if line["message"] == "hello from a job"]
    assert hello["job"] == "observability-says-hello"
    assert hello["job_id"] == queued.id
    assert hello["request_id"] == "origin-of-the-job"
    assert any(line["logger"].startswith("rq.") for line in lines)


@jobs.job("observability-says-hello")
def _say_hello() -> None:
    logging.getLogger("portal.tests").info("hello from a job")


def test_log_format_is_text_in_development_and_json_in_production(monkeypatch, tmp_path):
    from portal.config import ConfigurationError, from_environment

    monkeypatch.delenv("LOG_FORMAT", raising=False)
    assert from_environment(str(tmp_path), PROJECT_ROOT)["LOG_FORMAT"] == "text"
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("REDIS_URL", REDIS_URL)
    assert from_environment(str(tmp_path), PROJECT_ROOT)["LOG_FORMAT"] == "json"
    monkeypatch.setenv("LOG_FORMAT", "xml")
    with pytest.raises(ConfigurationError, match="LOG_FORMAT must be json or text"):
        from_environment(str(tmp_path), PROJECT_ROOT)
    monkeypatch.setenv("LOG_FORMAT", "json")
    assert from_environment(str(tmp_path), PROJECT_ROOT)["ACCESS_LOG"] == "portal"
    monkeypatch.setenv("ACCESS_LOG", "both")
    with pytest.raises(ConfigurationError, match="ACCESS_LOG must be portal or server"):
        from_environment(str(tmp_path), PROJECT_ROOT)
    monkeypatch.delenv("ACCESS_LOG")
    monkeypatch.setenv("LOG_FORMAT", "text")
    monkeypatch.setenv("METRICS_TOKEN", "short")
    with pytest.raises(ConfigurationError, match="METRICS_TOKEN must be at least 32"):
        from_environment(str(tmp_path), PROJECT_ROOT)


# --- /metrics --------------------------------------------------------------------------------


def test_without_a_token_configured_there_is_no_metrics_page(app, client):
    assert app.config["METRICS_TOKEN"] == ""
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer wrong-token-of-the-right-length-0123456789ab",
        f"Basic {TOKEN}",
        TOKEN,
        "Bearer",
    ],
)
def test_metrics_refuses_a_missing_or_wrong_token(metrics_app, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    refused = metrics_app.test_client().get("/metrics", headers=headers)
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert "portal_http_requests_total" not in refused.text


def test_metrics_count_a_request_once_it_is_answered(metrics_app):
    client = metrics_app.test_client()
    before = scrape(client)
    client.get("/api/v1/competencies")
    client.get("/api/v1/competencies/no-such-competency")
    client.get("/no/such/page/at/all")
    after = scrape(client)

    assert requests_to(after, "framework_api.Competencies") == (
        requests_to(before, "framework_api.Competencies") + 1
    )
    assert requests_to(after, "framework_api.CompetencyDetail", status="4xx") == (
        requests_to(before, "framework_api.CompetencyDetail", status="4xx") + 1
    )
    assert requests_to(after, "unmatched", status="4xx") == (
        requests_to(before, "unmatched", status="4xx") + 1
    )
    latency = ("endpoint", "framework_api.Competencies"), ("method", "GET")
    # Latency is labelled without the status: the process may have timed other answers too.
    timed = ("portal_http_request_duration_seconds_count", latency)
    assert after[timed] == before.get(timed, 0) + 1
    assert after[("portal_database_up", ())] == 1
    # No label holds a raw path: the unknown page is counted as "unmatched".
    assert not any("no/such" in str(labels) for _, labels in after)


def test_the_database_going_away_shows_in_the_metrics_not_as_an_error():
    app = make_app("postgresql+psycopg://nobody@127.0.0.1:1/none", METRICS_TOKEN=TOKEN)
    samples = scrape(app.test_client())
    assert samples[("portal_database_up", ())] == 0


def test_queue_depth_counts_the_jobs_waiting(redis_app):
    client = redis_app.test_client()
    assert scrape(client)[("portal_job_queue_depth", ())] == 0
    with redis_app.app_context():
        for number in range(3):
            jobs.enqueue("observability-says-hello", job_id=f"waiting-{number}")
    samples = scrape(client)
    assert samples[("portal_job_queue_depth", ())] == 3
    assert samples[("portal_redis_up", ())] == 1
    assert samples[("portal_jobs_failed", ())] == 0


def test_redis_going_away_shows_in_the_metrics(database_url):
    app = make_app(database_url, METRICS_TOKEN=TOKEN, REDIS_URL="redis://127.0.0.1:1/0")
    samples = scrape(app.test_client())
    assert samples[("portal_redis_up", ())] == 0
    assert ("portal_job_queue_depth", ()) not in samples


def test_webhook_failures_and_switched_off_endpoints_are_counted(redis_app, make_recruiter):
    client = redis_app.test_client()
    organisation = make_recruiter()
    actor = Actor(organisation_id=organisation.organisation_id, scopes=frozenset(SCOPES))
    before = scrape(client)

    with redis_app.app_context():  # deliveries are queued in Redis: nothing sends them but us
        endpoint = webhooks.create_endpoint(
            db.session, actor, CLOSED_PORT_URL, list(webhooks.EVENTS), Origin(), production=False
        )
        delivery_id = webhooks.ping(db.session, actor, endpoint.id).id
        webhooks.deliver(db.session, delivery_id, production=False)
        endpoint_id = endpoint.id
        db.session.remove()
    failing = scrape(client)

    with redis_app.app_context():  # every attempt has failed for more than 3 days
        db.session.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id == endpoint_id)
            .values(failing_since=utcnow() - timedelta(days=3, minutes=1))
        )
        db.session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == delivery_id)
            .values(next_attempt_at=utcnow())
        )
        db.session.commit()
        webhooks.deliver(db.session, delivery_id, production=False)
        db.session.remove()
    disabled = scrape(client)

    def change(samples, name, *labels):
        return samples[(name, labels)] - before[(name, labels)]

    attempts = "portal_webhook_attempts_failed_total"
    endpoints = "portal_webhook_endpoints"
    assert change(failing, attempts) == 1
    assert change(failing, endpoints, ("state", "failing")) == 1
    assert change(failing, "portal_webhook_deliveries", ("status", "pending")) == 1
    assert change(disabled, attempts) == 2
    assert change(disabled, endpoints, ("state", "failing")) == 0
    assert change(disabled, endpoints, ("state", "disabled")) == 1
    assert change(disabled, "portal_webhook_deliveries", ("status", "failed")) == 1


# --- several gunicorn workers ----------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url: str, headers: dict | None = None) -> tuple[int, str]:
    try:
        response = requests.get(url, headers=headers, timeout=30)
    except requests.RequestException:  # not listening yet, or still starting
        return 0, ""
    return response.status_code, response.text


def wait_until(check, what: str, attempts: int = 120) -> None:
    for _ in range(attempts):
        if check():
            return
        time.sleep(0.5)
    raise AssertionError(f"gave up waiting for {what}")


def test_one_scrape_sums_the_requests_of_every_gunicorn_worker(app, database_url, tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    dropped = ("PROMETHEUS_MULTIPROC_DIR", "LOG_FORMAT", "ACCESS_LOG", "REDIS_URL", "PORTAL_ENV")
    environment = {key: value for key, value in os.environ.items() if key not in dropped}
    environment.update(
        DATABASE_URL=database_url,
        METRICS_TOKEN=TOKEN,
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="2",
        GUNICORN_THREADS="2",
    )
    stdout, stderr = tmp_path / "stdout", tmp_path / "stderr"
    with stdout.open("w") as out, stderr.open("w") as err:
        gunicorn = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
            cwd=PROJECT_ROOT,
            env=environment,
            stdout=out,
            stderr=err,
        )
    try:
        wait_until(lambda: get(f"{base}/readyz")[0] == 200, "gunicorn to answer")
        served = 0
        # Batches of parallel requests until both workers have answered some (the kernel
        # hands each connection to whichever worker accepts first).
        for _ in range(20):
            with ThreadPoolExecutor(8) as pool:
                statuses = list(pool.map(lambda _: get(f"{base}/healthz")[0], range(40)))
            assert statuses == [200] * 40
            served += 40
            if len(worker_pids(stdout)) == 2:
                break
        assert len(worker_pids(stdout)) == 2
        status, text = get(f"{base}/metrics", SCRAPE)
        assert status == 200
        samples = {
            (sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
        }
        assert requests_to(samples, "ops.healthz") == served
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=60)
    # gunicorn's own lines (start, access) and the portal's are all JSON with a request id;
    # each request has one access line, gunicorn's, with the fields the portal knows.
    lines = [json.loads(line) for path in (stdout, stderr) for line in lines_of(path)]
    loggers = {line["logger"] for line in lines}
    assert {"gunicorn.error", "gunicorn.access"} <= loggers
    assert "portal.access" not in loggers
    assert all("request_id" in line for line in lines)
    gunicorn_access = [line for line in lines if line["logger"] == "gunicorn.access"]
    assert all(line["path"] in ("/healthz", "/readyz", "/metrics") for line in gunicorn_access)
    healthz = [line for line in gunicorn_access if line["path"] == "/healthz"]
    assert len(healthz) == served
    assert {(line["endpoint"], line["remote_addr"]) for line in healthz} == {
        ("ops.healthz", "127.0.0.1")
    }


def lines_of(path: Path) -> list[str]:
    return [line for line in path.read_text().splitlines() if line.strip()]


def worker_pids(stdout: Path) -> set[int]:
    """The processes that wrote an access line for /healthz."""
    return {
        line["pid"]
        for line in map(json.loads, lines_of(stdout))
        if line["logger"] == "gunicorn.access" and line["path"] == "/healthz"
    }
