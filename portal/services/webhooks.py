"""Webhooks: tell an organisation's endpoints when something changes (Standard Webhooks).

`emit` is called by the services inside the transaction of the change it reports: the delivery
rows are committed with the change or not at all, and a worker (a sweep) sends them.
"""

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import WebhookDelivery, WebhookEndpoint
from portal.models.types import utcnow
from portal.vocabulary import WEBHOOK_EVENTS

EVENTS = WEBHOOK_EVENTS


def new_message_id() -> str:
    """The `webhook-id` of a delivery, the same on every retry."""
    return f"msg_{secrets.token_urlsafe(24)}"


def emit(
    session: Session,
    organisation_id: int,
    event_type: str,
    data: dict[str, Any],
    when: datetime | None = None,
) -> list[WebhookDelivery]:
    """Queue `event_type` for each of the organisation's active endpoints subscribed to it, in
    the caller's transaction (the caller commits)."""
    assert event_type in EVENTS, event_type
    now = when or utcnow()
    endpoints = session.scalars(
        select(WebhookEndpoint).where(
            WebhookEndpoint.organisation_id == organisation_id, WebhookEndpoint.active.is_(True)
        )
    ).all()
    deliveries = [
        WebhookDelivery(
            webhook_id=endpoint.id,
            organisation_id=organisation_id,
            message_id=new_message_id(),
            event_type=event_type,
            payload={"type": event_type, "timestamp": now.isoformat(), "data": data},
            status="pending",
            next_attempt_at=now,
        )
        for endpoint in endpoints
        if event_type in endpoint.events
    ]
    session.add_all(deliveries)
    return deliveries
