"""Sign-up, sign-in, passwords and invitations: the identity rules, free of HTTP."""

import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import NoReturn

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.models import ApiKey, Invitation, Organisation, PasswordReset, SignupRequest, User
from portal.models.types import utcnow
from portal.services import audit, mail
from portal.services.access import Actor, Origin
from portal.services.errors import Conflict, NotFound, Unauthenticated, ValidationFailed
from portal.services.passwords import hash_password, password_problems, verify_password
from portal.vocabulary import INVITABLE_ROLES, SCOPES
from portal.vocabulary import ROLES as ROLES  # the words live in portal.vocabulary

INVITATION_LIFETIME = timedelta(days=7)
PASSWORD_RESET_LIFETIME = timedelta(hours=1)
SIGN_UP_LIFETIME = timedelta(hours=24)  # how long a sign-up's confirmation link works
SIGN_IN_FAILED = "Email or password is wrong."


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _check_new_password(password: str, *, email: str, name: str = "", field: str = "password"):
    problems = password_problems(password, related=[email, email.split("@")[0], name])
    if problems:
        raise ValidationFailed({field: problems})


# Each round of racing founders of one organisation name saves at least one of them, so this
# many attempts lets that many found it at the same moment (more get "try again", never a 500).
REGISTRATION_ATTEMPTS = 10


class EmailTaken(ValidationFailed):
    """The email already has an account. Sign-up pages must not say so to the person typing
    (anyone may type any address); the owner of the address is told by mail instead."""

    def __init__(self):
        super().__init__({"email": ["An account with this email already exists."]})


def _check_email_free(session: Session, email: str) -> None:
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise EmailTaken()


def _slug_for(session: Session, name: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60] or "organisation"
    taken = set(
        session.scalars(
            select(Organisation.slug).where(
                (Organisation.slug == base) | Organisation.slug.startswith(f"{base}-")
            )
        )
    )
    slug, suffix = base, 2
    while slug in taken:
        slug, suffix = f"{base}-{suffix}", suffix + 1
    return slug


def organisation_by_slug(session: Session, slug: str) -> Organisation | None:
    return session.scalar(select(Organisation).where(Organisation.slug == slug))


def create_organisation(session: Session, name: str, slug: str | None = None) -> Organisation:
    organisation = Organisation(name=name, slug=slug or _slug_for(session, name))
    session.add(organisation)
    session.flush()
    return organisation


def create_user(
    session: Session,
    *,
    email: str,
    password: str,
    role: str,
    name: str = "",
    organisation: Organisation | None = None,
) -> User:
    """A new account after the email and password rules; the caller commits."""
    email = normalise_email(email)
    # The password is judged first, so its problems never depend on whether the email is taken.
    _check_new_password(password, email=email, name=name)
    _check_email_free(session, email)
    user = User(
        email=email,
        name=name,
        password_hash=hash_password(password),
        role=role,
        organisation=organisation if role != "candidate" else None,
    )
    session.add(user)
    session.flush()
    return user


def register_recruiter(
    session: Session, *, email: str, password: str, name: str, organisation_name: str
) -> User:
    """A recruiter signs up and founds their organisation."""
    email = normalise_email(email)
    # The password is judged first, so its problems never depend on whether the email is taken.
    _check_new_password(password, email=email, name=name)
    _check_email_free(session, email)
    return _save_account(
        session,
        email=email,
        name=name,
        role="recruiter",
        password_hash=hash_password(password),
        organisation_name=organisation_name,
    )


def _save_account(
    session: Session,
    *,
    email: str,
    name: str,
    role: str,
    password_hash: str,
    organisation_name: str = "",
    first: Callable[[], None] = lambda: None,
) -> User:
    """Save a checked account and commit; a recruiter founds their organisation. `first` adds
    its writes to the same transaction, before the account's. A concurrent sign-up that took the
    email gets EmailTaken, as a sequential duplicate would; one that took the organisation's slug
    makes it try again."""
    for _ in range(REGISTRATION_ATTEMPTS):
        try:
            first()
            organisation = (
                create_organisation(session, organisation_name) if role == "recruiter" else None
            )
            user = User(
                email=email,
                name=name,
                password_hash=password_hash,
                role=role,
                organisation=organisation,
            )
            session.add(user)
            session.commit()
            return user
        except IntegrityError:
            _after_lost_race(session, email)
    raise Conflict("Too many organisations were founded at once; try again.")


def _after_lost_race(session: Session, email: str) -> None:
    """A concurrent sign-up saved first: when it took the email, answer as a sequential
    duplicate would; otherwise (it took the organisation's slug) the caller tries again."""
    session.rollback()
    _check_email_free(session, email)


def register_candidate(session: Session, *, email: str, password: str, name: str) -> User:
    email = normalise_email(email)
    _check_new_password(password, email=email, name=name)
    _check_email_free(session, email)
    return _save_account(
        session, email=email, name=name, role="candidate", password_hash=hash_password(password)
    )


def authenticate(session: Session, email: str, password: str, origin: Origin) -> User:
    """The user with these credentials; the same refusal, after the same work, for any failure."""
    email = normalise_email(email)
    user = session.scalar(select(User).where(User.email == email))
    if not verify_password(user.password_hash if user else None, password):
        organisation_id = user.organisation_id if user else None
        audit.record(
            session, "sign_in.failed", origin, organisation_id=organisation_id, subject=email
        )
        session.commit()
        raise Unauthenticated(SIGN_IN_FAILED)
    audit.record(session, "sign_in", origin, actor=Actor.for_user(user), subject=email)
    session.commit()
    return user


def record_sign_out(session: Session, user: User, origin: Origin) -> None:
    audit.record(session, "sign_out", origin, actor=Actor.for_user(user), subject=user.email)
    session.commit()


def load_user(session: Session, identity: str) -> User | None:
    """The user behind a session identity "<id>.<session_version>", if it is still current."""
    user_id, _, version = identity.partition(".")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    user = session.get(User, int(user_id))
    return user if user is not None and user.session_version == int(version) else None


def change_password(session: Session, user: User, current: str, new: str, origin: Origin) -> None:
    """Replace the password; every other session of this user is signed out."""
    if not verify_password(user.password_hash, current):
        raise ValidationFailed({"current_password": ["This is not your current password."]})
    _check_new_password(new, email=user.email, name=user.name, field="new_password")
    user.password_hash = hash_password(new)
    user.session_version += 1
    audit.record(
        session, "password.changed", origin, actor=Actor.for_user(user), subject=user.email
    )
    session.commit()


@dataclass(frozen=True)
class IssuedInvitation:
    invitation: Invitation
    token: str  # shown once, in the link; only its hash is stored


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite_recruiter(
    session: Session, actor: Actor, email: str, origin: Origin, role: str = "recruiter"
) -> IssuedInvitation:
    """Invite a colleague as a recruiter or as an interviewer (INVITABLE_ROLES)."""
    organisation_id = actor.require_staff()
    if role not in INVITABLE_ROLES:
        raise ValidationFailed({"role": [f"Invite as one of: {', '.join(INVITABLE_ROLES)}."]})
    email = normalise_email(email)
    _check_email_free(session, email)
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        organisation_id=organisation_id,
        email=email,
        role=role,
        token_hash=_token_hash(token),
        invited_by_id=actor.user_id,
        expires_at=utcnow() + INVITATION_LIFETIME,
    )
    session.add(invitation)
    audit.record(session, "invitation.created", origin, actor=actor, subject=email)
    session.commit()
    return IssuedInvitation(invitation, token)


def pending_invitations(session: Session, actor: Actor) -> list[Invitation]:
    organisation_id = actor.require_staff()
    statement = (
        select(Invitation)
        .where(
            Invitation.organisation_id == organisation_id,
            Invitation.accepted_at.is_(None),
            Invitation.expires_at > utcnow(),
        )
        .order_by(Invitation.created_at.desc())
    )
    return list(session.scalars(statement))


def open_invitation(session: Session, token: str) -> Invitation:
    """The unused, unexpired invitation behind a link; anything else is not found."""
    invitation = session.scalar(
        select(Invitation).where(Invitation.token_hash == _token_hash(token))
    )
    if (
        invitation is None
        or invitation.accepted_at is not None
        or invitation.expires_at <= utcnow()
    ):
        raise NotFound("This invitation link is not valid any more. Ask for a new one.")
    return invitation


def accept_invitation(
    session: Session, token: str, *, name: str, password: str, origin: Origin
) -> User:
    invitation = open_invitation(session, token)
    organisation = session.get(Organisation, invitation.organisation_id)
    user = create_user(
        session,
        email=invitation.email,
        password=password,
        role=invitation.role,
        name=name,
        organisation=organisation,
    )
    invitation.accepted_at = utcnow()
    audit.record(
        session, "invitation.accepted", origin, actor=Actor.for_user(user), subject=user.email
    )
    session.commit()
    return user


@dataclass(frozen=True)
class Caller:
    kind: str
    user: User | None
    api_key: ApiKey | None
    organisation: Organisation | None
    scopes: list[str]


def describe_caller(session: Session, actor: Actor) -> Caller:
    """What the caller is known as, for integrations checking their credentials."""
    organisation = (
        session.get(Organisation, actor.organisation_id) if actor.organisation_id else None
    )
    scopes = [scope for scope in SCOPES if scope in actor.scopes]
    if actor.api_key_id is not None:
        key = session.get(ApiKey, actor.api_key_id)
        return Caller("api_key", None, key, organisation, scopes)
    return Caller("user", session.get(User, actor.user_id), None, organisation, scopes)


# --- forgotten passwords -----------------------------------------------------------------------

RESET_LINK_INVALID = (
    "This password reset link is not valid any more: it was used, replaced by a newer one, or "
    "is over an hour old. Ask for a new one."
)


class ResetLinkInvalid(NotFound):
    """A reset link that is unknown, spent or expired: gone, nothing is changed."""

    status = 410


def request_password_reset(
    session: Session, email: str, origin: Origin, link_for: Callable[[str], str]
) -> None:
    """Mail a one-time reset link (valid for an hour) when the email has an account; earlier
    links of that user stop working. Nothing tells the caller whether an account exists."""
    email = normalise_email(email)
    user = session.scalar(select(User).where(User.email == email))
    if user is None:
        audit.record(session, "password_reset.requested", origin, subject=email)
        session.commit()
        return
    now = utcnow()
    for earlier in session.scalars(
        select(PasswordReset).where(
            PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None)
        )
    ):
        earlier.used_at = now
    token = secrets.token_urlsafe(32)
    session.add(
        PasswordReset(
            user_id=user.id,
            token_hash=_token_hash(token),
            created_at=now,
            expires_at=now + PASSWORD_RESET_LIFETIME,
        )
    )
    audit.record(
        session,
        "password_reset.requested",
        origin,
        organisation_id=user.organisation_id,
        subject=email,
    )
    session.commit()
    mail.send(
        email,
        "Reset your CPO Readiness Portal password",
        "Someone (hopefully you) asked to reset the password of your account.\n\n"
        f"Choose a new password here within an hour; the link works once:\n{link_for(token)}\n\n"
        "If you did not ask, ignore this message: your password stays as it is.",
    )


def open_password_reset(session: Session, token: str) -> PasswordReset:
    """The unused, unexpired reset behind a link; anything else is gone."""
    reset = session.scalar(
        select(PasswordReset).where(PasswordReset.token_hash == _token_hash(token))
    )
    if reset is None or reset.used_at is not None or reset.expires_at <= utcnow():
        raise ResetLinkInvalid(RESET_LINK_INVALID)
    return reset


def reset_password(session: Session, token: str, new: str, origin: Origin) -> User:
    """Spend a reset link on a new password; every session of the user is signed out."""
    reset = open_password_reset(session, token)
    user = session.get(User, reset.user_id)
    _check_new_password(new, email=user.email, name=user.name)
    # Spent in the same statement that checks it is unspent: two tabs cannot both use it.
    spent = session.execute(
        update(PasswordReset)
        .where(PasswordReset.id == reset.id, PasswordReset.used_at.is_(None))
        .values(used_at=utcnow())
    )
    if spent.rowcount != 1:
        session.rollback()
        raise ResetLinkInvalid(RESET_LINK_INVALID)
    user.password_hash = hash_password(new)
    user.session_version += 1
    audit.record(
        session, "password_reset.completed", origin, actor=Actor.for_user(user), subject=user.email
    )
    session.commit()
    return user


# --- sign-up confirmed by mail ------------------------------------------------------------------
# The sign-up form answers alike whether or not the email has an account (anyone can type any
# address): the account is created only when the link mailed to the address is used, and the
# owner of a taken address is told by mail instead.

SIGN_UP_LINK_INVALID = (
    "This sign-up link is not valid any more: it was used already, or it is over "
    f"{SIGN_UP_LIFETIME.total_seconds() / 3600:.0f} hours old. Sign up again to get a new one."
)
ALREADY_REGISTERED = "This email address already has an account. Sign in with it."
NEXT_PATH_MAX = 2000  # a longer landing page is not kept: the user lands on the dashboard


class SignUpLinkInvalid(NotFound):
    """A sign-up link that is unknown, used or expired: nothing is created."""


class AlreadyRegistered(Conflict):
    """A confirmed sign-up whose email got an account meanwhile (another sign-up, an invitation):
    only the owner of the address can see this, so it is said plainly."""


@dataclass(frozen=True)
class SignUpLinks:
    """Where the mails point: the confirmation link of a token, the sign-in and reset pages."""

    confirm: Callable[[str], str]
    sign_in: str
    reset: str


@dataclass(frozen=True)
class ConfirmedSignUp:
    user: User
    next_path: str  # where the user meant to go once signed up ("" for the dashboard)


def request_sign_up(
    session: Session,
    *,
    role: str,
    email: str,
    password: str,
    name: str,
    organisation_name: str,
    next_path: str,
    origin: Origin,
    links: SignUpLinks,
) -> None:
    """Keep a sign-up until its address confirms it, and mail the confirmation link; when the
    address has an account already, keep nothing and mail its owner instead. Both ways do the
    same work (the password is judged and hashed), so neither the answer nor its time tells an
    account exists. Only the password's hash and the link's hash are stored."""
    email = normalise_email(email)
    _check_new_password(password, email=email, name=name)
    password_hash = hash_password(password)
    owner = session.scalar(select(User).where(User.email == email))
    audit.record(
        session,
        "sign_up.requested",
        origin,
        organisation_id=owner.organisation_id if owner else None,
        subject=email,
    )
    if owner is not None:
        session.commit()
        warn_of_sign_up_attempt(email, links.sign_in, links.reset)
        return
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        SignupRequest(
            token_hash=_token_hash(token),
            email=email,
            name=name,
            role=role,
            organisation_name=organisation_name.strip() if role == "recruiter" else "",
            password_hash=password_hash,
            next_path=next_path if len(next_path) <= NEXT_PATH_MAX else "",
            created_at=now,
            expires_at=now + SIGN_UP_LIFETIME,
        )
    )
    session.commit()
    hours = SIGN_UP_LIFETIME.total_seconds() / 3600
    mail.send(
        email,
        "Confirm your CPO Readiness Portal account",
        "Someone (hopefully you) signed up for a CPO Readiness Portal account with this email "
        "address.\n\n"
        f"To create the account, open this link within {hours:.0f} hours; it works once:\n"
        f"{links.confirm(token)}\n\n"
        "If it was not you, ignore this message: no account is created.",
    )


def open_sign_up(session: Session, token: str) -> SignupRequest:
    """The unused, unexpired sign-up behind a link (AlreadyRegistered when its address got an
    account meanwhile); anything else is not found."""
    pending = session.scalar(
        select(SignupRequest).where(SignupRequest.token_hash == _token_hash(token))
    )
    if pending is None or pending.used_at is not None or pending.expires_at <= utcnow():
        raise SignUpLinkInvalid(SIGN_UP_LINK_INVALID)
    if session.scalar(select(User.id).where(User.email == pending.email)) is not None:
        raise AlreadyRegistered(ALREADY_REGISTERED)
    return pending


def confirm_sign_up(session: Session, token: str, origin: Origin) -> ConfirmedSignUp:
    """Create the account a sign-up link stands for, as sign-up always did (a recruiter founds
    their organisation), and spend the link in the same transaction."""
    try:
        pending = open_sign_up(session, token)
    except AlreadyRegistered:
        _refuse_as_registered(session, _token_hash(token))

    def spend() -> None:
        # Checked and spent in one statement: two tabs cannot both use the link.
        if not _spend_sign_up(session, pending.token_hash):
            session.rollback()
            raise SignUpLinkInvalid(SIGN_UP_LINK_INVALID)

    try:
        user = _save_account(
            session,
            email=pending.email,
            name=pending.name,
            role=pending.role,
            password_hash=pending.password_hash,
            organisation_name=pending.organisation_name,
            first=spend,
        )
    except EmailTaken:  # a concurrent sign-up or invitation of this address saved first
        _refuse_as_registered(session, pending.token_hash)
    audit.record(
        session, "sign_up.confirmed", origin, actor=Actor.for_user(user), subject=user.email
    )
    session.commit()
    return ConfirmedSignUp(user, pending.next_path)


def _refuse_as_registered(session: Session, token_hash: str) -> NoReturn:
    """The address has an account: the link is spent. When this very link was spent meanwhile
    (used twice at once), it is the link that is refused."""
    spent = _spend_sign_up(session, token_hash)
    session.commit()
    if not spent:
        raise SignUpLinkInvalid(SIGN_UP_LINK_INVALID)
    raise AlreadyRegistered(ALREADY_REGISTERED)


def _spend_sign_up(session: Session, token_hash: str) -> bool:
    spent = session.execute(
        update(SignupRequest)
        .where(SignupRequest.token_hash == token_hash, SignupRequest.used_at.is_(None))
        .values(used_at=utcnow())
    )
    return spent.rowcount == 1


def warn_of_sign_up_attempt(email: str, sign_in_link: str, reset_link: str) -> None:
    """Someone tried to create an account with an email that has one: tell its owner, and
    nobody else."""
    mail.send(
        normalise_email(email),
        "Someone tried to create an account with your email",
        "Someone (maybe you) tried to create a CPO Readiness Portal account with this email "
        "address, which already has one. Nothing was changed.\n\n"
        f"If it was you, sign in: {sign_in_link}\n"
        f"or, if you forgot your password, reset it: {reset_link}\n\n"
        "If it was not you, ignore this message.",
    )
