"""Sign up, sign in and out, the account page, invitations and API keys."""

from flask import Blueprint, flash, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from portal.auth import page_actor, request_origin
from portal.extensions import db, limiter
from portal.models.accounts import SCOPES
from portal.schemas.accounts import (
    AcceptInvitationSchema,
    ApiKeyRequestSchema,
    ChangePasswordSchema,
    InvitationSchema,
    SignInSchema,
    SignUpSchema,
)
from portal.services import accounts, api_keys, audit
from portal.services.errors import Unauthenticated, ValidationFailed
from portal.web import readiness
from portal.web.forms import load_form, local_path, page_number, see_other
from portal.web.htmx import render, wants_fragment

bp = Blueprint("accounts", __name__)

SIGN_IN_LIMIT = "5 per minute; 30 per hour"


def _start_session(user) -> None:
    session.clear()  # a new session at sign-in: nothing from before survives (fixation)
    login_user(user)


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def sign_up():
    """Create an account: a recruiter founds an organisation, a candidate gets a profile."""
    if current_user.is_authenticated:
        return see_other(url_for("accounts.dashboard"))
    form, errors = ({}, {})
    if _posted():
        form, errors = load_form(SignUpSchema())
        if not errors:
            try:
                user = _register(form)
            except ValidationFailed as error:
                errors = error.errors
            else:
                _start_session(user)
                return see_other(url_for("accounts.dashboard"))
    return _form_page("accounts/signup.html", form, errors)


def _register(form: dict):
    if form["role"] == "recruiter":
        return accounts.register_recruiter(
            db.session,
            email=form["email"],
            password=form["password"],
            name=form["name"],
            organisation_name=form["organisation_name"],
        )
    return accounts.register_candidate(
        db.session, email=form["email"], password=form["password"], name=form["name"]
    )


@bp.route("/signin", methods=["GET", "POST"])
@limiter.limit(SIGN_IN_LIMIT, methods=["POST"])
def sign_in():
    """Sign in with email and password."""
    form, errors = ({"next": _next_from_query()}, {})
    if _posted():
        form, errors = load_form(SignInSchema())
        if not errors:
            try:
                user = accounts.authenticate(
                    db.session, form["email"], form["password"], request_origin()
                )
            except Unauthenticated as error:
                errors = {"_schema": [error.detail]}
            else:
                _start_session(user)
                return see_other(local_path(form.get("next"), url_for("accounts.dashboard")))
    form.pop("password", None)
    return _form_page("accounts/signin.html", form, errors)


@bp.post("/signout")
@login_required
def sign_out():
    """Sign out and forget the session."""
    accounts.record_sign_out(db.session, current_user, request_origin())
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return see_other(url_for("pages.landing"))


@bp.get("/dashboard")
@login_required
def dashboard():
    """Where a signed-in user starts."""
    return render_template(
        "accounts/dashboard.html", user=current_user, readiness=readiness.headline(current_user)
    )


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    """Change the password (which signs out every other session)."""
    errors = {}
    user = current_user._get_current_object()
    if _posted():
        form, errors = load_form(ChangePasswordSchema())
        if not errors:
            try:
                accounts.change_password(
                    db.session,
                    user,
                    form["current_password"],
                    form["new_password"],
                    request_origin(),
                )
            except ValidationFailed as error:
                errors = error.errors
            else:
                login_user(user)  # this session stays signed in under the new version
                flash("Your password is changed. Other sessions are signed out.", "success")
                return see_other(url_for("accounts.account"))
    return _form_page("accounts/account.html", {}, errors)


@bp.route("/invitations", methods=["GET", "POST"])
@login_required
def invitations():
    """Invite a colleague to the organisation with a one-time link that expires in 7 days."""
    actor = page_actor()
    form, errors, issued = {}, {}, None
    if _posted():
        form, errors = load_form(InvitationSchema())
        if not errors:
            try:
                issued = accounts.invite_recruiter(
                    db.session, actor, form["email"], request_origin()
                )
                form = {}
            except ValidationFailed as error:
                errors = error.errors
    return render(
        "accounts/invitations.html",
        "invitations",
        status=422 if errors else 200,
        form=form,
        errors=errors,
        issued=issued,
        pending=accounts.pending_invitations(db.session, actor),
    )


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def accept_invitation(token):
    """A colleague joins the organisation by choosing a name and password."""
    invitation = accounts.open_invitation(db.session, token)
    form, errors = {}, {}
    if _posted():
        form, errors = load_form(AcceptInvitationSchema())
        if not errors:
            try:
                user = accounts.accept_invitation(
                    db.session,
                    token,
                    name=form["name"],
                    password=form["password"],
                    origin=request_origin(),
                )
            except ValidationFailed as error:
                errors = error.errors
            else:
                _start_session(user)
                return see_other(url_for("accounts.dashboard"))
    form.pop("password", None)
    return _form_page("accounts/accept_invitation.html", form, errors, invitation=invitation)


@bp.route("/api-keys", methods=["GET", "POST"])
@login_required
def keys():
    """Create API keys with scopes (the secret is shown once), list and revoke them."""
    actor = page_actor()
    form, errors, issued = {}, {}, None
    if _posted():
        form, errors = load_form(ApiKeyRequestSchema())
        if not errors:
            issued = api_keys.create_for_actor(
                db.session, actor, form["name"], form["scopes"], request_origin()
            )
            form = {}
    return render(
        "accounts/api_keys.html",
        "api_keys",
        status=422 if errors else 200,
        form=form,
        errors=errors,
        issued=issued,
        scopes=SCOPES,
        keys=api_keys.organisation_keys(db.session, actor),
    )


@bp.post("/api-keys/<id:key_id>/revoke")
@login_required
def revoke_key(key_id):
    """Revoke a key: integrations using it are refused from now on."""
    actor = page_actor()
    key = api_keys.revoke_api_key(db.session, actor, key_id, request_origin())
    if wants_fragment():
        return render(
            "accounts/api_keys.html", "key_list", keys=api_keys.organisation_keys(db.session, actor)
        )
    flash(f"The key “{key.name}” is revoked.", "success")
    return see_other(url_for("accounts.keys"))


def _posted() -> bool:
    return request.method == "POST"


def _next_from_query() -> str:
    return request.args.get("next", "")


def _form_page(template: str, form: dict, errors: dict, **context):
    return render(
        template, "form", status=422 if errors else 200, form=form, errors=errors, **context
    )


@bp.get("/audit")
@login_required
def audit_log():
    """The organisation's security events: sign-ins, key changes, refusals; newest first."""
    page = audit.organisation_events(db.session, page_actor(), page_number(), 50)
    return render("accounts/audit.html", "events", page=page)
