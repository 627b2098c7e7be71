"""Benchmark: import a CSV of plausible candidates (about 1% of them invalid) into a fresh database.

    .venv/bin/python -m benchmarks.bulk_import [--rows N] [--database-url URL]

Without a URL the database is a temporary SQLite file; a URL must name a scratch database (the
migrations are applied to it and an organisation is added). Prints one JSON object.
"""

import argparse
import csv
import io
import json
import random
import tempfile
import time
import uuid
from pathlib import Path

from flask_migrate import upgrade

from portal import PROJECT_ROOT, create_app
from portal.extensions import db
from portal.models import ImportJob
from portal.models.scorecards import EDUCATION_LEVELS
from portal.services import accounts
from portal.services.access import Actor
from portal.services.bulk_import import COMPETENCY_COLUMNS, CSV_COLUMNS, run_job, start_import
from portal.services.framework_loader import load_framework, read_framework_file

SEED = 20_240_601
BAD_EVERY = 100  # one row in a hundred breaks a rule
FIRST_NAMES = ("Ada", "Grace", "Linus", "Margaret", "Alan", "Barbara", "Ken", "Frances", "Tim")
LAST_NAMES = ("Lovelace", "Hopper", "Torvalds", "Hamilton", "Turing", "Liskov", "Thompson")
HEADLINES = ("Senior PM", "Group Product Manager", "Director of Product", "VP Product", "CPO")
BACKGROUNDS = ("product-management", "engineering", "marketing", "consulting", "executive")
CERTIFICATIONS = ("CSPO", "Pragmatic Institute", "PMP", "AIPMM CPM", "SAFe POPM")
BAD_CELLS = ({"years_product": "99"}, {"email": "not-an-email"}, {"product-strategy": "7"})


def candidates_csv(rows: int, rng: random.Random) -> tuple[bytes, int]:
    """`rows` candidates with every competency assessed; returns (CSV bytes, number of bad rows)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(CSV_COLUMNS))
    writer.writeheader()
    bad = 0
    for number in range(1, rows + 1):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        years_product = round(rng.uniform(0, 25), 1)
        row = {
            "name": f"{first} {last} {number}",
            "email": f"{first}.{last}.{number}@example.test".lower(),
            "headline": rng.choice(HEADLINES),
            "years_product": years_product,
            "years_leadership": round(rng.uniform(0, years_product), 1),
            "education": rng.choice(EDUCATION_LEVELS),
            "background": rng.choice(BACKGROUNDS),
            "certifications": ";".join(rng.sample(CERTIFICATIONS, rng.randint(0, 3))),
            "summary": f"{first} has led product teams for {years_product} years.",
            **{slug: rng.randint(0, 5) for slug in COMPETENCY_COLUMNS},
        }
        if number % BAD_EVERY == 0:
            row.update(BAD_CELLS[(number // BAD_EVERY) % len(BAD_CELLS)])
            bad += 1
        writer.writerow(row)
    return out.getvalue().encode("utf-8"), bad


def run(rows: int = 10_000, database_url: str | None = None) -> dict:
    """Time `start_import` + `run_job` (synchronously, in this process) of `rows` CSV rows."""
    data, bad = candidates_csv(rows, random.Random(SEED))
    with tempfile.TemporaryDirectory(prefix="portal-bench-") as scratch:
        url = database_url or f"sqlite:///{Path(scratch) / 'bench.db'}"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            upgrade(directory=str(PROJECT_ROOT / "migrations"))
            load_framework(db.session, read_framework_file())
            user = accounts.register_recruiter(
                db.session,
                email=f"bench-{uuid.uuid4().hex[:10]}@example.test",
                password=uuid.uuid4().hex,
                name="Benchmark Recruiter",
                organisation_name=f"Benchmark {uuid.uuid4().hex[:6]}",
            )
            actor = Actor.for_user(user)
            schema_path = app.config["JSON_RESUME_SCHEMA"]
            try:
                started = time.perf_counter()
                job = start_import(db.session, actor, "benchmark.csv", data, schema_path)
                run_job(db.session, job.id, schema_path)
                seconds = time.perf_counter() - started
                db.session.expire_all()
                job = db.session.get(ImportJob, job.id)
                if job.status != "done" or job.processed - job.succeeded != bad:
                    raise RuntimeError(
                        f"import {job.status}: {job.succeeded} of {job.total} rows imported, "
                        f"{bad} expected to fail. {job.error}"
                    )
            finally:
                db.session.remove()
                db.engine.dispose()
    return {
        "rows": job.total,
        "succeeded": job.succeeded,
        "failed": job.processed - job.succeeded,
        "seconds": round(seconds, 3),
        "rows_per_second": round(job.total / seconds, 1),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--database-url", default=None)
    arguments = parser.parse_args()
    print(json.dumps(run(arguments.rows, arguments.database_url)))
