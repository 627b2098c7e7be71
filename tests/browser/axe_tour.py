"""The axe scan of every page a journey visits, with or without JavaScript.

axe runs in the page it scans, and a page without JavaScript runs no script (page.evaluate never
returns there). Such a page is scanned as a copy of its HTML in a JavaScript page: its scripts
left out (they did not run either) and its <noscript> content shown (as the visitor sees it).
The scanning page is a page of the same site, so the copy's stylesheets load from their
site-relative addresses (colour contrast is checked too; the site's CSP forbids a <base>), axe
may read them again, and the site's Content-Security-Policy applies to the copy as well.
"""

import re

from playwright.sync_api import Page, expect

from .pages import axe_violations, describe_violations

SCRIPT = re.compile(r"<script\b[^>]*>.*?</script\s*>", re.IGNORECASE | re.DOTALL)
NOSCRIPT_TAG = re.compile(r"</?noscript\b[^>]*>", re.IGNORECASE)
# Every stylesheet of the copy loaded (colour contrast is judged on the styles the page has).
STYLED = """() => document.styleSheets.length > 0
    && [...document.styleSheets].every((sheet) => sheet.cssRules.length > 0)"""
# A copy is drawn before its stylesheets apply, so their transitions (a button's colours) run
# once; colour contrast is judged when they are over.
TRANSITIONS_DONE = "() => Promise.all(document.getAnimations().map((each) => each.finished))"
HTMX_BUSY = ".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added"


def scannable_copy(markup: str) -> str:
    """The page's HTML as it showed without JavaScript, to load into a page that runs axe."""
    return NOSCRIPT_TAG.sub("", SCRIPT.sub("", markup))


def address(url: str) -> str:
    """The address of a page: its URL without the fragment (which names a place in it)."""
    return url.partition("#")[0]


class AxeTour:
    """Records every address each watched page visits, and scans pages with axe on request.

    A visit is a navigation of a person's page to an address (a page load, or an htmx push of
    the address bar). `assert_clean` fails on an address a page visited but never had scanned
    (a return to an address already scanned needs no second scan), and on any violation found.
    """

    def __init__(self, scanner: Page | None) -> None:
        self.scanner = scanner  # a JavaScript page for copies; None when the pages run scripts
        self.visited: dict[tuple[str, str], None] = {}  # (who, address), in order, once each
        self.scanned: set[tuple[str, str]] = set()
        self.scans = 0
        self.problems: list[str] = []
        self._who: dict[int, str] = {}

    def watch(self, page: Page, who: str) -> Page:
        """Record the visits of `page`, the page of the person `who`."""
        self._who[id(page)] = who
        page.on("framenavigated", lambda frame: self._visited(page, frame))
        return page

    def _visited(self, page: Page, frame) -> None:
        if frame == page.main_frame and frame.url.startswith("http"):
            self.visited[(self._who[id(page)], address(frame.url))] = None

    def scan(self, page: Page, where: str) -> None:
        """Scan `page` as it is now with axe; the violations are reported by `assert_clean`."""
        if self.scanner is None:
            expect(page.locator(HTMX_BUSY)).to_have_count(0)  # no swap half done
            violations = axe_violations(page)
        else:
            if not self.scanner.url.startswith("http"):
                self.scanner.goto("/signin")  # any page of the site: its origin is the copy's
            self.scanner.set_content(scannable_copy(page.content()))
            assert self.scanner.evaluate(STYLED), f"the copy of {page.url} lost its stylesheets"
            self.scanner.evaluate(TRANSITIONS_DONE)
            violations = axe_violations(self.scanner)
        who = self._who[id(page)]
        if violations:
            self.problems.append(f"{who}, {where} ({page.url}):\n{describe_violations(violations)}")
        self.scanned.add((who, address(page.url)))
        self.scans += 1

    def assert_clean(self) -> None:
        """Every address visited was scanned, and no scan found a serious or critical one."""
        unscanned = [f"{who}: {url}" for who, url in self.visited if (who, url) not in self.scanned]
        assert self.visited, "no page was visited"
        assert not unscanned, "pages visited but not scanned:\n" + "\n".join(unscanned)
        assert not self.problems, "axe found problems on:\n" + "\n".join(self.problems)
