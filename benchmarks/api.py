"""Benchmark: API reads through the portal against a bare Flask app serving the same JSON.

    flask --app portal bench api [--duration 10] [--connections 50] [--database-url URL]

It prepares a database (default: a temporary SQLite file; a URL must name a scratch database:
the migrations, the framework and the demo organisation are written to it, and an API key is
added), starts the portal under gunicorn with the production settings and `gunicorn.conf.py`,
captures the documents it answers, starts `benchmarks.bare_app` (plain Flask answering those
documents) under the same gunicorn flags, and drives both over loopback with `wrk`, one endpoint
after the other, the bare app first. It prints one JSON object: per endpoint the requests/s, p50
and p99 of each app and the portal's share of the bare app's requests/s (`ratio`), and the
smallest ratio. Every process it starts is stopped at the end, also on Ctrl-C or an error.
"""

import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import select

from benchmarks.servers import free_port, gunicorn_settings, stopped_at_exit
from portal import PROJECT_ROOT, create_app
from portal.extensions import db
from portal.models import Candidate, Scorecard
from portal.services import api_keys, demo
from portal.services.access import Origin
from portal.services.framework_loader import load_framework, read_framework_file

REDIS_URL = "redis://127.0.0.1:6379/11"  # the benchmark's own Redis database
SCOPES = ["scorecards:read", "candidates:read", "matches:read"]
COMPETENCY = "product-strategy"
STARTUP_SECONDS = 180  # five workers importing the portal on a busy 2-core machine take a while
BENCH_ORIGIN = Origin(ip_address="127.0.0.1", user_agent="bench api")
# wrk calls done() once at the end: its figures as one JSON line (latencies in microseconds).
WRK_REPORT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, ' ..
    '"socket_errors": %d, "bad_status": %d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
"""


class BenchmarkError(RuntimeError):
    """The benchmark cannot run (no wrk, a server that does not start or answers wrongly)."""


@dataclass(frozen=True)
class Endpoint:
    name: str
    path: str
    headers: dict = field(default_factory=dict)
    status: int = 200  # what both apps must answer


@dataclass(frozen=True)
class Fixture:
    scorecard_id: int
    candidate_id: int
    token: str


def run(
    duration: int = 10,
    connections: int = 50,
    warmup: int = 2,
    workers: int | None = None,
    threads: int | None = None,
    database_url: str | None = None,
    redis_url: str = REDIS_URL,
) -> dict:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise BenchmarkError("wrk is not installed: apt-get install wrk")
    gunicorn_config = gunicorn_settings()
    workers = workers or gunicorn_config["workers"]
    threads = threads or gunicorn_config["threads"]
    with tempfile.TemporaryDirectory(prefix="portal-bench-api-") as scratch_dir:
        scratch = Path(scratch_dir)
        url = database_url or f"sqlite:///{scratch / 'bench.db'}"
        fixture = prepare_database(url)
        environment = {
            **os.environ,
            "PORTAL_ENV": "production",
            "SECRET_KEY": secrets.token_hex(32),
            "REDIS_URL": redis_url,
            "DATABASE_URL": url,
            "GUNICORN_WORKERS": str(workers),
            "GUNICORN_THREADS": str(threads),
        }
        report = scratch / "report.lua"
        report.write_text(WRK_REPORT, encoding="utf-8")
        with stopped_at_exit() as processes:
            portal = _serve(processes, environment, "wsgi:app", scratch / "portal.log")
            endpoints = _endpoints(fixture, portal)
            documents = scratch / "documents.json"
            documents.write_text(json.dumps(_capture(portal, endpoints)), encoding="utf-8")
            bare = _serve(
                processes,
                {**environment, "BENCH_API_DOCUMENTS": str(documents)},
                "benchmarks.bare_app:create_app()",
                scratch / "bare.log",
            )
            _capture(bare, endpoints)  # the bare app answers the same statuses
            drive = _driver(wrk, report, connections)
            results = {}
            for endpoint in endpoints:
                results[endpoint.name] = _compare(drive, endpoint, bare, portal, duration, warmup)
    return {
        "database": url.split(":", 1)[0].split("+", 1)[0],
        "workers": workers,
        "threads": threads,
        "connections": connections,
        "duration_seconds": duration,
        "endpoints": results,
        "min_ratio": min(result["ratio"] for result in results.values()),
    }


# --- the data ------------------------------------------------------------------------------------


def prepare_database(url: str) -> Fixture:
    """Migrate, seed the framework and the demo organisation, and issue a read-only API key."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        try:
            upgrade(directory=str(PROJECT_ROOT / "migrations"))
            load_framework(db.session, read_framework_file())
            demo.seed_demo(db.session)
            scorecard = db.session.scalars(
                select(Scorecard).where(Scorecard.title == demo.DEMO_SCORECARD)
            ).first()
            candidate = db.session.scalars(
                select(Candidate).where(
                    Candidate.organisation_id == scorecard.organisation_id,
                    Candidate.name == demo.DEMO_INTERVIEWED,
                )
            ).first()
            issued = api_keys.create_api_key(
                db.session, scorecard.organisation_id, "bench api", SCOPES, BENCH_ORIGIN
            )
            return Fixture(scorecard.id, candidate.id, issued.token)
        finally:
            db.session.remove()
            db.engine.dispose()


def _endpoints(fixture: Fixture, portal: str) -> list[Endpoint]:
    bearer = {"Authorization": f"Bearer {fixture.token}"}
    scorecard = f"/api/v1/scorecards/{fixture.scorecard_id}"
    etag = _fetch(portal, scorecard, bearer)[2].get("ETag")
    if not etag:
        raise BenchmarkError(f"the portal answered {scorecard} without an ETag")
    return [
        Endpoint("competency_list", "/api/v1/competencies"),
        Endpoint("competency", f"/api/v1/competencies/{COMPETENCY}"),
        Endpoint("scorecard", scorecard, bearer),
        Endpoint("candidate", f"/api/v1/candidates/{fixture.candidate_id}", bearer),
        Endpoint("match_list", f"{scorecard}/matches", bearer),
        Endpoint("scorecard_not_modified", scorecard, {**bearer, "If-None-Match": etag}, 304),
    ]


def _capture(base: str, endpoints: list[Endpoint]) -> dict:
    """Each endpoint's answer, {path: {body, etag}}; a status other than expected stops the run."""
    documents = {}
    for endpoint in endpoints:
        status, body, headers = _fetch(base, endpoint.path, endpoint.headers)
        if status != endpoint.status:
            raise BenchmarkError(
                f"{base}{endpoint.path} answered {status}, not {endpoint.status}: {body[:300]!r}"
            )
        if status == 200:
            documents[endpoint.path] = {
                "body": body.decode("utf-8"),
                "etag": headers.get("ETag"),
            }
    return documents


def _fetch(base: str, path: str, headers: dict) -> tuple[int, bytes, dict]:
    request = urllib.request.Request(base + path, headers=headers)  # noqa: S310 (http, loopback)
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
            return answer.status, answer.read(), dict(answer.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


# --- the servers ---------------------------------------------------------------------------------


def _serve(processes: list, environment: dict, application: str, log: Path) -> str:
    """Start gunicorn with gunicorn.conf.py on a free loopback port; its URL once it answers."""
    port = free_port()
    with open(log, "wb") as output:
        process = subprocess.Popen(  # noqa: S603 (our own command line)
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", application],
            env={**environment, "GUNICORN_BIND": f"127.0.0.1:{port}"},
            cwd=PROJECT_ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches this process only; it stops the group
        )
    processes.append(process)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(encoding="utf-8", errors="replace")[-2000:]
            raise BenchmarkError(f"gunicorn {application} exited ({process.returncode}):\n{tail}")
        try:
            if _fetch(base, "/healthz", {})[0] == 200:
                return base
        except OSError:
            pass
        time.sleep(0.2)
    raise BenchmarkError(f"gunicorn {application} did not answer within {STARTUP_SECONDS} s")


# --- the load ------------------------------------------------------------------------------------


def _driver(wrk: str, report: Path, connections: int):
    def drive(base: str, endpoint: Endpoint, seconds: int) -> dict:
        headers = [
            part for name, value in endpoint.headers.items() for part in ("-H", f"{name}: {value}")
        ]
        command = [
            wrk,
            "--threads", "1",
            "--connections", str(connections),
            "--duration", f"{seconds}s",
            "--timeout", "10s",
            "--script", str(report),
            *headers,
            base + endpoint.path,
        ]  # fmt: skip
        done = subprocess.run(  # noqa: S603 (our own command line)
            command, capture_output=True, text=True, timeout=seconds + 60
        )
        lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
        if done.returncode or not lines:
            raise BenchmarkError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
        figures = json.loads(lines[-1])
        return {
            "requests_per_second": round(figures["requests"] / figures["duration_us"] * 1e6, 1),
            "p50_ms": round(figures["p50_us"] / 1000, 2),
            "p99_ms": round(figures["p99_us"] / 1000, 2),
            "requests": figures["requests"],
            "errors": figures["socket_errors"] + figures["bad_status"],
        }

    return drive


def _compare(drive, endpoint: Endpoint, bare: str, portal: str, duration: int, warmup: int):
    if warmup:
        drive(bare, endpoint, warmup)
        drive(portal, endpoint, warmup)
    bare_figures = drive(bare, endpoint, duration)
    portal_figures = drive(portal, endpoint, duration)
    ratio = portal_figures["requests_per_second"] / max(bare_figures["requests_per_second"], 0.1)
    return {
        "path": endpoint.path,
        "status": endpoint.status,
        "portal": portal_figures,
        "bare": bare_figures,
        "ratio": round(ratio, 3),
    }
