"""The rows the ranking reads: each candidate's levels packed one column per competency slot.

The canonical data stays normalised (candidates, assessments, later evaluations); these rows
are derived from it in the same transaction as every write that changes it, and
`flask --app portal match-profiles rebuild` recomputes them. Levels and years are kept in
tenths (integers), so the score can be computed exactly in SQL on SQLite and PostgreSQL alike.
"""

from sqlalchemy import ForeignKey, Index, SmallInteger
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db

# Competencies the framework can hold: each one owns a slot, `l<slot>` in both tables below.
# The framework ships 14; more than SLOTS needs a migration adding columns.
SLOTS = 24
EDUCATION_RANK = {"none": 0, "bachelor": 1, "master": 2, "doctorate": 3}


def level_column(slot: int) -> str:
    return f"l{slot}"


# A mixin of SLOTS nullable level columns (tenths; NULL = not assessed).
LevelSlots = type(
    "LevelSlots",
    (),
    {level_column(slot): mapped_column(SmallInteger) for slot in range(1, SLOTS + 1)},
)


class MatchProfile(LevelSlots, db.Model):
    """One row per candidate: owner, requirements in ranking units, self-assessed levels."""

    __tablename__ = "match_profiles"
    __table_args__ = (Index("ix_match_profiles_organisation", "organisation_id"),)

    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), primary_key=True
    )
    # The owning organisation (None for a self-registered candidate, seen only through shares).
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    years_product: Mapped[int] = mapped_column(default=0)  # tenths of a year
    years_leadership: Mapped[int] = mapped_column(default=0)
    education: Mapped[int] = mapped_column(SmallInteger, default=0)  # EDUCATION_RANK


class InterviewLevels(LevelSlots, db.Model):
    """Sparse: the mean interview rating per competency slot, per organisation and candidate.

    Interview evidence belongs to the organisation that gathered it, so it is kept apart from
    the candidate's own row and merged per organisation at ranking time.
    """

    __tablename__ = "interview_levels"

    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), primary_key=True, index=True
    )
