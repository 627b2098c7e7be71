"""Sharing by link, and the account pages recruiters read: the share link a recruiter sends, the
candidate who opens it and shares in one click (and withdraws in one), the audit log in words,
API keys with a copy control and scope descriptions, and the dashboards' next steps."""

import re
from html import unescape

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Organisation, User
from portal.models.accounts import SCOPES
from portal.services import candidates, match_reveals, scorecards
from portal.services.access import Actor, Origin
from tests.conftest import PASSWORD, post_form, sign_in, sign_up, unique_email

SHARE_LINK = re.compile(r'id="share-url" value="(http://localhost/share/([0-9A-Z-]+))"')


def text_of(response) -> str:
    """The page's visible text: tags dropped, entities decoded, spaces collapsed."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", response.text, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def signed_in(app, email: str):
    client = app.test_client()
    assert sign_in(client, email).status_code == 303
    return client


def share_link_of(client) -> tuple[str, str]:
    """The share link and code a recruiter copies from their dashboard."""
    found = SHARE_LINK.search(client.get("/dashboard").text)
    assert found, "no share link on the dashboard"
    return found.group(1), found.group(2)


def recruiter_actor(email: str) -> Actor:
    return Actor.for_user(db.session.scalar(select(User).where(User.email == email)))


def make_role(app, org, title: str, *, publish: bool = True) -> int:
    with app.app_context():
        actor = recruiter_actor(org.recruiter_email)
        scorecard = scorecards.create_scorecard(
            db.session,
            actor,
            {
                "title": title,
                "mission": f"Lead {title} work.",
                "competencies": [
                    {"competency": "product-strategy", "weight": 1, "target_level": 4}
                ],
            },
        )
        if publish:
            scorecards.publish(db.session, actor, scorecard.id, scorecard.revision)
        scorecard_id = scorecard.id
        db.session.remove()
    return scorecard_id


def name_candidate(app, email: str, name: str) -> None:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        profile = candidates.own_profile(db.session, user)
        candidates.update_candidate(
            db.session, Actor.for_user(user), profile.id, {"name": name}, profile.revision
        )
        db.session.remove()


@pytest.fixture
def org(make_recruiter):
    return make_recruiter(organisation_name=f"Northwind {unique_email('')[1:7]}")


@pytest.fixture
def recruiter(app, org):
    return signed_in(app, org.recruiter_email)


# --- the share link --------------------------------------------------------------------------


def test_the_share_link_is_on_the_dashboard_and_account_page_and_is_not_the_guessable_slug(
    app, org, recruiter
):
    link, code = share_link_of(recruiter)
    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}", code)
    account = recruiter.get("/account")
    assert link in account.text
    assert code in text_of(account)
    # The organisation's name (its slug) is not an invitation.
    assert recruiter.get(f"/share/{org.slug}").status_code == 404
    assert app.test_client().get(f"/share/{org.slug}").status_code == 404


def test_a_candidate_opens_the_link_shares_in_one_click_and_withdraws_in_one(
    app, org, recruiter, make_candidate
):
    role_id = make_role(app, org, "Head of Product")
    make_role(app, org, "Unannounced VP role", publish=False)
    link, _code = share_link_of(recruiter)
    email = make_candidate()
    name_candidate(app, email, "Robin Sharer")
    candidate = signed_in(app, email)

    page = candidate.get(link)
    assert page.status_code == 200
    words = text_of(page)
    assert f"{org_name(app, org)} invites you to share" in words
    assert "Head of Product" in words
    assert "Unannounced VP role" not in words
    assert "Robin Sharer" not in text_of(recruiter.get("/candidates"))

    shared = post_form(candidate, link, {})
    assert shared.status_code == 303
    assert shared.location.endswith(link.removeprefix("http://localhost"))
    after = text_of(candidate.get(link))
    assert f"You share your profile with {org_name(app, org)}" in after
    assert "Robin Sharer" in text_of(recruiter.get("/candidates"))
    assert "Robin Sharer" in text_of(recruiter.get(f"/scorecards/{role_id}/matches"))

    withdraw = f"/profile/sharing/{org.organisation_id}/withdraw"
    gone = post_form(
        candidate, withdraw, {"next": link.removeprefix("http://localhost")}, csrf_from=link
    )
    assert gone.status_code == 303
    assert f"{org_name(app, org)} can no longer see your profile" in text_of(candidate.get(link))
    assert "Robin Sharer" not in text_of(recruiter.get("/candidates"))
    assert "Robin Sharer" not in text_of(recruiter.get(f"/scorecards/{role_id}/matches"))


def test_sharing_needs_the_csrf_token(app, recruiter, make_candidate):
    link, _code = share_link_of(recruiter)
    candidate = signed_in(app, make_candidate())
    assert candidate.post(link, data={}).status_code == 400
    assert "You share your profile" not in text_of(candidate.get(link))


def test_a_visitor_who_is_not_signed_in_signs_in_or_up_and_comes_back_to_the_link(
    app, org, recruiter, make_candidate
):
    link, _code = share_link_of(recruiter)
    path = link.removeprefix("http://localhost")
    visitor = app.test_client()
    page = visitor.get(path)
    assert page.status_code == 200
    assert org_name(app, org) in text_of(page)
    assert "Sign in to share" in text_of(page)
    # Posting without an account leads to the sign-in page, which comes back here.
    refused = post_form(visitor, path, {}, csrf_from="/signin")
    assert refused.status_code == 303
    assert "/signin?next=" in refused.location
    email = make_candidate()
    signed = post_form(
        visitor, refused.location, {"email": email, "password": PASSWORD, "next": path}
    )
    assert signed.status_code == 303
    assert signed.location == path

    newcomer = app.test_client()
    signup = newcomer.get(f"/signup?next={path}")
    assert re.search(r'value="candidate"\s+checked', signup.text)
    created = sign_up(
        newcomer,
        {
            "role": "candidate",
            "name": "Nia New",
            "email": unique_email("new"),
            "password": PASSWORD,
            "next": path,
        },
    )
    assert created.status_code == 303
    assert created.location == path
    assert post_form(newcomer, path, {}).status_code == 303
    assert "You share your profile with" in text_of(newcomer.get(path))


def test_an_unknown_link_is_not_found_and_a_recruiter_cannot_share(app, org, recruiter):
    assert app.test_client().get("/share/2345-6789-ABCD").status_code == 404
    link, code = share_link_of(recruiter)
    own = text_of(recruiter.get(link))
    assert "This is your organisation's share link" in own
    assert code in own
    assert "Share my profile with" not in own
    assert post_form(recruiter, link, {}).status_code == 403


@pytest.mark.parametrize("typed", ["{code}", "{lower}", "{bare}", "  {code}  ", "{link}"], ids=str)
def test_the_code_typed_on_the_sharing_page_works_in_any_usual_form(
    app, org, recruiter, make_candidate, typed
):
    link, code = share_link_of(recruiter)
    values = {"code": code, "lower": code.lower(), "bare": code.replace("-", ""), "link": link}
    candidate = signed_in(app, make_candidate())
    answer = post_form(candidate, "/profile/sharing", {"code": typed.format(**values)})
    assert answer.status_code == 303
    assert org_name(app, org) in text_of(candidate.get("/profile/sharing"))


def test_a_wrong_code_is_a_field_error_and_the_typed_code_stays(app, org, make_candidate):
    candidate = signed_in(app, make_candidate())
    answer = post_form(candidate, "/profile/sharing", {"code": org.slug})
    assert answer.status_code == 422
    assert "This share link or code is not valid" in text_of(answer)
    assert f'value="{org.slug}"' in answer.text
    assert 'aria-invalid="true" aria-describedby="code-error"' in answer.text


def test_a_recruiter_replaces_a_leaked_share_link_and_the_old_one_stops_working(
    app, org, recruiter, make_candidate, make_recruiter
):
    old_link, old_code = share_link_of(recruiter)
    email = make_candidate()
    name_candidate(app, email, "Early Sharer")
    assert post_form(signed_in(app, email), old_link, {}).status_code == 303
    other = signed_in(app, make_recruiter().recruiter_email)
    others_link, _ = share_link_of(other)

    confirm = recruiter.get("/account/share-link")
    assert confirm.status_code == 200
    assert "Replace your share link?" in text_of(confirm)
    replaced = post_form(recruiter, "/account/share-link", {})
    assert replaced.status_code == 303
    assert replaced.location == "/account"
    assert "The old link and code no longer work" in text_of(recruiter.get("/account"))

    new_link, new_code = share_link_of(recruiter)
    assert new_code != old_code
    assert app.test_client().get(old_link).status_code == 404
    late = signed_in(app, make_candidate())
    assert post_form(late, "/profile/sharing", {"code": old_code}).status_code == 422
    assert org_name(app, org) in text_of(app.test_client().get(new_link))
    assert "Early Sharer" in text_of(recruiter.get("/candidates"))  # shared before: still shared
    assert share_link_of(other)[0] == others_link
    assert "Share link replaced" in text_of(recruiter.get("/audit"))


def test_with_htmx_replacing_the_share_link_reloads_the_account_page(recruiter):
    _link, old_code = share_link_of(recruiter)
    answer = post_form(
        recruiter, "/account/share-link", {}, headers={"HX-Request": "true"}, csrf_from="/account"
    )
    assert answer.status_code == 204
    assert answer.headers["HX-Redirect"] == "/account"
    assert share_link_of(recruiter)[1] != old_code


def test_only_the_organisations_recruiters_replace_its_share_link(
    app, org, recruiter, make_candidate
):
    _link, code = share_link_of(recruiter)
    assert recruiter.post("/account/share-link", data={}).status_code == 400  # no CSRF token
    candidate = signed_in(app, make_candidate())
    assert candidate.get("/account/share-link").status_code == 403
    refused = post_form(candidate, "/account/share-link", {}, csrf_from="/profile")
    assert refused.status_code == 403
    visitor = app.test_client().get("/account/share-link")
    assert visitor.status_code == 302
    assert "/signin" in visitor.location
    assert share_link_of(recruiter)[1] == code


# --- the audit log ---------------------------------------------------------------------------


def test_the_audit_log_shows_events_in_words_not_codes(app, org, recruiter, make_candidate):
    post_form(
        recruiter,
        "/api-keys",
        {"name": "Greenhouse sync", "scopes": ["candidates:read", "matches:read"]},
    )
    failed = app.test_client()
    post_form(failed, "/signin", {"email": org.recruiter_email, "password": "wrong password!!"})
    role_id = make_role(app, org, "Head of Product")
    email = make_candidate()
    name_candidate(app, email, "Quinn Revealed")
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        share_code = db.session.get(Organisation, org.organisation_id).share_code
        candidate_id = candidates.own_profile(db.session, user).id
        candidates.share_by_code(db.session, user, share_code)
        match_reveals.reveal(
            db.session, recruiter_actor(org.recruiter_email), role_id, candidate_id, Origin()
        )
        db.session.remove()

    words = text_of(recruiter.get("/audit"))
    assert "Signed in" in words
    assert "Sign-in refused (wrong email or password)" in words
    assert "API key created Greenhouse sync (candidates:read, matches:read)" in words
    assert "Candidate revealed on a blind board" in words
    assert "is Quinn Revealed" in words
    for code in ("sign_in", "api_key.created", "match.revealed", "{'", "scopes:"):
        assert code not in words


# --- API keys --------------------------------------------------------------------------------


def test_a_new_key_comes_with_a_copy_control_that_needs_no_inline_script(recruiter):
    page = recruiter.get("/api-keys")
    answer = post_form(recruiter, "/api-keys", {"name": "ATS", "scopes": ["scorecards:read"]})
    assert answer.status_code == 200
    token = re.search(r'<p class="secret" id="new-key">(cpo_[^<]+)</p>', answer.text)
    assert token, "the new key is shown as plain text"
    # The button is hidden until copy.js shows it: without JavaScript the key is plain text.
    assert re.search(
        r'<button type="button"[^>]*data-copy="new-key" hidden>Copy key</button>', answer.text
    )
    assert 'src="/static/js/copy.js"' in page.text
    assert not re.search(r"<script(?![^>]*\bsrc=)", page.text), "no inline script (CSP)"
    assert recruiter.get("/static/js/copy.js").status_code == 200


def test_each_scope_is_described_beside_its_checkbox(recruiter):
    words = text_of(recruiter.get("/api-keys"))
    assert "scorecards:read Read your role scorecards and their published versions." in words
    assert "matches:read Rank candidates against a scorecard" in words
    for scope in SCOPES:
        assert re.search(re.escape(scope) + r" [A-Z][^.]{20,}\.", words), scope


# --- navigation and dashboards ---------------------------------------------------------------


def test_the_recruiters_navigation_names_their_organisation(app, org, recruiter):
    nav = re.search(r'<nav aria-label="Main".*?</nav>', recruiter.get("/dashboard").text, re.S)
    assert org_name(app, org) in unescape(nav.group(0))


def test_the_recruiters_dashboard_lists_drafts_and_the_candidates_new_since_the_last_visit(
    app, org, make_candidate
):
    draft_id = make_role(app, org, "Draft CPO role", publish=False)
    make_role(app, org, "Published CPO role")
    earlier, later = make_candidate(), make_candidate()
    name_candidate(app, earlier, "Early Shared")
    name_candidate(app, later, "Late Shared")
    share(app, earlier, org)
    signed_in(app, org.recruiter_email)  # a visit: later shares are new
    share(app, later, org)

    page = signed_in(app, org.recruiter_email).get("/dashboard")
    words = text_of(page)
    drafts = section_text(page, "drafts-heading")
    assert "Draft CPO role" in drafts
    assert "Published CPO role" not in drafts
    assert f'href="/scorecards/{draft_id}"' in page.text
    waiting = section_text(page, "waiting-heading")
    assert "1 candidate shared a profile with you since your last visit" in waiting
    assert "Late Shared" in waiting
    assert "Early Shared" not in waiting
    assert "Your share link" in words


def test_the_candidates_dashboard_lists_who_they_share_with_beside_the_readiness_headline(
    app, org, make_candidate
):
    email = make_candidate()
    share(app, email, org)
    page = signed_in(app, email).get("/dashboard")
    sharing = section_text(page, "sharing-heading")
    assert f"You share your profile with: {org_name(app, org)}" in sharing
    assert "Your readiness" in text_of(page)

    alone = signed_in(app, make_candidate()).get("/dashboard")
    assert "no organisation sees it yet" in section_text(alone, "sharing-heading")


# --- helpers ---------------------------------------------------------------------------------


def org_name(app, org) -> str:
    with app.app_context():
        name = db.session.get(Organisation, org.organisation_id).name
        db.session.remove()
    return name


def share(app, email: str, org) -> None:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        code = db.session.get(Organisation, org.organisation_id).share_code
        candidates.share_by_code(db.session, user, code)
        db.session.remove()


def section_text(response, heading_id: str) -> str:
    """The text of the <article> labelled by `heading_id`."""
    found = re.search(rf'<article aria-labelledby="{heading_id}".*?</article>', response.text, re.S)
    assert found, f"no article {heading_id}"
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", found.group(0))).split())
