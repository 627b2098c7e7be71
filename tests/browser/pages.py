"""Page objects for the browser tests, and the axe-core accessibility scan."""

import re

from playwright.sync_api import Locator, Page

from portal import PROJECT_ROOT

AXE_SCRIPT = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = ("serious", "critical")


class FrameworkIndex:
    """/framework: the competency search form and its htmx-swapped results."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.search = page.get_by_label("Search competencies")
        self.area = page.get_by_label("Skill area")
        self.submit = page.get_by_role("button", name="Search")
        self.results = page.locator("#results")
        self.cards = self.results.locator("article.card")
        self.competency_links = self.cards.get_by_role("link")

    def open(self, query: str = "") -> "FrameworkIndex":
        self.page.goto("/framework" + query)
        return self

    def area_headings(self) -> Locator:
        return self.results.get_by_role("heading", level=2)


class CompetencyPage:
    """/framework/competencies/<slug>: heading and the five-level ladder."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.heading = page.get_by_role("heading", level=1)
        self.rungs = page.locator("ol.ladder > li.rung")
        self.rung_titles = self.rungs.locator("strong")


LEVELS = ["1 · Foundational", "2 · Developing", "3 · Proficient", "4 · Advanced", "5 · Executive"]
SEARCH_URL = re.compile(r"/framework\?(.*&)?q=roadmap")


def axe_violations(page: Page) -> list[dict]:
    """Serious and critical axe-core violations on the page as it is now.

    axe is evaluated through the DevTools protocol, which the page's CSP does not govern, so the
    page keeps its real policy while it is scanned.
    """
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SCRIPT.read_text(encoding="utf-8"))
    violations = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return [v for v in violations if v.get("impact") in BLOCKING_IMPACTS]


def describe_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']}")
        for node in violation["nodes"]:
            lines.append(f"    {node['target']}: {node.get('failureSummary', '').strip()}")
    return "\n".join(lines)
