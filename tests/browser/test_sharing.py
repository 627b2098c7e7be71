"""Sharing by link in a real browser: the recruiter copies the share link from the dashboard, a
candidate who is not signed in opens it, signs in, comes back, shares in one click and appears
in the recruiter's pool and on the match board; withdrawing in one click removes them at once.
The same journey without JavaScript, the API key's copy button, and the axe scan of each page."""

import re

from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import Organisation, User
from portal.services import candidates, scorecards
from portal.services.access import Actor
from tests.conftest import PASSWORD, unique_email

from .pages import (
    ApiKeysPage,
    Nav,
    ShareLink,
    SharePage,
    SignInPage,
    SignUpPage,
    axe_violations,
    confirm_sign_up,
    describe_violations,
)

SHARE_URL = re.compile(r"/share/[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}$")
CLIPBOARD = {"permissions": ["clipboard-read", "clipboard-write"]}


def assert_accessible(page: Page, where: str) -> None:
    violations = axe_violations(page)
    assert not violations, f"{where}:\n{describe_violations(violations)}"


def prepare(app, make_recruiter, make_candidate, candidate_name: str):
    """An organisation with a published role and a draft, and a candidate with a profile."""
    org = make_recruiter(organisation_name=f"Fernhill {unique_email('')[1:6]}")
    email = make_candidate()
    with app.app_context():
        recruiter = db.session.scalar(select(User).where(User.email == org.recruiter_email))
        actor = Actor.for_user(recruiter)
        role_ids = []
        for title, publish in (("Chief Product Officer", True), ("Draft VP Product", False)):
            role = scorecards.create_scorecard(
                db.session,
                actor,
                {
                    "title": title,
                    "mission": "Own the product vision.",
                    "competencies": [
                        {"competency": "product-strategy", "weight": 1, "target_level": 4}
                    ],
                },
            )
            if publish:
                scorecards.publish(db.session, actor, role.id, role.revision)
            role_ids.append(role.id)
        user = db.session.scalar(select(User).where(User.email == email))
        profile = candidates.own_profile(db.session, user)
        candidates.update_candidate(
            db.session, Actor.for_user(user), profile.id, {"name": candidate_name}, 1
        )
        name = db.session.get(Organisation, org.organisation_id).name
        db.session.remove()
    return org, name, email, role_ids[0]


def sign_in(page: Page, email: str) -> None:
    SignInPage(page).open().sign_in(email, PASSWORD)
    expect(page).to_have_url(re.compile(r"/dashboard$"))


def expect_in_pool_and_board(recruiter: Page, role_id: int, name: str, present: bool) -> None:
    for url in ("/candidates", f"/scorecards/{role_id}/matches"):
        recruiter.goto(url)
        listed = recruiter.locator("main").get_by_text(name, exact=True)
        if present:
            expect(listed.first).to_be_visible()
        else:
            expect(listed).to_have_count(0)


def test_a_candidate_shares_through_the_recruiters_link_and_withdraws_at_once(
    app, new_page, make_recruiter, make_candidate
):
    org, org_name, email, role_id = prepare(app, make_recruiter, make_candidate, "Avery Link")

    recruiter = new_page(**CLIPBOARD)
    sign_in(recruiter, org.recruiter_email)
    expect(Nav(recruiter).root).to_contain_text(org_name)
    link = ShareLink(recruiter)
    url = link.url.input_value()
    assert SHARE_URL.search(url)
    link.copy.click()
    expect(link.status).to_have_text("Copied to the clipboard.")
    assert recruiter.evaluate("() => navigator.clipboard.readText()") == url
    assert_accessible(recruiter, "/dashboard (recruiter)")
    expect_in_pool_and_board(recruiter, role_id, "Avery Link", present=False)

    candidate = new_page()
    candidate.goto(url)
    invitation = SharePage(candidate)
    expect(invitation.heading).to_contain_text(f"{org_name} invites you to share")
    expect(invitation.roles).to_have_count(1)
    expect(invitation.roles).to_contain_text("Chief Product Officer")
    assert_accessible(candidate, "/share/<code> (signed out)")
    invitation.sign_in.click()
    SignInPage(candidate).sign_in(email, PASSWORD)
    expect(candidate).to_have_url(SHARE_URL)  # back on the invitation

    invitation.share_button(org_name).click()
    expect(candidate.locator("main")).to_contain_text(f"{org_name} can now see your profile.")
    expect(invitation.action).to_contain_text(f"You share your profile with {org_name}")
    assert_accessible(candidate, "/share/<code> (shared)")
    expect_in_pool_and_board(recruiter, role_id, "Avery Link", present=True)

    invitation.withdraw(org_name)
    expect(candidate.locator("main")).to_contain_text(f"{org_name} can no longer see your profile.")
    expect(invitation.share_button(org_name)).to_be_visible()
    expect_in_pool_and_board(recruiter, role_id, "Avery Link", present=False)


def test_the_share_link_journey_works_without_javascript(
    app, new_page, make_recruiter, make_candidate
):
    org, org_name, _email, role_id = prepare(app, make_recruiter, make_candidate, "Unused")

    recruiter = new_page(java_script_enabled=False)
    sign_in(recruiter, org.recruiter_email)
    link = ShareLink(recruiter)
    expect(link.copy).to_be_hidden()  # no button that cannot work; the link is plain text
    expect(link.url).to_be_visible()
    url = link.url.input_value()

    candidate = new_page(java_script_enabled=False)
    candidate.goto(url)
    invitation = SharePage(candidate)
    invitation.sign_up.click()
    form = SignUpPage(candidate)
    expect(form.candidate).to_be_checked()
    email = unique_email("nojs")
    form.name.fill("Noor Nojs")
    form.email.fill(email)
    form.password.fill(PASSWORD)
    form.submit.click()
    confirm_sign_up(candidate, email)
    expect(candidate).to_have_url(SHARE_URL)
    invitation.share_button(org_name).click()
    expect(invitation.action).to_contain_text(f"You share your profile with {org_name}")
    # (axe runs in the page, so the scans are in the JavaScript journey above.)
    expect_in_pool_and_board(recruiter, role_id, "Noor Nojs", present=True)

    invitation.withdraw(org_name, javascript=False)
    expect(invitation.share_button(org_name)).to_be_visible()
    expect_in_pool_and_board(recruiter, role_id, "Noor Nojs", present=False)


def test_a_new_api_key_is_copied_with_one_click_and_stays_plain_text_without_javascript(
    new_page, make_recruiter
):
    org = make_recruiter()
    page = new_page(**CLIPBOARD)
    sign_in(page, org.recruiter_email)
    keys = ApiKeysPage(page).open()
    expect(page.get_by_text("Rank candidates against a scorecard")).to_be_visible()
    secret = keys.create("ATS sync", ["matches:read"])
    page.get_by_role("button", name="Copy key").click()
    expect(page.locator("#api_keys .copy-status")).to_have_text("Copied to the clipboard.")
    assert page.evaluate("() => navigator.clipboard.readText()") == secret
    assert_accessible(page, "/api-keys (new key)")

    plain = new_page(java_script_enabled=False)
    sign_in(plain, org.recruiter_email)
    keys = ApiKeysPage(plain).open()
    keys.create("Plain key", ["scorecards:read"])
    expect(plain.get_by_role("button", name="Copy key")).to_be_hidden()
    expect(keys.secret).to_be_visible()
