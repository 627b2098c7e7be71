"""Account forms and API shapes: sign-up, sign-in, passwords, invitations, API keys, whoami."""

import marshmallow as ma

from portal.services import api_keys
from portal.services.accounts import ROLES, SCOPES


def _service_rule(problems):
    """A marshmallow validator from a service function that lists a value's problems."""

    def validate(value):
        if found := problems(value):
            raise ma.ValidationError(found)

    return validate


_email = ma.fields.Email(
    required=True,
    validate=ma.validate.Length(max=254),
    error_messages={
        "required": "Enter your email address.",
        "invalid": "Enter a valid email address.",
    },
)
_name = ma.fields.String(
    required=True,
    validate=ma.validate.Length(min=1, max=200, error="Enter 1 to 200 characters."),
    error_messages={"required": "Enter your name."},
)
_password = ma.fields.String(required=True, error_messages={"required": "Enter a password."})


class SignUpSchema(ma.Schema):
    role = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(
            ("recruiter", "candidate"), error="Choose recruiter or candidate."
        ),
        error_messages={"required": "Choose recruiter or candidate."},
    )
    name = _name
    email = _email
    password = _password
    organisation_name = ma.fields.String(
        load_default="", validate=ma.validate.Length(max=200, error="Use at most 200 characters.")
    )
    next = ma.fields.String(load_default="")  # where to go once signed up (a share link...)

    @ma.validates_schema
    def _recruiters_name_their_organisation(self, data, **_):
        if data.get("role") == "recruiter" and not data.get("organisation_name", "").strip():
            raise ma.ValidationError(
                "Recruiters name the organisation they hire for.", "organisation_name"
            )


class SignInSchema(ma.Schema):
    email = ma.fields.String(
        required=True, error_messages={"required": "Enter your email address."}
    )
    password = _password
    next = ma.fields.String(load_default="")


class ChangePasswordSchema(ma.Schema):
    current_password = ma.fields.String(
        required=True, error_messages={"required": "Enter your current password."}
    )
    new_password = ma.fields.String(
        required=True, error_messages={"required": "Enter a new password."}
    )


class ForgotPasswordSchema(ma.Schema):
    email = _email


class ResetPasswordSchema(ma.Schema):
    password = ma.fields.String(required=True, error_messages={"required": "Enter a new password."})


class InvitationSchema(ma.Schema):
    email = _email


class AcceptInvitationSchema(ma.Schema):
    name = _name
    password = _password


class ApiKeyRequestSchema(ma.Schema):
    # The rule is the service's (api_keys.name_problems); the schema applies it and documents
    # the length, so the page, the API and the CLI refuse the same names with the same words.
    name = ma.fields.String(
        required=True,
        validate=_service_rule(api_keys.name_problems),
        error_messages={"required": api_keys.NAME_BLANK},
        metadata={"maxLength": api_keys.NAME_MAX},
    )
    scopes = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(SCOPES)),
        required=True,
        validate=ma.validate.Length(min=1, error=api_keys.SCOPES_MISSING),
        error_messages={"required": api_keys.SCOPES_MISSING},
    )


class OrganisationSchema(ma.Schema):
    slug = ma.fields.String()
    name = ma.fields.String()


class CallerUserSchema(ma.Schema):
    id = ma.fields.Integer()
    email = ma.fields.String()
    name = ma.fields.String()
    role = ma.fields.String(validate=ma.validate.OneOf(ROLES))


class CallerKeySchema(ma.Schema):
    name = ma.fields.String()
    prefix = ma.fields.String()


class CallerSchema(ma.Schema):
    """Who the API sees: the signed-in user or the API key, its organisation and scopes."""

    kind = ma.fields.String(validate=ma.validate.OneOf(("user", "api_key")))
    user = ma.fields.Nested(CallerUserSchema, allow_none=True)
    api_key = ma.fields.Nested(CallerKeySchema, allow_none=True)
    organisation = ma.fields.Nested(OrganisationSchema, allow_none=True)
    scopes = ma.fields.List(ma.fields.String())
