"""The users of `flask --app portal bench load` (benchmarks/load.py), run by locust in a process
of its own; the plan (API key, scorecard and candidate ids, the recruiter) comes from the JSON
file named by LOAD_PLAN.

Think time: each user waits THINK_SECONDS (uniformly 0.5 to 1.5 s, 1 s on average) after each
action, as a person clicking through the portal or an integration syncing records does; an
action that needs two requests (read a candidate, then change it with its ETag) makes them back
to back. So 50 users offer about 50 requests/s.
"""

import csv
import io
import json
import os
import random
import re
from pathlib import Path

from locust import HttpUser, between, constant, task
from requests.cookies import RequestsCookieJar

PLAN = json.loads(Path(os.environ["LOAD_PLAN"]).read_text())
THINK_SECONDS = (0.5, 1.5)
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
STATE = re.compile(r'id="job_progress"[^>]*data-state="(\w+)"')
FINISHED = ("done", "failed", "cancelled")
HEADLINES = ("Senior PM", "Group Product Manager", "Director of Product", "VP Product", "CPO")


class ApiUser(HttpUser):
    """A visitor reading the framework, or an integration or recruiter using the API."""

    wait_time = between(*THINK_SECONDS)

    def on_start(self) -> None:
        self.bearer = {"Authorization": f"Bearer {PLAN['token']}"}

    @task(4)
    def framework(self) -> None:
        """Public reads, no authentication."""
        path = random.choice(
            (
                "/api/v1/competencies",
                f"/api/v1/competencies/{random.choice(PLAN['competencies'])}",
                "/api/v1/steps",
                "/api/v1/responsibilities",
            )
        )
        self.client.get(path, name="framework")

    @task(3)
    def scorecard(self) -> None:
        scorecard = random.choice(PLAN["scorecards"])
        self.client.get(f"/api/v1/scorecards/{scorecard}", headers=self.bearer, name="scorecard")

    @task(1)
    def scorecard_list(self) -> None:
        page = random.randint(1, 10)
        self.client.get(
            f"/api/v1/scorecards?page={page}", headers=self.bearer, name="scorecard list"
        )

    @task(2)
    def matches(self) -> None:
        scorecard = random.choice(PLAN["scorecards"])
        self.client.get(
            f"/api/v1/scorecards/{scorecard}/matches?page_size=20",
            headers=self.bearer,
            name="matches",
        )

    @task(2)
    def edit_candidate(self) -> None:
        """Read a candidate, then change its headline with the ETag just read."""
        path = f"/api/v1/candidates/{random.choice(PLAN['candidates'])}"
        read = self.client.get(path, headers=self.bearer, name="candidate read")
        if read.status_code != 200:
            return
        self.client.patch(
            path,
            json={"headline": random.choice(HEADLINES)},
            headers={**self.bearer, "If-Match": read.headers["ETag"]},
            name="candidate edit",
        )


class LoopbackCookies(RequestsCookieJar):
    """Production cookies are marked Secure (TLS ends at the proxy in front); this client talks
    plain HTTP to loopback, so it keeps them as plain ones."""

    def set_cookie(self, cookie, *args, **kwargs):
        cookie.secure = False
        return super().set_cookie(cookie, *args, **kwargs)


class Importer(HttpUser):
    """One recruiter importing a CSV through the bulk import page, watching it finish as the page
    does (its progress fragment every second), then importing the next; the rows update the
    same IMPORT_ROWS candidates each round (created by the first)."""

    fixed_count = 1
    wait_time = constant(1)

    def on_start(self) -> None:
        self.client.cookies = LoopbackCookies()
        self.round = 0
        self._post_form("/signin", {"email": PLAN["recruiter"], "password": PLAN["password"]})

    def _post_form(self, path: str, data: dict, name: str = "sign in", files=None):
        page = self.client.get(path, name=f"{name} form")
        token = CSRF.search(page.text)
        return self.client.post(
            path,
            data={**data, "csrf_token": token.group(1) if token else ""},
            files=files,
            allow_redirects=False,
            name=name,
        )

    def _csv(self) -> bytes:
        self.round += 1
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(
            ["name", "email", "headline", "years_product", "years_leadership", "education"]
            + ["background", "certifications", "summary"]
        )
        for number in range(PLAN["import_rows"]):
            writer.writerow(
                [f"Imported {number}", f"load-import-{number}@example.test"]
                + [f"Round {self.round}", 4 + number % 9, number % 5, "master", "", "", ""]
            )
        return out.getvalue().encode()

    @task
    def import_csv(self) -> None:
        files = {"file": ("candidates.csv", self._csv(), "text/csv")}
        uploaded = self._post_form("/candidates/bulk", {}, "import upload", files)
        location = uploaded.headers.get("Location")
        if uploaded.status_code != 303 or not location:
            return
        fragment = {"HX-Request": "true", "HX-Target": "job_progress"}
        while True:
            self.wait()
            progress = self.client.get(location, headers=fragment, name="import progress")
            state = STATE.search(progress.text)
            if progress.status_code != 200 or state is None or state.group(1) in FINISHED:
                return
