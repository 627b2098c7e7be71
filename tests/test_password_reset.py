"""Forgotten passwords (a one-time, expiring link by mail) and sign-up that does not tell
whether an email has an account."""

import re
from datetime import timedelta

from sqlalchemy import select, update

from portal.extensions import db
from portal.models import AuditEvent, PasswordReset, User
from portal.models.types import utcnow
from portal.services import accounts, mail
from portal.services.access import Origin
from tests.conftest import CSRF_FIELD, PASSWORD, post_form, sign_in, unique_email

NEW_PASSWORD = "violet-tractor-lantern-meadow-42"
LINK = re.compile(r"http://localhost(/password/reset/[A-Za-z0-9_-]+)")


def forgot(client, email: str):
    return post_form(client, "/password/forgot", {"email": email})


def reset_link(email: str) -> str:
    """The path of the newest reset link mailed to `email`."""
    messages = [m for m in mail.sent_to(email) if LINK.search(m.body)]
    assert messages, f"no reset link was mailed to {email}"
    return LINK.search(messages[-1].body).group(1)


def choose(client, path: str, password: str = NEW_PASSWORD):
    return post_form(client, path, {"password": password})


def without_csrf(text: str) -> str:
    return CSRF_FIELD.sub('name="csrf_token" value=""', text)


def test_the_answer_is_the_same_for_known_and_unknown_emails(client, make_candidate):
    known = make_candidate()
    unknown = unique_email("nobody")
    answers = [forgot(client, known), forgot(client, unknown)]
    assert [a.status_code for a in answers] == [303, 303]
    assert answers[0].headers["Location"] == answers[1].headers["Location"] == "/signin"
    # Each answer leads to the same page, message and all (the flash is shown once).
    pages = []
    for email in (known, unknown):
        forgot(client, email)
        pages.append(without_csrf(client.get("/signin").text))
    assert pages[0] == pages[1]
    assert "If an account exists for that email" in pages[0]
    assert mail.sent_to(unknown) == []
    assert len(mail.sent_to(known)) == 2


def test_the_link_resets_once_and_signs_out_every_session(app, client, make_candidate):
    email = make_candidate()
    elsewhere = app.test_client()
    assert sign_in(elsewhere, email).status_code == 303
    assert elsewhere.get("/account").status_code == 200

    forgot(client, email)
    path = reset_link(email)
    assert client.get(path).status_code == 200
    done = choose(client, path)
    assert done.status_code == 303
    assert done.headers["Location"] == "/signin"

    assert elsewhere.get("/account").status_code == 302  # the old session is over
    assert sign_in(client, email, PASSWORD).status_code == 422  # the old password is not
    assert sign_in(client, email, NEW_PASSWORD).status_code == 303

    again = app.test_client()
    assert again.get(path).status_code == 410
    assert "not valid any more" in again.get(path).text
    with app.app_context():
        actions = set(
            db.session.scalars(select(AuditEvent.action).where(AuditEvent.subject == email))
        )
        db.session.remove()
    assert {"password_reset.requested", "password_reset.completed"} <= actions


def test_a_spent_link_changes_nothing(app, client, make_candidate):
    email = make_candidate()
    forgot(client, email)
    path = reset_link(email)
    assert choose(client, path).status_code == 303
    token = CSRF_FIELD.search(client.get("/signin").text).group(1)
    second = client.post(
        path, data={"password": "another-fresh-phrase-of-words-7", "csrf_token": token}
    )
    assert second.status_code == 410
    assert sign_in(app.test_client(), email, NEW_PASSWORD).status_code == 303


def test_an_expired_link_is_refused(app, client, make_candidate):
    email = make_candidate()
    forgot(client, email)
    path = reset_link(email)
    with app.app_context():
        db.session.execute(update(PasswordReset).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
        db.session.remove()
    assert client.get(path).status_code == 410
    assert sign_in(app.test_client(), email, PASSWORD).status_code == 303


def test_a_newer_link_replaces_the_older_one(client, make_candidate):
    email = make_candidate()
    forgot(client, email)
    older = reset_link(email)
    forgot(client, email)
    newer = reset_link(email)
    assert older != newer
    assert client.get(older).status_code == 410
    assert client.get(newer).status_code == 200


def test_only_the_hash_of_the_token_is_stored(app, client, make_candidate):
    email = make_candidate()
    forgot(client, email)
    token = reset_link(email).rsplit("/", 1)[1]
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == email))
        stored = db.session.scalars(
            select(PasswordReset.token_hash).where(PasswordReset.user_id == user_id)
        ).all()
        db.session.remove()
    assert stored
    assert token not in stored
    assert accounts._token_hash(token) in stored


def test_the_new_password_follows_the_password_rules(client, make_candidate):
    email = make_candidate()
    forgot(client, email)
    path = reset_link(email)
    weak = choose(client, path, "password1234")
    assert weak.status_code == 422
    assert 'id="password-error"' in weak.text
    assert client.get(path).status_code == 200  # a refused password does not spend the link


def test_reset_requests_are_rate_limited_per_address(client, make_candidate):
    email = make_candidate()
    statuses = [forgot(client, email).status_code for _ in range(6)]
    assert statuses[:5] == [303] * 5
    assert statuses[5] == 429
    assert len(mail.sent_to(email)) == 5


def test_reset_by_service_needs_an_account(session):
    before = len(mail.outbox)
    accounts.request_password_reset(
        session, unique_email("ghost"), Origin(), lambda token: f"/x/{token}"
    )
    assert len(mail.outbox) == before


# --- sign-up does not tell whether an email has an account ------------------------------------


def _sign_up(client, email: str, password: str = PASSWORD):
    data = {
        "role": "candidate",
        "name": "Pat Example",
        "email": email,
        "password": password,
        "organisation_name": "",
    }
    return post_form(client, "/signup", data)


def test_sign_up_with_a_taken_email_mails_its_owner_and_says_nothing(app, client, make_candidate):
    taken = make_candidate()
    answer = _sign_up(client, taken.upper())
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/signup/sent"
    page = client.get("/signup/sent").text
    assert "Check your inbox" in page
    assert "already" not in page
    (warning,) = mail.sent_to(taken)
    assert "tried to create an account" in warning.subject
    assert "/password/forgot" in warning.body
    with app.app_context():
        assert db.session.scalar(select(User.name).where(User.email == taken)) == "Cand"
        db.session.remove()


def test_password_problems_do_not_depend_on_whether_the_email_is_taken(client, make_candidate):
    taken = make_candidate()
    weak = [_sign_up(client, email, "password1234") for email in (taken, unique_email())]
    assert [a.status_code for a in weak] == [422, 422]
    assert all('id="password-error"' in a.text and "already" not in a.text for a in weak)
    assert mail.sent_to(taken) == []


def test_sign_in_page_links_to_the_reset(client):
    assert 'href="/password/forgot"' in client.get("/signin").text
