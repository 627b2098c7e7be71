"""The organisation's webhooks page: add an endpoint, see its secret once, rotate it, ping, delete,
and follow each delivery with its attempts (and redeliver)."""

from flask import Blueprint, current_app, flash, render_template, url_for
from flask_login import login_required

from portal.auth import page_actor, request_origin
from portal.extensions import db
from portal.schemas.webhooks import WebhookInputSchema
from portal.services import webhooks
from portal.services.errors import ValidationFailed
from portal.web.forms import load_form, page_number, see_other
from portal.web.htmx import render

bp = Blueprint("webhooks", __name__)
ENDPOINTS_PAGE_SIZE = 100
DELIVERIES_PAGE_SIZE = 20


def _production() -> bool:
    return current_app.config["PORTAL_ENV"] == "production"


def _index(form: dict, errors: dict, status: int = 200):
    return render(
        "webhooks/index.html",
        "add_endpoint",
        status=status,
        form=form,
        errors=errors,
        events=webhooks.EVENTS,
        descriptions=webhooks.EVENT_DESCRIPTIONS,
        endpoints=webhooks.endpoint_page(db.session, page_actor(), 1, ENDPOINTS_PAGE_SIZE).items,
    )


def _detail(endpoint, secret: str | None = None, status: int = 200):
    page = webhooks.delivery_page(
        db.session, page_actor(), endpoint.id, page_number(), DELIVERIES_PAGE_SIZE
    )
    return render(
        "webhooks/detail.html",
        "deliveries",
        status=status,
        endpoint=endpoint,
        secret=secret,
        page=page,
        watching=webhooks.news_expected(page.items),
        status_words=webhooks.STATUS_WORDS,
        descriptions=webhooks.EVENT_DESCRIPTIONS,
    )


@bp.get("/webhooks")
@login_required
def index():
    """The organisation's endpoints and the form that adds one."""
    return _index({}, {})


@bp.post("/webhooks")
@login_required
def create():
    """Add an endpoint and show its signing secret, this once."""
    form, errors = load_form(WebhookInputSchema())
    if not errors:
        try:
            endpoint = webhooks.create_endpoint(
                db.session,
                page_actor(),
                form["url"],
                form["events"],
                request_origin(),
                production=_production(),
            )
            return _detail(endpoint, secret=endpoint.secret, status=201)
        except ValidationFailed as error:
            errors = error.errors
    return _index(form, errors, status=422)


@bp.get("/webhooks/<id:webhook_id>")
@login_required
def detail(webhook_id):
    """An endpoint: its state and why it is off, its events, and its deliveries, newest first
    (the deliveries block alone for htmx, which refreshes it while one is about to be tried)."""
    return _detail(webhooks.get_endpoint(db.session, page_actor(), webhook_id))


@bp.get("/webhooks/<id:webhook_id>/rotate")
@login_required
def confirm_rotate(webhook_id):
    """Ask before replacing the secret, on a page of its own (works without JavaScript)."""
    endpoint = webhooks.get_endpoint(db.session, page_actor(), webhook_id)
    return render_template(
        "confirm.html",
        question=f"Replace the signing secret of {endpoint.url}?",
        consequence="Deliveries are signed with the new secret from now on: the receiver "
        "refuses them until it has the new one. The new secret is shown once.",
        button="Replace the secret",
        action=url_for("webhooks.rotate", webhook_id=endpoint.id),
        cancel=url_for("webhooks.detail", webhook_id=endpoint.id),
        fields={},
    )


@bp.post("/webhooks/<id:webhook_id>/rotate")
@login_required
def rotate(webhook_id):
    """Replace the secret and show the new one, this once."""
    endpoint = webhooks.rotate_secret(db.session, page_actor(), webhook_id, request_origin())
    return _detail(endpoint, secret=endpoint.secret)


@bp.post("/webhooks/<id:webhook_id>/ping")
@login_required
def ping(webhook_id):
    """Queue a ping to the endpoint; its delivery shows on the endpoint's page."""
    webhooks.ping(db.session, page_actor(), webhook_id)
    flash("Ping sent: its delivery is listed below.", "success")
    return see_other(url_for("webhooks.detail", webhook_id=webhook_id))


@bp.post("/webhooks/<id:webhook_id>/deliveries/<id:delivery_id>/redeliver")
@login_required
def redeliver(webhook_id, delivery_id):
    """Send a delivery's payload again, as a new delivery."""
    webhooks.redeliver(db.session, page_actor(), webhook_id, delivery_id)
    flash("Sent again, as a new delivery (with a new webhook-id).", "success")
    return see_other(url_for("webhooks.detail", webhook_id=webhook_id))


@bp.get("/webhooks/<id:webhook_id>/delete")
@login_required
def confirm_delete(webhook_id):
    """Ask before removing an endpoint, on a page of its own."""
    endpoint = webhooks.get_endpoint(db.session, page_actor(), webhook_id)
    return render_template(
        "confirm.html",
        question=f"Remove the endpoint {endpoint.url}?",
        consequence="It receives no more events, and its deliveries are forgotten.",
        button="Remove endpoint",
        action=url_for("webhooks.delete", webhook_id=endpoint.id),
        cancel=url_for("webhooks.detail", webhook_id=endpoint.id),
        fields={},
    )


@bp.post("/webhooks/<id:webhook_id>/delete")
@login_required
def delete(webhook_id):
    """Remove an endpoint with its deliveries."""
    webhooks.delete_endpoint(db.session, page_actor(), webhook_id, request_origin())
    flash("The endpoint is removed.", "success")
    return see_other(url_for("webhooks.index"))
