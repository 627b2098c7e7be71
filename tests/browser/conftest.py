"""Playwright fixtures: one headless Chromium per run, a fresh context per test.

Every test here is marked `browser`. The `page` fixture fails the test on any console error or
uncaught page error, so a Content-Security-Policy violation (reported as a console error) fails.
"""

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
BROWSER_DIR = Path(__file__).parent


def pytest_collection_modifyitems(config, items):
    for item in items:
        if BROWSER_DIR in item.path.parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        reason = f"Chromium not found at {CHROMIUM}"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


FAILED_LOAD = re.compile(
    r"^Failed to load resource: the server responded with a status of (\d{3})\b"
)


class BrowserErrors:
    """Console errors and uncaught exceptions seen by one page.

    Chromium logs every 4xx/5xx answer as a console error ("Failed to load resource"). A test
    that provokes one on purpose (a form answered 422) declares it with `allow_status`; any other
    console error still fails the test.
    """

    def __init__(self) -> None:
        self.messages: list[str] = []
        self.allowed: set[tuple[int, str]] = set()

    def allow_status(self, status: int, path: str) -> None:
        """Tolerate Chromium's console report of `status` answered for `path` (no query)."""
        self.allowed.add((status, path))

    def _is_allowed(self, text: str, url: str) -> bool:
        failed = FAILED_LOAD.match(text)
        return bool(failed) and (int(failed.group(1)), urlsplit(url).path) in self.allowed

    def watch(self, page) -> None:
        page.on("console", self._on_console)
        page.on("pageerror", self._on_page_error)

    def _on_console(self, message) -> None:
        if message.type != "error":
            return
        url = (message.location or {}).get("url", "?")
        if self._is_allowed(message.text, url):
            return
        self.messages.append(f"console: {message.text} ({url})")

    def _on_page_error(self, error) -> None:
        self.messages.append(f"pageerror: {error}")


@pytest.fixture
def browser_errors() -> BrowserErrors:
    return BrowserErrors()


@pytest.fixture
def new_page(browser, live_server, browser_errors):
    """Factory for pages in fresh contexts (options go to `new_context`), all error-watched."""
    contexts = []

    def open_page(**context_options):
        context = browser.new_context(base_url=live_server, **context_options)
        contexts.append(context)
        page = context.new_page()
        browser_errors.watch(page)
        return page

    yield open_page
    for context in contexts:
        context.close()
    if browser_errors.messages:
        pytest.fail(
            "The browser reported errors:\n" + "\n".join(browser_errors.messages), pytrace=False
        )


@pytest.fixture
def page(new_page):
    return new_page()
