"""Real multi-megabyte uploads over HTTP: the bulk import takes up to its own limit (50 MB);
every other body is capped at 1 MB."""

import re

import requests

from tests.conftest import PASSWORD

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def signed_in_session(live_server: str, email: str) -> tuple[requests.Session, str]:
    browser = requests.Session()
    token = CSRF.search(browser.get(f"{live_server}/signin", timeout=30).text).group(1)
    browser.post(
        f"{live_server}/signin",
        data={"email": email, "password": PASSWORD, "csrf_token": token},
        timeout=30,
    )
    page = browser.get(f"{live_server}/candidates/bulk", timeout=30)
    assert page.status_code == 200
    return browser, CSRF.search(page.text).group(1)


def csv_of(megabytes: int) -> bytes:
    header = "name,email,headline,years_product,years_leadership,education,background,"
    header += "certifications,summary\n"
    row = "Ann Example,ann@example.test,PM,5,1,bachelor,product-management,,{}\n"
    body = header
    number = 0
    while len(body) < megabytes * 1024 * 1024:
        number += 1
        body += row.format("x" * 80).replace("ann@", f"ann{number}@")
    return body.encode()


def test_a_bulk_upload_of_several_megabytes_is_accepted(live_server, make_recruiter):
    browser, token = signed_in_session(live_server, make_recruiter().recruiter_email)
    response = browser.post(
        f"{live_server}/candidates/bulk",
        data={"csrf_token": token},
        files={"file": ("pool.csv", csv_of(3), "text/csv")},
        allow_redirects=False,
        timeout=120,
    )
    assert response.status_code in (200, 303), response.text[:500]
    assert response.status_code != 413


def test_other_forms_keep_the_one_megabyte_limit(live_server, make_recruiter):
    browser, token = signed_in_session(live_server, make_recruiter().recruiter_email)
    response = browser.post(
        f"{live_server}/profile/import",
        data={"csrf_token": token},
        files={"file": ("big.json", b"{" + b" " * (2 * 1024 * 1024) + b"}", "application/json")},
        allow_redirects=False,
        timeout=120,
    )
    assert response.status_code == 413


def test_a_chunked_body_over_the_limit_is_413(live_server, make_recruiter, make_api_key):
    token = make_api_key(make_recruiter().organisation_id, ["candidates:write"])

    def chunks():
        yield b'{"name": "Chunked", "summary": "'
        for _ in range(40):
            yield b"x" * 65536
        yield b'"}'

    response = requests.post(
        f"{live_server}/api/v1/candidates",
        data=chunks(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        timeout=60,
    )
    assert response.status_code == 413, response.text
    assert response.headers["Content-Type"] == "application/problem+json"
