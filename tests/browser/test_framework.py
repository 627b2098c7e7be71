"""The framework pages in a real browser: htmx search, no-JS fallback, escaping, accessibility."""

import re

import pytest
from playwright.sync_api import expect

from .pages import (
    LEVELS,
    SEARCH_URL,
    CompetencyPage,
    FrameworkIndex,
    axe_violations,
    describe_violations,
)

XSS_QUERY = "<script>alert(1)</script>"


def expect_results_replaced_not_nested(page):
    """The swapped-in fragment is a whole `<section id="results">`: it must replace the old one."""
    expect(
        page.locator("[id=results]"),
        "the htmx swap must leave exactly one #results (a nested copy means innerHTML swap)",
    ).to_have_count(1)


def test_search_narrows_results_and_leads_to_a_competency(page):
    index = FrameworkIndex(page).open()
    expect(index.cards.first).to_be_visible()
    all_cards = index.cards.count()

    index.search.fill("roadmap")

    expect(page).to_have_url(SEARCH_URL)
    expect(index.cards).not_to_have_count(all_cards)
    expect_results_replaced_not_nested(page)
    expect(index.results).to_contain_text("Agile methodologies and roadmap prioritization")
    assert 0 < index.cards.count() < all_cards

    first = index.competency_links.first
    name = first.inner_text()
    first.click()

    competency = CompetencyPage(page)
    expect(page).to_have_url(re.compile(r"/framework/competencies/[\w-]+$"))
    expect(competency.heading).to_have_text(name)
    expect(competency.rungs).to_have_count(5)
    expect(competency.rung_titles).to_have_text(LEVELS)


def test_choosing_a_skill_area_shows_only_that_area(page):
    index = FrameworkIndex(page).open()
    expect(index.area_headings()).to_have_count(5)

    index.area.select_option(label="Technical knowledge and understanding")

    expect(page).to_have_url(re.compile(r"category=technical(&|$)"))
    expect(index.cards).to_have_count(2)
    expect_results_replaced_not_nested(page)
    expect(index.area_headings()).to_have_text(["Technical knowledge and understanding"])
    expect(index.results).to_contain_text("Technology and product architecture")
    expect(index.results).not_to_contain_text("Product strategy and vision")


@pytest.mark.parametrize("submit", ["enter", "button"])
def test_search_works_without_javascript(new_page, submit):
    page = new_page(java_script_enabled=False)
    index = FrameworkIndex(page).open()
    expect(index.cards.first).to_be_visible()
    all_cards = index.cards.count()

    index.search.fill("roadmap")
    if submit == "enter":
        index.search.press("Enter")
    else:
        index.submit.click()

    expect(page).to_have_url(SEARCH_URL)
    expect(index.results).to_contain_text("Agile methodologies and roadmap prioritization")
    assert 0 < index.cards.count() < all_cards


def test_a_script_in_the_query_is_shown_as_text(page):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    index = FrameworkIndex(page).open()
    expect(index.cards.first).to_be_visible()

    index.search.fill(XSS_QUERY)

    expect(index.cards).to_have_count(0)
    expect_results_replaced_not_nested(page)
    expect(index.results).to_contain_text(f"No competency matches “{XSS_QUERY}”")
    expect(index.results.locator("script")).to_have_count(0)
    assert dialogs == []


def test_a_script_in_the_url_query_is_shown_as_text(page):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    index = FrameworkIndex(page)
    page.goto("/framework?q=" + "%3Cscript%3Ealert(1)%3C%2Fscript%3E")

    expect(index.results).to_contain_text(f"No competency matches “{XSS_QUERY}”")
    expect(index.search).to_have_value(XSS_QUERY)
    expect(index.results.locator("script")).to_have_count(0)
    assert dialogs == []


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/framework",
        "/framework/competencies/product-strategy",
        "/framework/path",
        "/framework/benchmark",
    ],
)
def test_page_has_no_serious_accessibility_violations(page, path):
    response = page.goto(path)
    assert response is not None
    assert response.ok, f"{path} answered {response.status}"
    violations = axe_violations(page)
    assert not violations, f"axe found problems on {path}:\n{describe_violations(violations)}"


def test_first_tab_focuses_the_skip_link(page):
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()

    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))
    expect(page.locator("main#main")).to_be_focused()


def test_api_docs_render_from_our_own_files_under_the_csp(page):
    """Swagger UI loads from /static/vendor and shows the operations; any CSP error fails."""
    page.goto("/api/docs")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    expect(page.locator(".swagger-ui")).to_contain_text("/api/v1/competencies")
