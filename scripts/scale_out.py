"""Scale-out proof: two web instances and two job workers over one PostgreSQL and one Redis.

    .venv/bin/python scripts/scale_out.py [--postgres postgresql+psycopg://postgres@127.0.0.1:5432]

It creates a scratch database (dropped at the end) and uses Redis database 12 (emptied), starts
two gunicorn instances on different ports and two `flask worker` processes, drives a mixed
workload through both instances, and checks what must hold when the portal runs on many hosts:

- a session started on one instance works on the other;
- each webhook delivery reaches the receiver exactly once, correctly signed;
- each bulk import is processed exactly once (every row once, whichever worker ran it);
- a worker killed with SIGKILL in the middle of an import is finished by the other worker;
- the sign-in rate limit is shared: the instances together allow it once, not once each.

Prints one JSON document with the figures and exits 1 if any check failed. `.ci/run` runs it.
"""

import argparse
import csv
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests
from redis import Redis
from sqlalchemy import create_engine, text
from standardwebhooks import Webhook

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
REDIS_URL = "redis://127.0.0.1:6379/12"
PASSWORD = "scale-out-password-2026"  # noqa: S105  (a throwaway account)
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
LEASE_SECONDS = 4  # a dead worker's import is taken over after this, plus a sweep
API_CANDIDATES = 40
SMALL_IMPORT_ROWS = 300
LARGE_IMPORT_ROWS = 4000
DEADLINE = 120  # seconds for everything queued to finish
SIGN_IN_PER_MINUTE = 5  # portal.web.accounts.SIGN_IN_LIMIT


class Failed(Exception):
    pass


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- the webhook receiver ----------------------------------------------------------------------


class Receiver(ThreadingHTTPServer):
    def __init__(self):
        super().__init__(("127.0.0.1", free_port()), ReceiverHandler)
        self.received: list[tuple[dict, bytes]] = []
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"


class ReceiverHandler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with self.server.lock:
            self.server.received.append((dict(self.headers), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


# --- processes ---------------------------------------------------------------------------------


@contextmanager
def scratch_database(postgres: str):
    name = f"portal_scale_{os.getpid()}"
    admin = create_engine(f"{postgres}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{postgres}/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def flask(environment: dict, *args: str) -> str:
    done = subprocess.run(
        [str(BIN / "flask"), "--app", "portal", *args],
        env=environment,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode:
        raise Failed(f"flask {' '.join(args)} failed: {done.stderr.strip()[-500:]}")
    return done.stdout


def start(environment: dict, *command: str) -> subprocess.Popen:
    return subprocess.Popen(
        command,
        env=environment,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def web_instance(environment: dict, port: int) -> subprocess.Popen:
    return start(
        {**environment, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "2"},
        str(BIN / "gunicorn"),
        "-c",
        "gunicorn.conf.py",
        "wsgi:app",
    )


def job_worker(environment: dict) -> subprocess.Popen:
    return start(environment, str(BIN / "flask"), "--app", "portal", "worker")


def wait_until(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.25)
    raise Failed(f"timed out waiting for {what}")


def ready(base: str) -> bool:
    try:
        return requests.get(f"{base}/readyz", timeout=10).status_code == 200
    except requests.RequestException:
        return False


# --- the workload ------------------------------------------------------------------------------


def form_post(browser: requests.Session, base: str, path: str, data: dict, files=None):
    page = browser.get(f"{base}{path}", timeout=30)
    token = CSRF.search(page.text)
    if token is None:
        raise Failed(f"no form at {path} ({page.status_code})")
    return browser.post(
        f"{base}{path}",
        data={**data, "csrf_token": token.group(1)},
        files=files,
        allow_redirects=False,
        timeout=60,
    )


def import_csv(label: str, rows: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "name",
            "email",
            "headline",
            "years_product",
            "years_leadership",
            "education",
            "background",
            "certifications",
            "summary",
        ]
    )
    for number in range(rows):
        writer.writerow(
            [f"{label} {number}", f"{label}-{number}@scale.test", "PM", 5, 2, "master", "", "", ""]
        )
    return out.getvalue().encode()


def upload(browser: requests.Session, base: str, label: str, rows: int) -> int:
    answer = form_post(
        browser,
        base,
        "/candidates/bulk",
        {},
        files={"file": (f"{label}.csv", import_csv(label, rows), "text/csv")},
    )
    if answer.status_code != 303:
        reasons = re.findall(r"<li>([^<]*)</li>", answer.text)
        raise Failed(f"upload {label} answered {answer.status_code}: {reasons[:3]}")
    return int(answer.headers["Location"].rstrip("/").split("/")[-1])


def kill_import_holder(
    scalar, job: int, workers: list[subprocess.Popen], deadline: float = DEADLINE
) -> int:
    """SIGKILL the job worker that holds the import once it has processed rows (waiting at most
    `deadline` seconds for that); answers the row it was killed at."""
    holder = wait_until(
        lambda: scalar(
            "SELECT worker FROM import_jobs WHERE id = :id AND processed > 0 "
            "AND status = 'running'",
            id=job,
        ),
        deadline,
        f"import {job} to start",
    )
    victim = next(w for w in workers if holder.endswith(f":{w.pid}"))
    at_row = scalar("SELECT processed FROM import_jobs WHERE id = :id", id=job)
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait()
    return at_row


def run(postgres: str) -> dict:
    figures: dict = {}
    failures: list[str] = []
    processes: list[subprocess.Popen] = []
    receiver = Receiver()
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    Redis.from_url(REDIS_URL).flushdb()
    with scratch_database(postgres) as database_url:
        environment = {
            **os.environ,
            "DATABASE_URL": database_url,
            "REDIS_URL": REDIS_URL,
            "SECRET_KEY": uuid.uuid4().hex,
            "PORTAL_ENV": "development",
            "IMPORT_LEASE_SECONDS": str(LEASE_SECONDS),
        }
        engine = create_engine(database_url)

        def scalar(sql: str, **params):
            with engine.connect() as connection:
                return connection.execute(text(sql), params).scalar()

        try:
            flask(environment, "db", "upgrade")
            flask(environment, "seed")
            email = "recruiter@scale.test"
            flask(
                environment,
                "users",
                "create",
                email,
                "--role",
                "recruiter",
                "--org",
                "scale",
                "--name",
                "Scale Recruiter",
                "--password",
                PASSWORD,
            )
            token = (
                flask(
                    environment,
                    "api-keys",
                    "create",
                    "--org",
                    "scale",
                    "--scope",
                    "candidates:write",
                    "--scope",
                    "candidates:read",
                    "--scope",
                    "webhooks:manage",
                )
                .strip()
                .splitlines()[-1]
            )
            ports = [free_port(), free_port()]
            bases = [f"http://127.0.0.1:{port}" for port in ports]
            processes += [web_instance(environment, port) for port in ports]
            workers = [job_worker(environment), job_worker(environment)]
            processes += workers
            for base in bases:
                wait_until(lambda base=base: ready(base), 60, f"{base}/readyz")

            # A session started on one instance works on the other.
            browser = requests.Session()
            signed_in = form_post(
                browser, bases[0], "/signin", {"email": email, "password": PASSWORD}
            )
            other = browser.get(f"{bases[1]}/candidates", allow_redirects=False, timeout=30)
            figures["session_on_other_instance"] = other.status_code
            if signed_in.status_code != 303 or other.status_code != 200:
                failures.append(
                    f"session: sign-in {signed_in.status_code}, other instance {other.status_code}"
                )

            # Webhook deliveries: each event reaches the receiver exactly once, signed.
            bearer = {"Authorization": f"Bearer {token}"}
            endpoint = requests.post(
                f"{bases[0]}/api/v1/webhooks",
                json={"url": receiver.url, "events": ["candidate.created", "import.finished"]},
                headers=bearer,
                timeout=30,
            )
            if endpoint.status_code != 201:
                raise Failed(f"webhook endpoint: {endpoint.status_code} {endpoint.text[:300]}")
            secret = endpoint.json()["secret"]
            for number in range(API_CANDIDATES):
                created = requests.post(
                    f"{bases[number % 2]}/api/v1/candidates",
                    json={"name": f"Api {number}", "email": f"api-{number}@scale.test"},
                    headers=bearer,
                    timeout=30,
                )
                if created.status_code != 201:
                    failures.append(f"candidate {number}: {created.status_code}")

            # Imports through both instances, processed by whichever worker takes them.
            small = [upload(browser, bases[n], f"small{n}", SMALL_IMPORT_ROWS) for n in (0, 1)]
            wait_until(
                lambda: scalar("SELECT count(*) FROM import_jobs WHERE status = 'done'") == 2,
                DEADLINE,
                "the two small imports",
            )

            # A worker killed in the middle of an import: the other one finishes it.
            large = upload(browser, bases[1], "large", LARGE_IMPORT_ROWS)
            figures["killed_worker_at_row"] = kill_import_holder(scalar, large, workers)
            started = time.monotonic()
            try:
                wait_until(
                    lambda: (
                        scalar("SELECT status FROM import_jobs WHERE id = :id", id=large) == "done"
                    ),
                    DEADLINE,
                    "the other worker to finish the large import",
                )
            except Failed:
                state = scalar(
                    "SELECT status || ' ' || processed || ' ' || attempts || ' ' || worker || "
                    "' ' || coalesce(lease_until::text, '-') || ' now ' || now()::text "
                    "FROM import_jobs WHERE id = :id",
                    id=large,
                )
                figures["large_import_state"] = state
                figures["queue"] = Redis.from_url(REDIS_URL).llen("rq:queue:portal")
                raise
            figures["takeover_and_finish_seconds"] = round(time.monotonic() - started, 1)
            claims = scalar("SELECT attempts FROM import_jobs WHERE id = :id", id=large)
            figures["large_import_claims"] = claims
            if claims < 2:
                failures.append("the large import was not taken over by the other worker")

            expected_rows = API_CANDIDATES + 2 * SMALL_IMPORT_ROWS + LARGE_IMPORT_ROWS
            rows = scalar("SELECT count(*) FROM candidates")
            distinct = scalar("SELECT count(DISTINCT lower(email)) FROM candidates")
            figures["candidates"] = {"expected": expected_rows, "rows": rows, "distinct": distinct}
            if rows != expected_rows or distinct != expected_rows:
                failures.append(
                    f"candidates: {rows} rows, {distinct} distinct, {expected_rows} expected"
                )
            for job in [*small, large]:
                counts = scalar(
                    "SELECT total || '/' || succeeded || '/' || processed "
                    "FROM import_jobs WHERE id = :id",
                    id=job,
                )
                total, succeeded, processed = (int(part) for part in counts.split("/"))
                if not total == succeeded == processed:
                    failures.append(f"import {job}: total/succeeded/processed {counts}")

            deliveries = wait_until(
                lambda: (
                    scalar("SELECT count(*) FROM webhook_deliveries WHERE status = 'pending'") == 0
                    and scalar("SELECT count(*) FROM webhook_deliveries")
                ),
                DEADLINE,
                "every webhook delivery",
            )
            time.sleep(1)  # the last answers are recorded after the receiver saw them
            with receiver.lock:
                received = list(receiver.received)
            verifier = Webhook(secret)
            ids = Counter()
            for headers, body in received:
                lowered = {key.lower(): value for key, value in headers.items()}
                try:
                    verifier.verify(body, lowered)
                except Exception as invalid:  # noqa: BLE001  (any refusal is a failure)
                    failures.append(f"a delivery failed verification: {invalid}")
                ids[lowered["webhook-id"]] += 1
            succeeded = scalar("SELECT count(*) FROM webhook_deliveries WHERE status = 'succeeded'")
            figures["webhooks"] = {
                "deliveries": deliveries,
                "succeeded": succeeded,
                "received": len(received),
                "distinct_ids": len(ids),
            }
            # candidate.created per API candidate, import.finished per import
            if deliveries != API_CANDIDATES + 3 or succeeded != deliveries:
                failures.append(f"webhooks: {deliveries} deliveries, {succeeded} succeeded")
            if len(ids) != deliveries or any(count > 1 for count in ids.values()):
                failures.append(f"webhooks: {len(received)} requests for {len(ids)} ids")

            # The sign-in limit is shared by both instances (Redis), not counted per instance:
            # of SIGN_IN_PER_MINUTE sign-ins a minute from this address, one was spent above.
            stranger = requests.Session()
            answers = [
                form_post(
                    stranger,
                    bases[attempt % 2],
                    "/signin",
                    {"email": email, "password": "wrong-password-123"},
                ).status_code
                for attempt in range(8)
            ]
            figures["sign_in_attempts"] = answers
            if answers.count(429) != len(answers) - (SIGN_IN_PER_MINUTE - 1):
                failures.append(f"rate limit not shared: {answers}")
        except (Failed, requests.RequestException) as failure:
            failures.append(str(failure))
        finally:
            for process in processes:
                if process.poll() is None:
                    os.killpg(process.pid, signal.SIGTERM)
            for process in processes:
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
            engine.dispose()
            receiver.shutdown()
            Redis.from_url(REDIS_URL).flushdb()
    figures["failures"] = failures
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432")
    arguments = parser.parse_args()
    figures = run(arguments.postgres)
    print(json.dumps(figures, indent=2))
    return 1 if figures["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
