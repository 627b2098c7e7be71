"""Interviewers' pages: the interviews assigned to them and the interview kit they fill.

The kit's draft autosaves: htmx posts the whole form on every change and swaps only the small
save status (and the field messages, out of band), never a field being typed in. Without
JavaScript the same form saves with its "Save draft" button. Submitting goes through a confirm
page (a submitted evaluation is final); a correction is a new draft that supersedes it.
"""

from flask import Blueprint, flash, render_template, request, url_for
from flask_login import login_required

from portal.auth import page_actor, request_origin
from portal.extensions import db
from portal.services import evaluations, interviews
from portal.services.errors import Conflict, ValidationFailed
from portal.web.forms import see_other
from portal.web.htmx import render, wants_fragment

bp = Blueprint("interviews", __name__, url_prefix="/interviews")
bp.before_request(login_required(lambda: None))

TEMPLATE = "interviews/kit.html"
FIELDS = ("rating", "note")
NOT_SUBMITTED = "Not submitted"  # a competency's fields are named "rating.<slug>", "note.<slug>"


@bp.get("")
def index():
    """The interviews assigned to you, open ones first."""
    return render(
        "interviews/index.html",
        "interviews_to_do",
        to_do=interviews.interviews_to_do(db.session, page_actor()),
    )


@bp.get("/<id:interview_id>")
def kit(interview_id):
    """The interview kit: the role, the competencies to probe with their levels and questions,
    and your ratings (a private draft until you submit it)."""
    return _kit_page(interview_id)


@bp.post("/<id:interview_id>/draft")
def save(interview_id):
    """Save the kit as it stands: htmx autosaves every change and gets the save status back;
    the "Save draft" button does the same without JavaScript. "Submit evaluation" saves, then
    asks for confirmation."""
    values, slugs = _posted_kit()
    try:
        draft = evaluations.save_draft(db.session, page_actor(), interview_id, values)
    except ValidationFailed as error:
        return _refused(interview_id, _by_field(error.errors, slugs), 422)
    except Conflict as error:
        return _refused(interview_id, {"_schema": [error.detail]}, 409)
    if request.form.get("action") == "submit":
        return see_other(url_for("interviews.confirm_submit", interview_id=interview_id))
    if wants_fragment():
        return render(TEMPLATE, "kit_status", draft=draft, errors={}, answer=True, slugs=slugs)
    flash(f"Draft saved at {draft.updated_at:%H:%M} UTC.", "success")
    return see_other(url_for("interviews.kit", interview_id=interview_id))


@bp.get("/<id:interview_id>/submit")
def confirm_submit(interview_id):
    """What submitting sends, and that it is final, on a page of its own."""
    found = evaluations.kit(db.session, page_actor(), interview_id)
    if found.draft is None:
        flash("There is no draft to submit: rate the candidate first.", "info")
        return see_other(url_for("interviews.kit", interview_id=interview_id))
    return render_template(
        "interviews/confirm_submit.html", kit=found, words=evaluations.RECOMMENDATION_WORDS
    )


@bp.post("/<id:interview_id>/submit")
def submit(interview_id):
    """Submit the draft: final from now on; the others' evaluations become visible to you."""
    try:
        evaluations.submit_draft(db.session, page_actor(), interview_id, request_origin())
    except ValidationFailed as error:
        return _kit_page(interview_id, errors=error.errors, status=422, refusal=NOT_SUBMITTED)
    except Conflict as error:
        errors = {"_schema": [error.detail]}
        return _kit_page(interview_id, errors=errors, status=409, refusal=NOT_SUBMITTED)
    flash("Your evaluation is submitted. It is final; a correction would supersede it.", "success")
    return see_other(url_for("interviews.kit", interview_id=interview_id))


@bp.post("/<id:interview_id>/correction")
def correct(interview_id):
    """Start a correction: a draft copying your submission, which supersedes it once submitted."""
    try:
        evaluations.start_correction(db.session, page_actor(), interview_id)
    except Conflict as error:
        return _kit_page(interview_id, errors={"_schema": [error.detail]}, status=409)
    flash("Your correction is a draft: it replaces your submission once you submit it.", "info")
    return see_other(url_for("interviews.kit", interview_id=interview_id))


@bp.get("/<id:interview_id>/discard")
def confirm_discard(interview_id):
    """Ask before discarding the draft, on a page of its own (works without JavaScript)."""
    found = evaluations.kit(db.session, page_actor(), interview_id)
    back = url_for("interviews.kit", interview_id=interview_id)
    if found.draft is None:
        return see_other(back)
    correction = found.draft.supersedes_id is not None
    return render_template(
        "confirm.html",
        question="Discard your correction?" if correction else "Discard your draft?",
        consequence="Your submitted evaluation stays as it is."
        if correction
        else "Your ratings and notes so far are deleted.",
        button="Discard correction" if correction else "Discard draft",
        action=url_for("interviews.discard", interview_id=interview_id),
        cancel=back,
        fields={},
    )


@bp.post("/<id:interview_id>/discard")
def discard(interview_id):
    """Delete the draft (a correction: the submission it would replace stays)."""
    evaluations.discard_draft(db.session, page_actor(), interview_id)
    flash("The draft is discarded.", "info")
    return see_other(url_for("interviews.kit", interview_id=interview_id))


# --- helpers ---------------------------------------------------------------------------------


def _kit_page(interview_id: int, errors=None, status: int = 200, posted: bool = False, **extra):
    found = evaluations.kit(db.session, page_actor(), interview_id)
    return render(
        TEMPLATE,
        "kit",
        status=status,
        kit=found,
        draft=found.draft,
        shown=_posted_values() if posted else _saved_values(found),
        errors=errors or {},
        answer=False,
        slugs=[competency.slug for competency in found.competencies],
        words=evaluations.RECOMMENDATION_WORDS,
        recommendations=evaluations.RECOMMENDATIONS,
        note_max=evaluations.NOTE_MAX,
        summary_max=evaluations.SUMMARY_MAX,
        **extra,
    )


def _refused(interview_id: int, errors: dict, status: int):
    """A refused save: htmx gets the status and the field messages (the fields stay as typed);
    a plain form gets the kit again with what was typed and the messages."""
    if wants_fragment():
        found = evaluations.kit(db.session, page_actor(), interview_id)
        slugs = [competency.slug for competency in found.competencies]
        return render(
            TEMPLATE,
            "kit_status",
            status=status,
            draft=found.draft,
            errors=errors,
            answer=True,
            slugs=slugs,
        )
    return _kit_page(interview_id, errors=errors, status=status, posted=True)


def _posted_kit() -> tuple[dict, list[str]]:
    """The posted kit as the service takes it, and its competencies in the order posted."""
    slugs: list[str] = []
    for key in request.form:
        kind, _, slug = key.partition(".")
        if kind in FIELDS and slug and slug not in slugs:
            slugs.append(slug)
    ratings = [
        {
            "competency": slug,
            "rating": _rating(request.form.get(f"rating.{slug}", "")),
            "note": request.form.get(f"note.{slug}", ""),
        }
        for slug in slugs
    ]
    values = {
        "ratings": ratings,
        "recommendation": request.form.get("recommendation", ""),
        "summary": request.form.get("summary", ""),
    }
    return values, slugs


def _rating(value: str):
    """A rating chosen in the form: blank is "not assessed"; anything else as typed is left to
    the rules to refuse."""
    value = value.strip()
    if value == "":
        return None
    return int(value) if value.isdigit() and len(value) < 4 else value


def _by_field(errors: dict[str, list[str]], slugs: list[str]) -> dict[str, list[str]]:
    """ "ratings.2.rating" is the message of the form field "rating.<third slug>"."""
    shown: dict[str, list[str]] = {}
    for path, messages in errors.items():
        parts = path.split(".")
        if parts[0] == "ratings" and len(parts) == 3 and parts[1].isdigit():
            index, field = int(parts[1]), parts[2]
            if index < len(slugs) and field in FIELDS:
                path = f"{field}.{slugs[index]}"
            else:
                path = "ratings"
        elif parts[0] == "ratings":
            path = "ratings"
        shown.setdefault(path, []).extend(messages)
    return shown


def _posted_values() -> dict[str, str]:
    return {key: value for key, value in request.form.items() if key != "csrf_token"}


def _saved_values(found) -> dict[str, str]:
    """What the form shows: the draft (or the submission) as saved."""
    evaluation = found.draft if found.editable else None
    if evaluation is None:
        return {}
    shown = {
        "recommendation": evaluation.recommendation or "",
        "summary": evaluation.summary or "",
    }
    for row in evaluation.ratings:
        slug = row.competency.slug
        shown[f"rating.{slug}"] = "" if row.rating is None else str(row.rating)
        shown[f"note.{slug}"] = row.note or ""
    return shown
