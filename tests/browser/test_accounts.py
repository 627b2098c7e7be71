"""Accounts in a real browser: sign-up, sign-in and out, API keys, with and without JavaScript."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD, sign_up_link, unique_email

from .pages import (
    ApiKeysPage,
    Nav,
    SignInPage,
    SignUpPage,
    axe_violations,
    describe_violations,
)

ORGANISATION = "Browser Test Org"
KEY_NAME = "ATS sync"
KEY_SCOPES = ["scorecards:read", "matches:read"]
DASHBOARD_URL = re.compile(r"/dashboard$")
SIGN_IN_URL = re.compile(r"/signin(\?.*)?$")


def bearer_me(page: Page, live_server: str, secret: str):
    """GET /api/v1/me with the key; the page's session cookie goes along and must not matter."""
    return page.request.get(
        live_server + "/api/v1/me", headers={"Authorization": "Bearer " + secret}
    )


def sign_up_recruiter(page: Page, name: str, email: str) -> None:
    SignUpPage(page).open().sign_up_recruiter(name, email, PASSWORD, ORGANISATION)
    expect(page).to_have_url(DASHBOARD_URL)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {name}")
    expect(page.locator("main")).to_contain_text(f"Recruiter at {ORGANISATION}")


def create_key_via_nav(page: Page) -> tuple[ApiKeysPage, str]:
    Nav(page).api_keys.click()
    keys = ApiKeysPage(page)
    expect(page).to_have_url(re.compile(r"/api-keys$"))
    expect(keys.heading).to_have_text("API keys")
    expect(keys.key_list).to_contain_text("No keys yet.")
    secret = keys.create(KEY_NAME, KEY_SCOPES)
    assert secret.startswith("cpo_"), secret
    expect(page.get_by_role("heading", name=f"Your new key “{KEY_NAME}”")).to_be_visible()
    expect(keys.row(KEY_NAME)).to_have_count(1)
    return keys, secret


def check_key_works(page: Page, live_server: str, secret: str) -> str:
    response = bearer_me(page, live_server, secret)
    assert response.status == 200, response.text()
    body = response.json()
    assert body["kind"] == "api_key"
    assert sorted(body["scopes"]) == sorted(KEY_SCOPES)
    assert body["api_key"]["name"] == KEY_NAME
    assert body["organisation"]["name"] == ORGANISATION
    prefix = body["api_key"]["prefix"]
    assert secret.startswith(f"cpo_{prefix}_")
    return prefix


def check_secret_gone_after_reload(page: Page, keys: ApiKeysPage, secret: str, prefix: str):
    keys.open()
    expect(keys.row(KEY_NAME)).to_have_count(1)
    expect(keys.secret).to_have_count(0)
    expect(page.locator("body")).not_to_contain_text(secret)
    row = keys.row(KEY_NAME)
    expect(row).to_contain_text(f"cpo_{prefix}_…")
    expect(row).to_contain_text(", ".join(KEY_SCOPES))
    expect(row).not_to_contain_text("never")  # the bearer call above used it


def check_signed_out(page: Page) -> None:
    nav = Nav(page)
    expect(nav.sign_in).to_be_visible()
    expect(nav.sign_out).to_have_count(0)
    expect(page.locator("main")).to_contain_text("You are signed out.")
    page.goto("/dashboard")
    expect(page).to_have_url(SIGN_IN_URL)
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")


def test_recruiter_signs_up_creates_uses_and_revokes_a_key_and_signs_out(page, live_server):
    name, email = "Robin Recruiter", unique_email("journey")
    sign_up_recruiter(page, name, email)

    keys, secret = create_key_via_nav(page)
    prefix = check_key_works(page, live_server, secret)
    check_secret_gone_after_reload(page, keys, secret, prefix)

    dialogs = []

    def accept(dialog):
        dialogs.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    keys.revoke_button(KEY_NAME).click()

    row = keys.row(KEY_NAME)
    expect(row).to_contain_text("Revoked")
    expect(row.get_by_role("button")).to_have_count(0)
    expect(page.locator("[id=key_list]")).to_have_count(1)
    assert dialogs == [f"Revoke “{KEY_NAME}”? Integrations using it stop working at once."]
    assert bearer_me(page, live_server, secret).status == 401

    Nav(page).sign_out.click()
    check_signed_out(page)


def test_dismissing_the_revoke_confirmation_keeps_the_key(page, live_server):
    sign_up_recruiter(page, "Dana Dismiss", unique_email("dismiss"))
    keys, secret = create_key_via_nav(page)

    page.once("dialog", lambda dialog: dialog.dismiss())
    keys.revoke_button(KEY_NAME).click()

    keys.open()
    expect(keys.revoke_button(KEY_NAME)).to_be_visible()
    expect(keys.row(KEY_NAME)).not_to_contain_text("Revoked")
    assert bearer_me(page, live_server, secret).status == 200


def test_the_journey_works_without_javascript(new_page, live_server):
    page = new_page(java_script_enabled=False)
    name, email = "Nora NoScript", unique_email("nojs")
    sign_up_recruiter(page, name, email)

    keys, secret = create_key_via_nav(page)
    prefix = check_key_works(page, live_server, secret)
    check_secret_gone_after_reload(page, keys, secret, prefix)

    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    keys.revoke_button(KEY_NAME).click()
    # Without JavaScript the revocation asks on a page of its own.
    expect(page.get_by_role("heading", level=1)).to_contain_text(KEY_NAME)
    page.get_by_role("button", name="Revoke key").click()

    expect(page).to_have_url(re.compile(r"/api-keys$"))
    expect(page.locator("main")).to_contain_text(f"The key “{KEY_NAME}” is revoked.")
    expect(keys.row(KEY_NAME)).to_contain_text("Revoked")
    assert dialogs == []
    assert bearer_me(page, live_server, secret).status == 401

    Nav(page).sign_out.click()
    check_signed_out(page)


def test_wrong_password_keeps_the_email_then_the_right_one_signs_in(
    page, make_recruiter, browser_errors
):
    browser_errors.allow_status(422, "/signin")
    email = make_recruiter().recruiter_email
    sign_in = SignInPage(page).open()

    sign_in.sign_in(email, "not-the-password-at-all")

    expect(sign_in.error).to_have_text("Email or password is wrong.")
    expect(sign_in.email).to_have_value(email)
    expect(sign_in.password).to_have_value("")
    expect(page).to_have_url(SIGN_IN_URL)

    sign_in.password.fill(PASSWORD)
    sign_in.submit.click()

    expect(page).to_have_url(DASHBOARD_URL)
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Test Recruiter")
    expect(Nav(page).sign_out).to_be_visible()


def test_signing_in_returns_to_the_page_asked_for(page, make_recruiter):
    email = make_recruiter().recruiter_email
    page.goto("/api-keys")
    expect(page).to_have_url(SIGN_IN_URL)
    expect(page.locator("main")).to_contain_text("Sign in to continue.")

    SignInPage(page).sign_in(email, PASSWORD)

    expect(page).to_have_url(re.compile(r"/api-keys$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("API keys")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_a_too_short_password_is_refused_next_to_the_field(new_page, browser_errors, javascript):
    browser_errors.allow_status(422, "/signup")
    browser_errors.allow_status(422, "/signin")
    page = new_page(java_script_enabled=javascript)
    email = unique_email("short")
    sign_up = SignUpPage(page).open()

    sign_up.send_recruiter("Sam Short", email, "short", ORGANISATION)

    expect(sign_up.password).to_have_attribute("aria-invalid", "true")
    expect(sign_up.password).to_have_attribute("aria-describedby", "password-error")
    message = page.locator("#password-error")
    expect(message).to_have_text("Use at least 12 characters.")
    expect(page.locator("label[for=password]").locator("#password-error")).to_have_count(1)
    expect(sign_up.email).to_have_value(email)
    expect(sign_up.name).to_have_value("Sam Short")
    expect(sign_up.organisation).to_have_value(ORGANISATION)
    expect(sign_up.email).not_to_have_attribute("aria-invalid", "true")
    expect(Nav(page).sign_in).to_be_visible()

    sign_in = SignInPage(page).open()
    sign_in.sign_in(email, "short")
    expect(sign_in.error).to_have_text("Email or password is wrong.")


def test_candidates_have_no_api_keys_link(page, make_candidate):
    email = make_candidate()
    SignInPage(page).open().sign_in(email, PASSWORD)
    expect(page).to_have_url(DASHBOARD_URL)
    expect(page.locator("main")).to_contain_text("Aspiring CPO")
    nav = Nav(page)
    expect(nav.account).to_be_visible()
    expect(nav.api_keys).to_have_count(0)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_recruiter_creates_an_invitation_link(new_page, make_recruiter, javascript):
    page = new_page(java_script_enabled=javascript)
    SignInPage(page).open().sign_in(make_recruiter().recruiter_email, PASSWORD)
    expect(page).to_have_url(DASHBOARD_URL)
    page.get_by_role("link", name="Invite a colleague").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invite a colleague")
    colleague = unique_email("colleague")

    page.get_by_label("Colleague's email").fill(colleague)
    page.get_by_role("button", name="Create invitation link").click()

    invitations = page.locator("#invitations")
    expect(invitations.get_by_role("status")).to_contain_text(f"Send this link to {colleague}")
    expect(invitations.locator(".secret")).to_contain_text(re.compile(r"/invitations/\S+$"))
    expect(invitations.get_by_role("cell", name=colleague, exact=True)).to_be_visible()
    expect(page.locator("[id=invitations]")).to_have_count(1)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_recruiter_replaces_the_share_link(new_page, make_recruiter, javascript):
    page = new_page(java_script_enabled=javascript)
    SignInPage(page).open().sign_in(make_recruiter().recruiter_email, PASSWORD)
    expect(page).to_have_url(DASHBOARD_URL)
    page.goto("/account")
    link = page.get_by_role("textbox", name="Share link")
    old = link.input_value()

    replace = page.get_by_role("button", name="Replace the share link")
    if javascript:  # htmx asks in a dialog, then posts
        page.once("dialog", lambda dialog: dialog.accept())
        replace.click()
    else:  # a page of its own asks, with a form
        replace.click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Replace your share link?")
        page.locator("main").get_by_role("button", name="Replace the share link").click()

    expect(page).to_have_url(re.compile(r"/account$"))
    expect(page.locator("main")).to_contain_text("The old link and code no longer work.")
    expect(link).not_to_have_value(old)
    assert page.request.get(old).status == 404


def open_ok(page: Page, path: str) -> None:
    response = page.goto(path)
    assert response is not None, f"no response for {path}"
    assert response.ok, f"{path} answered {response.status}"


def assert_accessible(page: Page, path: str) -> None:
    violations = axe_violations(page)
    assert not violations, f"axe found problems on {path}:\n{describe_violations(violations)}"


@pytest.mark.parametrize("path", ["/signup", "/signin"])
def test_public_account_pages_have_no_serious_accessibility_violations(page, path):
    open_ok(page, path)
    assert_accessible(page, path)


def test_sign_up_is_confirmed_by_the_mailed_link_once(page, browser_errors):
    name, email = "Cleo Confirm", unique_email("confirm")
    SignUpPage(page).open().send_recruiter(name, email, PASSWORD, ORGANISATION)
    expect(page).to_have_url(re.compile(r"/signup/sent$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your inbox")
    expect(page.locator("main")).to_contain_text(email)
    expect(Nav(page).sign_in).to_be_visible()  # nobody is signed in yet
    assert_accessible(page, "/signup/sent")

    link = sign_up_link(email)
    page.goto(link)
    expect(page.locator("main")).to_contain_text(name)
    expect(page.locator("main")).to_contain_text(ORGANISATION)
    assert_accessible(page, "/signup/confirm/<token>")
    page.get_by_role("button", name="Create my account").click()
    expect(page).to_have_url(DASHBOARD_URL)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {name}")

    browser_errors.allow_status(404, link)
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("This sign-up link does not work")
    expect(page.locator("main").get_by_role("link", name="Sign up again")).to_be_visible()
    assert_accessible(page, "/signup/confirm/<used token>")


def test_sign_up_errors_have_no_serious_accessibility_violations(page, browser_errors):
    browser_errors.allow_status(422, "/signup")
    sign_up = SignUpPage(page).open()
    sign_up.submit.click()
    expect(sign_up.name).to_have_attribute("aria-invalid", "true")
    assert_accessible(page, "/signup with errors")


@pytest.mark.parametrize("path", ["/dashboard", "/account", "/invitations"])
def test_signed_in_pages_have_no_serious_accessibility_violations(page, make_recruiter, path):
    SignInPage(page).open().sign_in(make_recruiter().recruiter_email, PASSWORD)
    expect(page).to_have_url(DASHBOARD_URL)
    open_ok(page, path)
    assert_accessible(page, path)


def test_api_keys_page_with_a_new_key_has_no_serious_accessibility_violations(page, make_recruiter):
    SignInPage(page).open().sign_in(make_recruiter().recruiter_email, PASSWORD)
    expect(page).to_have_url(DASHBOARD_URL)
    keys = ApiKeysPage(page).open()
    keys.create(KEY_NAME, KEY_SCOPES)
    expect(keys.row(KEY_NAME)).to_have_count(1)
    assert_accessible(page, "/api-keys")
