"""Page objects for the browser tests, and the axe-core accessibility scan."""

import re

from playwright.sync_api import Locator, Page, expect

from portal import PROJECT_ROOT
from tests.conftest import sign_up_link

AXE_SCRIPT = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = ("serious", "critical")


class HeldRequests:
    """Holds the browser's requests to `url` until released (a slow network), so that an
    answer lands while the user is typing; requests sent after the release go through.

    The route stays after the release, passing requests on: removing a page's last route turns
    Playwright's interception off and the next route turns it on again, and a request the
    browser sent between the two went past the new route unseen (about 1 run in 25 on a loaded
    machine: the server answered a check that the test was still waiting to hold)."""

    def __init__(self, page: Page, url: re.Pattern) -> None:
        self.page, self.url, self.routes, self.holding = page, url, [], True
        page.route(url, self.hold)

    def hold(self, route) -> None:
        if self.holding:
            self.routes.append(route)
        else:
            route.continue_()

    def held(self, within_ms: int = 15_000) -> None:
        """Wait, handling the browser's events, until a request has been sent and is held."""
        for _ in range(within_ms // 20):
            if self.routes:
                return
            self.page.wait_for_timeout(20)
        raise AssertionError(f"no request to {self.url.pattern} was sent within {within_ms} ms")

    def release(self) -> None:
        self.held()
        self.holding = False
        while self.routes:
            self.routes.pop(0).continue_()


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

    def send_recruiter(self, name: str, email: str, password: str, organisation: str) -> None:
        """Fill in and send the form as a recruiter: the inbox page, or the form's errors."""
        self.recruiter.check()
        self.name.fill(name)
        self.email.fill(email)
        self.password.fill(password)
        self.organisation.fill(organisation)
        self.submit.click()

    def sign_up_recruiter(self, name: str, email: str, password: str, organisation: str) -> None:
        """Sign up as a recruiter and confirm with the link mailed to the address."""
        self.send_recruiter(name, email, password, organisation)
        confirm_sign_up(self.page, email)


def confirm_sign_up(page: Page, email: str) -> None:
    """After the sign-up form: open the link mailed to `email` and press its button, which
    creates the account and signs in. The live server runs in the tests' process, so the link
    is read from the log mail backend's outbox."""
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your inbox")
    page.goto(sign_up_link(email))
    page.get_by_role("button", name="Create my account").click()


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


class ScorecardList:
    """/scorecards: the "start" buttons, the search form and the htmx-swapped list."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.nav_link = Nav(page).root.get_by_role("link", name="Scorecards", exact=True)
        self.heading = page.get_by_role("heading", level=1)
        self.from_benchmark = page.get_by_role("button", name="Start from the CPO benchmark")
        self.blank = page.get_by_role("button", name="Start blank")
        self.search = page.get_by_label("Search scorecards")
        self.status = page.get_by_label("Status")
        self.results = page.locator("#scorecard_list")

    def open(self) -> "ScorecardList":
        self.page.goto("/scorecards")
        return self


class ScorecardBuilder:
    """/scorecards/<id>: the builder's forms (htmx swaps all of `#builder`) and its summary."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.root = page.locator("#builder")
        self.heading = page.get_by_role("heading", level=1)
        self.alert = self.root.get_by_role("alert")
        self.notice = self.root.get_by_role("status")
        self.title = page.get_by_role("textbox", name="Title")
        self.mission = page.get_by_role("textbox", name="Mission")
        self.save_basics = page.get_by_role("button", name="Save title and mission")
        self.outcomes = page.locator("ol.outcomes input[name=outcomes]")
        self.new_outcome = page.get_by_role("textbox", name="New outcome")
        self.add_outcome = page.get_by_role("button", name="Add outcome")
        self.summary = page.locator("aside.builder-summary")
        self.warnings = self.summary.locator("ul.warnings")
        self.publish = page.get_by_role("button", name=re.compile(r"^Publish version \d+$"))
        self.json_links = page.get_by_role("link", name="JSON", exact=True)

    def open(self, scorecard_id: int) -> "ScorecardBuilder":
        self.page.goto(f"/scorecards/{scorecard_id}")
        return self

    def scorecard_id(self) -> int:
        match = re.search(r"/scorecards/(\d+)$", self.page.url)
        assert match, self.page.url
        return int(match.group(1))

    def weight(self, slug: str) -> Locator:
        return self.page.locator(f"#weight-{slug}")

    def target(self, slug: str) -> Locator:
        return self.page.locator(f"#target-{slug}")

    def descriptor(self, slug: str) -> Locator:
        return self.page.locator(f"#descriptor-{slug}")

    def save_competency(self, name: str) -> Locator:
        return self.page.get_by_role("button", name=f"Save {name}", exact=True)

    def share(self, name: str) -> Locator:
        """The summary line of one competency: its name and its share of the total weight."""
        return self.summary.locator("ul.shares > li").filter(
            has=self.page.get_by_text(name, exact=True)
        )

    def settled(self) -> None:
        """Wait until htmx has finished a request and processed the swapped-in builder.

        htmx binds the new forms only when the swap settles, so the next change must wait.
        """
        expect(
            self.page.locator(".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added")
        ).to_have_count(0)


class ScorecardVersionPage:
    """/scorecards/<id>/versions/<n>: the printable version and its JSON download."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.heading = page.get_by_role("heading", level=1)
        self.rows = page.locator("table.interview-sheet tbody tr")
        self.download = page.get_by_role("link", name="Download JSON")


def sign_up_candidate(page: Page, name: str, email: str, password: str) -> None:
    """Sign up on /signup as an aspiring CPO (no organisation) and confirm by the mailed link."""
    form = SignUpPage(page).open()
    form.candidate.check()
    form.name.fill(name)
    form.email.fill(email)
    form.password.fill(password)
    form.submit.click()
    confirm_sign_up(page, email)


class ProfileNav:
    """The navigation between a candidate's own pages."""

    def __init__(self, page: Page) -> None:
        self.root = page.get_by_role("navigation", name="Your profile")
        self.profile = self.root.get_by_role("link", name="Profile", exact=True)
        self.assessment = self.root.get_by_role("link", name="Self-assessment", exact=True)
        self.import_resume = self.root.get_by_role("link", name="Import a resume", exact=True)
        self.sharing = self.root.get_by_role("link", name="Sharing", exact=True)


class ProfileForm:
    """/profile: the candidate's own profile form."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.form = page.locator("#profile_form")
        self.name = page.get_by_role("textbox", name="Name", exact=True)
        self.headline = page.get_by_role("textbox", name="Headline")
        self.years_product = page.get_by_label("Years in product roles")
        self.years_leadership = page.get_by_label("Years leading people or functions")
        self.education = page.get_by_label("Highest education")
        self.certifications = page.get_by_label("Certifications")
        self.save = page.get_by_role("button", name="Save profile")

    def open(self) -> "ProfileForm":
        self.page.goto("/profile")
        return self


class ResumeImport:
    """/profile/import: the upload form, then the review of what the resume says."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.file = page.get_by_label("JSON Resume file")
        self.read = page.get_by_role("button", name="Read the resume")
        self.review = page.get_by_role("article").filter(
            has=page.get_by_role("heading", name="What we found")
        )
        self.save = page.get_by_role("button", name="Save to my profile")
        self.alert = page.get_by_role("alert")

    def open(self) -> "ResumeImport":
        self.page.goto("/profile/import")
        return self

    def found(self, term: str) -> Locator:
        """The review's value for `term` (the <dd> after the <dt>)."""
        return self.review.locator(f"dt:text-is('{term}') + dd")


class SelfAssessment:
    """/profile/assessment: one form per competency; htmx swaps all of `#assessments`."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.root = page.locator("#assessments")
        self.progress = self.root.get_by_role("status").first

    def open(self) -> "SelfAssessment":
        self.page.goto("/profile/assessment")
        return self

    def card(self, slug: str) -> Locator:
        return self.page.locator(f"#c-{slug}")

    def level(self, slug: str, level: int) -> Locator:
        return self.card(slug).get_by_role("radio", name=re.compile(rf"^{level} · "))

    def evidence(self, slug: str) -> Locator:
        return self.card(slug).get_by_role("textbox")

    def save(self, slug: str) -> Locator:
        return self.card(slug).get_by_role("button", name=re.compile(r"^Save "))

    def settled(self) -> None:
        expect(
            self.page.locator(".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added")
        ).to_have_count(0)


class SharingPage:
    """/profile/sharing: the organisations the profile is shared with, and the share form."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.code = page.get_by_label("Share code")
        self.share = page.get_by_role("button", name="Share my profile")
        self.root = page.locator("#sharing")

    def open(self) -> "SharingPage":
        self.page.goto("/profile/sharing")
        return self


class MatchBoard:
    """/scorecards/<id>/matches: filters, the what-if panel and the htmx-swapped ranking."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.heading = page.get_by_role("heading", level=1)
        self.results = page.locator("#results")
        self.row_links = page.locator("table.match-board tbody th[scope=row] > a")
        self.what_if_summary = page.locator("details.what-if-panel > summary")
        self.what_if_panel = page.locator("details.what-if-panel")
        self.update = page.get_by_role("button", name="Update the ranking")
        self.blind = page.get_by_role("switch", name="Blind mode")
        self.what_if_banner = page.get_by_role("heading", name="Unsaved what-if")
        self.compare_boxes = page.get_by_role("checkbox", name=re.compile(r"^Compare "))
        self.compare = page.get_by_role("button", name="Compare the ticked candidates")
        self.reveal_buttons = self.results.get_by_role("button", name=re.compile(r"^Reveal"))

    def weight(self, name: str) -> Locator:
        return self.page.get_by_label(f"Weight of {name}", exact=True)

    def open_what_if(self) -> None:
        if self.what_if_panel.get_attribute("open") is None:
            self.what_if_summary.click()

    def settled(self) -> None:
        expect(
            self.page.locator(".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added")
        ).to_have_count(0)


class SharePage:
    """/share/<code>: an organisation's invitation (its name, published roles, the share button)."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.heading = page.get_by_role("heading", level=1)
        self.roles = page.locator("section[aria-labelledby=roles-heading] li")
        self.action = page.locator("#share-action")
        # Links styled as buttons (role=button): they lead to the sign-in and sign-up pages.
        self.sign_in = page.get_by_role("button", name="Sign in to share")
        self.sign_up = page.get_by_role("button", name="Create a candidate account")

    def share_button(self, organisation: str) -> Locator:
        return self.page.get_by_role("button", name=f"Share my profile with {organisation}")

    def withdraw_button(self, organisation: str) -> Locator:
        return self.page.get_by_role("button", name=f"Withdraw my profile from {organisation}")

    def withdraw(self, organisation: str, *, javascript: bool = True) -> None:
        """Withdraw, confirming: in a dialog with JavaScript, on a page of its own without."""
        if javascript:
            self.page.once("dialog", lambda dialog: dialog.accept())
            self.withdraw_button(organisation).click()
            return
        self.withdraw_button(organisation).click()
        self.page.locator("main").get_by_role("button", name="Withdraw", exact=True).click()


class ShareLink:
    """The recruiter's share link (dashboard, account page) with its copy button."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.url = page.get_by_role("textbox", name="Share link")
        self.copy = page.get_by_role("button", name="Copy link")
        self.status = page.locator(".copy-field [role=status]")


class BulkImportPage:
    """/candidates/bulk: the upload form, the CSV template link and the recent imports."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.file = page.get_by_label("CSV or zip file")
        self.submit = page.locator("main").get_by_role("button", name="Import")
        self.template = page.get_by_role("link", name="Download the CSV template")

    def open(self) -> "BulkImportPage":
        self.page.goto("/candidates/bulk")
        return self

    def upload(self, filename: str, data: bytes) -> None:
        self.file.set_input_files({"name": filename, "mimeType": "text/csv", "buffer": data})
        self.submit.click()


class ImportJobPage:
    """/candidates/bulk/<id>: the polled progress with its counts, and the failed rows."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.progress = page.locator("#job_progress")
        self.bar = self.progress.locator("progress")
        self.failures = page.locator("#job_failures")
        self.download = page.get_by_role("link", name="Download the failed rows (CSV)")
        self.refresh = page.get_by_role("link", name="Refresh")

    def count(self, which: str) -> Locator:
        """The Created, Updated or Failed figure."""
        return self.progress.locator(f"[data-count={which}]")


class InterviewPlanPage:
    """/scorecards/<id>/candidates/<id>/interviews: the planned interviews and the add form."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.heading = page.get_by_role("heading", level=1)
        self.plan = page.locator("#plan")
        self.interviewer = page.locator("#interviewer")
        self.add = page.get_by_role("button", name="Add to the plan")

    def open(self, scorecard_id: int, candidate_id: int) -> "InterviewPlanPage":
        self.page.goto(f"/scorecards/{scorecard_id}/candidates/{candidate_id}/interviews")
        return self

    def add_interviewer(self, email: str, focus: list[str]) -> None:
        """Add `email` to the plan probing exactly the `focus` competencies (slugs). The boxes
        are ticked from the keyboard (a "(must-have)" note laid over them takes clicks)."""
        self.interviewer.select_option(email)
        for box in self.page.locator("#add-interviewer input[name=focus]").all():
            if box.is_checked() != (box.get_attribute("value") in focus):
                box.focus()
                self.page.keyboard.press("Space")
        self.add.click()


class InterviewKit:
    """/interviews/<id>: the interview kit; htmx autosaves the form into `#kit-status` only."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.heading = page.get_by_role("heading", level=1)
        self.root = page.locator("#kit")
        self.status = page.locator("#kit-status")
        self.saved = self.status.locator(".kit-saved")  # what was saved ("Saving…" is apart)
        self.summary = page.get_by_label("Summary")
        self.save = page.get_by_role("button", name="Save draft")
        self.submit = page.get_by_role("button", name="Submit evaluation…")
        self.correct = page.get_by_role("button", name="Correct my evaluation")
        self.others = page.locator("section.kit-others")
        self.history = page.locator("section.kit-history")

    def competency(self, slug: str) -> Locator:
        return self.page.locator(f"#competency-{slug}")

    def rating(self, slug: str, label: str) -> Locator:
        """The radio of one level ("4 · Advanced") or "Not assessed" of a competency."""
        return self.competency(slug).get_by_role("radio", name=label, exact=True)

    def note(self, slug: str) -> Locator:
        return self.page.locator(f"#note-{slug}")

    def recommendation(self, words: str) -> Locator:
        return self.page.get_by_role("radio", name=words, exact=True)

    def confirm_submit(self) -> None:
        """Submit, then confirm on the page that says submitted is final."""
        self.submit.click()
        expect(self.heading).to_contain_text("Submit your evaluation of")
        self.page.locator("main").get_by_role("button", name="Submit evaluation").click()

    def settled(self) -> None:
        expect(
            self.page.locator(".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added")
        ).to_have_count(0)
