"""Incremental sync as an integration polls it: `updated_since` on the lists (>=, ordered by
`updated_at` then `id`, paginated), strict RFC 3339, what moves a candidate's or a scorecard's
`updated_at` (and what must not revise it), shared candidates appearing when shared, and the
tombstones of `GET /deletions` (after a delete or a withdrawn share; by scope; per organisation).
"""

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from portal.extensions import db
from portal.models import Candidate, CandidateShare, Scorecard, User
from portal.models.accounts import SCOPES
from portal.services import bulk_import, candidates, scorecards
from portal.services.access import Actor
from portal.services.bulk_import import CSV_COLUMNS
from tests.conftest import assert_problem

T0 = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)  # fixed instants the tests stamp rows with
ROLE = {
    "title": "Chief Product Officer",
    "competencies": [
        {"competency": "product-strategy", "weight": 3, "target_level": 4, "must_have": True}
    ],
}


def rfc3339(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


class Integration:
    """One organisation's integration: a key with every scope, and its recruiter as an Actor."""

    def __init__(self, app, client, organisation, token: str):
        self.app, self.client, self.organisation = app, client, organisation
        self.auth = {"Authorization": f"Bearer {token}"}
        with app.app_context():
            user = db.session.scalar(select(User).where(User.email == organisation.recruiter_email))
            self.recruiter = Actor.for_user(user)
            db.session.remove()

    def get(self, url: str, **query):
        return self.client.get(url, query_string=query, headers=self.auth)

    def items(self, url: str, **query) -> list[dict]:
        response = self.get(url, page_size=100, **query)
        assert response.status_code == 200, response.json
        return response.json

    def ids(self, url: str, **query) -> list[int]:
        return [item["id"] for item in self.items(url, **query)]

    def send(self, method: str, url: str, body=None, etag: str | None = None):
        headers = {**self.auth, **({"If-Match": etag} if etag else {})}
        return self.client.open(url, method=method, json=body, headers=headers)

    def run(self, work):
        with self.app.app_context():
            try:
                return work(db.session)
            finally:
                db.session.remove()

    def candidate(self, name: str, **values) -> int:
        response = self.send("POST", "/api/v1/candidates", {"name": name, **values})
        assert response.status_code == 201, response.json
        return response.json["id"]

    def scorecard(self, title: str, content=None, publish: bool = False) -> int:
        def make(session):
            made = scorecards.create_scorecard(
                session, self.recruiter, {**(content or {}), "title": title}
            )
            if publish:
                scorecards.publish(session, self.recruiter, made.id, made.revision)
            return made.id

        return self.run(make)


def stamp(app, model, row_id: int, moment: datetime) -> None:
    """Set a row's `updated_at` (a plain UPDATE: its revision stays), to arrange the order."""
    with app.app_context():
        db.session.execute(
            update(model.__table__).where(model.__table__.c.id == row_id).values(updated_at=moment)
        )
        db.session.commit()
        db.session.remove()


def revision_of(app, model, row_id: int) -> int:
    with app.app_context():
        revision = db.session.get(model, row_id).revision
        db.session.remove()
    return revision


@pytest.fixture
def org(app, client, make_recruiter, make_api_key) -> Integration:
    made = make_recruiter()
    return Integration(app, client, made, make_api_key(made.organisation_id, list(SCOPES)))


@pytest.fixture
def other(app, client, make_recruiter, make_api_key) -> Integration:
    made = make_recruiter()
    return Integration(app, client, made, make_api_key(made.organisation_id, list(SCOPES)))


def self_registered(app, make_candidate, name: str = "Sam Shared") -> tuple[str, int]:
    """A candidate who signed up themselves, with a profile; (email, candidate id)."""
    email = make_candidate()
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        profile = candidates.own_profile(db.session, user)
        candidates.update_candidate(
            db.session, Actor.for_user(user), profile.id, {"name": name}, profile.revision
        )
        candidate_id = profile.id
        db.session.remove()
    return email, candidate_id


def as_candidate(app, email: str, work) -> None:
    with app.app_context():
        work(db.session, db.session.scalar(select(User).where(User.email == email)))
        db.session.remove()


# --- lists: filter and order -------------------------------------------------------------------


def test_scorecards_since_an_instant_in_change_order_with_ties_by_id(org, app):
    first, second, third, fourth = (org.scorecard(f"Role {n}") for n in range(4))
    stamp(app, Scorecard, first, T0 - timedelta(seconds=1))
    stamp(app, Scorecard, fourth, T0)  # the same instant as the third: ordered by id
    stamp(app, Scorecard, third, T0)
    stamp(app, Scorecard, second, T0 + timedelta(microseconds=1))

    listed = org.items("/api/v1/scorecards", updated_since=rfc3339(T0))

    assert [s["id"] for s in listed] == [third, fourth, second]  # >=: the instant itself counts
    assert [s["updated_at"] for s in listed] == [
        T0.isoformat(),
        T0.isoformat(),
        (T0 + timedelta(microseconds=1)).isoformat(),
    ]
    # Without it, the list keeps its order: most recently edited first.
    assert org.ids("/api/v1/scorecards")[:4] == [second, fourth, third, first]
    # The same instant in another offset is the same instant.
    assert org.ids("/api/v1/scorecards", updated_since="2030-01-01T10:00:00+01:00") == [
        third,
        fourth,
        second,
    ]


def test_candidates_since_an_instant_in_change_order_with_ties_by_id(org, app):
    ada, bo, cy = (org.candidate(name) for name in ("Ada", "Bo", "Cy"))
    stamp(app, Candidate, ada, T0 + timedelta(hours=1))
    stamp(app, Candidate, bo, T0)
    stamp(app, Candidate, cy, T0)

    listed = org.items("/api/v1/candidates", updated_since=rfc3339(T0))

    assert [c["id"] for c in listed] == [bo, cy, ada]
    assert [c["updated_at"] for c in listed] == [
        T0.isoformat(),
        T0.isoformat(),
        (T0 + timedelta(hours=1)).isoformat(),
    ]
    assert org.ids("/api/v1/candidates", updated_since="2030-01-01T09:00:00.000001Z") == [ada]
    # The other filters still apply; without `updated_since` the order is by name.
    assert org.ids("/api/v1/candidates", updated_since=rfc3339(T0), q="Cy") == [cy]
    assert org.ids("/api/v1/candidates") == [ada, bo, cy]


def test_what_is_written_after_a_poll_comes_in_the_next_one(org, app):
    kept = org.candidate("Kept Same")
    edited = org.candidate("Edited Later")
    draft = org.scorecard("Draft")
    polled = org.items("/api/v1/candidates", updated_since="2000-01-01T00:00:00Z")
    cursor = max(item["updated_at"] for item in polled)
    scorecard_cursor = org.items("/api/v1/scorecards", updated_since="2000-01-01T00:00:00Z")[-1][
        "updated_at"
    ]

    assert [c["id"] for c in polled] == [kept, edited]
    assert org.ids("/api/v1/candidates", updated_since=cursor) == [edited]  # seen again: >=

    etag = org.get(f"/api/v1/candidates/{edited}").headers["ETag"]
    changed = org.send("PATCH", f"/api/v1/candidates/{edited}", {"headline": "VP"}, etag)
    assert changed.status_code == 200
    added = org.candidate("Added Later")
    etag = org.get(f"/api/v1/scorecards/{draft}").headers["ETag"]
    changed = org.send("PATCH", f"/api/v1/scorecards/{draft}", {"mission": "Lead"}, etag)
    assert changed.status_code == 200

    again = org.items("/api/v1/candidates", updated_since=cursor)
    assert [c["id"] for c in again] == [edited, added]
    assert again[0]["headline"] == "VP"
    assert all(c["updated_at"] > cursor for c in again)
    assert org.ids("/api/v1/scorecards", updated_since=scorecard_cursor) == [draft]


def test_every_scorecard_write_moves_updated_at(org, app):
    scorecard_id = org.scorecard("Role", ROLE)

    def times(write) -> tuple[str, str]:
        before = org.get(f"/api/v1/scorecards/{scorecard_id}").json["updated_at"]
        org.run(write)
        after = org.get(f"/api/v1/scorecards/{scorecard_id}").json["updated_at"]
        assert scorecard_id in org.ids("/api/v1/scorecards", updated_since=after)
        return before, after

    def revision(session):
        return session.get(Scorecard, scorecard_id).revision

    writes = [
        lambda s: scorecards.update_scorecard(
            s, org.recruiter, scorecard_id, {"mission": "Why"}, revision(s)
        ),
        lambda s: scorecards.add_outcome(s, org.recruiter, scorecard_id, "Ship", revision(s)),
        lambda s: scorecards.publish(s, org.recruiter, scorecard_id, revision(s)),
        lambda s: scorecards.archive(s, org.recruiter, scorecard_id, revision(s)),
        lambda s: scorecards.restore(s, org.recruiter, scorecard_id, revision(s)),
    ]
    for write in writes:
        before, after = times(write)
        assert after > before


def test_every_candidate_write_moves_updated_at(org, app):
    candidate_id = org.candidate("Ada Product", email="ada.sync@example.test")

    def updated_at() -> str:
        return org.get(f"/api/v1/candidates/{candidate_id}").json["updated_at"]

    def revision(session):
        return session.get(Candidate, candidate_id).revision

    moments = [updated_at()]
    org.run(
        lambda s: candidates.update_candidate(
            s, org.recruiter, candidate_id, {"headline": "VP"}, revision(s)
        )
    )
    moments.append(updated_at())
    org.run(
        lambda s: candidates.assess(
            s,
            org.recruiter,
            candidate_id,
            {"competency": "product-strategy", "level": 3},
            revision(s),
        )
    )
    moments.append(updated_at())

    def reimport(session):  # a bulk import of the same email updates the candidate
        row = dict.fromkeys(CSV_COLUMNS, "")
        row.update(name="Ada Product", email="ADA.sync@example.test", headline="CPO")
        data = (
            ",".join(CSV_COLUMNS) + "\n" + ",".join(row[c] for c in CSV_COLUMNS) + "\n"
        ).encode()
        job = bulk_import.start_import(session, org.recruiter, "pool.csv", data, "")
        bulk_import.run_job(session, job.id, "")

    org.run(reimport)
    moments.append(updated_at())
    assert org.get(f"/api/v1/candidates/{candidate_id}").json["headline"] == "CPO"
    assert moments == sorted(set(moments)), moments
    assert candidate_id in org.ids("/api/v1/candidates", updated_since=moments[-1])


# --- candidates: shares and evaluations ----------------------------------------------------------


def test_an_old_profile_appears_when_it_is_shared_and_again_when_it_is_edited(
    org, app, make_candidate
):
    email, shared = self_registered(app, make_candidate)
    stamp(app, Candidate, shared, datetime(2020, 5, 1, tzinfo=UTC))  # written long ago
    cursor = rfc3339(datetime.now(UTC) - timedelta(seconds=1))
    assert shared not in org.ids("/api/v1/candidates", updated_since=cursor)

    as_candidate(app, email, lambda s, user: candidates.share_with(s, user, org.organisation.slug))

    listed = {c["id"]: c for c in org.items("/api/v1/candidates", updated_since=cursor)}
    assert shared in listed
    with app.app_context():
        share = db.session.get(CandidateShare, (shared, org.organisation.organisation_id))
        assert listed[shared]["updated_at"] == share.shared_at.isoformat()
        db.session.remove()
    assert org.get(f"/api/v1/candidates/{shared}").json == listed[shared]

    # The candidate edits their profile: it comes again, with the edit's time.
    as_candidate(
        app,
        email,
        lambda s, user: candidates.update_candidate(
            s,
            Actor.for_user(user),
            shared,
            {"headline": "Head of Product"},
            s.get(Candidate, shared).revision,
        ),
    )
    later = {
        c["id"]: c
        for c in org.items("/api/v1/candidates", updated_since=listed[shared]["updated_at"])
    }
    assert later[shared]["headline"] == "Head of Product"
    assert later[shared]["updated_at"] > listed[shared]["updated_at"]


def test_a_submitted_evaluation_moves_the_candidate_for_its_organisation_only(
    org, other, app, client, make_candidate
):
    email, shared = self_registered(app, make_candidate)
    for integration in (org, other):
        as_candidate(
            app,
            email,
            lambda s, user, slug=integration.organisation.slug: candidates.share_with(
                s, user, slug
            ),
        )
    own = org.candidate("Own Candidate")
    scorecard_id = org.scorecard("Role", ROLE, publish=True)
    revisions = {cid: revision_of(app, Candidate, cid) for cid in (own, shared)}
    etags = {cid: org.get(f"/api/v1/candidates/{cid}").headers["ETag"] for cid in (own, shared)}
    other_before = other.get(f"/api/v1/candidates/{shared}").json
    cursor = max(org.get(f"/api/v1/candidates/{cid}").json["updated_at"] for cid in (own, shared))
    cursor = rfc3339(datetime.fromisoformat(cursor) + timedelta(microseconds=1))
    assert org.ids("/api/v1/candidates", updated_since=cursor) == []

    evaluated = {}
    for candidate_id in (own, shared):
        response = org.send(
            "POST",
            f"/api/v1/scorecards/{scorecard_id}/candidates/{candidate_id}/evaluations",
            {
                "interviewer": org.organisation.recruiter_email,
                "ratings": [{"competency": "product-strategy", "rating": 4, "note": ""}],
                "recommendation": "yes",
                "summary": "",
            },
        )
        assert response.status_code == 201, response.json
        evaluated[candidate_id] = response.json["submitted_at"]

    listed = org.items("/api/v1/candidates", updated_since=cursor)
    assert [c["id"] for c in listed] == sorted((own, shared), key=lambda cid: evaluated[cid])
    for item in listed:
        assert item["updated_at"] == evaluated[item["id"]]
        interview = [a for a in item["assessments"] if a["source"] == "interview"]
        assert [(a["competency"], a["level"]) for a in interview] == [("product-strategy", 4.0)]
    # Nothing was written to the candidates: their revisions stand, so an open edit form (the
    # old ETag's revision) still saves; the ETag a reader holds does change.
    assert {cid: revision_of(app, Candidate, cid) for cid in (own, shared)} == revisions
    assert org.get(f"/api/v1/candidates/{own}").headers["ETag"] != etags[own]
    saved = org.send("PATCH", f"/api/v1/candidates/{own}", {"headline": "VP"}, etags[own])
    assert saved.status_code == 200, saved.json
    # The other organisation the candidate shares with sees no change at all.
    assert shared not in other.ids("/api/v1/candidates", updated_since=cursor)
    assert other.get(f"/api/v1/candidates/{shared}").json == other_before


def test_evaluations_since_an_instant_by_submission(org, app):
    candidate_id = org.candidate("Eve Evaluated")
    scorecard_id = org.scorecard("Role", ROLE, publish=True)
    url = f"/api/v1/scorecards/{scorecard_id}/candidates/{candidate_id}/evaluations"

    def submit(**extra):
        body = {
            "interviewer": org.organisation.recruiter_email,
            "ratings": [{"competency": "product-strategy", "rating": 3, "note": ""}],
            "recommendation": "mixed",
            "summary": "",
            **extra,
        }
        response = org.send("POST", url, body)
        assert response.status_code == 201, response.json
        return response.json

    first = submit()
    correction = submit(supersedes=first["id"])

    everything = org.items(url, updated_since="2000-01-01T00:00:00Z")
    assert [(e["id"], e["status"]) for e in everything] == [
        (first["id"], "superseded"),
        (correction["id"], "submitted"),
    ]
    since = org.items(url, updated_since=correction["submitted_at"])
    assert [(e["id"], e["supersedes"]) for e in since] == [(correction["id"], first["id"])]
    later = datetime.fromisoformat(correction["submitted_at"]) + timedelta(microseconds=1)
    assert org.items(url, updated_since=rfc3339(later)) == []


# --- bad values -----------------------------------------------------------------------------------

LISTS = [
    "/api/v1/scorecards",
    "/api/v1/candidates",
    "/api/v1/deletions",
    "evaluations",
]
BAD = [
    "2030-01-01T09:00:00",  # naive: no offset
    "2030-01-01",  # a date alone
    "yesterday",
    "",
    "99999-01-01T00:00:00Z",  # a year RFC 3339 cannot write
    "2030-01-01T09:00:00\x00Z",
    "2030-02-30T09:00:00Z",  # no such day
    "2030-01-01T24:00:00Z",
    "2030-01-01T09:00:00+24:00",
    "2030-01-01T09:00:00 01:00",  # "+01:00" sent unencoded: the + became a space
    "2030-01-01 09:00:00Z",
    "١٢٣٤-01-01T09:00:00Z",  # digits, but not ASCII ones
    "2030-01-01T09:00:00Z" + "0" * 5000,
]


def list_url(org: Integration, name: str) -> str:
    if name != "evaluations":
        return name
    candidate_id = org.candidate("Val Idation")
    scorecard_id = org.scorecard("Role", ROLE, publish=True)
    return f"/api/v1/scorecards/{scorecard_id}/candidates/{candidate_id}/evaluations"


@pytest.mark.parametrize("name", LISTS)
def test_a_bad_instant_is_refused_naming_the_field(org, name):
    url = list_url(org, name)
    for value in BAD:
        problem = assert_problem(org.get(url, updated_since=value), 422)
        assert list(problem["errors"]) == ["updated_since"], (value, problem)
        assert "RFC 3339" in problem["errors"]["updated_since"][0]


@pytest.mark.parametrize("name", LISTS)
def test_the_extreme_instants_rfc3339_can_write_are_answered(org, name):
    url = list_url(org, name)
    everything = org.get(url, updated_since="0001-01-01T00:00:00+23:59")  # before year 1 in UTC
    assert everything.status_code == 200, everything.json
    nothing = org.get(url, updated_since="9999-12-31T23:59:60-23:59")  # after 9999, leap second
    assert nothing.status_code == 200, nothing.json
    assert nothing.json == []
    lower = org.get(url, updated_since="2000-01-01t00:00:00.123456789z")  # lower case, ns
    assert lower.status_code == 200, lower.json


# --- pagination -----------------------------------------------------------------------------------


def test_pages_of_a_sync_follow_the_links_and_keep_updated_since(org, app):
    made = [org.candidate(f"Page {n}") for n in range(5)]
    # Changed in the reverse order of creation, two at a time in the same instant.
    for n, candidate_id in enumerate(reversed(made)):
        stamp(app, Candidate, candidate_id, T0 + timedelta(minutes=n // 2))
    expected = [made[3], made[4], made[1], made[2], made[0]]

    seen, url, query = [], "/api/v1/candidates", {"updated_since": rfc3339(T0), "page_size": 2}
    pages = 0
    while url:
        response = org.client.get(url, query_string=query, headers=org.auth)
        assert response.status_code == 200, response.json
        metadata = json.loads(response.headers["X-Pagination"])
        assert metadata["total"] == 5
        seen += [item["id"] for item in response.json]
        pages += 1
        links = {
            part.split('rel="')[1].rstrip('"'): part.split(";")[0].strip(" <>")
            for part in response.headers.get("Link", "").split(", ")
            if part
        }
        url, query = links.get("next"), None
        if url:
            assert "updated_since=2030-01-01T09%3A00%3A00Z" in url
    assert pages == 3
    assert seen == expected


# --- deletions ------------------------------------------------------------------------------------


def deleted(org: Integration, **query) -> list[tuple[str, int]]:
    return [(t["kind"], t["id"]) for t in org.items("/api/v1/deletions", **query)]


def test_deleting_a_candidate_or_a_draft_leaves_a_tombstone(org, other):
    candidate_id = org.candidate("Gone Soon")
    draft = org.scorecard("Draft to delete")
    before = datetime.now(UTC) - timedelta(seconds=1)

    etag = org.get(f"/api/v1/candidates/{candidate_id}").headers["ETag"]
    assert org.send("DELETE", f"/api/v1/candidates/{candidate_id}", etag=etag).status_code == 204
    etag = org.get(f"/api/v1/scorecards/{draft}").headers["ETag"]
    assert org.send("DELETE", f"/api/v1/scorecards/{draft}", etag=etag).status_code == 204

    tombstones = org.items("/api/v1/deletions")
    assert [(t["kind"], t["id"]) for t in tombstones] == [
        ("candidate", candidate_id),
        ("scorecard", draft),
    ]
    assert all(set(t) == {"kind", "id", "deleted_at"} for t in tombstones)
    assert all(datetime.fromisoformat(t["deleted_at"]) >= before for t in tombstones)
    assert deleted(org, kind="scorecard") == [("scorecard", draft)]
    assert deleted(org, updated_since=tombstones[1]["deleted_at"]) == [("scorecard", draft)]
    after = datetime.fromisoformat(tombstones[1]["deleted_at"]) + timedelta(microseconds=1)
    assert deleted(org, updated_since=rfc3339(after)) == []
    # The deleted objects are gone from the lists themselves.
    assert candidate_id not in org.ids("/api/v1/candidates")
    assert draft not in org.ids("/api/v1/scorecards")
    # Another organisation sees none of them.
    assert deleted(other) == []


def test_a_refused_delete_leaves_no_tombstone(org):
    published = org.scorecard("Published", ROLE, publish=True)
    etag = org.get(f"/api/v1/scorecards/{published}").headers["ETag"]
    assert org.send("DELETE", f"/api/v1/scorecards/{published}", etag=etag).status_code == 409
    candidate_id = org.candidate("Still Here")
    assert org.send("DELETE", f"/api/v1/candidates/{candidate_id}", etag='"r99"').status_code == 412
    assert deleted(org) == []


def test_a_withdrawn_share_is_a_tombstone_for_that_organisation_only(
    org, other, app, make_candidate
):
    email, shared = self_registered(app, make_candidate)
    for integration in (org, other):
        as_candidate(
            app,
            email,
            lambda s, user, slug=integration.organisation.slug: candidates.share_with(
                s, user, slug
            ),
        )
    organisation_id = org.organisation.organisation_id
    as_candidate(app, email, lambda s, user: candidates.withdraw(s, user, organisation_id))

    assert deleted(org) == [("candidate", shared)]
    assert shared not in org.ids("/api/v1/candidates")
    assert deleted(other) == []
    assert shared in other.ids("/api/v1/candidates")
    tombstone = org.items("/api/v1/deletions")[0]

    # Shared again: it comes back with an updated_at later than its tombstone.
    as_candidate(app, email, lambda s, user: candidates.share_with(s, user, org.organisation.slug))
    back = org.items("/api/v1/candidates", updated_since=tombstone["deleted_at"])
    assert [c["id"] for c in back] == [shared]
    assert back[0]["updated_at"] > tombstone["deleted_at"]


def test_a_self_registered_profile_deleted_leaves_a_tombstone_wherever_it_was_shared(
    org, other, app, make_candidate
):
    email, shared = self_registered(app, make_candidate)
    as_candidate(app, email, lambda s, user: candidates.share_with(s, user, org.organisation.slug))
    as_candidate(
        app,
        email,
        lambda s, user: candidates.delete_candidate(
            s, Actor.for_user(user), shared, s.get(Candidate, shared).revision
        ),
    )
    assert deleted(org) == [("candidate", shared)]
    assert deleted(other) == []


@pytest.mark.parametrize(
    ("scopes", "query", "status", "kinds"),
    [
        (["candidates:read"], {}, 200, {"candidate"}),
        (["scorecards:read"], {}, 200, {"scorecard"}),
        (["candidates:read", "scorecards:read"], {}, 200, {"candidate", "scorecard"}),
        (["candidates:read"], {"kind": "scorecard"}, 403, None),
        (["scorecards:read"], {"kind": "candidate"}, 403, None),
        (["matches:read", "candidates:write", "evaluations:read"], {}, 403, None),
    ],
)
def test_a_key_sees_the_tombstones_of_the_kinds_it_reads(
    org, client, make_api_key, scopes, query, status, kinds
):
    candidate_id = org.candidate("Gone")
    etag = org.get(f"/api/v1/candidates/{candidate_id}").headers["ETag"]
    org.send("DELETE", f"/api/v1/candidates/{candidate_id}", etag=etag)
    draft = org.scorecard("Gone too")
    etag = org.get(f"/api/v1/scorecards/{draft}").headers["ETag"]
    org.send("DELETE", f"/api/v1/scorecards/{draft}", etag=etag)

    token = make_api_key(org.organisation.organisation_id, scopes)
    response = client.get(
        "/api/v1/deletions", query_string=query, headers={"Authorization": f"Bearer {token}"}
    )
    if status != 200:
        assert_problem(response, status)
        return
    assert response.status_code == 200, response.json
    assert {t["kind"] for t in response.json} == kinds


def test_a_bad_kind_is_refused(org):
    problem = assert_problem(org.get("/api/v1/deletions", kind="interview"), 422)
    assert list(problem["errors"]) == ["kind"]


def test_the_openapi_document_explains_incremental_sync(client):
    spec = client.get("/api/v1/openapi.json").json
    tags = {tag["name"]: tag.get("description", "") for tag in spec["tags"]}
    assert "tombstones rather than soft deletes" in tags["Deletions"]
    assert "reference data" in tags["Deletions"]
    for path in ("/api/v1/scorecards", "/api/v1/candidates", "/api/v1/deletions"):
        parameters = {p["name"]: p for p in spec["paths"][path]["get"]["parameters"]}
        assert parameters["updated_since"]["schema"]["format"] == "date-time"
    assert "updated_at" in spec["components"]["schemas"]["Candidate"]["properties"]
