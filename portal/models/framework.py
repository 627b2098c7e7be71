"""The CPO framework: reference data authored in portal/data/framework.yaml and loaded by `seed`."""

from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    ForeignKey,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.vocabulary import LEVEL_RANGE, between

responsibility_competencies = Table(
    "responsibility_competencies",
    db.metadata,
    Column(
        "responsibility_id", ForeignKey("responsibilities.id", ondelete="CASCADE"), primary_key=True
    ),
    Column(
        "competency_id",
        ForeignKey("competencies.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)

step_competencies = Table(
    "step_competencies",
    db.metadata,
    Column("step_id", ForeignKey("steps.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "competency_id",
        ForeignKey("competencies.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)


class SkillArea(db.Model):
    """One of the seed's five skill areas; the `category` of a competency."""

    __tablename__ = "skill_areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text)
    position: Mapped[int]

    competencies: Mapped[list["Competency"]] = relationship(
        back_populates="skill_area", order_by="Competency.position"
    )


class Competency(db.Model):
    __tablename__ = "competencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    skill_area_id: Mapped[int] = mapped_column(ForeignKey("skill_areas.id"), index=True)
    description: Mapped[str] = mapped_column(Text)
    position: Mapped[int]
    # Its level column in the ranking rows (portal.models.matching); kept for life.
    slot: Mapped[int] = mapped_column(unique=True)

    skill_area: Mapped[SkillArea] = relationship(back_populates="competencies")
    indicators: Mapped[list["CompetencyIndicator"]] = relationship(
        order_by="CompetencyIndicator.position", cascade="all, delete-orphan"
    )
    levels: Mapped[list["CompetencyLevel"]] = relationship(
        order_by="CompetencyLevel.level", cascade="all, delete-orphan"
    )
    questions: Mapped[list["CompetencyQuestion"]] = relationship(
        order_by="CompetencyQuestion.position", cascade="all, delete-orphan"
    )

    @property
    def category(self) -> str:
        return self.skill_area.slug


class CompetencyIndicator(db.Model):
    """An observable behaviour that shows the competency, in the seed's own terms."""

    __tablename__ = "competency_indicators"
    __table_args__ = (UniqueConstraint("competency_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    competency_id: Mapped[int] = mapped_column(ForeignKey("competencies.id", ondelete="CASCADE"))
    position: Mapped[int]
    text: Mapped[str] = mapped_column(Text)


class CompetencyQuestion(db.Model):
    """A question an interviewer can ask to probe the competency, in the seed's own terms."""

    __tablename__ = "competency_questions"
    __table_args__ = (UniqueConstraint("competency_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    competency_id: Mapped[int] = mapped_column(ForeignKey("competencies.id", ondelete="CASCADE"))
    position: Mapped[int]
    text: Mapped[str] = mapped_column(Text)


class CompetencyLevel(db.Model):
    """A behaviour-anchored descriptor: what someone at this level of the competency does."""

    __tablename__ = "competency_levels"
    __table_args__ = (
        UniqueConstraint("competency_id", "level"),
        CheckConstraint(between("level", LEVEL_RANGE), name="level_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    competency_id: Mapped[int] = mapped_column(ForeignKey("competencies.id", ondelete="CASCADE"))
    level: Mapped[int]
    label: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text)


class Responsibility(db.Model):
    """One of the seed's five key responsibilities of a CPO."""

    __tablename__ = "responsibilities"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    position: Mapped[int]

    competencies: Mapped[list[Competency]] = relationship(
        secondary=responsibility_competencies, order_by=Competency.position
    )


class Step(db.Model):
    """One of the seed's five steps toward becoming a CPO."""

    __tablename__ = "steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    order: Mapped[int] = mapped_column("step_order", unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    # Display-only ordered list; never filtered on, so it needs no table of its own.
    actions: Mapped[list[str]] = mapped_column(JSON)

    competencies: Mapped[list[Competency]] = relationship(
        secondary=step_competencies, order_by=Competency.position
    )


class ScorecardTemplate(db.Model):
    """A built-in scorecard recruiters clone (the "CPO benchmark"), kept as its document."""

    __tablename__ = "scorecard_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
