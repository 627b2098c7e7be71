"""Structured interviews: who probes a candidate on what, and the evaluations they submit.

An `Interview` assigns one interviewer to a candidate for a published scorecard, with the
competencies they should probe (the recruiter's interview plan is the set of them). An
`Evaluation` is an interviewer's kit: a private draft until submitted, then final; a correction
is a new evaluation that supersedes it. Submitted, not superseded ratings feed the match through
`interview_levels` (portal.models.matching), kept in step in the same transaction.
"""

from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.accounts import User
from portal.models.candidates import Candidate
from portal.models.framework import Competency
from portal.models.scorecards import Scorecard
from portal.models.types import UTCDateTime, utcnow
from portal.vocabulary import RATING_RANGE, between


class Interview(db.Model):
    """One interviewer asked to probe one candidate on some competencies of a scorecard."""

    __tablename__ = "interviews"
    __table_args__ = (
        UniqueConstraint("scorecard_id", "candidate_id", "interviewer_id"),
        Index("ix_interviews_interviewer", "interviewer_id", "created_at"),
        Index("ix_interviews_candidate", "candidate_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    scorecard_id: Mapped[int] = mapped_column(ForeignKey("scorecards.id", ondelete="CASCADE"))
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id", ondelete="CASCADE"))
    interviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    focus: Mapped[list[str]] = mapped_column(JSON, default=list)  # competency slugs
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    scorecard: Mapped[Scorecard] = relationship()
    candidate: Mapped[Candidate] = relationship()
    interviewer: Mapped[User] = relationship(foreign_keys=[interviewer_id])


# At most one draft and one submitted (current) evaluation per interviewer, candidate and
# scorecard: the database refuses a second one even when two requests race.
_ONE_PER_STATUS = ("scorecard_id", "candidate_id", "interviewer_id")


class Evaluation(db.Model):
    """An interviewer's ratings of a candidate against a scorecard's published version."""

    __tablename__ = "evaluations"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'submitted', 'superseded')", name="status_known"),
        CheckConstraint(
            "recommendation IS NULL OR recommendation IN "
            "('strong_no', 'no', 'mixed', 'yes', 'strong_yes')",
            name="recommendation_known",
        ),
        Index(
            "uq_evaluations_one_draft",
            *_ONE_PER_STATUS,
            unique=True,
            sqlite_where=text("status = 'draft'"),
            postgresql_where=text("status = 'draft'"),
        ),
        Index(
            "uq_evaluations_one_submitted",
            *_ONE_PER_STATUS,
            unique=True,
            sqlite_where=text("status = 'submitted'"),
            postgresql_where=text("status = 'submitted'"),
        ),
        Index("ix_evaluations_organisation_candidate", "organisation_id", "candidate_id", "status"),
        Index("ix_evaluations_scorecard_candidate", "scorecard_id", "candidate_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    scorecard_id: Mapped[int] = mapped_column(ForeignKey("scorecards.id", ondelete="CASCADE"))
    scorecard_version: Mapped[int]
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id", ondelete="CASCADE"))
    interviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(12), default="draft")
    recommendation: Mapped[str | None] = mapped_column(String(12))
    summary: Mapped[str] = mapped_column(Text, default="")
    # A correction points at the evaluation it replaces; each is replaced at most once.
    supersedes_id: Mapped[int | None] = mapped_column(
        ForeignKey("evaluations.id", ondelete="SET NULL"), unique=True
    )
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_by_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    ratings: Mapped[list["EvaluationRating"]] = relationship(
        cascade="all, delete-orphan", order_by="EvaluationRating.position"
    )
    interviewer: Mapped[User] = relationship(foreign_keys=[interviewer_id])
    candidate: Mapped[Candidate] = relationship()
    scorecard: Mapped[Scorecard] = relationship()


class EvaluationRating(db.Model):
    """One competency's rating (None = not assessed) and the interviewer's note on it."""

    __tablename__ = "evaluation_ratings"
    __table_args__ = (
        UniqueConstraint("evaluation_id", "competency_id"),
        CheckConstraint(
            f"rating IS NULL OR {between('rating', RATING_RANGE)}", name="rating_range"
        ),
        Index("ix_evaluation_ratings_competency", "competency_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id", ondelete="CASCADE"))
    competency_id: Mapped[int] = mapped_column(ForeignKey("competencies.id"))
    position: Mapped[int] = mapped_column(default=0)
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    note: Mapped[str] = mapped_column(Text, default="")

    competency: Mapped[Competency] = relationship()
