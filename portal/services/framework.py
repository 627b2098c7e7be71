"""Queries over the CPO framework (competencies, responsibilities, steps, benchmark template)."""

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from threading import Lock
from time import monotonic
from typing import TypeVar
from weakref import WeakKeyDictionary

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, selectinload

from portal.models import (
    Competency,
    CompetencyIndicator,
    Responsibility,
    ScorecardTemplate,
    SkillArea,
    Step,
)
from portal.services.errors import NotFound
from portal.services.pagination import Page, paginate

T = TypeVar("T")
BENCHMARK_TEMPLATE_SLUG = "cpo-benchmark"
# The seed article's five skill areas; a competency's `category` is one of them.
SKILL_AREA_SLUGS = (
    "leadership-communication",
    "product-management",
    "business-strategy",
    "technical",
    "education-certifications",
)

# The framework is reference data that only `seed` (load_framework) changes. What is built
# from it may be kept by a process: until the process loads the framework itself, and for
# KEEP_SECONDS at most (a seed run by another process shows everywhere within that).
KEEP_SECONDS = 5
_loads = [0]
_kept: WeakKeyDictionary = WeakKeyDictionary()  # database engine -> {name: (load, until, value)}


# A store of documents kept between reads (a dict kept by `kept`) holds this many at most.
ENTRIES_AT_MOST = 1024
_ENTERING = Lock()


def keep_entry(entries: dict, key: Hashable, value: T) -> T:
    """Add `value` to a store of kept documents, dropping its oldest entry when it is full, and
    return it (a lookup after adding could miss it if other threads filled the store)."""
    with _ENTERING:
        if len(entries) >= ENTRIES_AT_MOST:
            entries.pop(next(iter(entries)))
        entries[key] = value
    return value


def generation() -> int:
    """How many times this process has loaded the framework."""
    return _loads[0]


def reloaded() -> None:
    _loads[0] += 1


def kept(session: Session, name: str, build: Callable[[Session], T]) -> T:
    """`build(session)`, reference data read from the framework, kept per database as above
    (callers only read it)."""
    engine = session.get_bind()
    values = _kept.setdefault(engine, {})
    load, until, value = values.get(name, (None, 0.0, None))
    if load != generation() or until < monotonic():
        load = generation()
        value = build(session)
        values[name] = (load, monotonic() + KEEP_SECONDS, value)
    return value


_COMPETENCY_DETAIL = (
    selectinload(Competency.skill_area),
    selectinload(Competency.indicators),
    selectinload(Competency.levels),
)


@dataclass(frozen=True)
class CompetencyFilter:
    """What a reader narrows the framework to: a skill area slug and free text."""

    category: str | None = None
    q: str | None = None


@dataclass(frozen=True)
class AreaGroup:
    area: SkillArea
    competencies: list[Competency]


def skill_areas(session: Session) -> list[SkillArea]:
    return list(session.scalars(select(SkillArea).order_by(SkillArea.position)))


def _filtered_competencies(criteria: CompetencyFilter) -> Select:
    statement = select(Competency).options(*_COMPETENCY_DETAIL)
    if criteria.category:
        statement = statement.where(Competency.skill_area.has(SkillArea.slug == criteria.category))
    text = (criteria.q or "").strip()
    if text:
        statement = statement.where(
            or_(
                Competency.name.icontains(text, autoescape=True),
                Competency.description.icontains(text, autoescape=True),
                Competency.indicators.any(
                    CompetencyIndicator.text.icontains(text, autoescape=True)
                ),
            )
        )
    return statement


def competency_page(
    session: Session, criteria: CompetencyFilter, page: int, page_size: int
) -> Page:
    """Competencies matching `criteria`, in framework order."""
    statement = _filtered_competencies(criteria).order_by(Competency.position)
    return paginate(session, statement, page, page_size)


def competencies_by_area(session: Session, criteria: CompetencyFilter) -> list[AreaGroup]:
    """Competencies matching `criteria`, grouped under their skill area; empty areas left out."""
    statement = _filtered_competencies(criteria).order_by(Competency.position)
    matches = session.scalars(statement).all()
    groups = []
    for area in skill_areas(session):
        members = [c for c in matches if c.skill_area_id == area.id]
        if members:
            groups.append(AreaGroup(area=area, competencies=members))
    return groups


def get_competency(session: Session, slug: str) -> Competency:
    competency = session.scalar(
        select(Competency).options(*_COMPETENCY_DETAIL).where(Competency.slug == slug)
    )
    if competency is None:
        raise NotFound(f"No competency is called {slug!r}.")
    return competency


def all_competencies(session: Session) -> list[Competency]:
    """Every competency in framework order, with its area, indicators and levels."""
    statement = _filtered_competencies(CompetencyFilter()).order_by(Competency.position)
    return list(session.scalars(statement))


def resolve_competencies(
    session: Session, slugs: list[str], field: str
) -> tuple[dict[str, Competency], dict[str, list[str]]]:
    """The competencies behind `slugs`, and errors ("<field>.<i>.competency") for each slug
    that is unknown or repeated."""
    known = competencies_by_slug(session, slugs)
    errors = {}
    for index, slug in enumerate(slugs):
        if slug not in known:
            errors[f"{field}.{index}.competency"] = [f"Unknown competency {slug!r}."]
        elif slugs.index(slug) != index:
            errors[f"{field}.{index}.competency"] = [f"{known[slug].name} is listed twice."]
    return known, errors


def competency_names(session: Session) -> dict[str, str]:
    return dict(session.execute(select(Competency.slug, Competency.name)).all())


def competencies_by_slug(session: Session, slugs: list[str]) -> dict[str, Competency]:
    statement = select(Competency).options(*_COMPETENCY_DETAIL).where(Competency.slug.in_(slugs))
    return {competency.slug: competency for competency in session.scalars(statement)}


def competencies_with_questions(session: Session, slugs: list[str]) -> list[Competency]:
    """The competencies behind `slugs` (unknown ones left out) in framework order, with their
    area, indicators, levels and suggested interview questions loaded: an interview kit."""
    statement = (
        select(Competency)
        .options(*_COMPETENCY_DETAIL, selectinload(Competency.questions))
        .where(Competency.slug.in_(slugs))
        .order_by(Competency.position)
    )
    return list(session.scalars(statement))


def responsibilities_needing(session: Session, competency: Competency) -> list[Responsibility]:
    statement = (
        select(Responsibility)
        .where(Responsibility.competencies.contains(competency))
        .order_by(Responsibility.position)
    )
    return list(session.scalars(statement))


def steps_developing(session: Session, competency: Competency) -> list[Step]:
    statement = select(Step).where(Step.competencies.contains(competency)).order_by(Step.order)
    return list(session.scalars(statement))


def responsibility_page(session: Session, page: int, page_size: int) -> Page:
    statement = (
        select(Responsibility)
        .options(selectinload(Responsibility.competencies))
        .order_by(Responsibility.position)
    )
    return paginate(session, statement, page, page_size)


def responsibilities_by_slug(session: Session, slugs: list[str]) -> list[Responsibility]:
    """The responsibilities behind `slugs` (unknown ones left out), in framework order."""
    statement = (
        select(Responsibility)
        .where(Responsibility.slug.in_(slugs))
        .order_by(Responsibility.position)
    )
    return list(session.scalars(statement))


def get_responsibility(session: Session, slug: str) -> Responsibility:
    responsibility = session.scalar(
        select(Responsibility)
        .options(selectinload(Responsibility.competencies).selectinload(Competency.skill_area))
        .where(Responsibility.slug == slug)
    )
    if responsibility is None:
        raise NotFound(f"No responsibility is called {slug!r}.")
    return responsibility


def step_page(session: Session, page: int, page_size: int) -> Page:
    statement = select(Step).options(selectinload(Step.competencies)).order_by(Step.order)
    return paginate(session, statement, page, page_size)


def all_steps(session: Session) -> list[Step]:
    """The path to CPO, in order, with the competencies each step develops."""
    return step_page(session, 1, 100).items


def get_step(session: Session, slug: str) -> Step:
    step = session.scalar(
        select(Step)
        .options(selectinload(Step.competencies).selectinload(Competency.skill_area))
        .where(Step.slug == slug)
    )
    if step is None:
        raise NotFound(f"No step is called {slug!r}.")
    return step


def benchmark_template(session: Session) -> ScorecardTemplate:
    template = session.scalar(
        select(ScorecardTemplate).where(ScorecardTemplate.slug == BENCHMARK_TEMPLATE_SLUG)
    )
    if template is None:
        raise NotFound("The CPO benchmark has not been loaded; run `flask --app portal seed`.")
    return template
