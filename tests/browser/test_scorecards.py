"""The scorecard builder in a real browser: the htmx journey, the same without JavaScript,
a stale edit from a second session, and the accessibility of the list, builder and version."""

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD
from tests.test_pages_scorecards import add_colleague

from .pages import (
    ScorecardBuilder,
    ScorecardList,
    ScorecardVersionPage,
    SignInPage,
    axe_violations,
    describe_violations,
)

SLUG = "technology-product-architecture"
NAME = "Technology and product architecture"
NEW_OUTCOME = "Cut the time from idea to first customer test to 4 weeks within 6 months"
DASHBOARD_URL = re.compile(r"/dashboard$")
LIST_URL = re.compile(r"/scorecards$")
BUILDER_URL = re.compile(r"/scorecards/\d+$")
VERSION_URL = re.compile(r"/scorecards/\d+/versions/1$")
STALE = "This scorecard was changed by someone else"


def sign_in(page: Page, email: str) -> None:
    SignInPage(page).open().sign_in(email, PASSWORD)
    expect(page).to_have_url(DASHBOARD_URL)


def start_from_benchmark(page: Page) -> ScorecardBuilder:
    listing = ScorecardList(page)
    listing.nav_link.click()
    expect(page).to_have_url(LIST_URL)
    expect(listing.heading).to_have_text("Role scorecards")
    expect(listing.nav_link).to_have_attribute("aria-current", "page")
    listing.from_benchmark.click()
    expect(page).to_have_url(BUILDER_URL)
    page.wait_for_load_state()  # htmx's redirect is a full page load; htmx sets it up on load
    builder = ScorecardBuilder(page)
    expect(builder.heading).to_have_text("CPO benchmark")
    expect(builder.weight(SLUG)).to_have_value("3")
    expect(builder.target(SLUG)).to_have_value("3")
    expect(builder.share(NAME)).to_contain_text("6.4 %")  # 3 of the benchmark's 47
    return builder


def outcomes(page: Page):
    """The outcomes, multi-line text boxes since issue 9."""
    return page.locator("ol.outcomes textarea[name=outcomes]")


def level_description(page: Page, live_server: str, level: int) -> str:
    response = page.request.get(f"{live_server}/api/v1/competencies/{SLUG}")
    assert response.ok, response.status
    return response.json()["levels"][level - 1]["description"]


def download_json(page: Page, link) -> dict:
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename.endswith("-v1.json"), download.suggested_filename
    return json.loads(Path(download.path()).read_text(encoding="utf-8"))


def check_document(document: dict) -> None:
    assert document["title"] == "CPO benchmark"
    assert document["version"] == 1
    assert document["status"] == "published"
    entry = next(e for e in document["competencies"] if e["competency"] == SLUG)
    assert entry == {
        "competency": SLUG,
        "name": NAME,
        "weight": 5,
        "target_level": 5,
        "must_have": False,
    }
    assert document["outcomes"][-1] == NEW_OUTCOME
    assert len(document["outcomes"]) == 8


def assert_accessible(page: Page, where: str) -> None:
    violations = axe_violations(page)
    assert not violations, f"axe found problems on {where}:\n{describe_violations(violations)}"


def test_recruiter_builds_publishes_and_downloads_a_scorecard(page, make_recruiter, live_server):
    sign_in(page, make_recruiter().recruiter_email)
    builder = start_from_benchmark(page)
    assert_accessible(page, "the builder")

    builder.weight(SLUG).select_option("5")  # htmx saves on change
    expect(builder.share(NAME)).to_contain_text("10.2 %")  # 5 of 49
    expect(builder.weight(SLUG)).to_have_value("5")
    expect(page.locator("[id=builder]")).to_have_count(1)
    builder.settled()

    builder.target(SLUG).select_option("5")
    descriptor = builder.descriptor(SLUG)
    expect(descriptor).to_contain_text("At level 5:")
    expect(descriptor).to_contain_text(level_description(page, live_server, 5))
    expect(builder.target(SLUG)).to_have_value("5")
    builder.settled()

    builder.new_outcome.fill(NEW_OUTCOME)
    builder.add_outcome.click()
    expect(outcomes(page)).to_have_count(8)
    expect(outcomes(page).last).to_have_value(NEW_OUTCOME)
    expect(builder.new_outcome).to_have_value("")
    expect(builder.add_outcome).to_be_disabled()  # 8 is the most
    builder.settled()

    builder.publish.click()
    expect(builder.summary.locator(".flash")).to_have_text("Published version 1.")
    expect(builder.publish).to_have_text("Publish version 2")
    expect(builder.root.locator(".badge")).to_have_text("published")
    expect(page).to_have_url(BUILDER_URL)
    builder.settled()

    check_document(download_json(page, builder.json_links.first))

    page.get_by_role("link", name="view and print").click()
    expect(page).to_have_url(VERSION_URL)
    version = ScorecardVersionPage(page)
    expect(version.heading).to_have_text("CPO benchmark")
    expect(version.rows).to_have_count(12)
    row = version.rows.filter(has=page.get_by_role("rowheader", name=NAME))
    expect(row).to_contain_text(level_description(page, live_server, 5))
    expect(page.locator("main ol")).to_contain_text(NEW_OUTCOME)
    assert_accessible(page, "the version page")
    check_document(download_json(page, version.download))

    listing = ScorecardList(page)
    listing.nav_link.click()
    expect(page).to_have_url(LIST_URL)
    expect(listing.results.get_by_role("link", name="CPO benchmark", exact=True)).to_be_visible()
    expect(listing.results).to_contain_text("published")
    assert_accessible(page, "the list")


def test_the_journey_works_without_javascript(new_page, make_recruiter, live_server):
    page = new_page(java_script_enabled=False)
    sign_in(page, make_recruiter().recruiter_email)
    builder = start_from_benchmark(page)

    builder.weight(SLUG).select_option("5")
    expect(builder.share(NAME)).to_contain_text("6.4 %")  # nothing is saved before "Save"
    builder.save_competency(NAME).click()
    expect(page).to_have_url(BUILDER_URL)
    expect(builder.share(NAME)).to_contain_text("10.2 %")
    expect(builder.weight(SLUG)).to_have_value("5")

    builder.target(SLUG).select_option("5")
    builder.save_competency(NAME).click()
    expect(builder.descriptor(SLUG)).to_contain_text("At level 5:")
    expect(builder.descriptor(SLUG)).to_contain_text(level_description(page, live_server, 5))

    builder.new_outcome.fill(NEW_OUTCOME)
    builder.add_outcome.click()
    expect(outcomes(page)).to_have_count(8)
    expect(outcomes(page).last).to_have_value(NEW_OUTCOME)

    builder.publish.click()
    expect(page).to_have_url(BUILDER_URL)
    expect(builder.publish).to_have_text("Publish version 2")
    expect(builder.root.locator(".badge")).to_have_text("published")

    check_document(download_json(page, builder.json_links.first))


def test_searching_and_adding_a_competency(page, make_recruiter):
    sign_in(page, make_recruiter().recruiter_email)
    ScorecardList(page).nav_link.click()
    ScorecardList(page).blank.click()
    builder = ScorecardBuilder(page)
    expect(builder.heading).to_have_text("Untitled CPO role")
    expect(builder.warnings).to_contain_text("Add at least one competency before publishing.")

    options = page.locator("#competency_options")
    expect(options.locator("li")).to_have_count(14)  # the whole framework

    page.get_by_label("Search the framework").fill("roadmap")
    add = options.get_by_role("button", name="Add Agile methodologies and roadmap prioritization")
    expect(options.locator("li")).not_to_have_count(14)
    expect(add).to_be_visible()
    expect(page.locator("[id=competency_options]")).to_have_count(1)
    builder.settled()

    add.click()
    expect(builder.share("Agile methodologies and roadmap prioritization")).to_contain_text(
        "100.0 %"
    )
    expect(builder.warnings).to_contain_text("No must-haves")
    builder.settled()

    page.get_by_role("switch", name="Must-have").check()
    expect(builder.warnings).not_to_contain_text("No must-haves")
    expect(builder.summary).to_contain_text("1 must-have ·")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_a_stale_edit_is_refused_and_shows_the_latest_title(
    app, new_page, make_recruiter, browser_errors, javascript
):
    recruiter = make_recruiter()
    first = new_page(java_script_enabled=javascript)
    second = new_page(java_script_enabled=javascript)
    sign_in(first, recruiter.recruiter_email)
    sign_in(second, add_colleague(app, recruiter))
    mine = start_from_benchmark(first)
    scorecard_id = mine.scorecard_id()
    browser_errors.allow_status(409, f"/scorecards/{scorecard_id}/basics")
    theirs = ScorecardBuilder(second).open(scorecard_id)
    expect(theirs.heading).to_have_text("CPO benchmark")

    mine.title.fill("CPO, Payments")
    mine.save_basics.click()
    expect(mine.heading).to_have_text("CPO, Payments")

    theirs.title.fill("CPO, Lending")
    theirs.save_basics.click()
    expect(theirs.alert).to_contain_text(STALE)
    expect(theirs.heading).to_have_text("CPO, Payments")
    expect(theirs.title).to_have_value("CPO, Lending")  # the refused text stays (issue 9)
    expect(second.locator("#basics .stale-current").first).to_contain_text("CPO, Payments")
    expect(second.locator("[id=builder]")).to_have_count(1)
    if javascript:  # page.evaluate (and so axe) never returns in a page without JavaScript
        assert_accessible(second, "the builder with the stale-edit alert")

    theirs.save_basics.click()  # the form now carries the latest revision
    expect(theirs.heading).to_have_text("CPO, Lending")
    expect(theirs.alert).to_have_count(0)
    mine.open(scorecard_id)
    expect(mine.heading).to_have_text("CPO, Lending")


def test_deleting_a_draft_returns_to_the_list(page, make_recruiter):
    sign_in(page, make_recruiter().recruiter_email)
    builder = start_from_benchmark(page)
    scorecard_id = builder.scorecard_id()
    dialogs = []
    page.once("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))

    page.get_by_role("button", name="Delete draft").click()

    expect(page).to_have_url(LIST_URL)
    expect(page.locator("#scorecard_list")).to_contain_text("No scorecards yet.")
    assert dialogs == ["Delete the draft “CPO benchmark”? This cannot be undone."]
    assert page.request.get(f"/scorecards/{scorecard_id}").status == 404


def test_archiving_makes_the_builder_read_only_until_restored(page, make_recruiter):
    sign_in(page, make_recruiter().recruiter_email)
    builder = start_from_benchmark(page)
    builder.publish.click()
    expect(builder.summary.locator(".flash")).to_have_text("Published version 1.")
    builder.settled()
    dialogs = []
    page.once("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))

    page.get_by_role("button", name="Archive").click()

    expect(builder.summary.locator(".flash")).to_have_text("Archived.")
    assert dialogs == ["Archive “CPO benchmark”? It stops being used for matching."]
    expect(builder.title).to_be_disabled()
    expect(builder.weight(SLUG)).to_be_disabled()
    expect(builder.target(SLUG)).to_be_disabled()
    expect(outcomes(page).first).to_be_disabled()
    expect(builder.publish).to_have_count(0)
    expect(builder.save_basics).to_have_count(0)
    expect(builder.add_outcome).to_have_count(0)
    assert_accessible(page, "the archived builder")
    builder.settled()

    page.get_by_role("button", name="Restore").click()

    expect(builder.summary.locator(".flash")).to_have_text("Restored.")
    expect(builder.title).to_be_enabled()
    expect(builder.publish).to_have_text("Publish version 2")
