"""The scorecard builder: list, create or clone, edit piece by piece, publish and export."""

import json

from flask import Blueprint, Response, flash, make_response, render_template, request, url_for
from flask_login import login_required
from jinja2_fragments.flask import render_block

from portal.auth import page_actor
from portal.extensions import db
from portal.schemas.framework import CompetencyFilterSchema
from portal.schemas.scorecards import (
    RequirementsSchema,
    ScorecardFilterSchema,
    ScorecardInputSchema,
)
from portal.services import framework, scorecards
from portal.services.errors import Conflict, StaleWrite, ValidationFailed
from portal.services.framework import CompetencyFilter
from portal.web.forms import load_form, load_query, page_number, posted_revision, see_other
from portal.web.htmx import render, wants_fragment

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
        statuses=scorecards.STATUSES,
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
    values, errors = load_form(ScorecardInputSchema(only=("title", "mission"), partial=True))
    return _change(scorecard_id, "basics", values, errors, scorecards.update_scorecard, values)


@bp.post("/<id:scorecard_id>/outcomes")
def save_outcomes(scorecard_id):
    """One outcome at a time: save, move up or down, remove, or add a new one. The other
    outcomes' unsaved text comes along and is shown again, still unsaved."""
    drafts = request.form.getlist("outcomes")
    action, _, index = request.form.get("action", "").partition(":")
    position = int(index) if index.isdigit() else -1
    operations = {
        "save": (scorecards.change_outcome, position, _posted(drafts, position)),
        "up": (scorecards.move_outcome, position, -1),
        "down": (scorecards.move_outcome, position, 1),
        "remove": (scorecards.remove_outcome, position),
        "add": (scorecards.add_outcome, request.form.get("new_outcome", "")),
    }
    if action not in operations:
        return _section_answer(
            scorecard_id,
            "outcomes",
            {"outcomes": drafts},
            status=422,
            errors={"outcomes": ["Choose what to do with the outcome."]},
        )
    operation, *arguments = operations[action]
    kept = {"outcomes": _drafts_after(drafts, action, position)}
    return _change(
        scorecard_id,
        "outcomes",
        {"outcomes": drafts, "new_outcome": request.form.get("new_outcome", "")},
        {},
        operation,
        *arguments,
        kept=kept,
        focus=_outcome_focus(action, position),
    )


@bp.post("/<id:scorecard_id>/competencies")
def add_competency(scorecard_id):
    """Add a framework competency with a default weight and target level."""
    values = {"competency": request.form.get("competency", ""), **NEW_COMPETENCY}
    return _change(
        scorecard_id,
        "competencies",
        {},
        {},
        scorecards.add_competency,
        values,
        focus=f"weight-{values['competency']}",
    )


@bp.post("/<id:scorecard_id>/competencies/<slug>")
def save_competency(scorecard_id, slug):
    """Change one competency's weight, target level and must-have; move or remove it."""
    action = request.form.get("action", "save")
    if action == "remove":
        return _change(
            scorecard_id,
            "competencies",
            {},
            {},
            scorecards.remove_competency,
            slug,
            focus="competencies-heading",
        )
    if action in ("up", "down"):
        offset = -1 if action == "up" else 1
        return _change(
            scorecard_id,
            "competencies",
            {},
            {},
            scorecards.move_competency,
            slug,
            offset,
            focus=_competency_focus(slug, action),
        )
    values = {
        "weight": _number(request.form.get("weight", "")),
        "target_level": _number(request.form.get("target_level", "")),
        "must_have": request.form.get("must_have") in ("on", "true", "1", "yes"),
    }
    return _change(
        scorecard_id,
        f"competency:{slug}",
        {slug: values},
        {},
        scorecards.change_competency,
        slug,
        values,
    )


@bp.post("/<id:scorecard_id>/responsibilities")
def save_responsibilities(scorecard_id):
    """The key responsibilities this role carries."""
    values, errors = load_form(ScorecardInputSchema(only=("responsibilities",)))
    drafts = {"responsibilities": request.form.getlist("responsibilities")}
    return _change(
        scorecard_id, "responsibilities", drafts, errors, scorecards.update_scorecard, values
    )


@bp.post("/<id:scorecard_id>/requirements")
def save_requirements(scorecard_id):
    """Years in product, years leading, and education."""
    values, errors = load_form(RequirementsSchema())
    errors = {f"requirements.{field}": messages for field, messages in errors.items()}
    drafts = {f"requirements.{field}": value for field, value in values.items()}
    return _change(
        scorecard_id,
        "requirements",
        drafts,
        errors,
        scorecards.update_scorecard,
        {"requirements": values},
    )


@bp.post("/<id:scorecard_id>/publish")
def publish(scorecard_id):
    """Freeze the scorecard as its next version."""
    return _lifecycle(
        scorecard_id, scorecards.publish, "Published version {version}.", "builder_summary"
    )


@bp.get("/<id:scorecard_id>/archive")
def confirm_archive(scorecard_id):
    """Ask before archiving, on a page of its own (works without JavaScript)."""
    scorecard = scorecards.get_scorecard(db.session, page_actor(), scorecard_id)
    return _confirm(
        scorecard,
        f"Archive “{scorecard.title}”?",
        "It stops being used for matching; its published versions stay readable, "
        "and you can restore it later.",
        "Archive",
        url_for("scorecards.archive", scorecard_id=scorecard.id),
    )


@bp.post("/<id:scorecard_id>/archive")
def archive(scorecard_id):
    """Take a published scorecard out of use."""
    return _lifecycle(scorecard_id, scorecards.archive, "Archived.")


@bp.post("/<id:scorecard_id>/restore")
def restore(scorecard_id):
    """Bring an archived scorecard back."""
    return _lifecycle(scorecard_id, scorecards.restore, "Restored.")


@bp.get("/<id:scorecard_id>/delete")
def confirm_delete(scorecard_id):
    """Ask before deleting a draft, on a page of its own (works without JavaScript)."""
    scorecard = scorecards.get_scorecard(db.session, page_actor(), scorecard_id)
    return _confirm(
        scorecard,
        f"Delete the draft “{scorecard.title}”?",
        "This cannot be undone.",
        "Delete draft",
        url_for("scorecards.delete", scorecard_id=scorecard.id),
    )


def _confirm(scorecard, question: str, consequence: str, button: str, action: str):
    return render_template(
        "confirm.html",
        question=question,
        consequence=consequence,
        button=button,
        action=action,
        cancel=url_for("scorecards.builder", scorecard_id=scorecard.id),
        fields={"revision": scorecard.revision},
    )


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

TEMPLATE = "scorecards/builder.html"
# Parts of the builder an htmx answer carries besides the one that changed, out of band.
ALONGSIDE = ("builder_status", "builder_summary")


def _change(scorecard_id, part, drafts, errors, operation, *arguments, kept=None, focus=None):
    """Run one builder operation and answer with the part it changed (htmx) or the page.

    `drafts` is what the user sent, shown again when the change is refused; `kept` is unsaved
    text from elsewhere in the part that comes back untouched when the change is saved.
    """
    revision = posted_revision()
    if errors:
        return _section_answer(scorecard_id, part, drafts, errors=errors, status=422)
    try:
        scorecard = operation(db.session, page_actor(), scorecard_id, *arguments, revision)
    except ValidationFailed as error:
        shown = {
            ("new_competency" if key == "competency" else key): m for key, m in error.errors.items()
        }
        return _section_answer(scorecard_id, part, drafts, errors=shown, status=422)
    except (StaleWrite, Conflict) as error:
        return _section_answer(
            scorecard_id, part, drafts, alert=error.detail, stale=True, status=409
        )
    kept = kept or {}
    if not wants_fragment() and not _unsaved(scorecard, kept):
        return see_other(url_for("scorecards.builder", scorecard_id=scorecard.id))
    focused = focus(scorecard) if callable(focus) else focus
    return _section_answer(scorecard, part, kept, saved_from=revision, focus=focused)


def _section_answer(scorecard, part, drafts, *, status=200, saved_from=None, stale=False, **extra):
    """The changed part with the summary and status out of band for htmx; else the full page."""
    if isinstance(scorecard, int):  # an id: load the scorecard
        scorecard = scorecards.get_scorecard(db.session, page_actor(), scorecard)
    context = _context(scorecard, drafts=drafts, stale=part if stale else None, **extra)
    if not wants_fragment():
        return make_response(render_template(TEMPLATE, **context), status)
    block, local = _block_for(scorecard, part)
    parts = [render_block(TEMPLATE, block, **context, **local)]
    alongside = [name for name in ALONGSIDE if name != block]
    if part == "competencies":
        alongside.append("competency_options")
    parts += [render_block(TEMPLATE, name, **{**context, "oob": True}) for name in alongside]
    if saved_from is not None:
        parts.append(render_block(TEMPLATE, "revision_sync", saved_from=saved_from, **context))
    return make_response("\n".join(parts), status)


def _block_for(scorecard, part: str) -> tuple[str, dict]:
    """The template block that renders `part`, and the loop variables a row block needs."""
    if part.startswith("competency:"):
        slug = part.partition(":")[2]
        for position, entry in enumerate(scorecard.competencies):
            if entry.competency.slug == slug:
                return "competency_row", {"entry": entry, "i": position}
        return "competencies", {}
    return part, {}


def _unsaved(scorecard, kept: dict) -> bool:
    """Whether unsaved text must be shown again rather than lost to a redirect."""
    drafts = kept.get("outcomes", [])
    return any(
        draft is not None and draft != saved
        for draft, saved in zip(drafts, scorecard.outcomes, strict=False)
    )


def _posted(drafts: list[str], index: int) -> str:
    return drafts[index] if 0 <= index < len(drafts) else ""


def _drafts_after(drafts: list[str], action: str, index: int) -> list[str]:
    """The other outcomes' unsaved text, lined up with the outcomes after `action`."""
    drafts = list(drafts)
    if not 0 <= index < len(drafts):
        return drafts
    if action == "save":
        return drafts[:index] + [None] + drafts[index + 1 :]
    if action == "remove":
        return drafts[:index] + drafts[index + 1 :]
    other = index - 1 if action == "up" else index + 1
    if 0 <= other < len(drafts):
        drafts[index], drafts[other] = drafts[other], drafts[index]
    return drafts


def _outcome_focus(action: str, index: int):
    """The control that keeps the user's place after an outcome is moved, removed or added."""

    def focus(scorecard) -> str | None:
        last = len(scorecard.outcomes) - 1
        if action in ("up", "down"):
            moved = min(max(index + (-1 if action == "up" else 1), 0), last)
            if action == "up":
                return f"outcome-up-{moved}" if moved > 0 else f"outcome-down-{moved}"
            return f"outcome-down-{moved}" if moved < last else f"outcome-up-{moved}"
        if action == "remove":
            return "outcomes-heading"
        return None  # save and add: the control used is still there, htmx keeps it focused

    return focus


def _competency_focus(slug: str, action: str):
    """After a move, the same arrow of the moved row, or the other one at either end."""

    def focus(scorecard) -> str:
        slugs = [entry.competency.slug for entry in scorecard.competencies]
        position = slugs.index(slug) if slug in slugs else 0
        at_end = position == 0 if action == "up" else position == len(slugs) - 1
        other = "down" if action == "up" else "up"
        return f"competency-{other if at_end else action}-{slug}"

    return focus


def _number(value: str):
    """A whole number typed in a form, or the text itself for the rules to refuse."""
    return int(value) if value.isdigit() else value


def _lifecycle(scorecard_id: int, operation, message: str, part: str | None = None):
    """Publish, archive or restore. Publishing answers the summary only (it changes nothing
    the user is typing in); archive and restore change every part, so the whole builder."""
    actor = page_actor()
    revision = posted_revision()
    try:
        result = operation(db.session, actor, scorecard_id, revision)
    except ValidationFailed as error:
        if part:
            return _section_answer(scorecard_id, part, {}, errors=error.errors, status=422)
        scorecard = scorecards.get_scorecard(db.session, actor, scorecard_id)
        return _builder(scorecard, errors=error.errors, status=422)
    except (StaleWrite, Conflict) as error:
        if part:
            return _section_answer(scorecard_id, part, {}, alert=error.detail, status=409)
        return _refused(scorecard_id, error)
    scorecard = scorecards.get_scorecard(db.session, actor, scorecard_id)
    notice = message.format(version=getattr(result, "number", ""))
    if part and wants_fragment():
        return _section_answer(scorecard, part, {}, saved_from=revision, notice=notice)
    return _saved(scorecard, notice=notice)


def _saved(scorecard, notice: str | None = None):
    if wants_fragment():
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


def _context(
    scorecard, errors=None, alert=None, notice=None, drafts=None, stale=None, focus=None
) -> dict:
    criteria, query_errors = load_query(CompetencyFilterSchema())
    if request.method == "POST":
        criteria = {"q": request.form.get("q") or None}
    chosen = {entry.competency.slug for entry in scorecard.competencies}
    options = framework.competency_page(db.session, CompetencyFilter(**criteria), 1, 100)
    return {
        "scorecard": scorecard,
        "summary": scorecards.summary(scorecard),
        "unpublished_changes": scorecards.has_unpublished_changes(db.session, scorecard),
        "options": [c for c in options.items if c.slug not in chosen],
        "search": criteria.get("q") or "",
        "responsibilities": framework.responsibility_page(db.session, 1, 100).items,
        "education_levels": scorecards.EDUCATION_LEVELS,
        "errors": {**(errors or {}), **query_errors},
        "alert": alert,
        "notice": notice,
        "drafts": drafts or {},
        "stale": stale,
        "focus": focus,
        "oob": False,
        "editable": scorecard.status != "archived",
    }
