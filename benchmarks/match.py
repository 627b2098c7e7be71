"""Benchmark: rank N synthetic candidates against a scorecard of C competencies.

    flask --app portal bench match --candidates N --competencies C [--database-url URL]

It WRITES synthetic data to the database it is given (default: the app's DATABASE_URL): one
organisation (slug `bench-match-N`) owning N candidates with their self-assessments, ranking
rows and, for about 5% of them, the organisation's interview levels, and a published scorecard
of C competencies. Point it at a scratch database. A second run on the same database reuses the
rows (an interrupted build is completed). Then it times, median of 5 runs each:

- `service`: the top 50 through `matching.board`, exactly as the API asks for it;
- `whatif`: the same with changed weights, targets, must-haves and a requirement;
- `sql`: the same top 50 as one hand-written SQL statement (the floor); its ids and scores
  must equal the service's, or the benchmark fails;
- `pool_filter`: the recruiter pool filtered on a competency and a minimum level;

and prints one JSON object.
"""

import os
import random
import statistics
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

from flask_migrate import upgrade
from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from portal import PROJECT_ROOT, create_app
from portal.extensions import db
from portal.models import (
    Assessment,
    Candidate,
    Competency,
    InterviewLevels,
    MatchProfile,
    Organisation,
    Scorecard,
    User,
)
from portal.models.accounts import SCOPES
from portal.models.matching import EDUCATION_RANK, level_column
from portal.services import accounts, candidates, matching, scorecards
from portal.services.access import Actor
from portal.services.candidates import CandidateFilter
from portal.services.framework_loader import load_framework, read_framework_file
from portal.services.match_profiles import profile_row, tenths

SEED = 20_260_108
RUNS = 5
PAGE_SIZE = 50
POOL_PAGE_SIZE = 25  # the pool page's size
BATCH = 5_000
MISSING = 0.15  # share of competencies a candidate has not assessed
INTERVIEWED = 0.05  # share of candidates the organisation has interviewed
FIRST_NAMES = ("Ada", "Grace", "Linus", "Margaret", "Alan", "Barbara", "Ken", "Frances", "Tim")
LAST_NAMES = ("Lovelace", "Hopper", "Torvalds", "Hamilton", "Turing", "Liskov", "Thompson")
HEADLINES = ("Senior PM", "Group Product Manager", "Director of Product", "VP Product", "CPO")
BACKGROUNDS = ("product-management", "engineering", "marketing", "consulting", "executive")
EDUCATION = (("none", 15), ("bachelor", 45), ("master", 33), ("doctorate", 7))


class BenchmarkError(RuntimeError):
    """The benchmark cannot run, or the service and the SQL floor disagree."""


# --- the synthetic rows --------------------------------------------------------------------------


def _candidate(number: int, organisation_id: int, slots: list[int]) -> tuple[dict, dict, dict]:
    """Candidate `number`'s row, self levels {slot: level} and interview levels {slot: level}
    (a generator per candidate, so a completed build equals a build in one go)."""
    rng = random.Random(SEED * 10_000_000 + number)
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    seniority = rng.uniform(0.8, 4.4)  # levels cluster around a person's seniority
    years_product = round(min(max(rng.gauss(3 * seniority, 3), 0), 40), 1)
    years_leadership = round(years_product * rng.uniform(0, 0.7), 1)
    education = rng.choices([e for e, _ in EDUCATION], [w for _, w in EDUCATION])[0]
    levels = {
        slot: min(max(round(rng.gauss(seniority, 1.1)), 0), 5)
        for slot in slots
        if rng.random() >= MISSING
    }
    interview = {}
    if rng.random() < INTERVIEWED:
        for slot in rng.sample(slots, k=rng.randint(3, len(slots))):
            rating = rng.gauss(levels.get(slot, seniority) - 0.3, 0.8)
            interview[slot] = round(min(max(rating, 0), 5), 1)
    row = {
        "organisation_id": organisation_id,
        "name": f"{first} {last} {number}",
        "email": f"bench.{number}@example.test",
        "headline": rng.choice(HEADLINES),
        "years_product": years_product,
        "years_leadership": years_leadership,
        "education": education,
        "certifications": [],
        "background": rng.choice(BACKGROUNDS),
        "summary": f"{first} has worked in product for {years_product} years.",
        "work_history": [],
    }
    return row, levels, interview


def _build(session: Session, organisation_id: int, have: int, want: int) -> None:
    """Add candidates have+1..want with every row the portal keeps for them, in batches."""
    framework = session.execute(select(Competency.id, Competency.slot)).all()
    slots = sorted(slot for _, slot in framework)
    competency_of = {slot: competency_id for competency_id, slot in framework}
    candidate_table = Candidate.__table__
    for start in range(have + 1, want + 1, BATCH):
        numbers = range(start, min(start + BATCH, want + 1))
        generated = [_candidate(n, organisation_id, slots) for n in numbers]
        ids = session.scalars(
            insert(candidate_table).returning(candidate_table.c.id, sort_by_parameter_order=True),
            [row for row, _, _ in generated],
        ).all()
        profiles, assessments, interviews = [], [], []
        for cid, (row, levels, interview) in zip(ids, generated, strict=True):
            profiles.append(
                profile_row(
                    cid,
                    organisation_id,
                    row["years_product"],
                    row["years_leadership"],
                    row["education"],
                    levels.items(),
                )
            )
            assessments += [
                {
                    "candidate_id": cid,
                    "competency_id": competency_of[slot],
                    "source": "self",
                    "level": level,
                    "evidence": "",
                }
                for slot, level in levels.items()
            ]
            if interview:
                interviews.append(
                    {
                        "organisation_id": organisation_id,
                        "candidate_id": cid,
                        **{level_column(slot): tenths(level) for slot, level in interview.items()},
                    }
                )
        session.execute(insert(MatchProfile.__table__), profiles)
        session.execute(insert(Assessment.__table__), assessments)
        for row in interviews:  # one shape per executemany batch: fill the missing columns
            for slot in slots:
                row.setdefault(level_column(slot), None)
        if interviews:
            session.execute(insert(InterviewLevels.__table__), interviews)
        session.commit()


def _organisation(session: Session, size: int) -> tuple[int, int]:
    """(organisation id, candidates it already has) of this size's benchmark organisation."""
    slug = f"bench-match-{size}"
    organisation = accounts.organisation_by_slug(session, slug)
    if organisation is None:
        organisation = accounts.create_organisation(session, f"Benchmark {size:,}", slug=slug)
        session.commit()
    have = session.scalar(
        select(func.count()).where(MatchProfile.organisation_id == organisation.id)
    )
    return organisation.id, have


def _scorecard(session: Session, actor: Actor, size: int) -> int:
    """The published scorecard of `size` competencies (reused when it exists)."""
    title = f"Benchmark CPO, {size} competencies"
    found = session.scalar(
        select(Scorecard.id).where(
            Scorecard.organisation_id == actor.organisation_id, Scorecard.title == title
        )
    )
    if found is not None:
        return found
    slugs = session.scalars(select(Competency.slug).order_by(Competency.position)).all()
    entries = [
        {
            "competency": slug,
            "weight": 1 + index * 7 % 5,
            "target_level": 3 + index % 3,
            "must_have": index in (0, 3),
        }
        for index, slug in enumerate(slugs[:size])
    ]
    draft = scorecards.create_scorecard(
        session,
        actor,
        {
            "title": title,
            "competencies": entries,
            "requirements": {
                "min_years_product": 5,
                "min_years_leadership": 2,
                "education": "bachelor",
            },
        },
    )
    scorecards.publish(session, actor, draft.id, draft.revision)
    return draft.id


def _what_if(spec: matching.Spec) -> dict[str, Any]:
    """Other weights, targets and must-haves, and a stricter requirement."""
    return {
        "competencies": [
            {
                "competency": c.competency,
                "weight": 6 - c.weight,
                "target_level": min(c.target_level + 1, 5),
                "must_have": index in (1, 2),
            }
            for index, c in enumerate(spec.criteria)
        ],
        "requirements": {"min_years_product": 8},
    }


# --- the floor: one hand-written statement -------------------------------------------------------


def floor_sql(dialect: str, spec: matching.Spec) -> str:
    """The top 50 by hand: score in tenths from the level columns, must-haves met, CONTRACT's
    order. Integers are inlined: the statement is what a person would write for this
    scorecard."""
    least = "LEAST" if dialect == "postgresql" else "MIN"
    total = spec.total_weight
    terms, musts = [], []
    for c in spec.criteria:
        level = f"COALESCE(i.{level_column(c.slot)}, p.{level_column(c.slot)}, 0)"
        terms.append(f"{least}({level}, {10 * c.target_level}) * {c.weight * 60 // c.target_level}")
        if c.must_have:
            musts.append(f"{level} >= {10 * c.target_level}")
    req = spec.requirements
    musts += [
        f"p.years_product >= {tenths(req.min_years_product)}",
        f"p.years_leadership >= {tenths(req.min_years_leadership)}",
        f"p.education >= {EDUCATION_RANK[req.education]}",
    ]
    # Only integers of the spec and column names are interpolated.
    return f"""
        SELECT p.candidate_id,
               (({" + ".join(terms)}) * 10 + {3 * total}) / {6 * total} AS score10,
               CASE WHEN {" AND ".join(musts)} THEN 1 ELSE 0 END AS met
        FROM match_profiles p
        LEFT JOIN interview_levels i
               ON i.candidate_id = p.candidate_id AND i.organisation_id = :organisation
        WHERE p.organisation_id = :organisation
        ORDER BY met DESC, score10 DESC, p.candidate_id
        LIMIT {PAGE_SIZE}
    """  # noqa: S608


# --- timing --------------------------------------------------------------------------------------


def _median_ms(call: Callable[[], Any]) -> tuple[float, Any]:
    """Median wall time of RUNS calls, each in a fresh session (as a request gets), after one
    warm-up call; and the last result."""
    result = call()
    db.session.remove()
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        result = call()
        times.append((time.perf_counter() - started) * 1000)
        db.session.remove()
    return round(statistics.median(times), 1), result


def _rss_kb(field: str) -> int | None:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _reset_peak_rss() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")  # resets VmHWM, the peak resident set size
        return True
    except OSError:
        return False


def _server(session: Session) -> str:
    dialect = session.get_bind().dialect
    return f"{dialect.name} {'.'.join(str(part) for part in dialect.server_version_info)}"


def measure(session: Session, organisation_id: int, scorecard_id: int) -> dict[str, Any]:
    """The timings of one benchmark organisation and scorecard."""
    actor = Actor(organisation_id=organisation_id, scopes=frozenset(SCOPES))
    dialect = session.get_bind().dialect.name
    _, spec = matching.matched_spec(session, actor, scorecard_id)
    changes = _what_if(spec)
    first_slug = spec.criteria[0].competency
    floor = text(floor_sql(dialect, spec))

    def service():
        page = matching.board(session, actor, scorecard_id, matching.MatchFilter(), 1, PAGE_SIZE)
        return page.page

    def whatif():
        return matching.board(
            session, actor, scorecard_id, matching.MatchFilter(), 1, PAGE_SIZE, changes
        ).page

    def sql():
        return session.execute(floor, {"organisation": organisation_id}).all()

    def pool(criteria: CandidateFilter):
        return lambda: candidates.candidate_page(session, actor, criteria, 1, POOL_PAGE_SIZE)

    pool_filter = CandidateFilter(competency=first_slug, min_level=4)
    measuring_rss = _reset_peak_rss()
    rss_before = _rss_kb("VmRSS")
    service_ms, ranked = _median_ms(service)
    whatif_ms, whatif_page = _median_ms(whatif)
    sql_ms, floor_rows = _median_ms(sql)
    pool_ms, pool_page = _median_ms(pool(pool_filter))
    pool_all_ms, _ = _median_ms(pool(CandidateFilter()))
    rss_growth = (_rss_kb("VmHWM") - rss_before) / 1024 if measuring_rss and rss_before else None

    served = [(match.candidate_id, round(match.score * 10)) for _, _, match in ranked.rows]
    by_hand = [(row.candidate_id, row.score10) for row in floor_rows]
    if served != by_hand:
        raise BenchmarkError(
            "The service and the hand-written SQL disagree on the top "
            f"{PAGE_SIZE}:\n service {served[:10]}...\n sql     {by_hand[:10]}..."
        )

    tracemalloc.start()
    for call in (service, whatif, sql, pool(pool_filter)):
        call()
        db.session.remove()
    _, python_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    return {
        "database": _server(session),
        "service_median_ms": service_ms,
        "whatif_median_ms": whatif_ms,
        "sql_median_ms": sql_ms,
        "ratio": round(service_ms / sql_ms, 2),
        "whatif_ratio": round(whatif_ms / sql_ms, 2),
        "total": ranked.total,
        "whatif_total": whatif_page.total,
        "pool_filter_median_ms": pool_ms,
        "pool_filter_total": pool_page.total,
        "pool_unfiltered_median_ms": pool_all_ms,
        # The larger of the peak resident set growth during the timed runs and the peak of
        # Python allocations during one more run of each (memory freed earlier is reused, so
        # the resident set alone can hide what a run allocates).
        "peak_memory_growth_mb": round(max(rss_growth or 0, python_peak / 2**20), 1),
        "rss_peak_growth_mb": None if rss_growth is None else round(rss_growth, 1),
        "python_peak_allocated_mb": round(python_peak / 2**20, 1),
    }


BOARD_RECRUITER_PASSWORD = "bench-board-recruiter-2026"  # noqa: S105  (a benchmark-only account)


def board_page_ms(app, session: Session, organisation_id: int, scorecard_id: int) -> float:
    """The median time of the board page (first page, signed in, full HTML) over HTTP semantics:
    routing, sign-in session, the ranking, rendering."""
    email = f"board-recruiter-{organisation_id}@bench.example"
    if session.scalar(select(User.id).where(User.email == email)) is None:
        accounts.create_user(
            session,
            email=email,
            password=BOARD_RECRUITER_PASSWORD,
            role="recruiter",
            name="Board recruiter",
            organisation=session.get(Organisation, organisation_id),
        )
        session.commit()
    client = app.test_client()
    signed_in = client.post("/signin", data={"email": email, "password": BOARD_RECRUITER_PASSWORD})
    if signed_in.status_code != 303:
        raise BenchmarkError(f"The benchmark recruiter was not signed in: {signed_in.status}.")
    url = f"/scorecards/{scorecard_id}/matches"

    def page():
        response = client.get(url)
        if response.status_code != 200:
            raise BenchmarkError(f"{url} answered {response.status_code}.")
        return response

    milliseconds, _ = _median_ms(page)
    return milliseconds


# The tables candidate writes churn, and the ranking and the pool read.
VACUUMED = ("candidates", "assessments", "match_profiles", "interview_levels")


def _vacuum() -> None:
    """On PostgreSQL, what autovacuum would soon do after a bulk load: statistics for the
    planner and the visibility map that lets counts read indexes only."""
    if db.engine.dialect.name != "postgresql":
        return
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        vacuum_tables(connection)


def vacuum_tables(connection) -> None:
    """VACUUM (ANALYZE) each of VACUUMED on an AUTOCOMMIT connection."""
    for table in VACUUMED:
        connection.execute(text(f"VACUUM (ANALYZE) {table}"))


def run(candidates_wanted: int, competencies: int, database_url: str) -> dict[str, Any]:
    """Build (or reuse) the synthetic rows in `database_url` and time the ranking over them."""
    framework = read_framework_file()
    available = len(framework["competencies"])
    if not 1 <= competencies <= available:
        raise BenchmarkError(
            f"--competencies must be from 1 to {available} (the framework's competencies); "
            f"got {competencies}."
        )
    # CSRF off: the benchmark signs in through the test client without reading the form.
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "WTF_CSRF_ENABLED": False})
    with app.app_context():
        try:
            upgrade(directory=str(PROJECT_ROOT / "migrations"))
            load_framework(db.session, framework)
            started = time.perf_counter()
            organisation_id, have = _organisation(db.session, candidates_wanted)
            if have > candidates_wanted:
                raise BenchmarkError(f"bench-match-{candidates_wanted} holds {have} candidates.")
            _build(db.session, organisation_id, have, candidates_wanted)
            actor = Actor(organisation_id=organisation_id, scopes=frozenset(SCOPES))
            scorecard_id = _scorecard(db.session, actor, competencies)
            if have < candidates_wanted:
                _vacuum()
            build_seconds = time.perf_counter() - started
            db.session.remove()
            figures = measure(db.session, organisation_id, scorecard_id)
            figures["board_page_median_ms"] = board_page_ms(
                app, db.session, organisation_id, scorecard_id
            )
        finally:
            db.session.remove()
            db.engine.dispose()
    return {
        "candidates": candidates_wanted,
        "competencies": competencies,
        "reused": have == candidates_wanted,
        "build_seconds": round(build_seconds, 1),
        "cpus": os.cpu_count(),
        **figures,
    }
