"""Sign-up confirmed by mail: the form answers alike whether or not the email has an account,
and only the link mailed to the address creates the account, once, within its lifetime."""

import re
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select, update

from portal.extensions import db
from portal.models import AuditEvent, Organisation, SignupRequest, User
from portal.models.types import utcnow
from portal.services import accounts, mail
from tests.conftest import PASSWORD, post_form, sign_up, sign_up_link, unique_email

CSRF_VALUE = re.compile(r'(name="csrf_token" value="|"X-CSRFToken": ")[^"]+"')
# What may differ between two answers that say the same thing: the request's id, the session
# cookie, the clock of the rate limit, and the length (the addresses differ; the bodies are
# compared with the address blanked).
PER_REQUEST_HEADERS = {
    "X-Request-ID",
    "Set-Cookie",
    "X-RateLimit-Reset",
    "Retry-After",
    "Content-Length",
}


def form(email: str, role: str = "candidate", **overrides) -> dict:
    return {
        "role": role,
        "name": "Pat Example",
        "email": email,
        "password": PASSWORD,
        "organisation_name": "Example Hiring Ltd" if role == "recruiter" else "",
        **overrides,
    }


def ask(client, email: str, **overrides):
    return post_form(client, "/signup", form(email, **overrides))


def rows(app, model, email: str) -> int:
    with app.app_context():
        count = db.session.scalar(
            select(func.count()).select_from(model).where(model.email == email)
        )
        db.session.remove()
    return count


def comparable(response, email: str) -> tuple:
    """An answer as an onlooker compares it: the typed address and the per-session CSRF token
    blanked, the per-request headers left out."""
    body = CSRF_VALUE.sub(r'\1"', response.get_data(as_text=True)).replace(email, "ADDRESS")
    headers = sorted((k, v) for k, v in response.headers if k not in PER_REQUEST_HEADERS)
    return response.status_code, headers, body


def test_a_taken_and_a_new_address_get_the_same_answer(app, make_candidate):
    taken, new = make_candidate(), unique_email("new")
    answers, pages, cookies = [], [], []
    for email in (taken, new):
        client = app.test_client()
        answers.append(comparable(ask(client, email), email))
        cookies.append(sorted(cookie.key for cookie in client._cookies.values()))
        pages.append(comparable(client.get("/signup/sent"), email))
    assert answers[0] == answers[1]
    assert answers[0][0] == 303
    assert dict(answers[0][1])["Location"] == "/signup/sent"
    assert pages[0] == pages[1]
    assert pages[0][0] == 200
    assert "Check your inbox" in pages[0][2]
    assert "ADDRESS" in pages[0][2]
    assert cookies[0] == cookies[1]


def test_the_address_on_the_page_is_escaped(client):
    email = '"<i>' + unique_email("quoted").replace("@", '"@')  # a valid, quoted local part
    assert ask(client, email).status_code == 303
    page = client.get("/signup/sent").text
    assert "<i>" not in page
    assert "&#34;&lt;i&gt;" in page


def test_both_ways_hash_the_password_once(app, make_candidate, monkeypatch):
    """The time of the answer does not tell either: both do the expensive work."""
    hashed = []
    original = PasswordHasher.hash
    monkeypatch.setattr(
        PasswordHasher, "hash", lambda self, *a, **k: hashed.append(1) or original(self, *a, **k)
    )
    for email in (make_candidate(), unique_email("new")):
        hashed.clear()
        assert ask(app.test_client(), email).status_code == 303
        assert hashed == [1], email


def test_a_taken_address_is_mailed_its_owner_and_nothing_is_kept(app, client, make_candidate):
    taken = make_candidate()
    with app.app_context():
        before = db.session.scalar(select(User.password_hash).where(User.email == taken))
        db.session.remove()
    assert ask(client, taken.upper(), name="Someone Else").status_code == 303
    (warning,) = mail.sent_to(taken)
    assert "tried to create an account" in warning.subject
    assert "http://localhost/signin" in warning.body
    assert "http://localhost/password/forgot" in warning.body
    assert "/signup/confirm/" not in warning.body
    assert rows(app, SignupRequest, taken) == 0
    assert rows(app, User, taken) == 1
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == taken))
        assert (user.name, user.password_hash) == ("Cand", before)
        db.session.remove()
    assert client.get("/dashboard").status_code == 302  # nobody is signed in


def test_a_new_address_gets_a_link_and_nothing_is_created_yet(app, client):
    email = unique_email("new")
    assert ask(client, email, role="recruiter").status_code == 303
    (message,) = mail.sent_to(email)
    assert "Confirm" in message.subject
    assert "24 hours" in message.body
    assert PASSWORD not in message.body
    token = sign_up_link(email).rsplit("/", 1)[1]
    assert rows(app, User, email) == 0
    with app.app_context():
        pending = db.session.scalar(select(SignupRequest).where(SignupRequest.email == email))
        assert pending.password_hash.startswith("$argon2id$")
        assert token not in pending.token_hash
        assert (pending.role, pending.organisation_name) == ("recruiter", "Example Hiring Ltd")
        assert pending.expires_at - pending.created_at == accounts.SIGN_UP_LIFETIME
        assert pending.used_at is None
        db.session.remove()
    page = client.get("/signup/sent").text
    assert token not in page
    assert client.get("/dashboard").status_code == 302


def test_opening_the_link_changes_nothing_and_its_button_creates_the_account(app, client):
    email = unique_email("confirm")
    ask(client, email, role="recruiter", name="Robin Founder")
    link = sign_up_link(email)
    opened = app.test_client().get(link)  # a mail scanner fetching the link
    assert opened.status_code == 200
    assert "Create my account" in opened.text
    assert "Robin Founder" in opened.text
    assert rows(app, User, email) == 0
    done = post_form(client, link, {})
    assert done.status_code == 303
    assert done.location == "/dashboard"
    dashboard = client.get("/dashboard").text
    assert "Welcome, Robin Founder" in dashboard
    assert "Example Hiring Ltd" in dashboard
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        assert user.role == "recruiter"
        assert user.organisation.name == "Example Hiring Ltd"
        assert user.password_hash.startswith("$argon2id$")
        pending = db.session.scalar(select(SignupRequest).where(SignupRequest.email == email))
        assert pending.used_at is not None
        actions = set(
            db.session.scalars(select(AuditEvent.action).where(AuditEvent.subject == email))
        )
        db.session.remove()
    assert {"sign_up.requested", "sign_up.confirmed"} <= actions


def test_the_confirmed_account_signs_in_with_the_password_typed_at_sign_up(app, client):
    email = unique_email("later")
    assert sign_up(client, form(email)).status_code == 303
    other = app.test_client()
    answer = post_form(other, "/signin", {"email": email, "password": PASSWORD})
    assert answer.status_code == 303


def test_a_link_works_once(app, client):
    email = unique_email("once")
    assert sign_up(client, form(email)).status_code == 303
    link = sign_up_link(email)
    again = app.test_client()
    for answer in (again.get(link), post_form(again, link, {}, csrf_from="/signup")):
        assert answer.status_code == 404
        assert "not valid any more" in answer.text
        assert 'href="/signup"' in answer.text
    assert rows(app, User, email) == 1


def test_an_expired_link_is_refused(app, client):
    email = unique_email("late")
    ask(client, email)
    link = sign_up_link(email)
    with app.app_context():
        db.session.execute(
            update(SignupRequest)
            .where(SignupRequest.email == email)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()
        db.session.remove()
    answer = client.get(link)
    assert answer.status_code == 404
    assert "Sign up again" in answer.text
    assert post_form(client, link, {}, csrf_from="/signup").status_code == 404
    assert rows(app, User, email) == 0


def test_an_unknown_link_is_refused(client):
    assert client.get("/signup/confirm/not-a-token").status_code == 404


def test_an_address_taken_meanwhile_gets_a_plain_answer(app, client, make_candidate):
    email = unique_email("meanwhile")
    ask(client, email)
    link = sign_up_link(email)
    page = client.get(link)  # opened before the other account exists
    make_candidate(email)  # another sign-up (or an invitation) took the address first
    answer = client.post(link, data={"csrf_token": _csrf(page.text)})
    assert answer.status_code == 409
    assert "already has an account" in answer.text
    assert 'href="/signin"' in answer.text
    assert rows(app, User, email) == 1
    assert client.get("/dashboard").status_code == 302
    # The link is spent: opening it again says so.
    assert client.get(link).status_code == 404


def _csrf(text: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', text).group(1)


def test_a_share_link_sign_up_lands_on_the_share_page_after_confirming(app, make_recruiter):
    organisation = make_recruiter()
    with app.app_context():
        code = db.session.get(Organisation, organisation.organisation_id).share_code
        db.session.remove()
    path = f"/share/{code}"
    newcomer = app.test_client()
    email = unique_email("shared")
    done = sign_up(newcomer, form(email, next=path))
    assert done.status_code == 303
    assert done.location == path
    assert post_form(newcomer, path, {}).status_code == 303
    assert "You share your profile with" in newcomer.get(path).text


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:x"])
def test_a_foreign_landing_page_is_not_kept(client, target):
    done = sign_up(client, form(unique_email("next"), next=target))
    assert done.status_code == 303
    assert done.location == "/dashboard"


def test_bad_input_is_refused_on_the_form_and_keeps_nothing(app, client, make_candidate):
    for email in (make_candidate(), unique_email("weak")):
        answer = ask(client, email, password="short-pw")
        assert answer.status_code == 422
        assert 'id="password-error"' in answer.text
        assert rows(app, SignupRequest, email) == 0
        assert mail.sent_to(email) == []


def test_sign_ups_for_one_address_are_rate_limited(client):
    email = unique_email("flood")
    statuses = [ask(client, email).status_code for _ in range(6)]
    assert statuses == [303] * 5 + [429]
    assert len(mail.sent_to(email)) == 5
