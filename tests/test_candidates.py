"""Candidate rules, called as the pages and the API call them: with an Actor and a session.

Who sees a profile (its organisation; a self-registered candidate's chosen organisations), who
may change it, and the rules a profile follows (years, self-assessments, revisions).
"""

import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.models import ApiKey, Assessment, Candidate, Competency, User
from portal.services import candidates, framework
from portal.services.access import Actor
from portal.services.candidates import CandidateFilter
from portal.services.errors import Forbidden, NotFound, StaleWrite, ValidationFailed

TOTAL_COMPETENCIES = 14


# --- helpers -------------------------------------------------------------------------------------


def user_by_email(session, email: str) -> User:
    return session.scalar(select(User).where(User.email == email))


def recruiter_of(session, organisation) -> Actor:
    return Actor.for_user(user_by_email(session, organisation.recruiter_email))


def key_actor(session, make_api_key, organisation, scopes: list[str]) -> Actor:
    """The Actor of a real API key of `organisation` with `scopes`."""
    make_api_key(organisation.organisation_id, scopes)
    key = session.scalar(
        select(ApiKey)
        .where(ApiKey.organisation_id == organisation.organisation_id)
        .order_by(ApiKey.id.desc())
    )
    assert sorted(key.scopes) == sorted(scopes)
    return Actor.for_api_key(key)


def listed_ids(session, actor: Actor, **criteria) -> list[int]:
    page = candidates.candidate_page(session, actor, CandidateFilter(**criteria), 1, 100)
    return [candidate.id for candidate in page.items]


def reloaded(session, actor: Actor, candidate_id: int) -> Candidate:
    """The candidate as the database has it now (not as this session remembers it)."""
    session.expire_all()
    return candidates.get_candidate(session, actor, candidate_id)


def self_levels(candidate: Candidate) -> dict[str, tuple[float, str]]:
    return {
        a.competency.slug: (a.level, a.evidence)
        for a in candidate.assessments
        if a.source == "self"
    }


def competency(session, slug: str) -> Competency:
    return session.scalar(select(Competency).where(Competency.slug == slug))


def add_interview_assessment(session, candidate_id: int, slug: str, level: float) -> None:
    """An interview result, stored as the evaluations feature would store it."""
    session.add(
        Assessment(
            candidate_id=candidate_id,
            competency_id=competency(session, slug).id,
            source="interview",
            level=level,
            evidence="Panel interview",
        )
    )
    session.commit()


def unique_name(label: str) -> str:
    return f"{label} {uuid.uuid4().hex[:8]}"


@pytest.fixture
def org(make_recruiter):
    return make_recruiter()


@pytest.fixture
def other_org(make_recruiter):
    return make_recruiter()


@pytest.fixture
def candidate_user(session, make_candidate) -> User:
    return user_by_email(session, make_candidate())


# --- visibility ----------------------------------------------------------------------------------


def test_a_recruiter_created_candidate_is_visible_to_its_organisation_only(session, org, other_org):
    mine, theirs = recruiter_of(session, org), recruiter_of(session, other_org)
    name = unique_name("Visible Vera")
    created = candidates.create_candidate(session, mine, {"name": name})

    assert candidates.get_candidate(session, mine, created.id).name == name
    assert listed_ids(session, mine, q=name) == [created.id]

    with pytest.raises(NotFound):
        candidates.get_candidate(session, theirs, created.id)
    assert created.id not in listed_ids(session, theirs)
    assert listed_ids(session, theirs, q=name) == []


def test_a_self_registered_candidate_is_invisible_until_shared_and_after_withdrawal(
    session, org, other_org, candidate_user
):
    profile = candidates.own_profile(session, candidate_user)
    mine, theirs = recruiter_of(session, org), recruiter_of(session, other_org)
    for actor in (mine, theirs):
        with pytest.raises(NotFound):
            candidates.get_candidate(session, actor, profile.id)
        assert profile.id not in listed_ids(session, actor)

    candidates.share_with(session, candidate_user, org.slug)
    assert candidates.get_candidate(session, mine, profile.id).id == profile.id
    assert profile.id in listed_ids(session, mine)
    with pytest.raises(NotFound):
        candidates.get_candidate(session, theirs, profile.id)
    assert profile.id not in listed_ids(session, theirs)
    assert [o.slug for o in candidates.shared_with(session, candidate_user)] == [org.slug]

    candidates.withdraw(session, candidate_user, org.organisation_id)
    with pytest.raises(NotFound):
        candidates.get_candidate(session, mine, profile.id)
    assert profile.id not in listed_ids(session, mine)
    assert candidates.shared_with(session, candidate_user) == []


def test_sharing_twice_keeps_one_share_and_an_unknown_code_is_refused(session, org, candidate_user):
    candidates.share_with(session, candidate_user, org.slug)
    candidates.share_with(session, candidate_user, org.slug)
    assert [o.slug for o in candidates.shared_with(session, candidate_user)] == [org.slug]
    with pytest.raises(ValidationFailed) as failure:
        candidates.share_with(session, candidate_user, "no-such-organisation-" + uuid.uuid4().hex)
    assert "organisation" in failure.value.errors


def test_a_candidate_sees_only_their_own_profile(session, org, candidate_user, make_candidate):
    own = candidates.own_profile(session, candidate_user)
    assert candidates.own_profile(session, candidate_user).id == own.id  # created once
    pooled = candidates.create_candidate(session, recruiter_of(session, org), {"name": "Pooled"})
    someone_else = candidates.own_profile(session, user_by_email(session, make_candidate()))
    me = Actor.for_user(candidate_user)

    assert candidates.get_candidate(session, me, own.id).id == own.id
    for other in (pooled.id, someone_else.id):
        with pytest.raises(NotFound):
            candidates.get_candidate(session, me, other)


def test_recruiters_cannot_change_a_shared_self_registered_profile_but_its_owner_can(
    session, org, make_api_key, candidate_user
):
    profile = candidates.own_profile(session, candidate_user)
    candidates.share_with(session, candidate_user, org.slug)
    recruiter = recruiter_of(session, org)
    integration = key_actor(session, make_api_key, org, ["candidates:read", "candidates:write"])
    revision = profile.revision

    for actor in (recruiter, integration):
        with pytest.raises(Forbidden):
            candidates.update_candidate(
                session, actor, profile.id, {"headline": "Changed by a recruiter"}, revision
            )
        with pytest.raises(Forbidden):
            candidates.delete_candidate(session, actor, profile.id, revision)
        session.rollback()

    unchanged = reloaded(session, recruiter, profile.id)
    assert unchanged.headline == ""
    assert unchanged.revision == revision

    owner = Actor.for_user(candidate_user)
    changed = candidates.update_candidate(
        session, owner, profile.id, {"headline": "VP Product"}, revision
    )
    assert changed.revision == revision + 1
    assert reloaded(session, recruiter, profile.id).headline == "VP Product"


def test_an_api_key_without_candidates_read_is_forbidden(session, org, make_api_key):
    created = candidates.create_candidate(session, recruiter_of(session, org), {"name": "Kept"})
    scorecards_only = key_actor(session, make_api_key, org, ["scorecards:read"])
    with pytest.raises(Forbidden):
        candidates.get_candidate(session, scorecards_only, created.id)
    with pytest.raises(Forbidden):
        candidates.candidate_page(session, scorecards_only, CandidateFilter(), 1, 20)


def test_an_api_key_without_candidates_write_cannot_create_or_change(session, org, make_api_key):
    created = candidates.create_candidate(session, recruiter_of(session, org), {"name": "Kept"})
    read_only = key_actor(session, make_api_key, org, ["candidates:read"])
    assert candidates.get_candidate(session, read_only, created.id).id == created.id
    with pytest.raises(Forbidden):
        candidates.create_candidate(session, read_only, {"name": "Not created"})
    with pytest.raises(Forbidden):
        candidates.update_candidate(
            session, read_only, created.id, {"name": "Renamed"}, created.revision
        )


# --- profile rules -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "stored"),
    [(7.25, 7.3), (0.05, 0.1), (7.24, 7.2), (2.35, 2.4), (60, 60.0), (0, 0.0)],
)
def test_years_are_rounded_half_up_to_one_decimal(session, org, given, stored):
    recruiter = recruiter_of(session, org)
    created = candidates.create_candidate(
        session, recruiter, {"name": "Rounded", "years_product": given, "years_leadership": given}
    )
    again = reloaded(session, recruiter, created.id)
    assert (again.years_product, again.years_leadership) == (stored, stored)
    assert candidates.one_decimal(given) == stored


def test_years_are_rounded_on_update_too(session, org):
    recruiter = recruiter_of(session, org)
    created = candidates.create_candidate(session, recruiter, {"name": "Rounded later"})
    candidates.update_candidate(
        session, recruiter, created.id, {"years_product": 4.45}, created.revision
    )
    assert reloaded(session, recruiter, created.id).years_product == 4.5


def test_a_candidate_needs_a_name(session, org):
    recruiter = recruiter_of(session, org)
    with pytest.raises(ValidationFailed) as failure:
        candidates.create_candidate(session, recruiter, {"name": "   "})
    assert "name" in failure.value.errors


def test_replacing_self_assessments_keeps_interview_assessments(session, org):
    recruiter = recruiter_of(session, org)
    created = candidates.create_candidate(
        session,
        recruiter,
        {
            "name": "Interviewed Ian",
            "assessments": [
                {"competency": "product-strategy", "level": 3, "evidence": "Wrote the strategy"},
                {"competency": "team-leadership", "level": 2, "evidence": "Led two PMs"},
            ],
        },
    )
    add_interview_assessment(session, created.id, "team-leadership", 4.5)
    add_interview_assessment(session, created.id, "continuous-learning", 2.0)
    revision = reloaded(session, recruiter, created.id).revision

    candidates.update_candidate(
        session,
        recruiter,
        created.id,
        {"assessments": [{"competency": "data-driven-decision-making", "level": 5}]},
        revision,
    )

    again = reloaded(session, recruiter, created.id)
    assert self_levels(again) == {"data-driven-decision-making": (5, "")}
    interviews = {
        a.competency.slug: (a.level, a.evidence)
        for a in again.assessments
        if a.source == "interview"
    }
    assert interviews == {
        "team-leadership": (4.5, "Panel interview"),
        "continuous-learning": (2.0, "Panel interview"),
    }
    shown = candidates.document(again)["assessments"]
    assert {(a["competency"], a["source"]) for a in shown} == {
        ("data-driven-decision-making", "self"),
        ("team-leadership", "interview"),
        ("continuous-learning", "interview"),
    }


@pytest.mark.parametrize(
    ("entries", "path"),
    [
        (
            [
                {"competency": "product-strategy", "level": 3},
                {"competency": "no-such-competency", "level": 3},
            ],
            "assessments.1.competency",
        ),
        (
            [
                {"competency": "product-strategy", "level": 3},
                {"competency": "team-leadership", "level": 2},
                {"competency": "product-strategy", "level": 4},
            ],
            "assessments.2.competency",
        ),
    ],
    ids=["unknown", "duplicate"],
)
def test_unknown_or_duplicate_competencies_are_refused_and_nothing_changes(
    session, org, entries, path
):
    recruiter = recruiter_of(session, org)
    created = candidates.create_candidate(
        session,
        recruiter,
        {"name": "Careful Cara", "assessments": [{"competency": "team-leadership", "level": 1}]},
    )
    revision = created.revision
    with pytest.raises(ValidationFailed) as failure:
        candidates.update_candidate(
            session, recruiter, created.id, {"name": "Renamed", "assessments": entries}, revision
        )
    assert list(failure.value.errors) == [path]

    again = reloaded(session, recruiter, created.id)
    assert again.name == "Careful Cara"
    assert again.revision == revision
    assert self_levels(again) == {"team-leadership": (1, "")}


def test_a_write_based_on_an_old_revision_is_refused(session, org):
    recruiter = recruiter_of(session, org)
    created = candidates.create_candidate(session, recruiter, {"name": "Stale Sam"})
    first = created.revision
    candidates.update_candidate(session, recruiter, created.id, {"headline": "First"}, first)

    with pytest.raises(StaleWrite) as failure:
        candidates.update_candidate(session, recruiter, created.id, {"headline": "Lost"}, first)
    assert "changed elsewhere" in failure.value.detail
    with pytest.raises(StaleWrite):
        candidates.delete_candidate(session, recruiter, created.id, first)
    assert reloaded(session, recruiter, created.id).headline == "First"


def test_two_sessions_writing_the_same_revision_the_second_is_refused(app, session, org):
    """Both read revision N; the first commit wins, the second must not overwrite it."""
    recruiter = recruiter_of(session, org)
    created = candidates.create_candidate(session, recruiter, {"name": "Raced Rae"})
    revision = created.revision

    with Session(db.engine) as elsewhere:
        theirs = candidates.get_candidate(elsewhere, recruiter, created.id)
        assert theirs.revision == revision
        candidates.update_candidate(session, recruiter, created.id, {"headline": "Mine"}, revision)
        with pytest.raises(StaleWrite):
            candidates.update_candidate(
                elsewhere, recruiter, created.id, {"headline": "Theirs"}, revision
            )
    assert reloaded(session, recruiter, created.id).headline == "Mine"


def test_assessing_one_competency_keeps_the_others_and_progress_counts_self_ones(
    session, candidate_user
):
    total = len(framework.all_competencies(session))
    assert total == TOTAL_COMPETENCIES
    profile = candidates.own_profile(session, candidate_user)
    owner = Actor.for_user(candidate_user)
    assert candidates.assessment_progress(profile, total) == (0, total)

    profile = candidates.assess(
        session,
        owner,
        profile.id,
        {"competency": "product-strategy", "level": 4, "evidence": "Set the 3-year strategy"},
        profile.revision,
    )
    assert candidates.assessment_progress(profile, total) == (1, total)
    profile = candidates.assess(
        session,
        owner,
        profile.id,
        {"competency": "team-leadership", "level": 0, "evidence": ""},
        profile.revision,
    )
    assert candidates.assessment_progress(profile, total) == (2, total)

    profile = candidates.assess(
        session,
        owner,
        profile.id,
        {"competency": "product-strategy", "level": 5, "evidence": "Board-level strategy"},
        profile.revision,
    )
    add_interview_assessment(session, profile.id, "continuous-learning", 3.0)
    again = reloaded(session, owner, profile.id)
    assert candidates.assessment_progress(again, total) == (2, total)
    assert self_levels(again) == {
        "product-strategy": (5, "Board-level strategy"),
        "team-leadership": (0, ""),
    }
