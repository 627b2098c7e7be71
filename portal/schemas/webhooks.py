"""Webhook endpoints and their deliveries as the API shows them, and what adding one sends.

The rules of an endpoint's address (https, public addresses in production, the length) and of
its events are the service's (portal.services.webhooks), which checks both at once: the input
schema documents them and checks only the types; the page form loads with the same schema.
"""

import marshmallow as ma

from portal.services import webhooks
from portal.services.webhooks import EVENTS, PING, URL_MAX

# The address as JSON Schema can say it (http or https, no spaces); the service also checks
# the host (and in production resolves it: every address must be public).
URL_PATTERN = "^[Hh][Tt][Tt][Pp][Ss]?://[!-~]+$"
WEBHOOK_EXAMPLE = {
    "id": 3,
    "url": "https://ats.example.com/hooks/cpo-portal",
    "events": ["scorecard.published", "evaluation.submitted"],
    "active": True,
    "disabled_reason": None,
    "failing_since": None,
    "created_at": "2026-03-02T09:12:44.512000+00:00",
    "updated_at": "2026-03-02T09:12:44.512000+00:00",
}
CREATED_EXAMPLE = {
    **WEBHOOK_EXAMPLE,
    "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw+0TmRrNf7bo=",
}
INPUT_EXAMPLE = {"url": WEBHOOK_EXAMPLE["url"], "events": WEBHOOK_EXAMPLE["events"]}
DELIVERY_EXAMPLE = {
    "id": 120,
    "webhook": 3,
    "message_id": "msg_p5jXN8AQM9LWM0D4loKWxJek3cZ7eUVy",
    "event": "scorecard.published",
    "status": "pending",
    "created_at": "2026-03-02T10:00:00.125000+00:00",
    "last_attempt_at": "2026-03-02T10:00:00.131000+00:00",
    "next_attempt_at": "2026-03-02T10:00:30.131000+00:00",
    "redelivery_of": None,
    "payload": {
        "type": "scorecard.published",
        "timestamp": "2026-03-02T10:00:00.125000+00:00",
        "data": {
            "id": 7,
            "version": 2,
            "title": "Chief Product Officer",
            "published_at": "2026-03-02T10:00:00.125000+00:00",
        },
    },
    "attempts": [
        {
            "attempted_at": "2026-03-02T10:00:00.131000+00:00",
            "status_code": 503,
            "duration_ms": 87,
            "response_excerpt": "Service Unavailable",
            "error": None,
        }
    ],
}


class WebhookInputSchema(ma.Schema):
    url = ma.fields.String(
        required=True,
        error_messages={"required": webhooks.URL_BLANK},
        metadata={
            "maxLength": URL_MAX,
            "pattern": URL_PATTERN,
            "format": "uri",
            "description": "Where deliveries are POSTed: https, to a host whose every address is "
            "public (private, loopback, link-local and reserved addresses are refused); in "
            "development also http to localhost. At most 2,000 characters.",
        },
    )
    # The enum sits on the item field: apispec documents a list's items from it (an "items"
    # in the list's own metadata is overwritten).
    events = ma.fields.List(
        ma.fields.String(metadata={"enum": list(EVENTS)}),
        required=True,
        error_messages={"required": webhooks.EVENTS_MISSING},
        metadata={"minItems": 1, "description": "The events to receive (at least one)"},
    )


class WebhookSchema(ma.Schema):
    """An endpoint. Its secret is shown once, when it is made or rotated."""

    id = ma.fields.Integer()
    url = ma.fields.String()
    events = ma.fields.List(ma.fields.String(validate=ma.validate.OneOf(EVENTS)))
    active = ma.fields.Boolean(
        metadata={"description": "False once switched off after failing for 3 days"}
    )
    disabled_reason = ma.fields.String(
        allow_none=True,
        metadata={"description": "Why the endpoint was switched off, in words (null if active)"},
    )
    failing_since = ma.fields.String(
        allow_none=True,
        metadata={
            "format": "date-time",
            "description": "The first failed attempt since the last success (null if none)",
        },
    )
    created_at = ma.fields.String(metadata={"format": "date-time"})
    updated_at = ma.fields.String(metadata={"format": "date-time"})


class CreatedWebhookSchema(WebhookSchema):
    secret = ma.fields.String(
        metadata={
            "description": "The signing secret (Standard Webhooks, `whsec_` + base64): shown "
            "only in this answer; verify each delivery's `webhook-signature` with it"
        }
    )


class AttemptSchema(ma.Schema):
    attempted_at = ma.fields.String(metadata={"format": "date-time"})
    status_code = ma.fields.Integer(
        allow_none=True, metadata={"description": "The receiver's HTTP status (null: no answer)"}
    )
    duration_ms = ma.fields.Integer()
    response_excerpt = ma.fields.String(
        metadata={"description": "The first 500 characters of the answer's body"}
    )
    error = ma.fields.String(
        allow_none=True,
        metadata={"description": "What went wrong: a timeout, a refused connection, a redirect"},
    )


class DeliverySchema(ma.Schema):
    """One event for one endpoint, with every attempt to send it."""

    id = ma.fields.Integer()
    webhook = ma.fields.Integer(metadata={"description": "The endpoint's id"})
    message_id = ma.fields.String(
        metadata={"description": "The `webhook-id` header, the same on every retry"}
    )
    event = ma.fields.String(
        validate=ma.validate.OneOf((*EVENTS, PING)),
        metadata={"description": f"The event type (`{PING}` for a ping)"},
    )
    status = ma.fields.String(validate=ma.validate.OneOf(("pending", "succeeded", "failed")))
    created_at = ma.fields.String(metadata={"format": "date-time"})
    last_attempt_at = ma.fields.String(allow_none=True, metadata={"format": "date-time"})
    next_attempt_at = ma.fields.String(
        allow_none=True,
        metadata={"format": "date-time", "description": "When a pending delivery is tried next"},
    )
    redelivery_of = ma.fields.Integer(
        allow_none=True, metadata={"description": "The delivery this one sends again"}
    )
    payload = ma.fields.Dict(metadata={"description": "The body sent: `{type, timestamp, data}`"})
    attempts = ma.fields.List(
        ma.fields.Nested(AttemptSchema), metadata={"description": "Oldest first"}
    )
