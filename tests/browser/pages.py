"""Page objects for the browser tests, and the axe-core accessibility scan."""

import re

from playwright.sync_api import Locator, Page, expect

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


class Nav:
    """The main navigation: links for visitors, or the account links and a "Sign out" button."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.root = page.get_by_role("navigation", name="Main")
        self.sign_in = self.root.get_by_role("link", name="Sign in", exact=True)
        self.sign_up = self.root.get_by_role("link", name="Sign up", exact=True)
        self.dashboard = self.root.get_by_role("link", name="Dashboard", exact=True)
        self.api_keys = self.root.get_by_role("link", name="API keys", exact=True)
        self.account = self.root.get_by_role("link", name="Account", exact=True)
        self.sign_out = self.root.get_by_role("button", name="Sign out", exact=True)


class SignUpPage:
    """/signup: the role radios, name, email, password and (for recruiters) organisation."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.recruiter = page.get_by_role("radio", name="a recruiter hiring a CPO")
        self.candidate = page.get_by_role("radio", name="an aspiring CPO")
        self.name = page.get_by_label("Your name")
        self.email = page.get_by_label("Email")
        self.password = page.get_by_label("Password")
        self.organisation = page.get_by_label("Organisation (recruiters)")
        self.submit = page.get_by_role("button", name="Create account")

    def open(self) -> "SignUpPage":
        self.page.goto("/signup")
        return self

    def sign_up_recruiter(self, name: str, email: str, password: str, organisation: str) -> None:
        self.recruiter.check()
        self.name.fill(name)
        self.email.fill(email)
        self.password.fill(password)
        self.organisation.fill(organisation)
        self.submit.click()


class SignInPage:
    """/signin: email and password, and the form-level error."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.email = page.get_by_label("Email")
        self.password = page.get_by_label("Password")
        self.submit = page.locator("main").get_by_role("button", name="Sign in")
        self.error = page.locator("main").get_by_role("alert")

    def open(self) -> "SignInPage":
        self.page.goto("/signin")
        return self

    def sign_in(self, email: str, password: str) -> None:
        self.email.fill(email)
        self.password.fill(password)
        self.submit.click()


class ApiKeysPage:
    """/api-keys: the create form, the once-shown secret and the organisation's keys table."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.heading = page.get_by_role("heading", level=1)
        self.name = page.get_by_role("textbox", name="Name")
        self.submit = page.get_by_role("button", name="Create key")
        self.secret = page.locator("#new-key")
        self.key_list = page.locator("#key_list")
        self.rows = self.key_list.locator("tbody tr")

    def open(self) -> "ApiKeysPage":
        self.page.goto("/api-keys")
        return self

    def scope(self, scope: str) -> Locator:
        return self.page.get_by_role("checkbox", name=scope, exact=True)

    def create(self, name: str, scopes: list[str]) -> str:
        """Create a key and return the secret shown once."""
        self.name.fill(name)
        for scope in scopes:
            self.scope(scope).check()
        self.submit.click()
        expect(self.secret).to_be_visible()
        return self.secret.inner_text().strip()

    def row(self, name: str) -> Locator:
        return self.rows.filter(has=self.page.get_by_role("cell", name=name, exact=True))

    def revoke_button(self, name: str) -> Locator:
        return self.row(name).get_by_role("button", name=f"Revoke {name}")
