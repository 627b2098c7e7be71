"""Webhook retention: `flask --app portal webhooks purge` deletes finished deliveries (delivered,
or given up on) whose last attempt is older than the days given, with their attempts; pending
deliveries stay whatever their age, and a redelivery outlives the delivery it repeated."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from portal.models.accounts import SCOPES
from portal.models.types import utcnow
from portal.services import webhooks
from portal.services.access import Actor, Origin
from portal.services.errors import ValidationFailed

DAY = timedelta(days=1)


@pytest.fixture
def endpoint_id(app, make_recruiter) -> int:
    organisation = make_recruiter()
    actor = Actor(organisation_id=organisation.organisation_id, scopes=frozenset(SCOPES))
    with app.app_context():
        endpoint = webhooks.create_endpoint(
            db.session,
            actor,
            "http://localhost:9/hook",
            ["candidate.created"],
            Origin(),
            production=False,
        )
        made = endpoint.id
        db.session.remove()
    return made


def add_delivery(
    session,
    endpoint_id: int,
    status: str,
    last_attempt_days_ago: float | None,
    redelivery_of: int | None = None,
) -> int:
    """A delivery created 40 days ago with two attempts, the last one `last_attempt_days_ago`."""
    now = utcnow()
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    last = None if last_attempt_days_ago is None else now - last_attempt_days_ago * DAY
    delivery = WebhookDelivery(
        webhook_id=endpoint_id,
        organisation_id=endpoint.organisation_id,
        message_id=webhooks.new_message_id(),
        event_type="candidate.created",
        payload={"type": "candidate.created", "timestamp": now.isoformat(), "data": {}},
        status=status,
        attempts=0 if last is None else 2,
        created_at=now - 40 * DAY,
        last_attempt_at=last,
        redelivery_of_id=redelivery_of,
    )
    session.add(delivery)
    session.flush()
    if last is not None:
        for when in (last - DAY, last):
            session.add(WebhookAttempt(delivery_id=delivery.id, attempted_at=when, status_code=500))
    session.commit()
    return delivery.id


def stored(app, endpoint_id: int) -> tuple[dict[int, int | None], int]:
    """The endpoint's {delivery id: the delivery it repeats} and how many attempts they have
    (the purge is installation-wide; other tests' deliveries share the database)."""
    with app.app_context():
        rows = db.session.execute(
            select(WebhookDelivery.id, WebhookDelivery.redelivery_of_id).where(
                WebhookDelivery.webhook_id == endpoint_id
            )
        )
        deliveries = {row.id: row.redelivery_of_id for row in rows}
        attempts = db.session.scalar(
            select(func.count()).where(WebhookAttempt.delivery_id.in_(deliveries))
        )
        db.session.remove()
    return deliveries, attempts


def test_old_finished_deliveries_go_with_their_attempts_and_the_rest_stays(
    app, endpoint_id, monkeypatch
):
    monkeypatch.setattr(webhooks, "PURGE_BATCH", 2)  # several batches
    with app.app_context():
        session = db.session
        old = [add_delivery(session, endpoint_id, status, 31) for status in ("succeeded", "failed")]
        old.append(add_delivery(session, endpoint_id, "failed", 35))
        redelivered = add_delivery(session, endpoint_id, "succeeded", 32)
        redelivery = add_delivery(session, endpoint_id, "succeeded", 2, redelivery_of=redelivered)
        recent = add_delivery(session, endpoint_id, "failed", 29)
        still_retrying = add_delivery(session, endpoint_id, "pending", 60)
        never_tried = add_delivery(session, endpoint_id, "pending", None)
        db.session.remove()

    runner = app.test_cli_runner()
    result = runner.invoke(args=["webhooks", "purge", "--older-than-days", "30"])
    assert result.exit_code == 0, result.output
    assert re.fullmatch(r"Deleted \d+ finished deliveries older than 30 days.\n", result.output)

    deliveries, attempts = stored(app, endpoint_id)
    assert set(deliveries) == {redelivery, recent, still_retrying, never_tried}
    assert not set(old) & set(deliveries)
    assert deliveries[redelivery] is None  # kept, no longer linked to the one purged
    assert attempts == 2 * 3  # the kept deliveries' attempts, none of the purged ones'

    again = runner.invoke(args=["webhooks", "purge", "--older-than-days", "30"])
    assert "Deleted 0 finished deliveries" in again.output  # nothing old left anywhere


def test_the_whole_log_goes_only_when_asked_for_one_day(app, endpoint_id):
    with app.app_context():
        kept = add_delivery(db.session, endpoint_id, "succeeded", 0.5)
        gone = add_delivery(db.session, endpoint_id, "succeeded", 1.5)
        assert webhooks.purge_finished(db.session, 1) >= 1
        db.session.remove()
    deliveries, _ = stored(app, endpoint_id)
    assert kept in deliveries
    assert gone not in deliveries


@pytest.mark.parametrize("days", ["0", "-3", "3651", "99999999999"])
def test_a_retention_outside_1_to_3650_days_is_refused_and_deletes_nothing(app, endpoint_id, days):
    with app.app_context():
        add_delivery(db.session, endpoint_id, "succeeded", 400)
        db.session.remove()
    result = app.test_cli_runner().invoke(args=["webhooks", "purge", "--older-than-days", days])
    assert result.exit_code == 1
    assert "Keep deliveries between 1 and 3650 days." in result.output
    assert len(stored(app, endpoint_id)[0]) == 1


def test_the_service_names_the_bad_retention():
    with pytest.raises(ValidationFailed) as refused:
        webhooks.purge_finished(None, 0)
    assert refused.value.errors == {"older_than_days": ["Keep deliveries between 1 and 3650 days."]}
