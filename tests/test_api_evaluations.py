"""The evaluations API as an ATS and interviewers use it: CONTRACT's shape, supersession, 409 on
a second submission, bad input as 422 naming the field, organisations and scopes, the
independence rule, Idempotency-Key, and what a submission changes in the match and in the
candidate's `assessments` (for the organisation that gathered it, and no other)."""

import json
import uuid
from datetime import datetime

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Evaluation, Organisation, User
from portal.models.accounts import SCOPES
from portal.services import accounts, candidates, interviews, scorecards
from portal.services.access import Actor
from tests.conftest import PASSWORD, assert_problem, csrf_token_from, sign_in, unique_email

PS, TL, SC = "product-strategy", "team-leadership", "stakeholder-communication"
ROLE = {
    "title": "Chief Product Officer",
    "competencies": [
        {"competency": PS, "weight": 3, "target_level": 4, "must_have": True},
        {"competency": TL, "weight": 2, "target_level": 4, "must_have": False},
        {"competency": SC, "weight": 1, "target_level": 3, "must_have": False},
    ],
}
SHAPE = {
    "id",
    "scorecard",
    "candidate",
    "interviewer",
    "ratings",
    "recommendation",
    "summary",
    "status",
    "supersedes",
    "submitted_at",
}


def rating(slug: str, value, note: str = "") -> dict:
    return {"competency": slug, "rating": value, "note": note}


def predicted(levels: dict[str, float]) -> float:
    """CONTRACT's score for ROLE from the effective levels (weights 3, 2, 1; W = 6)."""
    spec = [(PS, 3, 4), (TL, 2, 4), (SC, 1, 3)]
    total = sum(w * min(levels.get(slug, 0) / t, 1) for slug, w, t in spec)
    return round(100 * total / 6 + 1e-9, 1)


class World:
    """Organisation A with a recruiter, two interviewers (Ada, Bo), a published scorecard and a
    candidate who assessed themselves; made through the services, as the pages would."""

    def __init__(self, app, made, make_api_key):
        self.app = app
        self.org = made
        with app.app_context():
            user = db.session.scalar(select(User).where(User.email == made.recruiter_email))
            self.recruiter = Actor.for_user(user)
            organisation = db.session.get(Organisation, made.organisation_id)
            self.ada, self.bo = (
                accounts.create_user(
                    db.session,
                    email=unique_email(label),
                    password=PASSWORD,
                    role="interviewer",
                    name=label.title(),
                    organisation=organisation,
                ).email
                for label in ("ada", "bo")
            )
            db.session.commit()
            db.session.remove()
        self.scorecard = self._run(self._published_scorecard)
        self.candidate = self.new_candidate("Casey Candidate", {PS: 5, TL: 2})
        self.token = make_api_key(made.organisation_id, list(SCOPES))
        self.auth = {"Authorization": f"Bearer {self.token}"}

    def _run(self, work):
        with self.app.app_context():
            try:
                return work(db.session)
            finally:
                db.session.remove()

    def _published_scorecard(self, session, content=ROLE, publish=True) -> int:
        scorecard = scorecards.create_scorecard(session, self.recruiter, dict(content))
        if publish:
            scorecards.publish(session, self.recruiter, scorecard.id, scorecard.revision)
        return scorecard.id

    def draft_scorecard(self) -> int:
        return self._run(lambda s: self._published_scorecard(s, publish=False))

    def new_candidate(self, name: str, levels: dict[str, int]) -> int:
        values = {
            "name": name,
            "assessments": [{"competency": c, "level": lv} for c, lv in levels.items()],
        }
        return self._run(lambda s: candidates.create_candidate(s, self.recruiter, values).id)

    def assign(self, email: str, candidate_id: int | None = None) -> None:
        candidate_id = candidate_id or self.candidate
        self._run(
            lambda s: interviews.assign(
                s, self.recruiter, self.scorecard, candidate_id, email, [PS, TL, SC]
            )
        )

    def url(self, scorecard_id: int | None = None, candidate_id: int | None = None) -> str:
        return (
            f"/api/v1/scorecards/{scorecard_id or self.scorecard}"
            f"/candidates/{candidate_id or self.candidate}/evaluations"
        )

    def evaluations(self) -> int:
        return self._run(lambda s: s.scalar(select(func.count()).select_from(Evaluation)))

    def status_of(self, evaluation_id: int) -> str:
        return self._run(lambda s: s.get(Evaluation, evaluation_id).status)


@pytest.fixture
def world(app, make_recruiter, make_api_key) -> World:
    return World(app, make_recruiter(), make_api_key)


def body(interviewer=None, ratings=None, **extra) -> dict:
    values = {
        "ratings": ratings if ratings is not None else [rating(PS, 3, "Clear bets")],
        "recommendation": "yes",
        "summary": "Solid.",
        **extra,
    }
    if interviewer is not None:
        values["interviewer"] = interviewer
    return values


def submit(client, world, headers=None, url=None, **values):
    return client.post(url or world.url(), json=body(**values), headers=headers or world.auth)


def signed_in(app, email: str):
    """A browser session of `email`, and the CSRF header its API writes need."""
    browser = app.test_client()
    assert sign_in(browser, email).status_code == 303
    return browser, {"X-CSRFToken": csrf_token_from(browser, "/account")}


# --- the contract --------------------------------------------------------------------------------


def test_a_submission_answers_201_with_exactly_the_contract_shape(client, world):
    before = world.evaluations()
    response = submit(
        client,
        world,
        interviewer=world.ada.upper(),  # an email is matched case-insensitively
        ratings=[rating(PS, 4, "Owned the strategy"), rating(TL, 3)],
    )
    assert response.status_code == 201, response.json
    evaluation = response.json
    assert set(evaluation) == SHAPE
    assert evaluation["scorecard"] == {"id": world.scorecard, "version": 1}
    assert evaluation["candidate"] == {"id": world.candidate, "name": "Casey Candidate"}
    assert evaluation["interviewer"] == world.ada
    assert evaluation["ratings"] == [
        {"competency": PS, "rating": 4, "note": "Owned the strategy"},
        {"competency": TL, "rating": 3, "note": ""},
    ]
    assert (evaluation["recommendation"], evaluation["summary"]) == ("yes", "Solid.")
    assert (evaluation["status"], evaluation["supersedes"]) == ("submitted", None)
    assert datetime.fromisoformat(evaluation["submitted_at"]).tzinfo is not None
    assert world.evaluations() == before + 1
    # Like the other creations, the answer is the object itself; it has no URL of its own.
    assert "Location" not in response.headers


def test_a_submission_is_answered_without_reading_the_database_after_its_commit(
    client, world, statements_after_commit
):
    """A connection lost right after the commit must not turn a saved submission into a
    failure: the answer is built in the transaction."""
    after_commit = statements_after_commit("INSERT INTO EVALUATIONS ")
    answer = submit(client, world, interviewer=world.ada)
    assert answer.status_code == 201, answer.json
    assert after_commit == []
    assert answer.json["candidate"]["name"]
    assert answer.json["ratings"]


def test_the_list_is_oldest_first_and_paginated(client, world):
    for email in (world.ada, world.bo):
        assert submit(client, world, interviewer=email).status_code == 201
    response = client.get(world.url(), headers=world.auth)
    assert response.status_code == 200
    assert [e["interviewer"] for e in response.json] == [world.ada, world.bo]
    assert json.loads(response.headers["X-Pagination"])["total"] == 2
    first = client.get(world.url(), query_string={"page_size": 1}, headers=world.auth)
    assert [e["interviewer"] for e in first.json] == [world.ada]
    assert 'rel="next"' in first.headers["Link"]
    second = client.get(world.url(), query_string={"page_size": 1, "page": 2}, headers=world.auth)
    assert [e["interviewer"] for e in second.json] == [world.bo]


def test_a_correction_supersedes_and_the_list_shows_both(client, world):
    first = submit(client, world, interviewer=world.ada, ratings=[rating(PS, 1)]).json
    second = submit(
        client, world, interviewer=world.ada, ratings=[rating(PS, 4)], supersedes=first["id"]
    )
    assert second.status_code == 201, second.json
    assert second.json["supersedes"] == first["id"]
    assert world.status_of(first["id"]) == "superseded"
    listed = client.get(world.url(), headers=world.auth).json
    assert [(e["id"], e["status"], e["supersedes"]) for e in listed] == [
        (first["id"], "superseded", None),
        (second.json["id"], "submitted", first["id"]),
    ]
    # A superseded evaluation cannot be corrected again: the latest one can.
    again = submit(client, world, interviewer=world.ada, supersedes=first["id"])
    assert assert_problem(again, 409)["detail"].startswith(f"Evaluation {first['id']}")


def test_a_second_submission_without_supersedes_is_409_naming_the_first(client, world):
    first = submit(client, world, interviewer=world.ada).json
    before = world.evaluations()
    problem = assert_problem(submit(client, world, interviewer=world.ada), 409)
    assert f"evaluation {first['id']}" in problem["detail"]
    assert world.ada in problem["detail"]
    assert world.evaluations() == before
    assert world.status_of(first["id"]) == "submitted"


# --- bad input -----------------------------------------------------------------------------------

NOT_ON_VERSION = "data-driven-decision-making"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ratings": [rating(NOT_ON_VERSION, 3)]}, "ratings.0.competency"),
        ({"ratings": [rating(PS, 6)]}, "ratings.0.rating"),
        ({"ratings": [rating(PS, 0)]}, "ratings.0.rating"),
        ({"ratings": [rating(PS, -1)]}, "ratings.0.rating"),
        ({"ratings": [rating(PS, "4")]}, "ratings.0.rating"),
        ({"ratings": [rating(PS, True)]}, "ratings.0.rating"),
        ({"ratings": [rating(PS, 4.5)]}, "ratings.0.rating"),
        ({"ratings": [rating(PS, 10**30)]}, "ratings.0.rating"),
        ({"ratings": [rating(PS, None)]}, "ratings.0.rating"),
        ({"ratings": [rating(PS, 3), rating(PS, 4)]}, "ratings.1.competency"),
        ({"ratings": [{"rating": 3}]}, "ratings.0.competency"),
        ({"ratings": [rating(PS, 3, "x" * 2001)]}, "ratings.0.note"),
        ({"ratings": [rating(PS, 3, ["a note"])]}, "ratings.0.note"),
        ({"ratings": [5]}, "ratings.0"),
        ({"ratings": "4"}, "ratings"),
        ({"ratings": {"competency": PS}}, "ratings"),
        ({"ratings": []}, "ratings"),
        ({"ratings": None}, "ratings"),
        ({"recommendation": "maybe"}, "recommendation"),
        ({"recommendation": None}, "recommendation"),
        ({"recommendation": ["yes"]}, "recommendation"),
        ({"summary": 7}, "summary"),
        ({"summary": "s" * 5001}, "summary"),
        ({"interviewer": "nobody@example.test"}, "interviewer"),
        ({"interviewer": 42}, "interviewer"),
        ({"interviewer": None}, "interviewer"),  # an API key must name one
        ({"supersedes": "17"}, "supersedes"),
        ({"supersedes": True}, "supersedes"),
        ({"supersedes": 10**30}, "supersedes"),
        ({"supersedes": 2_000_000_000}, "supersedes"),
        ({"grade": "A"}, "grade"),
    ],
)
def test_bad_input_is_422_naming_the_field_and_saves_nothing(client, world, changes, field):
    values = {**body(interviewer=world.ada), **changes}
    values = {key: value for key, value in values.items() if value is not None or key in changes}
    before = world.evaluations()
    response = client.post(world.url(), json=values, headers=world.auth)
    problem = assert_problem(response, 422)
    assert field in problem["errors"], problem
    assert world.evaluations() == before


def test_missing_fields_and_a_body_that_is_no_object_are_422(client, world):
    for sent in ({}, [], "yes", 3):
        assert_problem(client.post(world.url(), json=sent, headers=world.auth), 422)
    empty = client.post(world.url(), json={"interviewer": world.ada}, headers=world.auth)
    assert "ratings" in assert_problem(empty, 422)["errors"]


def test_the_interviewer_must_be_staff_of_the_organisation(client, world, make_recruiter):
    outsider = make_recruiter().recruiter_email
    problem = assert_problem(submit(client, world, interviewer=outsider), 422)
    assert problem["errors"]["interviewer"] == [
        f"{outsider} is not a member of your organisation's staff."
    ]


def test_text_no_database_can_store_is_refused_not_a_500(client, world):
    before = world.evaluations()
    for values in (
        body(interviewer=world.ada, ratings=[rating(PS, 3, "bad\u0000note")]),
        body(interviewer=f"ada\u0000{world.ada}"),
    ):
        assert_problem(client.post(world.url(), json=values, headers=world.auth), 400)
    digits = b'{"ratings": [{"competency": "product-strategy", "rating": ' + b"9" * 5000 + b"}]}"
    refused = client.post(
        world.url(), data=digits, headers={**world.auth, "Content-Type": "application/json"}
    )
    assert_problem(refused, 400)
    assert world.evaluations() == before


def test_a_never_published_scorecard_is_422(client, world):
    draft = world.draft_scorecard()
    problem = assert_problem(
        submit(client, world, url=world.url(draft), interviewer=world.ada), 422
    )
    assert "scorecard" in problem["errors"]


# --- who may ------------------------------------------------------------------------------------


def test_another_organisations_scorecard_or_candidate_is_404(
    app, client, world, make_recruiter, make_api_key
):
    other = World(app, make_recruiter(), make_api_key)
    before = world.evaluations()
    for url in (world.url(), world.url(other.scorecard), world.url(candidate_id=other.candidate)):
        auth = other.auth if url == world.url() else world.auth
        assert_problem(client.get(url, headers=auth), 404)
        assert_problem(submit(client, world, headers=auth, url=url, interviewer=world.ada), 404)
    assert world.evaluations() == before


def test_scopes_are_enforced(client, world, make_api_key):
    organisation_id = world.org.organisation_id
    reader = {"Authorization": f"Bearer {make_api_key(organisation_id, ['evaluations:read'])}"}
    writer = {"Authorization": f"Bearer {make_api_key(organisation_id, ['evaluations:write'])}"}
    others = [s for s in SCOPES if not s.startswith("evaluations:")]
    neither = {"Authorization": f"Bearer {make_api_key(organisation_id, others)}"}
    before = world.evaluations()
    assert_problem(submit(client, world, headers=reader, interviewer=world.ada), 403)
    assert_problem(submit(client, world, headers=neither, interviewer=world.ada), 403)
    assert world.evaluations() == before
    assert_problem(client.get(world.url(), headers=writer), 403)
    assert_problem(client.get(world.url(), headers=neither), 403)
    assert submit(client, world, headers=writer, interviewer=world.ada).status_code == 201
    assert client.get(world.url(), headers=reader).status_code == 200
    assert_problem(client.get(world.url()), 401)


def test_a_candidate_is_refused(app, world, make_candidate):
    browser, csrf = signed_in(app, make_candidate())
    assert_problem(browser.get(world.url()), 403)
    assert_problem(browser.post(world.url(), json=body(), headers=csrf), 403)


def test_a_recruiters_session_submits_as_itself_with_the_csrf_header(app, world):
    browser, csrf = signed_in(app, world.org.recruiter_email)
    assert_problem(browser.post(world.url(), json=body()), 400)  # no CSRF header
    response = browser.post(world.url(), json=body(), headers=csrf)
    assert response.status_code == 201, response.json
    assert response.json["interviewer"] == world.org.recruiter_email
    assert browser.get(world.url()).json == [response.json]


def test_an_unassigned_interviewer_gets_404(app, world):
    browser, csrf = signed_in(app, world.ada)
    assert_problem(browser.get(world.url()), 404)
    assert_problem(browser.post(world.url(), json=body(), headers=csrf), 404)
    world.assign(world.bo)  # someone else's interview does not open it to Ada
    assert_problem(browser.get(world.url()), 404)


def test_an_interviewer_submits_only_their_own_assigned_evaluation(app, world):
    world.assign(world.ada)
    browser, csrf = signed_in(app, world.ada)
    before = world.evaluations()
    assert_problem(browser.post(world.url(), json=body(world.bo), headers=csrf), 403)
    assert world.evaluations() == before
    response = browser.post(world.url(), json=body(), headers=csrf)
    assert response.status_code == 201, response.json
    assert response.json["interviewer"] == world.ada


def test_me_answers_an_interviewers_role_and_two_scopes(app, world):
    browser, _ = signed_in(app, world.ada)
    me = browser.get("/api/v1/me")
    assert me.status_code == 200
    assert me.json["user"]["role"] == "interviewer"
    assert me.json["scopes"] == ["evaluations:read", "evaluations:write"]
    assert me.json["organisation"]["slug"] == world.org.slug


def test_an_interviewer_sees_the_others_only_after_submitting(client, app, world):
    world.assign(world.ada)
    world.assign(world.bo)
    ada, ada_csrf = signed_in(app, world.ada)
    bo, bo_csrf = signed_in(app, world.bo)
    sent = ada.post(world.url(), json=body(ratings=[rating(PS, 5)]), headers=ada_csrf)
    assert sent.status_code == 201
    assert bo.get(world.url()).json == []  # Ada's ratings stay hidden until Bo submits
    mine = bo.post(world.url(), json=body(ratings=[rating(PS, 2)]), headers=bo_csrf)
    assert mine.status_code == 201
    assert [e["interviewer"] for e in bo.get(world.url()).json] == [world.ada, world.bo]
    everyone = client.get(world.url(), headers=world.auth).json
    assert [e["interviewer"] for e in everyone] == [world.ada, world.bo]


def test_an_interviewer_sees_their_own_before_the_others_submit(app, world):
    world.assign(world.ada)
    world.assign(world.bo)
    ada, csrf = signed_in(app, world.ada)
    sent = ada.post(world.url(), json=body(), headers=csrf).json
    assert ada.get(world.url()).json == [sent]


# --- what a submission changes -------------------------------------------------------------------


def test_the_match_api_shows_interview_levels_and_the_predicted_score(client, world):
    match_url = f"/api/v1/scorecards/{world.scorecard}/matches/{world.candidate}"
    before = client.get(match_url, headers=world.auth).json
    assert before["score"] == predicted({PS: 5, TL: 2})
    submit(client, world, interviewer=world.ada, ratings=[rating(PS, 3), rating(SC, 2)])
    submit(client, world, interviewer=world.bo, ratings=[rating(PS, 4), rating(TL, 3)])
    match = client.get(match_url, headers=world.auth).json
    gaps = {gap["competency"]: (gap["level"], gap["source"]) for gap in match["gaps"]}
    assert gaps == {PS: (3.5, "interview"), TL: (3.0, "interview"), SC: (2.0, "interview")}
    assert match["score"] == predicted({PS: 3.5, TL: 3, SC: 2})


def test_the_candidate_document_shows_the_organisations_interview_levels_and_a_new_etag(
    client, world
):
    url = f"/api/v1/candidates/{world.candidate}"
    first = client.get(url, headers=world.auth)
    assert {a["source"] for a in first.json["assessments"]} == {"self"}
    submit(client, world, interviewer=world.ada, ratings=[rating(PS, 3), rating(TL, 4)])
    submit(client, world, interviewer=world.bo, ratings=[rating(PS, 4)])
    # The candidate's own revision did not move, but what the document shows did.
    stale = client.get(url, headers={**world.auth, "If-None-Match": first.headers["ETag"]})
    assert stale.status_code == 200
    assert stale.headers["ETag"] != first.headers["ETag"]
    interview = [a for a in stale.json["assessments"] if a["source"] == "interview"]
    assert interview == [
        {
            "competency": PS,
            "level": 3.5,
            "evidence": "Mean of 2 interview ratings",
            "source": "interview",
        },
        {
            "competency": TL,
            "level": 4.0,
            "evidence": "Mean of 1 interview rating",
            "source": "interview",
        },
    ]
    selves = [a for a in stale.json["assessments"] if a["source"] == "self"]
    assert selves == first.json["assessments"]
    current = client.get(url, headers={**world.auth, "If-None-Match": stale.headers["ETag"]})
    assert current.status_code == 304
    # The list shows the same document.
    listed = client.get("/api/v1/candidates", headers=world.auth, query_string={"page_size": 100})
    assert [c for c in listed.json if c["id"] == world.candidate] == [stale.json]
    # A write names the tag it read; only the candidate's own revision is compared.
    patched = client.patch(
        url,
        json={"headline": "VP Product"},
        headers={**world.auth, "If-Match": stale.headers["ETag"]},
    )
    assert patched.status_code == 200, patched.json
    assert patched.json["assessments"] == stale.json["assessments"]
    assert patched.headers["ETag"] not in (stale.headers["ETag"], first.headers["ETag"])
    gone = client.patch(
        url, json={"headline": "CPO"}, headers={**world.auth, "If-Match": stale.headers["ETag"]}
    )
    assert_problem(gone, 412)


def test_interview_levels_stay_with_the_organisation_that_gathered_them(
    app, client, world, make_recruiter, make_api_key, make_candidate
):
    """A self-registered candidate shares with A and B: only A's document and match carry A's
    interview levels."""
    email = make_candidate()
    other = World(app, make_recruiter(), make_api_key)

    def shared(session):
        user = session.scalar(select(User).where(User.email == email))
        profile = candidates.own_profile(session, user)
        candidates.update_candidate(
            session,
            Actor.for_user(user),
            profile.id,
            {"assessments": [{"competency": PS, "level": 2}]},
            profile.revision,
        )
        candidates.share_with(session, user, world.org.slug)
        candidates.share_with(session, user, other.org.slug)
        return profile.id

    candidate_id = world._run(shared)
    sent = submit(
        client,
        world,
        url=world.url(candidate_id=candidate_id),
        interviewer=world.ada,
        ratings=[rating(PS, 5)],
    )
    assert sent.status_code == 201, sent.json

    def assessments(caller: World) -> list[tuple]:
        document = client.get(f"/api/v1/candidates/{candidate_id}", headers=caller.auth).json
        return [(a["competency"], a["level"], a["source"]) for a in document["assessments"]]

    assert assessments(world) == [(PS, 2, "self"), (PS, 5.0, "interview")]
    assert assessments(other) == [(PS, 2, "self")]
    theirs = client.get(
        f"/api/v1/scorecards/{other.scorecard}/matches/{candidate_id}", headers=other.auth
    ).json
    assert {g["competency"]: (g["level"], g["source"]) for g in theirs["gaps"]}[PS] == (2, "self")
    # Nor can B read or add to A's evaluations of the candidate they both see.
    assert_problem(client.get(world.url(candidate_id=candidate_id), headers=other.auth), 404)
    assert client.get(other.url(candidate_id=candidate_id), headers=other.auth).json == []


# --- retries -------------------------------------------------------------------------------------


def test_an_idempotency_key_replays_the_first_answer(client, world):
    headers = {**world.auth, "Idempotency-Key": uuid.uuid4().hex}
    values = body(interviewer=world.ada)
    first = client.post(world.url(), json=values, headers=headers)
    assert first.status_code == 201
    before = world.evaluations()
    again = client.post(world.url(), json=values, headers=headers)
    assert again.status_code == 201  # not 409: the retry gets the first answer
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json == first.json
    assert world.evaluations() == before
    changed = client.post(world.url(), json={**values, "summary": "Other"}, headers=headers)
    assert_problem(changed, 422)


def test_the_candidate_list_reads_interview_levels_in_one_query_per_page(client, world):
    """Listing candidates costs the same statements for one interviewed candidate or five."""
    from sqlalchemy import event

    def statements_for_list() -> int:
        seen: list[str] = []

        def record(conn, cursor, statement, *args):
            seen.append(statement)

        with world.app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", record)
        try:
            answer = client.get("/api/v1/candidates?page_size=100", headers=world.auth)
        finally:
            event.remove(engine, "before_cursor_execute", record)
        assert answer.status_code == 200
        return len(seen)

    assert submit(client, world, interviewer=world.ada).status_code == 201
    one = statements_for_list()
    for number in range(4):
        other = world.new_candidate(f"Interviewed {number}", {PS: 2})
        assert (
            submit(
                client, world, interviewer=world.ada, url=world.url(candidate_id=other)
            ).status_code
            == 201
        )
    assert statements_for_list() == one
