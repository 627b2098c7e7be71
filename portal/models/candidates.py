"""Candidates, their self- and interview assessments, sharing, and bulk import jobs."""

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.framework import Competency
from portal.models.types import UTCDateTime, utcnow
from portal.vocabulary import ASSESSED_LEVEL_RANGE, YEARS_RANGE, between

# The words live in portal.vocabulary; re-exported for older callers.
from portal.vocabulary import BACKGROUNDS as BACKGROUNDS
from portal.vocabulary import SOURCES as SOURCES


class Candidate(db.Model):
    """A person's CPO readiness profile.

    Recruiter-created candidates belong to an organisation (`organisation_id`); a candidate who
    signed up owns their profile (`user_id`) and shares it with organisations one by one.
    """

    __tablename__ = "candidates"
    __table_args__ = (
        CheckConstraint("organisation_id IS NOT NULL OR user_id IS NOT NULL", name="has_an_owner"),
        CheckConstraint(between("years_product", YEARS_RANGE), name="years_product_range"),
        CheckConstraint(between("years_leadership", YEARS_RANGE), name="years_leadership_range"),
        Index("ix_candidates_organisation_name", "organisation_id", "name"),
        Index("ix_candidates_organisation_updated", "organisation_id", "updated_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254), default="")
    headline: Mapped[str] = mapped_column(String(200), default="")
    years_product: Mapped[float] = mapped_column(Float, default=0)
    years_leadership: Mapped[float] = mapped_column(Float, default=0)
    education: Mapped[str] = mapped_column(String(20), default="none")
    certifications: Mapped[list[str]] = mapped_column(JSON, default=list)
    background: Mapped[str | None] = mapped_column(String(40))
    summary: Mapped[str] = mapped_column(Text, default="")
    work_history: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    revision: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    assessments: Mapped[list["Assessment"]] = relationship(
        cascade="all, delete-orphan", back_populates="candidate"
    )

    __mapper_args__ = {"version_id_col": revision}


class Assessment(db.Model):
    """One candidate's level on one competency from one source (self or interview)."""

    __tablename__ = "assessments"
    __table_args__ = (
        UniqueConstraint("candidate_id", "competency_id", "source"),
        CheckConstraint(between("level", ASSESSED_LEVEL_RANGE), name="level_range"),
        CheckConstraint("source IN ('self', 'interview')", name="source_known"),
        # Ranking candidates on a competency reads this index, not the table.
        Index("ix_assessments_competency_source_level", "competency_id", "source", "level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id", ondelete="CASCADE"))
    competency_id: Mapped[int] = mapped_column(ForeignKey("competencies.id"))
    source: Mapped[str] = mapped_column(String(20), default="self")
    level: Mapped[float]
    evidence: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    candidate: Mapped[Candidate] = relationship(back_populates="assessments")
    competency: Mapped[Competency] = relationship()


class CandidateShare(db.Model):
    """A self-registered candidate lets an organisation see their profile (until withdrawn)."""

    __tablename__ = "candidate_shares"

    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), primary_key=True
    )
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id"), primary_key=True, index=True
    )
    shared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ImportJob(db.Model):
    """A bulk import (CSV or zip of JSON Resumes) processed in the background."""

    __tablename__ = "import_jobs"
    __table_args__ = (
        CheckConstraint(
            "status IN ('queued', 'running', 'done', 'failed', 'cancelled')", name="status_known"
        ),
        # Every worker's sweep and each metrics scrape look for the few unfinished jobs among
        # all the finished ones.
        Index("ix_import_jobs_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The worker holding the job renews its lease with every committed batch; a job whose
    # lease ran out (its worker died) is taken over and resumes after `processed`.
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    worker: Mapped[str] = mapped_column(String(120), default="", server_default="")
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    cancel_requested: Mapped[bool] = mapped_column(default=False, server_default=false())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    filename: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), default="queued")
    total: Mapped[int] = mapped_column(default=0)
    processed: Mapped[int] = mapped_column(default=0)
    succeeded: Mapped[int] = mapped_column(default=0)  # created + updated
    updated: Mapped[int] = mapped_column(default=0, server_default="0")
    # The CSV header as uploaded (the failed-rows file repeats it); None for a zip.
    columns: Mapped[list[str] | None] = mapped_column(JSON)
    # Each distinct error once: [{"field", "message", "rows", "first"}], a bounded summary.
    problems: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def created(self) -> int:
        return self.succeeded - self.updated

    @property
    def failed(self) -> int:
        return self.processed - self.succeeded


class ImportFile(db.Model):
    """The uploaded file of a bulk import, stored before the job is queued so that any worker on
    any host can process it, and resume it, after the web process that took it is gone."""

    __tablename__ = "import_files"

    job_id: Mapped[int] = mapped_column(
        ForeignKey("import_jobs.id", ondelete="CASCADE"), primary_key=True
    )
    content: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int]


class Deletion(db.Model):
    """A tombstone: an organisation's candidate or scorecard that was deleted, so an integration
    syncing with `updated_since` learns of deletions too (`GET /deletions`)."""

    __tablename__ = "deletions"
    __table_args__ = (
        CheckConstraint("kind IN ('candidate', 'scorecard')", name="kind_known"),
        Index("ix_deletions_organisation_deleted", "organisation_id", "deleted_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    kind: Mapped[str] = mapped_column(String(20))
    object_id: Mapped[int]
    deleted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ImportFailure(db.Model):
    """One row (or zip member) of a bulk import that was not imported, and why.

    Appended a batch at a time, so recording failures costs the same per row however many
    there are; `cells` keeps a CSV row as uploaded for the failed-rows file.
    """

    __tablename__ = "import_failures"
    __table_args__ = (UniqueConstraint("job_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("import_jobs.id", ondelete="CASCADE"))
    position: Mapped[int]  # the failure's order in the job, from 1
    ref: Mapped[str] = mapped_column(String(255))  # CSV row number or zip member path
    name: Mapped[str] = mapped_column(String(200), default="")
    errors: Mapped[dict[str, list[str]]] = mapped_column(JSON, default=dict)
    cells: Mapped[list[str] | None] = mapped_column(JSON)
