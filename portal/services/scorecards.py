"""Role scorecards: the rules for building, publishing and versioning them.

Every function takes the caller (an Actor) and only ever sees its organisation's scorecards;
a scorecard of another organisation is "not found". Writes name the revision they were based
on, and a write based on an older revision is refused (nothing is overwritten silently).
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm import Session, selectinload

from portal import vocabulary
from portal.ids import ID_MAX
from portal.models import (
    Competency,
    Responsibility,
    Scorecard,
    ScorecardCompetency,
    ScorecardVersion,
)
from portal.models.types import utcnow
from portal.services import framework, webhooks
from portal.services.access import Actor
from portal.services.concurrency import refuses_lost_race
from portal.services.errors import Conflict, NotFound, StaleWrite, ValidationFailed
from portal.services.pagination import Page, paginate
from portal.services.reads import column_rows
from portal.services.sync import changed_since, record_deletion
from portal.services.text import trimmed

TITLE_MAX = 200
MISSION_MAX = 2000
OUTCOME_MAX = 300
MAX_OUTCOMES = 8
RECOMMENDED_OUTCOMES = 3
MAX_COMPETENCIES_ADVISED = 12
# The bounds are defined once in portal.vocabulary (the models' check constraints use them too).
WEIGHT_RANGE = vocabulary.WEIGHT_RANGE
LEVEL_RANGE = vocabulary.LEVEL_RANGE
YEARS_RANGE = vocabulary.YEARS_RANGE
EDUCATION_LEVELS = vocabulary.EDUCATION_LEVELS
STATUSES = vocabulary.STATUSES
WEIGHT_MESSAGE = vocabulary.whole_number_message("Weight", WEIGHT_RANGE)
LEVEL_MESSAGE = vocabulary.whole_number_message("Target level", LEVEL_RANGE)
YEARS_MESSAGE = vocabulary.YEARS_MESSAGE
CONTENT_FIELDS = (
    "title",
    "mission",
    "outcomes",
    "requirements",
    "competencies",
    "responsibilities",
)
REQUIREMENT_FIELDS = ("min_years_product", "min_years_leadership", "education")

_DETAIL = (
    selectinload(Scorecard.competencies)
    .selectinload(ScorecardCompetency.competency)
    .selectinload(Competency.levels),
    selectinload(Scorecard.responsibilities),
)
# What `document` shows, and no more (the pages' _DETAIL also loads the level descriptors).
_DOCUMENT = (
    selectinload(Scorecard.competencies).joinedload(ScorecardCompetency.competency),
    selectinload(Scorecard.responsibilities),
)


STALE = (
    "This scorecard was changed by someone else since you loaded it. "
    "Nothing was saved; reload it to see the latest version."
)


@dataclass(frozen=True)
class Summary:
    """What the builder shows beside the form: weight shares, must-haves and warnings."""

    shares: list[tuple[str, str, float]]  # (slug, name, percent of total weight)
    must_haves: int
    warnings: list[str]


# --- reading -------------------------------------------------------------------------------


def scorecard_page(
    session: Session,
    actor: Actor,
    *,
    status: str | None = None,
    q: str | None = None,
    updated_since: datetime | None = None,
    page: int = 1,
    page_size: int = 20,
) -> Page:
    """The organisation's scorecards, most recently edited first; with `updated_since`, those
    changed at or after it, oldest change first (every write sets `updated_at`)."""
    actor.require_scope("scorecards:read")
    statement = (
        select(Scorecard)
        .where(Scorecard.organisation_id == actor.require_organisation())
        .options(*_DETAIL)
        .order_by(Scorecard.updated_at.desc(), Scorecard.id.desc())
    )
    if status:
        statement = statement.where(Scorecard.status == status)
    if q and q.strip():
        text = q.strip()
        statement = statement.where(
            or_(
                Scorecard.title.icontains(text, autoescape=True),
                Scorecard.mission.icontains(text, autoescape=True),
            )
        )
    statement = changed_since(statement, updated_since, Scorecard.updated_at, Scorecard.id)
    return paginate(session, statement, page, page_size)


def get_scorecard(session: Session, actor: Actor, scorecard_id: int) -> Scorecard:
    actor.require_scope("scorecards:read")
    return _owned(session, actor, scorecard_id)


# Documents this process has built, by scorecard id, creation time (SQLite may give a deleted
# scorecard's id to the next one) and revision: every write to a scorecard moves its revision
# (version_id_col), so these name one document while the framework's names hold, and are kept
# as framework.kept keeps what is built from the framework.


def shown_document(session: Session, actor: Actor, scorecard_id: int) -> tuple[dict, int]:
    """The scorecard's document (to read, not to change) and its revision; a revision this
    process has shown already costs one small query."""
    actor.require_scope("scorecards:read")
    found = column_rows(session, _SHOWN_REVISION, _owner(actor, scorecard_id)).first()
    if found is None:
        raise _not_found(scorecard_id)
    shown = framework.kept(session, "scorecards.shown", lambda _: {})
    key = (scorecard_id, found.created_at, found.revision)
    kept = shown.get(key)
    if kept is None:
        scorecard = _owned(session, actor, scorecard_id, detail=_DOCUMENT)
        key = (scorecard_id, scorecard.created_at, scorecard.revision)  # it may have moved on
        kept = framework.keep_entry(shown, key, document(scorecard))
    return kept, key[2]


def current_revision(session: Session, actor: Actor, scorecard_id: int) -> int:
    """The scorecard's revision (what its ETag names), read alone: all a revalidation needs."""
    actor.require_scope("scorecards:read")
    revision = column_rows(session, _CURRENT_REVISION, _owner(actor, scorecard_id)).scalar()
    if revision is None:
        raise _not_found(scorecard_id)
    return revision


def _owned(
    session: Session, actor: Actor, scorecard_id: int, *, detail: tuple = _DETAIL
) -> Scorecard:
    scorecard = session.scalar(
        select(Scorecard).options(*detail).where(*_OWNED), _owner(actor, scorecard_id)
    )
    if scorecard is None:
        raise _not_found(scorecard_id)
    return scorecard


# One scorecard of the caller's organisation, bound with _owner(); the revision reads are
# built once (building a statement cost as much as running it here).
_OWNED = (
    Scorecard.id == bindparam("scorecard_id"),
    Scorecard.organisation_id == bindparam("organisation_id"),
)
_SHOWN_REVISION = select(Scorecard.revision, Scorecard.created_at).where(*_OWNED)
_CURRENT_REVISION = select(Scorecard.revision).where(*_OWNED)


def _owner(actor: Actor, scorecard_id: int) -> dict[str, int]:
    return {"scorecard_id": scorecard_id, "organisation_id": actor.require_organisation()}


def _not_found(scorecard_id: int) -> NotFound:
    return NotFound(f"No scorecard {scorecard_id} in your organisation.")


def document(scorecard: Scorecard) -> dict[str, Any]:
    """The scorecard as the API shows it; a published version freezes exactly this."""
    return {
        "id": scorecard.id,
        "title": scorecard.title,
        "mission": scorecard.mission,
        "outcomes": list(scorecard.outcomes),
        "status": scorecard.status,
        "version": scorecard.version,
        "requirements": {
            "min_years_product": scorecard.min_years_product,
            "min_years_leadership": scorecard.min_years_leadership,
            "education": scorecard.education,
        },
        "competencies": [
            {
                "competency": entry.competency.slug,
                "name": entry.competency.name,
                "weight": entry.weight,
                "target_level": entry.target_level,
                "must_have": entry.must_have,
            }
            for entry in scorecard.competencies
        ],
        "responsibilities": [r.slug for r in scorecard.responsibilities],
        "created_at": scorecard.created_at.isoformat(),
        "updated_at": scorecard.updated_at.isoformat(),
        "published_at": scorecard.published_at.isoformat() if scorecard.published_at else None,
    }


def content(scorecard_or_document: Scorecard | dict) -> dict[str, Any]:
    """Only what a recruiter edits: two scorecards with equal content say the same thing."""
    doc = (
        scorecard_or_document
        if isinstance(scorecard_or_document, dict)
        else document(scorecard_or_document)
    )
    return {field: doc[field] for field in CONTENT_FIELDS}


def has_unpublished_changes(session: Session, scorecard: Scorecard) -> bool:
    latest = latest_version(session, scorecard)
    return latest is not None and content(latest.snapshot) != content(scorecard)


def matched_document(
    session: Session, actor: Actor, scorecard_id: int
) -> tuple[Scorecard, dict[str, Any]]:
    """What a scorecard is matched as: its latest published version, or the working copy of a
    draft never published (version 0)."""
    actor.require_scope("matches:read")
    # The published snapshot is all the ranking needs: the working copy's details are loaded
    # (lazily, by `document`) only for a draft never published.
    found = session.execute(
        select(Scorecard, _LATEST_NUMBER).where(*_OWNED), _owner(actor, scorecard_id)
    ).first()
    if found is None:
        raise _not_found(scorecard_id)
    scorecard, number = found
    if number is None:
        return scorecard, document(scorecard)
    return scorecard, _published_snapshot(session, scorecard, number)


_LATEST_NUMBER = (
    select(func.max(ScorecardVersion.number))
    .where(ScorecardVersion.scorecard_id == Scorecard.id)
    .scalar_subquery()
)


def _published_snapshot(session: Session, scorecard: Scorecard, number: int) -> dict[str, Any]:
    """A published version's snapshot (to read, not to change). Versions never change, so each
    is read once per process and kept like shown documents."""
    snapshots = framework.kept(session, "scorecards.published", lambda _: {})
    key = (scorecard.id, scorecard.created_at, number)
    snapshot = snapshots.get(key)
    if snapshot is None:
        snapshot = session.scalar(
            select(ScorecardVersion.snapshot).where(
                ScorecardVersion.scorecard_id == scorecard.id, ScorecardVersion.number == number
            )
        )
        framework.keep_entry(snapshots, key, snapshot)
    return snapshot


def latest_version(session: Session, scorecard: Scorecard) -> ScorecardVersion | None:
    return session.scalar(
        select(ScorecardVersion)
        .where(ScorecardVersion.scorecard_id == scorecard.id)
        .order_by(ScorecardVersion.number.desc())
        .limit(1)
    )


def version_page(
    session: Session, actor: Actor, scorecard_id: int, page: int, page_size: int
) -> Page:
    scorecard = get_scorecard(session, actor, scorecard_id)
    statement = (
        select(ScorecardVersion)
        .where(ScorecardVersion.scorecard_id == scorecard.id)
        .order_by(ScorecardVersion.number.desc())
    )
    return paginate(session, statement, page, page_size)


def get_version(session: Session, actor: Actor, scorecard_id: int, number: int) -> ScorecardVersion:
    scorecard = get_scorecard(session, actor, scorecard_id)
    version = session.scalar(
        select(ScorecardVersion).where(
            ScorecardVersion.scorecard_id == scorecard.id, ScorecardVersion.number == number
        )
    )
    if version is None:
        raise NotFound(f"Scorecard {scorecard_id} has no published version {number}.")
    return version


def summary(scorecard: Scorecard) -> Summary:
    total = sum(entry.weight for entry in scorecard.competencies)
    shares = [
        (entry.competency.slug, entry.competency.name, round(100 * entry.weight / total, 1))
        for entry in scorecard.competencies
    ]
    must_haves = sum(entry.must_have for entry in scorecard.competencies)
    return Summary(shares=shares, must_haves=must_haves, warnings=_warnings(scorecard, must_haves))


def _warnings(scorecard: Scorecard, must_haves: int) -> list[str]:
    warnings = []
    if not scorecard.competencies:
        warnings.append("Add at least one competency before publishing.")
    elif must_haves == 0:
        warnings.append("No must-haves: every candidate can pass on score alone.")
    if len(scorecard.competencies) > MAX_COMPETENCIES_ADVISED:
        warnings.append(
            f"More than {MAX_COMPETENCIES_ADVISED} competencies: interviews lose focus."
        )
    if len(scorecard.outcomes) < RECOMMENDED_OUTCOMES:
        warnings.append(f"Fewer than {RECOMMENDED_OUTCOMES} outcomes: say what success looks like.")
    if not scorecard.mission.strip():
        warnings.append("No mission yet: say in a sentence or two why the role exists.")
    return warnings


# --- writing -------------------------------------------------------------------------------


def create_scorecard(
    session: Session, actor: Actor, values: dict[str, Any], clone_from: str | None = None
) -> Scorecard:
    """A new draft: `values` (editable fields) laid over a copy of `clone_from` when given
    ("benchmark" or a scorecard id). All or nothing: a refused draft leaves no trace."""
    actor.require_scope("scorecards:write")
    organisation_id = actor.require_organisation()
    values = {"mission": "", "outcomes": [], **_clone_source(session, actor, clone_from), **values}
    scorecard = Scorecard(organisation_id=organisation_id, author_id=actor.user_id, status="draft")
    _apply(session, scorecard, {"title": "", **values})
    session.add(scorecard)
    session.commit()
    return scorecard


def _clone_source(session: Session, actor: Actor, clone_from: str | None) -> dict[str, Any]:
    if clone_from is None:
        return {}
    if clone_from == "benchmark":
        template = framework.benchmark_template(session)
        return {"title": template.title, **template.body}
    source_id = int(clone_from)
    if not 1 <= source_id <= ID_MAX:  # no row has it, and PostgreSQL refuses to look
        raise NotFound(f"No scorecard {clone_from} in your organisation.")
    source = content(get_scorecard(session, actor, source_id))
    return {**source, "title": f"Copy of {source['title']}"[:TITLE_MAX]}


def clone_benchmark(session: Session, actor: Actor) -> Scorecard:
    """A draft copy of the built-in CPO benchmark."""
    return create_scorecard(session, actor, {}, clone_from="benchmark")


def clone_scorecard(session: Session, actor: Actor, source_id: int) -> Scorecard:
    """A draft copy of one of the organisation's scorecards (its working copy)."""
    return create_scorecard(session, actor, {}, clone_from=str(source_id))


@refuses_lost_race(STALE)
def update_scorecard(
    session: Session, actor: Actor, scorecard_id: int, changes: dict[str, Any], revision: int
) -> Scorecard:
    """Apply `changes` (any editable fields; requirements may be partial) to the working copy."""
    scorecard = _writable(session, actor, scorecard_id, revision)
    if scorecard.status == "archived":
        raise Conflict("This scorecard is archived. Restore it before editing.")
    _apply(session, scorecard, changes)
    session.commit()
    return scorecard


@refuses_lost_race(STALE)
def publish(session: Session, actor: Actor, scorecard_id: int, revision: int) -> ScorecardVersion:
    """Freeze the working copy as version N+1; earlier versions never change."""
    scorecard = _writable(session, actor, scorecard_id, revision)
    if scorecard.status == "archived":
        raise Conflict("This scorecard is archived. Restore it before publishing.")
    if not scorecard.competencies:
        raise ValidationFailed(
            {"competencies": ["Add at least one competency before publishing."]},
            "The scorecard cannot be published yet.",
        )
    now = utcnow()
    scorecard.version += 1
    scorecard.status = "published"
    scorecard.published_at = now
    scorecard.updated_at = now
    session.flush()
    version = ScorecardVersion(
        scorecard=scorecard,
        number=scorecard.version,
        snapshot=document(scorecard),
        published_at=now,
        published_by_id=actor.user_id,
    )
    session.add(version)
    data = {
        "id": scorecard.id,
        "version": version.number,
        "title": scorecard.title,
        "published_at": now.isoformat(),
    }
    webhooks.emit(session, scorecard.organisation_id, "scorecard.published", data)
    session.commit()
    return version


@refuses_lost_race(STALE)
def archive(session: Session, actor: Actor, scorecard_id: int, revision: int) -> Scorecard:
    """Take a published scorecard out of use; its versions stay readable."""
    scorecard = _writable(session, actor, scorecard_id, revision)
    if scorecard.version == 0:
        raise Conflict("Only published scorecards are archived; delete a draft instead.")
    scorecard.status = "archived"
    _touch_and_commit(session, scorecard)
    return scorecard


@refuses_lost_race(STALE)
def restore(session: Session, actor: Actor, scorecard_id: int, revision: int) -> Scorecard:
    scorecard = _writable(session, actor, scorecard_id, revision)
    if scorecard.status != "archived":
        raise Conflict("Only archived scorecards are restored.")
    scorecard.status = "published"
    _touch_and_commit(session, scorecard)
    return scorecard


@refuses_lost_race(STALE)
def delete_draft(session: Session, actor: Actor, scorecard_id: int, revision: int) -> None:
    """Delete a scorecard that was never published; published ones are archived instead."""
    scorecard = _writable(session, actor, scorecard_id, revision)
    if scorecard.version > 0:
        raise Conflict("Published scorecards keep their versions: archive it instead.")
    record_deletion(session, [scorecard.organisation_id], "scorecard", scorecard.id)
    session.delete(scorecard)
    session.commit()


# --- rules -----------------------------------------------------------------------------------


def _writable(session: Session, actor: Actor, scorecard_id: int, revision: int) -> Scorecard:
    actor.require_scope("scorecards:write")
    scorecard = _owned(session, actor, scorecard_id)
    if scorecard.revision != revision:
        raise StaleWrite(STALE)
    return scorecard


def _apply(session: Session, scorecard: Scorecard, changes: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    if "title" in changes:
        title = trimmed(changes["title"])
        if not title:
            errors["title"] = ["Give the scorecard a title."]
        scorecard.title = title
    if "mission" in changes:
        scorecard.mission = trimmed(changes["mission"])
    if "outcomes" in changes:
        scorecard.outcomes = [trimmed(outcome) for outcome in changes["outcomes"]]
        for index, outcome in enumerate(scorecard.outcomes):
            if not outcome:
                errors[f"outcomes.{index}"] = ["Write the outcome or remove it."]
    if "requirements" in changes:
        for field in REQUIREMENT_FIELDS:
            if field in changes["requirements"]:
                setattr(scorecard, field, changes["requirements"][field])
    if "competencies" in changes:
        errors.update(_set_competencies(session, scorecard, changes["competencies"]))
    if "responsibilities" in changes:
        errors.update(_set_responsibilities(session, scorecard, changes["responsibilities"]))
    if errors:
        session.rollback()
        raise ValidationFailed(errors)
    scorecard.updated_at = utcnow()


def _set_competencies(session: Session, scorecard: Scorecard, entries: list[dict]) -> dict:
    slugs = [entry["competency"] for entry in entries]
    # No flush half-way through an edit: one edit is one UPDATE, one revision.
    with session.no_autoflush:
        known, errors = framework.resolve_competencies(session, slugs, "competencies")
    if errors:
        return errors
    current = {entry.competency.slug: entry for entry in scorecard.competencies}
    kept = []
    for position, entry in enumerate(entries):
        row = current.get(entry["competency"]) or ScorecardCompetency(
            competency=known[entry["competency"]]
        )
        row.weight = entry["weight"]
        row.target_level = entry["target_level"]
        row.must_have = entry.get("must_have", False)
        row.position = position
        kept.append(row)
    scorecard.competencies = kept
    return {}


def _set_responsibilities(session: Session, scorecard: Scorecard, slugs: list[str]) -> dict:
    with session.no_autoflush:
        found = {
            r.slug: r
            for r in session.scalars(select(Responsibility).where(Responsibility.slug.in_(slugs)))
        }
    unknown = [slug for slug in slugs if slug not in found]
    if unknown:
        return {"responsibilities": [f"Unknown responsibilities: {', '.join(unknown)}."]}
    scorecard.responsibilities = [found[slug] for slug in dict.fromkeys(slugs)]
    return {}


def _touch_and_commit(session: Session, scorecard: Scorecard) -> None:
    scorecard.updated_at = utcnow()
    session.commit()


# --- builder operations: one change at a time ----------------------------------------------
#
# The builder saves each part on its own: a competency row, an outcome. Each operation names the
# revision it was based on (a stale one is refused, nothing saved) and checks its own values,
# naming the field by its API path ("competencies.2.weight", "outcomes.1").

OUTCOME_BLANK = "Write the outcome or remove it."
OUTCOME_LENGTH = f"Enter 1 to {OUTCOME_MAX} characters."
TOO_MANY_OUTCOMES = f"A scorecard has at most {MAX_OUTCOMES} outcomes."
UNKNOWN_COMPETENCY = "Unknown competency."
ALREADY_CHOSEN = "This competency is already on the scorecard."
COMPETENCY_FIELDS = ("weight", "target_level", "must_have")


@refuses_lost_race(STALE)
def add_competency(
    session: Session, actor: Actor, scorecard_id: int, values: dict[str, Any], revision: int
) -> Scorecard:
    """Add a framework competency at the end, with its weight, target level and must-have."""
    scorecard = _editable(session, actor, scorecard_id, revision)
    slug = values.get("competency")
    position = len(scorecard.competencies)
    known = session.scalar(select(Competency).where(Competency.slug == str(slug or "")))
    if known is None:
        raise ValidationFailed({"competency": [UNKNOWN_COMPETENCY]})
    if any(entry.competency.slug == slug for entry in scorecard.competencies):
        raise ValidationFailed({"competency": [ALREADY_CHOSEN]})
    row = ScorecardCompetency(competency=known, weight=0, target_level=0, must_have=False)
    _check_competency(row, position, {"weight": 3, "target_level": 4, **values})
    row.position = position
    scorecard.competencies.append(row)
    return _saved(session, scorecard)


@refuses_lost_race(STALE)
def change_competency(
    session: Session,
    actor: Actor,
    scorecard_id: int,
    slug: str,
    values: dict[str, Any],
    revision: int,
) -> Scorecard:
    """Change one competency's weight, target level or must-have (those named in `values`)."""
    scorecard = _editable(session, actor, scorecard_id, revision)
    position, row = _chosen(scorecard, slug)
    _check_competency(row, position, values)
    return _saved(session, scorecard)


@refuses_lost_race(STALE)
def remove_competency(
    session: Session, actor: Actor, scorecard_id: int, slug: str, revision: int
) -> Scorecard:
    """Take one competency off the scorecard."""
    scorecard = _editable(session, actor, scorecard_id, revision)
    position, _ = _chosen(scorecard, slug)
    rows = list(scorecard.competencies)
    del rows[position]
    _renumber(scorecard, rows)
    return _saved(session, scorecard)


@refuses_lost_race(STALE)
def move_competency(
    session: Session, actor: Actor, scorecard_id: int, slug: str, offset: int, revision: int
) -> Scorecard:
    """Move one competency `offset` places (negative: up); the ends stop it."""
    scorecard = _editable(session, actor, scorecard_id, revision)
    position, row = _chosen(scorecard, slug)
    target = min(max(position + offset, 0), len(scorecard.competencies) - 1)
    if target == position:
        return scorecard
    rows = list(scorecard.competencies)
    rows.insert(target, rows.pop(position))
    _renumber(scorecard, rows)
    return _saved(session, scorecard)


@refuses_lost_race(STALE)
def add_outcome(
    session: Session, actor: Actor, scorecard_id: int, text: str, revision: int
) -> Scorecard:
    """Add an outcome at the end (at most MAX_OUTCOMES)."""
    scorecard = _editable(session, actor, scorecard_id, revision)
    outcomes = list(scorecard.outcomes)
    if len(outcomes) >= MAX_OUTCOMES:
        raise ValidationFailed({"outcomes": [TOO_MANY_OUTCOMES]})
    outcomes.append(_outcome_text(text, len(outcomes)))
    scorecard.outcomes = outcomes
    return _saved(session, scorecard)


@refuses_lost_race(STALE)
def change_outcome(
    session: Session, actor: Actor, scorecard_id: int, index: int, text: str, revision: int
) -> Scorecard:
    """Rewrite the outcome at `index` (0-based)."""
    scorecard = _editable(session, actor, scorecard_id, revision)
    outcomes = list(scorecard.outcomes)
    _outcome_index(outcomes, index)
    outcomes[index] = _outcome_text(text, index)
    scorecard.outcomes = outcomes
    return _saved(session, scorecard)


@refuses_lost_race(STALE)
def remove_outcome(
    session: Session, actor: Actor, scorecard_id: int, index: int, revision: int
) -> Scorecard:
    """Remove the outcome at `index`."""
    scorecard = _editable(session, actor, scorecard_id, revision)
    outcomes = list(scorecard.outcomes)
    _outcome_index(outcomes, index)
    del outcomes[index]
    scorecard.outcomes = outcomes
    return _saved(session, scorecard)


@refuses_lost_race(STALE)
def move_outcome(
    session: Session, actor: Actor, scorecard_id: int, index: int, offset: int, revision: int
) -> Scorecard:
    """Move the outcome at `index` `offset` places (negative: up); the ends stop it."""
    scorecard = _editable(session, actor, scorecard_id, revision)
    outcomes = list(scorecard.outcomes)
    _outcome_index(outcomes, index)
    target = min(max(index + offset, 0), len(outcomes) - 1)
    if target == index:
        return scorecard
    outcomes.insert(target, outcomes.pop(index))
    scorecard.outcomes = outcomes
    return _saved(session, scorecard)


def _editable(session: Session, actor: Actor, scorecard_id: int, revision: int) -> Scorecard:
    scorecard = _writable(session, actor, scorecard_id, revision)
    if scorecard.status == "archived":
        raise Conflict("This scorecard is archived. Restore it before editing.")
    return scorecard


def _saved(session: Session, scorecard: Scorecard) -> Scorecard:
    scorecard.updated_at = utcnow()
    session.commit()
    return scorecard


def _chosen(scorecard: Scorecard, slug: str) -> tuple[int, ScorecardCompetency]:
    for position, row in enumerate(scorecard.competencies):
        if row.competency.slug == slug:
            return position, row
    raise NotFound(f"The competency {slug!r} is not on this scorecard.")


def _whole(value: Any, bounds: tuple[int, int]) -> bool:
    return (
        isinstance(value, int) and not isinstance(value, bool) and bounds[0] <= value <= bounds[1]
    )


def _check_competency(row: ScorecardCompetency, position: int, values: dict[str, Any]) -> None:
    """Set the named fields on `row`, or refuse them all with a message per field."""
    prefix = f"competencies.{position}."
    errors: dict[str, list[str]] = {}
    levels = len(row.competency.levels) or LEVEL_RANGE[1]
    checks = {
        "weight": (
            lambda v: _whole(v, WEIGHT_RANGE),
            WEIGHT_MESSAGE,
        ),
        "target_level": (
            lambda v: _whole(v, (LEVEL_RANGE[0], min(LEVEL_RANGE[1], levels))),
            LEVEL_MESSAGE,
        ),
        "must_have": (lambda v: isinstance(v, bool), "Must-have is true or false."),
    }
    for field, (valid, message) in checks.items():
        if field in values and not valid(values[field]):
            errors[prefix + field] = [message]
    if errors:
        raise ValidationFailed(errors)
    for field in COMPETENCY_FIELDS:
        if field in values:
            setattr(row, field, values[field])


def _renumber(scorecard: Scorecard, rows: list[ScorecardCompetency]) -> None:
    for position, row in enumerate(rows):
        row.position = position
    scorecard.competencies = rows


def _outcome_index(outcomes: list[str], index: int) -> None:
    if not (isinstance(index, int) and 0 <= index < len(outcomes)):
        raise NotFound(
            f"This scorecard has no outcome {index + 1 if isinstance(index, int) else index}."
        )


def _outcome_text(text: Any, index: int) -> str:
    value = trimmed(text) if isinstance(text, str) else ""
    if not value:
        raise ValidationFailed({f"outcomes.{index}": [OUTCOME_BLANK]})
    if len(value) > OUTCOME_MAX or "\x00" in value:
        raise ValidationFailed({f"outcomes.{index}": [OUTCOME_LENGTH]})
    return value
