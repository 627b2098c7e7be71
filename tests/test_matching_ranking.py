"""The live ranking in SQL agrees with the formula, and the ranking rows follow every write.

Random pools (fixed seeds) of the organisation's own candidates, shared self-registered ones and
a few with interview levels are ranked in SQL and compared with `evaluate` run on every
visible candidate, on whichever database the suite runs on.
"""

import random
import uuid

import pytest
from sqlalchemy import select

from portal.models import Candidate, User
from portal.services import candidates, evaluations, match_profiles, matching, scorecards
from portal.services.access import Actor
from portal.services.matching import MatchFilter

EDUCATION = ("none", "bachelor", "master", "doctorate")


def recruiter(session, organisation) -> Actor:
    return Actor.for_user(
        session.scalar(select(User).where(User.email == organisation.recruiter_email))
    )


def matching_slots(session) -> dict[str, int]:
    return {slug: entry.slot for slug, entry in matching._framework_entries(session).items()}


def random_profile(rng: random.Random, slugs: list[str], name: str) -> dict:
    return {
        "name": name,
        "years_product": rng.randint(0, 150) / 10,
        "years_leadership": rng.randint(0, 80) / 10,
        "education": rng.choice(EDUCATION),
        "assessments": [
            {"competency": slug, "level": rng.randint(0, 5)}
            for slug in slugs
            if rng.random() < 0.85
        ],
    }


def interview(session, actor: Actor, candidate_id: int, slug: str, rating: int) -> None:
    """A submitted evaluation (against a one-competency scorecard) rating the candidate."""
    card = scorecards.create_scorecard(
        session,
        actor,
        {
            "title": "Interview",
            "competencies": [
                {"competency": slug, "weight": 1, "target_level": 5, "must_have": False}
            ],
        },
    )
    scorecards.publish(session, actor, card.id, card.revision)
    evaluations.submit(
        session,
        actor,
        card.id,
        candidate_id,
        {"ratings": [{"competency": slug, "rating": rating}], "recommendation": "yes"},
    )


def random_spec(rng: random.Random, session, slugs: list[str]) -> dict:
    chosen = rng.sample(slugs, rng.randint(1, 12))
    return {
        "competencies": [
            {
                "competency": slug,
                "weight": rng.randint(1, 5),
                "target_level": rng.randint(1, 5),
                "must_have": rng.random() < 0.3,
            }
            for slug in chosen
        ],
        "requirements": {
            "min_years_product": rng.choice([0, 2, 5.5, 8]),
            "min_years_leadership": rng.choice([0, 1, 3]),
            "education": rng.choice(EDUCATION),
        },
    }


@pytest.fixture
def pool(session, make_recruiter, make_candidate):
    """An organisation with 40 random candidates (some tied, a few interviewed), 3 shared
    self-registered candidates, and another organisation's candidates that must never show."""
    rng = random.Random(20261127)
    org, other = make_recruiter(), make_recruiter()
    actor, other_actor = recruiter(session, org), recruiter(session, other)
    slugs = sorted(matching_slots(session))
    ids, values = [], {}
    for number in range(40):
        if number % 10 != 9:
            values = random_profile(rng, slugs, f"Pool {number}")
        # every tenth candidate is a twin of the one before: ties go to the lower id
        ids.append(
            candidates.create_candidate(session, actor, {**values, "name": f"Pool {number}"}).id
        )
    for candidate_id in ids[:4]:
        interview(session, actor, candidate_id, rng.choice(slugs), rng.randint(1, 5))
    for _ in range(3):
        user = session.scalar(select(User).where(User.email == make_candidate()))
        profile = candidates.own_profile(session, user)
        candidates.update_candidate(
            session, Actor.for_user(user), profile.id, random_profile(rng, slugs, "Shared"), 1
        )
        candidates.share_with(session, user, org.slug)
        ids.append(profile.id)
    for number in range(3):
        candidates.create_candidate(
            session, other_actor, random_profile(rng, slugs, f"Other {number}")
        )
    return org, actor, ids, rng, slugs


def expected_ranking(session, spec, organisation_id, ids, keep=lambda match: True):
    known = matching.profiles(session, ids, organisation_id)
    steps = matching.path_steps(session)
    matches = [matching.evaluate(spec, known[cid], steps) for cid in ids]
    matches = [m for m in matches if keep(m)]
    matches.sort(key=lambda m: (not m.must_haves_met, -m.score, m.candidate_id))
    return [(m.candidate_id, m.score, m.must_haves_met, m.verdict) for m in matches]


NO_FILTER = MatchFilter()


def passes(criteria: MatchFilter):
    """Whether a match passes the filter, said in Python."""

    def keep(match) -> bool:
        return (
            (not criteria.verdicts or match.verdict in criteria.verdicts)
            and (criteria.must_haves_met is None or match.must_haves_met == criteria.must_haves_met)
            and (criteria.min_score is None or match.score >= criteria.min_score)
        )

    return keep


def ranked(session, organisation_id, spec, criteria=NO_FILTER, page_size=100):
    page = matching.rank(session, organisation_id, spec, criteria, 1, page_size)
    return page, [(c.id, m.score, m.must_haves_met, m.verdict) for _, c, m in page.rows]


def test_sql_ranking_agrees_with_the_formula_on_random_scorecards(session, pool):
    org, _, ids, rng, slugs = pool
    for _ in range(8):
        spec = matching.spec_from_document(session, random_spec(rng, session, slugs))
        page, got = ranked(session, org.organisation_id, spec)
        assert got == expected_ranking(session, spec, org.organisation_id, ids)
        assert page.total == len(ids)


def test_sql_scores_equal_the_formula_row_by_row(session, pool):
    org, _, ids, rng, slugs = pool
    spec = matching.spec_from_document(session, random_spec(rng, session, slugs))
    statement = matching.ranking_statement(spec, MatchFilter())
    sql = {
        row.candidate_id: (row.score10 / 10, bool(row.met))
        for row in session.execute(statement, {matching.ORGANISATION: org.organisation_id})
    }
    formula = {
        cid: (score, met)
        for cid, score, met, _ in expected_ranking(session, spec, org.organisation_id, ids)
    }
    assert sql == formula


@pytest.mark.parametrize(
    "criteria",
    [
        MatchFilter(verdicts=("not_ready",)),
        MatchFilter(verdicts=("ready", "ready_with_gaps")),
        MatchFilter(must_haves_met=True),
        MatchFilter(must_haves_met=False),
        MatchFilter(min_score=55.5),
        MatchFilter(verdicts=("ready_with_gaps",), min_score=70),
    ],
)
def test_filters_run_in_sql_and_agree_with_the_formula(session, pool, criteria):
    org, _, ids, _, _ = pool
    # A lenient scorecard, so that every verdict occurs in the pool.
    spec = matching.spec_from_document(
        session,
        {
            "competencies": [
                {
                    "competency": "product-strategy",
                    "weight": 5,
                    "target_level": 3,
                    "must_have": True,
                },
                {"competency": "team-leadership", "weight": 3, "target_level": 2},
                {"competency": "market-competitive-analysis", "weight": 1, "target_level": 4},
            ],
            "requirements": {
                "min_years_product": 2,
                "min_years_leadership": 0,
                "education": "none",
            },
        },
    )

    expected = expected_ranking(session, spec, org.organisation_id, ids, passes(criteria))
    page, got = ranked(session, org.organisation_id, spec, criteria)
    assert got == expected
    assert page.total == len(expected)
    verdicts = {v for *_, v in expected_ranking(session, spec, org.organisation_id, ids)}
    assert verdicts == set(matching.VERDICTS)


def test_pages_continue_the_same_order_and_a_page_past_the_end_is_empty(session, pool):
    org, _, ids, rng, slugs = pool
    spec = matching.spec_from_document(session, random_spec(rng, session, slugs))
    whole = expected_ranking(session, spec, org.organisation_id, ids)
    pages = [
        matching.rank(session, org.organisation_id, spec, MatchFilter(), n, 10)
        for n in (1, 2, 3, 4, 5, 6)
    ]
    assert [c.id for p in pages for _, c, _ in p.rows] == [cid for cid, *_ in whole]
    assert [rank for p in pages for rank, _, _ in p.rows] == list(range(1, len(ids) + 1))
    assert pages[-1].rows == []
    assert pages[-1].total == len(ids)


@pytest.mark.parametrize("page_size", [7, 43, 50])
@pytest.mark.parametrize(
    "criteria", [NO_FILTER, MatchFilter(must_haves_met=False), MatchFilter(min_score=101)]
)
def test_every_page_gives_the_same_total_as_the_whole_ranking(session, pool, criteria, page_size):
    """Short last pages, a first page holding everything, an empty first page and pages past
    the end all tell how many match."""
    org, _, ids, rng, slugs = pool
    spec = matching.spec_from_document(session, random_spec(rng, session, slugs))
    whole = expected_ranking(session, spec, org.organisation_id, ids, passes(criteria))
    pages = [
        matching.rank(session, org.organisation_id, spec, criteria, number, page_size)
        for number in range(1, len(ids) // page_size + 3)
    ]
    assert [c.id for p in pages for _, c, _ in p.rows] == [cid for cid, *_ in whole]
    assert {p.total for p in pages} == {len(whole)}


def test_interview_levels_override_self_levels_for_their_organisation_only(
    session, pool, make_recruiter
):
    org, actor, ids, _, _ = pool
    spec = matching.spec_from_document(
        session,
        {
            "competencies": [{"competency": "product-strategy", "weight": 1, "target_level": 5}],
            "requirements": {
                "min_years_product": 0,
                "min_years_leadership": 0,
                "education": "none",
            },
        },
    )
    shared = ids[-1]
    owner = session.get(Candidate, shared)
    interview(session, actor, shared, "product-strategy", 4)
    rows = {cid: score for cid, score, *_ in ranked(session, org.organisation_id, spec)[1]}
    assert rows[shared] == 80.0  # 4 / 5
    # Another organisation the candidate shares with sees the self-assessed level.
    elsewhere = make_recruiter()
    user = session.get(User, owner.user_id)
    candidates.share_with(session, user, elsewhere.slug)
    self_level = next(
        (a.level for a in owner.assessments if a.competency.slug == "product-strategy"), 0
    )
    rows = {cid: score for cid, score, *_ in ranked(session, elsewhere.organisation_id, spec)[1]}
    assert rows == {shared: float(self_level * 20)}


def test_ties_are_broken_by_the_lower_candidate_id(session, pool):
    org, _, ids, _, _ = pool
    spec = matching.spec_from_document(
        session,
        {
            "competencies": [
                {"competency": "strategic-partnerships", "weight": 1, "target_level": 1}
            ],
            "requirements": {
                "min_years_product": 0,
                "min_years_leadership": 0,
                "education": "none",
            },
        },
    )
    _, got = ranked(session, org.organisation_id, spec)
    for (first, score, met, _), (second, score2, met2, _) in zip(got, got[1:], strict=False):
        if (score, met) == (score2, met2):
            assert first < second


def test_ranking_rows_follow_every_write_and_equal_a_rebuild(session, pool, make_candidate):
    org, actor, ids, rng, slugs = pool
    for _ in range(30):
        candidate_id = rng.choice(ids[:40])
        current = candidates.get_candidate(session, actor, candidate_id)
        action = rng.choice(["update", "assess", "clear"])
        if action == "update":
            candidates.update_candidate(
                session,
                actor,
                candidate_id,
                random_profile(rng, slugs, current.name),
                current.revision,
            )
        elif action == "assess":
            entry = {"competency": rng.choice(slugs), "level": rng.randint(0, 5), "evidence": "x"}
            candidates.assess(session, actor, candidate_id, entry, current.revision)
        else:
            candidates.update_candidate(
                session, actor, candidate_id, {"assessments": []}, current.revision
            )
    doomed = candidates.get_candidate(session, actor, ids[5])
    candidates.delete_candidate(session, actor, doomed.id, doomed.revision)
    user = session.scalar(select(User).where(User.email == make_candidate()))
    # A brand-new empty profile has its row too (its id read now: the check below expunges
    # the session's objects once the database holds more than a batch of candidates).
    fresh_id = candidates.own_profile(session, user).id
    session.expire_all()
    # Other tests of the run write interview levels straight into the ranking rows.
    assert set(match_profiles.stale_candidates(session)) & {*ids, fresh_id} == set()


def test_a_rebuild_repairs_rows_that_drifted(session, pool):
    org, _, ids, _, _ = pool
    row = session.get(matching.MatchProfile, ids[0])
    row.years_product = 999
    session.commit()
    assert ids[0] in match_profiles.stale_candidates(session)
    match_profiles.rebuild(session)
    assert match_profiles.stale_candidates(session) == []


def test_bulk_imported_candidates_are_ranked(session, pool, app):
    from portal.services.bulk_import import CSV_COLUMNS, run_job, start_import

    org, actor, ids, _, _ = pool
    header = ",".join(CSV_COLUMNS)
    values = dict.fromkeys(CSV_COLUMNS, "")
    values.update(
        name=f"Imported {uuid.uuid4().hex[:6]}",
        years_product="9",
        years_leadership="4",
        education="master",
    )
    values["product-strategy"] = "5"
    data = (header + "\n" + ",".join(str(values[c]) for c in CSV_COLUMNS) + "\n").encode()
    schema_path = app.config["JSON_RESUME_SCHEMA"]
    job = start_import(session, actor, "pool.csv", data, schema_path)
    run_job(session, job.id, schema_path)
    session.expire_all()
    spec = matching.spec_from_document(
        session,
        {
            "competencies": [
                {
                    "competency": "product-strategy",
                    "weight": 1,
                    "target_level": 5,
                    "must_have": True,
                }
            ],
            "requirements": {
                "min_years_product": 8,
                "min_years_leadership": 3,
                "education": "master",
            },
        },
    )
    page, got = ranked(session, org.organisation_id, spec, MatchFilter(verdicts=("ready",)))
    imported = next(c for _, c, _ in page.rows if c.name == values["name"])
    # Other tests of the run write interview levels straight into the ranking rows.
    assert imported.id not in match_profiles.stale_candidates(session)
