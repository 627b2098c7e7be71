"""Concurrent requests that race for the same unique thing: the loser gets the answer a
sequential duplicate gets, never a 500 (sign-up confirmations with one email or one
organisation name, one link used twice, shares of one profile)."""

import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import requests
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import CandidateShare, Organisation, User
from portal.services import accounts
from portal.services.access import Origin
from tests.conftest import PASSWORD, sign_up_link, unique_email

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
RACERS = 6


def _form(live_server: str, path: str) -> tuple[requests.Session, str]:
    browser = requests.Session()
    page = browser.get(f"{live_server}{path}", timeout=30)
    return browser, CSRF.search(page.text).group(1)


def _race(live_server: str, paths: list[str]) -> list[requests.Response]:
    """POST each page's form at the same moment, each from its own browser session."""
    prepared = [_form(live_server, path) for path in paths]
    start = Barrier(len(paths))

    def post(index: int) -> requests.Response:
        browser, token = prepared[index]
        start.wait()
        return browser.post(
            f"{live_server}{paths[index]}",
            data={"csrf_token": token},
            allow_redirects=False,
            timeout=60,
        )

    with ThreadPoolExecutor(len(paths)) as pool:
        return list(pool.map(post, range(len(paths))))


def _pending_sign_up(app, email: str, organisation: str, number: int) -> str:
    """A recruiter's sign-up waiting for its mailed link; answers the link's path."""
    links = accounts.SignUpLinks(
        confirm=lambda token: f"/signup/confirm/{token}", sign_in="/signin", reset="/reset"
    )
    with app.app_context():
        accounts.request_sign_up(
            db.session,
            role="recruiter",
            email=email,
            password=PASSWORD,
            name=f"Racer {number}",
            organisation_name=organisation,
            next_path="",
            origin=Origin(),
            links=links,
        )
        db.session.remove()
    return sign_up_link(email)


def test_concurrent_confirmations_of_one_email_make_one_account(app, live_server):
    email = unique_email("racer")
    links = [_pending_sign_up(app, email, f"Org {n}", n) for n in range(RACERS)]
    answers = _race(live_server, links)
    # One is signed in; the others are told the address has an account now (only the owner of
    # the address holds these links), never a 500.
    statuses = sorted(response.status_code for response in answers)
    assert statuses == [303] + [409] * (RACERS - 1), statuses
    assert [r.headers["Location"] for r in answers if r.status_code == 303] == ["/dashboard"]
    assert all("already has an account" in r.text for r in answers if r.status_code == 409)
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(User.email == email)) == 1
        db.session.remove()


def test_concurrent_confirmations_of_one_organisation_name_each_found_their_own(app, live_server):
    name = f"Racing Org {uuid.uuid4().hex[:6]}"
    links = [_pending_sign_up(app, unique_email("founder"), name, n) for n in range(RACERS)]
    answers = _race(live_server, links)
    assert [response.status_code for response in answers] == [303] * RACERS
    with app.app_context():
        slugs = db.session.scalars(select(Organisation.slug).where(Organisation.name == name))
        assert len(set(slugs)) == RACERS
        db.session.remove()


def test_one_link_confirmed_twice_at_once_makes_one_account(app, live_server):
    email = unique_email("twice")
    link = _pending_sign_up(app, email, "Twice Ltd", 1)
    answers = _race(live_server, [link] * RACERS)
    statuses = sorted(response.status_code for response in answers)
    assert statuses == [303] + [404] * (RACERS - 1), statuses
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(User.email == email)) == 1
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
