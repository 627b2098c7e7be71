"""A candidate's journey in a real browser: sign up, import a JSON Resume (review, then save),
adjust two self-assessments, share the profile, and the accessibility of each page."""

import json
import re

from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD, unique_email
from tests.conftest import SAMPLE_RESUME as RESUME

from .pages import (
    ProfileForm,
    ProfileNav,
    ResumeImport,
    SelfAssessment,
    SharingPage,
    axe_violations,
    describe_violations,
    sign_up_candidate,
)

DASHBOARD_URL = re.compile(r"/dashboard$")
PROFILE_URL = re.compile(r"/profile$")
ASSESSMENT_URL = re.compile(r"/profile/assessment(#.*)?$")
IMPORT_URL = re.compile(r"/profile/import$")
SHARING_URL = re.compile(r"/profile/sharing$")

ADJUSTED = [
    ("product-strategy", 4, "Wrote and ran the 3-year product strategy at Beta."),
    ("team-leadership", 3, "Hired and coached a team of five product managers."),
]


def assert_accessible(page: Page, where: str) -> None:
    violations = axe_violations(page)
    assert not violations, f"{where}:\n{describe_violations(violations)}"


def import_resume(page: Page, resume_file) -> None:
    ProfileNav(page).import_resume.click()
    expect(page).to_have_url(IMPORT_URL)
    importer = ResumeImport(page)
    importer.file.set_input_files(str(resume_file))
    importer.read.click()

    expect(importer.review).to_be_visible()
    expect(importer.found("Name")).to_have_text("Jordan Resume")
    expect(importer.found("Headline")).to_have_text("Head of Product, B2B SaaS")
    expect(importer.found("Years in product roles")).to_have_text("6.0")
    expect(importer.found("Years leading")).to_have_text("3.0")
    expect(importer.found("Education")).to_have_text("master")
    expect(importer.found("Certifications")).to_have_text(
        "Certified Scrum Product Owner, Pragmatic Marketing Certified"
    )
    suggestion = importer.review.get_by_role("row").filter(has_text="Data-driven decision making")
    expect(suggestion.get_by_role("cell").nth(1)).to_have_text("5")
    assert_accessible(page, "/profile/import (review)")

    importer.save.click()
    expect(page).to_have_url(PROFILE_URL)
    expect(page.locator("main")).to_contain_text("Your profile now shows what your resume says.")


def check_profile(page: Page) -> None:
    form = ProfileForm(page)
    expect(form.name).to_have_value("Jordan Resume")
    expect(form.headline).to_have_value("Head of Product, B2B SaaS")
    expect(form.years_product).to_have_value("6.0")
    expect(form.years_leadership).to_have_value("3.0")
    expect(form.education).to_have_value("master")
    expect(form.certifications).to_have_value(
        "Certified Scrum Product Owner\nPragmatic Marketing Certified"
    )


def adjust_assessments(page: Page) -> None:
    ProfileNav(page).assessment.click()
    expect(page).to_have_url(ASSESSMENT_URL)
    assessment = SelfAssessment(page)
    expect(assessment.progress).to_have_text("1 of 14 assessed")  # suggested by the resume
    expect(assessment.level("data-driven-decision-making", 5)).to_be_checked()
    assert_accessible(page, "/profile/assessment")

    for done, (slug, level, evidence) in enumerate(ADJUSTED, start=2):
        assessment.level(slug, level).check()
        assessment.evidence(slug).fill(evidence)
        assessment.save(slug).click()
        expect(assessment.progress).to_have_text(f"{done} of 14 assessed")
        expect(assessment.card(slug)).to_contain_text(f"assessed at {level}")
        expect(assessment.card(slug)).to_contain_text("saved")
        assessment.settled()

    assessment.open()
    expect(assessment.progress).to_have_text("3 of 14 assessed")
    for slug, level, evidence in ADJUSTED:
        expect(assessment.level(slug, level)).to_be_checked()
        expect(assessment.evidence(slug)).to_have_value(evidence)


def share_profile(page: Page, code: str) -> None:
    ProfileNav(page).sharing.click()
    expect(page).to_have_url(SHARING_URL)
    sharing = SharingPage(page)
    expect(sharing.root).to_contain_text("You share your profile with no organisation.")
    assert_accessible(page, "/profile/sharing")
    sharing.code.fill(code)  # the code a recruiter reads out (the link works here too)
    sharing.share.click()
    expect(page.locator("main")).to_contain_text("can now see your profile.")
    expect(
        sharing.root.get_by_role("button", name=re.compile(r"^Withdraw from Org "))
    ).to_be_visible()
    assert_accessible(page, "/profile/sharing (shared)")


def test_a_candidate_imports_a_resume_adjusts_assessments_and_shares(
    app, page, tmp_path, make_recruiter
):
    resume_file = tmp_path / "resume.json"
    resume_file.write_text(json.dumps(RESUME), encoding="utf-8")
    organisation = make_recruiter()

    sign_up_candidate(page, "Jordan Candidate", unique_email("journey"), PASSWORD)
    expect(page).to_have_url(DASHBOARD_URL)
    page.get_by_role("link", name="My profile").click()
    expect(page).to_have_url(PROFILE_URL)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your profile")
    expect(ProfileForm(page).name).to_have_value("Jordan Candidate")

    import_resume(page, resume_file)
    check_profile(page)
    assert_accessible(page, "/profile")

    adjust_assessments(page)
    share_profile(page, share_code(app, organisation))

    ProfileNav(page).profile.click()
    expect(page).to_have_url(PROFILE_URL)
    check_profile(page)


def test_an_invalid_resume_shows_the_failing_paths_and_nothing_is_saved(
    page, tmp_path, browser_errors
):
    # Wrong types (CONTRACT, issue 9: a value that breaks only a format is a warning instead).
    broken = {"basics": {"email": 42}, "work": [{"position": "PM", "startDate": 2019}]}
    resume_file = tmp_path / "broken.json"
    resume_file.write_text(json.dumps(broken), encoding="utf-8")
    browser_errors.allow_status(422, "/profile/import")

    sign_up_candidate(page, "Broken Resume", unique_email("broken"), PASSWORD)
    expect(page).to_have_url(DASHBOARD_URL)
    importer = ResumeImport(page).open()
    importer.file.set_input_files(str(resume_file))
    importer.read.click()

    expect(importer.alert).to_contain_text("nothing was saved")
    for path in ("basics.email", "work.0.startDate", "basics.name"):
        expect(importer.alert.locator("code", has_text=path)).to_have_count(1)
    expect(importer.review).to_have_count(0)
    assert_accessible(page, "/profile/import (errors)")

    form = ProfileForm(page).open()
    expect(form.name).to_have_value("Broken Resume")
    expect(form.years_product).to_have_value("0.0")


def share_code(app, organisation) -> str:
    """The share code the organisation's recruiters see on their dashboard."""
    from portal.extensions import db
    from portal.models import Organisation

    with app.app_context():
        code = db.session.get(Organisation, organisation.organisation_id).share_code
        db.session.remove()
    return code
