"""Demo data for a first look: an organisation, a recruiter, two interviewers, two candidates
who share their profiles, a published scorecard cloned from the CPO benchmark, a small candidate
pool, and an interview plan with one evaluation submitted and one kit still to fill."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import Candidate, Evaluation, Scorecard, User
from portal.models.accounts import SCOPES
from portal.services import accounts, candidates, evaluations, interviews, scorecards
from portal.services.access import Actor

DEMO_PASSWORD = "demo-portal-cpo-2026"  # noqa: S105  (published for the demo)
DEMO_ORGANISATION = ("Acme Product Co", "acme")
DEMO_USERS = (
    ("recruiter@acme.example", "recruiter", "Riley Recruiter"),
    ("ivy@acme.example", "interviewer", "Ivy Interviewer"),
    ("ian@acme.example", "interviewer", "Ian Interviewer"),
    ("ada@candidates.example", "candidate", "Ada Lovelace"),
    ("grace@candidates.example", "candidate", "Grace Hopper"),
)
DEMO_SCORECARD = "Chief Product Officer (demo)"
# name, headline, years in product, years leading, education, levels by competency slug
DEMO_POOL = (
    (
        "Morgan Vale",
        "VP Product, B2B SaaS",
        11.0,
        5.5,
        "master",
        {
            "product-strategy": 5,
            "team-leadership": 4,
            "stakeholder-communication": 4,
            "market-competitive-analysis": 4,
            "data-driven-decision-making": 3,
        },
    ),
    (
        "Sam Okafor",
        "Senior Product Manager",
        6.5,
        1.5,
        "bachelor",
        {
            "product-strategy": 3,
            "product-development-lifecycle": 4,
            "user-centered-design": 4,
            "team-leadership": 2,
        },
    ),
    (
        "Priya Raman",
        "Chief Product Officer, fintech",
        14.0,
        7.0,
        "master",
        {
            "product-strategy": 5,
            "agile-roadmap-prioritization": 5,
            "team-leadership": 5,
            "stakeholder-communication": 5,
            "cross-functional-collaboration": 5,
            "product-development-lifecycle": 4,
            "market-competitive-analysis": 4,
            "go-to-market-monetization": 4,
            "user-centered-design": 3,
            "data-driven-decision-making": 4,
            "strategic-partnerships": 3,
            "technology-product-architecture": 3,
        },
    ),
    (
        "Jonas Berg",
        "Director of Product",
        9.0,
        3.5,
        "bachelor",
        {
            "product-strategy": 5,
            "agile-roadmap-prioritization": 5,
            "team-leadership": 5,
            "stakeholder-communication": 5,
            "cross-functional-collaboration": 5,
            "product-development-lifecycle": 4,
            "market-competitive-analysis": 2,
            "go-to-market-monetization": 1,
            "user-centered-design": 2,
            "data-driven-decision-making": 2,
            "technology-product-architecture": 2,
        },
    ),
)
# Who interviews Morgan Vale for the demo scorecard, on what; Ivy has submitted her evaluation.
DEMO_INTERVIEWED = "Morgan Vale"
DEMO_PLAN = (
    ("ivy@acme.example", ["product-strategy", "team-leadership", "data-driven-decision-making"]),
    ("ian@acme.example", ["product-strategy", "stakeholder-communication", "team-leadership"]),
)
DEMO_EVALUATION = {
    "interviewer": "ivy@acme.example",
    "ratings": [
        {"competency": "product-strategy", "rating": 4, "note": "Clear vision, tied to goals."},
        {"competency": "team-leadership", "rating": 3, "note": "Has led one team of five."},
        {"competency": "data-driven-decision-making", "rating": 4, "note": "Solid metrics."},
    ],
    "recommendation": "yes",
    "summary": "Strong strategist; leadership at scale still to prove.",
}
DEMO_SELF_ASSESSMENTS = {
    "ada@candidates.example": (
        "Head of Product",
        9.0,
        4.0,
        "doctorate",
        {"product-strategy": 4, "data-driven-decision-making": 5},
    ),
    "grace@candidates.example": (
        "Director of Product Engineering",
        7.0,
        6.0,
        "master",
        {"technology-product-architecture": 5, "team-leadership": 4},
    ),
}


def seed_demo(session: Session) -> list[User]:
    """Create what is missing (idempotent) and return the demo users."""
    name, slug = DEMO_ORGANISATION
    organisation = accounts.organisation_by_slug(session, slug) or accounts.create_organisation(
        session, name, slug=slug
    )
    users = [
        _user(session, email, role, full_name, organisation)
        for email, role, full_name in DEMO_USERS
    ]
    session.commit()
    organisation_actor = Actor(organisation_id=organisation.id, scopes=frozenset(SCOPES))
    _scorecard(session, organisation_actor)
    _pool(session, organisation_actor)
    for user in users:
        if user.role == "candidate":
            _own_profile(session, user, slug)
    _interviews(session, Actor.for_user(users[0]))
    return users


def _user(session, email, role, full_name, organisation) -> User:
    user = session.scalar(select(User).where(User.email == email))
    if user is None:
        user = accounts.create_user(
            session,
            email=email,
            password=DEMO_PASSWORD,
            role=role,
            name=full_name,
            organisation=organisation,
        )
    return user


def _scorecard(session: Session, actor: Actor) -> None:
    exists = session.scalar(
        select(Scorecard.id).where(
            Scorecard.organisation_id == actor.organisation_id, Scorecard.title == DEMO_SCORECARD
        )
    )
    if exists is None:
        draft = scorecards.create_scorecard(
            session, actor, {"title": DEMO_SCORECARD}, clone_from="benchmark"
        )
        scorecards.publish(session, actor, draft.id, draft.revision)


def _pool(session: Session, actor: Actor) -> None:
    for name, headline, product, leading, education, levels in DEMO_POOL:
        exists = session.scalar(
            select(Candidate.id).where(
                Candidate.organisation_id == actor.organisation_id, Candidate.name == name
            )
        )
        if exists is None:
            candidates.create_candidate(
                session, actor, _profile(name, headline, product, leading, education, levels)
            )


def _interviews(session: Session, recruiter: Actor) -> None:
    scorecard_id = session.scalar(
        select(Scorecard.id).where(
            Scorecard.organisation_id == recruiter.organisation_id,
            Scorecard.title == DEMO_SCORECARD,
        )
    )
    candidate_id = session.scalar(
        select(Candidate.id).where(
            Candidate.organisation_id == recruiter.organisation_id,
            Candidate.name == DEMO_INTERVIEWED,
        )
    )
    for email, focus in DEMO_PLAN:
        interviews.assign(session, recruiter, scorecard_id, candidate_id, email, focus)
    submitted = session.scalar(
        select(Evaluation.id).where(
            Evaluation.scorecard_id == scorecard_id, Evaluation.candidate_id == candidate_id
        )
    )
    if submitted is None:
        evaluations.submit(session, recruiter, scorecard_id, candidate_id, DEMO_EVALUATION)


def _own_profile(session: Session, user: User, organisation_slug: str) -> None:
    profile = candidates.own_profile(session, user)
    if not profile.assessments:
        headline, product, leading, education, levels = DEMO_SELF_ASSESSMENTS[user.email]
        values = _profile(user.name, headline, product, leading, education, levels)
        candidates.update_candidate(
            session, Actor.for_user(user), profile.id, values, profile.revision
        )
    candidates.share_with(session, user, organisation_slug)


def _profile(name, headline, product, leading, education, levels) -> dict:
    return {
        "name": name,
        "headline": headline,
        "years_product": product,
        "years_leadership": leading,
        "education": education,
        "assessments": [
            {"competency": slug, "level": level, "evidence": "Demo data"}
            for slug, level in levels.items()
        ],
    }
