"""Evaluations: interviewers' ratings of a candidate against a published scorecard.

A kit is a private draft until its interviewer submits it; a submitted evaluation never changes,
and a correction is a new evaluation that supersedes it. Submitting (or superseding) recomputes
the organisation's interview levels of the candidate in the same transaction, so the match
ranks by them at once (CONTRACT, "Matching"). An interviewer sees other interviewers' ratings of
a candidate for a scorecard only after submitting their own; recruiters see everything.
"""

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, selectinload

from portal import vocabulary
from portal.ids import ID_MAX
from portal.models import (
    Candidate,
    Competency,
    Evaluation,
    EvaluationRating,
    Interview,
    Scorecard,
    ScorecardVersion,
    User,
)
from portal.models.types import utcnow
from portal.services import audit, candidates, framework, interviews, match_profiles, webhooks
from portal.services.access import Actor, Origin
from portal.services.errors import Conflict, Forbidden, NotFound, ValidationFailed
from portal.services.reads import column_rows
from portal.services.sync import changed_since

RATING_RANGE = vocabulary.RATING_RANGE
RATING_MESSAGE = vocabulary.whole_number_message("A rating", RATING_RANGE)
RECOMMENDATIONS = vocabulary.RECOMMENDATIONS
RECOMMENDATION_WORDS = {
    "strong_no": "Strong no",
    "no": "No",
    "mixed": "Mixed",
    "yes": "Yes",
    "strong_yes": "Strong yes",
}
SPREAD_FLAG = vocabulary.SPREAD_FLAG
NOTE_MAX = 2000
SUMMARY_MAX = 5000

ALREADY_SUBMITTED = (
    "{interviewer} already submitted evaluation {id} of this candidate for this scorecard. "
    "Submitted evaluations are final: to correct it, submit a new one that supersedes it."
)
NO_ORIGIN = Origin()
FINAL = "Submitted evaluations are final. Start a correction to change what you submitted."


# --- checking input ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RatingInput:
    competency: str  # slug
    rating: int | None  # None: not assessed
    note: str


def _whole_rating(value: Any) -> bool:
    return (
        isinstance(value, int)
        and not isinstance(value, bool)
        and (RATING_RANGE[0] <= value <= RATING_RANGE[1])
    )


def _text(value: Any, limit: int, what: str, errors: list[str]) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        errors.append(f"{what} is text.")
        return ""
    text = value.replace("\x00", "").strip()
    if len(text) > limit:
        errors.append(f"{what} is at most {limit} characters.")
    return text


def check_ratings(
    version: ScorecardVersion, entries: Any, *, require_rating: bool
) -> list[RatingInput]:
    """The ratings of an evaluation; every competency must be on the published version, at most
    once, rated 1..5 (or left unrated in a draft)."""
    if not isinstance(entries, list):
        raise ValidationFailed({"ratings": ["Ratings are a list."]})
    on_version = interviews.version_slugs(version)
    errors: dict[str, list[str]] = {}
    seen: set[str] = set()
    checked = []
    for index, entry in enumerate(entries):
        problems: dict[str, list[str]] = {}
        if not isinstance(entry, dict):
            errors[f"ratings.{index}"] = ["Each rating is an object."]
            continue
        slug = entry.get("competency")
        if not isinstance(slug, str) or slug not in on_version:
            problems["competency"] = [
                f"{slug!s:.80} is not a competency of version {version.number} of this scorecard."
            ]
        elif slug in seen:
            problems["competency"] = [f"{slug} is rated twice."]
        rating = entry.get("rating")
        if (rating is None and require_rating) or (
            rating is not None and not _whole_rating(rating)
        ):
            problems["rating"] = [RATING_MESSAGE]
        note_errors: list[str] = []
        note = _text(entry.get("note"), NOTE_MAX, "A note", note_errors)
        if note_errors:
            problems["note"] = note_errors
        for key, messages in problems.items():
            errors[f"ratings.{index}.{key}"] = messages
        if not problems:
            seen.add(slug)
            checked.append(RatingInput(slug, rating, note))
    if errors:
        raise ValidationFailed(errors)
    return checked


def _recommendation(value: Any, *, required: bool) -> str | None:
    if value in (None, "") and not required:
        return None
    if value not in RECOMMENDATIONS:
        raise ValidationFailed(
            {"recommendation": [f"Choose one of: {', '.join(RECOMMENDATIONS)}."]}
        )
    return value


def _summary(value: Any) -> str:
    errors: list[str] = []
    text = _text(value, SUMMARY_MAX, "The summary", errors)
    if errors:
        raise ValidationFailed({"summary": errors})
    return text


# --- what the caller may see -------------------------------------------------------------------


def _scorecard(session: Session, organisation_id: int, scorecard_id: int) -> Scorecard:
    scorecard = session.scalar(
        select(Scorecard).where(
            Scorecard.id == scorecard_id, Scorecard.organisation_id == organisation_id
        )
    )
    if scorecard is None:
        raise NotFound(f"No scorecard {scorecard_id} in your organisation.")
    return scorecard


def _subject(
    session: Session, actor: Actor, scorecard_id: int, candidate_id: int
) -> tuple[Scorecard, Candidate]:
    """The scorecard and candidate of an evaluation, if the caller may see them: an
    interviewer only those of interviews assigned to them."""
    organisation_id = actor.require_member()
    scorecard = _scorecard(session, organisation_id, scorecard_id)
    if actor.is_interviewer:
        if not interviews.is_assigned(session, actor.user_id, scorecard.id, candidate_id):
            raise NotFound(f"No interview of candidate {candidate_id} is assigned to you.")
        candidate = session.get(Candidate, candidate_id)
    else:
        candidate = candidates.find_visible(session, actor, candidate_id)
    return scorecard, candidate


def _interviewer(session: Session, actor: Actor, organisation_id: int, email: Any) -> User:
    """Who the evaluation is by: the signed-in user unless named; an API key must name one."""
    if email in (None, ""):
        if actor.user_id is None:
            raise ValidationFailed(
                {"interviewer": ["Name the interviewer (the email of a staff member)."]}
            )
        return session.get(User, actor.user_id)
    if not isinstance(email, str):
        raise ValidationFailed({"interviewer": ["The interviewer is an email address."]})
    user = interviews.staff_member(session, organisation_id, email, "interviewer")
    if actor.is_interviewer and user.id != actor.user_id:
        raise Forbidden("Interviewers submit their own evaluations only.")
    return user


# --- submitting --------------------------------------------------------------------------------


def _current(
    session: Session, scorecard_id: int, candidate_id: int, interviewer_id: int, status: str
) -> Evaluation | None:
    return session.scalar(
        select(Evaluation)
        .options(selectinload(Evaluation.ratings))
        .where(
            Evaluation.scorecard_id == scorecard_id,
            Evaluation.candidate_id == candidate_id,
            Evaluation.interviewer_id == interviewer_id,
            Evaluation.status == status,
        )
    )


def _lock_candidate(session: Session, candidate_id: int) -> None:
    """Serialise writes to one candidate's interview levels (PostgreSQL row lock; SQLite has one
    writer at a time anyway)."""
    session.execute(select(Candidate.id).where(Candidate.id == candidate_id).with_for_update())


def _superseded(
    session: Session,
    evaluation_id: Any,
    scorecard: Scorecard,
    candidate: Candidate,
    interviewer: User,
) -> Evaluation:
    if not isinstance(evaluation_id, int) or isinstance(evaluation_id, bool):
        raise ValidationFailed({"supersedes": ["The id of the evaluation this one corrects."]})
    old = None
    if 0 < evaluation_id <= ID_MAX:
        old = session.scalar(
            select(Evaluation).where(
                Evaluation.id == evaluation_id,
                Evaluation.scorecard_id == scorecard.id,
                Evaluation.candidate_id == candidate.id,
            )
        )
    if old is None or old.status == "draft":
        raise ValidationFailed(
            {"supersedes": [f"No submitted evaluation {evaluation_id} of this candidate here."]}
        )
    if old.status == "superseded":
        raise Conflict(f"Evaluation {old.id} was already superseded; correct the latest one.")
    if old.interviewer_id != interviewer.id:
        raise ValidationFailed(
            {
                "supersedes": [
                    f"Evaluation {old.id} is by another interviewer: only their own "
                    "evaluation can be corrected."
                ]
            }
        )
    return old


def _finish(
    session: Session,
    actor: Actor,
    evaluation: Evaluation,
    replaces: Evaluation | None,
    origin: Origin,
    before_commit: Callable[[Evaluation], None] | None = None,
) -> Evaluation:
    """Submit `evaluation` (superseding `replaces`), recompute the interview levels, and commit,
    all in one transaction; `before_commit` runs in it, last (see `submit`)."""
    now = utcnow()
    if replaces is not None:
        replaces.status = "superseded"
        session.flush()  # free the "one current submission" slot before taking it
    evaluation.status = "submitted"
    evaluation.supersedes_id = replaces.id if replaces else None
    evaluation.submitted_at = now
    evaluation.updated_at = now
    evaluation.submitted_by_id = actor.user_id
    evaluation.submitted_by_key_id = actor.api_key_id
    try:
        session.add(evaluation)
        match_profiles.refresh_interview_levels(
            session, evaluation.organisation_id, evaluation.candidate_id
        )
        audit.record(
            session,
            "evaluation.submitted",
            origin,
            actor=actor,
            subject=str(evaluation.id),
            detail={"candidate": evaluation.candidate_id, "scorecard": evaluation.scorecard_id},
        )
        webhooks.emit(
            session,
            evaluation.organisation_id,
            "evaluation.submitted",
            lambda: document(evaluation),  # built only when an endpoint subscribes
        )
        if before_commit is not None:
            before_commit(evaluation)
        session.commit()
    except IntegrityError:  # a concurrent submission took the slot first
        session.rollback()
        raise Conflict(
            "Another evaluation by this interviewer was submitted a moment ago; reload."
        ) from None
    return evaluation


def _rating_rows(session: Session, entries: list[RatingInput]) -> list[EvaluationRating]:
    ids = {
        slug: competency.id
        for slug, competency in framework.competencies_by_slug(
            session, [entry.competency for entry in entries]
        ).items()
    }
    return [
        EvaluationRating(
            competency_id=ids[entry.competency],
            position=position,
            rating=entry.rating,
            note=entry.note,
        )
        for position, entry in enumerate(entries)
    ]


def submit(
    session: Session,
    actor: Actor,
    scorecard_id: int,
    candidate_id: int,
    values: dict[str, Any],
    origin: Origin = NO_ORIGIN,
    *,
    before_commit: Callable[[Evaluation], None] | None = None,
) -> Evaluation:
    """Submit a whole evaluation at once (the API: an ATS pushing results, or a correction).
    `before_commit` runs in the transaction once everything is written: an answer built there
    needs no query after the commit, so a connection lost at that moment cannot make a saved
    submission look failed."""
    actor.require_scope("evaluations:write")
    scorecard, candidate = _subject(session, actor, scorecard_id, candidate_id)
    version = interviews.published_version(session, scorecard)
    interviewer = _interviewer(session, actor, scorecard.organisation_id, values.get("interviewer"))
    entries = check_ratings(version, values.get("ratings"), require_rating=True)
    if not entries:
        raise ValidationFailed({"ratings": ["Rate at least one competency."]})
    recommendation = _recommendation(values.get("recommendation"), required=True)
    summary = _summary(values.get("summary"))
    _lock_candidate(session, candidate.id)
    replaces = None
    if values.get("supersedes") is not None:
        replaces = _superseded(session, values["supersedes"], scorecard, candidate, interviewer)
    current = _current(session, scorecard.id, candidate.id, interviewer.id, "submitted")
    if current is not None and (replaces is None or replaces.id != current.id):
        raise Conflict(ALREADY_SUBMITTED.format(interviewer=interviewer.email, id=current.id))
    evaluation = Evaluation(
        organisation_id=scorecard.organisation_id,
        scorecard_id=scorecard.id,
        scorecard_version=version.number,
        candidate_id=candidate.id,
        interviewer_id=interviewer.id,
        recommendation=recommendation,
        summary=summary,
        ratings=_rating_rows(session, entries),
    )
    return _finish(session, actor, evaluation, replaces, origin, before_commit)


# --- the kit: a private draft, autosaved -------------------------------------------------------


@dataclass(frozen=True)
class Kit:
    """What an interviewer works from: the interview, the version it is rated against, the
    competencies to probe (with indicators, levels and questions), their draft and their
    current submission, and whether the others' evaluations are visible to them yet."""

    interview: Interview
    version: ScorecardVersion
    competencies: list[Competency]
    draft: Evaluation | None
    submitted: Evaluation | None
    history: list[Evaluation]  # the interviewer's own submitted and superseded, newest first
    others: list[Evaluation]  # other interviewers' submissions, once the caller has submitted
    others_hidden: bool
    editable: bool  # the caller is this interview's interviewer

    @property
    def working(self) -> Evaluation | None:
        """The evaluation the form shows: the draft, else the submission."""
        return self.draft or self.submitted

    def rating_of(self, slug: str) -> EvaluationRating | None:
        evaluation = self.working
        if evaluation is None:
            return None
        for row in evaluation.ratings:
            if row.competency.slug == slug:
                return row
        return None


# The ratings' competencies and the interviewer joined to the rows that name them (two
# queries in all, not four).
_WITH_RATINGS = (
    selectinload(Evaluation.ratings).joinedload(EvaluationRating.competency),
    joinedload(Evaluation.interviewer),
)


def kit(session: Session, actor: Actor, interview_id: int) -> Kit:
    interview = interviews.assigned_interview(session, actor, interview_id)
    version = interviews.published_version(session, interview.scorecard)
    on_version = interviews.version_slugs(version)
    focus = [slug for slug in interview.focus if slug in on_version] or on_version
    mine = list(
        session.scalars(
            select(Evaluation)
            .options(*_WITH_RATINGS)
            .where(
                Evaluation.scorecard_id == interview.scorecard_id,
                Evaluation.candidate_id == interview.candidate_id,
                Evaluation.interviewer_id == interview.interviewer_id,
            )
            .order_by(Evaluation.id.desc())
        )
    )
    draft = next((e for e in mine if e.status == "draft"), None)
    submitted = next((e for e in mine if e.status == "submitted"), None)
    sees_others = actor.is_staff or submitted is not None
    return Kit(
        interview=interview,
        version=version,
        competencies=sorted(
            framework.competencies_with_questions(session, focus),
            key=lambda competency: focus.index(competency.slug),
        ),
        draft=draft if interview.interviewer_id == actor.user_id else None,
        submitted=submitted,
        history=[e for e in mine if e.status != "draft"],
        others=_others(session, interview) if sees_others else [],
        others_hidden=not sees_others,
        editable=interview.interviewer_id == actor.user_id,
    )


def _others(session: Session, interview: Interview) -> list[Evaluation]:
    return list(
        session.scalars(
            select(Evaluation)
            .options(*_WITH_RATINGS)
            .where(
                Evaluation.scorecard_id == interview.scorecard_id,
                Evaluation.candidate_id == interview.candidate_id,
                Evaluation.interviewer_id != interview.interviewer_id,
                Evaluation.status == "submitted",
            )
            .order_by(Evaluation.submitted_at, Evaluation.id)
        )
    )


def _own_interview(session: Session, actor: Actor, interview_id: int) -> Interview:
    interview = interviews.assigned_interview(session, actor, interview_id)
    if interview.interviewer_id != actor.user_id:
        raise Forbidden("Only the interviewer fills this kit: a draft is private until submitted.")
    return interview


def save_draft(
    session: Session, actor: Actor, interview_id: int, values: dict[str, Any], *, retry: bool = True
) -> Evaluation:
    """Save the kit as it stands (every change autosaves): ratings may be left unrated, the
    recommendation open. The draft stays private to its interviewer."""
    interview = _own_interview(session, actor, interview_id)
    version = interviews.published_version(session, interview.scorecard)
    entries = check_ratings(version, values.get("ratings", []), require_rating=False)
    recommendation = _recommendation(values.get("recommendation"), required=False)
    summary = _summary(values.get("summary"))
    key = (interview.scorecard_id, interview.candidate_id, interview.interviewer_id)
    draft = _current(session, *key, "draft")
    if draft is None:
        if _current(session, *key, "submitted") is not None:
            raise Conflict(FINAL)
        draft = _new_draft(interview, version)
        session.add(draft)
    _set_ratings(session, draft, entries)
    draft.recommendation = recommendation
    draft.summary = summary
    draft.scorecard_version = version.number
    draft.updated_at = utcnow()
    try:
        session.commit()
    except IntegrityError:  # a second tab created the draft a moment ago: save into it
        session.rollback()
        if not retry:
            raise
        return save_draft(session, actor, interview_id, values, retry=False)
    return draft


def _set_ratings(session: Session, evaluation: Evaluation, entries: list[RatingInput]) -> None:
    """Replace the ratings, changing rows in place (a row per competency is unique, and the
    database would see a new row before the old one's removal)."""
    current = {row.competency_id: row for row in evaluation.ratings}
    rows = []
    for row in _rating_rows(session, entries):
        existing = current.get(row.competency_id)
        if existing is not None:
            existing.rating, existing.note, existing.position = row.rating, row.note, row.position
            row = existing
        rows.append(row)
    evaluation.ratings = rows


def _new_draft(interview: Interview, version: ScorecardVersion) -> Evaluation:
    return Evaluation(
        organisation_id=interview.organisation_id,
        scorecard_id=interview.scorecard_id,
        scorecard_version=version.number,
        candidate_id=interview.candidate_id,
        interviewer_id=interview.interviewer_id,
        status="draft",
    )


def start_correction(session: Session, actor: Actor, interview_id: int) -> Evaluation:
    """A draft copying the interviewer's submission, which will supersede it when submitted."""
    interview = _own_interview(session, actor, interview_id)
    key = (interview.scorecard_id, interview.candidate_id, interview.interviewer_id)
    existing = _current(session, *key, "draft")
    if existing is not None:
        return existing
    submitted = _current(session, *key, "submitted")
    if submitted is None:
        raise Conflict("There is nothing submitted to correct yet.")
    version = interviews.published_version(session, interview.scorecard)
    draft = _new_draft(interview, version)
    draft.supersedes_id = submitted.id
    draft.recommendation = submitted.recommendation
    draft.summary = submitted.summary
    on_version = set(interviews.version_slugs(version))
    draft.ratings = [
        EvaluationRating(
            competency_id=row.competency_id, position=row.position, rating=row.rating, note=row.note
        )
        for row in submitted.ratings
        if row.competency.slug in on_version
    ]
    session.add(draft)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return _current(session, *key, "draft")
    return draft


def discard_draft(session: Session, actor: Actor, interview_id: int) -> None:
    interview = _own_interview(session, actor, interview_id)
    draft = _current(
        session, interview.scorecard_id, interview.candidate_id, interview.interviewer_id, "draft"
    )
    if draft is not None:
        session.delete(draft)
        session.commit()


def submit_draft(
    session: Session, actor: Actor, interview_id: int, origin: Origin = NO_ORIGIN
) -> Evaluation:
    """Submit the kit's draft: final from now on; it supersedes the submission it corrects."""
    interview = _own_interview(session, actor, interview_id)
    key = (interview.scorecard_id, interview.candidate_id, interview.interviewer_id)
    _lock_candidate(session, interview.candidate_id)
    draft = _current(session, *key, "draft")
    if draft is None:
        raise Conflict("There is no draft to submit: rate the candidate first.")
    version = interviews.published_version(session, interview.scorecard)
    errors: dict[str, list[str]] = {}
    if not any(row.rating is not None for row in draft.ratings):
        errors["ratings"] = ["Rate at least one competency before submitting."]
    if draft.recommendation is None:
        errors["recommendation"] = ["Choose an overall recommendation before submitting."]
    on_version = set(interviews.version_slugs(version))
    dropped = [
        row.competency.name for row in draft.ratings if row.competency.slug not in on_version
    ]
    if dropped:
        errors["ratings"] = [
            f"Version {version.number} of the scorecard no longer has: {', '.join(dropped)}. "
            "Clear those ratings first."
        ]
    if errors:
        raise ValidationFailed(errors, "The evaluation is not ready to submit.")
    current = _current(session, *key, "submitted")
    if (current.id if current else None) != draft.supersedes_id:
        raise Conflict(
            "An evaluation was submitted for you meanwhile; reload the kit to correct it."
        )
    draft.scorecard_version = version.number
    return _finish(session, actor, draft, current, origin)


# --- reading -----------------------------------------------------------------------------------


def evaluations_for(
    session: Session,
    actor: Actor,
    scorecard_id: int,
    candidate_id: int,
    submitted_since: datetime | None = None,
) -> list[Evaluation]:
    """Submitted and superseded evaluations of a candidate for a scorecard, oldest first (with
    `submitted_since`, those submitted at or after it). An interviewer who has not submitted
    their own sees only their own (none)."""
    actor.require_scope("evaluations:read")
    scorecard, candidate = _subject(session, actor, scorecard_id, candidate_id)
    statement = (
        select(Evaluation)
        .options(*_WITH_RATINGS)
        .where(
            Evaluation.scorecard_id == scorecard.id,
            Evaluation.candidate_id == candidate.id,
            Evaluation.status != "draft",
        )
        .order_by(Evaluation.submitted_at, Evaluation.id)
    )
    statement = changed_since(statement, submitted_since, Evaluation.submitted_at, Evaluation.id)
    if (
        actor.is_interviewer
        and _current(session, scorecard.id, candidate.id, actor.user_id, "submitted") is None
    ):
        statement = statement.where(Evaluation.interviewer_id == actor.user_id)
    return list(session.scalars(statement))


def document(evaluation: Evaluation, candidate: Candidate | None = None) -> dict[str, Any]:
    """An evaluation as the API shows it (CONTRACT)."""
    candidate = candidate or evaluation.candidate
    return {
        "id": evaluation.id,
        "scorecard": {"id": evaluation.scorecard_id, "version": evaluation.scorecard_version},
        "candidate": {"id": candidate.id, "name": candidate.name},
        "interviewer": evaluation.interviewer.email,
        "ratings": [
            {"competency": row.competency.slug, "rating": row.rating, "note": row.note}
            for row in evaluation.ratings
            if row.rating is not None or row.note
        ],
        "recommendation": evaluation.recommendation,
        "summary": evaluation.summary,
        "status": evaluation.status,
        "supersedes": evaluation.supersedes_id,
        "submitted_at": evaluation.submitted_at.isoformat() if evaluation.submitted_at else None,
    }


# --- aggregation: what the match pages show ----------------------------------------------------


@dataclass(frozen=True)
class RatingSeen:
    interviewer: str
    rating: int
    note: str
    scorecard_id: int


@dataclass
class CompetencyEvidence:
    """One competency's interview evidence for a candidate in an organisation."""

    slug: str
    self_level: float | None
    ratings: list[RatingSeen] = field(default_factory=list)

    @property
    def interview_level(self) -> float | None:
        if not self.ratings:
            return None
        total = sum(r.rating for r in self.ratings)
        return match_profiles.mean_level(total, len(self.ratings))

    @property
    def spread(self) -> int:
        if not self.ratings:
            return 0
        values = [r.rating for r in self.ratings]
        return max(values) - min(values)

    @property
    def flagged(self) -> bool:
        return self.spread >= SPREAD_FLAG


@dataclass(frozen=True)
class InterviewEvidence:
    """The organisation's current interview evidence on a candidate (any of its scorecards)."""

    competencies: dict[str, CompetencyEvidence]
    recommendations: Counter
    evaluations: int

    @property
    def tally(self) -> list[tuple[str, str, int]]:
        """(recommendation, words, count) in the scale's order."""
        return [(r, RECOMMENDATION_WORDS[r], self.recommendations[r]) for r in RECOMMENDATIONS]


def interview_evidence(session: Session, actor: Actor, candidate: Candidate) -> InterviewEvidence:
    """Per competency: self level, the interview ratings (submitted, not superseded), their
    mean and spread; and the recommendations tallied. Staff only: interview evidence belongs to
    the organisation, and interviewers see it through their kits."""
    organisation_id = actor.require_organisation()
    current = session.scalars(
        _SUBMITTED_ON, {"organisation_id": organisation_id, "candidate_id": candidate.id}
    ).all()
    return _evidence(candidate, list(current))


# Built once: building it cost more than running it.
_SUBMITTED_ON = (
    select(Evaluation)
    .options(*_WITH_RATINGS)
    .where(
        Evaluation.organisation_id == bindparam("organisation_id"),
        Evaluation.candidate_id == bindparam("candidate_id"),
        Evaluation.status == "submitted",
    )
    .order_by(Evaluation.id)
)


def _evidence(candidate: Candidate, current: list[Evaluation]) -> InterviewEvidence:
    selves = {a.competency.slug: a.level for a in candidate.assessments if a.source == "self"}
    evidence: dict[str, CompetencyEvidence] = {}
    for evaluation in current:
        for row in evaluation.ratings:
            if row.rating is None:
                continue
            slug = row.competency.slug
            entry = evidence.setdefault(slug, CompetencyEvidence(slug, selves.get(slug)))
            entry.ratings.append(
                RatingSeen(
                    evaluation.interviewer.email, row.rating, row.note, evaluation.scorecard_id
                )
            )
    return InterviewEvidence(
        competencies=evidence,
        recommendations=Counter(e.recommendation for e in current),
        evaluations=len(current),
    )


# Built once: the means per candidate and competency, summed by the database.
_INTERVIEW_MEANS = (
    match_profiles.rating_totals(Evaluation.candidate_id, Competency.slug)
    .join(Competency, Competency.id == EvaluationRating.competency_id)
    .where(
        Evaluation.organisation_id == bindparam("organisation_id"),
        Evaluation.candidate_id.in_(bindparam("ids", expanding=True)),
    )
    .order_by(Evaluation.candidate_id, Competency.slug)
)


def interview_assessments(
    session: Session, actor: Actor, candidate: Candidate
) -> list[dict[str, Any]]:
    """The organisation's interview levels as `assessments` entries (source `interview`) for
    the candidate's API document; nothing for a candidate reading their own profile."""
    return interview_assessments_of(session, actor, [candidate.id])[candidate.id]


def interview_assessments_of(
    session: Session, actor: Actor, candidate_ids: Sequence[int]
) -> dict[int, list[dict[str, Any]]]:
    """`interview_assessments` of a page of candidates (by id), in one query."""
    found: dict[int, list[dict[str, Any]]] = {candidate_id: [] for candidate_id in candidate_ids}
    if actor.role == "candidate" or actor.organisation_id is None or not found:
        return found
    means = column_rows(
        session, _INTERVIEW_MEANS, {"organisation_id": actor.organisation_id, "ids": list(found)}
    )
    for candidate_id, slug, total, count in means:
        found[candidate_id].append(
            {
                "competency": slug,
                "level": match_profiles.mean_level(int(total), int(count)),
                "evidence": f"Mean of {count} interview rating" + ("s" if count != 1 else ""),
                "source": "interview",
            }
        )
    return found
