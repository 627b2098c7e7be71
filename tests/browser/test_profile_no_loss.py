"""Nothing a candidate or a recruiter types into a profile is lost: live checks never replace the
field being typed in, saving one self-assessment card keeps another card's unsaved choice, a
refused stale edit keeps the typed text beside the version saved meanwhile, and focus stays on
the control that was used; each with the axe scan, and the plain-form variants without
JavaScript."""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD

from .pages import (
    HeldRequests,
    ProfileForm,
    SelfAssessment,
    SignInPage,
    axe_violations,
    describe_violations,
)

DASHBOARD_URL = re.compile(r"/dashboard$")
PROFILE_URL = re.compile(r"/profile$")
CANDIDATE_URL = re.compile(r"/candidates/\d+$")
STALE = "changed elsewhere"
SAVED_MEANWHILE = "Saved meanwhile"


def assert_accessible(page: Page, where: str, javascript: bool = True) -> None:
    """The axe scan. axe runs in the page, and page.evaluate never returns in a page without
    JavaScript: there the same state is scanned by the JavaScript variant of the test."""
    if not javascript:
        return
    violations = axe_violations(page)
    assert not violations, f"{where}:\n{describe_violations(violations)}"


def sign_in(page: Page, email: str) -> None:
    SignInPage(page).open().sign_in(email, PASSWORD)
    expect(page).to_have_url(DASHBOARD_URL)


def settled(page: Page) -> None:
    expect(
        page.locator(".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added")
    ).to_have_count(0)


def replace_by_typing(page: Page, field, text: str) -> None:
    """Select what the field holds and type over it, key by key, as a person would."""
    field.click()
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def held_checks(page: Page) -> HeldRequests:
    """/profile/check answers held: a check's swap lands while the user types in the next field."""
    return HeldRequests(page, re.compile(r"/profile/check$"))


def current_version(page: Page, name: str):
    """The version saved meanwhile, shown under the field `name` after a refused stale edit."""
    return page.locator(f"#{name}-current")


# --- the profile: live checks never replace the field being typed in ----------------------------


def test_typing_while_a_field_is_checked_keeps_every_keystroke(page, make_candidate):
    sign_in(page, make_candidate())
    form = ProfileForm(page).open()
    expect(form.years_product).to_have_value("0.0")

    checks = held_checks(page)
    replace_by_typing(page, form.years_product, "8")
    page.keyboard.press("Tab")  # leaving the field checks it; the answer is slow
    page.keyboard.press("Control+A")
    page.keyboard.type("1")
    checks.release()  # the check's answer lands while the next field is being typed in
    settled(page)
    page.keyboard.type("2.5")  # typed after the check landed

    expect(form.years_leadership).to_be_focused()
    expect(form.years_leadership).to_have_value("12.5")
    expect(form.years_product).to_have_value("8")
    checks = held_checks(page)
    page.keyboard.press("Tab")  # a check of the leadership years starts...
    checks.held()  # (under load the browser may send it later than Save without this wait)
    form.save.click()  # ...Save follows while the check is still on its way...
    checks.release()  # ...and waits its turn: it is neither dropped nor lost

    expect(page).to_have_url(PROFILE_URL)
    expect(page.locator("main")).to_contain_text("Your profile is saved.")
    expect(form.years_product).to_have_value("8.0")
    expect(form.years_leadership).to_have_value("12.5")
    assert_accessible(page, "/profile (saved)")


def test_a_refused_value_is_reported_under_its_own_field_only(page, make_candidate, browser_errors):
    browser_errors.allow_status(422, "/profile/check")
    sign_in(page, make_candidate())
    form = ProfileForm(page).open()

    checks = held_checks(page)
    replace_by_typing(page, form.years_product, "61")
    page.keyboard.press("Tab")
    page.keyboard.press("Control+A")
    page.keyboard.type("4")
    checks.release()
    settled(page)
    page.keyboard.type("2")

    expect(page.locator("#years_product-error")).to_have_text("Years are between 0 and 60.")
    expect(page.locator("#years_leadership-error")).to_have_text("")
    expect(form.years_product).to_have_value("61")
    expect(form.years_leadership).to_be_focused()
    expect(form.years_leadership).to_have_value("42")
    assert_accessible(page, "/profile (a refused value)")

    # Nothing was saved by the check: the saved profile still says 0.
    form.open()
    expect(form.years_product).to_have_value("0.0")
    expect(form.years_leadership).to_have_value("0.0")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_a_refused_save_keeps_every_typed_value(
    new_page, make_candidate, browser_errors, javascript
):
    browser_errors.allow_status(422, "/profile")
    browser_errors.allow_status(422, "/profile/check")
    page = new_page(java_script_enabled=javascript)
    sign_in(page, make_candidate())
    form = ProfileForm(page).open()
    form.headline.fill("Head of Product")
    form.years_product.fill("61")
    form.years_leadership.fill("4")
    page.get_by_label("Summary").fill("Ran a platform group.\nGrew it to 30 people.")
    form.save.click()

    expect(page.locator("#years_product-error")).to_have_text("Years are between 0 and 60.")
    expect(form.years_product).to_have_attribute("aria-invalid", "true")
    expect(form.headline).to_have_value("Head of Product")
    expect(form.years_product).to_have_value("61")
    expect(form.years_leadership).to_have_value("4")
    expect(page.get_by_label("Summary")).to_have_value(
        "Ran a platform group.\nGrew it to 30 people."
    )
    if javascript:
        expect(form.save).to_be_focused()
    assert_accessible(page, "/profile (refused)", javascript)

    form.years_product.fill("6")
    form.save.click()
    expect(page.locator("main")).to_contain_text("Your profile is saved.")
    expect(form.years_product).to_have_value("6.0")
    expect(form.headline).to_have_value("Head of Product")


# --- the self-assessment: one card's save never clears another card -----------------------------


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_saving_one_card_keeps_another_cards_unsaved_choice(new_page, make_candidate, javascript):
    page = new_page(java_script_enabled=javascript)
    sign_in(page, make_candidate())
    cards = SelfAssessment(page).open()
    expect(cards.progress).to_have_text("0 of 14 assessed")

    cards.level("product-strategy", 3).check()
    cards.evidence("product-strategy").fill("Wrote the strategy, not saved yet")
    cards.level("team-leadership", 4).check()
    cards.evidence("team-leadership").fill("Led three teams")
    cards.save("team-leadership").click()

    expect(cards.progress).to_have_text("1 of 14 assessed")
    expect(cards.card("team-leadership")).to_contain_text("assessed at 4")
    expect(cards.level("team-leadership", 4)).to_be_checked()
    if javascript:
        settled(page)
        # The other card was never touched: its unsaved choice and text are still there.
        expect(cards.level("product-strategy", 3)).to_be_checked()
        expect(cards.evidence("product-strategy")).to_have_value(
            "Wrote the strategy, not saved yet"
        )
        expect(cards.save("team-leadership")).to_be_focused()
        assert_accessible(page, "/profile/assessment (one card saved)")
        # ...and it saves in turn, on the revision the first save left behind.
        cards.save("product-strategy").click()
        expect(cards.progress).to_have_text("2 of 14 assessed")
        expect(cards.card("product-strategy")).to_contain_text("assessed at 3")
        expect(cards.level("team-leadership", 4)).to_be_checked()
        settled(page)
        expect(cards.save("product-strategy")).to_be_focused()
    else:
        # A plain form post reloads the page at the saved card.
        expect(page).to_have_url(re.compile(r"/profile/assessment#c-team-leadership$"))

    cards.open()
    expect(cards.level("team-leadership", 4)).to_be_checked()
    expect(cards.evidence("team-leadership")).to_have_value("Led three teams")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_a_refused_stale_assessment_keeps_the_choice_and_text(
    new_page, make_candidate, browser_errors, javascript
):
    browser_errors.allow_status(422, "/profile/assessment")
    email = make_candidate()
    mine, other = new_page(java_script_enabled=javascript), new_page()
    sign_in(mine, email)
    sign_in(other, email)
    cards, elsewhere = SelfAssessment(mine).open(), SelfAssessment(other).open()

    elsewhere.level("product-strategy", 2).check()
    elsewhere.save("product-strategy").click()
    expect(elsewhere.progress).to_have_text("1 of 14 assessed")

    cards.level("product-strategy", 5).check()
    cards.evidence("product-strategy").fill("Set the company strategy with the board")
    cards.save("product-strategy").click()

    card = cards.card("product-strategy")
    expect(card.get_by_role("alert")).to_contain_text(STALE)
    expect(card).to_contain_text(f"{SAVED_MEANWHILE}: level 2")
    expect(cards.level("product-strategy", 5)).to_be_checked()
    expect(cards.evidence("product-strategy")).to_have_value(
        "Set the company strategy with the board"
    )
    assert_accessible(mine, "/profile/assessment (stale)", javascript)

    cards.save("product-strategy").click()  # re-applied over the version saved meanwhile
    expect(cards.card("product-strategy")).to_contain_text("assessed at 5")
    cards.open()
    expect(cards.level("product-strategy", 5)).to_be_checked()


# --- a refused stale edit keeps the typed text beside the current version -----------------------


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_a_refused_stale_profile_edit_keeps_the_text_beside_the_saved_version(
    new_page, make_candidate, browser_errors, javascript
):
    browser_errors.allow_status(422, "/profile")
    email = make_candidate()
    mine, other = new_page(java_script_enabled=javascript), new_page()
    sign_in(mine, email)
    sign_in(other, email)
    form, elsewhere = ProfileForm(mine).open(), ProfileForm(other).open()

    elsewhere.headline.fill("Saved in the other tab")
    elsewhere.save.click()
    expect(other.locator("main")).to_contain_text("Your profile is saved.")

    form.headline.fill("Typed in this tab")
    mine.get_by_label("Summary").fill("Two paragraphs\nI do not want to lose.")
    form.save.click()

    expect(mine.get_by_role("alert")).to_contain_text(STALE)
    expect(form.headline).to_have_value("Typed in this tab")
    expect(mine.get_by_label("Summary")).to_have_value("Two paragraphs\nI do not want to lose.")
    expect(current_version(mine, "headline")).to_contain_text("Saved in the other tab")
    expect(current_version(mine, "summary")).to_contain_text(SAVED_MEANWHILE)
    expect(current_version(mine, "name")).to_have_count(0)  # the same on both sides
    if javascript:
        expect(form.save).to_be_focused()
    assert_accessible(mine, "/profile (stale)", javascript)

    form.save.click()  # re-applied over the version saved meanwhile
    expect(mine).to_have_url(PROFILE_URL)
    expect(mine.locator("main")).to_contain_text("Your profile is saved.")
    expect(form.headline).to_have_value("Typed in this tab")
    expect(current_version(mine, "headline")).to_have_count(0)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_a_recruiters_refused_stale_edit_keeps_the_text_beside_the_saved_version(
    new_page, make_recruiter, browser_errors, javascript
):
    recruiter = make_recruiter().recruiter_email
    mine, other = new_page(java_script_enabled=javascript), new_page()
    sign_in(mine, recruiter)
    sign_in(other, recruiter)
    other.goto("/candidates/new")
    other.get_by_role("textbox", name="Name", exact=True).fill("Riley Candidate")
    other.get_by_role("button", name="Add candidate").click()
    expect(other).to_have_url(CANDIDATE_URL)
    url = other.url
    browser_errors.allow_status(409, urlsplit(url).path)
    mine.goto(url)

    other.get_by_role("textbox", name="Headline").fill("Edited by a colleague")
    other.get_by_role("button", name="Save", exact=True).click()
    expect(other.locator("main")).to_contain_text("Saved.")

    headline = mine.get_by_role("textbox", name="Headline")
    headline.fill("My careful rewrite")
    mine.get_by_role("button", name="Save", exact=True).click()

    expect(mine.get_by_role("alert")).to_contain_text(STALE)
    expect(headline).to_have_value("My careful rewrite")
    expect(current_version(mine, "headline")).to_contain_text("Edited by a colleague")
    assert_accessible(mine, "/candidates/<id> (stale)", javascript)

    mine.get_by_role("button", name="Save", exact=True).click()
    expect(mine.locator("main")).to_contain_text("Saved.")
    expect(headline).to_have_value("My careful rewrite")
