"""When the database does not answer, every answer is still the portal's own: 503 problem+json
under /api/, a 503 page elsewhere (even for a signed-in user, whose navigation needs the
database), with the security headers and the request id; teardown never raises."""

import pytest

from tests.conftest import PROBLEM, make_app, sign_in

UNREACHABLE = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere"


@pytest.fixture
def down():
    return make_app(UNREACHABLE).test_client()


def assert_portal_answer(response, status: int = 503) -> None:
    assert response.status_code == status
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Request-ID"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("url", ["/api/v1/competencies", "/api/v1/steps/x", "/api/v1/me"])
def test_the_api_answers_503_problem_json(down, url):
    response = down.get(url, headers={"Authorization": "Bearer cpo_abc_def"})
    assert_portal_answer(response)
    assert response.mimetype == PROBLEM
    assert response.headers["Retry-After"]
    assert "database" in response.json["detail"]


@pytest.mark.parametrize("url", ["/framework", "/framework/competencies/product-strategy"])
def test_pages_answer_a_503_page(down, url):
    response = down.get(url)
    assert_portal_answer(response)
    assert response.mimetype == "text/html"
    assert "database is not answering" in response.text
    assert "Traceback" not in response.text


def test_a_signed_in_user_gets_the_plain_503_page(client, down, make_recruiter):
    sign_in(client, make_recruiter().recruiter_email)
    cookie = client.get_cookie("session")
    down.set_cookie(cookie.key, cookie.value, domain=cookie.domain)
    response = down.get("/scorecards")
    assert_portal_answer(response)
    assert "database is not answering" in response.text


def test_readiness_probe_says_unavailable(down):
    assert_portal_answer(down.get("/readyz"))
