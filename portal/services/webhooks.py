"""Webhooks: tell an organisation's endpoints when something changes (Standard Webhooks).

Events and their `data` (kept small: an integration fetches the rest over the API):
- `scorecard.published`: `{id, version, title, published_at}` (GET /scorecards/{id}/versions/{n}).
- `candidate.created`, `candidate.updated`: `{id, name, updated_at}`, for candidates of the
  organisation's own pool (API, pages, resume import) and, for a self-registered candidate's own
  changes, to every organisation they share their profile with at that moment. A bulk import
  reports once, with `import.finished`, not once per row.
- `evaluation.submitted`: the evaluation as the API shows it.
- `import.finished`: the import job's summary (`bulk_import.report`).
- `webhook.ping`: sent when staff ask for a ping, whatever the endpoint subscribes to.

`emit` is called by the services inside the transaction of the change it reports: the delivery
rows are committed with the change or not at all. After the commit they are queued as jobs
(`committed_deliveries`), and a sweep in every worker queues whatever falls due (retries) or was
lost with a worker; a lease taken with a conditional UPDATE lets only one worker send an attempt.

Each delivery keeps one `webhook-id` (its `message_id`) across all its retries, so receivers can
drop duplicates. A manual redelivery is a new message with a new `webhook-id` carrying the same
payload: whoever asks for it wants the receiver to process the event again, which a receiver
that drops ids it has seen would not do (and the id is unique per delivery).

Where requests may go: https only, to hosts that resolve to public addresses only (every
address checked, again at each attempt against DNS rebinding, and the connection made to the
address checked); in development also http to this machine (localhost, 127.0.0.1, ::1).
"""

import base64
import http.client
import ipaddress
import json
import re
import secrets
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session, selectinload
from standardwebhooks import Webhook

from portal.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from portal.models.types import utcnow
from portal.models.webhooks import URL_MAX
from portal.services import audit
from portal.services.access import Actor, Origin
from portal.services.errors import NotFound, ValidationFailed
from portal.services.pagination import Page, paginate
from portal.vocabulary import WEBHOOK_EVENTS

EVENTS = WEBHOOK_EVENTS
PING = "webhook.ping"
PING_MESSAGE = "Hello from the CPO Readiness Portal."
SCOPE = "webhooks:manage"
SECRET_PREFIX = "whsec_"  # noqa: S105  (the Standard Webhooks label, not a secret)
SECRET_BYTES = 32  # Standard Webhooks: 24 to 64 random bytes, base64 after the prefix
TIMEOUT = 10  # seconds to connect, and to wait for each part of the answer
EXCERPT_MAX = 500  # characters of the receiver's answer kept with an attempt
USER_AGENT = "CPO-Readiness-Portal-Webhooks/1"
LEASE = timedelta(seconds=60)  # longer than any one attempt (TIMEOUT to connect and to read)
SWEEP_BATCH = 100  # due deliveries one sweep claims at most
# Waits before each retry after a failed attempt: 12 retries over 27 h 42 min (at least 24 h,
# as CONTRACT says); after the last one fails the delivery is `failed`.
RETRY_SCHEDULE = (
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(minutes=30),
    timedelta(hours=1),
    timedelta(hours=2),
    *[timedelta(hours=4)] * 6,
)
DISABLE_AFTER = timedelta(days=3)  # an endpoint failing this long is switched off
RETENTION_DAYS = (1, 3650)  # how long finished deliveries may be kept before a purge
RETENTION_OUT_OF_RANGE = (
    f"Keep deliveries between {RETENTION_DAYS[0]} and {RETENTION_DAYS[1]} days."
)
PURGE_BATCH = 1000  # deliveries deleted per transaction, so a purge never holds locks long
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")

URL_BLANK = "Enter the address of your endpoint."
URL_TOO_LONG = f"Keep the address to {URL_MAX} characters or fewer."
URL_MALFORMED = (
    "Enter a whole web address, such as https://example.com/hooks, without spaces "
    "(percent-encode other characters)."
)
URL_SCHEME = "Use an https:// address."
URL_SCHEME_DEVELOPMENT = "Use an https:// address (or http:// to this machine in development)."
URL_HTTP_NOT_LOCAL = "Use https:// (http:// goes only to localhost, in development)."
EVENTS_MISSING = "Choose at least one event."

# What each event means, in the words the webhooks page shows beside it.
EVENT_DESCRIPTIONS = {
    "scorecard.published": "A scorecard was published: a new version exists.",
    "candidate.created": "A candidate was added to your pool.",
    "candidate.updated": "A candidate changed: one of your pool, or a self-registered candidate "
    "who shares their profile with you.",
    "evaluation.submitted": "An interviewer submitted an evaluation (or a correction).",
    "import.finished": "A bulk import of candidates finished.",
}
STATUS_WORDS = {"pending": "Pending", "succeeded": "Delivered", "failed": "Failed"}
WATCH_WITHIN = timedelta(minutes=1)  # a page refreshes deliveries due this soon

QUEUED = "webhooks.queued"  # session.info: ids of the deliveries this transaction created
_PRINTABLE = re.compile(r"[!-~]+")
_HOST_NAME = re.compile(r"(?!-)[a-z0-9_-]{1,63}(?<!-)(\.(?!-)[a-z0-9_-]{1,63}(?<!-))*\.?", re.I)


# --- emitting events -----------------------------------------------------------------------


def new_message_id() -> str:
    """The `webhook-id` of a delivery, the same on every retry."""
    return f"msg_{secrets.token_urlsafe(24)}"


def _payload(event_type: str, data: dict[str, Any], when: datetime) -> dict[str, Any]:
    return {"type": event_type, "timestamp": when.isoformat(), "data": data}


def emit(
    session: Session,
    organisation_id: int,
    event_type: str,
    data: dict[str, Any] | Callable[[], dict[str, Any]],
    when: datetime | None = None,
) -> list[WebhookDelivery]:
    """Queue `event_type` for each of the organisation's active endpoints subscribed to it, in
    the caller's transaction (the caller commits). `data` may be a function, called only when
    some endpoint subscribes."""
    assert event_type in EVENTS, event_type
    now = when or utcnow()
    endpoints = session.scalars(
        select(WebhookEndpoint).where(
            WebhookEndpoint.organisation_id == organisation_id, WebhookEndpoint.active.is_(True)
        )
    ).all()
    subscribed = [endpoint for endpoint in endpoints if event_type in endpoint.events]
    if not subscribed:
        return []
    session.flush()  # the data may name rows made in this transaction
    payload = _payload(event_type, data() if callable(data) else data, now)
    deliveries = [
        WebhookDelivery(
            webhook_id=endpoint.id,
            organisation_id=organisation_id,
            message_id=new_message_id(),
            event_type=event_type,
            payload=payload,
            status="pending",
            next_attempt_at=now,
        )
        for endpoint in subscribed
    ]
    session.add_all(deliveries)
    _queue_after_commit(session, deliveries)
    return deliveries


def _queue_after_commit(session: Session, deliveries: list[WebhookDelivery]) -> None:
    """Note the deliveries' ids so that they can be queued once the transaction commits."""
    if deliveries:
        session.flush()
        session.info.setdefault(QUEUED, []).extend(delivery.id for delivery in deliveries)


def committed_deliveries(session: Session) -> list[int]:
    """The ids noted by `emit` (and pings, redeliveries) since the last call: call it after a
    commit to queue them at once (the sweeps would find them a few seconds later)."""
    return session.info.pop(QUEUED, [])


def forget_queued(session: Session) -> None:
    """After a rollback: the noted deliveries were never saved."""
    session.info.pop(QUEUED, None)


def candidate_event(candidate) -> dict[str, Any]:
    """The data of `candidate.created` and `candidate.updated`."""
    return {
        "id": candidate.id,
        "name": candidate.name,
        "updated_at": candidate.updated_at.isoformat() if candidate.updated_at else None,
    }


# --- endpoints -----------------------------------------------------------------------------


class UnsafeAddress(Exception):
    """A host the portal will not send requests to (or cannot find)."""


def new_secret() -> str:
    """A signing secret in the Standard Webhooks format: `whsec_` and base64 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (the tests stand in for DNS by replacing this)."""
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [info[4][0] for info in found]


def forbidden_address(address: str) -> bool:
    """True for the addresses no webhook may reach in production: private, loopback,
    link-local, multicast, reserved, unspecified, or otherwise not globally reachable."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 zone (fe80::1%eth0)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


def public_addresses(host: str, port: int) -> list[str]:
    """The addresses of `host`, all of them public; UnsafeAddress otherwise."""
    try:
        addresses = resolve(host, port)
    except (OSError, UnicodeError):
        raise UnsafeAddress(f"{host} does not resolve to any address.") from None
    if not addresses:
        raise UnsafeAddress(f"{host} does not resolve to any address.")
    for address in addresses:
        if forbidden_address(address):
            raise UnsafeAddress(
                f"{host} resolves to {address}, a private, loopback, link-local or reserved "
                "address: webhooks go to public addresses only."
            )
    return addresses


def _is_local(host: str) -> bool:
    return host.lower().rstrip(".") in LOCAL_HOSTS or host.lower().endswith(".localhost")


def _valid_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return len(host) <= 253 and _HOST_NAME.fullmatch(host) is not None


def url_problems(url: Any, *, production: bool) -> list[str]:
    """What is wrong with an endpoint address (empty when nothing). In production: https only,
    to a host whose every address is public (it is resolved); in development also http to this
    machine."""
    if problems := _shape_problems(url, production=production):
        return problems
    if production:
        parts = urlsplit(url)
        try:
            public_addresses(parts.hostname, parts.port or 443)
        except UnsafeAddress as refused:
            return [str(refused)]
    return []


def _shape_problems(url: Any, *, production: bool) -> list[str]:
    """The rules an address breaks by its text alone (no DNS asked)."""
    if not isinstance(url, str) or not url.strip():
        return [URL_BLANK]
    if len(url) > URL_MAX:
        return [URL_TOO_LONG]
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError for a port that is no port)
    except ValueError:
        return [URL_MALFORMED]
    scheme, host = parts.scheme.lower(), parts.hostname or ""
    if scheme not in ("http", "https"):
        return [URL_SCHEME if production else URL_SCHEME_DEVELOPMENT]
    if not _PRINTABLE.fullmatch(url) or not host or not _valid_host(host):
        return [URL_MALFORMED]
    if scheme == "http" and (production or not _is_local(host)):
        return [URL_SCHEME if production else URL_HTTP_NOT_LOCAL]
    return []


def events_problems(events: Any) -> list[str]:
    """What is wrong with a list of event names (empty when nothing)."""
    if not isinstance(events, list | tuple) or not events:
        return [EVENTS_MISSING]
    unknown = [str(event) for event in events if event not in EVENTS]
    if unknown:
        return [f"Unknown event {', '.join(unknown)}: choose from {', '.join(EVENTS)}."]
    return []


def _organisation(actor: Actor) -> int:
    actor.require_scope(SCOPE)
    return actor.require_organisation()


def endpoint_page(session: Session, actor: Actor, page: int, page_size: int) -> Page:
    """The organisation's endpoints, newest first."""
    statement = (
        select(WebhookEndpoint)
        .where(WebhookEndpoint.organisation_id == _organisation(actor))
        .order_by(WebhookEndpoint.created_at.desc(), WebhookEndpoint.id.desc())
    )
    return paginate(session, statement, page, page_size)


def get_endpoint(session: Session, actor: Actor, webhook_id: int) -> WebhookEndpoint:
    endpoint = session.scalar(
        select(WebhookEndpoint).where(
            WebhookEndpoint.id == webhook_id,
            WebhookEndpoint.organisation_id == _organisation(actor),
        )
    )
    if endpoint is None:
        raise NotFound(f"No webhook {webhook_id} in your organisation.")
    return endpoint


def create_endpoint(
    session: Session,
    actor: Actor,
    url: Any,
    events: Any,
    origin: Origin,
    *,
    production: bool,
) -> WebhookEndpoint:
    """Add an endpoint; its secret (`endpoint.secret`) is shown to the caller this once."""
    organisation_id = _organisation(actor)
    errors = {}
    if problems := url_problems(url, production=production):
        errors["url"] = problems
    if problems := events_problems(events):
        errors["events"] = problems
    if errors:
        raise ValidationFailed(errors)
    endpoint = WebhookEndpoint(
        organisation_id=organisation_id,
        url=url,
        events=[event for event in EVENTS if event in events],
        secret=new_secret(),
        active=True,
        created_by_id=actor.user_id,
    )
    session.add(endpoint)
    session.flush()
    audit.record(
        session,
        "webhook.created",
        origin,
        actor=actor,
        subject=endpoint.url,
        detail={"events": endpoint.events},
    )
    session.commit()
    return endpoint


def rotate_secret(
    session: Session, actor: Actor, webhook_id: int, origin: Origin
) -> WebhookEndpoint:
    """A new secret, used from the next attempt on (the old one stops working at once)."""
    endpoint = get_endpoint(session, actor, webhook_id)
    endpoint.secret = new_secret()
    endpoint.updated_at = utcnow()
    audit.record(session, "webhook.secret_rotated", origin, actor=actor, subject=endpoint.url)
    session.commit()
    return endpoint


def delete_endpoint(session: Session, actor: Actor, webhook_id: int, origin: Origin) -> None:
    """Remove an endpoint with its deliveries and their attempts."""
    endpoint = get_endpoint(session, actor, webhook_id)
    _delete_deliveries(
        session, select(WebhookDelivery.id).where(WebhookDelivery.webhook_id == endpoint.id)
    )
    audit.record(session, "webhook.deleted", origin, actor=actor, subject=endpoint.url)
    session.delete(endpoint)
    session.commit()


def _delete_deliveries(session: Session, deliveries) -> None:
    """Delete these deliveries (ids, or a select of them) with their attempts; a redelivery of
    one of them stays, no longer linked to it."""
    session.execute(delete(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(deliveries)))
    session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.redelivery_of_id.in_(deliveries))
        .values(redelivery_of_id=None)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        delete(WebhookDelivery)
        .where(WebhookDelivery.id.in_(deliveries))
        .execution_options(synchronize_session=False)
    )


def purge_finished(session: Session, older_than_days: int, now: datetime | None = None) -> int:
    """Delete finished deliveries (delivered, or given up on) whose last attempt is more than
    `older_than_days` old, with their attempts, a batch per transaction; pending ones stay
    whatever their age. Returns how many were deleted."""
    if not RETENTION_DAYS[0] <= older_than_days <= RETENTION_DAYS[1]:
        raise ValidationFailed({"older_than_days": [RETENTION_OUT_OF_RANGE]})
    cutoff = (now or utcnow()) - timedelta(days=older_than_days)
    last_activity = func.coalesce(WebhookDelivery.last_attempt_at, WebhookDelivery.created_at)
    batch = (
        select(WebhookDelivery.id)
        .where(WebhookDelivery.status != "pending", last_activity < cutoff)
        .order_by(WebhookDelivery.id)
        .limit(PURGE_BATCH)
    )
    purged = 0
    while ids := session.scalars(batch).all():
        _delete_deliveries(session, ids)
        session.commit()
        purged += len(ids)
    return purged


def ping(session: Session, actor: Actor, webhook_id: int) -> WebhookDelivery:
    """Queue a `webhook.ping` to the endpoint. Sent even to a disabled endpoint: a ping that
    succeeds switches it back on."""
    endpoint = get_endpoint(session, actor, webhook_id)
    now = utcnow()
    data = {"webhook": {"id": endpoint.id, "url": endpoint.url}, "message": PING_MESSAGE}
    delivery = _new_delivery(endpoint, PING, _payload(PING, data, now), now)
    session.add(delivery)
    _queue_after_commit(session, [delivery])
    session.commit()
    return delivery


def _new_delivery(
    endpoint: WebhookEndpoint, event_type: str, payload: dict, now: datetime, **extra
) -> WebhookDelivery:
    return WebhookDelivery(
        webhook_id=endpoint.id,
        organisation_id=endpoint.organisation_id,
        message_id=new_message_id(),
        event_type=event_type,
        payload=payload,
        status="pending",
        next_attempt_at=now,
        created_at=now,
        **extra,
    )


def delivery_page(
    session: Session, actor: Actor, webhook_id: int, page: int, page_size: int
) -> Page:
    """An endpoint's deliveries, newest first, with their attempts."""
    endpoint = get_endpoint(session, actor, webhook_id)
    statement = (
        select(WebhookDelivery)
        .options(selectinload(WebhookDelivery.attempt_log))
        .where(WebhookDelivery.webhook_id == endpoint.id)
        .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
    )
    return paginate(session, statement, page, page_size)


def redeliver(session: Session, actor: Actor, webhook_id: int, delivery_id: int) -> WebhookDelivery:
    """Send a delivery's payload again, as a new message (a new `webhook-id`, so receivers that
    drop ids they have seen process it), queued at once whatever the original's state."""
    endpoint = get_endpoint(session, actor, webhook_id)
    original = session.scalar(
        select(WebhookDelivery).where(
            WebhookDelivery.id == delivery_id, WebhookDelivery.webhook_id == endpoint.id
        )
    )
    if original is None:
        raise NotFound(f"No delivery {delivery_id} of webhook {webhook_id}.")
    now = utcnow()
    delivery = _new_delivery(
        endpoint, original.event_type, original.payload, now, redelivery_of_id=original.id
    )
    session.add(delivery)
    _queue_after_commit(session, [delivery])
    session.commit()
    return delivery


def news_expected(deliveries: list[WebhookDelivery], now: datetime | None = None) -> bool:
    """Whether one of these deliveries is about to be tried (a page showing them refreshes)."""
    soon = (now or utcnow()) + WATCH_WITHIN
    return any(
        delivery.status == "pending"
        and (delivery.next_attempt_at is None or delivery.next_attempt_at <= soon)
        for delivery in deliveries
    )


# --- documents -----------------------------------------------------------------------------


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def document(endpoint: WebhookEndpoint, *, with_secret: bool = False) -> dict[str, Any]:
    """An endpoint as the API shows it; the secret only when just created or rotated."""
    shown = {
        "id": endpoint.id,
        "url": endpoint.url,
        "events": list(endpoint.events),
        "active": endpoint.active,
        "disabled_reason": endpoint.disabled_reason or None,
        "failing_since": _time(endpoint.failing_since),
        "created_at": _time(endpoint.created_at),
        "updated_at": _time(endpoint.updated_at),
    }
    if with_secret:
        shown["secret"] = endpoint.secret
    return shown


def delivery_document(delivery: WebhookDelivery) -> dict[str, Any]:
    return {
        "id": delivery.id,
        "webhook": delivery.webhook_id,
        "message_id": delivery.message_id,
        "event": delivery.event_type,
        "status": delivery.status,
        "created_at": _time(delivery.created_at),
        "last_attempt_at": _time(delivery.last_attempt_at),
        "next_attempt_at": _time(delivery.next_attempt_at),
        "redelivery_of": delivery.redelivery_of_id,
        "payload": delivery.payload,
        "attempts": [
            {
                "attempted_at": _time(attempt.attempted_at),
                "status_code": attempt.status_code,
                "duration_ms": attempt.duration_ms,
                "response_excerpt": attempt.response_excerpt,
                "error": attempt.error or None,
            }
            for attempt in delivery.attempt_log
        ],
    }


# --- delivering ----------------------------------------------------------------------------


def _due(now: datetime):
    return (
        WebhookDelivery.status == "pending",
        WebhookDelivery.next_attempt_at <= now,
        or_(WebhookDelivery.lease_until.is_(None), WebhookDelivery.lease_until < now),
    )


def claim(session: Session, delivery_id: int, now: datetime | None = None) -> datetime | None:
    """Take the lease of a due delivery that nobody holds (a conditional UPDATE, so two workers
    never both get it); commits. Answers the lease's end, or None when it was not to be had."""
    now = now or utcnow()
    lease = now + LEASE
    taken = session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id, *_due(now))
        .values(lease_until=lease)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return lease if taken.rowcount == 1 else None


def claim_due(
    session: Session, now: datetime | None = None, limit: int = SWEEP_BATCH
) -> list[tuple[int, datetime]]:
    """Claim the deliveries that are due and unheld (retries, and work a dead worker left):
    [(id, lease)] for jobs that `deliver` each under its lease."""
    now = now or utcnow()
    ids = session.scalars(
        select(WebhookDelivery.id)
        .where(*_due(now))
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(limit)
    ).all()
    claimed = []
    for delivery_id in ids:
        lease = claim(session, delivery_id, now)
        if lease is not None:
            claimed.append((delivery_id, lease))
    return claimed


def parse_lease(text: str) -> datetime:
    """A lease passed to a job as text (`lease.isoformat()`)."""
    return datetime.fromisoformat(text)


def _take_over(session: Session, delivery_id: int, lease: datetime) -> datetime | None:
    """Renew a lease claimed for this job by a sweep, if it is still the one held."""
    now = utcnow()
    renewed = now + LEASE
    taken = session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id == delivery_id,
            WebhookDelivery.status == "pending",
            WebhookDelivery.lease_until == lease,
            WebhookDelivery.lease_until >= now,
        )
        .values(lease_until=renewed)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return renewed if taken.rowcount == 1 else None


@dataclass(frozen=True)
class Outcome:
    """What one attempt got: an answer's status and start, or an error; how long it took."""

    status_code: int | None
    duration_ms: int
    excerpt: str = ""
    error: str = ""

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def signed_request(
    secret: str, message_id: str, payload: dict, now: datetime
) -> tuple[bytes, dict[str, str]]:
    """The body and headers of an attempt, signed as Standard Webhooks says."""
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, now, body),
    }
    return body.encode(), headers


def _manual(delivery: WebhookDelivery) -> bool:
    """A ping or a redelivery: staff asked for it, so it goes even to a disabled endpoint."""
    return delivery.event_type == PING or delivery.redelivery_of_id is not None


def deliver(
    session: Session, delivery_id: int, *, production: bool, lease: datetime | None = None
) -> WebhookDelivery | None:
    """Send one attempt of a due delivery and record it. With `lease`, under the lease a sweep
    claimed for this job; without, claiming it first. None when the delivery is not due or
    another worker holds it."""
    held = _take_over(session, delivery_id, lease) if lease else claim(session, delivery_id)
    if held is None:
        return None
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        return None
    endpoint = delivery.endpoint
    if not endpoint.active and not _manual(delivery):
        delivery.status, delivery.next_attempt_at, delivery.lease_until = "failed", None, None
        session.commit()
        return delivery
    started = utcnow()
    body, headers = signed_request(endpoint.secret, delivery.message_id, delivery.payload, started)
    url = endpoint.url
    session.commit()  # no transaction stays open while the receiver answers
    outcome = post(url, body, headers, production=production)
    return _record(session, delivery_id, started, outcome)


def _record(
    session: Session, delivery_id: int, started: datetime, outcome: Outcome
) -> WebhookDelivery | None:
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None:  # the endpoint was deleted meanwhile
        return None
    endpoint = delivery.endpoint
    session.add(
        WebhookAttempt(
            delivery_id=delivery.id,
            attempted_at=started,
            status_code=outcome.status_code,
            duration_ms=outcome.duration_ms,
            response_excerpt=outcome.excerpt,
            error=outcome.error,
        )
    )
    delivery.attempts += 1
    delivery.last_attempt_at = started
    delivery.lease_until = None
    if outcome.succeeded:
        delivery.status, delivery.next_attempt_at = "succeeded", None
        endpoint.failing_since = None
        if not endpoint.active:  # a ping or redelivery got through: switched back on
            endpoint.active, endpoint.disabled_reason = True, ""
            endpoint.updated_at = started
    else:
        if endpoint.failing_since is None:
            endpoint.failing_since = started
        elif endpoint.active and started - endpoint.failing_since >= DISABLE_AFTER:
            _disable(session, endpoint, started, outcome)
        retries_left = delivery.attempts <= len(RETRY_SCHEDULE)
        if endpoint.active and retries_left:
            delivery.next_attempt_at = started + RETRY_SCHEDULE[delivery.attempts - 1]
        else:
            delivery.status, delivery.next_attempt_at = "failed", None
    session.commit()
    return delivery


def describe(outcome: Outcome) -> str:
    """An attempt's result in a few words: "HTTP 500", or the error."""
    if outcome.status_code is not None:
        return f"HTTP {outcome.status_code}"
    return outcome.error


def _disable(session: Session, endpoint: WebhookEndpoint, now: datetime, outcome: Outcome) -> None:
    """Switch off an endpoint that has failed for DISABLE_AFTER; its pending deliveries fail."""
    endpoint.active = False
    endpoint.updated_at = now
    endpoint.disabled_reason = (
        f"Switched off on {now:%Y-%m-%d %H:%M} UTC: every delivery since "
        f"{endpoint.failing_since:%Y-%m-%d %H:%M} UTC has failed, for more than "
        f"{DISABLE_AFTER.days} days (the last: {describe(outcome)}). Fix the receiver, then "
        "send a ping: once one gets through, the endpoint is switched back on."
    )
    session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.webhook_id == endpoint.id, WebhookDelivery.status == "pending")
        .values(status="failed", next_attempt_at=None)
        .execution_options(synchronize_session=False)
    )


# --- HTTP ----------------------------------------------------------------------------------


def _connect(addresses: list[str]):
    """A socket to the first of `addresses` that answers, on the port asked for (what
    socket.create_connection does with the addresses DNS gives, here with the checked ones)."""

    def create(target, timeout, source):
        failure: OSError = OSError(f"No address to connect to for {target[0]}")
        for address in addresses:
            try:
                return socket.create_connection((address, target[1]), timeout, source)
            except OSError as refused:
                failure = refused
        raise failure

    return create


class _Connection(http.client.HTTPConnection):
    """Connects to `addresses` (already checked) while the Host header names the host."""

    def __init__(self, host: str, port: int, addresses: list[str]) -> None:
        super().__init__(host, port, timeout=TIMEOUT)
        self._create_connection = _connect(addresses)


class _TLSConnection(http.client.HTTPSConnection):
    """As _Connection, over TLS: the certificate is checked against the host's name."""

    def __init__(self, host: str, port: int, addresses: list[str]) -> None:
        super().__init__(host, port, timeout=TIMEOUT, context=ssl.create_default_context())
        self._create_connection = _connect(addresses)


def post(url: str, body: bytes, headers: dict[str, str], *, production: bool) -> Outcome:
    """POST `body` to `url` once: no redirect followed (a 3xx is a failure), TIMEOUT seconds
    to connect and for each read; in production only to public addresses, checked now."""
    parts = urlsplit(url)
    secure = parts.scheme.lower() == "https"
    host, port = parts.hostname or "", parts.port or (443 if secure else 80)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    started = time.monotonic()
    connection = None
    try:
        if problems := _shape_problems(url, production=production):
            raise UnsafeAddress(problems[0])
        # In production the addresses just checked are the ones connected to: DNS asked again
        # by the connection could answer differently (rebinding).
        addresses = public_addresses(host, port) if production else [host]
        connection = (_TLSConnection if secure else _Connection)(host, port, addresses)
        connection.request("POST", target, body=body, headers=headers)
        response = connection.getresponse()
        start = response.read(EXCERPT_MAX * 4)  # UTF-8 takes at most 4 bytes a character
        excerpt = _text(start.decode("utf-8", errors="replace"))
        error = ""
        if 300 <= response.status < 400:
            location = _text(response.getheader("Location") or "")
            error = f"Redirect not followed{f' (to {location})' if location else ''}."
        return Outcome(response.status, _since(started), excerpt, error)
    except UnsafeAddress as refused:
        return Outcome(None, _since(started), error=f"Not sent: {refused}")
    except TimeoutError:
        return Outcome(None, _since(started), error=f"No answer within {TIMEOUT} seconds.")
    except (OSError, http.client.HTTPException, ValueError) as failure:
        return Outcome(None, _since(started), error=_text(f"{type(failure).__name__}: {failure}"))
    finally:
        if connection is not None:
            connection.close()


def _text(value: str) -> str:
    """At most EXCERPT_MAX characters that any database stores (no NUL)."""
    return value.replace("\x00", "\ufffd")[:EXCERPT_MAX]


def _since(started: float) -> int:
    return round((time.monotonic() - started) * 1000)
