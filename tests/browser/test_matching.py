"""Matching in a real browser: a recruiter ranks candidates on the board, tries a what-if weight,
turns blind mode on and reveals one, opens a match page and compares three; a candidate reads
their readiness report. Each journey is scanned with axe, and each also runs without JavaScript."""

import re

import pytest
from playwright.sync_api import Page, expect

from portal.extensions import db
from portal.services import candidates, scorecards
from tests.test_pages_matches import actor_for
from tests.test_pages_readiness import SELF_LEVELS, VP_PRODUCT, make_role, prepare_candidate, share

from .pages import MatchBoard, Nav, ScorecardList, axe_violations, describe_violations
from .test_scorecards import sign_in

STRATEGY = "product-strategy"
LEADERSHIP = "team-leadership"
DATA = "data-driven-decision-making"
LEADERSHIP_NAME = "Team leadership and talent development"
# Equal weights 3 and targets 4, no must-haves, no requirements.
ROLE = {
    "title": "Chief Product Officer",
    "competencies": [
        {"competency": slug, "weight": 3, "target_level": 4, "must_have": False}
        for slug in (STRATEGY, LEADERSHIP, DATA)
    ],
    "requirements": {"min_years_product": 0, "min_years_leadership": 0, "education": "none"},
}
# name: (strategy, leadership, data)
PEOPLE = {
    "Ada Allround": (4, 4, 4),  # 100
    "Bo Strategist": (4, 1, 3),  # (4 + 1 + 3) / 12 = 66.7; with leadership weighing 5: 59.1
    "Cy Leader": (1, 4, 2),  # (1 + 4 + 2) / 12 = 58.3; with leadership weighing 5: 65.9
}
ORDER = ["Ada Allround", "Bo Strategist", "Cy Leader"]
WHAT_IF_ORDER = ["Ada Allround", "Cy Leader", "Bo Strategist"]
BLIND_LABEL = re.compile(r"^Candidate [0-9A-Z]+$")
BOARD_URL = re.compile(r"/scorecards/\d+/matches(\?.*)?$")
MATCH_URL = re.compile(r"/scorecards/\d+/matches/\d+(\?.*)?$")
COMPARE_URL = re.compile(r"/scorecards/\d+/compare\?.*$")
ROLES_URL = re.compile(r"/roles$")
REPORT_URL = re.compile(r"/roles/\d+$")


def assert_accessible(page: Page, javascript: bool, where: str) -> None:
    """The axe scan; page.evaluate (and so axe) never returns in a page without JavaScript, so
    the no-JS journeys visit the same pages the scanned journeys do."""
    if not javascript:
        return
    violations = axe_violations(page)
    assert not violations, f"axe found problems on {where}:\n{describe_violations(violations)}"


@pytest.fixture
def recruiter(app, make_recruiter):
    """A recruiter whose organisation has a published role and three assessed candidates."""
    organisation = make_recruiter()
    with app.app_context():
        actor = actor_for(organisation.recruiter_email)
        scorecard = scorecards.create_scorecard(db.session, actor, ROLE)
        scorecards.publish(db.session, actor, scorecard.id, scorecard.revision)
        for name, levels in PEOPLE.items():
            assessments = [
                {"competency": slug, "level": level, "evidence": f"{name} at {level}"}
                for slug, level in zip((STRATEGY, LEADERSHIP, DATA), levels, strict=True)
            ]
            candidates.create_candidate(
                db.session,
                actor,
                {"name": name, "headline": f"Headline of {name}", "assessments": assessments},
            )
        db.session.remove()
    return organisation


def apply(board: MatchBoard, javascript: bool) -> None:
    """Without JavaScript the filter and what-if form is sent with its submit button."""
    if javascript:
        board.settled()
    else:
        board.update.click()
    expect(board.page).to_have_url(BOARD_URL)


@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "no-js"])
def test_recruiter_ranks_tries_a_what_if_goes_blind_and_compares(new_page, recruiter, javascript):
    page = new_page(java_script_enabled=javascript)
    sign_in(page, recruiter.recruiter_email)

    ScorecardList(page).open()
    assert_accessible(page, javascript, "the scorecard list")
    page.get_by_role("link", name=f"Match candidates for {ROLE['title']}").click()
    expect(page).to_have_url(BOARD_URL)
    board = MatchBoard(page)
    expect(board.heading).to_have_text(f"Matches for {ROLE['title']}")
    expect(page.get_by_text("Matching version 1")).to_be_visible()
    expect(board.row_links).to_have_text(ORDER)
    expect(board.what_if_banner).to_have_count(0)
    assert_accessible(page, javascript, "the match board")

    board.open_what_if()
    board.weight(LEADERSHIP_NAME).select_option("5")
    apply(board, javascript)
    expect(board.row_links).to_have_text(WHAT_IF_ORDER)
    expect(board.what_if_banner).to_be_visible()
    assert_accessible(page, javascript, "the board with a what-if")

    page.get_by_role("button", name="Reset").or_(page.get_by_role("link", name="Reset")).click()
    expect(board.what_if_banner).to_have_count(0)
    expect(board.row_links).to_have_text(ORDER)

    board.blind.check()
    apply(board, javascript)
    for link in board.row_links.all():
        expect(link).to_have_text(BLIND_LABEL)
    for name in ORDER:
        expect(board.results.get_by_text(name)).to_have_count(0)
    expect(board.reveal_buttons).to_have_count(3)
    assert_accessible(page, javascript, "the blind board")

    first = board.row_links.first.inner_text()
    board.reveal_buttons.first.click()
    expect(board.row_links.first).to_have_text(ORDER[0])
    expect(board.reveal_buttons).to_have_count(2)
    assert first != ORDER[0]
    expect(board.row_links.nth(1)).to_have_text(BLIND_LABEL)
    assert_accessible(page, javascript, "the board after a reveal")

    hidden_label = board.row_links.last.inner_text()
    board.row_links.last.click()
    expect(page).to_have_url(MATCH_URL)
    expect(page.get_by_role("heading", level=1)).to_have_text(hidden_label)
    expect(page.locator("svg[role=img]").first).to_be_visible()
    plan = page.locator("section[aria-labelledby=plan-heading]")
    expect(plan.get_by_role("heading", name="Development plan")).to_be_visible()
    expect(plan.locator("ol.plan > li").first).to_be_visible()
    assert_accessible(page, javascript, "the match page")

    page.get_by_role("link", name="Back to the match board").click()
    expect(page).to_have_url(BOARD_URL)
    expect(board.compare_boxes).to_have_count(3)
    for index in range(3):
        board.compare_boxes.nth(index).check()
    board.compare.click()
    expect(page).to_have_url(COMPARE_URL)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Compare candidates for {ROLE['title']}"
    )
    overview = page.locator("section[aria-labelledby=overview-heading] table thead th")
    expect(overview).to_have_count(4)  # the row header and three candidates
    expect(overview.nth(1)).to_have_text(ORDER[0])  # the one revealed
    expect(overview.nth(2)).to_have_text(BLIND_LABEL)
    expect(page.locator("svg[role=img]").first).to_be_visible()
    assert_accessible(page, javascript, "the compare page")


@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "no-js"])
def test_candidate_reads_the_readiness_report_of_a_role(
    app, new_page, make_recruiter, make_candidate, javascript
):
    organisation, email = make_recruiter(), make_candidate()
    with app.app_context():
        prepare_candidate(email, SELF_LEVELS, years_product=5.5, years_leadership=2)
        share(email, organisation)
        make_role(organisation, VP_PRODUCT)
        db.session.remove()

    page = new_page(java_script_enabled=javascript)
    sign_in(page, email)
    roles_link = Nav(page).root.get_by_role("link", name="Roles", exact=True)
    roles_link.click()
    expect(page).to_have_url(ROLES_URL)
    expect(roles_link).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("heading", level=1)).to_have_text("Roles")
    benchmark = page.locator("section[aria-labelledby=benchmark-heading]")
    expect(benchmark.get_by_role("link", name="CPO benchmark").first).to_be_visible()
    roles = page.locator("section[aria-labelledby=roles-heading]")
    expect(roles.get_by_role("link", name="VP Product", exact=True)).to_be_visible()
    assert_accessible(page, javascript, "the roles page")

    roles.get_by_role("link", name="VP Product", exact=True).click()
    expect(page).to_have_url(REPORT_URL)
    expect(page.get_by_role("heading", level=1)).to_have_text("Readiness for VP Product")
    gaps = page.locator("section[aria-labelledby=gaps-heading] ol.gaps > li")
    expect(gaps).to_have_count(2)
    # data (2 levels x weight 2) before team leadership (3 levels x weight 1)
    expect(gaps.first.get_by_role("heading")).to_contain_text("Data")
    expect(gaps.nth(1).get_by_role("heading")).to_contain_text("Team leadership")
    expect(gaps.first).to_contain_text("Where you are")
    expect(gaps.first).to_contain_text("What the role needs")
    plan = page.locator("section[aria-labelledby=plan-heading] ol.plan > li")
    expect(plan.first).to_be_visible()
    expect(plan.first.locator("ul > li").first).to_be_visible()
    assert_accessible(page, javascript, "the readiness report")
