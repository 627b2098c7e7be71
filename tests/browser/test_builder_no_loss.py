"""The scorecard builder keeps what the user types: a save in one part never replaces unsaved
text in another, Enter saves an outcome, competency rows save on change, a refused stale edit
keeps the user's text beside the current version, focus stays put, and it fits a phone."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD
from tests.test_pages_scorecards import add_colleague

from .pages import ScorecardBuilder, SignInPage, axe_violations, describe_violations

SLUG = "technology-product-architecture"
NAME = "Technology and product architecture"
MISSION = "Lead product across three markets,\nand make it profitable"
STALE = "This scorecard was changed by someone else"
BUILDER_URL = re.compile(r"/scorecards/\d+$")


def assert_accessible(page: Page, where: str) -> None:
    violations = axe_violations(page)
    assert not violations, f"{where}:\n{describe_violations(violations)}"


def open_benchmark(page: Page, email: str) -> ScorecardBuilder:
    SignInPage(page).open().sign_in(email, PASSWORD)
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    page.goto("/scorecards")
    page.get_by_role("button", name="Start from the CPO benchmark").click()
    expect(page).to_have_url(BUILDER_URL)
    # htmx redirects with a full page load: until htmx has set the page up, a click is a plain
    # form post (which works, but puts focus back at the top of the page).
    page.wait_for_load_state()
    builder = ScorecardBuilder(page)
    expect(builder.weight(SLUG)).to_have_value("3")
    return builder


def outcome(page: Page, number: int):
    return page.get_by_role("textbox", name=f"Outcome {number}", exact=True)


def save_state(page: Page):
    return page.locator("#save-state")


def focused_id(page: Page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def no_sideways_scroll(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_changing_a_weight_keeps_the_mission_being_typed(page, make_recruiter):
    builder = open_benchmark(page, make_recruiter().recruiter_email)
    builder.mission.fill(MISSION)  # typed, not saved
    expect(save_state(page)).to_have_text("Unsaved changes: Title and mission")

    builder.weight(SLUG).focus()
    builder.weight(SLUG).select_option("5")  # saves on change
    expect(builder.share(NAME)).to_contain_text("10.2 %")
    builder.settled()

    expect(builder.mission).to_have_value(MISSION)
    assert focused_id(page) == f"weight-{SLUG}"
    expect(save_state(page)).to_have_text("Unsaved changes: Title and mission")

    builder.save_basics.click()
    expect(save_state(page)).to_have_text("All changes saved")
    builder.settled()
    expect(builder.weight(SLUG)).to_have_value("5")
    page.reload()
    expect(builder.mission).to_have_value(MISSION)
    expect(builder.weight(SLUG)).to_have_value("5")
    assert_accessible(page, "the builder")


def test_enter_in_an_outcome_saves_that_outcome(page, make_recruiter):
    builder = open_benchmark(page, make_recruiter().recruiter_email)
    second = outcome(page, 2)
    outcome(page, 3).fill("Unsaved third outcome")
    second.fill("Ship the pricing page")
    second.press("Enter")
    expect(save_state(page)).to_contain_text("Unsaved changes: Outcomes")
    builder.settled()
    expect(second).to_have_value("Ship the pricing page")  # no new line: Enter saved it
    assert focused_id(page) == "outcome-1"
    expect(outcome(page, 3)).to_have_value("Unsaved third outcome")  # kept, still unsaved

    page.reload()
    expect(outcome(page, 2)).to_have_value("Ship the pricing page")
    expect(outcome(page, 3)).not_to_have_value("Unsaved third outcome")


def test_a_competency_row_saves_on_change_without_a_button(page, make_recruiter):
    builder = open_benchmark(page, make_recruiter().recruiter_email)
    expect(builder.save_competency(NAME)).to_be_hidden()
    builder.target(SLUG).focus()
    builder.target(SLUG).select_option("5")
    expect(save_state(page)).to_have_text("All changes saved")
    expect(builder.descriptor(SLUG)).to_contain_text("At level 5:", use_inner_text=False)
    builder.settled()
    assert focused_id(page) == f"target-{SLUG}"

    must = page.locator(f"#must-{SLUG}")
    must.focus()
    must.check()
    expect(builder.summary).to_contain_text("7 must-haves")
    builder.settled()
    assert focused_id(page) == f"must-{SLUG}"
    page.reload()
    expect(builder.target(SLUG)).to_have_value("5")
    expect(must).to_be_checked()


def test_moving_an_outcome_keeps_focus_on_it(page, make_recruiter):
    builder = open_benchmark(page, make_recruiter().recruiter_email)
    first, second = outcome(page, 1).input_value(), outcome(page, 2).input_value()
    page.get_by_role("button", name="Move outcome 2 up").click()
    expect(outcome(page, 1)).to_have_value(second)
    expect(outcome(page, 2)).to_have_value(first)
    builder.settled()
    # The moved outcome is now first: its "up" is disabled, so focus is on its "down".
    expect(page.get_by_role("button", name="Move outcome 1 down")).to_be_focused()

    page.get_by_role("button", name="Move outcome 1 down").click()
    expect(outcome(page, 2)).to_have_value(second)
    builder.settled()
    expect(page.get_by_role("button", name="Move outcome 2 down")).to_be_focused()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_a_stale_edit_keeps_the_users_text_beside_the_current_version(
    app, new_page, make_recruiter, browser_errors, javascript
):
    recruiter = make_recruiter()
    first = new_page(java_script_enabled=javascript)
    second = new_page(java_script_enabled=javascript)
    mine = open_benchmark(first, recruiter.recruiter_email)
    scorecard_id = mine.scorecard_id()
    browser_errors.allow_status(409, f"/scorecards/{scorecard_id}/basics")
    SignInPage(second).open().sign_in(add_colleague(app, recruiter), PASSWORD)
    expect(second).to_have_url(re.compile(r"/dashboard$"))
    theirs = ScorecardBuilder(second).open(scorecard_id)

    mine.mission.fill("Their mission, saved first")
    mine.save_basics.click()
    expect(mine.mission).to_have_value("Their mission, saved first")

    theirs.mission.fill(MISSION)
    theirs.save_basics.click()
    section = second.locator("#basics")
    expect(section.get_by_role("alert")).to_contain_text(STALE)
    expect(theirs.mission).to_have_value(MISSION)  # the user's text stays on screen
    expect(section.locator(".stale-current").last).to_contain_text("Their mission, saved first")
    if javascript:
        expect(second.locator("#save-state")).to_contain_text("Not saved")
        assert_accessible(second, "the builder after a refused stale edit")

    theirs.save_basics.click()  # re-apply: the part now carries the current revision
    expect(section.get_by_role("alert")).to_have_count(0)
    expect(theirs.mission).to_have_value(MISSION)
    mine.open(scorecard_id)
    expect(mine.mission).to_have_value(MISSION)


@pytest.mark.parametrize("width", [360, 390])
def test_the_builder_fits_a_phone(new_page, make_recruiter, width):
    page = new_page(viewport={"width": width, "height": 800})
    builder = open_benchmark(page, make_recruiter().recruiter_email)
    assert no_sideways_scroll(page), page.evaluate("document.documentElement.scrollWidth")

    row = page.locator(f"#competency-{SLUG}")
    box = row.bounding_box()
    assert box["height"] < 150, box  # a compact row: name, then weight, target, must-have
    descriptor = builder.descriptor(SLUG)
    expect(descriptor).to_be_hidden()  # the level descriptor is shown on demand
    row.locator("summary").click()
    expect(descriptor).to_be_visible()

    builder.weight(SLUG).select_option("4")
    expect(builder.share(NAME)).to_contain_text("8.3 %")  # 4 of 48
    builder.settled()
    assert no_sideways_scroll(page)
    assert_accessible(page, f"the builder at {width} px")


def test_without_javascript_rows_and_outcomes_save_with_their_buttons(new_page, make_recruiter):
    page = new_page(java_script_enabled=False)
    builder = open_benchmark(page, make_recruiter().recruiter_email)
    builder.mission.fill(MISSION)
    builder.weight(SLUG).select_option("5")
    builder.save_competency(NAME).click()
    expect(page).to_have_url(BUILDER_URL)
    expect(builder.share(NAME)).to_contain_text("10.2 %")

    second = outcome(page, 2).input_value()
    outcome(page, 1).fill("Edited first outcome, not saved")
    page.get_by_role("button", name="Move outcome 2 up").click()
    expect(outcome(page, 1)).to_have_value(second)
    expect(outcome(page, 2)).to_have_value("Edited first outcome, not saved")  # kept, moved
    expect(page.locator("#outcomes")).to_contain_text("Not saved yet.")
    page.get_by_role("button", name="Save outcome 2").click()
    expect(outcome(page, 2)).to_have_value("Edited first outcome, not saved")
    expect(page.locator("#outcomes")).not_to_contain_text("Not saved yet.")
