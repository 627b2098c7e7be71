"""The audit log: one row per security-relevant event, written in the caller's transaction."""

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from portal.models import AuditEvent
from portal.services.access import Actor, Origin
from portal.services.pagination import Page, paginate


def record(
    session: Session,
    action: str,
    origin: Origin,
    *,
    actor: Actor | None = None,
    organisation_id: int | None = None,
    subject: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record an event; `organisation_id` files it with an organisation when no actor did it
    (a failed sign-in as one of its members)."""
    event = AuditEvent(
        action=action,
        user_id=actor.user_id if actor else None,
        api_key_id=actor.api_key_id if actor else None,
        organisation_id=actor.organisation_id if actor else organisation_id,
        subject=subject[:254],
        ip_address=origin.ip_address[:64],
        user_agent=origin.user_agent[:300],
        detail=detail or {},
    )
    session.add(event)
    return event


def previous_sign_in(session: Session, user_id: int):
    """When the user signed in before this session (None on a first visit): where "new since
    your last visit" starts."""
    times = session.scalars(
        select(AuditEvent.occurred_at)
        .where(AuditEvent.user_id == user_id, AuditEvent.action == "sign_in")
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
        .limit(2)
    ).all()
    return times[1] if len(times) > 1 else None


def organisation_events(session: Session, actor: Actor, page: int, page_size: int) -> Page:
    """The newest events of the actor's organisation first."""
    organisation_id = actor.require_staff()
    statement = (
        select(AuditEvent)
        .options(selectinload(AuditEvent.user), selectinload(AuditEvent.api_key))
        .where(AuditEvent.organisation_id == organisation_id)
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    )
    return paginate(session, statement, page, page_size)


# --- reading the log -------------------------------------------------------------------------

EVENT_NAMES = {
    "sign_in": "Signed in",
    "sign_in.failed": "Sign-in refused (wrong email or password)",
    "sign_out": "Signed out",
    "password.changed": "Password changed",
    "invitation.created": "Colleague invited",
    "invitation.accepted": "Invitation accepted",
    "api_key.created": "API key created",
    "api_key.revoked": "API key revoked",
    "permission.denied": "Access refused",
    "match.revealed": "Candidate revealed on a blind board",
    "evaluation.submitted": "Interview evaluation submitted",
    "share_code.replaced": "Share link replaced (the old one no longer works)",
}


def event_name(action: str) -> str:
    """A person's words for an action code; codes added later read as words too."""
    if action in EVENT_NAMES:
        return EVENT_NAMES[action]
    words = action.replace(".", " ").replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def event_details(event: AuditEvent) -> str:
    """What the event concerned, in a sentence fragment: the key's name and scopes, the refused
    request, the revealed candidate..."""
    detail = event.detail or {}
    match event.action:
        case "api_key.created":
            scopes = ", ".join(detail.get("scopes", [])) or "no scopes"
            return f"{detail.get('name', '')} ({scopes}), key {event.subject}_…"
        case "api_key.revoked":
            return f"key {event.subject}_…"
        case "permission.denied":
            reason = detail.get("reason", "")
            request = f"{detail.get('method', '')} {detail.get('path', '')}".strip()
            return f"{request}: {reason}" if reason else request
        case "match.revealed":
            label = detail.get("label", "")
            scorecard = detail.get("scorecard_id")
            where = f" on the board of scorecard {scorecard}" if scorecard else ""
            return f"{label} is {event.subject}{where}" if label else f"{event.subject}{where}"
        case "evaluation.submitted":
            return (
                f"evaluation {event.subject} of candidate {detail.get('candidate')} "
                f"for scorecard {detail.get('scorecard')}"
            )
        case "sign_in" | "sign_out" | "password.changed" | "invitation.accepted":
            return "" if event.user and event.user.email == event.subject else event.subject
    parts = [event.subject] if event.subject else []
    parts += [f"{_words(key)}: {_text(value)}" for key, value in detail.items()]
    return "; ".join(parts)


def _words(key: str) -> str:
    return key.replace("_", " ")


def _text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    return str(value)
