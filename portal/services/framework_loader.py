"""Load the framework document into the database: validated first, then upserted by slug.

Rows keep their ids across loads, so later data (scorecards, assessments) that points at a
competency survives an edited framework file; a second load of the same file changes nothing.
"""

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import marshmallow as ma
import yaml
from sqlalchemy import event, select
from sqlalchemy.orm import Session, scoped_session

from portal.models import (
    Competency,
    CompetencyIndicator,
    CompetencyLevel,
    CompetencyQuestion,
    Responsibility,
    ScorecardTemplate,
    SkillArea,
    Step,
)
from portal.models.matching import SLOTS
from portal.services.errors import ValidationFailed, flatten_messages
from portal.services.framework import BENCHMARK_TEMPLATE_SLUG, SKILL_AREA_SLUGS, reloaded
from portal.vocabulary import (
    EDUCATION_LEVELS,
    LEVEL_RANGE,
    QUESTIONS_MIN,
    WEIGHT_RANGE,
    YEARS_RANGE,
)

FRAMEWORK_FILE = Path(__file__).resolve().parent.parent / "data" / "framework.yaml"

_slug = ma.fields.String(required=True, validate=ma.validate.Regexp(r"^[a-z0-9]+(-[a-z0-9]+)*$"))
_text = ma.fields.String(required=True, validate=ma.validate.Length(min=1))


class _AreaDoc(ma.Schema):
    slug = _slug
    name = _text
    description = _text


class _LevelDoc(ma.Schema):
    level = ma.fields.Integer(required=True, validate=ma.validate.Range(*LEVEL_RANGE))
    label = _text
    description = _text


class _CompetencyDoc(ma.Schema):
    slug = _slug
    name = _text
    category = _slug
    description = _text
    indicators = ma.fields.List(_text, required=True, validate=ma.validate.Length(min=3))
    # Suggested interview questions; counted below, where the message can name the competency.
    questions = ma.fields.List(_text, load_default=list)
    levels = ma.fields.List(
        ma.fields.Nested(_LevelDoc), required=True, validate=ma.validate.Length(equal=5)
    )

    @ma.validates("levels")
    def _levels_in_order(self, levels, **_):
        if [entry["level"] for entry in levels] != [1, 2, 3, 4, 5]:
            raise ma.ValidationError("Levels must be 1, 2, 3, 4, 5 in that order.")

    @ma.validates_schema
    def _enough_distinct_questions(self, doc, **_):
        slug, questions = doc["slug"], doc["questions"]
        problems = [
            f"{slug}: the question {text!r} is listed twice."
            for index, text in enumerate(questions)
            if questions.index(text) != index
        ]
        if len(questions) < QUESTIONS_MIN:
            problems.insert(
                0,
                f"{slug}: at least {QUESTIONS_MIN} interview questions are needed, "
                f"{len(questions)} given.",
            )
        if problems:
            raise ma.ValidationError(problems, "questions")


class _ResponsibilityDoc(ma.Schema):
    slug = _slug
    title = _text
    description = _text
    competencies = ma.fields.List(_slug, required=True, validate=ma.validate.Length(min=1))


class _StepDoc(_ResponsibilityDoc):
    order = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1))
    actions = ma.fields.List(_text, required=True, validate=ma.validate.Length(min=1))


class _BenchmarkCompetencyDoc(ma.Schema):
    competency = _slug
    weight = ma.fields.Integer(required=True, validate=ma.validate.Range(*WEIGHT_RANGE))
    target_level = ma.fields.Integer(required=True, validate=ma.validate.Range(*LEVEL_RANGE))
    must_have = ma.fields.Boolean(required=True)


class _RequirementsDoc(ma.Schema):
    min_years_product = ma.fields.Float(required=True, validate=ma.validate.Range(*YEARS_RANGE))
    min_years_leadership = ma.fields.Float(required=True, validate=ma.validate.Range(*YEARS_RANGE))
    education = ma.fields.String(required=True, validate=ma.validate.OneOf(EDUCATION_LEVELS))


class _BenchmarkDoc(ma.Schema):
    title = _text
    mission = _text
    outcomes = ma.fields.List(_text, required=True, validate=ma.validate.Length(min=3, max=8))
    requirements = ma.fields.Nested(_RequirementsDoc, required=True)
    competencies = ma.fields.List(
        ma.fields.Nested(_BenchmarkCompetencyDoc), required=True, validate=ma.validate.Length(min=1)
    )
    responsibilities = ma.fields.List(_slug, required=True)


class FrameworkDocument(ma.Schema):
    """The shape of portal/data/framework.yaml, with its cross-references checked."""

    skill_areas = ma.fields.List(ma.fields.Nested(_AreaDoc), required=True)
    level_labels = ma.fields.Dict(keys=ma.fields.Integer(), values=_text, required=True)
    competencies = ma.fields.List(ma.fields.Nested(_CompetencyDoc), required=True)
    responsibilities = ma.fields.List(ma.fields.Nested(_ResponsibilityDoc), required=True)
    steps = ma.fields.List(ma.fields.Nested(_StepDoc), required=True)
    benchmark = ma.fields.Nested(_BenchmarkDoc, required=True)

    @ma.validates_schema
    def _references_resolve(self, doc, **_):
        errors: dict[str, list[str]] = {}
        areas = _unique_slugs(doc["skill_areas"], "skill_areas", errors)
        if [area["slug"] for area in doc["skill_areas"]] != list(SKILL_AREA_SLUGS):
            errors.setdefault("skill_areas", []).append(
                f"must be the seed's five skill areas: {', '.join(SKILL_AREA_SLUGS)}"
            )
        competencies = _unique_slugs(doc["competencies"], "competencies", errors)
        responsibilities = _unique_slugs(doc["responsibilities"], "responsibilities", errors)
        _unique_slugs(doc["steps"], "steps", errors)
        for entry in doc["competencies"]:
            if entry["category"] not in areas:
                errors.setdefault("competencies", []).append(
                    f"{entry['slug']}: unknown category {entry['category']!r}"
                )
            for level in entry["levels"]:
                if doc["level_labels"].get(level["level"]) != level["label"]:
                    errors.setdefault("competencies", []).append(
                        f"{entry['slug']}: level {level['level']} must be labelled "
                        f"{doc['level_labels'].get(level['level'])!r}"
                    )
        referrers = [*doc["responsibilities"], *doc["steps"]]
        referrers += [
            {
                "slug": "benchmark",
                "competencies": [c["competency"] for c in doc["benchmark"]["competencies"]],
            }
        ]
        for entry in referrers:
            for slug in set(entry["competencies"]) - competencies:
                errors.setdefault("references", []).append(
                    f"{entry['slug']}: unknown competency {slug!r}"
                )
        for slug in set(doc["benchmark"]["responsibilities"]) - responsibilities:
            errors.setdefault("references", []).append(
                f"benchmark: unknown responsibility {slug!r}"
            )
        if errors:
            raise ma.ValidationError(errors)


def _unique_slugs(entries: list[dict], name: str, errors: dict) -> set[str]:
    slugs = [entry["slug"] for entry in entries]
    duplicates = sorted({slug for slug in slugs if slugs.count(slug) > 1})
    if duplicates:
        errors.setdefault(name, []).append(f"duplicate slugs: {', '.join(duplicates)}")
    return set(slugs)


@dataclass(frozen=True)
class LoadReport:
    created: int
    updated: int
    removed: int

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.removed)


@cache
def shipped_slugs(kind: str) -> tuple[str, ...]:
    """Slugs of the framework file shipped with this code ("competencies", "responsibilities")."""
    return tuple(entry["slug"] for entry in read_framework_file()[kind])


def read_framework_file(path: Path = FRAMEWORK_FILE) -> dict[str, Any]:
    """Parse and validate a framework document; ValidationFailed names every bad path."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return FrameworkDocument().load(raw)
    except yaml.YAMLError as error:
        raise ValidationFailed({"file": [str(error)]}, f"{path} is not valid YAML.") from error
    except ma.ValidationError as error:
        raise ValidationFailed(
            flatten_messages(error.normalized_messages()), f"{path} is invalid."
        ) from error


def load_framework(session: Session, doc: dict[str, Any]) -> LoadReport:
    """Upsert a validated framework document and commit; rows are matched by slug."""
    if isinstance(session, scoped_session):
        session = session()  # events attach to a real Session, not the thread-local proxy
    changes = _ChangeCounter()
    event.listen(session, "before_flush", changes.record)
    try:
        _upsert_document(session, doc)
        session.flush()
    finally:
        event.remove(session, "before_flush", changes.record)
    session.commit()
    reloaded()  # readers drop what they kept from the old framework
    return changes.report()


class _ChangeCounter:
    """Counts the distinct rows each flush of a load inserts, updates or deletes."""

    def __init__(self):
        self.created: set[int] = set()
        self.updated: set[int] = set()
        self.removed: set[int] = set()

    def record(self, session: Session, _context, _instances) -> None:
        self.created.update(id(row) for row in session.new)
        self.updated.update(id(row) for row in session.dirty if session.is_modified(row))
        self.removed.update(id(row) for row in session.deleted)

    def report(self) -> LoadReport:
        return LoadReport(
            created=len(self.created),
            updated=len(self.updated - self.created),
            removed=len(self.removed),
        )


def _upsert_document(session: Session, doc: dict[str, Any]) -> None:
    areas = {}
    for position, entry in enumerate(doc["skill_areas"]):
        areas[entry["slug"]] = _upsert(
            session, SkillArea, entry["slug"], {**entry, "position": position}
        )
    competencies = {}
    free_slots = _free_slots(session)
    for position, entry in enumerate(doc["competencies"]):
        competency = _upsert(
            session,
            Competency,
            entry["slug"],
            {
                "name": entry["name"],
                "description": entry["description"],
                "skill_area": areas[entry["category"]],
                "position": position,
            },
        )
        if competency.slot is None:
            competency.slot = _take_slot(free_slots, entry["slug"])
        _sync_texts(competency.indicators, entry["indicators"], CompetencyIndicator)
        _sync_texts(competency.questions, entry["questions"], CompetencyQuestion)
        _sync_levels(competency, entry["levels"])
        competencies[entry["slug"]] = competency
    for position, entry in enumerate(doc["responsibilities"]):
        responsibility = _upsert(
            session,
            Responsibility,
            entry["slug"],
            {"title": entry["title"], "description": entry["description"], "position": position},
        )
        _sync_links(responsibility, [competencies[s] for s in entry["competencies"]])
    _load_steps(session, doc["steps"], competencies)
    benchmark = doc["benchmark"]
    _upsert(
        session,
        ScorecardTemplate,
        BENCHMARK_TEMPLATE_SLUG,
        {"title": benchmark["title"], "body": {k: v for k, v in benchmark.items() if k != "title"}},
    )


def _free_slots(session: Session) -> list[int]:
    taken = set(session.scalars(select(Competency.slot)))
    return [slot for slot in range(SLOTS, 0, -1) if slot not in taken]


def _take_slot(free_slots: list[int], slug: str) -> int:
    """The lowest free ranking slot; a framework larger than the ranking rows is refused."""
    if not free_slots:
        raise ValidationFailed(
            {"competencies": [f"No ranking slot is left for {slug!r}: at most {SLOTS} fit."]},
            "The framework has more competencies than the ranking can hold.",
        )
    return free_slots.pop()


def _load_steps(session: Session, steps: list[dict], competencies: dict[str, Competency]) -> None:
    # Step order is unique: park moved steps out of the way before giving them their new order.
    existing = {step.slug: step for step in session.scalars(select(Step))}
    moved = [
        existing[e["slug"]]
        for e in steps
        if e["slug"] in existing and existing[e["slug"]].order != e["order"]
    ]
    for offset, step in enumerate(moved, start=1):
        step.order = -offset
    session.flush()
    for entry in steps:
        step = _upsert(
            session,
            Step,
            entry["slug"],
            {key: entry[key] for key in ("order", "title", "description", "actions")},
        )
        _sync_links(step, [competencies[s] for s in entry["competencies"]])


def _upsert(session: Session, model: type, slug: str, values: dict[str, Any]):
    row = session.scalar(select(model).where(model.slug == slug))
    if row is None:
        row = model(slug=slug)
        session.add(row)
    for key, value in values.items():
        if key != "slug" and getattr(row, key, None) != value:
            setattr(row, key, value)
    return row


def _sync_links(owner: Responsibility | Step, wanted: list[Competency]) -> None:
    if {c.slug for c in owner.competencies} != {c.slug for c in wanted}:
        owner.competencies = wanted


def _sync_texts(
    rows: list[CompetencyIndicator | CompetencyQuestion],
    texts: list[str],
    row_type: type[CompetencyIndicator | CompetencyQuestion],
) -> None:
    """Make an ordered list of text rows (a competency's indicators or questions) say `texts`:
    rows are matched by position and edited in place, missing ones added, extra ones removed."""
    current = {row.position: row for row in rows}
    for position, text in enumerate(texts):
        if position in current:
            if current[position].text != text:
                current[position].text = text
        else:
            rows.append(row_type(position=position, text=text))
    for position in set(current) - set(range(len(texts))):
        rows.remove(current[position])


def _sync_levels(competency: Competency, levels: list[dict]) -> None:
    current = {level.level: level for level in competency.levels}
    for entry in levels:
        row = current.get(entry["level"])
        if row is None:
            competency.levels.append(CompetencyLevel(**entry))
            continue
        for key in ("label", "description"):
            if getattr(row, key) != entry[key]:
                setattr(row, key, entry[key])
