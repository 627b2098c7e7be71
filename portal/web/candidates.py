"""The organisation's candidate pool: search, add and edit, import one resume or many."""

import json

import marshmallow as ma
from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import login_required

from portal import jobs
from portal.auth import page_actor
from portal.extensions import db
from portal.schemas.candidates import CandidateFilterSchema
from portal.services import bulk_import, candidates, framework, resume_import, scorecards
from portal.services.candidates import CandidateFilter
from portal.services.errors import Conflict, Forbidden, StaleWrite, ValidationFailed
from portal.web.candidate_forms import load_profile_form, resume_review_page, saved_meanwhile
from portal.web.forms import load_query, page_number, posted_revision, see_other
from portal.web.htmx import render, wants_fragment

bp = Blueprint("candidates", __name__, url_prefix="/candidates")


@bp.before_request
@login_required
def _recruiters_only():
    page_actor().require_organisation()


@bp.before_app_request
def _resume_imports_after_a_restart():
    """Development without Redis: a web process restarted while imports were unfinished starts
    the sweeps with its first request (not only with the next upload), so they resume."""
    app = current_app._get_current_object()
    if app.config["REDIS_URL"] or app.testing or "portal.imports_checked" in app.extensions:
        return
    app.extensions["portal.imports_checked"] = True
    if bulk_import.unfinished_count(db.session):
        jobs.sweep_in_this_process(app)


PAGE_SIZE = 25
PUBLISHED_LINKS = 10  # the latest published scorecards a candidate's page links to


@bp.get("")
def index():
    """Candidates visible to the organisation, searchable by name, headline and competency."""
    criteria, errors = load_query(CandidateFilterSchema())
    page = candidates.candidate_page(
        db.session, page_actor(), _applied(criteria, errors), page_number(), PAGE_SIZE
    )
    return render(
        "candidates/index.html",
        "candidate_list",
        status=422 if errors else 200,
        page=page,
        criteria=criteria,
        errors=errors,
        fragment=wants_fragment(),
        competencies=framework.all_competencies(db.session),
        **_choices(),
    )


def _applied(criteria: dict, errors: dict) -> CandidateFilter:
    """The filters that loaded: a refused one shows its error and filters nothing."""
    if not errors:
        return CandidateFilter(**criteria)
    kept = {key: value for key, value in criteria.items() if key not in errors}
    if "competency" not in kept:
        kept.pop("min_level", None)
    try:
        return CandidateFilter(**CandidateFilterSchema().load(kept))
    except ma.ValidationError:
        return CandidateFilter()


@bp.route("/new", methods=["GET", "POST"])
def create():
    """Add a candidate to the pool by hand."""
    actor, form, errors = page_actor(), {}, {}
    if request.method == "POST":
        form, errors = load_profile_form()
        if not errors:
            try:
                candidate = candidates.create_candidate(db.session, actor, form)
            except ValidationFailed as error:
                errors = error.errors
            else:
                return see_other(url_for("candidates.detail", candidate_id=candidate.id))
    return render(
        "candidates/new.html",
        "candidate_form",
        status=422 if errors else 200,
        form=form,
        errors=errors,
        **_choices(),
    )


@bp.route("/<id:candidate_id>", methods=["GET", "POST"])
def detail(candidate_id):
    """A candidate's profile and assessments; the organisation's own candidates can be edited."""
    actor = page_actor()
    candidate = candidates.get_candidate(db.session, actor, candidate_id)
    form, errors, meanwhile = None, {}, None
    if request.method == "POST":
        form, errors = load_profile_form()
        if not errors:
            try:
                candidates.update_candidate(
                    db.session, actor, candidate_id, form, posted_revision()
                )
            except ValidationFailed as error:
                errors = error.errors
            except StaleWrite as error:
                # The typed text stays in the form, beside what was saved meanwhile.
                errors, meanwhile = {"_schema": [error.detail]}, saved_meanwhile(form, candidate)
            else:
                flash("Saved.", "success")
                return see_other(url_for("candidates.detail", candidate_id=candidate_id))
        candidate = candidates.get_candidate(db.session, actor, candidate_id)
    return render(
        "candidates/detail.html",
        "candidate_form",
        status=(409 if "_schema" in errors else 422) if errors else 200,
        candidate=candidate,
        owned=candidate.organisation_id == actor.organisation_id,
        form=form or candidates.document(candidate),
        errors=errors,
        meanwhile=meanwhile or {},
        stale=meanwhile is not None,
        names=framework.competency_names(db.session),
        published=scorecards.scorecard_page(  # links to plan interviews for each
            db.session, actor, status="published", page_size=PUBLISHED_LINKS
        ),
        **_choices(),
    )


@bp.get("/<id:candidate_id>/delete")
def confirm_delete(candidate_id):
    """Ask before deleting a candidate, on a page of its own (works without JavaScript)."""
    actor = page_actor()
    candidate = candidates.get_candidate(db.session, actor, candidate_id)
    if candidate.organisation_id != actor.organisation_id:
        raise Forbidden("This candidate owns their profile; only they can change it.")
    return render_template(
        "confirm.html",
        question=f"Delete {candidate.name} from the pool?",
        consequence="Their profile, assessments and match results go with them. "
        "This cannot be undone.",
        button="Delete candidate",
        action=url_for("candidates.delete", candidate_id=candidate.id),
        cancel=url_for("candidates.detail", candidate_id=candidate.id),
        fields={"revision": candidate.revision},
    )


@bp.post("/<id:candidate_id>/delete")
def delete(candidate_id):
    """Remove a candidate of the organisation's pool."""
    try:
        candidates.delete_candidate(db.session, page_actor(), candidate_id, posted_revision())
    except StaleWrite as error:
        flash(error.detail, "error")
        return see_other(url_for("candidates.detail", candidate_id=candidate_id))
    flash("The candidate is deleted.", "success")
    return see_other(url_for("candidates.index"))


@bp.route("/import", methods=["GET", "POST"])
def import_resume():
    """Read one JSON Resume and review it before adding the candidate."""
    page_actor().require_scope("candidates:write")
    return resume_review_page()


@bp.post("/import/confirm")
def confirm_import():
    """Add the reviewed resume's candidate to the pool."""
    try:
        document = json.loads(request.form.get("document", ""))
        candidate, _ = resume_import.import_as_candidate(
            db.session, page_actor(), document, _schema()
        )
    except (ValueError, RecursionError, ValidationFailed):
        flash("The reviewed resume could not be read again; upload it once more.", "error")
        return see_other(url_for("candidates.import_resume"))
    return see_other(url_for("candidates.detail", candidate_id=candidate.id))


@bp.route("/bulk", methods=["GET", "POST"])
def bulk():
    """Upload a CSV or a zip of JSON Resumes; rows are imported in the background."""
    actor, errors = page_actor(), {}
    if request.method == "POST":
        upload = request.files.get("file")
        data = upload.read() if upload and upload.filename else b""
        filename = upload.filename if upload else ""
        try:
            job = bulk_import.start_import(db.session, actor, filename, data, _schema())
        except ValidationFailed as error:
            errors = error.errors
        else:  # the file is stored with the job: any worker can run it from here
            jobs.enqueue("bulk_import", job.id)
            return see_other(url_for("candidates.job", job_id=job.id))
    return render(
        "candidates/bulk.html",
        "bulk",
        status=422 if errors else 200,
        errors=errors,
        jobs=bulk_import.recent_jobs(db.session, actor),
        state=bulk_import.state,
    )


@bp.get("/bulk/template.csv")
def bulk_template():
    """The CSV template: every column and one example row."""
    return Response(
        bulk_import.template_csv(),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="candidates-template.csv"'},
    )


@bp.get("/bulk/<id:job_id>")
def job(job_id):
    """An import's counts and progress (that part polled while it runs), each distinct error
    once, and the failed rows a page at a time."""
    found = bulk_import.job_for(db.session, page_actor(), job_id)
    block = "job_failures" if request.headers.get("HX-Target") == "job_failures" else "job_progress"
    failures = bulk_import.failure_page(db.session, found, page_number())
    # A poll that finds the import finished brings the failures once, out of band.
    polled = block == "job_progress" and wants_fragment()
    return render(
        "candidates/job.html",
        block,
        job=found,
        state=bulk_import.state(found),
        failures=failures,
        polled=polled,
    )


@bp.get("/imports")
def imports():
    """The organisation's bulk imports, newest first, with their state and counts."""
    page = bulk_import.job_page(db.session, page_actor(), page_number())
    return render("candidates/imports.html", "imports", page=page, state=bulk_import.state)


@bp.get("/bulk/<id:job_id>/cancel")
def confirm_cancel_job(job_id):
    """Ask before cancelling an import, on a page of its own (works without JavaScript)."""
    found = bulk_import.job_for(db.session, page_actor(), job_id)
    here = url_for("candidates.job", job_id=found.id)
    if found.status in bulk_import.FINISHED:
        return see_other(here)
    return render_template(
        "confirm.html",
        question=f"Cancel the import of {found.filename}?",
        consequence="It stops before its next batch of rows. The rows imported so far stay "
        "imported; the others are not imported.",
        button="Cancel import",
        action=url_for("candidates.cancel_job", job_id=found.id),
        cancel=here,
        fields={},
    )


@bp.post("/bulk/<id:job_id>/cancel")
def cancel_job(job_id):
    """Cancel an unfinished import (its worker stops between two batches)."""
    try:
        found = bulk_import.request_cancel(db.session, page_actor(), job_id)
    except Conflict as error:
        flash(error.detail, "error")
    else:
        cancelled = found.status == "cancelled"
        if cancelled:
            flash("The import is cancelled.", "success")
        else:
            flash("The import stops after the batch its worker is writing.", "info")
    return see_other(url_for("candidates.job", job_id=job_id))


@bp.get("/bulk/<id:job_id>/failed-rows.csv")
def job_failures_csv(job_id):
    """The failed rows as CSV with an `error` column, ready to fix and upload again."""
    actor = page_actor()
    found = bulk_import.job_for(db.session, actor, job_id)
    lines = bulk_import.failures_csv(db.session, actor, job_id)
    return Response(
        stream_with_context(lines),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{bulk_import.failures_filename(found)}"'
        },
    )


def _schema() -> str:
    return current_app.config["JSON_RESUME_SCHEMA"]


def _choices() -> dict:
    return {"educations": candidates.EDUCATION_LEVELS, "backgrounds": candidates.BACKGROUNDS}
