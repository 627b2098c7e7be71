"""The candidates API as integrations use it: bearer keys, the CONTRACT's shape, ETags and
If-Match, validation, organisations and scopes, JSON Resume import and list filters."""

import copy
import json
import re
import uuid

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import User
from portal.services import candidates
from portal.services.access import Actor
from tests.conftest import PROBLEM, assert_problem

BASE = "/api/v1/candidates"
IMPORT = BASE + "/import"
RW = ["candidates:read", "candidates:write"]
SHAPE = {
    "id",
    "name",
    "email",
    "headline",
    "years_product",
    "years_leadership",
    "education",
    "certifications",
    "background",
    "summary",
    "assessments",
    "updated_at",  # when it last changed for the organisation (incremental sync)
}
ASSESSMENT = {"competency", "level", "evidence", "source"}
ETAG = re.compile(r'^(W/)?"[^"]+"$')

FULL = {
    "name": "Alex Product",
    "email": "alex.product@example.test",
    "headline": "VP Product, B2B SaaS",
    "years_product": 7.25,
    "years_leadership": 3,
    "education": "master",
    "certifications": ["Certified Scrum Product Owner"],
    "background": "engineering",
    "summary": "Grew a product org from 3 to 25 people.",
    "assessments": [
        {"competency": "product-strategy", "level": 4, "evidence": "Owned the 3-year strategy"},
        {"competency": "team-leadership", "level": 3},
    ],
}

RESUME = {
    "basics": {
        "name": "Jordan Resume",
        "email": "jordan@example.test",
        "label": "Head of Product, B2B SaaS",
        "summary": "Builds product teams.",
    },
    "work": [
        {
            "name": "Acme",
            "position": "Senior Product Manager",
            "startDate": "2010-01-01",
            "endDate": "2014-01-01",
        },
        {
            "name": "Beta",
            "position": "Head of Product",
            "startDate": "2013-01-01",
            "endDate": "2016-01-01",
        },
        {
            "name": "Gamma",
            "position": "Software Engineer",
            "startDate": "2005-01",
            "endDate": "2010-01",
        },
    ],
    "education": [
        {"institution": "State University", "studyType": "BSc"},
        {"institution": "Business School", "studyType": "MBA"},
    ],
    "certificates": [
        {"name": "Certified Scrum Product Owner"},
        {"name": "Pragmatic Marketing Certified"},
    ],
    "skills": [
        {"name": "Data-driven decision making", "level": "Expert"},
        {"name": "Pricing", "level": "Intermediate", "keywords": ["monetization"]},
    ],
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

    def get(self, url, query=None, **headers):
        return self.client.get(url, query_string=query, headers=self._headers(**headers))

    def post(self, url, body=None, **kwargs):
        return self.client.post(url, json=body, headers=self._headers(), **kwargs)

    def patch(self, url, body, if_match=None):
        return self.client.patch(url, json=body, headers=self._headers(if_match))

    def delete(self, url, if_match=None):
        return self.client.delete(url, headers=self._headers(if_match))

    def create(self, **body) -> dict:
        response = self.post(BASE, {**FULL, **body})
        assert response.status_code == 201, response.json
        return response.json

    def etag(self, candidate_id: int) -> str:
        response = self.get(f"{BASE}/{candidate_id}")
        assert response.status_code == 200, response.json
        return response.headers["ETag"]

    def total(self, **query) -> int:
        response = self.get(BASE, query)
        assert response.status_code == 200, response.json
        return json.loads(response.headers["X-Pagination"])["total"]

    def listed(self, **query) -> list[str]:
        response = self.get(BASE, {"page_size": 100, **query})
        assert response.status_code == 200, response.json
        return [item["name"] for item in response.json]


@pytest.fixture
def org(make_recruiter):
    return make_recruiter()


@pytest.fixture
def api(client, make_api_key, org) -> Caller:
    return Caller(client, make_api_key(org.organisation_id, RW))


@pytest.fixture
def other_api(client, make_api_key, make_recruiter) -> Caller:
    return Caller(client, make_api_key(make_recruiter().organisation_id, RW))


def self_registered(app, make_candidate) -> tuple[str, int]:
    """A candidate who signed up themselves; (email, candidate id)."""
    email = make_candidate()
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        profile = candidates.own_profile(db.session, user)
        candidates.update_candidate(
            db.session,
            Actor.for_user(user),
            profile.id,
            {"name": "Sally Selfmade", "education": "doctorate"},
            profile.revision,
        )
        candidate_id = profile.id
        db.session.remove()
    return email, candidate_id


def share(app, email: str, organisation_slug: str | None = None, withdraw_from=None) -> None:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        if organisation_slug:
            candidates.share_with(db.session, user, organisation_slug)
        if withdraw_from:
            candidates.withdraw(db.session, user, withdraw_from)
        db.session.remove()


# --- create and read -----------------------------------------------------------------------------


def test_create_answers_201_with_exactly_the_contract_shape_and_an_etag(api):
    response = api.post(BASE, FULL)
    assert response.status_code == 201, response.json
    assert ETAG.match(response.headers["ETag"])
    body = response.json
    assert set(body) == SHAPE
    assert isinstance(body["id"], int)
    for field in ("name", "email", "headline", "education", "background", "summary"):
        assert body[field] == FULL[field]
    assert body["years_product"] == 7.3  # rounded half up to one decimal
    assert body["years_leadership"] == 3.0
    assert body["certifications"] == FULL["certifications"]
    assert [set(a) for a in body["assessments"]] == [ASSESSMENT, ASSESSMENT]
    assert {
        (a["competency"], a["level"], a["evidence"], a["source"]) for a in body["assessments"]
    } == {
        ("product-strategy", 4, "Owned the 3-year strategy", "self"),
        ("team-leadership", 3, "", "self"),
    }

    fetched = api.get(f"{BASE}/{body['id']}")
    assert fetched.status_code == 200
    assert fetched.json == body
    assert fetched.headers["ETag"] == response.headers["ETag"]


def test_a_creation_is_answered_without_reading_the_database_after_its_commit(
    api, statements_after_commit
):
    """A connection lost right after the commit must not turn a saved creation into a failure."""
    after_commit = statements_after_commit("INSERT INTO CANDIDATES ")
    response = api.post(BASE, FULL)
    assert response.status_code == 201, response.json
    assert after_commit == []


def test_an_edit_is_answered_without_reading_the_database_after_its_commit(
    api, statements_after_commit
):
    """The same for a PATCH: its answer (interview levels, change time, ETag) is read in the
    transaction, and equals what a GET answers afterwards."""
    created = api.post(BASE, FULL)
    path = f"{BASE}/{created.json['id']}"
    after_commit = statements_after_commit("UPDATE CANDIDATES ")
    edited = api.patch(path, {"headline": "VP Product"}, if_match=created.headers["ETag"])
    assert edited.status_code == 200, edited.json
    assert after_commit == []
    fetched = api.get(path)
    assert fetched.json == edited.json
    assert fetched.json["headline"] == "VP Product"
    assert fetched.headers["ETag"] == edited.headers["ETag"]


def test_a_name_alone_is_enough_and_defaults_fill_the_rest(api):
    minimal = api.post(BASE, {"name": "Only A Name"})
    assert minimal.status_code == 201, minimal.json
    assert minimal.json == {
        "id": minimal.json["id"],
        "name": "Only A Name",
        "email": "",
        "headline": "",
        "years_product": 0.0,
        "years_leadership": 0.0,
        "education": "none",
        "certifications": [],
        "background": None,
        "summary": "",
        "assessments": [],
        "updated_at": minimal.json["updated_at"],
    }


def test_get_with_if_none_match_answers_304_until_the_candidate_changes(api):
    created = api.create()
    url = f"{BASE}/{created['id']}"
    etag = api.etag(created["id"])

    cached = api.get(url, **{"If-None-Match": etag})
    assert cached.status_code == 304
    assert cached.headers["ETag"] == etag
    assert cached.get_data() == b""

    changed = api.patch(url, {"headline": "CPO"}, if_match=etag)
    assert changed.status_code == 200, changed.json
    assert changed.headers["ETag"] != etag
    fresh = api.get(url, **{"If-None-Match": etag})
    assert fresh.status_code == 200
    assert fresh.json["headline"] == "CPO"


# --- writes need If-Match ------------------------------------------------------------------------


def test_patch_needs_if_match_refuses_a_stale_one_and_accepts_the_current_one(api):
    created = api.create()
    url = f"{BASE}/{created['id']}"
    etag = api.etag(created["id"])

    missing = api.patch(url, {"headline": "No precondition"})
    assert_problem(missing, 428)

    current = api.patch(url, {"headline": "Chief Product Officer", "years_product": 8.05}, etag)
    assert current.status_code == 200, current.json
    assert current.json["headline"] == "Chief Product Officer"
    assert current.json["years_product"] == 8.1
    assert current.json["name"] == FULL["name"]  # PATCH changes only what it names
    new_etag = current.headers["ETag"]
    assert new_etag != etag

    stale = api.patch(url, {"headline": "Based on the old version"}, etag)
    assert_problem(stale, 412)
    assert api.get(url).json["headline"] == "Chief Product Officer"
    assert api.etag(created["id"]) == new_etag


def test_patching_assessments_replaces_the_self_assessments(api):
    created = api.create()
    url = f"{BASE}/{created['id']}"
    response = api.patch(
        url,
        {"assessments": [{"competency": "continuous-learning", "level": 5, "evidence": "MBA"}]},
        api.etag(created["id"]),
    )
    assert response.status_code == 200, response.json
    assert response.json["assessments"] == [
        {"competency": "continuous-learning", "level": 5, "evidence": "MBA", "source": "self"}
    ]


def test_delete_needs_if_match_refuses_a_stale_one_and_deletes_with_the_current_one(api):
    created = api.create()
    url = f"{BASE}/{created['id']}"
    old = api.etag(created["id"])
    assert api.patch(url, {"summary": "Updated"}, old).status_code == 200

    assert_problem(api.delete(url), 428)
    assert_problem(api.delete(url, old), 412)
    assert api.get(url).status_code == 200

    deleted = api.delete(url, api.etag(created["id"]))
    assert deleted.status_code == 204
    assert deleted.get_data() == b""
    assert_problem(api.get(url), 404)


# --- validation ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"years_product": -1}, "years_product"),
        ({"years_product": 61}, "years_product"),
        ({"years_product": "5"}, "years_product"),
        ({"years_leadership": 61}, "years_leadership"),
        ({"years_leadership": True}, "years_leadership"),
        ({"assessments": [{"competency": "product-strategy", "level": 6}]}, "assessments.0.level"),
        ({"assessments": [{"competency": "product-strategy", "level": -1}]}, "assessments.0.level"),
        (
            {"assessments": [{"competency": "product-strategy", "level": 3.5}]},
            "assessments.0.level",
        ),
        (
            {"assessments": [{"competency": "basket-weaving", "level": 3}]},
            "assessments.0.competency",
        ),
        (
            {
                "assessments": [
                    {"competency": "team-leadership", "level": 3},
                    {"competency": "team-leadership", "level": 4},
                ]
            },
            "assessments.1.competency",
        ),
        (
            {"assessments": [{"competency": "team-leadership", "level": 3, "source": "interview"}]},
            "assessments.0.source",
        ),
        ({"certifications": [""]}, "certifications.0"),
        ({"education": "phd"}, "education"),
        ({"background": "astronaut"}, "background"),
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
    ],
)
def test_bad_input_is_422_naming_the_field_and_nothing_is_saved(api, changes, field):
    marker = uuid.uuid4().hex[:10]
    before = api.total()
    refused = api.post(BASE, {**FULL, "headline": marker, **changes})
    body = assert_problem(refused, 422)
    assert field in body["errors"], body
    assert all(isinstance(m, str) for m in body["errors"][field])
    assert api.total() == before
    assert api.total(q=marker) == 0

    created = api.create()
    url = f"{BASE}/{created['id']}"
    etag = api.etag(created["id"])
    refused = api.patch(url, changes, etag)
    body = assert_problem(refused, 422)
    assert field in body["errors"], body
    assert api.get(url).json == created
    assert api.etag(created["id"]) == etag


def test_a_body_that_is_not_json_is_a_422_problem_not_a_500(api):
    before = api.total()
    response = api.client.post(
        BASE, data="{not json", content_type="application/json", headers=api.auth
    )
    assert response.status_code in (400, 422)
    assert response.mimetype == PROBLEM
    assert api.total() == before


# --- organisations and scopes --------------------------------------------------------------------


def test_another_organisations_candidate_is_404_everywhere(api, other_api):
    created = api.create()
    url = f"{BASE}/{created['id']}"
    etag = api.etag(created["id"])
    assert_problem(other_api.get(url), 404)
    assert_problem(other_api.patch(url, {"headline": "Hijacked"}, etag), 404)
    assert_problem(other_api.delete(url, etag), 404)
    assert created["name"] not in other_api.listed()
    assert api.get(url).json == created


def test_scopes_are_enforced(client, api, org, make_api_key):
    created = api.create()
    url = f"{BASE}/{created['id']}"
    etag = api.etag(created["id"])
    read_only = Caller(client, make_api_key(org.organisation_id, ["candidates:read"]))
    scorecards = Caller(
        client, make_api_key(org.organisation_id, ["scorecards:read", "scorecards:write"])
    )
    before = api.total()

    assert read_only.get(url).status_code == 200
    assert_problem(read_only.post(BASE, FULL), 403)
    assert_problem(read_only.post(IMPORT, RESUME), 403)
    assert_problem(read_only.patch(url, {"headline": "No"}, etag), 403)
    assert_problem(read_only.delete(url, etag), 403)
    assert_problem(scorecards.get(BASE), 403)
    assert_problem(scorecards.get(url), 403)
    assert api.total() == before
    assert api.get(url).json == created


def test_without_a_key_the_api_answers_401(client, api):
    created = api.create()
    anonymous = Caller(client, None)
    assert_problem(anonymous.get(BASE), 401)
    assert_problem(anonymous.get(f"{BASE}/{created['id']}"), 401)
    assert_problem(Caller(client, "cpo_bogus_token").get(BASE), 401)


# --- JSON Resume import --------------------------------------------------------------------------


def test_importing_a_json_resume_creates_the_mapped_candidate(api):
    before = api.total()
    response = api.post(IMPORT, RESUME)
    assert response.status_code == 201, response.json
    assert ETAG.match(response.headers["ETag"])
    body = response.json
    assert set(body) == SHAPE | {"warnings"}
    assert body.pop("warnings") == []
    assert body["name"] == "Jordan Resume"
    assert body["email"] == "jordan@example.test"
    assert body["headline"] == "Head of Product, B2B SaaS"
    assert body["summary"] == "Builds product teams."
    # 2010-01-01..2014-01-01 and 2013-01-01..2016-01-01 merge into six years (not 4 + 3 = 7);
    # only "Head of Product" counts as leadership; the engineering years count as neither.
    assert body["years_product"] == 6.0
    assert body["years_leadership"] == 3.0
    assert body["education"] == "master"  # the highest of BSc and MBA
    assert body["certifications"] == [
        "Certified Scrum Product Owner",
        "Pragmatic Marketing Certified",
    ]
    suggested = {a["competency"]: a for a in body["assessments"]}
    assert set(suggested) == {"data-driven-decision-making", "go-to-market-monetization"}
    assert all(a["source"] == "self" for a in body["assessments"])
    assert suggested["data-driven-decision-making"]["level"] == 5  # "Expert"
    assert "data-driven decision making" in suggested["data-driven-decision-making"]["evidence"]
    assert suggested["go-to-market-monetization"]["level"] == 3  # "Intermediate"
    evidence = suggested["go-to-market-monetization"]["evidence"]
    assert "pricing" in evidence
    assert "monetization" in evidence

    assert api.total() == before + 1
    assert api.get(f"{BASE}/{body['id']}").json == body


def test_an_imported_skill_without_a_level_is_suggested_at_3(api):
    resume = {
        "basics": {"name": "Lev Elless"},
        "skills": [{"name": "Stakeholder communication"}],
    }
    response = api.post(IMPORT, resume)
    assert response.status_code == 201, response.json
    assert [(a["competency"], a["level"]) for a in response.json["assessments"]] == [
        ("stakeholder-communication", 3)
    ]
    assert response.json["years_product"] == 0.0
    assert response.json["education"] == "none"


def _broken(**edits) -> dict:
    document = copy.deepcopy(RESUME)
    for path, value in edits.items():
        section, _, rest = path.partition("__")
        if section == "work":
            document["work"][0][rest] = value
        elif value is None:
            del document["basics"][rest]
        else:
            document["basics"][rest] = value
    return document


@pytest.mark.parametrize(
    ("document", "paths"),
    [
        (_broken(basics__email=42), {"basics.email"}),
        (_broken(work__startDate=2019), {"work.0.startDate"}),
        (_broken(basics__name=None), {"basics.name"}),
        (
            _broken(basics__email=42, work__startDate=2019, basics__name=None),
            {"basics.email", "work.0.startDate", "basics.name"},
        ),
        (["not", "an", "object"], {"_document"}),
        ("just a string", {"_document"}),
        ({"basics": {"name": "Ada"}, "work": "not a list"}, {"work"}),
    ],
    ids=["email", "start-date", "no-name", "all-three", "array", "string", "work-type"],
)
def test_an_invalid_resume_is_422_with_the_failing_paths_and_creates_nothing(api, document, paths):
    before = api.total()
    body = assert_problem(api.post(IMPORT, document), 422)
    assert set(body["errors"]) == paths, body["errors"]
    assert all(body["errors"][path] for path in paths)
    assert api.total() == before


def test_an_import_body_that_is_not_json_is_refused_and_creates_nothing(api):
    before = api.total()
    response = api.client.post(
        IMPORT, data="not json at all", content_type="application/json", headers=api.auth
    )
    assert_problem(response, 400)
    assert api.total() == before


def test_an_imported_name_longer_than_the_api_allows_is_refused(api):
    before = api.total()
    response = api.post(IMPORT, {"basics": {"name": "N" * 201}})
    body = assert_problem(response, 422)
    assert "basics.name" in body["errors"]
    assert api.total() == before


# --- lists ---------------------------------------------------------------------------------------


def test_the_list_filters_by_text_education_background_and_competency_level(api):
    tag = uuid.uuid4().hex[:8]
    api.create(
        name=f"Ann {tag}",
        headline="VP Product",
        education="master",
        background="engineering",
        assessments=[{"competency": "product-strategy", "level": 4}],
    )
    api.create(
        name="Ben Other",
        headline=f"Head of Product {tag}",
        education="bachelor",
        background="marketing",
        assessments=[{"competency": "product-strategy", "level": 2}],
    )
    api.create(
        name=f"Cat {tag}",
        headline="Founder",
        education="none",
        background="sales",
        assessments=[],
    )
    api.create(
        name="Dan Unrelated", headline="Engineer", education="none", background=None, assessments=[]
    )

    assert api.listed(q=tag) == [f"Ann {tag}", "Ben Other", f"Cat {tag}"]  # name or headline
    assert api.listed(q=tag.upper()) == [f"Ann {tag}", "Ben Other", f"Cat {tag}"]
    assert api.listed(education="master") == [f"Ann {tag}"]
    assert api.listed(background="marketing") == ["Ben Other"]
    assert api.listed(competency="product-strategy") == [f"Ann {tag}", "Ben Other"]
    assert api.listed(competency="product-strategy", min_level=3) == [f"Ann {tag}"]
    assert api.listed(competency="product-strategy", min_level=5) == []
    assert api.listed(q=tag, background="sales") == [f"Cat {tag}"]
    assert api.total() == 4


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"education": "phd"}, "education"),
        ({"background": "astronaut"}, "background"),
        ({"competency": "basket-weaving"}, "competency"),
        ({"competency": "product-strategy", "min_level": 6}, "min_level"),
    ],
)
def test_unknown_list_filters_are_422(api, query, field):
    body = assert_problem(api.get(BASE, query), 422)
    assert field in body["errors"]


def test_each_list_request_is_judged_on_its_own_filters(api):
    """One schema instance reads every request's filters: nothing carries over."""
    for query, field in [
        ({"education": "phd"}, "education"),
        ({"competency": "product-strategy", "min_level": 6}, "min_level"),
        ({"background": "astronaut"}, "background"),
    ]:
        assert set(assert_problem(api.get(BASE, query), 422)["errors"]) == {field}
    assert api.get(BASE, {"education": "master"}).status_code == 200


def test_the_list_is_paginated(api):
    for index in range(3):
        api.create(name=f"Paged {index}")
    first = api.get(BASE, {"page": 1, "page_size": 2})
    assert first.status_code == 200
    assert [c["name"] for c in first.json] == ["Paged 0", "Paged 1"]
    pagination = json.loads(first.headers["X-Pagination"])
    assert pagination["total"] == 3
    assert 'rel="next"' in first.headers["Link"]
    second = api.get(BASE, {"page": 2, "page_size": 2})
    assert [c["name"] for c in second.json] == ["Paged 2"]


def test_a_self_registered_candidate_appears_only_after_sharing(app, api, org, make_candidate):
    email, candidate_id = self_registered(app, make_candidate)
    url = f"{BASE}/{candidate_id}"
    assert "Sally Selfmade" not in api.listed()
    assert_problem(api.get(url), 404)

    share(app, email, org.slug)
    assert api.listed() == ["Sally Selfmade"]
    assert api.listed(education="doctorate") == ["Sally Selfmade"]
    shown = api.get(url)
    assert shown.status_code == 200
    assert shown.json["name"] == "Sally Selfmade"

    # The organisation may read the profile, but only its owner may change it.
    etag = shown.headers["ETag"]
    assert_problem(api.patch(url, {"headline": "Changed by the org"}, etag), 403)
    assert_problem(api.delete(url, etag), 403)
    assert api.get(url).json == shown.json

    share(app, email, withdraw_from=org.organisation_id)
    assert "Sally Selfmade" not in api.listed()
    assert_problem(api.get(url), 404)


def test_sharing_with_one_organisation_does_not_show_the_candidate_to_another(
    app, api, other_api, org, make_candidate
):
    email, candidate_id = self_registered(app, make_candidate)
    share(app, email, org.slug)
    assert api.get(f"{BASE}/{candidate_id}").status_code == 200
    assert_problem(other_api.get(f"{BASE}/{candidate_id}"), 404)
    assert "Sally Selfmade" not in other_api.listed()
