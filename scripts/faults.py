"""Fault drill: the portal under load survives what production does to it, and loses nothing.

    .venv/bin/python scripts/faults.py        (or: make faults)

It starts a private PostgreSQL cluster (initdb into a temporary directory, on a free port, as
the `postgres` user when run as root) so that it may stop and start the database without
touching the machine's shared one; it uses Redis database 10 (emptied). On it, the portal runs
in production configuration under gunicorn (gunicorn.conf.py, WORKERS workers) with two job
workers (`flask --app portal worker`), while CLIENTS client threads read and write through the
API without pause: the competency list, a scorecard, candidate creations and candidate edits
with If-Match. One after another, it then

- kills a gunicorn worker with SIGKILL: only requests in flight at that moment may fail;
- terminates every database connection (pg_terminate_backend): only requests in flight may
  fail, each answered 503 problem+json; the pools reconnect by themselves;
- stops the database (pg_ctl stop -m fast) for DOWN_SECONDS and starts it again: while it is
  down every request is answered 503 problem+json (no 500, none waits past REQUEST_TIMEOUT),
  and within RECOVERY_LIMIT seconds of its return every request succeeds again;
- kills the job worker that holds a bulk import in the middle of it: the other worker finishes
  it and every row is imported exactly once.

Then it checks the writes: every creation and edit the clients were told succeeded is stored
(count and checksum of the rows), and no write answered as failed was saved. Prints one JSON
document with the figures and exits 1 on any violation.
"""

import argparse
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

import requests
from redis import Redis
from requests.cookies import RequestsCookieJar
from scale_out import (
    BIN,
    PASSWORD,
    ROOT,
    Failed,
    form_post,
    free_port,
    kill_import_holder,
    upload,
    wait_until,
)
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

REDIS_URL = "redis://127.0.0.1:6379/10"
PROBLEM = "application/problem+json"
WORKERS = 3  # gunicorn workers (each with gunicorn.conf.py's threads)
CLIENTS = 8
REQUEST_TIMEOUT = 15  # seconds a client waits for an answer; longer counts as a hang
LEASE_SECONDS = 4  # a dead job worker's import is taken over after this, plus a sweep
IMPORT_ROWS = 3000
SETTLE_SECONDS = 4  # load observed after each fault
DOWN_SECONDS = 4
RECOVERY_LIMIT = 5.0
# pg_terminate_backend only signals the backends: one may still answer a statement for a moment
# after the call returns, so a request that began within this margin counts as in flight.
SIGNAL_MARGIN = 0.3
DEADLINE = 90


# --- a private PostgreSQL cluster ---------------------------------------------------------------


def postgres_binaries() -> Path:
    versions = sorted(Path("/usr/lib/postgresql").iterdir(), key=lambda p: int(p.name))
    if not versions:
        raise Failed("no PostgreSQL server binaries under /usr/lib/postgresql")
    return versions[-1] / "bin"


class PrivatePostgres:
    """A throwaway cluster this drill may stop and start (never the machine's shared one)."""

    def __init__(self):
        self.bin = postgres_binaries()
        self.home = Path(tempfile.mkdtemp(prefix="portal-faults-"))
        self.data = self.home / "data"
        self.port = free_port()
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            shutil.chown(self.home, "postgres", "postgres")
        self.run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/portal"

    def run(self, program: str, *args: str) -> None:
        command = [str(self.bin / program), *args]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if done.returncode:
            raise Failed(f"{program} failed: {done.stderr.strip()[-400:]}")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.home} -c listen_addresses=127.0.0.1"
        log = str(self.home / "server.log")
        self.run("pg_ctl", "-D", str(self.data), "-o", options, "-l", log, "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self.run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def remove(self) -> None:
        with suppress(Failed):  # it may not be running
            self.stop("immediate")
        shutil.rmtree(self.home, ignore_errors=True)


# --- the load ------------------------------------------------------------------------------------


@dataclass
class Call:
    kind: str
    started: float
    ended: float
    status: int | None  # None: no answer (connection failed, or timed out)
    problem: bool = False  # answered application/problem+json
    timed_out: bool = False

    @property
    def failed(self) -> bool:
        return self.status is None or self.status >= 400


@dataclass
class Ledger:
    """What each client was told about its writes."""

    calls: list[Call] = field(default_factory=list)
    created: dict[str, int] = field(default_factory=dict)  # email -> id, acknowledged
    refused_creations: set[str] = field(default_factory=set)  # emails answered as failed
    unknown_creations: set[str] = field(default_factory=set)  # emails never answered
    # candidate id -> [(headline, outcome)] in order; outcome: "ok", "refused" or "unknown"
    edits: dict[int, list[tuple[str, str]]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, call: Call) -> None:
        with self.lock:
            self.calls.append(call)


class Client(threading.Thread):
    """One API client: reads, creates candidates and edits its own ones, without pause."""

    CYCLE = ("framework", "scorecard", "create", "edit", "scorecard", "edit")

    def __init__(self, number: int, base: str, token: str, scorecard: int, ledger: Ledger):
        super().__init__(daemon=True)
        self.number, self.base, self.scorecard_id, self.ledger = number, base, scorecard, ledger
        # A new connection per request: a keep-alive connection to a killed worker would fail
        # a request that was not in flight when it died.
        self.headers = {"Authorization": f"Bearer {token}", "Connection": "close"}
        self.stop = threading.Event()
        self.mine: dict[int, str | None] = {}  # candidate id -> its ETag (None: read it again)
        self.count = 0

    def run(self) -> None:
        while not self.stop.is_set():
            kind = self.CYCLE[self.count % len(self.CYCLE)]
            self.count += 1
            if kind == "edit" and not self.mine:
                kind = "create"
            getattr(self, kind)()

    def call(self, kind: str, method: str, path: str, **options) -> requests.Response | None:
        started = time.monotonic()
        answer, timed_out = None, False
        try:
            answer = requests.request(
                method,
                f"{self.base}{path}",
                headers={**self.headers, **options.pop("headers", {})},
                timeout=REQUEST_TIMEOUT,
                **options,
            )
        except requests.Timeout:
            timed_out = True
        except requests.RequestException:
            pass
        status = None if answer is None else answer.status_code
        problem = answer is not None and answer.headers.get("Content-Type") == PROBLEM
        self.ledger.record(Call(kind, started, time.monotonic(), status, problem, timed_out))
        return answer

    def framework(self) -> None:
        self.call("framework", "GET", "/api/v1/competencies")

    def scorecard(self) -> None:
        self.call("scorecard", "GET", f"/api/v1/scorecards/{self.scorecard_id}")

    def create(self) -> None:
        email = f"client{self.number}-{self.count}@faults.test"
        body = {"name": f"Client {self.number} #{self.count}", "email": email, "headline": "new"}
        answer = self.call("create", "POST", "/api/v1/candidates", json=body)
        with self.ledger.lock:
            if answer is None:
                self.ledger.unknown_creations.add(email)
            elif answer.status_code == 201:
                self.ledger.created[email] = answer.json()["id"]
                self.mine[answer.json()["id"]] = answer.headers["ETag"]
            else:
                self.ledger.refused_creations.add(email)

    def edit(self) -> None:
        candidate = list(self.mine)[self.count % len(self.mine)]
        if self.mine[candidate] is None:
            read = self.call("read", "GET", f"/api/v1/candidates/{candidate}")
            if read is None or read.status_code != 200:
                return
            self.mine[candidate] = read.headers["ETag"]
        headline = f"edit {self.number}-{self.count}"
        answer = self.call(
            "edit",
            "PATCH",
            f"/api/v1/candidates/{candidate}",
            json={"headline": headline},
            headers={"If-Match": self.mine[candidate]},
        )
        outcome = "unknown" if answer is None else "ok" if answer.status_code == 200 else "refused"
        self.mine[candidate] = answer.headers["ETag"] if outcome == "ok" else None
        with self.ledger.lock:
            self.ledger.edits.setdefault(candidate, []).append((headline, outcome))


# --- the faults ----------------------------------------------------------------------------------


def children(parent: int) -> list[int]:
    """The process ids whose parent is `parent` (gunicorn's workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
                found.append(int(entry.name))
    return found


def calls_between(ledger: Ledger, start: float, end: float) -> list[Call]:
    with ledger.lock:
        return [call for call in ledger.calls if start <= call.started < end]


def judge_in_flight_only(
    ledger: Ledger, name: str, fault_at: float, until: float, failures: list[str], *, answered: bool
) -> dict:
    """Failures of the calls begun before `until` may only be those in flight at `fault_at`
    (answered 503 problem+json when `answered`); every later call must succeed."""
    calls = calls_between(ledger, fault_at - REQUEST_TIMEOUT, until)
    failed = [c for c in calls if c.failed and c.ended >= fault_at]
    late = [c for c in failed if c.started > fault_at + (SIGNAL_MARGIN if answered else 0)]
    wrong = [c for c in failed if answered and not (c.status == 503 and c.problem)]
    if late:
        failures.append(f"{name}: {len(late)} requests begun after the fault failed")
    if wrong:
        kinds = Counter(str(c.status) for c in wrong)
        failures.append(f"{name}: failures not answered 503 problem+json: {dict(kinds)}")
    later = [c for c in calls if c.started > fault_at and not c.failed]
    return {
        "requests_after_fault": len([c for c in calls if c.started > fault_at]),
        "failed_in_flight": len(failed) - len(late),
        "failed_after": len(late),
        "failure_statuses": dict(Counter(str(c.status) for c in failed)),
        "first_success_after_s": round(min((c.ended for c in later), default=until) - fault_at, 2),
    }


def kill_web_worker(master: int, ledger: Ledger, failures: list[str]) -> dict:
    victim = children(master)[0]
    fault_at = time.monotonic()
    os.kill(victim, signal.SIGKILL)
    respawned = wait_until(
        lambda: len([pid for pid in children(master) if pid != victim]) == WORKERS,
        30,
        "gunicorn to replace the killed worker",
    )
    respawn_s = round(time.monotonic() - fault_at, 2)
    time.sleep(SETTLE_SECONDS)
    figures = judge_in_flight_only(
        ledger, "worker kill", fault_at, time.monotonic(), failures, answered=False
    )
    # No bound on failed_in_flight beyond "begun before the kill": a gthread worker accepts
    # connections ahead of its threads, so on a busy machine it holds more than `threads`.
    return {**figures, "worker_respawned_s": respawn_s if respawned else None}


def terminate_connections(database: str, admin_url: str, ledger: Ledger, failures) -> dict:
    engine = create_engine(admin_url, poolclass=NullPool)
    with engine.connect() as connection:
        terminated = connection.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": database},
        ).scalar()
    engine.dispose()
    fault_at = time.monotonic()
    time.sleep(SETTLE_SECONDS)
    figures = judge_in_flight_only(
        ledger, "connections terminated", fault_at, time.monotonic(), failures, answered=True
    )
    return {"connections_terminated": terminated, **figures}


def stop_and_start(cluster: PrivatePostgres, ledger: Ledger, failures: list[str]) -> dict:
    stopping = time.monotonic()
    cluster.stop("fast")
    down = time.monotonic()
    time.sleep(DOWN_SECONDS)
    restarting = time.monotonic()
    cluster.start()
    back = time.monotonic()  # pg_ctl start -w returns once the database accepts connections
    time.sleep(RECOVERY_LIMIT + 2)
    observed = calls_between(ledger, down, time.monotonic())
    database_calls = [c for c in observed if c.kind != "framework"]
    while_down = [c for c in database_calls if c.ended < restarting]
    answers = Counter(str(c.status) for c in while_down)
    wrong = [c for c in while_down if c.failed and not (c.status == 503 and c.problem)]
    if wrong:
        failures.append(f"database down: answers other than 503 problem+json: {answers}")
    unanswered = [c for c in observed if c.status is None]
    if unanswered:
        failures.append(f"database down: {len(unanswered)} requests got no answer")
    slowest = max((c.ended - c.started for c in observed), default=0)
    # Recovered: from the first call begun after which every call succeeded.
    after = sorted((c for c in database_calls if c.started >= back), key=lambda c: c.started)
    last_failure = max((c.started for c in after if c.failed), default=back)
    recovered = [c for c in after if c.started > last_failure]
    recovery = (recovered[0].started - back) if recovered else None
    if recovery is None or recovery > RECOVERY_LIMIT:
        failures.append(f"database back: not recovered within {RECOVERY_LIMIT} s ({recovery})")
    return {
        "stop_seconds": round(down - stopping, 2),
        "down_seconds": round(restarting - down, 2),
        "start_seconds": round(back - restarting, 2),
        "answers_while_down": dict(answers),
        "requests_while_down": len(while_down),
        "slowest_request_s": round(slowest, 2),
        "recovered_after_s": None if recovery is None else round(recovery, 2),
        "failed_after_return": len([c for c in after if c.failed]),
    }


def kill_job_worker(
    base: str, browser: requests.Session, workers: list, scalar, failures: list[str]
) -> dict:
    job = upload(browser, base, "drill", IMPORT_ROWS)
    at_row = kill_import_holder(scalar, job, workers, DEADLINE)
    killed = time.monotonic()
    wait_until(
        lambda: scalar("SELECT status FROM import_jobs WHERE id = :id", id=job) == "done",
        DEADLINE,
        "the other job worker to finish the import",
    )
    total, succeeded, processed, claims = (
        int(part)
        for part in scalar(
            "SELECT total || '/' || succeeded || '/' || processed || '/' || attempts "
            "FROM import_jobs WHERE id = :id",
            id=job,
        ).split("/")
    )
    rows = scalar("SELECT count(*) FROM candidates WHERE email LIKE 'drill-%'")
    distinct = scalar(
        "SELECT count(DISTINCT lower(email)) FROM candidates WHERE email LIKE 'drill-%'"
    )
    if not total == succeeded == processed == rows == distinct == IMPORT_ROWS:
        failures.append(
            f"import: total {total}, succeeded {succeeded}, processed {processed}, "
            f"rows {rows}, distinct {distinct}, expected {IMPORT_ROWS}"
        )
    if claims < 2:
        failures.append("import: not taken over by the other worker")
    return {
        "killed_at_row": at_row,
        "claims": claims,
        "rows": rows,
        "finished_after_kill_s": round(time.monotonic() - killed, 1),
    }


# --- the writes ----------------------------------------------------------------------------------


def check_writes(ledger: Ledger, scalar_rows, failures: list[str]) -> dict:
    """Every acknowledged creation and edit is stored; no write answered as failed is."""
    stored = {
        email: (candidate_id, headline)
        for candidate_id, email, headline in scalar_rows(
            "SELECT id, email, headline FROM candidates WHERE email LIKE 'client%'"
        )
    }
    expected, allowed = {}, {}
    for email, candidate_id in ledger.created.items():
        history = ledger.edits.get(candidate_id, [])
        acknowledged = [headline for headline, outcome in history if outcome == "ok"]
        last_ok = max((i for i, (_, o) in enumerate(history) if o == "ok"), default=-1)
        expected[email] = (candidate_id, acknowledged[-1] if acknowledged else "new")
        # An edit never answered may have been saved (its outcome is unknown to the client).
        allowed[email] = {expected[email]} | {
            (candidate_id, headline)
            for headline, outcome in history[last_ok + 1 :]
            if outcome == "unknown"
        }
    lost = [email for email in expected if stored.get(email) not in allowed[email]]
    if lost:
        failures.append(f"{len(lost)} acknowledged writes missing or changed: {lost[:5]}")
    saved_refusals = sorted(ledger.refused_creations & stored.keys())
    if saved_refusals:
        failures.append(f"creations answered as failed were saved: {saved_refusals[:5]}")
    refused_edits = {
        (candidate_id, headline)
        for candidate_id, history in ledger.edits.items()
        for headline, outcome in history
        if outcome == "refused"
    }
    saved_refused_edits = [email for email, row in stored.items() if row in refused_edits]
    if saved_refused_edits:
        failures.append(f"edits answered as failed were saved: {saved_refused_edits[:5]}")
    strays = set(stored) - set(expected) - ledger.unknown_creations
    if strays:
        failures.append(f"candidates nobody was told about: {sorted(strays)[:5]}")

    def checksum(rows: dict) -> str:
        lines = sorted(f"{row[0]}|{email}|{row[1]}" for email, row in rows.items())
        return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16]

    stored_acknowledged = {email: stored[email] for email in expected if email in stored}
    edits = [outcome for history in ledger.edits.values() for _, outcome in history]
    return {
        "acknowledged_creations": len(expected),
        "stored_of_them": len(stored_acknowledged),
        "acknowledged_edits": edits.count("ok"),
        "refused_creations": len(ledger.refused_creations),
        "refused_edits": edits.count("refused"),
        "unanswered_creations_saved": len(ledger.unknown_creations & stored.keys()),
        "unanswered_creations": len(ledger.unknown_creations),
        "unanswered_edits": edits.count("unknown"),
        "checksum_expected": checksum(expected),
        "checksum_stored": checksum(stored_acknowledged),
    }


# --- the drill -----------------------------------------------------------------------------------


def launch(environment: dict, log: Path, *command: str) -> subprocess.Popen:
    """Like scale_out.start, but keeping the process's output (shown when the drill fails)."""
    with log.open("ab") as output:
        return subprocess.Popen(
            command,
            env=environment,
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def gunicorn(environment: dict, port: int, log: Path) -> subprocess.Popen:
    bind = {"GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": str(WORKERS)}
    command = (str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app")
    return launch({**environment, **bind}, log, *command)


def job_worker(environment: dict, log: Path) -> subprocess.Popen:
    return launch(environment, log, str(BIN / "flask"), "--app", "portal", "worker")


def api_ready(base: str) -> bool:
    try:
        return requests.get(f"{base}/readyz", timeout=5).status_code == 200
    except requests.RequestException:
        return False


class LoopbackCookies(RequestsCookieJar):
    """Production cookies are marked Secure (TLS ends at the proxy in front); this client talks
    plain HTTP to loopback, so it keeps them as plain ones."""

    def set_cookie(self, cookie, *args, **kwargs):
        cookie.secure = False
        return super().set_cookie(cookie, *args, **kwargs)


def signed_in(base: str, email: str) -> requests.Session:
    browser = requests.Session()
    browser.cookies = LoopbackCookies()
    answer = form_post(browser, base, "/signin", {"email": email, "password": PASSWORD})
    if answer.status_code != 303:
        raise Failed(f"sign-in answered {answer.status_code}")
    return browser


def prepare(database_url: str) -> tuple[str, str, int]:
    """Migrate and seed, then add a recruiter (for the import page), an API key and a scorecard
    to read: in this process, once (each `flask` command would load the portal again)."""
    from flask_migrate import upgrade

    from portal import PROJECT_ROOT, create_app
    from portal.extensions import db
    from portal.services import accounts, api_keys, scorecards
    from portal.services.access import Actor, Origin
    from portal.services.framework_loader import load_framework, read_framework_file

    email = "recruiter@faults.test"
    scopes = ["candidates:read", "candidates:write", "scorecards:read", "scorecards:write"]
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        upgrade(directory=str(PROJECT_ROOT / "migrations"))
        load_framework(db.session, read_framework_file())
        user = accounts.register_recruiter(
            db.session, email=email, password=PASSWORD, name="Drill", organisation_name="Drill"
        )
        organisation = user.organisation_id
        token = api_keys.create_api_key(db.session, organisation, "drill", scopes, Origin()).token
        actor = Actor(organisation_id=organisation, scopes=frozenset(scopes))
        scorecard = scorecards.create_scorecard(
            db.session, actor, {"title": "Drill"}, clone_from="benchmark"
        )
        db.session.remove()
        db.engine.dispose()
    return email, token, scorecard.id


def show_logs(directory: Path, lines: int = 15) -> None:
    """The last lines of each process's log, on standard error, for a drill that failed."""
    for log in sorted(directory.glob("*.log")):
        tail = log.read_text(errors="replace").splitlines()[-lines:]
        print(f"--- {log.name}", *tail, sep="\n", file=sys.stderr)


def run() -> dict:
    figures: dict = {}
    failures: list[str] = []
    processes: list[subprocess.Popen] = []
    clients: list[Client] = []
    started = time.monotonic()
    Redis.from_url(REDIS_URL).flushdb()
    cluster = PrivatePostgres()
    try:
        cluster.start()
        admin_url = cluster.url.rsplit("/", 1)[0] + "/postgres"
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        with admin.connect() as connection:
            connection.execute(text("CREATE DATABASE portal"))
        admin.dispose()
        engine = create_engine(cluster.url, poolclass=NullPool)

        def rows(sql: str, **params):
            with engine.connect() as connection:
                return connection.execute(text(sql), params).all()

        def scalar(sql: str, **params):
            found = rows(sql, **params)
            return found[0][0] if found else None

        environment = {
            **os.environ,
            "PORTAL_ENV": "production",
            "SECRET_KEY": uuid.uuid4().hex,
            "REDIS_URL": REDIS_URL,
            "DATABASE_URL": cluster.url,
            "IMPORT_LEASE_SECONDS": str(LEASE_SECONDS),
        }
        email, token, scorecard = prepare(cluster.url)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        web = gunicorn(environment, port, cluster.home / "gunicorn.log")
        processes.append(web)
        job_workers = [job_worker(environment, cluster.home / f"worker{n}.log") for n in (1, 2)]
        processes += job_workers
        wait_until(lambda: api_ready(base), 90, "gunicorn to answer /readyz")
        browser = signed_in(base, email)
        figures["setup_s"] = round(time.monotonic() - started, 1)

        ledger = Ledger()
        clients = [Client(n, base, token, scorecard, ledger) for n in range(CLIENTS)]
        for client in clients:
            client.start()
        time.sleep(SETTLE_SECONDS)
        baseline = calls_between(ledger, 0, time.monotonic())
        figures["baseline"] = {
            "requests": len(baseline),
            "failed": len([c for c in baseline if c.failed]),
        }
        if figures["baseline"]["failed"]:
            failures.append(f"{figures['baseline']['failed']} requests failed before any fault")
        figures["web_worker_killed"] = kill_web_worker(web.pid, ledger, failures)
        figures["connections_terminated"] = terminate_connections(
            "portal", admin_url, ledger, failures
        )
        figures["database_stopped"] = stop_and_start(cluster, ledger, failures)
        figures["job_worker_killed"] = kill_job_worker(base, browser, job_workers, scalar, failures)
        for client in clients:
            client.stop.set()
        for client in clients:
            client.join(REQUEST_TIMEOUT + 5)
        with ledger.lock:
            everything = list(ledger.calls)
        figures["requests"] = {
            "total": len(everything),
            "by_kind": dict(Counter(call.kind for call in everything)),
            "by_status": dict(Counter(str(call.status) for call in everything)),
            "timed_out": len([call for call in everything if call.timed_out]),
        }
        if any(call.status == 500 for call in everything):
            failures.append("some requests were answered 500")
        if figures["requests"]["timed_out"]:
            failures.append(f"{figures['requests']['timed_out']} requests hung past the timeout")
        figures["writes"] = check_writes(ledger, rows, failures)
        if figures["writes"]["checksum_expected"] != figures["writes"]["checksum_stored"]:
            failures.append("the stored rows' checksum differs from the acknowledged writes'")
        engine.dispose()
    except (Failed, requests.RequestException) as failure:
        failures.append(str(failure))
    finally:
        for client in clients:
            client.stop.set()
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        if failures:
            show_logs(cluster.home)
        cluster.remove()
        Redis.from_url(REDIS_URL).flushdb()
    figures["seconds"] = round(time.monotonic() - started, 1)
    figures["failures"] = failures
    return figures


def main() -> int:
    argparse.ArgumentParser(description=__doc__.split("\n\n")[0]).parse_args()
    figures = run()
    print(json.dumps(figures, indent=2))
    return 1 if figures["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
