"""Hostile bodies and numbers get a 4xx problem (or the page's own error), never a 500."""

import pytest

from portal.models.accounts import SCOPES
from tests.conftest import assert_problem

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
