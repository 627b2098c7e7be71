"""Real resumes import (issue 9, journey 2) in a real browser, with and without JavaScript: the
JSON Resume project's own sample (an empty profile URL, scheme-less work and project URLs)
imports with the left-out values listed on the review, and importing into a profile that has
self-assessments keeps them, the review listing each change before it is saved."""

import json
import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.conftest import PASSWORD, unique_email
from tests.test_resume_tolerance import PUBLIC_SAMPLE, SAMPLE_WARNINGS, product_resume

from .pages import (
    ProfileForm,
    ResumeImport,
    SelfAssessment,
    SignInPage,
    axe_violations,
    describe_violations,
    sign_up_candidate,
)

DASHBOARD_URL = re.compile(r"/dashboard$")
PROFILE_URL = re.compile(r"/profile$")
CANDIDATE_URL = re.compile(r"/candidates/\d+$")
JS = pytest.mark.parametrize("java_script", [True, False], ids=["js", "no-js"])


class ResumeReview(ResumeImport):
    """The review step of /profile/import or /candidates/import: warnings and merge changes."""

    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.left_out = page.get_by_role("article").filter(
            has=page.get_by_role("heading", name=re.compile(r"^Left out of the import"))
        )
        self.changes = page.get_by_role("table", name="What saving changes in your profile")
        self.kept = page.locator("#kept")
        self.add = page.get_by_role("button", name="Add this candidate")

    def change(self, field: str) -> Locator:
        """The cells (now, after saving) of the change row headed `field`."""
        return (
            self.changes.get_by_role("row")
            .filter(has=self.page.get_by_role("rowheader", name=field, exact=True))
            .get_by_role("cell")
        )

    def upload(self, path) -> None:
        self.file.set_input_files(str(path))
        self.read.click()
        expect(self.review).to_be_visible()


def assert_accessible(page: Page, where: str, scanner: Page | None = None) -> None:
    """The axe scan of `page` as it is now. axe needs timers, which a page without JavaScript
    never runs, so such a page is scanned as a copy of its HTML in `scanner` (a JavaScript page
    of the same site, so its stylesheets load and colour contrast is checked too)."""
    if scanner is not None:
        scanner.goto("/signin")  # any page of the site: the copy's stylesheets resolve
        scanner.set_content(page.content())
        page = scanner
    violations = axe_violations(page)
    assert not violations, f"{where}:\n{describe_violations(violations)}"


def open_page(new_page, java_script: bool) -> tuple[Page, Page | None]:
    """A page with or without JavaScript, and the scanner its axe scans need."""
    page = new_page(java_script_enabled=java_script)
    return page, None if java_script else new_page()


def resume_file(tmp_path, document, name="resume.json"):
    path = tmp_path / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


@JS
def test_the_public_sample_resume_imports_with_its_left_out_values_listed(
    new_page, tmp_path, java_script
):
    page, scanner = open_page(new_page, java_script)
    sign_up_candidate(page, "Sample Reader", unique_email("sample"), PASSWORD)
    expect(page).to_have_url(DASHBOARD_URL)

    review = ResumeReview(page).open()
    review.upload(resume_file(tmp_path, PUBLIC_SAMPLE))
    expect(review.found("Name")).to_have_text("Richard Hendriks")
    expect(review.left_out.get_by_role("heading")).to_have_text("Left out of the import (3)")
    for path in SAMPLE_WARNINGS:
        expect(review.left_out.locator("code", has_text=path)).to_have_count(1)
    expect(review.left_out).to_contain_text('"project.com" is not a full web address')
    assert_accessible(page, "/profile/import (review with warnings)", scanner)

    review.save.click()
    expect(page).to_have_url(PROFILE_URL)
    form = ProfileForm(page)
    expect(form.name).to_have_value("Richard Hendriks")
    expect(form.headline).to_have_value("Programmer")
    expect(form.education).to_have_value("bachelor")


@JS
def test_a_recruiter_adds_the_public_sample_resume_seeing_what_was_left_out(
    new_page, tmp_path, make_recruiter, java_script
):
    organisation = make_recruiter()
    page, scanner = open_page(new_page, java_script)
    SignInPage(page).open().sign_in(organisation.recruiter_email, PASSWORD)
    expect(page).to_have_url(DASHBOARD_URL)

    page.goto("/candidates/import")
    review = ResumeReview(page)
    review.upload(resume_file(tmp_path, PUBLIC_SAMPLE))
    expect(review.left_out.locator("li")).to_have_count(3)
    assert_accessible(page, "/candidates/import (review with warnings)", scanner)
    review.add.click()
    expect(page).to_have_url(CANDIDATE_URL)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Richard Hendriks")


@JS
def test_importing_into_a_profile_keeps_its_self_assessments_and_lists_each_change(
    new_page, tmp_path, java_script
):
    page, scanner = open_page(new_page, java_script)
    sign_up_candidate(page, "Casey Merge", unique_email("merge"), PASSWORD)
    expect(page).to_have_url(DASHBOARD_URL)

    assessment = SelfAssessment(page).open()
    assessment.level("product-strategy", 2).check()
    assessment.evidence("product-strategy").fill("My own honest view")
    assessment.save("product-strategy").click()
    expect(assessment.card("product-strategy")).to_contain_text("assessed at 2")
    assessment.settled()

    review = ResumeReview(page).open()
    review.upload(resume_file(tmp_path, product_resume()))
    expect(review.change("Name")).to_have_text(["Casey Merge", "Pat Product"])
    expect(review.change("Headline")).to_have_text(["—", "VP Product"])
    expect(review.change("Years in product roles")).to_have_text(["0.0", "4.0"])
    expect(review.change("Self-assessment: Data-driven decision making")).to_have_text(
        ["not assessed", "level 4 (suggested)"]
    )
    expect(review.kept).to_have_text(
        "Product strategy and vision: your level 2 is kept (the resume suggests 5)"
    )
    expect(review.left_out).to_be_visible()
    assert_accessible(page, "/profile/import (merge review)", scanner)

    review.save.click()
    expect(page).to_have_url(PROFILE_URL)
    expect(ProfileForm(page).name).to_have_value("Pat Product")

    assessment.open()
    expect(assessment.progress).to_have_text("2 of 14 assessed")
    expect(assessment.level("product-strategy", 2)).to_be_checked()
    expect(assessment.evidence("product-strategy")).to_have_value("My own honest view")
    expect(assessment.level("data-driven-decision-making", 4)).to_be_checked()
