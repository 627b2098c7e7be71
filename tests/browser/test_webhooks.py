"""The organisation's webhook pages in a real browser: add an endpoint pointing at a local
receiver, see its secret once, send a ping and watch its delivery arrive (the deliveries refresh
themselves while one is on its way), rotate and remove; the same without JavaScript; the axe
scan on each page."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD
from tests.test_webhooks import Receiver

from .pages import Nav, SignInPage, axe_violations, describe_violations

DASHBOARD_URL = re.compile(r"/dashboard$")
DETAIL_URL = re.compile(r"/webhooks/\d+$")


@pytest.fixture
def receiver():
    made = Receiver()
    yield made
    made.close()


class WebhooksPage:
    """/webhooks and an endpoint's page: the add form, the once-shown secret, the actions and
    the deliveries."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.heading = page.get_by_role("heading", level=1)
        self.url = page.get_by_label("Address (URL)")
        self.add = page.get_by_role("button", name="Add endpoint")
        self.secret = page.locator("#new-secret")
        self.copy = page.get_by_role("button", name="Copy secret")
        self.ping = page.get_by_role("button", name="Send a ping")
        self.rotate = page.get_by_role("button", name="Rotate secret…")
        self.remove = page.get_by_role("button", name="Remove endpoint…")
        self.deliveries = page.locator("#deliveries")
        self.rows = self.deliveries.locator("tbody tr")

    def add_endpoint(self, url: str, events: list[str]) -> str:
        """Add an endpoint; answers the secret shown once."""
        self.url.fill(url)
        for event in events:
            self.page.get_by_role("checkbox", name=event).check()
        self.add.click()
        expect(self.page.get_by_role("heading", name="Signing secret")).to_be_visible()
        return self.secret.inner_text().strip()


def sign_in(page: Page, email: str) -> None:
    SignInPage(page).open().sign_in(email, PASSWORD)
    expect(page).to_have_url(DASHBOARD_URL)


def assert_accessible(page: Page, where: str) -> None:
    violations = axe_violations(page)
    assert not violations, f"{where}:\n{describe_violations(violations)}"


def test_a_recruiter_adds_an_endpoint_sees_the_secret_once_and_pings_it(
    page, make_recruiter, receiver
):
    organisation = make_recruiter()
    sign_in(page, organisation.recruiter_email)
    Nav(page).root.get_by_role("link", name="Webhooks", exact=True).click()
    hooks = WebhooksPage(page)
    expect(hooks.heading).to_have_text("Webhooks")
    expect(page.locator("#endpoint_list")).to_contain_text("No endpoints yet.")
    assert_accessible(page, "webhooks page")

    secret = hooks.add_endpoint(receiver.url, ["scorecard.published", "evaluation.submitted"])
    assert secret.startswith("whsec_")
    receiver.secret = secret
    expect(hooks.copy).to_be_visible()  # JavaScript reveals the copy button
    expect(page.locator("main")).to_contain_text(receiver.url)
    expect(hooks.deliveries).to_contain_text("No deliveries yet")
    assert_accessible(page, "a new endpoint with its secret")

    hooks.ping.click()
    expect(page).to_have_url(DETAIL_URL)
    expect(hooks.secret).to_have_count(0)  # shown once only
    expect(page.locator("main")).not_to_contain_text(secret)
    expect(hooks.rows).to_have_count(1)
    row = hooks.rows.first
    expect(row).to_contain_text("webhook.ping")
    # The deliveries refresh themselves until the ping has arrived.
    expect(row.locator(".delivery-status")).to_have_text("Delivered", timeout=15_000)
    row.get_by_text("1 attempt").click()
    expect(row).to_contain_text("HTTP 200")
    expect(row.locator(".response-excerpt")).to_have_text("ok")
    assert [payload["type"] for payload in receiver.verified] == ["webhook.ping"]
    assert receiver.rejected == []
    assert_accessible(page, "the endpoint with a delivery")

    hooks.rotate.click()
    expect(hooks.heading).to_contain_text("Replace the signing secret")
    assert_accessible(page, "the rotate confirm page")
    page.get_by_role("link", name="Cancel").click()
    expect(page).to_have_url(DETAIL_URL)

    page.goto("/webhooks")
    expect(page.locator("#endpoint_list")).to_contain_text(receiver.url)
    expect(page.locator("#endpoint_list")).to_contain_text("Active")


def test_without_javascript_an_endpoint_is_added_pinged_rotated_and_removed(
    new_page, make_recruiter, receiver
):
    page = new_page(java_script_enabled=False)
    organisation = make_recruiter()
    sign_in(page, organisation.recruiter_email)
    page.goto("/webhooks")
    hooks = WebhooksPage(page)
    secret = hooks.add_endpoint(receiver.url, ["import.finished"])
    receiver.secret = secret
    expect(hooks.copy).to_be_hidden()  # the secret stays plain, selectable text

    hooks.ping.click()
    expect(page).to_have_url(DETAIL_URL)
    for _ in range(100):  # a person reloads until it has arrived
        if "Delivered" in hooks.rows.first.inner_text(timeout=5_000):
            break
        page.reload()
    expect(hooks.rows.first.locator(".delivery-status")).to_have_text("Delivered")

    hooks.rotate.click()
    expect(hooks.heading).to_contain_text("Replace the signing secret")
    page.get_by_role("button", name="Replace the secret").click()
    rotated = hooks.secret.inner_text().strip()
    assert rotated.startswith("whsec_")
    assert rotated != secret

    page.goto("/webhooks")
    page.get_by_role("link", name=receiver.url).click()
    hooks.remove.click()
    expect(hooks.heading).to_contain_text("Remove the endpoint")
    page.get_by_role("button", name="Remove endpoint").click()
    expect(page).to_have_url(re.compile(r"/webhooks$"))
    expect(page.locator("main")).to_contain_text("The endpoint is removed.")
    expect(page.locator("#endpoint_list")).to_contain_text("No endpoints yet.")
