"""Role scorecards: a working copy recruiters edit, and immutable published versions."""

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.framework import Competency, Responsibility
from portal.models.types import UTCDateTime, utcnow

# The words live in portal.vocabulary; re-exported for older callers.
from portal.vocabulary import EDUCATION_LEVELS as EDUCATION_LEVELS
from portal.vocabulary import LEVEL_RANGE, WEIGHT_RANGE, between
from portal.vocabulary import STATUSES as STATUSES

scorecard_responsibilities = Table(
    "scorecard_responsibilities",
    db.metadata,
    Column("scorecard_id", ForeignKey("scorecards.id", ondelete="CASCADE"), primary_key=True),
    Column("responsibility_id", ForeignKey("responsibilities.id"), primary_key=True, index=True),
)


class Scorecard(db.Model):
    """The working copy of a CPO role scorecard, owned by one organisation.

    `version` is the number of the latest published version (0 before the first publish);
    `revision` counts saved edits and is the concurrency token pages and ETags share.
    """

    __tablename__ = "scorecards"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'published', 'archived')", name="status_known"),
        CheckConstraint(
            "education IN ('none', 'bachelor', 'master', 'doctorate')", name="education_known"
        ),
        Index(
            "ix_scorecards_organisation_status_updated", "organisation_id", "status", "updated_at"
        ),
        Index("ix_scorecards_organisation_updated", "organisation_id", "updated_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(200))
    mission: Mapped[str] = mapped_column(Text, default="")
    outcomes: Mapped[list[str]] = mapped_column(JSON, default=list)
    min_years_product: Mapped[float] = mapped_column(Float, default=0)
    min_years_leadership: Mapped[float] = mapped_column(Float, default=0)
    education: Mapped[str] = mapped_column(String(20), default="none")
    status: Mapped[str] = mapped_column(String(20), default="draft")
    version: Mapped[int] = mapped_column(default=0)
    revision: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    competencies: Mapped[list["ScorecardCompetency"]] = relationship(
        order_by="ScorecardCompetency.position",
        cascade="all, delete-orphan",
        back_populates="scorecard",
    )
    responsibilities: Mapped[list[Responsibility]] = relationship(
        secondary=scorecard_responsibilities, order_by=Responsibility.position
    )
    versions: Mapped[list["ScorecardVersion"]] = relationship(
        order_by="ScorecardVersion.number",
        cascade="all, delete-orphan",
        back_populates="scorecard",
    )

    # SQLAlchemy bumps `revision` on every UPDATE and refuses one that lost a race.
    __mapper_args__ = {"version_id_col": revision}


class ScorecardCompetency(db.Model):
    """A competency the role needs: its weight, the level it needs, and whether it is a must."""

    __tablename__ = "scorecard_competencies"
    __table_args__ = (
        UniqueConstraint("scorecard_id", "competency_id"),
        CheckConstraint(between("weight", WEIGHT_RANGE), name="weight_range"),
        CheckConstraint(between("target_level", LEVEL_RANGE), name="target_level_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scorecard_id: Mapped[int] = mapped_column(ForeignKey("scorecards.id", ondelete="CASCADE"))
    competency_id: Mapped[int] = mapped_column(ForeignKey("competencies.id"), index=True)
    weight: Mapped[int]
    target_level: Mapped[int]
    must_have: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int]

    scorecard: Mapped[Scorecard] = relationship(back_populates="competencies")
    competency: Mapped[Competency] = relationship()


class ScorecardVersion(db.Model):
    """A published version: the scorecard as it was, frozen as its API document."""

    __tablename__ = "scorecard_versions"
    __table_args__ = (UniqueConstraint("scorecard_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scorecard_id: Mapped[int] = mapped_column(ForeignKey("scorecards.id", ondelete="CASCADE"))
    number: Mapped[int]
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    scorecard: Mapped[Scorecard] = relationship(back_populates="versions")
