"""Interview plans (recruiters): who interviews a candidate for a published scorecard, on which
competencies, and what the submitted evaluations say."""

from flask import Blueprint, flash, make_response, render_template, request, url_for
from flask_login import login_required
from jinja2_fragments.flask import render_block

from portal.auth import page_actor
from portal.extensions import db
from portal.services import candidates, evaluations, interviews, scorecards
from portal.services.errors import Conflict, NotFound, ValidationFailed
from portal.web.forms import see_other
from portal.web.htmx import wants_fragment

bp = Blueprint("interview_plans", __name__)
bp.before_request(login_required(lambda: None))

PLAN = "/scorecards/<id:scorecard_id>/candidates/<id:candidate_id>/interviews"
TEMPLATE = "interview_plans/plan.html"
STATUS_WORDS = {
    "not started": "Not started",
    "draft": "Draft in progress",
    "submitted": "Submitted",
}


@bp.get(PLAN)
def plan(scorecard_id, candidate_id):
    """The plan: who probes which competencies, what it leaves uncovered, and the evidence."""
    return _plan_page(scorecard_id, candidate_id)


@bp.post(PLAN)
def assign(scorecard_id, candidate_id):
    """Add an interviewer with the competencies they probe, or change an interviewer's focus."""
    posted = {
        "interviewer": request.form.get("interviewer", ""),
        "focus": request.form.getlist("focus"),
        "interview": request.form.get("interview", ""),  # the row changed; blank: the add form
    }
    try:
        interview = interviews.assign(
            db.session,
            page_actor(),
            scorecard_id,
            candidate_id,
            posted["interviewer"],
            posted["focus"],
        )
    except ValidationFailed as error:
        return _plan_page(scorecard_id, candidate_id, 422, errors=error.errors, posted=posted)
    except Conflict as error:
        return _plan_page(scorecard_id, candidate_id, 409, alert=error.detail)
    person = interview.interviewer.name or interview.interviewer.email
    verb = "changed" if posted["interview"] else "planned"
    return _saved(scorecard_id, candidate_id, f"{person}'s interview is {verb}.")


@bp.get(PLAN + "/<id:interview_id>/remove")
def confirm_remove(scorecard_id, candidate_id, interview_id):
    """Ask before taking an interviewer off the plan (works without JavaScript)."""
    found = interviews.plan(db.session, page_actor(), scorecard_id, candidate_id)
    interview = _planned(found, interview_id)
    person = interview.interviewer.name or interview.interviewer.email
    return render_template(
        "confirm.html",
        question=f"Take {person} off {found.candidate.name}'s interview plan?",
        consequence="They no longer see this candidate in their interviews to do. "
        "An evaluation they already submitted stays as evidence.",
        button="Remove interviewer",
        action=url_for(
            "interview_plans.remove",
            scorecard_id=scorecard_id,
            candidate_id=candidate_id,
            interview_id=interview.id,
        ),
        cancel=_plan_url(scorecard_id, candidate_id),
        fields={},
    )


@bp.post(PLAN + "/<id:interview_id>/remove")
def remove(scorecard_id, candidate_id, interview_id):
    """Take an interviewer off the plan."""
    actor = page_actor()
    interview = _planned(
        interviews.plan(db.session, actor, scorecard_id, candidate_id), interview_id
    )
    person = interview.interviewer.name or interview.interviewer.email
    interviews.unassign(db.session, actor, interview.id)
    return _saved(scorecard_id, candidate_id, f"{person} is off the plan.")


# --- helpers ---------------------------------------------------------------------------------


def _planned(found: interviews.Plan, interview_id: int):
    """An interview of this plan (one of another plan's is not found here)."""
    for interview in found.interviews:
        if interview.id == interview_id:
            return interview
    raise NotFound(f"No interview {interview_id} on this candidate's plan.")


def _saved(scorecard_id: int, candidate_id: int, notice: str):
    """After a change: the plan and its warnings for htmx; else back to the page (303)."""
    if wants_fragment():
        return _plan_page(scorecard_id, candidate_id, notice=notice)
    flash(notice, "success")
    return see_other(_plan_url(scorecard_id, candidate_id))


def _plan_url(scorecard_id: int, candidate_id: int) -> str:
    return url_for("interview_plans.plan", scorecard_id=scorecard_id, candidate_id=candidate_id)


def _plan_page(scorecard_id: int, candidate_id: int, status: int = 200, **extra):
    """The page, or for htmx the plan section with the warnings out of band."""
    actor = page_actor()
    try:
        found = interviews.plan(db.session, actor, scorecard_id, candidate_id)
    except ValidationFailed as error:  # never published: nothing to plan against yet
        return _never_published(actor, scorecard_id, candidate_id, error)
    context = _context(actor, found, **extra)
    if not wants_fragment():
        return make_response(render_template(TEMPLATE, **context), status)
    parts = [
        render_block(TEMPLATE, "plan", **context),
        render_block(TEMPLATE, "warnings", **{**context, "oob": True}),
    ]
    return make_response("\n".join(parts), status)


def _never_published(actor, scorecard_id: int, candidate_id: int, error: ValidationFailed):
    scorecard = scorecards.get_scorecard(db.session, actor, scorecard_id)
    candidate = candidates.find_visible(db.session, actor, candidate_id)
    page = render_template(
        "interview_plans/unpublished.html",
        scorecard=scorecard,
        candidate=candidate,
        message=error.detail,
    )
    return make_response(page, 422)


def _context(actor, found: interviews.Plan, errors=None, posted=None, alert=None, notice=None):
    entries = found.version.snapshot["competencies"]
    history = evaluations.evaluations_for(db.session, actor, found.scorecard.id, found.candidate.id)
    planned = {interview.interviewer_id for interview in found.interviews}
    return {
        "plan": found,
        "scorecard": found.scorecard,
        "candidate": found.candidate,
        "entries": entries,
        "names": {entry["competency"]: entry["name"] for entry in entries},
        "available": [person for person in found.staff if person.id not in planned],
        "status_words": STATUS_WORDS,
        "errors": errors or {},
        "posted": posted or {},
        "alert": alert,
        "notice": notice,
        "oob": False,
        **evidence_context(actor, found.candidate, found.staff),
        "history": history,
        "replaced_by": {e.supersedes_id: e.id for e in history if e.supersedes_id},
    }


def evidence_context(actor, candidate, staff) -> dict:
    """What templates/interview_plans/_evidence.html shows (the plan page and the match page)."""
    return {
        "interview_evidence": evaluations.interview_evidence(db.session, actor, candidate),
        "self_levels": {
            a.competency.slug: a.level for a in candidate.assessments if a.source == "self"
        },
        "people": {person.email: person.name or person.email for person in staff},
        "recommendation_words": evaluations.RECOMMENDATION_WORDS,
        "spread_flag": evaluations.SPREAD_FLAG,
    }
