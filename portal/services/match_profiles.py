"""Keeping the ranking rows (portal.models.matching) equal to the canonical candidate data.

Every write that changes what the ranking reads (a profile's years or education, a
self-assessment, a bulk import) calls `refresh` or `save` in its own transaction, so the ranking
never sees a half-written candidate. `rebuild` recomputes every row from the canonical data and
`stale_candidates` lists the rows that disagree with it.
"""

from collections.abc import Iterable, Iterator
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, and_, delete, func, insert, select
from sqlalchemy.orm import Session, selectinload

from portal.models import (
    Candidate,
    Competency,
    Evaluation,
    EvaluationRating,
    Interview,
    InterviewLevels,
    MatchProfile,
)
from portal.models.matching import EDUCATION_RANK, SLOTS, level_column

REBUILD_BATCH = 1000


# The figures met are few (levels, years, weights times gaps), and a page of matches rounds each
# of them many times.
@lru_cache(maxsize=4096)
def tenths(value: float) -> int:
    """A figure in tenths, rounded half up (3.25 -> 33), as the ranking stores it."""
    return int((Decimal(str(value)) * 10).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def competency_slots(session: Session) -> dict[int, int]:
    """{competency id: its slot}."""
    return dict(session.execute(select(Competency.id, Competency.slot)).all())


def profile_row(
    candidate_id: int,
    organisation_id: int | None,
    years_product: float,
    years_leadership: float,
    education: str,
    self_levels: Iterable[tuple[int, float]],
) -> dict[str, Any]:
    """The ranking row of one candidate; `self_levels` is (slot, level) pairs."""
    row: dict[str, Any] = {level_column(slot): None for slot in range(1, SLOTS + 1)}
    row.update(
        candidate_id=candidate_id,
        organisation_id=organisation_id,
        years_product=tenths(years_product),
        years_leadership=tenths(years_leadership),
        education=EDUCATION_RANK[education],
    )
    for slot, level in self_levels:
        row[level_column(slot)] = tenths(level)
    return row


def _row_of(candidate: Candidate, slots: dict[int, int]) -> dict[str, Any]:
    return profile_row(
        candidate.id,
        candidate.organisation_id,
        candidate.years_product,
        candidate.years_leadership,
        candidate.education,
        ((slots[a.competency_id], a.level) for a in candidate.assessments if a.source == "self"),
    )


def save(session: Session, rows: list[dict[str, Any]]) -> None:
    """Replace the ranking rows of these candidates (inside the caller's transaction)."""
    if not rows:
        return
    table = MatchProfile.__table__
    session.execute(
        delete(table).where(table.c.candidate_id.in_([row["candidate_id"] for row in rows]))
    )
    session.execute(insert(table), rows)


def refresh(session: Session, candidates: list[Candidate]) -> None:
    """Recompute the rows of candidates just changed in this session (flushes first)."""
    session.flush()
    slots = competency_slots(session)
    save(session, [_row_of(candidate, slots) for candidate in candidates])


def forget(session: Session, candidate_id: int) -> None:
    """Drop a deleted candidate's rows and interview records (SQLite does not cascade foreign
    keys here)."""
    evaluations = select(Evaluation.id).where(Evaluation.candidate_id == candidate_id)
    session.execute(delete(EvaluationRating).where(EvaluationRating.evaluation_id.in_(evaluations)))
    session.execute(
        # A correction points at what it superseded: unlink before deleting either.
        Evaluation.__table__.update()
        .where(Evaluation.candidate_id == candidate_id)
        .values(supersedes_id=None)
    )
    for model in (Evaluation, Interview, MatchProfile, InterviewLevels):
        session.execute(delete(model).where(model.candidate_id == candidate_id))


# --- interview levels --------------------------------------------------------------------------


def mean_tenths(total: int, count: int) -> int:
    """The mean of `count` whole ratings summing to `total`, in tenths rounded half up
    (3, 3, 4 -> 33; 3, 4 -> 35), exactly, without floating point."""
    return (20 * total + count) // (2 * count)


def mean_level(total: int, count: int) -> float:
    """The interview level shown for `count` ratings summing to `total`: the ranking's mean
    (mean_tenths) as a level, 3.3 or 3.5."""
    return mean_tenths(total, count) / 10


def rating_totals(*keys) -> Select:
    """Per `keys` (columns of evaluations, ratings, or a joined table): the sum and count of
    the submitted, not superseded interview ratings; callers add their `where` and order."""
    return (
        select(*keys, func.sum(EvaluationRating.rating), func.count(EvaluationRating.rating))
        .join(EvaluationRating, EvaluationRating.evaluation_id == Evaluation.id)
        .where(Evaluation.status == "submitted", EvaluationRating.rating.is_not(None))
        .group_by(*keys)
    )


def _interview_means(session: Session, where) -> Iterator[tuple[int, int, int, int]]:
    """(organisation id, candidate id, competency id, mean in tenths) of the submitted, not
    superseded ratings matching `where`."""
    statement = (
        rating_totals(
            Evaluation.organisation_id, Evaluation.candidate_id, EvaluationRating.competency_id
        )
        .where(where)
        .order_by(Evaluation.organisation_id, Evaluation.candidate_id)
    )
    for organisation_id, candidate_id, competency_id, total, count in session.execute(statement):
        yield organisation_id, candidate_id, competency_id, mean_tenths(int(total), int(count))


def _interview_rows(session: Session, where) -> list[dict[str, Any]]:
    slots = competency_slots(session)
    rows: dict[tuple[int, int], dict[str, Any]] = {}
    for organisation_id, candidate_id, competency_id, mean in _interview_means(session, where):
        row = rows.setdefault(
            (organisation_id, candidate_id),
            {
                "organisation_id": organisation_id,
                "candidate_id": candidate_id,
                **{level_column(slot): None for slot in range(1, SLOTS + 1)},
            },
        )
        row[level_column(slots[competency_id])] = mean
    return list(rows.values())


def refresh_interview_levels(session: Session, organisation_id: int, candidate_id: int) -> None:
    """Recompute one organisation's interview levels of one candidate (in the caller's
    transaction, after the evaluation that changed them is flushed)."""
    session.flush()
    table = InterviewLevels.__table__
    session.execute(
        delete(table).where(
            table.c.organisation_id == organisation_id, table.c.candidate_id == candidate_id
        )
    )
    rows = _interview_rows(
        session,
        and_(
            Evaluation.organisation_id == organisation_id, Evaluation.candidate_id == candidate_id
        ),
    )
    if rows:
        session.execute(insert(table), rows)


def _stored_interview_rows(session: Session) -> dict[tuple[int, int], dict[str, Any]]:
    return {
        (row["organisation_id"], row["candidate_id"]): dict(row)
        for row in session.execute(select(InterviewLevels.__table__)).mappings()
    }


def _recomputed(session: Session) -> Iterator[list[dict[str, Any]]]:
    slots = competency_slots(session)
    last_id = 0
    while True:
        batch = session.scalars(
            select(Candidate)
            .options(selectinload(Candidate.assessments))
            .where(Candidate.id > last_id)
            .order_by(Candidate.id)
            .limit(REBUILD_BATCH)
        ).all()
        if not batch:
            return
        last_id = batch[-1].id
        yield [_row_of(candidate, slots) for candidate in batch]
        session.expunge_all()


def rebuild(session: Session) -> int:
    """Recompute every candidate's ranking row from the canonical data; the number of rows."""
    session.execute(delete(MatchProfile))
    count = 0
    for rows in _recomputed(session):
        session.execute(insert(MatchProfile.__table__), rows)
        count += len(rows)
    session.execute(delete(InterviewLevels))
    interview_rows = _interview_rows(session, Evaluation.id.is_not(None))
    if interview_rows:
        session.execute(insert(InterviewLevels.__table__), interview_rows)
    session.commit()
    return count


def stale_candidates(session: Session) -> list[int]:
    """Ids of candidates whose stored ranking row or interview levels differ from the
    recomputed ones (or are missing), and of rows whose candidate is gone."""
    table = MatchProfile.__table__
    stored = {row["candidate_id"]: dict(row) for row in session.execute(select(table)).mappings()}
    stale = set()
    for rows in _recomputed(session):
        for row in rows:
            if stored.pop(row["candidate_id"], None) != row:
                stale.add(row["candidate_id"])
    interviews = _stored_interview_rows(session)
    for row in _interview_rows(session, Evaluation.id.is_not(None)):
        if interviews.pop((row["organisation_id"], row["candidate_id"]), None) != row:
            stale.add(row["candidate_id"])
    return sorted(stale | set(stored) | {candidate_id for _, candidate_id in interviews})
