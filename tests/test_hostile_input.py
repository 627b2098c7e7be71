"""Hostile bodies and numbers get a 4xx problem (or the page's own error), never a 500."""

import pytest

from portal.models.accounts import SCOPES
from tests.conftest import assert_problem, post_form, sign_in

DEEP = "[" * 330 + "]" * 330
HUGE_INTEGER = "9" * 5000


@pytest.fixture
def token(make_recruiter, make_api_key):
    return make_api_key(make_recruiter().organisation_id, list(SCOPES))


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/candidates",
        "/api/v1/candidates/import",
        "/api/v1/scorecards",
        "/api/v1/competencies",
        "/api/v1/scorecards/1/matches/what-if",
    ],
)
@pytest.mark.parametrize("signed", [True, False])
def test_deeply_nested_json_is_refused_before_parsing(client, token, url, signed):
    headers = {"Authorization": f"Bearer {token}"} if signed else {}
    response = client.post(url, data=DEEP, content_type="application/json", headers=headers)
    body = assert_problem(response, 400)
    assert "nested" in body["detail"]


@pytest.mark.parametrize("url", ["/signin", "/signup", "/profile/import"])
def test_deeply_nested_json_to_a_page_is_a_bad_request_page(client, url):
    response = client.post(url, data=DEEP, content_type="application/json")
    assert response.status_code == 400
    assert response.mimetype == "text/html"


def test_json_just_deep_enough_for_real_documents_is_read(client, token):
    resume = {"basics": {"name": "Deep Enough", "profiles": [{"network": "x"}]}}
    response = client.post(
        "/api/v1/candidates/import", json=resume, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    ("url", "template"),
    [
        ("/api/v1/candidates", '{"name": "Big", "years_product": NUMBER}'),
        ("/api/v1/scorecards", '{"title": "Big", "clone_from": NUMBER}'),
        ("/api/v1/scorecards/1/matches/what-if", '{"requirements": {"min_years_product": NUMBER}}'),
    ],
    ids=["candidate", "scorecard", "what-if"],
)
def test_a_json_integer_of_thousands_of_digits_is_a_bad_request(client, token, url, template):
    response = client.post(
        url,
        data=template.replace("NUMBER", HUGE_INTEGER),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    body = assert_problem(response, 400)
    assert "4300 digits" in body["detail"]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/competencies/%00",
        "/api/v1/responsibilities/a%00b",
        "/api/v1/steps/%00",
        "/framework/competencies/%00",
        "/framework/responsibilities/%00",
        "/framework/steps/x%00",
    ],
)
def test_a_nul_in_a_slug_path_is_not_found_on_every_database(client, url):
    response = client.get(url)
    assert response.status_code == 404
    if url.startswith("/api/"):
        assert_problem(response, 404)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/scorecards/2147483648",
        "/api/v1/candidates/99999999999999999999",
        "/api/v1/scorecards/2147483648/matches",
        "/scorecards/2147483648/matches",
    ],
)
def test_ids_past_32_bits_are_not_found(client, token, url):
    response = client.get(url, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code in (404, 302), response.text


def test_cloning_an_id_past_32_bits_is_refused_not_a_crash(client, token):
    response = client.post(
        "/api/v1/scorecards",
        json={"title": "Clone", "clone_from": str(2**31)},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert 400 <= response.status_code < 500, response.text
    assert response.mimetype == "application/problem+json"


def test_the_builder_refuses_a_source_id_past_32_bits(client, make_recruiter):
    sign_in(client, make_recruiter().recruiter_email)
    response = post_form(client, "/scorecards/new", {"source": str(2**31)}, csrf_from="/scorecards")
    assert response.status_code == 404
