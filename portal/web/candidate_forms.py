"""The candidate profile form, shared by the candidate's own page and the recruiter's pool."""

from flask import request

from portal.schemas.candidates import CandidateInputSchema
from portal.services.errors import flatten_messages
from portal.web.forms import by_form_field, load_form

PROFILE_FORM = CandidateInputSchema(exclude=("assessments", "certifications"), partial=("email",))
CERTIFICATIONS = CandidateInputSchema(only=("certifications",))


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
