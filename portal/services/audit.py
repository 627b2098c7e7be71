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
