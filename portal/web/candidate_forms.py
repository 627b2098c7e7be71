"""The candidate profile form, shared by the candidate's own page and the recruiter's pool."""

import json

from flask import Response, current_app, make_response, render_template, request
from markupsafe import escape

from portal.extensions import db
from portal.schemas.candidates import CandidateInputSchema
from portal.services import candidates, framework, resume_import
from portal.services.errors import ValidationFailed, flatten_messages
from portal.web.forms import by_form_field, load_form

PROFILE_FORM = CandidateInputSchema(exclude=("assessments", "certifications"), partial=("email",))
CERTIFICATIONS = CandidateInputSchema(only=("certifications",))
PROFILE_FORM_FIELDS = (*PROFILE_FORM.fields, "certifications")
MAX_RESUME_BYTES = 512 * 1024


def load_profile_form() -> tuple[dict, dict[str, list[str]]]:
    """The posted profile: one certification per line; a blank email or background is none."""
    values, errors = load_form(PROFILE_FORM)
    values["certifications"] = [
        line.strip() for line in request.form.get("certifications", "").splitlines() if line.strip()
    ]
    listed = {"certifications": values["certifications"]}
    errors.update(by_form_field(flatten_messages(CERTIFICATIONS.validate(listed))))
    if request.form.get("background", "") == "":
        values["background"] = None
        errors.pop("background", None)
    if request.form.get("email", "") == "":
        values["email"] = ""
        errors.pop("email", None)
    return values, errors


def field_message(errors: dict[str, list[str]], field: str) -> Response:
    """One field's message as text, for a live check to fill in under that field alone."""
    messages = errors.get(field, [])
    return make_response(escape(" ".join(messages)), 422 if messages else 200)


def saved_meanwhile(form: dict, candidate: "candidates.Candidate") -> dict:
    """After a refused stale edit: the saved values that differ from the typed ones, by field."""
    saved = candidates.document(candidate)
    return {name: saved[name] for name in PROFILE_FORM_FIELDS if saved[name] != form.get(name)}


def resume_review_page(merge_into=None, document=None, notice=""):
    """The import page: the upload form on GET; on POST, what the resume says, nothing saved.

    With `merge_into` (the candidate's own profile) the review lists what saving changes; a
    `document` given (a refused confirmation) is reviewed again instead of an upload."""
    if request.method == "GET":
        return render_template("profile/import.html", errors={}, profile=None, document="")
    errors, profile, plan = {}, None, None
    if document is None:
        document, errors = uploaded_document()
    if not errors:
        try:
            profile = resume_import.read_resume(
                db.session, document, current_app.config["JSON_RESUME_SCHEMA"]
            )
        except ValidationFailed as error:
            errors = error.errors
    if profile is not None and merge_into is not None:
        plan = resume_import.merge_plan(merge_into, profile)
    page = render_template(
        "profile/import.html",
        errors=errors,
        profile=profile,
        plan=plan,
        candidate=merge_into,
        notice=notice,
        document=json.dumps(document) if profile else "",
        names=framework.competency_names(db.session),
    )
    return page, (422 if errors else 200)


def uploaded_document():
    """The uploaded `resume` file as JSON: (document, errors)."""
    upload = request.files.get("resume")
    if upload is None or not upload.filename:
        return None, {"resume": ["Choose a JSON Resume file to upload."]}
    data = upload.read(MAX_RESUME_BYTES + 1)
    if len(data) > MAX_RESUME_BYTES:
        return None, {"resume": ["The file is larger than 512 KB."]}
    try:
        return json.loads(data.decode("utf-8-sig")), {}
    except (UnicodeDecodeError, ValueError):
        return None, {"resume": ["The file is not JSON text (UTF-8)."]}
    except RecursionError:  # nested past what the parser follows
        return None, {"resume": ["The JSON is nested too deeply."]}
