"""Candidates: who may see and change a profile, and the rules a profile follows.

Visibility: a recruiter or API key of an organisation sees the candidates the organisation
created and the self-registered candidates who share their profile with it. A signed-in
candidate sees and edits only their own profile. Everyone else is told "not found".
"""

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import (
    Select,
    and_,
    bindparam,
    case,
    exists,
    false,
    func,
    or_,
    select,
    union,
    union_all,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased, selectinload

from portal import vocabulary
from portal.models import (
    Assessment,
    Candidate,
    CandidateShare,
    Competency,
    Evaluation,
    InterviewLevels,
    MatchProfile,
    Organisation,
    Scorecard,
    ScorecardVersion,
    User,
)
from portal.models.accounts import SHARE_CODE_LENGTH, new_share_code
from portal.models.matching import level_column
from portal.models.types import utcnow
from portal.services import audit, framework, match_profiles, webhooks
from portal.services.access import Actor, Origin
from portal.services.concurrency import refuses_lost_race
from portal.services.errors import Forbidden, NotFound, StaleWrite, ValidationFailed
from portal.services.pagination import Page, paginate
from portal.services.reads import column_rows
from portal.services.sync import changed_since, record_deletion
from portal.services.text import trimmed

YEARS_RANGE = vocabulary.YEARS_RANGE  # defined once in portal.vocabulary, with the constraints
YEARS_MAX = YEARS_RANGE[1]
YEARS_MESSAGE = vocabulary.YEARS_MESSAGE
ASSESSED_LEVEL_RANGE = vocabulary.ASSESSED_LEVEL_RANGE
FILTER_LEVEL_RANGE = vocabulary.LEVEL_RANGE  # "at least level n" on the pool: 1..5
LEVEL_MESSAGE = vocabulary.whole_number_message("Level", ASSESSED_LEVEL_RANGE)
BACKGROUNDS = vocabulary.BACKGROUNDS
SOURCES = vocabulary.SOURCES
EDUCATION_LEVELS = vocabulary.EDUCATION_LEVELS
PROFILE_FIELDS = (
    "name",
    "email",
    "headline",
    "years_product",
    "years_leadership",
    "education",
    "certifications",
    "background",
    "summary",
    "work_history",
)
# Each assessment's competency joined to it (one query for both, not two).
_DETAIL = (selectinload(Candidate.assessments).joinedload(Assessment.competency),)


STALE = (
    "This profile was changed elsewhere since you loaded it. "
    "Nothing was saved; reload it to see the latest version."
)


@dataclass(frozen=True)
class CandidateFilter:
    q: str | None = None
    education: str | None = None
    background: str | None = None
    competency: str | None = None  # slug: only candidates assessed on it
    min_level: int | None = None  # with competency: at least this level
    updated_since: datetime | None = None  # only those changed since, by `changed_at`


def one_decimal(value: float) -> float:
    """Round half up to one decimal, as SQL ROUND does."""
    return float(Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


# --- visibility ------------------------------------------------------------------------------


def _visible(actor: Actor) -> Select:
    if actor.role == "candidate":
        return (
            select(Candidate)
            .join(User, User.id == Candidate.user_id)
            .where(User.id == actor.user_id)
        )
    return _visible_to_organisation(actor.require_organisation())


def _visible_to_organisation(organisation_id: Any) -> Select:
    """`organisation_id`: the id, or a bind parameter for a statement built once."""
    shared = exists().where(
        CandidateShare.candidate_id == Candidate.id,
        CandidateShare.organisation_id == organisation_id,
    )
    return select(Candidate).where(or_(Candidate.organisation_id == organisation_id, shared))


# A staff member's or key's reads of one candidate, built once: building these statements cost
# more than running them.
_ONE_VISIBLE_TO_ORGANISATION = (
    _visible_to_organisation(bindparam("organisation_id"))
    .options(*_DETAIL)
    .where(Candidate.id == bindparam("candidate_id"))
)


def get_candidate(session: Session, actor: Actor, candidate_id: int) -> Candidate:
    if actor.role != "candidate":
        actor.require_scope("candidates:read")
    return find_visible(session, actor, candidate_id)


def find_visible(session: Session, actor: Actor, candidate_id: int) -> Candidate:
    """A candidate the caller may see (their own profile, or one their organisation sees)."""
    if actor.role == "candidate":
        candidate = session.scalar(
            _visible(actor).options(*_DETAIL).where(Candidate.id == candidate_id)
        )
    else:
        candidate = session.scalar(
            _ONE_VISIBLE_TO_ORGANISATION,
            {"organisation_id": actor.require_organisation(), "candidate_id": candidate_id},
        )
    if candidate is None:
        raise NotFound(f"No candidate {candidate_id} is visible to you.")
    return candidate


def candidate_page(
    session: Session, actor: Actor, criteria: CandidateFilter, page: int, page_size: int
) -> Page:
    """Candidates the caller may see, by name."""
    actor.require_scope("candidates:read")
    statement = _visible(actor).options(*_DETAIL)
    text = (criteria.q or "").strip()
    if text:
        statement = statement.where(
            or_(
                Candidate.name.icontains(text, autoescape=True),
                Candidate.headline.icontains(text, autoescape=True),
            )
        )
    if criteria.education:
        statement = statement.where(Candidate.education == criteria.education)
    if criteria.background:
        statement = statement.where(Candidate.background == criteria.background)
    if criteria.competency:
        statement = _assessed_at_least(session, actor, statement, criteria)
    statement = statement.order_by(Candidate.name, Candidate.id)
    if criteria.updated_since is not None:
        organisation_id = actor.require_organisation()
        statement, at = _with_change_times(statement, organisation_id)
        statement = changed_since(
            statement,
            criteria.updated_since,
            at,
            Candidate.id,
            changed=lambda since: Candidate.id.in_(_changed_ids(organisation_id, since)),
        )
    return paginate(session, statement, page, page_size)


# --- when a candidate changed, as an organisation sees it -------------------------------------
#
# A candidate's document changes for an organisation when the profile is edited (its
# `updated_at`, which every write of the profile or its self-assessments sets), when a
# self-registered candidate shares it with the organisation (the share's `shared_at`: an old
# profile is new there), and when one of the organisation's evaluations of the candidate is
# submitted (its interview levels are part of `assessments`). The latest of the three is the
# candidate's `updated_at` in the API and what `updated_since` filters and orders by. Nothing
# is written to the candidate for a share or an evaluation: its revision (the ETag an open edit
# form holds) stays, and no other organisation sees a change.


def _with_change_times(statement: Select, organisation_id: Any) -> tuple[Select, Any]:
    """`statement` (of candidates) joined to the organisation's share of each and its latest
    submitted evaluation of each (at most one row of either, so no candidate comes twice), and
    the expression of when each candidate last changed for the organisation."""
    evaluated = (
        select(
            Evaluation.candidate_id.label("candidate_id"),
            func.max(Evaluation.submitted_at).label("at"),
        )
        .where(Evaluation.organisation_id == organisation_id, Evaluation.submitted_at.is_not(None))
        .group_by(Evaluation.candidate_id)
        .subquery("evaluated")
    )
    share = aliased(CandidateShare)  # apart from the share the visibility rule looks for
    joined = statement.outerjoin(
        share,
        and_(share.candidate_id == Candidate.id, share.organisation_id == organisation_id),
    ).outerjoin(evaluated, evaluated.c.candidate_id == Candidate.id)
    latest = Candidate.updated_at
    for moment in (share.shared_at, evaluated.c.at):  # NULL > x is not true
        latest = case((moment > latest, moment), else_=latest)
    return joined, latest


def _changed_ids(organisation_id: int, since: datetime):
    """Ids of the candidates changed for the organisation at or after `since`, each part read
    by an index (own candidates: organisation, updated_at). Queries of their own: nothing in
    them refers to the listed rows."""
    parts = (
        select(Candidate.id).where(
            Candidate.organisation_id == organisation_id, Candidate.updated_at >= since
        ),
        select(CandidateShare.candidate_id)
        .join(Candidate, Candidate.id == CandidateShare.candidate_id)
        .where(
            CandidateShare.organisation_id == organisation_id,
            or_(CandidateShare.shared_at >= since, Candidate.updated_at >= since),
        ),
        select(Evaluation.candidate_id).where(
            Evaluation.organisation_id == organisation_id, Evaluation.submitted_at >= since
        ),
    )
    return union(*(part.correlate(None) for part in parts))


def _change_times() -> Select:
    statement, at = _with_change_times(select(Candidate.id), bindparam("organisation_id"))
    return statement.add_columns(at).where(Candidate.id.in_(bindparam("ids", expanding=True)))


_CHANGE_TIMES = _change_times()  # built once, as _ONE_VISIBLE_TO_ORGANISATION


def changed_at(session: Session, actor: Actor, shown: Sequence[Candidate]) -> dict[int, datetime]:
    """When each candidate last changed as the caller sees it (its `updated_at` in the API):
    for a candidate reading their own profile, the profile's own time."""
    if actor.role == "candidate" or actor.organisation_id is None or not shown:
        return {candidate.id: candidate.updated_at for candidate in shown}
    rows = column_rows(
        session,
        _CHANGE_TIMES,
        {"organisation_id": actor.organisation_id, "ids": [candidate.id for candidate in shown]},
    ).all()
    return dict(rows)


# --- one candidate's document, kept between reads ---------------------------------------------
#
# The profile's own part of a document (everything but the organisation's interview levels and
# its change time), by candidate id, creation time (SQLite may give a deleted candidate's id to
# the next one) and revision: every write of the profile or its self-assessments moves the
# revision (version_id_col), so each names one document while the framework's slugs hold, and
# they are kept as framework.kept keeps what is built from the framework.


@dataclass(frozen=True)
class Shown:
    """A candidate as an organisation is shown it: the profile's own document (to read, not to
    change), its revision and own change time, and when it last changed for the organisation."""

    document: dict[str, Any]
    revision: int
    updated_at: datetime
    changed_at: datetime


def _shown_revision() -> Select:
    columns = select(Candidate.id, Candidate.created_at, Candidate.revision, Candidate.updated_at)
    organisation_id = bindparam("organisation_id")
    statement, at = _with_change_times(columns, organisation_id)
    visible = _visible_to_organisation(organisation_id).whereclause
    return statement.add_columns(at.label("changed_at")).where(
        visible, Candidate.id == bindparam("candidate_id")
    )


_SHOWN_REVISION = _shown_revision()  # built once, as _ONE_VISIBLE_TO_ORGANISATION


def shown_to_organisation(session: Session, actor: Actor, candidate_id: int) -> Shown:
    """A candidate visible to the caller's organisation; a revision this process has shown
    already costs one small query."""
    actor.require_scope("candidates:read")
    found = column_rows(
        session,
        _SHOWN_REVISION,
        {"organisation_id": actor.require_organisation(), "candidate_id": candidate_id},
    ).first()
    if found is None:
        raise NotFound(f"No candidate {candidate_id} is visible to you.")
    kept = framework.kept(session, "candidates.shown", lambda _: {})
    key = (candidate_id, found.created_at, found.revision)
    entry = kept.get(key)
    if entry is None:
        candidate = find_visible(session, actor, candidate_id)
        key = (candidate.id, candidate.created_at, candidate.revision)  # it may have moved on
        entry = framework.keep_entry(kept, key, (document(candidate), candidate.updated_at))
    own, updated_at = entry
    return Shown(own, key[2], updated_at, max(found.changed_at, updated_at))


def _assessed_at_least(
    session: Session, actor: Actor, statement: Select, criteria: CandidateFilter
) -> Select:
    """Candidates whose level on the competency is at least `min_level` (default 1) by their
    self-assessment or by the organisation's own interviews, read from the ranking rows (the
    competency's slot column, in tenths) rather than by scanning assessments."""
    slot = session.scalar(select(Competency.slot).where(Competency.slug == criteria.competency))
    if slot is None:
        return statement.where(false())
    column = level_column(slot)
    least = 10 * (criteria.min_level or 1)
    profile = MatchProfile.__table__
    interview = InterviewLevels.__table__
    if session.get_bind().dialect.name == "postgresql":
        # Measured (bench match, 100,000 candidates): PostgreSQL hashes a join of the ranking
        # rows in about 95 ms where the IN (... UNION ...) below takes 120 ms; SQLite is the
        # other way round (45 ms against 150-180 ms).
        statement = statement.join(profile, profile.c.candidate_id == Candidate.id)
        if actor.organisation_id is None:
            return statement.where(profile.c[column] >= least)
        return statement.outerjoin(
            interview,
            and_(
                interview.c.candidate_id == Candidate.id,
                interview.c.organisation_id == actor.organisation_id,
            ),
        ).where(or_(profile.c[column] >= least, interview.c[column] >= least))
    assessed = select(profile.c.candidate_id).where(profile.c[column] >= least)
    if actor.organisation_id is not None:
        assessed = union_all(
            assessed,
            select(interview.c.candidate_id).where(
                interview.c.organisation_id == actor.organisation_id,
                interview.c[column] >= least,
            ),
        )
    return statement.where(Candidate.id.in_(assessed))


def _writable(session: Session, actor: Actor, candidate_id: int, revision: int) -> Candidate:
    if actor.role != "candidate":
        actor.require_scope("candidates:write")
    candidate = find_visible(session, actor, candidate_id)
    if actor.role != "candidate" and candidate.organisation_id != actor.organisation_id:
        raise Forbidden("This candidate owns their profile; only they can change it.")
    if candidate.revision != revision:
        raise StaleWrite(STALE)
    return candidate


# --- writing ---------------------------------------------------------------------------------


def create_candidate(session: Session, actor: Actor, values: dict[str, Any]) -> Candidate:
    """A candidate in the caller's organisation's pool."""
    actor.require_scope("candidates:write")
    candidate = Candidate(organisation_id=actor.require_organisation(), name="")
    _apply(session, candidate, values)
    session.add(candidate)
    _commit(session, candidate)
    return candidate


def own_profile(session: Session, user: User) -> Candidate:
    """The signed-in candidate's profile, created empty on first use."""
    statement = select(Candidate).options(*_DETAIL).where(Candidate.user_id == user.id)
    candidate = session.scalar(statement)
    if candidate is None:
        candidate = Candidate(user_id=user.id, name=user.name or user.email, email=user.email)
        session.add(candidate)
        try:
            _commit(session, candidate)
        except IntegrityError:  # a concurrent request created it first: use that one
            session.rollback()
            candidate = session.scalar(statement)
    return candidate


@refuses_lost_race(STALE)
def update_candidate(
    session: Session,
    actor: Actor,
    candidate_id: int,
    changes: dict[str, Any],
    revision: int,
    *,
    before_commit: Callable[[Candidate], None] | None = None,
) -> Candidate:
    """Change the candidate. `before_commit` runs in the transaction once the change is
    flushed: an answer built there needs no query after the commit, so a connection lost at
    that moment cannot make a saved change look failed."""
    candidate = _writable(session, actor, candidate_id, revision)
    _apply(session, candidate, changes)
    _commit(session, candidate, before_commit)
    return candidate


@refuses_lost_race(STALE)
def delete_candidate(session: Session, actor: Actor, candidate_id: int, revision: int) -> None:
    candidate = _writable(session, actor, candidate_id, revision)
    match_profiles.forget(session, candidate.id)
    record_deletion(session, _seen_by(session, candidate), "candidate", candidate.id)
    session.delete(candidate)
    session.commit()


def _seen_by(session: Session, candidate: Candidate) -> list[int]:
    """The organisations that see a candidate: its owner, or those it shares its profile with."""
    if candidate.organisation_id is not None:
        return [candidate.organisation_id]
    return list(
        session.scalars(
            select(CandidateShare.organisation_id).where(
                CandidateShare.candidate_id == candidate.id
            )
        )
    )


def _apply(session: Session, candidate: Candidate, values: dict[str, Any]) -> None:
    for field in PROFILE_FIELDS:
        if field in values:
            value = values[field]
            if field in ("years_product", "years_leadership"):
                value = one_decimal(value)
            setattr(candidate, field, value)
    if "assessments" in values:
        errors = _set_self_assessments(session, candidate, values["assessments"])
        if errors:
            session.rollback()
            raise ValidationFailed(errors)
    if not trimmed(candidate.name or ""):
        session.rollback()
        raise ValidationFailed({"name": ["Enter the candidate's name."]})
    candidate.updated_at = utcnow()


def _commit(
    session: Session,
    candidate: Candidate,
    before_commit: Callable[[Candidate], None] | None = None,
) -> None:
    """Save the candidate and its ranking row in one transaction, with the webhook event."""
    created = candidate.id is None
    match_profiles.refresh(session, [candidate])
    session.flush()
    event = "candidate.created" if created else "candidate.updated"
    for organisation_id in _seen_by(session, candidate):  # a shared profile: each sharer
        webhooks.emit(session, organisation_id, event, webhooks.candidate_event(candidate))
    if before_commit is not None:
        before_commit(candidate)
    session.commit()


def _set_self_assessments(session: Session, candidate: Candidate, entries: list[dict]) -> dict:
    """Replace the self-assessments; interview assessments are kept as they are."""
    slugs = [entry["competency"] for entry in entries]
    known, errors = framework.resolve_competencies(session, slugs, "assessments")
    if errors:
        return errors
    current = {a.competency.slug: a for a in candidate.assessments if a.source == "self"}
    kept = [a for a in candidate.assessments if a.source != "self"]
    for entry in entries:
        row = current.get(entry["competency"]) or Assessment(
            competency=known[entry["competency"]], source="self"
        )
        if (row.level, row.evidence) != (entry["level"], entry.get("evidence", "")):
            row.level = entry["level"]
            row.evidence = entry.get("evidence", "")
            row.updated_at = utcnow()
        kept.append(row)
    candidate.assessments = kept
    return {}


@refuses_lost_race(STALE)
def assess(
    session: Session, actor: Actor, candidate_id: int, entry: dict[str, Any], revision: int
) -> Candidate:
    """Set one self-assessment (level 0..5 and evidence), keeping the others."""
    candidate = _writable(session, actor, candidate_id, revision)
    entries = [
        {"competency": a.competency.slug, "level": a.level, "evidence": a.evidence}
        for a in candidate.assessments
        if a.source == "self" and a.competency.slug != entry["competency"]
    ]
    _apply(session, candidate, {"assessments": [*entries, entry]})
    _commit(session, candidate)
    return candidate


# --- sharing ---------------------------------------------------------------------------------
#
# An organisation invites candidates with its share code, sent as a link (/share/<code>) or read
# out and typed. The code is not guessable, so knowing an organisation's name is not enough to
# see its roles or to put a profile in its pool. A share takes effect at once and so does its
# withdrawal: rankings read the shares live.


@dataclass(frozen=True)
class PublishedRole:
    scorecard_id: int
    title: str
    mission: str


@dataclass(frozen=True)
class ShareInvitation:
    """What a candidate sees before sharing: who asks and for which roles."""

    organisation: Organisation
    code: str
    roles: list[PublishedRole]
    shared_at: datetime | None  # when the viewing candidate shared, if they do


def normalise_share_code(text: str) -> str:
    """A code as stored, from what was typed or pasted: any case, spaces or dashes, or the whole
    share link."""
    last = text.strip().rstrip("/").rsplit("/", 1)[-1]
    return re.sub(r"[^0-9A-Za-z]", "", last).upper()[: SHARE_CODE_LENGTH * 2]


def display_share_code(code: str) -> str:
    """The code in groups of four, easier to read out: 7KQ2-M9XD-4HTP."""
    return "-".join(code[start : start + 4] for start in range(0, len(code), 4))


def organisation_for_code(session: Session, code: str) -> Organisation:
    normalised = normalise_share_code(code)
    organisation = (
        session.scalar(select(Organisation).where(Organisation.share_code == normalised))
        if normalised
        else None
    )
    if organisation is None:
        raise NotFound("This share link or code is not valid. Ask the recruiter for a new one.")
    return organisation


def replace_share_code(session: Session, actor: Actor, origin: Origin) -> Organisation:
    """A new share link and code for the actor's organisation, for when the old one reached
    people it should not have: the old one stops working at once; profiles already shared
    stay shared."""
    organisation = session.get(Organisation, actor.require_staff())
    organisation.share_code = new_share_code()
    audit.record(session, "share_code.replaced", origin, actor=actor)
    session.commit()
    return organisation


def published_roles(session: Session, organisation_id: int) -> list[PublishedRole]:
    """The organisation's published roles as last published (unpublished edits stay private)."""
    rows = session.execute(
        select(Scorecard.id, ScorecardVersion.snapshot)
        .join(
            ScorecardVersion,
            and_(
                ScorecardVersion.scorecard_id == Scorecard.id,
                ScorecardVersion.number == Scorecard.version,
            ),
        )
        .where(Scorecard.organisation_id == organisation_id, Scorecard.status == "published")
        .order_by(Scorecard.title, Scorecard.id)
    ).all()
    return [
        PublishedRole(scorecard_id, snapshot.get("title", ""), snapshot.get("mission", ""))
        for scorecard_id, snapshot in rows
    ]


def share_invitation(session: Session, code: str, user: User | None) -> ShareInvitation:
    """The invitation behind a share code, as `user` (anyone holding the link) sees it."""
    organisation = organisation_for_code(session, code)
    share = None
    if user is not None and user.role == "candidate":
        share = session.get(CandidateShare, (own_profile(session, user).id, organisation.id))
    return ShareInvitation(
        organisation,
        organisation.share_code,
        published_roles(session, organisation.id),
        share.shared_at if share else None,
    )


def _share(session: Session, user: User, organisation: Organisation) -> Organisation:
    if user.role != "candidate":
        raise Forbidden("Only candidates share a profile; recruiters send the link to them.")
    candidate = own_profile(session, user)
    if session.get(CandidateShare, (candidate.id, organisation.id)) is None:
        session.add(CandidateShare(candidate_id=candidate.id, organisation_id=organisation.id))
        try:
            session.commit()
        except IntegrityError:  # the same share, saved a moment ago by a concurrent request
            session.rollback()
    return organisation


def share_by_code(session: Session, user: User, code: str) -> Organisation:
    """Let the organisation behind a share code see the signed-in candidate's profile."""
    try:
        organisation = organisation_for_code(session, code)
    except NotFound as error:
        raise ValidationFailed({"code": [error.detail]}) from None
    return _share(session, user, organisation)


def share_with(session: Session, user: User, organisation_slug: str) -> Organisation:
    """Share with an organisation named by its slug: for trusted callers (the demo seed, tests)
    only; candidates share through the organisation's code."""
    organisation = session.scalar(
        select(Organisation).where(Organisation.slug == organisation_slug)
    )
    if organisation is None:
        raise ValidationFailed({"organisation": ["No organisation has this code."]})
    return _share(session, user, organisation)


def withdraw(session: Session, user: User, organisation_id: int) -> Organisation | None:
    """Stop sharing: the organisation's pool and match boards lose the profile at once."""
    candidate = own_profile(session, user)
    share = session.get(CandidateShare, (candidate.id, organisation_id))
    if share is None:
        return None
    session.delete(share)
    record_deletion(session, [organisation_id], "candidate", candidate.id)  # gone from its view
    session.commit()
    return session.get(Organisation, organisation_id)


@dataclass(frozen=True)
class Share:
    organisation: Organisation
    shared_at: datetime


def shares(session: Session, user: User) -> list[Share]:
    """The organisations the candidate shares with, and since when."""
    candidate = own_profile(session, user)
    rows = session.execute(
        select(Organisation, CandidateShare.shared_at)
        .join(CandidateShare, CandidateShare.organisation_id == Organisation.id)
        .where(CandidateShare.candidate_id == candidate.id)
        .order_by(Organisation.name)
    ).all()
    return [Share(organisation, shared_at) for organisation, shared_at in rows]


def shared_with(session: Session, user: User) -> list[Organisation]:
    return [share.organisation for share in shares(session, user)]


def recent_shares(
    session: Session, actor: Actor, since: datetime | None, limit: int = 5
) -> tuple[int, list[tuple[Candidate, datetime]]]:
    """Profiles shared with the actor's organisation since a moment (all when None): how many,
    and the newest `limit` as (candidate, shared_at)."""
    organisation_id = actor.require_staff()
    condition = CandidateShare.organisation_id == organisation_id
    if since is not None:
        condition = and_(condition, CandidateShare.shared_at > since)
    total = session.scalar(select(func.count()).select_from(CandidateShare).where(condition))
    rows = session.execute(
        select(Candidate, CandidateShare.shared_at)
        .join(CandidateShare, CandidateShare.candidate_id == Candidate.id)
        .where(condition)
        .order_by(CandidateShare.shared_at.desc(), Candidate.id.desc())
        .limit(limit)
    ).all()
    return total or 0, [tuple(row) for row in rows]


# --- presentation ----------------------------------------------------------------------------


def document(
    candidate: Candidate,
    interview_assessments: Sequence[dict] = (),
    changed: datetime | None = None,
) -> dict[str, Any]:
    """The candidate as the API shows it. `interview_assessments`: the caller's organisation's
    interview levels (evaluations.interview_assessments), after the self-assessments;
    `changed`: when it last changed for the caller (`changed_at`; the profile's own time when
    not given)."""
    own = {
        "id": candidate.id,
        "name": candidate.name,
        "email": candidate.email,
        "headline": candidate.headline,
        "years_product": candidate.years_product,
        "years_leadership": candidate.years_leadership,
        "education": candidate.education,
        "certifications": list(candidate.certifications),
        "background": candidate.background,
        "summary": candidate.summary,
        "assessments": [
            {
                "competency": a.competency.slug,
                "level": a.level,
                "evidence": a.evidence,
                "source": a.source,
            }
            for a in sorted(candidate.assessments, key=lambda a: (a.competency.position, a.source))
        ],
        "updated_at": candidate.updated_at.isoformat(),
    }
    return as_seen(own, interview_assessments, changed)


def as_seen(
    own: dict[str, Any], interview_assessments: Sequence[dict], changed: datetime | None
) -> dict[str, Any]:
    """The profile's own document (`document` with neither) with an organisation's interview
    levels and change time."""
    if not interview_assessments and changed is None:
        return own
    return {
        **own,
        "assessments": own["assessments"]
        + sorted(interview_assessments, key=lambda entry: entry["competency"]),
        "updated_at": (changed.isoformat() if changed else own["updated_at"]),
    }


def assessment_progress(candidate: Candidate, total: int) -> tuple[int, int]:
    """(assessed, total) self-assessments, for "9 of 14 assessed"."""
    return sum(1 for a in candidate.assessments if a.source == "self"), total
