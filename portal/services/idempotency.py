"""Idempotency keys: a retried POST creation answers the first result, never a second object.

A key belongs to one caller (an API key, or a signed-in user) and one operation (method and
path). Claiming it inserts a pending row in its own transaction, so when two retries race the
database's unique constraint decides which one does the work. A 2xx answer is then stored with
the key and replayed for 24 hours to a retry with the same body; a failure gives the key back.
"""

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from portal.models import IdempotencyKey
from portal.models.types import utcnow
from portal.services.access import Actor
from portal.services.errors import Conflict, DomainError

KEPT_FOR = timedelta(hours=24)
KEY_MAX = 255
# 1-255 visible ASCII characters (RFC 5234 VCHAR); the IETF draft's quoted form is accepted too.
_KEY = re.compile(rf"[\x21-\x7e]{{1,{KEY_MAX}}}")
CLAIM_ATTEMPTS = 3


class InvalidKey(DomainError):
    status = 400


class KeyReused(DomainError):
    """The key already went with a different request body."""

    status = 422


class KeyInFlight(Conflict):
    """The first request with this key has not finished (or stopped after saving)."""


@dataclass(frozen=True)
class Claim:
    """Who uses which key for which operation, and the fingerprint of what they sent."""

    caller: str
    operation: str
    key: str
    request_hash: str


@dataclass(frozen=True)
class Answer:
    """A stored response: status, the headers that matter, and the body as sent."""

    status: int
    body: str
    headers: dict[str, str] = field(default_factory=dict)


def parse_key(value: str) -> str:
    """The key a header carries: 1-255 visible ASCII characters, optionally in double quotes."""
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    if not _KEY.fullmatch(value):
        raise InvalidKey(
            f"Idempotency-Key must be 1 to {KEY_MAX} visible ASCII characters "
            "(letters, digits and punctuation; no spaces)."
        )
    return value


def caller_of(actor: Actor) -> str:
    """Keys are scoped to the API key, or to the user of a browser session."""
    if actor.api_key_id is not None:
        return f"key:{actor.api_key_id}"
    return f"user:{actor.user_id}"


def fingerprint(body: bytes) -> str:
    """sha256 of the body; JSON is hashed in a canonical form, so key order and spacing agree."""
    try:
        canonical = json.dumps(
            json.loads(body), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode()
    except (ValueError, RecursionError):
        canonical = body
    return hashlib.sha256(canonical).hexdigest()


def _same(claim: Claim):
    return (
        IdempotencyKey.caller == claim.caller,
        IdempotencyKey.operation == claim.operation,
        IdempotencyKey.key == claim.key,
    )


def claim_key(session: Session, claim: Claim) -> Answer | None:
    """Claim the key for this request: None to go ahead, or the first request's answer.

    Commits the pending row at once (and whatever the session held). Refuses with KeyReused
    when the key went with another body, and KeyInFlight while its first request runs.
    """
    for _ in range(CLAIM_ATTEMPTS):
        cutoff = utcnow() - KEPT_FOR
        session.execute(
            delete(IdempotencyKey).where(*_same(claim), IdempotencyKey.created_at < cutoff)
        )
        session.add(
            IdempotencyKey(
                caller=claim.caller,
                operation=claim.operation,
                key=claim.key,
                request_hash=claim.request_hash,
                headers={},
            )
        )
        try:
            session.commit()
            return None
        except IntegrityError:
            session.rollback()
        first = session.scalar(
            select(IdempotencyKey).where(*_same(claim), IdempotencyKey.created_at >= cutoff)
        )
        if first is None:  # given back (or expired) between our insert and this read: again
            continue
        if first.request_hash != claim.request_hash:
            raise KeyReused(
                "This Idempotency-Key was already used for a different request body; "
                "send a new key for a new request."
            )
        if first.status is None:
            raise KeyInFlight(
                "A request with this Idempotency-Key is still being processed; "
                "retry in a moment to get its answer."
            )
        return Answer(status=first.status, body=first.body or "", headers=dict(first.headers))
    raise KeyInFlight("This Idempotency-Key is busy with another request; retry in a moment.")


def store_answer(session: Session, claim: Claim, answer: Answer) -> None:
    """Keep the successful answer with the claimed key, for retries within 24 hours."""
    session.rollback()  # nothing the creation left uncommitted goes along
    pending = session.scalar(
        select(IdempotencyKey).where(*_same(claim), IdempotencyKey.status.is_(None))
    )
    if pending is None:
        return
    pending.status = answer.status
    pending.headers = dict(answer.headers)
    pending.body = answer.body
    session.commit()
    try:
        purge_expired(session, claim.caller)
    except DBAPIError:  # housekeeping only: the answer is stored, a later request purges
        session.rollback()


def give_back(session: Session, claim: Claim) -> None:
    """The request failed before creating anything: the key may be used again."""
    session.rollback()
    session.execute(delete(IdempotencyKey).where(*_same(claim), IdempotencyKey.status.is_(None)))
    session.commit()


def purge_expired(session: Session, caller: str | None = None) -> int:
    """Delete keys older than 24 hours (of one caller, or all); returns how many went."""
    statement = delete(IdempotencyKey).where(IdempotencyKey.created_at < utcnow() - KEPT_FOR)
    if caller is not None:
        statement = statement.where(IdempotencyKey.caller == caller)
    removed = session.execute(statement).rowcount
    session.commit()
    return removed
