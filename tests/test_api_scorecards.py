"""The scorecards API as integrations use it: bearer keys, ETags, If-Match, versions, errors."""

import json
import re

import pytest

from portal.services.framework_loader import read_framework_file, shipped_slugs
from tests.conftest import PROBLEM, assert_problem, csrf_token_from, sign_in

BASE = "/api/v1/scorecards"
RW = ["scorecards:read", "scorecards:write"]
SHAPE = {
    "id",
    "title",
    "mission",
    "outcomes",
    "status",
    "version",
    "requirements",
    "competencies",
    "responsibilities",
    "created_at",
    "updated_at",
    "published_at",
}
REQUIREMENTS = {"min_years_product", "min_years_leadership", "education"}
COMPETENCY = {"competency", "name", "weight", "target_level", "must_have"}
ETAG = re.compile(r'^(W/)?"[^"]+"$')


def entry(slug, weight=3, target_level=4, must_have=False):
    return {
        "competency": slug,
        "weight": weight,
        "target_level": target_level,
        "must_have": must_have,
    }


STARTING_CONTENT = {
    "title": "Head of Product",
    "mission": "Own the product strategy.",
    "outcomes": ["Roadmap within 90 days"],
    "requirements": {"min_years_product": 6, "min_years_leadership": 2, "education": "bachelor"},
    "competencies": [entry("product-strategy", 5, 5, True), entry("team-leadership")],
    "responsibilities": [shipped_slugs("responsibilities")[0]],
}


class Caller:
    """An integration calling the API with one bearer key."""

    def __init__(self, client, token: str | None):
        self.client = client
        self.auth = {"Authorization": f"Bearer {token}"} if token else {}

    def _headers(self, if_match=None, **extra):
        headers = {**self.auth, **extra}
        if if_match is not None:
            headers["If-Match"] = if_match
        return headers

    def get(self, url, **headers):
        return self.client.get(url, headers=self._headers(**headers))

    def post(self, url, body=None, if_match=None):
        return self.client.post(url, json=body, headers=self._headers(if_match))

    def patch(self, url, body, if_match=None):
        return self.client.patch(url, json=body, headers=self._headers(if_match))

    def delete(self, url, if_match=None):
        return self.client.delete(url, headers=self._headers(if_match))

    def create(self, **body) -> dict:
        response = self.post(BASE, {**STARTING_CONTENT, **body})
        assert response.status_code == 201, response.json
        return response.json

    def etag(self, scorecard_id: int) -> str:
        response = self.get(f"{BASE}/{scorecard_id}")
        assert response.status_code == 200
        return response.headers["ETag"]

    def total(self, **query) -> int:
        response = self.client.get(BASE, query_string=query, headers=self.auth)
        assert response.status_code == 200
        return json.loads(response.headers["X-Pagination"])["total"]


@pytest.fixture
def org(make_recruiter):
    return make_recruiter()


@pytest.fixture
def api(client, make_api_key, org) -> Caller:
    return Caller(client, make_api_key(org.organisation_id, RW))


@pytest.fixture
def other_api(client, make_api_key, make_recruiter) -> Caller:
    return Caller(client, make_api_key(make_recruiter().organisation_id, RW))


# --- create --------------------------------------------------------------------------------


def test_create_answers_201_with_the_contract_shape_and_an_etag(api):
    response = api.post(BASE, {"title": "Head of Product"})
    assert response.status_code == 201
    assert ETAG.match(response.headers["ETag"])
    body = response.json
    assert set(body) == SHAPE
    assert set(body["requirements"]) == REQUIREMENTS
    assert body["title"] == "Head of Product"
    assert (body["status"], body["version"], body["published_at"]) == ("draft", 0, None)
    assert body["competencies"] == body["responsibilities"] == body["outcomes"] == []
    assert api.get(f"{BASE}/{body['id']}").json == body


def test_created_competencies_have_the_contract_shape(api):
    body = api.create()
    assert [set(item) for item in body["competencies"]] == [COMPETENCY, COMPETENCY]
    assert body["competencies"][0] == {
        "competency": "product-strategy",
        "name": "Product strategy and vision",
        "weight": 5,
        "target_level": 5,
        "must_have": True,
    }
    assert body["requirements"] == STARTING_CONTENT["requirements"]
    assert body["responsibilities"] == STARTING_CONTENT["responsibilities"]


def test_clone_of_the_benchmark_takes_the_given_title(api):
    benchmark = read_framework_file()["benchmark"]
    response = api.post(BASE, {"clone_from": "benchmark", "title": "VP Product"})
    assert response.status_code == 201
    body = response.json
    assert set(body) == SHAPE
    assert body["title"] == "VP Product"
    assert (body["status"], body["version"]) == ("draft", 0)
    assert body["mission"] == benchmark["mission"].strip()
    assert body["outcomes"] == benchmark["outcomes"]
    assert body["requirements"] == {
        "min_years_product": 8,
        "min_years_leadership": 3,
        "education": "bachelor",
    }
    assert [
        (c["competency"], c["weight"], c["target_level"], c["must_have"])
        for c in body["competencies"]
    ] == [
        (c["competency"], c["weight"], c["target_level"], c.get("must_have", False))
        for c in benchmark["competencies"]
    ]
    assert sorted(body["responsibilities"]) == sorted(shipped_slugs("responsibilities"))
    assert response.headers["ETag"] == api.etag(body["id"])


def test_clone_of_an_own_scorecard_copies_its_content(api):
    source = api.create(title="Original")
    response = api.post(BASE, {"clone_from": str(source["id"]), "title": "The copy"})
    assert response.status_code == 201
    copy = response.json
    assert copy["id"] != source["id"]
    for field in ("mission", "outcomes", "requirements", "competencies", "responsibilities"):
        assert copy[field] == source[field]
    assert copy["title"] == "The copy"
    assert api.get(f"{BASE}/{source['id']}").json["title"] == "Original"


def test_clone_of_another_organisations_scorecard_is_404(api, other_api):
    theirs = other_api.create()
    before = api.total()
    response = api.post(BASE, {"clone_from": str(theirs["id"]), "title": "Stolen"})
    assert_problem(response, 404)
    assert api.total() == before


@pytest.mark.parametrize(
    "body",
    [
        {"clone_from": "benchmark", "title": "   "},
        {
            "clone_from": "benchmark",
            "title": "VP Product",
            "competencies": [entry("product-strategy"), entry("product-strategy")],
        },
    ],
)
def test_a_rejected_clone_saves_nothing(api, body):
    before = api.total()
    assert_problem(api.post(BASE, body), 422)
    assert api.total() == before


# --- ETags ---------------------------------------------------------------------------------


def test_get_gives_an_etag_and_if_none_match_gives_304(api):
    created = api.create()
    url = f"{BASE}/{created['id']}"
    first = api.get(url)
    etag = first.headers["ETag"]
    assert first.status_code == 200
    assert ETAG.match(etag)

    cached = api.get(url, **{"If-None-Match": etag})
    assert cached.status_code == 304
    assert cached.data == b""
    assert cached.headers["ETag"] == etag
    assert api.get(url, **{"If-None-Match": f"W/{etag}"}).status_code == 304

    patched = api.patch(url, {"title": "Renamed"}, if_match=etag)
    assert patched.status_code == 200
    assert patched.headers["ETag"] != etag

    after = api.get(url, **{"If-None-Match": etag})
    assert after.status_code == 200
    assert after.json["title"] == "Renamed"
    assert after.headers["ETag"] == patched.headers["ETag"]
    assert api.get(url, **{"If-None-Match": after.headers["ETag"]}).status_code == 304


def _write(api, operation, scorecard_id, if_match):
    url = f"{BASE}/{scorecard_id}"
    if operation == "patch":
        return api.patch(url, {"title": "Changed by the write"}, if_match=if_match)
    if operation == "delete":
        return api.delete(url, if_match=if_match)
    return api.post(f"{url}/publish", if_match=if_match)


WRITES = ["patch", "delete", "publish"]


@pytest.mark.parametrize("operation", WRITES)
def test_writes_without_if_match_are_428_and_change_nothing(api, operation):
    created = api.create()
    url = f"{BASE}/{created['id']}"
    response = _write(api, operation, created["id"], None)
    body = assert_problem(response, 428)
    assert "If-Match" in body["detail"]
    assert api.get(url).json == created


@pytest.mark.parametrize("operation", WRITES)
@pytest.mark.parametrize("stale", ["old", '"nonsense"', '"r999"'])
def test_writes_with_a_stale_etag_are_412_and_change_nothing(api, operation, stale):
    created = api.create()
    url = f"{BASE}/{created['id']}"
    old_etag = api.etag(created["id"])
    renamed = api.patch(url, {"title": "Second title"}, if_match=old_etag)
    assert renamed.status_code == 200
    current = api.get(url)

    response = _write(api, operation, created["id"], old_etag if stale == "old" else stale)
    assert_problem(response, 412)
    after = api.get(url)
    assert after.status_code == 200
    assert after.json == current.json
    assert after.json["title"] == "Second title"
    assert (after.json["status"], after.json["version"]) == ("draft", 0)
    assert after.headers["ETag"] == current.headers["ETag"]
    assert api.get(f"{url}/versions").json == []


@pytest.mark.parametrize("operation", WRITES)
def test_writes_with_the_current_etag_succeed(api, operation):
    created = api.create()
    url = f"{BASE}/{created['id']}"
    etag = api.etag(created["id"])
    response = _write(api, operation, created["id"], etag)
    if operation == "delete":
        assert response.status_code == 204
        assert_problem(api.get(url), 404)
        return
    assert response.status_code == 200
    assert response.headers["ETag"] != etag
    after = api.get(url)
    assert after.headers["ETag"] == response.headers["ETag"]
    assert after.json == response.json
    if operation == "patch":
        assert after.json["title"] == "Changed by the write"
    else:
        assert (after.json["status"], after.json["version"]) == ("published", 1)


def test_two_stale_writers_the_first_wins(client, make_api_key, org):
    token = make_api_key(org.organisation_id, RW)
    alice, bob = Caller(client, token), Caller(client, token)
    created = alice.create()
    url = f"{BASE}/{created['id']}"
    alice_etag, bob_etag = alice.etag(created["id"]), bob.etag(created["id"])
    assert alice_etag == bob_etag

    first = alice.patch(url, {"title": "Alice's title"}, if_match=alice_etag)
    assert first.status_code == 200
    second = bob.patch(url, {"title": "Bob's title", "mission": "Bob"}, if_match=bob_etag)
    assert_problem(second, 412)

    final = bob.get(url).json
    assert final["title"] == "Alice's title"
    assert final["mission"] == STARTING_CONTENT["mission"]


# --- publishing and versions ---------------------------------------------------------------


def test_publish_and_versions(api):
    created = api.create()
    url = f"{BASE}/{created['id']}"
    published = api.post(f"{url}/publish", if_match=api.etag(created["id"]))
    assert published.status_code == 200
    first = published.json
    assert (first["version"], first["status"]) == (1, "published")
    assert first["published_at"] is not None
    assert first["title"] == "Head of Product"

    listed = api.get(f"{url}/versions")
    assert listed.status_code == 200
    assert [set(item) for item in listed.json] == [{"version", "title", "published_at"}]
    assert [(v["version"], v["title"]) for v in listed.json] == [(1, "Head of Product")]
    assert json.loads(listed.headers["X-Pagination"])["total"] == 1

    snapshot_1 = api.get(f"{url}/versions/1")
    assert snapshot_1.status_code == 200
    assert snapshot_1.json == first

    edited = api.patch(
        url,
        {"title": "Chief Product Officer", "competencies": [entry("product-strategy", 2, 3)]},
        if_match=published.headers["ETag"],
    )
    assert edited.status_code == 200
    assert edited.json["version"] == 1  # an edit is not a publish
    assert api.get(f"{url}/versions/1").json == snapshot_1.json

    second = api.post(f"{url}/publish", if_match=edited.headers["ETag"])
    assert second.status_code == 200
    assert second.json["version"] == 2

    assert api.get(f"{url}/versions/1").json == snapshot_1.json
    snapshot_2 = api.get(f"{url}/versions/2").json
    assert snapshot_2["version"] == 2
    assert snapshot_2["title"] == "Chief Product Officer"
    assert snapshot_2["competencies"] == [
        {
            "competency": "product-strategy",
            "name": "Product strategy and vision",
            "weight": 2,
            "target_level": 3,
            "must_have": False,
        }
    ]
    versions = api.get(f"{url}/versions").json
    assert [(v["version"], v["title"]) for v in versions] == [
        (2, "Chief Product Officer"),
        (1, "Head of Product"),
    ]
    assert_problem(api.get(f"{url}/versions/99"), 404)


def test_versions_are_paginated(api):
    created = api.create()
    url = f"{BASE}/{created['id']}"
    etag = api.etag(created["id"])
    for title in ("First", "Second", "Third"):
        etag = api.patch(url, {"title": title}, if_match=etag).headers["ETag"]
        published = api.post(f"{url}/publish", if_match=etag)
        assert published.status_code == 200
        etag = published.headers["ETag"]
    page = api.client.get(
        f"{url}/versions", query_string={"page": 2, "page_size": 1}, headers=api.auth
    )
    assert page.status_code == 200
    assert [(v["version"], v["title"]) for v in page.json] == [(2, "Second")]
    pagination = json.loads(page.headers["X-Pagination"])
    assert (pagination["total"], pagination["total_pages"], pagination["page"]) == (3, 3, 2)
    assert 'rel="next"' in page.headers["Link"]
    assert 'rel="prev"' in page.headers["Link"]


def test_publishing_without_competencies_is_422_and_publishes_nothing(api):
    created = api.create(competencies=[])
    url = f"{BASE}/{created['id']}"
    etag = api.etag(created["id"])
    body = assert_problem(api.post(f"{url}/publish", if_match=etag), 422)
    assert "competencies" in body["errors"]
    after = api.get(url)
    assert (after.json["status"], after.json["version"]) == ("draft", 0)
    assert after.headers["ETag"] == etag
    assert api.get(f"{url}/versions").json == []


# --- bad input -----------------------------------------------------------------------------

BAD_INPUT = [
    pytest.param({"competencies": [entry("product-strategy", weight=0)]}, "competencies.0.weight"),
    pytest.param({"competencies": [entry("product-strategy", weight=6)]}, "competencies.0.weight"),
    pytest.param(
        {"competencies": [entry("product-strategy", weight="3")]}, "competencies.0.weight"
    ),
    pytest.param(
        {"competencies": [entry("product-strategy", weight=2.5)]}, "competencies.0.weight"
    ),
    pytest.param(
        {"competencies": [entry("product-strategy", target_level=7)]},
        "competencies.0.target_level",
    ),
    pytest.param(
        {"competencies": [entry("team-leadership"), {**entry("product-strategy"), "must_have": 1}]},
        "competencies.1.must_have",
    ),
    pytest.param({"competencies": [entry("juggling")]}, "competencies.0.competency"),
    pytest.param(
        {"competencies": [entry("product-strategy"), entry("product-strategy", weight=1)]},
        "competencies.1.competency",
        id="duplicate-competency",
    ),
    pytest.param({"title": ""}, "title", id="empty-title"),
    pytest.param({"title": "   "}, "title", id="blank-title"),
    pytest.param({"title": "x" * 201}, "title", id="long-title"),
    pytest.param({"outcomes": [f"Outcome {n}" for n in range(9)]}, "outcomes", id="9-outcomes"),
    pytest.param({"outcomes": ["Fine", "  "]}, "outcomes.1", id="blank-outcome"),
    pytest.param({"mission": "m" * 2001}, "mission", id="long-mission"),
    pytest.param({"colour": "red"}, "colour", id="unknown-field"),
    pytest.param({"requirements": {"education": "phd"}}, "requirements.education"),
    pytest.param({"requirements": {"min_years_product": "5"}}, "requirements.min_years_product"),
    pytest.param({"requirements": {"min_years_product": 61}}, "requirements.min_years_product"),
    pytest.param({"responsibilities": ["making-coffee"]}, "responsibilities.0"),
]


@pytest.mark.parametrize(("change", "field"), BAD_INPUT)
def test_bad_patch_is_422_naming_the_field_and_saves_nothing(api, change, field):
    created = api.create()
    url = f"{BASE}/{created['id']}"
    etag = api.etag(created["id"])
    body = assert_problem(api.patch(url, change, if_match=etag), 422)
    assert field in body["errors"], body["errors"]
    assert all(isinstance(m, str) for messages in body["errors"].values() for m in messages)
    after = api.get(url)
    assert after.json == created
    assert after.headers["ETag"] == etag


@pytest.mark.parametrize(("change", "field"), BAD_INPUT)
def test_bad_create_is_422_naming_the_field_and_saves_nothing(api, change, field):
    before = api.total()
    body = assert_problem(api.post(BASE, {**STARTING_CONTENT, **change}), 422)
    assert field in body["errors"], body["errors"]
    assert api.total() == before


INCOMPLETE_COMPETENCIES = [
    pytest.param({"competency": "product-strategy"}, "competencies.0.weight", id="no-weight"),
    pytest.param(
        {"competency": "product-strategy", "weight": 2},
        "competencies.0.target_level",
        id="no-target",
    ),
    pytest.param({"weight": 3, "target_level": 3}, "competencies.0.competency", id="no-slug"),
]


@pytest.mark.parametrize(("incomplete", "field"), INCOMPLETE_COMPETENCIES)
def test_create_with_an_incomplete_competency_is_422(api, incomplete, field):
    before = api.total()
    body = assert_problem(api.post(BASE, {"title": "CPO", "competencies": [incomplete]}), 422)
    assert field in body["errors"]
    assert api.total() == before


@pytest.mark.parametrize(("incomplete", "field"), INCOMPLETE_COMPETENCIES)
def test_patch_with_an_incomplete_competency_is_422_not_500(api, incomplete, field):
    created = api.create()
    url = f"{BASE}/{created['id']}"
    response = api.patch(url, {"competencies": [incomplete]}, if_match=api.etag(created["id"]))
    body = assert_problem(response, 422)
    assert field in body["errors"]
    assert api.get(url).json == created


def test_create_without_a_title_is_422(api):
    before = api.total()
    body = assert_problem(api.post(BASE, {"mission": "No title"}), 422)
    assert "title" in body["errors"]
    assert api.total() == before


@pytest.mark.parametrize("payload", ["not json", "[1, 2]", "null"])
def test_a_body_that_is_not_an_object_is_a_problem_not_a_crash(api, payload):
    created = api.create()
    response = api.client.patch(
        f"{BASE}/{created['id']}",
        data=payload,
        content_type="application/json",
        headers={**api.auth, "If-Match": api.etag(created["id"])},
    )
    assert response.status_code in (400, 422)
    assert response.mimetype == PROBLEM
    assert api.get(f"{BASE}/{created['id']}").json == created


# --- delete --------------------------------------------------------------------------------


def test_delete_a_draft(api):
    created = api.create()
    url = f"{BASE}/{created['id']}"
    before = api.total()
    response = api.delete(url, if_match=api.etag(created["id"]))
    assert response.status_code == 204
    assert response.data == b""
    assert_problem(api.get(url), 404)
    assert api.total() == before - 1


def test_delete_of_a_published_scorecard_is_409(api):
    created = api.create()
    url = f"{BASE}/{created['id']}"
    published = api.post(f"{url}/publish", if_match=api.etag(created["id"]))
    assert published.status_code == 200
    assert_problem(api.delete(url, if_match=published.headers["ETag"]), 409)
    after = api.get(url)
    assert after.status_code == 200
    assert after.json == published.json
    assert [v["version"] for v in api.get(f"{url}/versions").json] == [1]


# --- other organisations, scopes and sessions ------------------------------------------------


def test_another_organisation_gets_404_not_403(api, other_api):
    created = api.create()
    url = f"{BASE}/{created['id']}"
    published = api.post(f"{url}/publish", if_match=api.etag(created["id"]))
    assert published.status_code == 200
    etag = published.headers["ETag"]

    assert_problem(other_api.get(url), 404)
    assert_problem(other_api.get(url, **{"If-None-Match": etag}), 404)
    assert_problem(other_api.patch(url, {"title": "Mine now"}, if_match=etag), 404)
    assert_problem(other_api.delete(url, if_match=etag), 404)
    assert_problem(other_api.post(f"{url}/publish", if_match=etag), 404)
    assert_problem(other_api.get(f"{url}/versions"), 404)
    assert_problem(other_api.get(f"{url}/versions/1"), 404)

    theirs = other_api.client.get(BASE, query_string={"page_size": 100}, headers=other_api.auth)
    assert created["id"] not in [item["id"] for item in theirs.json]
    ours = api.client.get(BASE, query_string={"page_size": 100}, headers=api.auth)
    assert created["id"] in [item["id"] for item in ours.json]
    after = api.get(url)
    assert after.json == published.json
    assert after.headers["ETag"] == etag


def test_a_read_only_key_cannot_write(api, client, make_api_key, org):
    created = api.create()
    url = f"{BASE}/{created['id']}"
    etag = api.etag(created["id"])
    reader = Caller(client, make_api_key(org.organisation_id, ["scorecards:read"]))
    assert reader.get(url).status_code == 200
    before = api.total()
    assert_problem(reader.patch(url, {"title": "Nope"}, if_match=etag), 403)
    assert_problem(reader.post(BASE, {"title": "Nope"}), 403)
    assert_problem(reader.post(f"{url}/publish", if_match=etag), 403)
    assert_problem(reader.delete(url, if_match=etag), 403)
    after = api.get(url)
    assert after.json == created
    assert after.headers["ETag"] == etag
    assert api.total() == before


def test_a_key_without_scorecard_scopes_cannot_read(api, client, make_api_key, org):
    created = api.create()
    outsider = Caller(client, make_api_key(org.organisation_id, ["matches:read"]))
    assert_problem(outsider.get(f"{BASE}/{created['id']}"), 403)
    assert_problem(outsider.get(BASE), 403)
    assert_problem(outsider.get(f"{BASE}/{created['id']}/versions"), 403)


def test_a_write_only_key_cannot_read(api, client, make_api_key, org):
    created = api.create()
    writer = Caller(client, make_api_key(org.organisation_id, ["scorecards:write"]))
    assert_problem(writer.get(f"{BASE}/{created['id']}"), 403)


def test_no_key_is_401_with_a_challenge(api, client, make_api_key, org):
    created = api.create()
    anonymous = Caller(client, None)
    for response in (
        anonymous.get(BASE),
        anonymous.get(f"{BASE}/{created['id']}"),
        anonymous.patch(f"{BASE}/{created['id']}", {"title": "x"}, if_match='"r1"'),
        anonymous.post(BASE, {"title": "x"}),
    ):
        assert_problem(response, 401)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    revoked = Caller(client, make_api_key(org.organisation_id, RW, revoked=True))
    response = revoked.get(BASE)
    assert_problem(response, 401)
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    wrong = Caller(client, "not-a-real-key")
    assert_problem(wrong.get(BASE), 401)
    assert api.get(f"{BASE}/{created['id']}").json == created


def test_a_browser_session_reads_and_writes_only_with_the_csrf_header(app, api, org):
    created = api.create()
    url = f"{BASE}/{created['id']}"
    etag = api.etag(created["id"])
    browser = app.test_client()
    assert sign_in(browser, org.recruiter_email).status_code == 303

    listed = browser.get(BASE, query_string={"page_size": 100})
    assert listed.status_code == 200
    assert created["id"] in [item["id"] for item in listed.json]
    assert browser.get(url).json == created

    refused = browser.patch(url, json={"title": "Via cookie"}, headers={"If-Match": etag})
    assert_problem(refused, 400)
    assert api.get(url).json["title"] == "Head of Product"

    token = csrf_token_from(browser, "/dashboard")
    accepted = browser.patch(
        url, json={"title": "Via cookie"}, headers={"If-Match": etag, "X-CSRFToken": token}
    )
    assert accepted.status_code == 200
    assert api.get(url).json["title"] == "Via cookie"


# --- listing -------------------------------------------------------------------------------


def test_list_filters_and_pagination(api):
    zebra = api.create(title="Zebracorn product lead")
    plain = api.create(title="Plain CPO")
    published = api.create(title="Published CPO")
    assert (
        api.post(
            f"{BASE}/{published['id']}/publish", if_match=api.etag(published["id"])
        ).status_code
        == 200
    )

    everything = api.client.get(BASE, query_string={"page_size": 100}, headers=api.auth)
    assert sorted(item["id"] for item in everything.json) == sorted(
        [zebra["id"], plain["id"], published["id"]]
    )
    assert all(set(item) == SHAPE for item in everything.json)

    only_published = api.client.get(BASE, query_string={"status": "published"}, headers=api.auth)
    assert [item["id"] for item in only_published.json] == [published["id"]]
    drafts = api.client.get(BASE, query_string={"status": "draft"}, headers=api.auth)
    assert sorted(item["id"] for item in drafts.json) == sorted([zebra["id"], plain["id"]])

    found = api.client.get(BASE, query_string={"q": "zebracorn"}, headers=api.auth)
    assert [item["id"] for item in found.json] == [zebra["id"]]

    first_page = api.client.get(BASE, query_string={"page_size": 1}, headers=api.auth)
    assert first_page.status_code == 200
    assert len(first_page.json) == 1
    pagination = json.loads(first_page.headers["X-Pagination"])
    assert (pagination["total"], pagination["total_pages"], pagination["page"]) == (3, 3, 1)
    link = first_page.headers["Link"]
    assert 'rel="next"' in link
    assert 'rel="last"' in link
    assert 'rel="prev"' not in link
    next_url = re.search(r'<([^>]+)>; rel="next"', link).group(1)
    assert "page=2" in next_url
    assert "page_size=1" in next_url
    second_page = api.client.get(next_url, headers=api.auth)
    assert len(second_page.json) == 1
    assert second_page.json[0]["id"] != first_page.json[0]["id"]


@pytest.mark.parametrize(
    "query", [{"status": "deleted"}, {"page_size": 101}, {"page": 0}, {"q": "x" * 201}]
)
def test_bad_list_queries_are_422(api, query):
    response = api.client.get(BASE, query_string=query, headers=api.auth)
    assert_problem(response, 422)


# --- answers built before the commit ---------------------------------------------------------


@pytest.mark.parametrize(
    ("write", "prefix"),
    [
        ("create", "INSERT INTO SCORECARDS "),
        ("clone", "INSERT INTO SCORECARDS "),
        ("edit", "UPDATE SCORECARDS "),
        ("publish", "INSERT INTO SCORECARD_VERSIONS "),
    ],
)
def test_a_write_is_answered_without_reading_the_database_after_its_commit(
    api, statements_after_commit, write, prefix
):
    """A connection lost right after the commit must not turn a saved write into a failure:
    the answer is built from what the transaction held, and equals what a GET answers."""
    draft = api.create()
    path = f"{BASE}/{draft['id']}"
    etag = api.get(path).headers["ETag"]
    after_commit = statements_after_commit(prefix)
    if write == "create":
        answer = api.post(BASE, STARTING_CONTENT)
        path = f"{BASE}/{answer.json['id']}"
    elif write == "clone":
        answer = api.post(BASE, {"clone_from": str(draft["id"]), "title": "The copy"})
        path = f"{BASE}/{answer.json['id']}"
    elif write == "edit":
        answer = api.patch(path, {"mission": "Own the whole product."}, if_match=etag)
    else:
        answer = api.post(f"{path}/publish", if_match=etag)
    assert answer.status_code in (200, 201), answer.json
    assert after_commit == []
    fetched = api.get(path)
    assert fetched.json == answer.json
    assert fetched.headers["ETag"] == answer.headers["ETag"]
