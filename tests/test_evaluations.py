"""Evaluations against CONTRACT: submitted ratings replace self-assessed levels in the match
(mean of the organisation's submitted, not superseded ratings, rounded half up to 1 decimal),
supersession, the independence rule, and refusals that change nothing; on either database."""

import uuid

import pytest
from sqlalchemy import func, select

from portal.models import Evaluation, Organisation, User
from portal.services import (
    accounts,
    candidates,
    evaluations,
    interviews,
    match_profiles,
    matching,
    scorecards,
)
from portal.services.access import Actor
from portal.services.errors import Conflict, Forbidden, NotFound, ValidationFailed
from tests.conftest import PASSWORD, unique_email

FOCUS = ["product-strategy", "team-leadership", "stakeholder-communication"]


@pytest.fixture
def world(session, make_recruiter):
    """An organisation with a recruiter, two interviewers, a published scorecard of three
    competencies and a candidate who assessed themselves."""
    made = make_recruiter()
    recruiter = Actor.for_user(
        session.scalar(select(User).where(User.email == made.recruiter_email))
    )
    organisation = session.get(Organisation, made.organisation_id)
    people = []
    for label in ("ada", "bo"):
        user = accounts.create_user(
            session,
            email=unique_email(label),
            password=PASSWORD,
            role="interviewer",
            name=label.title(),
            organisation=organisation,
        )
        people.append(user)
    session.commit()
    scorecard = scorecards.create_scorecard(
        session,
        recruiter,
        {
            "title": "CPO",
            "competencies": [
                {"competency": FOCUS[0], "weight": 3, "target_level": 4, "must_have": True},
                {"competency": FOCUS[1], "weight": 2, "target_level": 4, "must_have": False},
                {"competency": FOCUS[2], "weight": 1, "target_level": 3, "must_have": False},
            ],
        },
    )
    scorecards.publish(session, recruiter, scorecard.id, scorecard.revision)
    candidate = candidates.create_candidate(
        session,
        recruiter,
        {
            "name": "Casey",
            "email": unique_email("casey"),
            "assessments": [
                {"competency": FOCUS[0], "level": 5},
                {"competency": FOCUS[1], "level": 2},
            ],
        },
    )
    return {
        "recruiter": recruiter,
        "interviewers": [Actor.for_user(user) for user in people],
        "emails": [user.email for user in people],
        "scorecard": scorecard.id,
        "candidate": candidate.id,
    }


def rating(slug: str, value: int | None, note: str = "") -> dict:
    return {"competency": slug, "rating": value, "note": note}


def submit(session, world, actor, ratings, **extra):
    return evaluations.submit(
        session,
        actor,
        world["scorecard"],
        world["candidate"],
        {"ratings": ratings, "recommendation": "yes", "summary": "Solid.", **extra},
    )


def score(session, world) -> matching.Match:
    return matching.candidate_match(
        session, world["recruiter"], world["scorecard"], world["candidate"]
    )[-1]


def predicted(levels: dict[str, float]) -> float:
    """CONTRACT's score for the fixture scorecard, from the effective levels."""
    spec = [(FOCUS[0], 3, 4), (FOCUS[1], 2, 4), (FOCUS[2], 1, 3)]
    total = sum(w * min(levels.get(slug, 0) / t, 1) for slug, w, t in spec)
    return round(100 * total / 6 + 1e-9, 1)


def test_each_submission_moves_the_score_as_the_formula_predicts(session, world):
    recruiter = world["recruiter"]
    assert score(session, world).score == predicted({FOCUS[0]: 5, FOCUS[1]: 2})

    submit(
        session,
        world,
        recruiter,
        [rating(FOCUS[0], 3), rating(FOCUS[2], 2)],
        interviewer=world["emails"][0],
    )
    match = score(session, world)
    assert match.score == predicted({FOCUS[0]: 3, FOCUS[1]: 2, FOCUS[2]: 2})
    sources = {gap.competency: gap.source for gap in match.gaps}
    assert sources[FOCUS[0]] == "interview"
    assert sources[FOCUS[1]] == "self"

    submit(
        session,
        world,
        recruiter,
        [rating(FOCUS[0], 4), rating(FOCUS[1], 3)],
        interviewer=world["emails"][1],
    )
    # 3 and 4 -> 3.5; the self-assessed 2 gives way to the single interview rating 3.
    assert score(session, world).score == predicted({FOCUS[0]: 3.5, FOCUS[1]: 3, FOCUS[2]: 2})
    assert world["candidate"] not in match_profiles.stale_candidates(session)


def test_means_round_half_up_to_one_decimal(session, world):
    staff = world["recruiter"]
    extra = accounts.create_user(
        session,
        email=unique_email("cy"),
        password=PASSWORD,
        role="recruiter",
        organisation=session.get(Organisation, staff.organisation_id),
    )
    session.commit()
    for email, value in zip([*world["emails"], extra.email], (3, 3, 4), strict=True):
        submit(session, world, staff, [rating(FOCUS[1], value)], interviewer=email)
    levels = {gap.competency: gap.level for gap in score(session, world).gaps}
    assert levels[FOCUS[1]] == 3.3  # 10 / 3 = 3.33...


def test_a_correction_supersedes_and_the_old_ratings_stop_counting(session, world):
    staff = world["recruiter"]
    first = submit(session, world, staff, [rating(FOCUS[0], 1)], interviewer=world["emails"][0])
    with pytest.raises(Conflict, match="already submitted"):
        submit(session, world, staff, [rating(FOCUS[0], 4)], interviewer=world["emails"][0])
    second = submit(
        session,
        world,
        staff,
        [rating(FOCUS[0], 4)],
        interviewer=world["emails"][0],
        supersedes=first.id,
    )
    assert session.get(Evaluation, first.id).status == "superseded"
    assert second.supersedes_id == first.id
    assert {g.competency: g.level for g in score(session, world).gaps}[FOCUS[0]] == 4
    with pytest.raises(Conflict, match="already superseded"):
        submit(
            session,
            world,
            staff,
            [rating(FOCUS[0], 2)],
            interviewer=world["emails"][0],
            supersedes=first.id,
        )
    history = evaluations.evaluations_for(session, staff, world["scorecard"], world["candidate"])
    assert [(e.id, e.status) for e in history] == [
        (first.id, "superseded"),
        (second.id, "submitted"),
    ]


def test_another_interviewers_evaluation_cannot_be_superseded(session, world):
    staff = world["recruiter"]
    theirs = submit(session, world, staff, [rating(FOCUS[0], 2)], interviewer=world["emails"][0])
    with pytest.raises(ValidationFailed) as refused:
        submit(
            session,
            world,
            staff,
            [rating(FOCUS[0], 5)],
            interviewer=world["emails"][1],
            supersedes=theirs.id,
        )
    assert "supersedes" in refused.value.errors


@pytest.mark.parametrize(
    ("ratings", "field"),
    [
        ([rating("data-driven-decision-making", 3)], "ratings.0.competency"),
        ([rating(FOCUS[0], 6)], "ratings.0.rating"),
        ([rating(FOCUS[0], 0)], "ratings.0.rating"),
        ([rating(FOCUS[0], True)], "ratings.0.rating"),
        ([rating(FOCUS[0], "4")], "ratings.0.rating"),
        ([rating(FOCUS[0], 3), rating(FOCUS[0], 4)], "ratings.1.competency"),
        ([], "ratings"),
        ("4", "ratings"),
    ],
)
def test_bad_ratings_are_refused_and_change_nothing(session, world, ratings, field):
    before = session.scalar(select(func.count()).select_from(Evaluation))
    with pytest.raises(ValidationFailed) as refused:
        submit(session, world, world["recruiter"], ratings, interviewer=world["emails"][0])
    assert field in refused.value.errors
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Evaluation)) == before


def test_interviewer_must_be_staff_of_the_organisation(session, world, make_recruiter):
    outsider = make_recruiter()
    with pytest.raises(ValidationFailed) as refused:
        submit(
            session,
            world,
            world["recruiter"],
            [rating(FOCUS[0], 3)],
            interviewer=outsider.recruiter_email,
        )
    assert "interviewer" in refused.value.errors


def test_a_never_published_scorecard_cannot_be_rated(session, world):
    draft = scorecards.create_scorecard(session, world["recruiter"], {"title": "Draft"})
    with pytest.raises(ValidationFailed, match="never been published"):
        evaluations.submit(
            session,
            world["recruiter"],
            draft.id,
            world["candidate"],
            {"ratings": [rating(FOCUS[0], 3)], "recommendation": "no"},
        )


def test_interviewers_rate_only_what_is_assigned_to_them(session, world):
    ada, bo = world["interviewers"]
    with pytest.raises(NotFound):
        submit(session, world, ada, [rating(FOCUS[0], 3)])
    interviews.assign(
        session,
        world["recruiter"],
        world["scorecard"],
        world["candidate"],
        world["emails"][0],
        FOCUS[:2],
    )
    with pytest.raises(Forbidden):
        submit(session, world, ada, [rating(FOCUS[0], 3)], interviewer=world["emails"][1])
    assert submit(session, world, ada, [rating(FOCUS[0], 3)]).interviewer_id == ada.user_id
    with pytest.raises(Forbidden):
        scorecards.get_scorecard(session, ada, world["scorecard"])
    with pytest.raises(Forbidden):
        candidates.get_candidate(session, ada, world["candidate"])


def test_an_interviewer_sees_the_others_only_after_submitting(session, world):
    recruiter = world["recruiter"]
    ada, bo = world["interviewers"]
    for email in world["emails"]:
        interviews.assign(session, recruiter, world["scorecard"], world["candidate"], email, FOCUS)
    plan = interviews.plan(session, recruiter, world["scorecard"], world["candidate"])
    ada_interview, bo_interview = plan.interviews
    evaluations.save_draft(
        session,
        ada,
        ada_interview.id,
        {"ratings": [rating(FOCUS[0], 4, "Clear strategy")], "recommendation": "yes"},
    )
    evaluations.submit_draft(session, ada, ada_interview.id)

    kit = evaluations.kit(session, bo, bo_interview.id)
    assert kit.others_hidden
    assert kit.others == []
    assert evaluations.evaluations_for(session, bo, world["scorecard"], world["candidate"]) == []
    evaluations.save_draft(
        session, bo, bo_interview.id, {"ratings": [rating(FOCUS[0], 2)], "recommendation": "no"}
    )
    # Bo's draft is private: neither Ada nor the recruiter sees it.
    assert evaluations.kit(session, ada, ada_interview.id).others == []
    assert (
        len(evaluations.evaluations_for(session, recruiter, world["scorecard"], world["candidate"]))
        == 1
    )
    evaluations.submit_draft(session, bo, bo_interview.id)
    kit = evaluations.kit(session, bo, bo_interview.id)
    assert not kit.others_hidden
    assert [e.interviewer_id for e in kit.others] == [ada.user_id]
    with pytest.raises(NotFound):
        evaluations.kit(session, bo, ada_interview.id)

    evidence = evaluations.interview_evidence(
        session, recruiter, candidates.get_candidate(session, recruiter, world["candidate"])
    )
    strategy = evidence.competencies[FOCUS[0]]
    assert (strategy.self_level, strategy.interview_level, strategy.flagged) == (5, 3, True)
    assert dict(evidence.recommendations) == {"yes": 1, "no": 1}


def test_a_submitted_kit_is_final_and_a_correction_supersedes_it(session, world):
    recruiter = world["recruiter"]
    ada = world["interviewers"][0]
    interview = interviews.assign(
        session, recruiter, world["scorecard"], world["candidate"], world["emails"][0], FOCUS
    )
    evaluations.save_draft(session, ada, interview.id, {"ratings": [rating(FOCUS[0], None)]})
    with pytest.raises(ValidationFailed) as refused:
        evaluations.submit_draft(session, ada, interview.id)
    assert set(refused.value.errors) == {"ratings", "recommendation"}
    evaluations.save_draft(
        session, ada, interview.id, {"ratings": [rating(FOCUS[0], 2)], "recommendation": "no"}
    )
    first = evaluations.submit_draft(session, ada, interview.id)
    with pytest.raises(Conflict):
        evaluations.save_draft(session, ada, interview.id, {"ratings": [rating(FOCUS[0], 5)]})
    draft = evaluations.start_correction(session, ada, interview.id)
    assert [(r.rating, r.competency.slug) for r in draft.ratings] == [(2, FOCUS[0])]
    evaluations.save_draft(
        session, ada, interview.id, {"ratings": [rating(FOCUS[0], 4)], "recommendation": "yes"}
    )
    second = evaluations.submit_draft(session, ada, interview.id)
    assert second.supersedes_id == first.id
    assert session.get(Evaluation, first.id).status == "superseded"
    assert {g.competency: g.level for g in score(session, world).gaps}[FOCUS[0]] == 4


def test_plan_warns_about_uncovered_competencies_and_lone_must_haves(session, world):
    recruiter = world["recruiter"]
    interviews.assign(
        session, recruiter, world["scorecard"], world["candidate"], world["emails"][0], FOCUS[:2]
    )
    plan = interviews.plan(session, recruiter, world["scorecard"], world["candidate"])
    assert [entry["competency"] for entry in plan.uncovered] == [FOCUS[2]]
    assert [entry["competency"] for entry in plan.probed_once] == [FOCUS[0]]
    with pytest.raises(ValidationFailed):
        interviews.assign(
            session,
            recruiter,
            world["scorecard"],
            world["candidate"],
            world["emails"][1],
            ["data-driven-decision-making"],
        )


def test_interview_evidence_stays_with_the_organisation_that_gathered_it(
    session, world, make_recruiter
):
    """A shared, self-registered candidate: the second organisation ranks by self levels."""
    email = unique_email("shared")
    user = accounts.register_candidate(session, email=email, password=PASSWORD, name="Sam")
    me = Actor.for_user(user)
    profile = candidates.own_profile(session, user)
    candidates.update_candidate(
        session,
        me,
        profile.id,
        {"assessments": [{"competency": FOCUS[0], "level": 2}]},
        profile.revision,
    )
    first = session.get(Organisation, world["recruiter"].organisation_id)
    candidates.share_with(session, user, first.slug)
    evaluations.submit(
        session,
        world["recruiter"],
        world["scorecard"],
        profile.id,
        {
            "ratings": [rating(FOCUS[0], 5)],
            "recommendation": "strong_yes",
            "interviewer": world["emails"][0],
        },
    )
    other = make_recruiter(organisation_name=f"Other {uuid.uuid4().hex[:6]}")
    candidates.share_with(session, user, other.slug)
    theirs = Actor.for_user(session.scalar(select(User).where(User.email == other.recruiter_email)))
    their_card = scorecards.create_scorecard(
        session,
        theirs,
        {
            "title": "CPO",
            "competencies": [
                {"competency": FOCUS[0], "weight": 1, "target_level": 5, "must_have": False}
            ],
        },
    )
    ours = matching.candidate_match(session, world["recruiter"], world["scorecard"], profile.id)[-1]
    theirs_match = matching.candidate_match(session, theirs, their_card.id, profile.id)[-1]
    assert {g.competency: (g.level, g.source) for g in ours.gaps}[FOCUS[0]] == (5, "interview")
    assert [(g.level, g.source) for g in theirs_match.gaps] == [(2, "self")]
    document = candidates.get_candidate(session, theirs, profile.id)
    assert evaluations.interview_assessments(session, theirs, document) == []
    assert evaluations.interview_assessments(session, me, document) == []
    readiness = matching.readiness(session, user)
    for role in readiness:
        assert all(gap.source != "interview" for gap in role.match.gaps)


def test_the_demo_has_an_interview_plan_with_one_kit_submitted(app, runner, session):
    for _ in range(2):  # idempotent
        result = runner.invoke(args=["seed", "--demo"])
        assert result.exit_code == 0
    assert "interviewer ivy@acme.example" in result.output
    ivy, ian = (
        Actor.for_user(session.scalar(select(User).where(User.email == email)))
        for email in ("ivy@acme.example", "ian@acme.example")
    )
    todo = {item.status for item in interviews.interviews_to_do(session, ivy)}
    assert todo == {"submitted"}
    assert {item.status for item in interviews.interviews_to_do(session, ian)} == {"not started"}
    assert (
        session.scalar(
            select(func.count())
            .select_from(Evaluation)
            .where(Evaluation.interviewer_id == ivy.user_id)
        )
        == 1
    )


def test_concurrent_submissions_all_count_and_a_double_submit_gets_one_answer(app, world):
    """Interviewers submitting at the same moment: every rating reaches the interview level;
    the same interviewer submitting twice at once gets one 201 and one conflict, never a 500."""
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    from portal.extensions import db

    ada, bo = world["emails"]
    racers = [(ada, 5), (bo, 2), (ada, 4)]
    start = Barrier(len(racers))

    def race(racer: tuple[str, int]) -> str:
        email, value = racer
        with app.app_context():
            start.wait()
            try:
                submit(
                    db.session,
                    world,
                    world["recruiter"],
                    [rating(FOCUS[1], value)],
                    interviewer=email,
                )
                return "created"
            except Conflict:
                return "conflict"
            finally:
                db.session.remove()

    with ThreadPoolExecutor(len(racers)) as pool:
        outcomes = sorted(pool.map(race, racers))
    assert outcomes == ["conflict", "created", "created"]
    with app.app_context():
        assert world["candidate"] not in match_profiles.stale_candidates(db.session)
        gaps = matching.candidate_match(
            db.session, world["recruiter"], world["scorecard"], world["candidate"]
        )[-1].gaps
        # Bo's 2 and whichever of Ada's two won: (5 + 2) / 2 or (4 + 2) / 2.
        assert {g.competency: g.level for g in gaps}[FOCUS[1]] in (3.5, 3.0)
        db.session.remove()
