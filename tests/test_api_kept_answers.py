"""What the API keeps between requests to answer reads faster never shows a reader stale data:
framework answers follow a load of the framework at once, a scorecard's or a candidate's
document follows every write, and a new scorecard or candidate that takes a deleted one's id
(SQLite reuses the highest id) is not shown as the old one."""

import copy

import pytest

from portal.extensions import db
from portal.services.framework_loader import load_framework, read_framework_file

SLUG = "product-strategy"
COMPETENCY = f"/api/v1/competencies/{SLUG}"
SCORECARDS = "/api/v1/scorecards"
CANDIDATES = "/api/v1/candidates"


@pytest.fixture
def bearer(make_api_key, make_recruiter) -> dict:
    scopes = ["scorecards:read", "scorecards:write", "candidates:read", "candidates:write"]
    token = make_api_key(make_recruiter().organisation_id, scopes)
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def renamed_framework(app):
    """Load the framework with the competency renamed; load the shipped one again after."""
    shipped = read_framework_file()
    renamed = copy.deepcopy(shipped)
    for competency in renamed["competencies"]:
        if competency["slug"] == SLUG:
            competency["name"] = "Product Strategy, renamed"

    def load(document):
        with app.app_context():
            load_framework(db.session, document)
            db.session.remove()

    yield lambda: load(renamed)
    load(shipped)


def test_framework_answers_follow_a_load_of_the_framework(client, renamed_framework):
    before = client.get(COMPETENCY)
    listed = client.get("/api/v1/competencies", query_string={"page_size": 50})
    assert (
        client.get(COMPETENCY, headers={"If-None-Match": before.headers["ETag"]}).status_code == 304
    )

    renamed_framework()

    after = client.get(COMPETENCY, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert after.json["name"] == "Product Strategy, renamed"
    assert after.headers["ETag"] != before.headers["ETag"]
    names = {c["slug"]: c["name"] for c in client.get(listed.request.url).json}
    assert names[SLUG] == "Product Strategy, renamed"


def test_framework_answers_carry_the_headers_of_the_first(client):
    first = client.get("/api/v1/competencies", query_string={"page_size": 5, "page": 2})
    again = client.get("/api/v1/competencies", query_string={"page_size": 5, "page": 2})

    assert again.data == first.data
    for header in ("ETag", "X-Pagination", "Link", "Content-Type", "Cache-Control"):
        assert again.headers[header] == first.headers[header]
    assert again.headers["X-Request-ID"] != first.headers["X-Request-ID"]


def test_a_scorecard_read_follows_every_write(client, bearer):
    created = client.post(SCORECARDS, json={"title": "Head of Product"}, headers=bearer).json
    url = f"{SCORECARDS}/{created['id']}"
    first = client.get(url, headers=bearer)

    patched = client.patch(
        url, json={"title": "VP Product"}, headers={**bearer, "If-Match": first.headers["ETag"]}
    )
    read = client.get(url, headers={**bearer, "If-None-Match": first.headers["ETag"]})

    assert patched.status_code == 200
    assert read.status_code == 200
    assert read.json["title"] == "VP Product"
    assert read.headers["ETag"] == patched.headers["ETag"]


def test_a_candidate_read_follows_every_write(client, bearer):
    created = client.post(CANDIDATES, json={"name": "Ada"}, headers=bearer).json
    url = f"{CANDIDATES}/{created['id']}"
    first = client.get(url, headers=bearer)
    assert client.get(url, headers=bearer).json == first.json  # now answered from what is kept

    assessed = {"assessments": [{"competency": SLUG, "level": 4, "evidence": "Led a pivot"}]}
    patched = client.patch(
        url,
        json={"name": "Ada L.", **assessed},
        headers={**bearer, "If-Match": first.headers["ETag"]},
    )
    read = client.get(url, headers={**bearer, "If-None-Match": first.headers["ETag"]})

    assert patched.status_code == 200
    assert read.status_code == 200
    assert read.json["name"] == "Ada L."
    assert [(a["competency"], a["level"]) for a in read.json["assessments"]] == [(SLUG, 4)]
    assert read.json == patched.json
    assert read.headers["ETag"] == patched.headers["ETag"]
    again = client.get(url, headers={**bearer, "If-None-Match": read.headers["ETag"]})
    assert again.status_code == 304


@pytest.mark.parametrize(
    ("collection", "field"),
    [(SCORECARDS, "title"), (CANDIDATES, "name")],
    ids=["scorecard", "candidate"],
)
def test_a_new_one_on_a_deleted_ones_id_is_shown_as_itself(client, bearer, collection, field):
    created = client.post(collection, json={field: "Deleted"}, headers=bearer).json
    url = f"{collection}/{created['id']}"
    etag = client.get(url, headers=bearer).headers["ETag"]
    assert client.delete(url, headers={**bearer, "If-Match": etag}).status_code == 204

    successor = client.post(collection, json={field: "Its successor"}, headers=bearer).json
    read = client.get(f"{collection}/{successor['id']}", headers=bearer)

    assert read.json[field] == "Its successor"
    assert read.json == successor
