"""Bulk import in a real browser: a re-upload updates instead of duplicating, the failed rows
go out as a CSV and come back fixed, the progress moves without a reload while the failure list
stays put, cancelling an import and the list of imports, the same journeys without JavaScript,
and the accessibility of the pages."""

import csv
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from portal.services.bulk_import import CSV_COLUMNS
from tests.conftest import PASSWORD

from .pages import BulkImportPage, ImportJobPage, SignInPage, axe_violations, describe_violations

DASHBOARD_URL = re.compile(r"/dashboard$")
JOB_URL = re.compile(r"/candidates/bulk/\d+$")
ROW = {
    "name": "Ada Product",
    "email": "ada@example.test",
    "headline": "VP Product",
    "years_product": "12",
    "years_leadership": "6",
    "education": "master",
    "background": "product-management",
    "certifications": "CSPO",
    "summary": "Led three product lines.",
    "product-strategy": "4",
}
BO = {**ROW, "name": "Bo Second", "email": "bo@example.test"}


def csv_bytes(rows: list[dict], columns=CSV_COLUMNS) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), restval="")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def sign_in(page: Page, email: str) -> None:
    SignInPage(page).open().sign_in(email, PASSWORD)
    expect(page).to_have_url(DASHBOARD_URL)


def assert_accessible(page: Page, where: str) -> None:
    violations = axe_violations(page)
    assert not violations, f"{where}:\n{describe_violations(violations)}"


def import_file(page: Page, filename: str, data: bytes, *, javascript: bool = True):
    """Upload from the import page and wait on the job page until the import is done."""
    BulkImportPage(page).open().upload(filename, data)
    expect(page).to_have_url(JOB_URL)
    job = ImportJobPage(page)
    if not javascript:  # the page says to refresh; a person would click until it is done
        for _ in range(100):
            if "Done" in job.progress.inner_text():
                break
            job.refresh.click()
    expect(job.progress).to_contain_text("Done")
    return job


def expect_counts(job: ImportJobPage, created: int, updated: int, failed: int) -> None:
    expect(job.count("created")).to_have_text(str(created))
    expect(job.count("updated")).to_have_text(str(updated))
    expect(job.count("failed")).to_have_text(str(failed))


def download_rows(page: Page, link) -> list[dict]:
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename.endswith("-failed-rows.csv")
    return list(csv.DictReader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))


@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "no-js"])
def test_a_reupload_updates_instead_of_duplicating(new_page, make_recruiter, javascript):
    page = new_page(java_script_enabled=javascript)
    sign_in(page, make_recruiter().recruiter_email)
    first = import_file(page, "pool.csv", csv_bytes([ROW, BO]), javascript=javascript)
    expect_counts(first, 2, 0, 0)
    if javascript:  # axe runs in the page: only where scripts run
        assert_accessible(page, "/candidates/bulk/<id> (created)")

    changed = {**ROW, "email": "ADA@example.test", "headline": "Chief Product Officer"}
    again = import_file(page, "pool.csv", csv_bytes([changed, BO]), javascript=javascript)

    expect_counts(again, 0, 2, 0)
    page.goto("/candidates")
    expect(page.locator("main").get_by_text("Ada Product")).to_have_count(1)
    expect(page.locator("main")).to_contain_text("Chief Product Officer")
    BulkImportPage(page).open()
    expect(page.locator("main")).to_contain_text("0 created, 2 updated, 0 failed of 2")
    if javascript:
        assert_accessible(page, "/candidates/bulk")


@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "no-js"])
def test_failed_rows_download_fix_and_upload_again(new_page, make_recruiter, javascript):
    page = new_page(java_script_enabled=javascript)
    sign_in(page, make_recruiter().recruiter_email)
    bulk = BulkImportPage(page).open()
    with page.expect_download() as info:
        bulk.template.click()
    template = Path(info.value.path()).read_text(encoding="utf-8")
    assert template.splitlines()[0] == ",".join(CSV_COLUMNS)

    rows = [ROW] + [{**BO, "name": f"Bad {n}", "email": f"bad-{n}"} for n in range(3)]
    job = import_file(page, "pool.csv", csv_bytes(rows), javascript=javascript)
    expect_counts(job, 1, 0, 3)
    expect(job.failures).to_contain_text("3 rows not imported")
    expect(job.failures.get_by_text("Enter a valid email address.")).to_have_count(1)
    if javascript:
        assert_accessible(page, "/candidates/bulk/<id> (failures)")

    failed = download_rows(page, job.download)
    assert [row["error"] for row in failed] == ["email: Enter a valid email address."] * 3
    for number, row in enumerate(failed):
        row["email"] = f"fixed-{number}@example.test"
    fixed = csv_bytes(failed, [*CSV_COLUMNS, "error"])

    again = import_file(page, "pool-failed-rows.csv", fixed, javascript=javascript)
    expect_counts(again, 3, 0, 0)
    expect(again.failures).to_be_empty()


def test_progress_moves_without_a_reload_and_the_failures_stay_put(
    page, make_recruiter, app, browser_errors
):
    """The page polls only its progress while the import runs; the finished import brings
    its failures once."""
    from portal.extensions import db
    from portal.models import ImportFailure, ImportJob
    from portal.models.types import utcnow

    organisation = make_recruiter()
    sign_in(page, organisation.recruiter_email)
    with app.app_context():
        job = ImportJob(  # as a live worker holds it (its lease renewed as it goes)
            organisation_id=organisation.organisation_id,
            filename="slow.csv",
            kind="csv",
            status="running",
            worker="browser-test:1",
            lease_until=utcnow() + timedelta(hours=1),
            attempts=1,
            total=100,
            processed=10,
            succeeded=10,
            columns=list(CSV_COLUMNS),
        )
        db.session.add(job)
        db.session.commit()
        job_id = job.id
        db.session.remove()

    page.goto(f"/candidates/bulk/{job_id}")
    view = ImportJobPage(page)
    expect(view.bar).to_have_attribute("value", "10")
    page.evaluate("document.querySelector('#job_failures').dataset.marker = 'untouched'")

    with app.app_context():
        running = db.session.get(ImportJob, job_id)
        running.processed, running.succeeded = 60, 58
        db.session.commit()
        db.session.remove()
    expect(view.bar).to_have_attribute("value", "60")  # the poll, no reload
    expect(view.count("failed")).to_have_text("2")
    assert page.evaluate("document.querySelector('#job_failures').dataset.marker") == "untouched"

    with app.app_context():
        done = db.session.get(ImportJob, job_id)
        done.processed, done.status = 100, "done"
        done.problems = [
            {"field": "email", "message": "Enter a valid email address.", "rows": 42, "first": "3"}
        ]
        db.session.add(
            ImportFailure(job_id=job_id, position=1, ref="3", name="Late Row", errors={})
        )
        db.session.commit()
        db.session.remove()
    expect(view.progress).to_contain_text("Done")
    expect(view.failures).to_contain_text("Late Row")  # brought once, out of band
    expect(view.failures).to_contain_text("Enter a valid email address.")
    assert_accessible(page, "/candidates/bulk/<id> (finished while watched)")


@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "no-js"])
def test_cancel_an_import_and_find_it_in_the_list(new_page, make_recruiter, app, javascript):
    """A queued import (no worker has taken it) is cancelled from its page: with htmx after the
    browser's confirm, without JavaScript on a confirm page; the list of imports shows it."""
    from sqlalchemy import select

    from portal.extensions import db
    from portal.models import User
    from portal.services.access import Actor
    from portal.services.bulk_import import start_import

    organisation = make_recruiter()
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == organisation.recruiter_email))
        job = start_import(db.session, Actor.for_user(user), "waiting.csv", csv_bytes([ROW]), "")
        job_id = job.id
        db.session.remove()
    page = new_page(java_script_enabled=javascript)
    sign_in(page, organisation.recruiter_email)
    page.goto(f"/candidates/bulk/{job_id}")
    progress = page.locator("#job_progress")
    expect(progress).to_contain_text("Queued")
    expect(progress).to_contain_text("Waiting for a worker to start it.")
    if javascript:
        assert_accessible(page, "/candidates/bulk/<id> (queued)")
        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_role("button", name="Cancel import").click()
    else:
        page.get_by_role("button", name="Cancel import").click()
        expect(
            page.get_by_role("heading", name="Cancel the import of waiting.csv?")
        ).to_be_visible()
        page.get_by_role("button", name="Cancel import").click()

    expect(page).to_have_url(re.compile(rf"/candidates/bulk/{job_id}$"))
    expect(page.get_by_role("status")).to_contain_text("The import is cancelled.")
    expect(progress).to_contain_text("Cancelled")
    expect(page.get_by_role("button", name="Cancel import")).to_have_count(0)
    if javascript:
        assert_accessible(page, "/candidates/bulk/<id> (cancelled)")

    page.get_by_role("link", name="All imports").click()
    expect(page).to_have_url(re.compile(r"/candidates/imports$"))
    row = page.locator(f"tr[data-job='{job_id}']")
    expect(row).to_contain_text("waiting.csv")
    expect(row).to_contain_text("Cancelled")
    if javascript:
        assert_accessible(page, "/candidates/imports")
