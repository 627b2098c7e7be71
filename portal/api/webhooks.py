"""Webhooks over JSON: the organisation's endpoints, their deliveries, pings and redeliveries."""

import inspect

from flask import current_app
from flask.views import MethodView

from portal.api.auth import requires
from portal.api.base import ApiBlueprint
from portal.api.idempotency import idempotent
from portal.auth import request_origin
from portal.extensions import db
from portal.schemas.webhooks import (
    CREATED_EXAMPLE,
    DELIVERY_EXAMPLE,
    INPUT_EXAMPLE,
    WEBHOOK_EXAMPLE,
    CreatedWebhookSchema,
    DeliverySchema,
    WebhookInputSchema,
    WebhookSchema,
)
from portal.services import webhooks

blp = ApiBlueprint(
    "webhooks_api",
    __name__,
    url_prefix="/api/v1",
    description="""Endpoints that are told when something changes, signed as Standard Webhooks
say: a POST of `{type, timestamp, data}` with `webhook-id`, `webhook-timestamp` and
`webhook-signature: v1,<base64 HMAC-SHA256>` (verify with the `standardwebhooks` library and the
endpoint's secret). Retried with exponential backoff for more than 24 hours on any answer but
2xx (redirects are not followed) or after 10 s without one, with the same `webhook-id`; an
endpoint failing for 3 days is switched off. The `data` of each event:
`scorecard.published` `{id, version, title, published_at}`;
`candidate.created`, `candidate.updated` `{id, name, updated_at}`;
`evaluation.submitted` the evaluation as `GET .../evaluations` shows it;
`import.finished` `{id, filename, kind, status, total, processed, created, updated, failed, error,
created_at, finished_at}`; `webhook.ping` `{webhook {id, url}, message}`.""",
)


def needs_scope(view):
    """`webhooks:manage`, with a documented 404; the OpenAPI description keeps the docstring's
    details beside the scope note."""
    details = inspect.cleandoc(view.__doc__ or "").partition("\n")[2].strip()
    note = f"Needs the `{webhooks.SCOPE}` scope."
    described = blp.doc(description=f"{note}\n\n{details}" if details else note)
    return described(
        blp.alt_response(404, response="NOT_FOUND")(requires(blp, webhooks.SCOPE)(view))
    )


def production() -> bool:
    return current_app.config["PORTAL_ENV"] == "production"


@blp.route("/webhooks")
class Webhooks(MethodView):
    @needs_scope
    @blp.response(200, WebhookSchema(many=True), example=[WEBHOOK_EXAMPLE])
    @blp.paginate()
    def get(self, pagination_parameters, actor):
        """List the organisation's webhook endpoints

        Newest first. Secrets are never shown again after creation or rotation.
        """
        page = webhooks.endpoint_page(
            db.session, actor, pagination_parameters.page, pagination_parameters.page_size
        )
        pagination_parameters.item_count = page.total
        return [webhooks.document(endpoint) for endpoint in page.items]

    @needs_scope
    @idempotent(blp)
    @blp.arguments(WebhookInputSchema, example=INPUT_EXAMPLE)
    @blp.response(201, CreatedWebhookSchema, example=CREATED_EXAMPLE)
    def post(self, values, actor):
        """Add a webhook endpoint

        Answers its signing `secret`, this once. The address must be https and its host must
        resolve only to public addresses (private, loopback, link-local, multicast and reserved
        ones are refused with 422); in development http to localhost is allowed too. Unknown
        events are refused with 422 naming them.
        """
        endpoint = webhooks.create_endpoint(
            db.session,
            actor,
            values["url"],
            values["events"],
            request_origin(),
            production=production(),
        )
        return webhooks.document(endpoint, with_secret=True)


@blp.route("/webhooks/<id:webhook_id>")
class WebhookDetail(MethodView):
    @needs_scope
    @blp.response(200, WebhookSchema, example=WEBHOOK_EXAMPLE)
    def get(self, webhook_id, actor):
        """Get a webhook endpoint (without its secret)

        A switched-off endpoint has `active: false` and says why in `disabled_reason`.
        """
        return webhooks.document(webhooks.get_endpoint(db.session, actor, webhook_id))

    @needs_scope
    @blp.response(204)
    def delete(self, webhook_id, actor):
        """Remove a webhook endpoint, with its deliveries"""
        webhooks.delete_endpoint(db.session, actor, webhook_id, request_origin())


@blp.route("/webhooks/<id:webhook_id>/rotate-secret")
class RotateSecret(MethodView):
    @needs_scope
    @blp.response(200, CreatedWebhookSchema, example=CREATED_EXAMPLE)
    def post(self, webhook_id, actor):
        """Replace an endpoint's signing secret

        Answers the new `secret`, this once; attempts from now on are signed with it only.
        """
        endpoint = webhooks.rotate_secret(db.session, actor, webhook_id, request_origin())
        return webhooks.document(endpoint, with_secret=True)


@blp.route("/webhooks/<id:webhook_id>/ping")
class Ping(MethodView):
    @needs_scope
    @blp.response(202, DeliverySchema, example={**DELIVERY_EXAMPLE, "attempts": []})
    def post(self, webhook_id, actor):
        """Send a `webhook.ping` to an endpoint

        Queued at once, whatever events the endpoint takes; follow it in the deliveries. Sent
        to a switched-off endpoint too: when it gets through, the endpoint is switched back on.
        """
        return webhooks.delivery_document(webhooks.ping(db.session, actor, webhook_id))


@blp.route("/webhooks/<id:webhook_id>/deliveries")
class Deliveries(MethodView):
    @needs_scope
    @blp.response(200, DeliverySchema(many=True), example=[DELIVERY_EXAMPLE])
    @blp.paginate()
    def get(self, pagination_parameters, webhook_id, actor):
        """List an endpoint's deliveries with their attempts

        Newest first; each attempt with the answer's status, its duration and the first 500
        characters of its body, or the error.
        """
        page = webhooks.delivery_page(
            db.session,
            actor,
            webhook_id,
            pagination_parameters.page,
            pagination_parameters.page_size,
        )
        pagination_parameters.item_count = page.total
        return [webhooks.delivery_document(delivery) for delivery in page.items]


@blp.route("/webhooks/<id:webhook_id>/deliveries/<id:delivery_id>/redeliver")
class Redeliver(MethodView):
    @needs_scope
    @blp.response(202, DeliverySchema, example={**DELIVERY_EXAMPLE, "redelivery_of": 119})
    def post(self, webhook_id, delivery_id, actor):
        """Send a delivery's payload again

        As a new delivery with a new `webhook-id` (receivers that drop ids they have seen
        process it again) and `redelivery_of` naming the original; queued at once. Automatic
        retries, by contrast, keep the id.
        """
        delivery = webhooks.redeliver(db.session, actor, webhook_id, delivery_id)
        return webhooks.delivery_document(delivery)
