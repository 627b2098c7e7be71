"""Interview plans: who probes a candidate on which competencies of a published scorecard.

Recruiters and admins plan; an interviewer sees only the interviews assigned to them (their
"interviews to do") and, through them, that candidate and that scorecard's published version.
Evaluations (the kits interviewers fill) live in portal.services.evaluations.
"""

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from portal.models import Candidate, Evaluation, Interview, Scorecard, ScorecardVersion, User
from portal.models.types import utcnow
from portal.services import candidates, scorecards
from portal.services.access import Actor
from portal.services.accounts import normalise_email
from portal.services.errors import Conflict, Forbidden, NotFound, ValidationFailed
from portal.vocabulary import STAFF_ROLES

NEVER_PUBLISHED = "This scorecard has never been published: publish it before planning interviews."


def published_version(session: Session, scorecard: Scorecard) -> ScorecardVersion:
    """The version interviews are planned and rated against: the latest published one."""
    latest = scorecards.latest_version(session, scorecard)
    if latest is None:
        raise ValidationFailed({"scorecard": [NEVER_PUBLISHED]}, NEVER_PUBLISHED)
    return latest


def version_slugs(version: ScorecardVersion) -> list[str]:
    """The competencies of a published version, in the scorecard's order."""
    return [entry["competency"] for entry in version.snapshot["competencies"]]


def staff_members(session: Session, organisation_id: int) -> list[User]:
    """Everyone who can be asked to interview: the organisation's recruiters, admins and
    interviewers, by name."""
    return list(
        session.scalars(
            select(User)
            .where(User.organisation_id == organisation_id, User.role.in_(STAFF_ROLES))
            .order_by(User.name, User.email)
        )
    )


def staff_member(session: Session, organisation_id: int, email: str, field: str) -> User:
    """The staff member with this email, or a field error naming it."""
    address = normalise_email(email or "")
    user = session.scalar(
        select(User).where(
            User.email == address,
            User.organisation_id == organisation_id,
            User.role.in_(STAFF_ROLES),
        )
    )
    if user is None:
        raise ValidationFailed(
            {field: [f"{email or 'This'} is not a member of your organisation's staff."]}
        )
    return user


# --- the plan ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """A candidate's interviews for one scorecard, with what the plan leaves uncovered."""

    scorecard: Scorecard
    version: ScorecardVersion
    candidate: Candidate
    interviews: list[Interview]
    uncovered: list[dict[str, Any]]  # the version's competency entries nobody probes
    probed_once: list[dict[str, Any]]  # must-haves only one interviewer probes
    staff: list[User]
    # interview id -> "not started", "draft" or "submitted" (a draft's content stays private)
    statuses: dict[int, str] = field(default_factory=dict)

    @property
    def warnings(self) -> list[str]:
        messages = []
        if self.uncovered:
            names = ", ".join(entry["name"] for entry in self.uncovered)
            messages.append(f"Nobody probes {names}.")
        for entry in self.probed_once:
            messages.append(
                f"{entry['name']} is a must-have probed by only one interviewer: "
                "a second opinion guards against one person's bias."
            )
        return messages


def _plan_parts(
    session: Session, actor: Actor, scorecard_id: int, candidate_id: int
) -> tuple[Scorecard, ScorecardVersion, Candidate]:
    actor.require_staff()
    scorecard = scorecards.get_scorecard(session, actor, scorecard_id)
    candidate = candidates.find_visible(session, actor, candidate_id)
    return scorecard, published_version(session, scorecard), candidate


def plan(session: Session, actor: Actor, scorecard_id: int, candidate_id: int) -> Plan:
    """The interview plan of a candidate for a published scorecard (recruiters and admins)."""
    scorecard, version, candidate = _plan_parts(session, actor, scorecard_id, candidate_id)
    interviews = list(
        session.scalars(
            select(Interview)
            .options(selectinload(Interview.interviewer))
            .where(Interview.scorecard_id == scorecard.id, Interview.candidate_id == candidate.id)
            .order_by(Interview.created_at, Interview.id)
        )
    )
    probes = Counter(slug for interview in interviews for slug in interview.focus)
    entries = version.snapshot["competencies"]
    return Plan(
        scorecard=scorecard,
        version=version,
        candidate=candidate,
        interviews=interviews,
        uncovered=[entry for entry in entries if probes[entry["competency"]] == 0],
        probed_once=[
            entry for entry in entries if entry["must_have"] and probes[entry["competency"]] == 1
        ],
        staff=staff_members(session, scorecard.organisation_id),
        statuses=_plan_statuses(session, scorecard.id, candidate.id, interviews),
    )


def _plan_statuses(
    session: Session, scorecard_id: int, candidate_id: int, interviews: list[Interview]
) -> dict[int, str]:
    """Each planned interview's status, from its interviewer's evaluations (one query)."""
    by_person = _status_by(
        session,
        (Evaluation.interviewer_id,),
        Evaluation.scorecard_id == scorecard_id,
        Evaluation.candidate_id == candidate_id,
    )
    return {i.id: by_person.get((i.interviewer_id,), "not started") for i in interviews}


def _focus(version: ScorecardVersion, focus: list[str]) -> list[str]:
    """The focus competencies in the scorecard's order; each must be on the version."""
    known = version_slugs(version)
    chosen = set(focus)
    unknown = sorted(chosen - set(known))
    if unknown:
        raise ValidationFailed(
            {"focus": [f"Not on version {version.number} of this scorecard: {', '.join(unknown)}."]}
        )
    if not chosen:
        raise ValidationFailed({"focus": ["Choose at least one competency to probe."]})
    return [slug for slug in known if slug in chosen]


def assign(
    session: Session,
    actor: Actor,
    scorecard_id: int,
    candidate_id: int,
    interviewer_email: str,
    focus: list[str],
) -> Interview:
    """Ask a staff member to interview the candidate on these competencies (or change the
    competencies of an interview already planned)."""
    scorecard, version, candidate = _plan_parts(session, actor, scorecard_id, candidate_id)
    interviewer = staff_member(session, scorecard.organisation_id, interviewer_email, "interviewer")
    ordered = _focus(version, focus)
    interview = session.scalar(
        select(Interview).where(
            Interview.scorecard_id == scorecard.id,
            Interview.candidate_id == candidate.id,
            Interview.interviewer_id == interviewer.id,
        )
    )
    if interview is None:
        interview = Interview(
            organisation_id=scorecard.organisation_id,
            scorecard_id=scorecard.id,
            candidate_id=candidate.id,
            interviewer_id=interviewer.id,
            assigned_by_id=actor.user_id,
        )
        session.add(interview)
    interview.focus = ordered
    interview.updated_at = utcnow()
    try:
        session.commit()
    except IntegrityError:  # the same interviewer assigned a moment ago by another request
        session.rollback()
        raise Conflict(f"{interviewer.email} was just assigned; reload the plan.") from None
    return interview


def unassign(session: Session, actor: Actor, interview_id: int) -> None:
    """Take an interview off the plan. Evaluations already submitted stay: they are evidence."""
    interview = _planned(session, actor, interview_id)
    session.delete(interview)
    session.commit()


def _planned(session: Session, actor: Actor, interview_id: int) -> Interview:
    interview = session.scalar(
        select(Interview).where(
            Interview.id == interview_id, Interview.organisation_id == actor.require_staff()
        )
    )
    if interview is None:
        raise NotFound(f"No interview {interview_id} in your organisation.")
    return interview


# --- the interviewer's side --------------------------------------------------------------------


@dataclass(frozen=True)
class ToDo:
    interview: Interview
    status: str  # "not started", "draft", "submitted"


def interviews_to_do(session: Session, actor: Actor) -> list[ToDo]:
    """The signed-in staff member's interviews, open ones first, newest first."""
    actor.require_member()
    if actor.user_id is None:
        raise Forbidden("Interviews are assigned to people, not to API keys.")
    interviews = session.scalars(
        select(Interview)
        .options(selectinload(Interview.candidate), selectinload(Interview.scorecard))
        .where(Interview.interviewer_id == actor.user_id)
        .order_by(Interview.created_at.desc(), Interview.id.desc())
    ).all()
    status_of = _statuses(session, actor.user_id)
    todo = [
        ToDo(
            interview,
            status_of.get((interview.scorecard_id, interview.candidate_id), "not started"),
        )
        for interview in interviews
    ]
    return sorted(todo, key=lambda item: item.status == "submitted")


def _statuses(session: Session, user_id: int) -> dict[tuple[int, int], str]:
    """(scorecard id, candidate id) -> "submitted" if the user has a current submission, else
    "draft" if they have a draft."""
    return _status_by(
        session,
        (Evaluation.scorecard_id, Evaluation.candidate_id),
        Evaluation.interviewer_id == user_id,
    )


def _status_by(session: Session, keys: tuple, *conditions) -> dict[tuple, str]:
    """`keys` -> "submitted" where a current submission exists, else "draft" where a draft
    does (one query over the evaluations matching `conditions`)."""
    rows = session.execute(
        select(*keys, Evaluation.status).where(
            *conditions, Evaluation.status.in_(("draft", "submitted"))
        )
    ).all()
    status_of: dict[tuple, str] = {}
    for *key, status in rows:
        if status_of.get(tuple(key)) != "submitted":
            status_of[tuple(key)] = status
    return status_of


def assigned_interview(session: Session, actor: Actor, interview_id: int) -> Interview:
    """An interview the caller may open: their own, or any of the organisation's for staff."""
    organisation_id = actor.require_member()
    interview = session.scalar(
        select(Interview)
        .options(selectinload(Interview.candidate), selectinload(Interview.scorecard))
        .where(Interview.id == interview_id, Interview.organisation_id == organisation_id)
    )
    if interview is None or not (actor.is_staff or interview.interviewer_id == actor.user_id):
        raise NotFound(f"No interview {interview_id} is assigned to you.")
    return interview


def is_assigned(session: Session, user_id: int, scorecard_id: int, candidate_id: int) -> bool:
    return (
        session.scalar(
            select(Interview.id).where(
                Interview.interviewer_id == user_id,
                Interview.scorecard_id == scorecard_id,
                Interview.candidate_id == candidate_id,
            )
        )
        is not None
    )
