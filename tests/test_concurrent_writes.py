"""Concurrent requests that race for the same unique thing: the loser gets the answer a
sequential duplicate gets, never a 500 (sign-ups with one email or one organisation name,
shares of one profile)."""

import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import requests
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import CandidateShare, Organisation, User
from portal.services import accounts
from tests.conftest import PASSWORD, unique_email

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
RACERS = 6


def _form(live_server: str) -> tuple[requests.Session, str]:
    browser = requests.Session()
    page = browser.get(f"{live_server}/signup", timeout=30)
    return browser, CSRF.search(page.text).group(1)


def _race(live_server: str, fields: list[dict]) -> list[requests.Response]:
    """POST each sign-up at the same moment, each from its own browser session."""
    prepared = [_form(live_server) for _ in fields]
    start = Barrier(len(fields))

    def sign_up(index: int) -> requests.Response:
        browser, token = prepared[index]
        start.wait()
        return browser.post(
            f"{live_server}/signup",
            data={**fields[index], "csrf_token": token},
            allow_redirects=False,
            timeout=60,
        )

    with ThreadPoolExecutor(len(fields)) as pool:
        return list(pool.map(sign_up, range(len(fields))))


def _recruiter(email: str, organisation: str, number: int) -> dict:
    return {
        "role": "recruiter",
        "name": f"Racer {number}",
        "email": email,
        "password": PASSWORD,
        "organisation_name": organisation,
    }


def test_concurrent_sign_ups_with_one_email_make_one_account(app, live_server):
    email = unique_email("racer")
    answers = _race(live_server, [_recruiter(email, f"Org {n}", n) for n in range(RACERS)])
    # One is signed in; the others get the answer a taken email gets (sign in, check your mail).
    landings = sorted(response.headers.get("Location", "") for response in answers)
    assert [response.status_code for response in answers] == [303] * RACERS
    assert landings == ["/dashboard"] + ["/signin"] * (RACERS - 1), landings
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(User.email == email)) == 1
        db.session.remove()


def test_concurrent_sign_ups_with_one_organisation_name_each_found_their_own(app, live_server):
    name = f"Racing Org {uuid.uuid4().hex[:6]}"
    answers = _race(
        live_server, [_recruiter(unique_email("founder"), name, n) for n in range(RACERS)]
    )
    assert [response.status_code for response in answers] == [303] * RACERS
    with app.app_context():
        slugs = db.session.scalars(select(Organisation.slug).where(Organisation.name == name))
        assert len(set(slugs)) == RACERS
        db.session.remove()


def test_concurrent_shares_of_one_profile_make_one_share(app, live_server, make_recruiter):
    organisation = make_recruiter()
    email = unique_email("sharer")
    with app.app_context():
        accounts.register_candidate(db.session, email=email, password=PASSWORD, name="Sharer")
        code = db.session.get(Organisation, organisation.organisation_id).share_code
        db.session.remove()
    browser = requests.Session()
    token = CSRF.search(browser.get(f"{live_server}/signin", timeout=30).text).group(1)
    browser.post(
        f"{live_server}/signin",
        data={"email": email, "password": PASSWORD, "csrf_token": token},
        timeout=30,
    )
    page = browser.get(f"{live_server}/share/{code}", timeout=30)
    assert page.status_code == 200
    token = CSRF.search(page.text).group(1)
    start = Barrier(RACERS)

    def share(_):
        start.wait()
        return browser.post(
            f"{live_server}/share/{code}",
            data={"csrf_token": token},
            allow_redirects=False,
            timeout=60,
        ).status_code

    with ThreadPoolExecutor(RACERS) as pool:
        statuses = list(pool.map(share, range(RACERS)))
    assert all(status < 500 for status in statuses), statuses
    with app.app_context():
        shares = db.session.scalar(
            select(func.count()).where(
                CandidateShare.organisation_id == organisation.organisation_id
            )
        )
        assert shares == 1
        db.session.remove()
