"""API keys for integrations: created with scopes, shown once, stored hashed, revocable."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from portal.models import ApiKey
from portal.models.types import utcnow
from portal.services import audit
from portal.services.access import Actor, Origin
from portal.services.errors import NotFound, ValidationFailed
from portal.services.reads import column_rows
from portal.vocabulary import API_KEY_NAME_MAX, SCOPES

TOKEN_PREFIX = "cpo"  # noqa: S105  (a label, not a secret)
NAME_MAX = API_KEY_NAME_MAX
NAME_BLANK = "Give the key a name."
NAME_TOO_LONG = f"Keep the name to {NAME_MAX} characters or fewer."
SCOPES_MISSING = "Choose at least one scope."
# What each scope lets a key do, in the words the API keys page shows beside it.
SCOPE_DESCRIPTIONS = {
    "scorecards:read": "Read your role scorecards and their published versions.",
    "scorecards:write": "Create, edit, publish, archive and delete scorecards.",
    "candidates:read": "Read candidate profiles and assessments (your own and those shared with "
    "you) and import job reports.",
    "candidates:write": "Create, update and delete your candidates; import resumes and files.",
    "matches:read": "Rank candidates against a scorecard, explain a match, simulate changes.",
    "evaluations:read": "Read the interview evaluations of a candidate for a scorecard.",
    "evaluations:write": "Submit interview evaluations (and corrections) for your staff.",
    "webhooks:manage": "Add, remove and inspect webhook endpoints and their deliveries.",
}
# Writing last_used_at on every request would turn each read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedKey:
    key: ApiKey
    token: str  # the only time the secret exists outside the caller's hands


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def name_problems(name: str) -> list[str]:
    """What is wrong with a key's name (the one rule the page, the API and the CLI apply)."""
    if not name or not name.strip():
        return [NAME_BLANK]
    if len(name.strip()) > NAME_MAX:
        return [NAME_TOO_LONG]
    return []


def validate_key_request(name: str, scopes: list[str]) -> None:
    errors = {}
    if problems := name_problems(name):
        errors["name"] = problems
    if not scopes:
        errors["scopes"] = [SCOPES_MISSING]
    elif unknown := sorted(set(scopes) - set(SCOPES)):
        errors["scopes"] = [f"Unknown scopes: {', '.join(unknown)}."]
    if errors:
        raise ValidationFailed(errors)


def create_api_key(
    session: Session,
    organisation_id: int,
    name: str,
    scopes: list[str],
    origin: Origin,
    actor: Actor | None = None,
) -> IssuedKey:
    validate_key_request(name, scopes)
    prefix = secrets.token_hex(4)
    token = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey(
        organisation_id=organisation_id,
        name=name.strip(),
        prefix=prefix,
        secret_hash=_digest(token),
        scopes=[scope for scope in SCOPES if scope in scopes],
        created_by_id=actor.user_id if actor else None,
    )
    session.add(key)
    session.flush()
    audit.record(
        session,
        "api_key.created",
        origin,
        actor=actor or Actor(organisation_id=organisation_id),
        subject=f"{TOKEN_PREFIX}_{prefix}",
        detail={"name": key.name, "scopes": key.scopes},
    )
    session.commit()
    return IssuedKey(key, token)


def create_for_actor(
    session: Session, actor: Actor, name: str, scopes: list[str], origin: Origin
) -> IssuedKey:
    return create_api_key(session, actor.require_staff(), name, scopes, origin, actor)


# Built once: building the statement cost as much as running it.
_KEY_BY_PREFIX = select(
    ApiKey.id,
    ApiKey.organisation_id,
    ApiKey.secret_hash,
    ApiKey.scopes,
    ApiKey.last_used_at,
).where(ApiKey.prefix == bindparam("prefix"), ApiKey.active)


def authenticate_api_key(session: Session, token: str) -> Actor | None:
    """The caller an active key's bearer token stands for, or None. Read as columns, not as an
    ApiKey: loading the object cost more than the rest of a cached read."""
    parts = token.split("_", 2)  # the secret itself may contain "_"
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        return None
    key = column_rows(session, _KEY_BY_PREFIX, {"prefix": parts[1]}).first()
    if key is None:
        return None
    if not hmac.compare_digest(key.secret_hash, _digest(token)):
        return None
    now = utcnow()
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
        session.execute(update(ApiKey).where(ApiKey.id == key.id).values(last_used_at=now))
        session.commit()
    return Actor.for_api_key(key)


def organisation_keys(session: Session, actor: Actor) -> list[ApiKey]:
    organisation_id = actor.require_staff()
    statement = (
        select(ApiKey)
        .where(ApiKey.organisation_id == organisation_id)
        .order_by(ApiKey.revoked_at.is_not(None), ApiKey.created_at.desc())
    )
    return list(session.scalars(statement))


def revoke_api_key(session: Session, actor: Actor, key_id: int, origin: Origin) -> ApiKey:
    organisation_id = actor.require_staff()
    key = session.scalar(
        select(ApiKey).where(ApiKey.id == key_id, ApiKey.organisation_id == organisation_id)
    )
    if key is None:
        raise NotFound("No such API key in your organisation.")
    if key.active:
        key.revoked_at = utcnow()
        audit.record(
            session, "api_key.revoked", origin, actor=actor, subject=f"{TOKEN_PREFIX}_{key.prefix}"
        )
        session.commit()
    return key
