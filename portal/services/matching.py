"""Matching: the one home of CONTRACT's formula, the live ranking in SQL, and readiness.

`evaluate` states the formula in Python for one candidate (the match page, the board's rows,
exports, readiness); `rank` orders every visible candidate with the same formula in one SQL
statement over the ranking rows (portal.models.matching), so what-if weights can change on
every request and memory never grows with the pool. Both compute in tenths with integers:
a level l (1 decimal) is stored as l10 = 10 l, so

    score = 100 * sum(w * min(l10, 10 t) / (10 t)) / W = N / (6 W),
    N = sum(w * min(l10, 10 t) * 60 / t)      (60 is divisible by every target 1..5)

and the score rounded half up to tenths is (10 N + 3 W) // (6 W), exact on every database.
"""

import hashlib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import (
    BindParameter,
    Integer,
    Select,
    SmallInteger,
    and_,
    bindparam,
    case,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import GenericFunction

from portal.ids import ID_MAX
from portal.models import (
    Candidate,
    CandidateShare,
    Competency,
    Organisation,
    Scorecard,
    ScorecardVersion,
    Step,
    User,
)
from portal.models.matching import (
    EDUCATION_RANK,
    SLOTS,
    InterviewLevels,
    MatchProfile,
    level_column,
)
from portal.services import candidates, framework, scorecards
from portal.services.access import Actor
from portal.services.errors import NotFound, ValidationFailed
from portal.services.match_profiles import tenths
from portal.services.pagination import Page
from portal.services.reads import column_rows
from portal.vocabulary import EDUCATION_LEVELS

VERDICTS = ("ready", "ready_with_gaps", "not_ready")
READY_SCORE = 85
GAPS_SCORE = 60
REQUIREMENTS = ("min_years_product", "min_years_leadership", "education")
# Every target 1..5 divides it, so a capped level times LCM // target stays an integer.
_LCM = 60


# --- the scorecard and the candidate, as matched -------------------------------------------------


@dataclass(frozen=True)
class Criterion:
    """A competency the matched scorecard asks for."""

    competency: str
    name: str
    slot: int
    weight: int
    target_level: int
    must_have: bool


@dataclass(frozen=True)
class Requirements:
    min_years_product: float = 0
    min_years_leadership: float = 0
    education: str = "none"


@dataclass(frozen=True)
class Spec:
    """What a candidate is matched against: a scorecard version, or a what-if over it."""

    criteria: tuple[Criterion, ...]
    requirements: Requirements
    version: int = 0
    what_if: bool = False

    @property
    def total_weight(self) -> int:
        return sum(c.weight for c in self.criteria)


# The result's parts are built a dozen times per candidate, so they are named tuples: as
# immutable, and built in about a quarter of a frozen dataclass's time.
class Level(NamedTuple):
    value: float  # 0..5, one decimal
    source: str | None  # "self", "interview", or None when not assessed (level 0)


NOT_ASSESSED = Level(0.0, None)


@dataclass(frozen=True)
class Profile:
    """A candidate as the formula sees them."""

    candidate_id: int
    years_product: float
    years_leadership: float
    education: str
    levels: dict[str, Level] = field(default_factory=dict)

    def level(self, competency: str) -> Level:
        return self.levels.get(competency, NOT_ASSESSED)


@dataclass(frozen=True)
class PathStep:
    """A framework step toward CPO, as the plan needs it."""

    slug: str
    order: int
    title: str
    actions: tuple[str, ...]
    competencies: frozenset[str]


# --- the result ------------------------------------------------------------------------------


class Gap(NamedTuple):
    competency: str
    name: str
    target_level: int
    level: float
    source: str | None
    gap: float
    weight: int
    contribution: float
    must_have: bool

    @property
    def weighted_gap(self) -> float:
        return self.weight * self.gap


class PlanItem(NamedTuple):
    step: str
    title: str
    order: int
    actions: tuple[str, ...]
    addresses: tuple[str, ...]
    weighted_gap: float


@dataclass(frozen=True)
class Match:
    candidate_id: int
    scorecard_version: int
    score: float
    verdict: str
    must_haves_met: bool
    unmet_requirements: tuple[str, ...]
    unmet_must_haves: tuple[str, ...]
    gaps: tuple[Gap, ...]  # one per criterion, in the scorecard's order
    plan: tuple[PlanItem, ...]

    def biggest_gaps(self, count: int | None = None) -> list[Gap]:
        """Competencies below target, the largest weighted gap first."""
        open_gaps = [gap for gap in self.gaps if gap.gap > 0]
        open_gaps.sort(key=lambda gap: -gap.weighted_gap)
        return open_gaps[:count]

    @property
    def sources(self) -> set[str]:
        return {gap.source for gap in self.gaps if gap.source}


# --- the formula -----------------------------------------------------------------------------


def _half_up_tenths(numerator: int, denominator: int) -> float:
    """numerator / denominator (non-negative) rounded half up to one decimal, exactly."""
    return (20 * numerator + denominator) // (2 * denominator) / 10


def verdict_for(must_haves_met: bool, score: float) -> str:
    if must_haves_met and score >= READY_SCORE:
        return "ready"
    if must_haves_met and score >= GAPS_SCORE:
        return "ready_with_gaps"
    return "not_ready"


def unmet_requirements(requirements: Requirements, profile: Profile) -> tuple[str, ...]:
    unmet = []
    if tenths(profile.years_product) < tenths(requirements.min_years_product):
        unmet.append("min_years_product")
    if tenths(profile.years_leadership) < tenths(requirements.min_years_leadership):
        unmet.append("min_years_leadership")
    if EDUCATION_RANK[profile.education] < EDUCATION_RANK[requirements.education]:
        unmet.append("education")
    return tuple(unmet)


def evaluate(spec: Spec, profile: Profile, steps: Sequence[PathStep]) -> Match:
    """CONTRACT's match of one candidate against `spec`."""
    total = spec.total_weight
    gaps = []
    numerator = 0  # N of the module docstring: score = N / (6 W)
    for criterion in spec.criteria:
        level = profile.level(criterion.competency)
        level10 = tenths(level.value)
        target10 = 10 * criterion.target_level
        covered = criterion.weight * min(level10, target10)  # coverage = covered / (w * 10 t)
        numerator += covered * (_LCM // criterion.target_level)
        gaps.append(
            Gap(
                competency=criterion.competency,
                name=criterion.name,
                target_level=criterion.target_level,
                level=level10 / 10,
                source=level.source,
                gap=max(target10 - level10, 0) / 10,
                weight=criterion.weight,
                contribution=_half_up_tenths(10 * covered, criterion.target_level * total),
                must_have=criterion.must_have,
            )
        )
    score = _half_up_tenths(numerator, 6 * total) if total else 0.0
    unmet = unmet_requirements(spec.requirements, profile)
    unmet_musts = tuple(g.competency for g in gaps if g.must_have and g.gap > 0)
    met = not unmet and not unmet_musts
    return Match(
        candidate_id=profile.candidate_id,
        scorecard_version=spec.version,
        score=score,
        verdict=verdict_for(met, score),
        must_haves_met=met,
        unmet_requirements=unmet,
        unmet_must_haves=unmet_musts,
        gaps=tuple(gaps),
        plan=development_plan(gaps, steps),
    )


def development_plan(gaps: Iterable[Gap], steps: Sequence[PathStep]) -> tuple[PlanItem, ...]:
    """The steps that develop a competency below target, the most weighted gap first."""
    open_gaps = [gap for gap in gaps if gap.gap > 0]
    items = []
    for step in steps:
        addressed = [gap for gap in open_gaps if gap.competency in step.competencies]
        if addressed:
            items.append(
                PlanItem(
                    step=step.slug,
                    title=step.title,
                    order=step.order,
                    actions=step.actions,
                    addresses=tuple(gap.competency for gap in addressed),
                    weighted_gap=sum(tenths(gap.weighted_gap) for gap in addressed) / 10,
                )
            )
    items.sort(key=lambda item: (-item.weighted_gap, item.order))
    return tuple(items)


def match_document(match: Match, candidate: dict[str, Any] | None) -> dict[str, Any]:
    """A match as the API shows it; `candidate` is `{id, name}` (None in one's own readiness)."""
    return {
        "candidate": candidate,
        "scorecard_version": match.scorecard_version,
        "score": match.score,
        "verdict": match.verdict,
        "must_haves_met": match.must_haves_met,
        "unmet_requirements": list(match.unmet_requirements),
        "gaps": [
            {
                "competency": gap.competency,
                "target_level": gap.target_level,
                "level": gap.level,
                "source": gap.source,
                "gap": gap.gap,
                "weight": gap.weight,
                "contribution": gap.contribution,
            }
            for gap in match.gaps
        ],
        "plan": [
            {"step": item.step, "title": item.title, "addresses": list(item.addresses)}
            for item in match.plan
        ],
    }


# --- the scorecard's spec, and what-ifs over it --------------------------------------------------


@dataclass(frozen=True)
class _FrameworkEntry:
    name: str
    slot: int


def _framework_entries(session: Session) -> dict[str, _FrameworkEntry]:
    return framework.kept(session, "matching.entries", _read_framework_entries)


def _read_framework_entries(session: Session) -> dict[str, _FrameworkEntry]:
    rows = session.execute(select(Competency.slug, Competency.name, Competency.slot))
    return {slug: _FrameworkEntry(name, slot) for slug, name, slot in rows}


def spec_from_document(session: Session, doc: dict[str, Any]) -> Spec:
    """The spec of a scorecard document (a published version's snapshot or a working copy)."""
    known = _framework_entries(session)
    criteria = tuple(
        Criterion(
            competency=entry["competency"],
            name=known[entry["competency"]].name,
            slot=known[entry["competency"]].slot,
            weight=entry["weight"],
            target_level=entry["target_level"],
            must_have=entry.get("must_have", False),
        )
        for entry in doc["competencies"]
        if entry["competency"] in known
    )
    requirements = Requirements(**{k: doc["requirements"][k] for k in REQUIREMENTS})
    return Spec(criteria, requirements, version=doc.get("version", 0))


def what_if(session: Session, base: Spec, changes: dict[str, Any]) -> Spec:
    """`base` with `changes` (`competencies` replaces the list, `requirements` the named
    fields); entries may omit what the base already says about their competency."""
    errors: dict[str, list[str]] = {}
    criteria = base.criteria
    if changes.get("competencies") is not None:
        criteria = _what_if_criteria(session, base, changes["competencies"], errors)
    requirements = _what_if_requirements(base, changes.get("requirements") or {}, errors)
    if errors:
        raise ValidationFailed(errors, "The what-if has invalid fields; the ranking is unchanged.")
    return replace(base, criteria=criteria, requirements=requirements, what_if=True)


def _in_range(value: Any, bounds: tuple[float, float]) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and bounds[0] <= value <= bounds[1]
    )


def _what_if_criteria(
    session: Session, base: Spec, entries: list[dict[str, Any]], errors: dict
) -> tuple[Criterion, ...]:
    known = _framework_entries(session)
    current = {c.competency: c for c in base.criteria}
    if not entries:
        errors["competencies"] = ["Keep at least one competency."]
    criteria = []
    seen = set()
    for index, entry in enumerate(entries):
        path = f"competencies.{index}"
        slug = entry.get("competency")
        if slug not in known:
            errors[f"{path}.competency"] = [f"Unknown competency {slug!r}."]
            continue
        if slug in seen:
            errors[f"{path}.competency"] = [f"{known[slug].name} is listed twice."]
            continue
        seen.add(slug)
        was = current.get(slug)
        values = {
            "weight": entry.get("weight", was.weight if was else None),
            "target_level": entry.get("target_level", was.target_level if was else None),
        }
        for name, bounds in (
            ("weight", scorecards.WEIGHT_RANGE),
            ("target_level", scorecards.LEVEL_RANGE),
        ):
            if not _in_range(values[name], bounds) or int(values[name]) != values[name]:
                errors[f"{path}.{name}"] = [
                    f"Must be a whole number from {bounds[0]} to {bounds[1]}."
                ]
        must_have = entry.get("must_have", was.must_have if was else False)
        if not isinstance(must_have, bool):
            errors[f"{path}.must_have"] = ["Must be true or false."]
        if f"{path}.weight" in errors or f"{path}.target_level" in errors:
            continue
        criteria.append(
            Criterion(
                slug,
                known[slug].name,
                known[slug].slot,
                int(values["weight"]),
                int(values["target_level"]),
                bool(must_have),
            )
        )
    return tuple(criteria)


def _what_if_requirements(base: Spec, changes: dict[str, Any], errors: dict) -> Requirements:
    values = {name: getattr(base.requirements, name) for name in REQUIREMENTS}
    for name in ("min_years_product", "min_years_leadership"):
        if name in changes:
            if not _in_range(changes[name], scorecards.YEARS_RANGE):
                low, high = scorecards.YEARS_RANGE
                errors[f"requirements.{name}"] = [f"Must be a number from {low} to {high}."]
            else:
                values[name] = changes[name]
    if "education" in changes:
        if changes["education"] not in EDUCATION_LEVELS:
            errors["requirements.education"] = [f"Must be one of {', '.join(EDUCATION_LEVELS)}."]
        else:
            values["education"] = changes["education"]
    return Requirements(**values)


# --- candidates as matched -----------------------------------------------------------------------


def path_steps(session: Session) -> list[PathStep]:
    return framework.kept(session, "matching.path_steps", _read_path_steps)


def _read_path_steps(session: Session) -> list[PathStep]:
    rows = session.execute(
        select(Step.slug, Step.order, Step.title, Step.actions, Competency.slug)
        .join(Step.competencies)
        .order_by(Step.order)
    ).all()
    steps: dict[str, PathStep] = {}
    for slug, order, title, actions, competency in rows:
        step = steps.get(slug) or PathStep(slug, order, title, tuple(actions), frozenset())
        steps[slug] = replace(step, competencies=step.competencies | {competency})
    return list(steps.values())


# The bind parameter of the organisation in the statements built once below and in the ranking.
ORGANISATION = "organisation_id"
_PROFILE = MatchProfile.__table__
_INTERVIEW = InterviewLevels.__table__

_EDUCATION_BY_RANK = {rank: name for name, rank in EDUCATION_RANK.items()}


def _interviewed_column(slot: int) -> str:
    """The label of the organisation's interview level of `slot`, beside the self-assessed
    `l<slot>` (NULL where it has none)."""
    return "interview_" + level_column(slot)


def _with_interview_levels(joined, *columns) -> Select:
    """The ranking rows in `joined` (the table, or a page of the ranking joined to it), each with
    the ORGANISATION's interview levels of the candidate, and `columns`."""
    interview = [
        _INTERVIEW.c[level_column(slot)].label(_interviewed_column(slot))
        for slot in range(1, SLOTS + 1)
    ]
    return select(_PROFILE, *interview, *columns).select_from(
        joined.outerjoin(
            _INTERVIEW,
            and_(
                _INTERVIEW.c.candidate_id == _PROFILE.c.candidate_id,
                _INTERVIEW.c.organisation_id == bindparam(ORGANISATION),
            ),
        )
    )


# Some candidates' ranking rows (built once: a page of rows is read for every match shown).
_PROFILES = _with_interview_levels(_PROFILE).where(
    _PROFILE.c.candidate_id.in_(bindparam("ids", expanding=True))
)


def profiles(
    session: Session, candidate_ids: Sequence[int], organisation_id: int | None
) -> dict[int, Profile]:
    """The candidates as the formula sees them; with an organisation, its interview levels
    override the self-assessed ones (CONTRACT)."""
    rows = column_rows(
        session, _PROFILES, {"ids": list(candidate_ids), ORGANISATION: organisation_id}
    )
    columns = _level_columns(session)
    return {row.candidate_id: _profile_of(row, columns) for row in rows}


def _level_columns(session: Session) -> tuple[tuple[str, str, str], ...]:
    """(slug, self level column, interview level column) of each competency in the framework."""
    return framework.kept(session, "matching.level_columns", _read_level_columns)


def _read_level_columns(session: Session) -> tuple[tuple[str, str, str], ...]:
    return tuple(
        (slug, level_column(entry.slot), _interviewed_column(entry.slot))
        for slug, entry in _framework_entries(session).items()
    )


def _profile_of(row: Any, columns: tuple[tuple[str, str, str], ...]) -> Profile:
    """A row of `_with_interview_levels` as the formula sees it."""
    levels = {}
    for slug, assessed_column, interviewed_column in columns:
        interviewed = getattr(row, interviewed_column)
        if interviewed is not None:
            levels[slug] = Level(interviewed / 10, "interview")
        elif (assessed := getattr(row, assessed_column)) is not None:
            levels[slug] = Level(assessed / 10, "self")
    return Profile(
        candidate_id=row.candidate_id,
        years_product=row.years_product / 10,
        years_leadership=row.years_leadership / 10,
        education=_EDUCATION_BY_RANK[row.education],
        levels=levels,
    )


# --- the ranking in SQL --------------------------------------------------------------------------


class least(GenericFunction):  # noqa: N801  (an SQL function name)
    """The smaller of two integers: LEAST on PostgreSQL, the two-argument MIN on SQLite."""

    type = Integer()
    inherit_cache = True


@compiles(least, "sqlite")
def _least_on_sqlite(element, compiler, **kw):
    return f"MIN({compiler.process(element.clauses, **kw)})"


@dataclass(frozen=True)
class MatchFilter:
    verdicts: tuple[str, ...] = ()
    must_haves_met: bool | None = None
    min_score: float | None = None


class RankedCandidate(NamedTuple):
    """What a ranking shows of a candidate."""

    id: int
    name: str
    headline: str


@dataclass(frozen=True)
class RankedPage(Page):
    """One page of the ranking; its items are (rank, candidate, match) rows."""

    @property
    def rows(self) -> list[tuple[int, RankedCandidate, Match]]:
        return self.items


def _ranking_columns(spec: Spec):
    """(profile table, interview table, score in tenths, must-haves met as 0/1) expressions."""
    profile = MatchProfile.__table__
    interview = InterviewLevels.__table__
    total = spec.total_weight
    numerator = literal(0, Integer)
    conditions = []
    for criterion in spec.criteria:
        column = level_column(criterion.slot)
        level = func.coalesce(interview.c[column], profile.c[column], literal(0, SmallInteger))
        target10 = literal(10 * criterion.target_level, SmallInteger)
        numerator = numerator + least(level, target10) * (
            criterion.weight * (_LCM // criterion.target_level)
        )
        if criterion.must_have:
            conditions.append(level >= target10)
    requirements = spec.requirements
    conditions += [
        profile.c.years_product >= tenths(requirements.min_years_product),
        profile.c.years_leadership >= tenths(requirements.min_years_leadership),
        profile.c.education >= EDUCATION_RANK[requirements.education],
    ]
    score10 = (numerator * 10 + 3 * total) // (6 * total) if total else literal(0, Integer)
    met = case((and_(*conditions), 1), else_=0)
    return profile, interview, score10, met


def _ranked(spec: Spec, organisation_id: BindParameter):
    """Every candidate visible to the organisation with score (tenths) and must-haves met.

    Visibility stays `owner = org OR candidate_id IN (shares)`: PostgreSQL runs the hashed
    subplan in each parallel worker, while a LEFT JOIN of the shares made it sort every row
    before joining (measured at 1,000,000 candidates: 0.6 s against 2.4 s)."""
    profile, interview, score10, met = _ranking_columns(spec)
    shared = select(CandidateShare.candidate_id).where(
        CandidateShare.organisation_id == organisation_id
    )
    return (
        select(
            profile.c.candidate_id.label("candidate_id"),
            score10.label("score10"),
            met.label("met"),
        )
        .select_from(
            profile.outerjoin(
                interview,
                and_(
                    interview.c.candidate_id == profile.c.candidate_id,
                    interview.c.organisation_id == organisation_id,
                ),
            )
        )
        .where(
            or_(profile.c.organisation_id == organisation_id, profile.c.candidate_id.in_(shared))
        )
        .subquery("ranked")
    )


def _verdict_column(ranked):
    return case(
        (and_(ranked.c.met == 1, ranked.c.score10 >= 10 * READY_SCORE), "ready"),
        (and_(ranked.c.met == 1, ranked.c.score10 >= 10 * GAPS_SCORE), "ready_with_gaps"),
        else_="not_ready",
    )


def _filters(ranked, criteria: MatchFilter) -> list:
    filters = []
    if criteria.verdicts:
        filters.append(_verdict_column(ranked).in_(criteria.verdicts))
    if criteria.must_haves_met is not None:
        filters.append(ranked.c.met == int(criteria.must_haves_met))
    if criteria.min_score is not None:
        filters.append(ranked.c.score10 >= math.ceil(Fraction(str(criteria.min_score)) * 10))
    return filters


# The ranking's statements are built once per spec and filter (building one cost more than a
# page of the ranking took to run) with the organisation as the ORGANISATION bind parameter.
BUILT_AT_MOST = 256


@lru_cache(maxsize=BUILT_AT_MOST)
def ranking_statement(spec: Spec, criteria: MatchFilter):
    """One ordered statement: (candidate_id, score10, met) for every matching candidate, best
    first; the caller binds ORGANISATION and adds LIMIT/OFFSET."""
    ranked = _ranked(spec, bindparam(ORGANISATION))
    return (
        select(ranked.c.candidate_id, ranked.c.score10, ranked.c.met)
        .where(*_filters(ranked, criteria))
        .order_by(ranked.c.met.desc(), ranked.c.score10.desc(), ranked.c.candidate_id)
    )


def _visible_count() -> Select:
    """The organisation's own candidates and those who share with it, counted from indexes
    without computing a score."""
    profile = MatchProfile.__table__
    organisation_id = bindparam(ORGANISATION)
    owned = select(func.count()).where(profile.c.organisation_id == organisation_id)
    shared = (
        select(func.count())
        .select_from(
            profile.join(CandidateShare, CandidateShare.candidate_id == profile.c.candidate_id)
        )
        .where(
            CandidateShare.organisation_id == organisation_id,
            profile.c.organisation_id.is_distinct_from(organisation_id),
        )
    )
    return select(owned.scalar_subquery() + shared.scalar_subquery())


_VISIBLE_COUNT = _visible_count()


@lru_cache(maxsize=BUILT_AT_MOST)
def _filtered_count(spec: Spec, criteria: MatchFilter) -> Select:
    ranked = _ranked(spec, bindparam(ORGANISATION))
    return select(func.count()).select_from(ranked).where(*_filters(ranked, criteria))


def _count(session: Session, spec: Spec, organisation_id: int, criteria: MatchFilter) -> int:
    """How many candidates match. Without filters, counted from indexes (cheaper than
    `count(*) OVER ()` in the ranking statement, which keeps every row until the last is
    ranked)."""
    statement = _VISIBLE_COUNT if criteria == MatchFilter() else _filtered_count(spec, criteria)
    return column_rows(session, statement, {ORGANISATION: organisation_id}).scalar() or 0


@lru_cache(maxsize=BUILT_AT_MOST)
def _page_statement(spec: Spec, criteria: MatchFilter) -> Select:
    """One page of the ranking (bind `limit` and `offset`) with all it shows in one round trip:
    each candidate's ranking row, the organisation's interview levels, name and headline, best
    first; with a filter, also how many pass it (`total`)."""
    filtered = criteria != MatchFilter()
    ranking = ranking_statement(spec, criteria)
    if filtered:  # the count of what passes costs a second scoring pass; OVER () is cheaper
        ranking = ranking.add_columns(func.count().over().label("total"))
    top = (
        ranking.limit(bindparam("limit", type_=Integer))
        .offset(bindparam("offset", type_=Integer))
        .subquery("top")
    )
    person = Candidate.__table__
    joined = top.join(_PROFILE, _PROFILE.c.candidate_id == top.c.candidate_id).join(
        person, person.c.id == top.c.candidate_id
    )
    shown = [person.c.name, person.c.headline, *([top.c.total] if filtered else [])]
    return _with_interview_levels(joined, *shown).order_by(
        top.c.met.desc(), top.c.score10.desc(), top.c.candidate_id
    )


def rank(
    session: Session,
    organisation_id: int,
    spec: Spec,
    criteria: MatchFilter,
    page: int,
    page_size: int,
) -> RankedPage:
    """One page of the organisation's candidates ranked against `spec` (CONTRACT's order)."""
    offset = (page - 1) * page_size
    found = []
    # A ranking holds one row per candidate id at most, so a page from ID_MAX on is past its end
    # (and an offset past 64 bits is one the databases refuse).
    if offset < ID_MAX:
        found = column_rows(
            session,
            _page_statement(spec, criteria),
            {ORGANISATION: organisation_id, "limit": page_size, "offset": offset},
        ).all()
    columns = _level_columns(session)
    steps = path_steps(session)
    rows = [
        (
            offset + index + 1,
            RankedCandidate(row.candidate_id, row.name, row.headline),
            evaluate(spec, _profile_of(row, columns), steps),
        )
        for index, row in enumerate(found)
    ]
    total = _total(session, spec, organisation_id, criteria, found, offset, page_size)
    return RankedPage(items=rows, total=total, page=page, page_size=page_size)


def _total(session, spec, organisation_id, criteria, found, offset, page_size) -> int:
    """How many candidates match: a page short of full (an empty first one included) is the
    last, and a filtered page brings its count; otherwise they are counted."""
    if len(found) < page_size and (found or offset == 0):
        return offset + len(found)
    if found and criteria != MatchFilter():
        return found[0].total
    return _count(session, spec, organisation_id, criteria)  # a full page, or past the last


# --- blind mode ----------------------------------------------------------------------------------

_LABEL_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_PRIME = 2_147_483_647  # ids are below it, so the map below is one-to-one


def blind_label(organisation_id: int, candidate_id: int) -> str:
    """A stable, unique label per organisation that does not show the candidate's id order."""
    digest = hashlib.sha256(f"blind:{organisation_id}".encode()).digest()
    multiplier = int.from_bytes(digest[:4], "big") % (_PRIME - 1) + 1
    code = candidate_id * multiplier % _PRIME
    letters = []
    for _ in range(7):
        code, digit = divmod(code, len(_LABEL_ALPHABET))
        letters.append(_LABEL_ALPHABET[digit])
    code_text = "".join(reversed(letters)).lstrip(_LABEL_ALPHABET[0]) or _LABEL_ALPHABET[0]
    return f"Candidate {code_text}"


# --- what the faces call -------------------------------------------------------------------------


@dataclass(frozen=True)
class Board:
    scorecard: Scorecard
    spec: Spec
    page: RankedPage


def matched_spec(
    session: Session, actor: Actor, scorecard_id: int, changes: dict[str, Any] | None = None
) -> tuple[Scorecard, Spec]:
    """The scorecard and what it is matched as (with a what-if laid over it when given)."""
    scorecard, doc = scorecards.matched_document(session, actor, scorecard_id)
    spec = spec_from_document(session, doc)
    if changes:
        spec = what_if(session, spec, changes)
    return scorecard, spec


def board(
    session: Session,
    actor: Actor,
    scorecard_id: int,
    criteria: MatchFilter,
    page: int,
    page_size: int,
    changes: dict[str, Any] | None = None,
) -> Board:
    """The organisation's candidates ranked against a scorecard (or a what-if over it)."""
    scorecard, spec = matched_spec(session, actor, scorecard_id, changes)
    ranked = rank(session, scorecard.organisation_id, spec, criteria, page, page_size)
    return Board(scorecard, spec, ranked)


def candidate_match(
    session: Session,
    actor: Actor,
    scorecard_id: int,
    candidate_id: int,
    changes: dict[str, Any] | None = None,
) -> tuple[Scorecard, Spec, Candidate, Match]:
    """One visible candidate's match against a scorecard."""
    scorecard, spec = matched_spec(session, actor, scorecard_id, changes)
    try:
        candidate = candidates.find_visible(session, actor, candidate_id)
    except NotFound:
        raise NotFound(
            f"No candidate {candidate_id} is matched against scorecard {scorecard_id}."
        ) from None
    profile = profiles(session, [candidate.id], scorecard.organisation_id)[candidate.id]
    return scorecard, spec, candidate, evaluate(spec, profile, path_steps(session))


# --- readiness (a candidate's own view) ----------------------------------------------------------


@dataclass(frozen=True)
class RoleReadiness:
    """A candidate's match against one role: the CPO benchmark (no id) or a published scorecard
    of an organisation they share their profile with."""

    scorecard_id: int | None
    title: str
    organisation: str | None
    spec: Spec
    match: Match

    @property
    def key(self) -> str:
        """The role's name in URLs: "benchmark" or the scorecard id."""
        return "benchmark" if self.scorecard_id is None else str(self.scorecard_id)


def readiness(session: Session, user: User) -> list[RoleReadiness]:
    """The signed-in candidate's readiness for the CPO benchmark and every published role of
    the organisations they share with, from their own self-assessments only (CONTRACT)."""
    candidate = candidates.own_profile(session, user)
    profile = profiles(session, [candidate.id], None)[candidate.id]
    steps = path_steps(session)
    template = framework.benchmark_template(session)
    benchmark = spec_from_document(session, template.body)
    roles = [
        RoleReadiness(None, template.title, None, benchmark, evaluate(benchmark, profile, steps))
    ]
    for scorecard, organisation, snapshot in _published_roles(session, candidate.id):
        spec = spec_from_document(session, snapshot)
        roles.append(
            RoleReadiness(
                scorecard.id, snapshot["title"], organisation, spec, evaluate(spec, profile, steps)
            )
        )
    return roles


def role_readiness(session: Session, user: User, key: str) -> RoleReadiness:
    """One role of `readiness` by its key ("benchmark" or a scorecard id)."""
    for role in readiness(session, user):
        if role.key == key:
            return role
    raise NotFound("No such role is open to you; share your profile with its organisation.")


def best_role(roles: Iterable[RoleReadiness]) -> RoleReadiness | None:
    """The published role (not the benchmark) matched best, in the ranking's order: must-haves
    met first, then the higher score, then the older scorecard."""
    published = [role for role in roles if role.scorecard_id is not None]
    return min(
        published,
        key=lambda role: (not role.match.must_haves_met, -role.match.score, role.scorecard_id),
        default=None,
    )


def _published_roles(session: Session, candidate_id: int) -> list[tuple[Scorecard, str, dict]]:
    latest = (
        select(ScorecardVersion.scorecard_id, func.max(ScorecardVersion.number).label("number"))
        .group_by(ScorecardVersion.scorecard_id)
        .subquery()
    )
    rows = session.execute(
        select(Scorecard, Organisation.name, ScorecardVersion.snapshot)
        .join(Organisation, Organisation.id == Scorecard.organisation_id)
        .join(CandidateShare, CandidateShare.organisation_id == Scorecard.organisation_id)
        .join(latest, latest.c.scorecard_id == Scorecard.id)
        .join(
            ScorecardVersion,
            and_(
                ScorecardVersion.scorecard_id == Scorecard.id,
                ScorecardVersion.number == latest.c.number,
            ),
        )
        .where(CandidateShare.candidate_id == candidate_id, Scorecard.status == "published")
        .order_by(Organisation.name, Scorecard.title, Scorecard.id)
    ).all()
    return [tuple(row) for row in rows]


def readiness_document(role: RoleReadiness) -> dict[str, Any]:
    """A role's readiness as GET /me/readiness shows it."""
    return {
        "scorecard": {
            "id": role.scorecard_id,
            "title": role.title,
            "organisation": role.organisation,
        },
        "match": match_document(role.match, None),
    }
