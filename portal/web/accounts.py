"""Sign up, sign in and out, the account page, invitations and API keys."""

from flask import Blueprint, flash, render_template, request, session, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user

from portal.auth import page_actor, request_origin
from portal.extensions import db, limiter
from portal.schemas.accounts import (
    AcceptInvitationSchema,
    ApiKeyRequestSchema,
    ChangePasswordSchema,
    ForgotPasswordSchema,
    InvitationSchema,
    ResetPasswordSchema,
    SignInSchema,
    SignUpSchema,
)
from portal.services import accounts, api_keys, audit, candidates, interviews, scorecards
from portal.services.errors import NotFound, Unauthenticated, ValidationFailed
from portal.vocabulary import INVITABLE_ROLES
from portal.web import readiness
from portal.web.forms import load_form, local_path, page_number, see_other
from portal.web.htmx import render, wants_fragment

bp = Blueprint("accounts", __name__)

SIGN_IN_LIMIT = "5 per minute; 30 per hour"
# Per address (so one inbox is not flooded) and per client (so addresses are not sprayed).
RESET_REQUEST_LIMIT = "5 per minute; 20 per hour"
RESET_SENT = (
    "If an account exists for that email, we sent it a link to choose a new password. "
    "The link works once, for an hour."
)
PASSWORD_RESET_DONE = "Your password is changed and every session is signed out. Sign in."  # noqa: S105
# Sign-up mails whatever address is typed: per client, and per address (one inbox not flooded).
SIGN_UP_LIMIT = "20 per hour"
SIGN_UP_ADDRESS_LIMIT = "5 per minute; 20 per hour"
SIGN_UP_CONFIRM_LIMIT = "10 per minute; 60 per hour"  # links are unguessable; this caps load
SIGN_UP_SENT_TO = "sign_up_sent_to"  # the session key of the address the last sign-up mailed
# Invitations: what a colleague can be invited as (INVITABLE_ROLES), in words.
INVITED_AS = "recruiter"
INVITATION_ROLE_WORDS = {
    "recruiter": (
        "Recruiter",
        "Everything of the organisation: scorecards, candidates, matches, interview plans "
        "and API keys.",
    ),
    "interviewer": (
        "Interviewer",
        "Only the interviews assigned to them: the candidate, the scorecard's version and "
        "their interview kit.",
    ),
}


def _start_session(user) -> None:
    session.clear()  # a new session at sign-in: nothing from before survives (fixation)
    login_user(user)


def _sign_up_address_key() -> str:
    email = accounts.normalise_email(request.form.get("email", ""))
    # A blank address (refused by the form anyway) counts against the client, not one shared key.
    return "signup:" + (email or get_remote_address())


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(SIGN_UP_LIMIT, methods=["POST"])
@limiter.limit(SIGN_UP_ADDRESS_LIMIT, methods=["POST"], key_func=_sign_up_address_key)
def sign_up():
    """Ask for an account: a link mailed to the address creates it (a recruiter founds an
    organisation, a candidate gets a profile). The answer is the same whether or not the
    address has an account already; its owner is told by mail."""
    if current_user.is_authenticated:
        return see_other(local_path(_next_from_query(), url_for("accounts.dashboard")))
    # Someone arriving from a share link signs up as a candidate unless they choose otherwise.
    invited = _next_from_query().startswith("/share/")
    role = request.args.get("role") or ("candidate" if invited else "")
    form, errors = ({"next": _next_from_query(), "role": role}, {})
    if _posted():
        form, errors = load_form(SignUpSchema())
        if not errors:
            try:
                _request_sign_up(form)
            except ValidationFailed as error:
                errors = error.errors
            else:
                session[SIGN_UP_SENT_TO] = accounts.normalise_email(form["email"])
                return see_other(url_for("accounts.sign_up_sent"))
    form.pop("password", None)
    return _form_page("accounts/signup.html", form, errors)


def _request_sign_up(form: dict) -> None:
    accounts.request_sign_up(
        db.session,
        role=form["role"],
        email=form["email"],
        password=form["password"],
        name=form["name"],
        organisation_name=form["organisation_name"],
        next_path=local_path(form.get("next"), ""),
        origin=request_origin(),
        links=accounts.SignUpLinks(
            confirm=lambda token: url_for("accounts.confirm_sign_up", token=token, _external=True),
            sign_in=url_for("accounts.sign_in", _external=True),
            reset=url_for("accounts.forgot_password", _external=True),
        ),
    )


@bp.get("/signup/sent")
def sign_up_sent():
    """Check your inbox: the same page whether or not the address has an account."""
    return render_template(
        "accounts/signup_sent.html",
        email=session.get(SIGN_UP_SENT_TO, ""),
        hours=accounts.SIGN_UP_LIFETIME.total_seconds() / 3600,
    )


@bp.route("/signup/confirm/<token>", methods=["GET", "POST"])
@limiter.limit(SIGN_UP_CONFIRM_LIMIT, methods=["POST"])
def confirm_sign_up(token):
    """A sign-up link: the GET only shows the account to create (mail scanners open links),
    its button POSTs to create it, signs in and goes where the sign-up was heading."""
    if not _posted():
        pending = accounts.open_sign_up(db.session, token)
        return render_template("accounts/signup_confirm.html", pending=pending, token=token)
    confirmed = accounts.confirm_sign_up(db.session, token, request_origin())
    _start_session(confirmed.user)
    return see_other(local_path(confirmed.next_path, url_for("accounts.dashboard")))


@bp.errorhandler(accounts.SignUpLinkInvalid)
@bp.errorhandler(accounts.AlreadyRegistered)
def sign_up_link_refused(error):
    """A spent, expired or unknown sign-up link, or an address that has an account meanwhile:
    say so, with the way on (sign up again, or sign in)."""
    return render_template(
        "accounts/signup_refused.html",
        detail=error.detail,
        registered=isinstance(error, accounts.AlreadyRegistered),
    ), error.status


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


def _address_key() -> str:
    return "forgot:" + accounts.normalise_email(request.form.get("email", ""))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(RESET_REQUEST_LIMIT, methods=["POST"])
@limiter.limit(RESET_REQUEST_LIMIT, methods=["POST"], key_func=_address_key)
def forgot_password():
    """Ask for a password reset link; the answer is the same whether the email has an account."""
    form, errors = {}, {}
    if _posted():
        form, errors = load_form(ForgotPasswordSchema())
        if not errors:
            accounts.request_password_reset(
                db.session,
                form["email"],
                request_origin(),
                lambda token: url_for("accounts.reset_password", token=token, _external=True),
            )
            flash(RESET_SENT, "info")
            return see_other(url_for("accounts.sign_in"))
    return _form_page("accounts/forgot.html", form, errors)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit(SIGN_IN_LIMIT, methods=["POST"])
def reset_password(token):
    """Choose a new password from a reset link; every session of the account is signed out."""
    accounts.open_password_reset(db.session, token)  # a used or expired link: 410, a clear page
    errors = {}
    if _posted():
        form, errors = load_form(ResetPasswordSchema())
        if not errors:
            try:
                accounts.reset_password(db.session, token, form["password"], request_origin())
            except ValidationFailed as error:
                errors = error.errors
            else:
                if current_user.is_authenticated:
                    logout_user()
                session.clear()
                flash(PASSWORD_RESET_DONE, "success")
                return see_other(url_for("accounts.sign_in"))
    return _form_page("accounts/reset.html", {}, errors, token=token)


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
    """Where a signed-in user starts: what needs doing next, and the readiness headline."""
    return render_template(
        "accounts/dashboard.html",
        user=current_user,
        readiness=readiness.headline(current_user),
        **_next_steps(current_user),
    )


def _next_steps(user) -> dict:
    """Recruiters: drafts to publish, profiles shared since the last visit, the share link,
    the interviews assigned to them. Interviewers: their interviews to do. Candidates: the
    organisations they share with."""
    if user.is_interviewer:
        return {"to_do": interviews.interviews_to_do(db.session, page_actor())}
    if not user.is_staff:
        return {"shares": candidates.shares(db.session, user)}
    actor = page_actor()
    since = audit.previous_sign_in(db.session, user.id)
    new_shares, newest = candidates.recent_shares(db.session, actor, since)
    return {
        "drafts": scorecards.scorecard_page(db.session, actor, status="draft", page_size=5),
        "since": since,
        "new_shares": new_shares,
        "newest_shares": newest,
        "share": _share_link(user.organisation),
        "to_do": interviews.interviews_to_do(db.session, actor),
    }


def _share_link(organisation) -> dict:
    code = candidates.display_share_code(organisation.share_code)
    return {
        "code": code,
        "url": url_for("accounts.share_invitation", code=code, _external=True),
    }


@bp.route("/share/<code>", methods=["GET", "POST"])
@limiter.limit("30 per hour", methods=["POST"])
def share_invitation(code):
    """An organisation's invitation: its name and published roles, and one button to share."""
    if _posted():
        if not current_user.is_authenticated:
            return see_other(url_for("accounts.sign_in", next=request.path))
        organisation = candidates.share_by_code(db.session, current_user, code)
        flash(f"{organisation.name} can now see your profile.", "success")
        return see_other(request.path)
    user = current_user if current_user.is_authenticated else None
    invitation = candidates.share_invitation(db.session, code, user)
    return render_template(
        "accounts/share.html",
        invitation=invitation,
        code=candidates.display_share_code(invitation.code),
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
    share = _share_link(user.organisation) if user.is_staff else None
    return _form_page("accounts/account.html", {}, errors, share=share)


SHARE_LINK_CONSEQUENCE = (
    "The old link and code stop working at once; profiles already shared with you stay shared. "
    "Send the new link to the candidates you still want to hear from."
)


@bp.get("/account/share-link")
@login_required
def confirm_replace_share_link():
    """Ask before replacing the share link, on a page of its own (works without JavaScript)."""
    page_actor().require_staff()
    return render_template(
        "confirm.html",
        question="Replace your share link?",
        consequence=SHARE_LINK_CONSEQUENCE,
        button="Replace the share link",
        action=url_for("accounts.replace_share_link"),
        cancel=url_for("accounts.account"),
        fields={},
    )


@bp.post("/account/share-link")
@login_required
def replace_share_link():
    """A new share link and code for the organisation; the old ones stop working."""
    candidates.replace_share_code(db.session, page_actor(), request_origin())
    flash("Your new share link is ready. The old link and code no longer work.", "success")
    return see_other(url_for("accounts.account"))


@bp.route("/invitations", methods=["GET", "POST"])
@login_required
def invitations():
    """Invite a colleague, as a recruiter or an interviewer, with a one-time link that expires
    in 7 days."""
    actor = page_actor()
    form, errors, issued = {"role": INVITED_AS}, {}, None
    if _posted():
        form, errors = load_form(InvitationSchema())
        form["role"] = request.form.get("role", INVITED_AS)  # the service checks it
        if not errors:
            try:
                issued = accounts.invite_recruiter(
                    db.session, actor, form["email"], request_origin(), role=form["role"]
                )
                form = {"role": INVITED_AS}
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
        roles={role: INVITATION_ROLE_WORDS[role] for role in INVITABLE_ROLES},
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
            try:
                issued = api_keys.create_for_actor(
                    db.session, actor, form["name"], form["scopes"], request_origin()
                )
                form = {}
            except ValidationFailed as error:
                errors = error.errors
    return render(
        "accounts/api_keys.html",
        "api_keys",
        status=422 if errors else 200,
        form=form,
        errors=errors,
        issued=issued,
        scopes=api_keys.SCOPES,
        descriptions=api_keys.SCOPE_DESCRIPTIONS,
        keys=api_keys.organisation_keys(db.session, actor),
    )


@bp.get("/api-keys/<id:key_id>/revoke")
@login_required
def confirm_revoke_key(key_id):
    """Ask before revoking a key, on a page of its own (works without JavaScript)."""
    keys = api_keys.organisation_keys(db.session, page_actor())
    key = next((key for key in keys if key.id == key_id), None)
    if key is None:
        raise NotFound("No such API key in your organisation.")
    return render_template(
        "confirm.html",
        question=f"Revoke the key “{key.name}”?",
        consequence="Integrations using it are refused from now on. This cannot be undone: "
        "create a new key to let them in again.",
        button="Revoke key",
        action=url_for("accounts.revoke_key", key_id=key.id),
        cancel=url_for("accounts.keys"),
        fields={},
    )


@bp.post("/api-keys/<id:key_id>/revoke")
@login_required
def revoke_key(key_id):
    """Revoke a key: integrations using it are refused from now on."""
    actor = page_actor()
    key = api_keys.revoke_api_key(db.session, actor, key_id, request_origin())
    if wants_fragment():
        return render(
            "accounts/api_keys.html",
            "key_list",
            keys=api_keys.organisation_keys(db.session, actor),
            descriptions=api_keys.SCOPE_DESCRIPTIONS,
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
    return render(
        "accounts/audit.html",
        "events",
        page=page,
        event_name=audit.event_name,
        event_details=audit.event_details,
    )
