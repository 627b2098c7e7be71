"""The background jobs and sweeps a worker runs: thin wrappers that call the services with a
database session (the services know nothing of queues)."""

import logging
from datetime import timedelta

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal import jobs
from portal.extensions import db
from portal.services import bulk_import, webhooks

webhook_log = logging.getLogger("portal.webhooks")

# --- bulk imports ----------------------------------------------------------------------------


@jobs.job("bulk_import")
def run_bulk_import(job_id: int) -> str:
    """Claim and process one bulk import (resuming after its last committed batch)."""
    return bulk_import.run_job(
        db.session,
        job_id,
        current_app.config["JSON_RESUME_SCHEMA"],
        lease=timedelta(seconds=current_app.config["IMPORT_LEASE_SECONDS"]),
    )


@jobs.sweep
def resume_stalled_imports() -> None:
    """Queue again the imports whose worker died (lease run out) or that no worker took."""
    for job_id in bulk_import.resume_stalled(db.session):
        jobs.enqueue("bulk_import", job_id)


# --- webhook deliveries ------------------------------------------------------------------------


def _production() -> bool:
    return current_app.config["PORTAL_ENV"] == "production"


@jobs.job("webhook.deliver")
def deliver_webhook(delivery_id: int, lease: str | None = None) -> None:
    """Send one attempt of a delivery: under the lease a sweep claimed for this job, or
    claiming it first (nothing happens when it is not due or another worker holds it)."""
    held = webhooks.parse_lease(lease) if lease else None
    webhooks.deliver(db.session, delivery_id, production=_production(), lease=held)


@jobs.sweep
def queue_due_webhooks() -> None:
    """Claim the deliveries that are due (retries) or were left by a dead worker, and queue
    a job for each under its lease."""
    for delivery_id, lease in webhooks.claim_due(db.session):
        jobs.enqueue("webhook.deliver", delivery_id, lease.isoformat())


@event.listens_for(Session, "after_commit")
def _queue_committed_webhooks(session: Session) -> None:
    """Queue the deliveries a transaction created as soon as it commits, so they go out at
    once; should queueing fail, the sweeps find them within seconds."""
    delivery_ids = webhooks.committed_deliveries(session)
    if not delivery_ids or not has_app_context():
        return
    for delivery_id in delivery_ids:
        try:
            jobs.enqueue("webhook.deliver", delivery_id)
        except Exception:  # the change is committed; the sweeps will send it
            webhook_log.exception("Could not queue webhook delivery %s", delivery_id)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back_webhooks(session: Session) -> None:
    webhooks.forget_queued(session)
