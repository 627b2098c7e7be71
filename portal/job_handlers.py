"""The background jobs and sweeps a worker runs: thin wrappers that call the services with a
database session (the services know nothing of queues)."""

from datetime import timedelta

from flask import current_app

from portal import jobs
from portal.extensions import db
from portal.services import bulk_import

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
