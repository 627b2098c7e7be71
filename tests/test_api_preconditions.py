"""If-Match as RFC 9110 defines it: `*` matches any existing resource, weak tags never match,
and one write moves the revision by exactly one."""

import pytest

from tests.conftest import assert_problem
from tests.test_api_scorecards import BASE, WRITES, Caller, _write, entry


@pytest.fixture
def api(client, make_api_key, make_recruiter) -> Caller:
    scopes = ["scorecards:read", "scorecards:write", "candidates:read", "candidates:write"]
    return Caller(client, make_api_key(make_recruiter().organisation_id, scopes))


@pytest.mark.parametrize("operation", WRITES)
def test_if_match_star_writes_whatever_revision_exists(api, operation):
    created = api.create()
    response = _write(api, operation, created["id"], "*")
    assert response.status_code in (200, 204), response.text


@pytest.mark.parametrize("operation", WRITES)
def test_if_match_star_on_a_missing_scorecard_is_404(api, operation):
    assert_problem(_write(api, operation, 2_000_000_000, "*"), 404)


@pytest.mark.parametrize("operation", WRITES)
def test_a_weak_etag_never_matches_a_write(api, operation):
    created = api.create()
    url = f"{BASE}/{created['id']}"
    weak = "W/" + api.etag(created["id"])
    assert_problem(_write(api, operation, created["id"], weak), 412)
    assert api.get(url).json == created


def test_one_patch_moves_the_revision_by_exactly_one(api):
    created = api.create()
    url = f"{BASE}/{created['id']}"
    before = api.etag(created["id"])
    changes = {
        "title": "Renamed",
        "mission": "New mission",
        "outcomes": ["One", "Two"],
        "requirements": {"min_years_product": 9},
        "competencies": [entry("product-strategy", 4, 5, True), entry("strategic-partnerships")],
    }
    response = api.patch(url, changes, if_match=before)
    assert response.status_code == 200, response.json
    assert int(response.headers["ETag"].strip('"r')) == int(before.strip('"r')) + 1


def test_if_match_star_on_a_candidate(api):
    created = api.post("/api/v1/candidates", {"name": "Star Writer"})
    assert created.status_code == 201
    url = f"/api/v1/candidates/{created.json['id']}"
    response = api.patch(url, {"headline": "Changed"}, if_match="*")
    assert response.status_code == 200
    assert response.json["headline"] == "Changed"
    assert api.delete(url, if_match="*").status_code == 204
    assert_problem(api.delete(url, if_match="*"), 404)
