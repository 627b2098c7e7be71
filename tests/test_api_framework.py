"""The public framework API: shapes, filters, pagination, ETags and problem+json errors."""

import json

import pytest

from tests.conftest import PROBLEM


def test_competency_shape_has_five_levels_and_indicators(client):
    response = client.get("/api/v1/competencies/product-strategy")
    assert response.status_code == 200
    body = response.json
    assert list(body) == [
        "slug",
        "name",
        "category",
        "category_name",
        "description",
        "indicators",
        "levels",
    ]
    assert body["category"] == "product-management"
    assert len(body["indicators"]) >= 3
    assert [level["level"] for level in body["levels"]] == [1, 2, 3, 4, 5]
    assert body["levels"][0]["label"] == "Foundational"
    assert body["levels"][4]["label"] == "Executive"


def test_list_filters_by_category(client):
    response = client.get("/api/v1/competencies?category=technical&page_size=100")
    assert response.status_code == 200
    assert response.json
    assert {item["category"] for item in response.json} == {"technical"}


def test_text_search_matches_names_descriptions_and_indicators(client):
    everything = client.get("/api/v1/competencies?page_size=100").json
    found = client.get("/api/v1/competencies?q=ROADMAP&page_size=100").json
    assert 0 < len(found) < len(everything)
    for item in found:
        haystack = " ".join([item["name"], item["description"], *item["indicators"]]).lower()
        assert "roadmap" in haystack


@pytest.mark.parametrize(
    "q", ['"', "%", "_", "100%", "<script>alert(1)</script>", "'; DROP TABLE x;--"]
)
def test_search_treats_any_text_literally(client, q):
    response = client.get("/api/v1/competencies", query_string={"q": q})
    assert response.status_code == 200
    assert response.json == []


def test_percent_is_not_a_wildcard(client):
    assert client.get("/api/v1/competencies", query_string={"q": "%"}).json == []


def test_long_or_control_character_queries_are_422(client):
    for q in ["x" * 10_000, "road\x00map"]:
        response = client.get("/api/v1/competencies", query_string={"q": q})
        assert response.status_code == 422
        assert response.content_type == PROBLEM
        assert "q" in response.json["errors"]


def test_pagination_headers(client):
    response = client.get("/api/v1/competencies?page=2&page_size=5")
    assert response.status_code == 200
    assert len(response.json) == 5
    meta = json.loads(response.headers["X-Pagination"])
    assert meta["page"] == 2
    assert meta["previous_page"] == 1
    assert meta["total"] >= 12
    links = response.headers["Link"]
    assert 'rel="first"' in links
    assert 'rel="prev"' in links
    assert "page=3" in links.split('rel="next"')[0].rsplit("<", 1)[1]
    assert 'rel="last"' in links


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page=0", "page"),
        ("page=abc", "page"),
        ("page_size=101", "page_size"),
        ("page_size=-1", "page_size"),
        ("category=astrology", "category"),
    ],
)
def test_bad_list_arguments_are_422_naming_the_field(client, query, field):
    response = client.get(f"/api/v1/competencies?{query}")
    assert response.status_code == 422
    assert response.content_type == PROBLEM
    body = response.json
    assert body["status"] == 422
    assert body["title"] == "Unprocessable Entity"
    assert field in body["errors"]


@pytest.mark.parametrize(
    "url",
    ["/api/v1/competencies/astrology", "/api/v1/responsibilities/nope", "/api/v1/steps/nope"],
)
def test_unknown_slugs_are_404_problems(client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert response.content_type == PROBLEM
    assert set(response.json) >= {"type", "title", "status", "detail"}


@pytest.mark.parametrize(
    "url", ["/api/v1/competencies/product-strategy", "/api/v1/steps", "/api/v1/responsibilities"]
)
def test_etag_and_if_none_match(client, url):
    first = client.get(url)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""


def test_responsibilities_and_steps(client):
    responsibilities = client.get("/api/v1/responsibilities").json
    assert len(responsibilities) == 5
    detail = client.get(f"/api/v1/responsibilities/{responsibilities[0]['slug']}").json
    assert detail["title"] == responsibilities[0]["title"]
    assert detail["competencies"]
    steps = client.get("/api/v1/steps").json
    assert [step["order"] for step in steps] == [1, 2, 3, 4, 5]
    step = client.get(f"/api/v1/steps/{steps[0]['slug']}").json
    assert step["actions"]
    assert step["competencies"]
    for slug in step["competencies"]:
        assert client.get(f"/api/v1/competencies/{slug}").status_code == 200


def test_method_not_allowed_is_a_problem_with_allow(client):
    response = client.delete("/api/v1/steps")
    assert response.status_code == 405
    assert response.content_type == PROBLEM
    assert "GET" in response.headers["Allow"]


def test_unknown_api_url_is_a_problem(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.content_type == PROBLEM
