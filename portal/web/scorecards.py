"""The scorecard builder: list, create or clone, edit piece by piece, publish and export."""

import json

from flask import Blueprint, Response, flash, render_template, request, url_for
from flask_login import login_required

from portal.auth import page_actor
from portal.extensions import db
from portal.models.scorecards import EDUCATION_LEVELS, STATUSES
from portal.schemas.framework import CompetencyFilterSchema
from portal.schemas.scorecards import (
    RequirementsSchema,
    ScorecardCompetencyInputSchema,
    ScorecardFilterSchema,
    ScorecardInputSchema,
)
from portal.services import framework, scorecards
from portal.services.errors import Conflict, StaleWrite, ValidationFailed, flatten_messages
from portal.services.framework import CompetencyFilter
from portal.web.forms import load_form, load_query, page_number, posted_revision, see_other
from portal.web.htmx import render

bp = Blueprint("scorecards", __name__, url_prefix="/scorecards")
bp.before_request(login_required(lambda: None))

PAGE_SIZE = 20
NEW_COMPETENCY = {"weight": 3, "target_level": 4, "must_have": False}
COMPETENCIES = ScorecardInputSchema(only=("competencies",))


@bp.get("")
def index():
    """The organisation's scorecards, searchable and filtered by status."""
    criteria, errors = load_query(ScorecardFilterSchema())
    page = scorecards.scorecard_page(
        db.session,
        page_actor(),
        status=criteria.get("status"),
        q=criteria.get("q"),
        page=page_number(),
        page_size=PAGE_SIZE,
    )
    return render(
        "scorecards/index.html",
        "scorecard_list",
        status=422 if errors else 200,
        page=page,
        criteria=criteria,
        errors=errors,
        statuses=STATUSES,
    )


@bp.post("/new")
def create():
    """Start a draft: blank, from the CPO benchmark, or as a copy of a scorecard."""
    source = request.form.get("source", "blank")
    if source == "benchmark" or source.isdigit():
        scorecard = scorecards.create_scorecard(db.session, page_actor(), {}, clone_from=source)
    else:
        scorecard = scorecards.create_scorecard(
            db.session, page_actor(), {"title": "Untitled CPO role"}
        )
    return see_other(url_for("scorecards.builder", scorecard_id=scorecard.id))


@bp.get("/<id:scorecard_id>")
def builder(scorecard_id):
    """The builder: every part of the scorecard, a live summary and the publishing controls."""
    scorecard = scorecards.get_scorecard(db.session, page_actor(), scorecard_id)
    return _builder(scorecard)


@bp.get("/<id:scorecard_id>/competency-options")
def competency_options(scorecard_id):
    """Framework competencies matching the search, for the builder's active search."""
    scorecard = scorecards.get_scorecard(db.session, page_actor(), scorecard_id)
    return render("scorecards/builder.html", "competency_options", **_context(scorecard))


@bp.post("/<id:scorecard_id>/basics")
def save_basics(scorecard_id):
    """Title and mission."""
    return _edit(scorecard_id, ScorecardInputSchema(only=("title", "mission"), partial=True))


@bp.post("/<id:scorecard_id>/outcomes")
def save_outcomes(scorecard_id):
    """Edit, add, remove and reorder outcomes in one form."""
    outcomes = request.form.getlist("outcomes")
    action, _, index = request.form.get("action", "save").partition(":")
    if action == "add":
        outcomes.append(request.form.get("new_outcome", ""))
    elif action in ("remove", "up", "down") and index.isdigit():
        outcomes = _rearranged(outcomes, action, int(index))
    return _apply(scorecard_id, {"outcomes": outcomes}, ScorecardInputSchema(only=("outcomes",)))


@bp.post("/<id:scorecard_id>/competencies")
def add_competency(scorecard_id):
    """Add a framework competency with a default weight and target level."""
    entries = _entries(scorecard_id)
    entries.append({"competency": request.form.get("competency", ""), **NEW_COMPETENCY})
    new_row = f"competencies.{len(entries) - 1}."
    errors = {
        "new_competency" if path.startswith(new_row) else path: messages
        for path, messages in _schema_errors(COMPETENCIES, {"competencies": entries}).items()
    }
    return _apply(scorecard_id, {"competencies": entries}, None, errors)


@bp.post("/<id:scorecard_id>/competencies/<slug>")
def save_competency(scorecard_id, slug):
    """Change one competency's weight, target level and must-have, or remove it."""
    entries = _entries(scorecard_id)
    if request.form.get("action") == "remove":
        kept = [entry for entry in entries if entry["competency"] != slug]
        return _apply(scorecard_id, {"competencies": kept}, COMPETENCIES)
    values, errors = load_form(ScorecardCompetencyInputSchema(exclude=("competency",)))
    index = next((i for i, e in enumerate(entries) if e["competency"] == slug), len(entries))
    errors = {f"competencies.{index}.{field}": messages for field, messages in errors.items()}
    entries = [{**e, **values} if e["competency"] == slug else e for e in entries]
    return _apply(scorecard_id, {"competencies": entries}, COMPETENCIES, errors)


@bp.post("/<id:scorecard_id>/responsibilities")
def save_responsibilities(scorecard_id):
    """The key responsibilities this role carries."""
    return _edit(scorecard_id, ScorecardInputSchema(only=("responsibilities",)))


@bp.post("/<id:scorecard_id>/requirements")
def save_requirements(scorecard_id):
    """Years in product, years leading, and education."""
    values, errors = load_form(RequirementsSchema())
    errors = {f"requirements.{field}": messages for field, messages in errors.items()}
    return _apply(scorecard_id, {"requirements": values}, None, errors)


@bp.post("/<id:scorecard_id>/publish")
def publish(scorecard_id):
    """Freeze the scorecard as its next version."""
    return _lifecycle(scorecard_id, scorecards.publish, "Published version {version}.")


@bp.post("/<id:scorecard_id>/archive")
def archive(scorecard_id):
    """Take a published scorecard out of use."""
    return _lifecycle(scorecard_id, scorecards.archive, "Archived.")


@bp.post("/<id:scorecard_id>/restore")
def restore(scorecard_id):
    """Bring an archived scorecard back."""
    return _lifecycle(scorecard_id, scorecards.restore, "Restored.")


@bp.post("/<id:scorecard_id>/delete")
def delete(scorecard_id):
    """Delete a draft that was never published."""
    actor = page_actor()
    try:
        scorecards.delete_draft(db.session, actor, scorecard_id, posted_revision())
    except (StaleWrite, Conflict) as error:
        return _refused(scorecard_id, error)
    return see_other(url_for("scorecards.index"))


@bp.get("/<id:scorecard_id>/versions/<id:number>")
def version(scorecard_id, number):
    """A published version, laid out for printing and handing to interviewers."""
    published = scorecards.get_version(db.session, page_actor(), scorecard_id, number)
    slugs = [entry["competency"] for entry in published.snapshot["competencies"]]
    return render_template(
        "scorecards/version.html",
        version=published,
        doc=published.snapshot,
        competencies=framework.competencies_by_slug(db.session, slugs),
    )


@bp.get("/<id:scorecard_id>/versions/<id:number>.json")
def version_json(scorecard_id, number):
    """Download a published version as the API's JSON document."""
    published = scorecards.get_version(db.session, page_actor(), scorecard_id, number)
    filename = f"scorecard-{scorecard_id}-v{number}.json"
    return Response(
        json.dumps(published.snapshot, indent=2),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


# --- helpers ---------------------------------------------------------------------------------


def _edit(scorecard_id: int, schema):
    values, errors = load_form(schema)
    return _apply(scorecard_id, values, None, errors)


def _apply(scorecard_id: int, changes: dict, schema, errors: dict | None = None):
    """Validate `changes` (with `schema` when given), save them, and answer the builder."""
    if schema is not None and not errors:
        errors = _schema_errors(schema, changes)
    actor = page_actor()
    if errors:
        return _builder(
            scorecards.get_scorecard(db.session, actor, scorecard_id), errors=errors, status=422
        )
    try:
        scorecard = scorecards.update_scorecard(
            db.session, actor, scorecard_id, changes, posted_revision()
        )
    except ValidationFailed as error:
        scorecard = scorecards.get_scorecard(db.session, actor, scorecard_id)
        return _builder(scorecard, errors=error.errors, status=422)
    except (StaleWrite, Conflict) as error:
        return _refused(scorecard_id, error)
    return _saved(scorecard)


def _schema_errors(schema, values: dict) -> dict:
    return flatten_messages(schema.validate(values))


def _entries(scorecard_id: int) -> list[dict]:
    """The scorecard's competencies as API input entries."""
    scorecard = scorecards.get_scorecard(db.session, page_actor(), scorecard_id)
    fields = ("competency", "weight", "target_level", "must_have")
    return [
        {key: entry[key] for key in fields}
        for entry in scorecards.document(scorecard)["competencies"]
    ]


def _lifecycle(scorecard_id: int, operation, message: str):
    actor = page_actor()
    try:
        result = operation(db.session, actor, scorecard_id, posted_revision())
    except ValidationFailed as error:
        scorecard = scorecards.get_scorecard(db.session, actor, scorecard_id)
        return _builder(scorecard, errors=error.errors, status=422)
    except (StaleWrite, Conflict) as error:
        return _refused(scorecard_id, error)
    scorecard = scorecards.get_scorecard(db.session, actor, scorecard_id)
    return _saved(scorecard, notice=message.format(version=getattr(result, "number", "")))


def _saved(scorecard, notice: str | None = None):
    if request.headers.get("HX-Request") == "true":
        return _builder(scorecard, notice=notice)
    if notice:
        flash(notice, "success")
    return see_other(url_for("scorecards.builder", scorecard_id=scorecard.id))


def _refused(scorecard_id: int, error):
    """The change was not saved; show why, with the scorecard as it now is."""
    scorecard = scorecards.get_scorecard(db.session, page_actor(), scorecard_id)
    return _builder(scorecard, alert=error.detail, status=409)


def _builder(scorecard, status: int = 200, **extra):
    return render(
        "scorecards/builder.html", "builder", status=status, **_context(scorecard, **extra)
    )


def _context(scorecard, errors=None, alert=None, notice=None) -> dict:
    criteria, query_errors = load_query(CompetencyFilterSchema())
    chosen = {entry.competency.slug for entry in scorecard.competencies}
    options = framework.competency_page(db.session, CompetencyFilter(**criteria), 1, 100)
    return {
        "scorecard": scorecard,
        "summary": scorecards.summary(scorecard),
        "unpublished_changes": scorecards.has_unpublished_changes(db.session, scorecard),
        "options": [c for c in options.items if c.slug not in chosen],
        "search": criteria.get("q") or "",
        "responsibilities": framework.responsibility_page(db.session, 1, 100).items,
        "education_levels": EDUCATION_LEVELS,
        "errors": {**(errors or {}), **query_errors},
        "alert": alert,
        "notice": notice,
    }


def _rearranged(outcomes: list[str], action: str, index: int) -> list[str]:
    if not 0 <= index < len(outcomes):
        return outcomes
    if action == "remove":
        return outcomes[:index] + outcomes[index + 1 :]
    other = index - 1 if action == "up" else index + 1
    if 0 <= other < len(outcomes):
        outcomes[index], outcomes[other] = outcomes[other], outcomes[index]
    return outcomes
