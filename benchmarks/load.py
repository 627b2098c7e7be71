"""Load benchmark: the portal in production configuration on PostgreSQL under a mixed workload.

    flask --app portal bench load --database-url URL [--users 50] [--duration 300] [--reuse]

`--database-url` names a SCRATCH PostgreSQL database (created when missing): without `--reuse`
every table in it is dropped and the dataset is built again; with `--reuse` a dataset already
there is kept (what is missing is added). The dataset: one organisation (`bench-load`) with
SCORECARDS published scorecards cloned from the CPO benchmark template with varied weights,
targets, must-haves and requirements, CANDIDATES candidates built by benchmarks/match.py's
generator (profiles, self-assessments, ranking rows, interview levels for about 5%), a
recruiter and an API key.

The portal then runs as in production: gunicorn with gunicorn.conf.py (PORTAL_ENV=production, a
generated SECRET_KEY, REDIS_URL redis://127.0.0.1:6379/10 by default, emptied) and one job worker,
while locust, in a process of its own (benchmarks/locustfile.py), runs `--users` users for
`--duration` seconds: public framework reads, scorecard reads and lists, match lists, candidate
reads then edits with If-Match, and one recruiter who uploads a CSV of IMPORT_ROWS rows through
the bulk import page, watches it finish as the page does, and uploads the next. Each user waits
THINK_SECONDS between requests (see the locustfile). It prints one JSON object: requests/s,
p50/p95/p99 (ms) and errors (count and kinds) per request type and overall, and the targets.
"""

import csv
import json
import os
import random
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests
from flask_migrate import upgrade
from redis import Redis
from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.engine import make_url

from benchmarks import match
from benchmarks.servers import free_port, stopped_at_exit
from portal import PROJECT_ROOT, create_app
from portal.config import normalise_database_url
from portal.extensions import db
from portal.models import MatchProfile, Scorecard, User
from portal.models.accounts import SCOPES
from portal.services import accounts, api_keys, framework, scorecards
from portal.services.access import Actor, Origin
from portal.services.framework_loader import load_framework, read_framework_file

BIN = Path(sys.executable).parent
LOCUSTFILE = Path(__file__).with_name("locustfile.py")
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/10"
ORGANISATION = "bench-load"
SCORECARDS = 200
CANDIDATES = 100_000
IMPORT_ROWS = 1_000
RECRUITER = "recruiter@bench-load.example"
PASSWORD = "bench-load-recruiter-2026"  # noqa: S105  (a benchmark-only account)
TARGETS = {"errors": 0, "p99_ms": 300}
SPAWN_PER_SECOND = 10
VACUUM_SECONDS = 60  # autovacuum's own default pause between rounds


class LoadError(RuntimeError):
    """The benchmark cannot run (wrong database, the portal did not start, locust failed)."""


# --- the dataset ---------------------------------------------------------------------------------


def _ensure_database(url: str) -> None:
    """Create the scratch database when the server does not have it yet."""
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": target.database}
        )
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def _drop_everything(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        for table in inspect(connection).get_table_names():
            connection.execute(text(f'DROP TABLE IF EXISTS "{table}" CASCADE'))
    engine.dispose()


def _variant(template: dict, number: int) -> dict[str, Any]:
    """The benchmark's content with this variant's weights, targets, must-haves, requirements."""
    rng = random.Random(number)
    entries = [
        {
            "competency": entry["competency"],
            "weight": rng.randint(1, 5),
            "target_level": min(max(entry["target_level"] + rng.choice((-1, 0, 0, 1)), 1), 5),
            "must_have": rng.random() < 0.2,
        }
        for entry in template["competencies"]
        if rng.random() < 0.85
    ] or template["competencies"]
    return {
        "title": f"{template['title']} ({number})",
        "competencies": entries,
        "requirements": {
            "min_years_product": rng.choice((3, 5, 8, 10)),
            "min_years_leadership": rng.choice((0, 2, 4)),
            "education": rng.choice(("none", "bachelor", "master")),
        },
    }


def _scorecards(session, actor: Actor) -> list[int]:
    """SCORECARDS published scorecards (those there are, and the missing ones)."""
    template = framework.benchmark_template(session)
    body = {"title": template.title, **template.body}
    have = session.scalar(
        select(func.count()).where(Scorecard.organisation_id == actor.organisation_id)
    )
    for number in range(have + 1, SCORECARDS + 1):
        draft = scorecards.create_scorecard(session, actor, _variant(body, number))
        scorecards.publish(session, actor, draft.id, draft.revision)
    return list(
        session.scalars(
            select(Scorecard.id).where(Scorecard.organisation_id == actor.organisation_id)
        )
    )


def _recruiter(session, organisation) -> None:
    if session.scalar(select(User.id).where(User.email == RECRUITER)) is None:
        accounts.create_user(
            session,
            email=RECRUITER,
            password=PASSWORD,
            role="recruiter",
            name="Load recruiter",
            organisation=organisation,
        )
        session.commit()


def build(url: str, reuse: bool) -> tuple[dict[str, Any], float]:
    """The dataset in `url` (rebuilt unless `reuse`), and the plan the locust users follow."""
    if not reuse:
        _drop_everything(url)
    started = time.perf_counter()
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        try:
            upgrade(directory=str(PROJECT_ROOT / "migrations"))
            load_framework(db.session, read_framework_file())
            session = db.session
            organisation = accounts.organisation_by_slug(session, ORGANISATION)
            if organisation is None:
                organisation = accounts.create_organisation(session, "Load", slug=ORGANISATION)
                session.commit()
            actor = Actor(organisation_id=organisation.id, scopes=frozenset(SCOPES))
            have = session.scalar(
                select(func.count()).where(MatchProfile.organisation_id == organisation.id)
            )
            match._build(session, organisation.id, have, CANDIDATES)
            scorecard_ids = _scorecards(session, actor)
            _recruiter(session, organisation)
            match._vacuum()  # the dead rows of earlier runs, as autovacuum would have
            token = api_keys.create_api_key(
                session, organisation.id, "load benchmark", list(SCOPES), Origin()
            ).token
            candidate_ids = list(
                session.scalars(
                    select(MatchProfile.candidate_id).where(
                        MatchProfile.organisation_id == organisation.id
                    )
                )
            )
            slugs = [c["slug"] for c in read_framework_file()["competencies"]]
        finally:
            db.session.remove()
            db.engine.dispose()
    plan = {
        "token": token,
        "scorecards": scorecard_ids,
        "candidates": candidate_ids[:CANDIDATES],
        "competencies": slugs,
        "recruiter": RECRUITER,
        "password": PASSWORD,
        "import_rows": IMPORT_ROWS,
    }
    return plan, time.perf_counter() - started


# --- the portal and the load ---------------------------------------------------------------------


@contextmanager
def _vacuumed_during(url: str) -> Iterator[str]:
    """A production server runs autovacuum. Where this one's is off, the benchmark does its work
    on the tables the load churns every VACUUM_SECONDS, so that the last minutes are not
    measured over the dead rows of the first. Yields who vacuums, for the report."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    stop = threading.Event()

    def vacuum_until_stopped() -> None:
        while not stop.wait(VACUUM_SECONDS):
            with engine.connect() as connection:
                match.vacuum_tables(connection)

    try:
        with engine.connect() as connection:
            autovacuum = connection.execute(text("SHOW autovacuum")).scalar() == "on"
        if autovacuum:
            yield "autovacuum"
            return
        vacuuming = threading.Thread(target=vacuum_until_stopped, daemon=True)
        vacuuming.start()
        try:
            yield f"the benchmark, every {VACUUM_SECONDS} s (the server's autovacuum is off)"
        finally:
            stop.set()
            vacuuming.join()
    finally:
        engine.dispose()


def _start(environment: dict, log: Path, *command: str) -> subprocess.Popen:
    with log.open("ab") as output:
        return subprocess.Popen(  # noqa: S603 (our own command line)
            command,
            env=environment,
            cwd=PROJECT_ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _wait_ready(base: str, web: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if web.poll() is not None:
            raise LoadError("gunicorn exited while starting")
        try:
            if requests.get(f"{base}/readyz", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise LoadError("gunicorn did not become ready")


def _locust(work: Path, base: str, users: int, duration: int, environment: dict) -> Path:
    prefix = work / "load"
    command = [
        str(BIN / "locust"),
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        str(SPAWN_PER_SECOND),
        "--run-time",
        f"{duration}s",
        "--stop-timeout",
        "10",
        "--host",
        base,
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    with (work / "locust.log").open("wb") as output:
        done = subprocess.run(  # noqa: S603 (our own command line)
            command,
            env=environment,
            cwd=PROJECT_ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
            timeout=duration + 120,
        )
    # locust exits 1 when any request failed: the figures say which; no CSV means it broke.
    if not (work / "load_stats.csv").exists():
        tail = (work / "locust.log").read_text(errors="replace")[-1500:]
        raise LoadError(f"locust exited {done.returncode} without figures:\n{tail}")
    return prefix


def _number(value: str) -> float | None:
    return None if value in ("", "N/A") else float(value)


def figures(prefix: Path) -> dict[str, Any]:
    """Per request type and overall, from locust's CSV files."""
    with Path(f"{prefix}_failures.csv").open() as failures_file:
        failures = list(csv.DictReader(failures_file))
    kinds: dict[str, dict[str, int]] = {}
    for row in failures:
        kinds.setdefault(row["Name"], {})[row["Error"]] = int(row["Occurrences"])
    result: dict[str, Any] = {}
    with Path(f"{prefix}_stats.csv").open() as stats_file:
        for row in csv.DictReader(stats_file):
            name = "overall" if row["Name"] == "Aggregated" else row["Name"]
            errors = int(row["Failure Count"])
            result[name] = {
                "requests": int(row["Request Count"]),
                "rps": round(float(row["Requests/s"]), 1),
                "p50_ms": _number(row["50%"]),
                "p95_ms": _number(row["95%"]),
                "p99_ms": _number(row["99%"]),
                "errors": errors,
                "error_kinds": kinds.get(row["Name"], {}) if name != "overall" else {},
            }
    if "overall" in result:
        result["overall"]["error_kinds"] = {
            f"{row['Name']}: {row['Error']}": int(row["Occurrences"]) for row in failures
        }
    return result


def _server_events(log: Path) -> dict[str, int]:
    """What gunicorn reported besides requests: workers it killed for missing their heartbeat
    (their requests in flight are reset), workers started, errors logged."""
    text = log.read_text(errors="replace") if log.exists() else ""
    return {
        "worker_timeouts": text.count("WORKER TIMEOUT"),
        "workers_booted": text.count("Booting worker"),
        "errors_logged": sum(
            1 for line in text.splitlines() if "ERROR" in line or "CRITICAL" in line
        ),
    }


def run(
    database_url: str, users: int, duration: int, reuse: bool, redis_url: str = DEFAULT_REDIS_URL
) -> dict[str, Any]:
    url = normalise_database_url(database_url)
    if make_url(url).get_backend_name() != "postgresql":
        raise LoadError("--database-url must name a scratch PostgreSQL database")
    _ensure_database(url)
    plan, build_seconds = build(url, reuse)
    Redis.from_url(redis_url).flushdb()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    environment = {
        **os.environ,
        "PORTAL_ENV": "production",
        "SECRET_KEY": secrets.token_hex(32),
        "REDIS_URL": redis_url,
        "DATABASE_URL": url,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "LOG_FORMAT": "text",
    }
    with tempfile.TemporaryDirectory(prefix="portal-load-") as directory:
        work = Path(directory)
        plan_file = work / "plan.json"
        plan_file.write_text(json.dumps(plan))
        try:
            with stopped_at_exit() as processes:
                gunicorn = [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"]
                web = _start(environment, work / "gunicorn.log", *gunicorn)
                processes.append(web)
                worker = [str(BIN / "flask"), "--app", "portal", "worker"]
                processes.append(_start(environment, work / "worker.log", *worker))
                _wait_ready(base, web)
                with _vacuumed_during(url) as vacuuming:
                    prefix = _locust(
                        work, base, users, duration, {**os.environ, "LOAD_PLAN": str(plan_file)}
                    )
                measured = figures(prefix)
        finally:
            Redis.from_url(redis_url).flushdb()
        server = _server_events(work / "gunicorn.log")
    overall = measured.get("overall", {})
    return {
        "users": users,
        "duration_s": duration,
        "dataset": {"scorecards": len(plan["scorecards"]), "candidates": len(plan["candidates"])},
        "build_seconds": round(build_seconds, 1),
        "reused": reuse,
        "cpus": os.cpu_count(),
        "vacuum": vacuuming,
        "targets": TARGETS,
        "targets_met": overall.get("errors") == 0
        and (overall.get("p99_ms") or 0) < TARGETS["p99_ms"],
        "server": server,
        "overall": overall,
        "by_type": {name: value for name, value in measured.items() if name != "overall"},
    }
