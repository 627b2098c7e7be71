"""A candidate's own pages: profile, self-assessment, JSON Resume import, sharing."""

import json

from flask import Blueprint, current_app, flash, render_template, request, url_for
from flask_login import current_user, login_required

from portal.auth import page_actor
from portal.extensions import db, limiter
from portal.schemas.candidates import AssessmentInputSchema
from portal.services import candidates, framework, resume_import
from portal.services.errors import Forbidden, StaleWrite, ValidationFailed
from portal.services.framework import CompetencyFilter
from portal.web.candidate_forms import (
    PROFILE_FORM_FIELDS,
    field_message,
    load_profile_form,
    resume_review_page,
    saved_meanwhile,
)
from portal.web.forms import load_form, local_path, posted_revision, see_other
from portal.web.htmx import render

bp = Blueprint("profile", __name__, url_prefix="/profile")


@bp.before_request
@login_required
def _candidates_only():
    if current_user.role != "candidate":
        raise Forbidden("These pages are for candidates; recruiters use the candidate pool.")


def _profile():
    return candidates.own_profile(db.session, current_user)


@bp.route("", methods=["GET", "POST"])
def edit():
    """Your profile, saved as a whole; fields are checked as you leave them."""
    candidate, errors, form, meanwhile = _profile(), {}, None, None
    if request.method == "POST":
        form, errors = load_profile_form()
        if not errors:
            try:
                candidates.update_candidate(
                    db.session, page_actor(), candidate.id, form, posted_revision()
                )
            except ValidationFailed as error:
                errors = error.errors
            except StaleWrite as error:
                # The typed text stays in the form, beside what was saved meanwhile.
                errors, meanwhile = {"_schema": [error.detail]}, saved_meanwhile(form, candidate)
            else:
                flash("Your profile is saved.", "success")
                return see_other(url_for("profile.edit"))
    return _profile_page(candidate, form, errors, meanwhile)


@bp.post("/check")
def check():
    """Check the profile without saving: the message of the field just left (named by htmx's
    HX-Trigger-Name), or the whole form when no field is named."""
    form, errors = load_profile_form()
    field = request.headers.get("HX-Trigger-Name", "")
    if field in PROFILE_FORM_FIELDS:
        return field_message(errors, field)
    return _profile_page(_profile(), form, errors)


def _profile_page(candidate, form, errors, meanwhile=None):
    return render(
        "profile/edit.html",
        "profile_form",
        status=422 if errors else 200,
        candidate=candidate,
        form=form or candidates.document(candidate),
        errors=errors,
        meanwhile=meanwhile or {},
        stale=meanwhile is not None,
        check_url=url_for("profile.check"),
        educations=candidates.EDUCATION_LEVELS,
        backgrounds=candidates.BACKGROUNDS,
    )


@bp.route("/assessment", methods=["GET", "POST"])
def assessment():
    """Walk the competencies by skill area and pick the level that matches what you do."""
    candidate, errors, saved, stale = _profile(), {}, None, False
    if request.method == "POST":
        entry, errors = load_form(AssessmentInputSchema())
        if not errors:
            try:
                candidate = candidates.assess(
                    db.session, page_actor(), candidate.id, entry, posted_revision()
                )
                saved = entry["competency"]
            except (ValidationFailed, StaleWrite) as error:
                errors = getattr(error, "errors", {"_schema": [error.detail]})
                stale = isinstance(error, StaleWrite)
        if saved and request.headers.get("HX-Request") != "true":
            return see_other(url_for("profile.assessment", _anchor=f"c-{saved}"))
    groups = framework.competencies_by_area(db.session, CompetencyFilter())
    assessed = {a.competency.slug: a for a in candidate.assessments if a.source == "self"}
    return render(
        "profile/assessment.html",
        "assessments",
        status=422 if errors else 200,
        candidate=candidate,
        groups=groups,
        assessed=assessed,
        progress=candidates.assessment_progress(
            candidate, sum(len(group.competencies) for group in groups)
        ),
        errors=errors,
        saved=saved,
        stale=stale,
        # A refused card keeps what was chosen and typed in it.
        failed=request.form.get("competency") if errors else None,
        posted={key: request.form.get(key) for key in ("level", "evidence") if key in request.form},
    )


@bp.route("/import", methods=["GET", "POST"])
def import_resume():
    """Upload a JSON Resume and review what saving it would change before anything is saved."""
    return resume_review_page(merge_into=_profile())


@bp.post("/import/confirm")
def confirm_import():
    """Merge the reviewed resume into your profile (your self-assessments stay)."""
    try:
        document = json.loads(request.form.get("document", ""))
        resume_import.apply_to_own_profile(
            db.session, current_user, document, _schema(), posted_revision()
        )
    except (ValueError, RecursionError, ValidationFailed):
        flash("The reviewed resume could not be read again; upload it once more.", "error")
        return see_other(url_for("profile.import_resume"))
    except StaleWrite:
        notice = "Your profile changed since this review; here is what saving changes now."
        return resume_review_page(merge_into=_profile(), document=document, notice=notice)
    flash("Your profile now shows what your resume says. Adjust anything below.", "success")
    return see_other(url_for("profile.edit"))


@bp.route("/sharing", methods=["GET", "POST"])
@limiter.limit("30 per hour", methods=["POST"])
def sharing():
    """The organisations that see your profile; share with another by its code."""
    errors = {}
    if request.method == "POST":
        try:
            organisation = candidates.share_by_code(
                db.session, current_user, request.form.get("code", "")
            )
            flash(f"{organisation.name} can now see your profile.", "success")
            return see_other(url_for("profile.sharing"))
        except ValidationFailed as error:
            errors = error.errors
    return render(
        "profile/sharing.html",
        "sharing",
        status=422 if errors else 200,
        shares=candidates.shares(db.session, current_user),
        form=request.form,
        errors=errors,
    )


@bp.get("/sharing/<id:organisation_id>/withdraw")
def confirm_withdraw(organisation_id):
    """Ask before withdrawing a share, on a page of its own (works without JavaScript)."""
    shares = candidates.shares(db.session, current_user)
    share = next((share for share in shares if share.organisation.id == organisation_id), None)
    back = local_path(request.args.get("next"), url_for("profile.sharing"))
    if share is None:
        flash("You do not share your profile with that organisation.", "info")
        return see_other(back)
    name = share.organisation.name
    return render_template(
        "confirm.html",
        question=f"Withdraw your profile from {name}?",
        consequence=f"{name}'s recruiters stop seeing it at once: it leaves their pool and "
        "their match boards. You can share again later.",
        button="Withdraw",
        action=url_for("profile.withdraw", organisation_id=organisation_id),
        cancel=back,
        fields={"next": back},
    )


@bp.post("/sharing/<id:organisation_id>/withdraw")
def withdraw(organisation_id):
    """Stop sharing your profile with an organisation: it loses sight of it at once."""
    organisation = candidates.withdraw(db.session, current_user, organisation_id)
    if organisation is not None:
        flash(f"{organisation.name} can no longer see your profile.", "success")
    return see_other(local_path(request.form.get("next"), url_for("profile.sharing")))


def _schema() -> str:
    return current_app.config["JSON_RESUME_SCHEMA"]
