"""`Idempotency-Key` on the API's POST creations: a client that retries after a dropped
connection gets the first answer again, and nothing is created twice."""

import json
import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from threading import Barrier

import pytest
import requests
from sqlalchemy import event, func, select, update
from sqlalchemy.exc import OperationalError

from portal.extensions import db
from portal.models import Candidate, IdempotencyKey, Scorecard
from portal.models.types import utcnow
from tests.conftest import SAMPLE_RESUME, assert_problem, csrf_token_from, sign_in

SCORECARDS = "/api/v1/scorecards"
CANDIDATES = "/api/v1/candidates"
IMPORT = "/api/v1/candidates/import"
SCOPES = ["scorecards:read", "scorecards:write", "candidates:read", "candidates:write"]
RACERS = 6


def scorecard_body(title="Head of Product"):
    return {"title": title, "mission": "Own the product strategy."}


def candidate_body(name="Alex Product"):
    return {"name": name, "email": f"{uuid.uuid4().hex[:10]}@example.test"}


def resume_body(name="Jordan Resume"):
    basics = {**SAMPLE_RESUME["basics"], "name": name, "email": f"{uuid.uuid4().hex[:10]}@x.test"}
    return {**SAMPLE_RESUME, "basics": basics}


OPERATIONS = {
    "scorecards": (SCORECARDS, scorecard_body, Scorecard),
    "candidates": (CANDIDATES, candidate_body, Candidate),
    "import": (IMPORT, resume_body, Candidate),
}


def new_key() -> str:
    return str(uuid.uuid4())


class Caller:
    """An integration with its own API key of one organisation."""

    def __init__(self, client, token, organisation_id):
        self.client = client
        self.token = token
        self.organisation_id = organisation_id

    def post(self, url, body, key=None, **headers):
        if key is not None:
            headers["Idempotency-Key"] = key
        return self.client.post(
            url, json=body, headers={"Authorization": f"Bearer {self.token}", **headers}
        )


@pytest.fixture
def organisation(make_recruiter):
    return make_recruiter()


@pytest.fixture
def caller(client, make_api_key, organisation):
    token = make_api_key(organisation.organisation_id, SCOPES)
    return Caller(client, token, organisation.organisation_id)


def count(app, model, organisation_id) -> int:
    with app.app_context():
        total = db.session.scalar(
            select(func.count()).select_from(model).where(model.organisation_id == organisation_id)
        )
        db.session.remove()
    return total


@pytest.mark.parametrize("operation", OPERATIONS)
def test_a_retry_with_the_same_key_answers_the_first_result_and_creates_nothing(
    app, caller, operation
):
    url, body_for, model = OPERATIONS[operation]
    body, key = body_for(), new_key()
    first = caller.post(url, body, key)
    assert first.status_code == 201, first.get_data(as_text=True)
    assert "Idempotent-Replayed" not in first.headers
    created = count(app, model, caller.organisation_id)

    again = caller.post(url, body, key)

    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json == first.json
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.mimetype == "application/json"
    assert count(app, model, caller.organisation_id) == created


@pytest.fixture
def answers_not_kept(app):
    """The database fails the statement that would keep an answer with its key, as a
    connection lost right after the creation's commit would."""
    with app.app_context():
        engine = db.engine

    def fail(connection, cursor, statement, *args):
        if statement.lstrip().upper().startswith("UPDATE IDEMPOTENCY_KEYS "):
            raise OperationalError(statement, {}, ConnectionError("server closed the connection"))

    event.listen(engine, "before_cursor_execute", fail)
    yield
    event.remove(engine, "before_cursor_execute", fail)


@pytest.mark.parametrize("operation", OPERATIONS)
def test_a_creation_whose_answer_cannot_be_kept_is_still_answered_as_created(
    app, caller, operation, answers_not_kept
):
    url, body_for, model = OPERATIONS[operation]
    body, key = body_for(), new_key()
    before = count(app, model, caller.organisation_id)

    first = caller.post(url, body, key)

    assert first.status_code == 201, first.get_data(as_text=True)
    assert count(app, model, caller.organisation_id) == before + 1
    # The key stays claimed: a retry is refused rather than creating a second object.
    assert_problem(caller.post(url, body, key), 409)
    assert count(app, model, caller.organisation_id) == before + 1


def test_the_same_json_written_differently_is_the_same_request(app, caller):
    key = new_key()
    first = caller.client.post(
        SCORECARDS,
        data='{"title": "Head of Product", "mission": "Own it."}',
        content_type="application/json",
        headers={"Authorization": f"Bearer {caller.token}", "Idempotency-Key": key},
    )
    again = caller.client.post(
        SCORECARDS,
        data='{"mission":"Own it.","title":"Head of Product"}',
        content_type="application/json",
        headers={"Authorization": f"Bearer {caller.token}", "Idempotency-Key": key},
    )
    assert first.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json["id"] == first.json["id"]


def test_the_object_changing_later_does_not_change_the_replayed_answer(caller):
    key = new_key()
    first = caller.post(SCORECARDS, scorecard_body(), key)
    changed = caller.client.patch(
        f"{SCORECARDS}/{first.json['id']}",
        json={"title": "Chief Product Officer"},
        headers={"Authorization": f"Bearer {caller.token}", "If-Match": first.headers["ETag"]},
    )
    assert changed.status_code == 200
    again = caller.post(SCORECARDS, scorecard_body(), key)
    assert again.json == first.json  # the answer the first request got, as it was


@pytest.mark.parametrize("operation", OPERATIONS)
def test_the_same_key_with_a_different_body_is_refused_and_creates_nothing(app, caller, operation):
    url, body_for, model = OPERATIONS[operation]
    key = new_key()
    assert caller.post(url, body_for("First"), key).status_code == 201
    created = count(app, model, caller.organisation_id)

    problem = assert_problem(caller.post(url, body_for("Second"), key), 422)

    assert "different request" in problem["detail"]
    assert count(app, model, caller.organisation_id) == created


def test_two_keys_make_two_objects(app, caller):
    before = count(app, Scorecard, caller.organisation_id)
    first = caller.post(SCORECARDS, scorecard_body(), new_key())
    second = caller.post(SCORECARDS, scorecard_body(), new_key())
    assert first.status_code == second.status_code == 201
    assert first.json["id"] != second.json["id"]
    assert "Idempotent-Replayed" not in second.headers
    assert count(app, Scorecard, caller.organisation_id) == before + 2


def test_without_a_key_every_post_creates(app, caller):
    before = count(app, Scorecard, caller.organisation_id)
    caller.post(SCORECARDS, scorecard_body())
    caller.post(SCORECARDS, scorecard_body())
    assert count(app, Scorecard, caller.organisation_id) == before + 2


def test_another_caller_with_the_same_key_is_independent(app, client, caller, make_api_key):
    other = Caller(client, make_api_key(caller.organisation_id, SCOPES), caller.organisation_id)
    key = new_key()
    mine = caller.post(SCORECARDS, scorecard_body("Mine"), key)
    theirs = other.post(SCORECARDS, scorecard_body("Theirs"), key)
    assert mine.status_code == theirs.status_code == 201
    assert "Idempotent-Replayed" not in theirs.headers
    assert theirs.json["id"] != mine.json["id"]
    assert theirs.json["title"] == "Theirs"


def test_the_same_key_on_another_operation_is_independent(caller):
    key = new_key()
    assert caller.post(CANDIDATES, candidate_body(), key).status_code == 201
    imported = caller.post(IMPORT, resume_body(), key)
    assert imported.status_code == 201
    assert "Idempotent-Replayed" not in imported.headers


def expire(app, key: str) -> None:
    """Make the key older than the 24 hours it is kept for."""
    with app.app_context():
        db.session.execute(
            update(IdempotencyKey)
            .where(IdempotencyKey.key == key)
            .values(created_at=utcnow() - timedelta(hours=25))
        )
        db.session.commit()
        db.session.remove()


def test_an_expired_key_is_a_new_request(app, caller):
    key = new_key()
    first = caller.post(SCORECARDS, scorecard_body(), key)
    expire(app, key)
    before = count(app, Scorecard, caller.organisation_id)

    again = caller.post(SCORECARDS, scorecard_body(), key)

    assert again.status_code == 201
    assert "Idempotent-Replayed" not in again.headers
    assert again.json["id"] != first.json["id"]
    assert count(app, Scorecard, caller.organisation_id) == before + 1
    # ... and that new answer is the one a retry now gets
    assert caller.post(SCORECARDS, scorecard_body(), key).json["id"] == again.json["id"]


def test_the_purge_command_deletes_expired_keys_of_callers_that_stopped_calling(
    app, caller, client, make_api_key, organisation
):
    quiet = Caller(
        client, make_api_key(organisation.organisation_id, SCOPES), organisation.organisation_id
    )
    expired, fresh = new_key(), new_key()
    quiet.post(SCORECARDS, scorecard_body(), expired)
    caller.post(SCORECARDS, scorecard_body(), fresh)
    expire(app, expired)

    result = app.test_cli_runner().invoke(args=["idempotency", "purge"])

    assert result.exit_code == 0, result.output
    assert re.search(r"Deleted [1-9]\d* expired idempotency keys\.", result.output)
    with app.app_context():
        left = set(
            db.session.scalars(
                select(IdempotencyKey.key).where(IdempotencyKey.key.in_([expired, fresh]))
            )
        )
        db.session.remove()
    assert left == {fresh}


@pytest.mark.parametrize(
    ("url", "invalid"),
    [
        (SCORECARDS, {"mission": "No title"}),
        (CANDIDATES, {"name": ""}),
        (IMPORT, {"basics": "not an object"}),
    ],
)
def test_a_refused_creation_does_not_burn_the_key(app, caller, url, invalid):
    key = new_key()
    assert_problem(caller.post(url, invalid, key), 422)
    body = {SCORECARDS: scorecard_body, CANDIDATES: candidate_body, IMPORT: resume_body}[url]()

    fixed = caller.post(url, body, key)

    assert fixed.status_code == 201, fixed.get_data(as_text=True)
    assert "Idempotent-Replayed" not in fixed.headers


def test_a_refusal_from_the_domain_does_not_burn_the_key(app, caller):
    key = new_key()
    missing = {**scorecard_body(), "clone_from": "2000000000"}
    before = count(app, Scorecard, caller.organisation_id)
    assert_problem(caller.post(SCORECARDS, missing, key), 404)
    assert_problem(caller.post(SCORECARDS, missing, key), 404)  # not replayed: tried again
    fixed = caller.post(SCORECARDS, scorecard_body(), key)
    assert fixed.status_code == 201
    assert count(app, Scorecard, caller.organisation_id) == before + 1


def test_a_scope_the_caller_lacks_is_refused_before_any_replay(client, caller, make_api_key):
    key = new_key()
    assert caller.post(SCORECARDS, scorecard_body(), key).status_code == 201
    reader = Caller(
        client, make_api_key(caller.organisation_id, ["scorecards:read"]), caller.organisation_id
    )
    assert_problem(reader.post(SCORECARDS, scorecard_body(), key), 403)


@pytest.mark.parametrize(
    "key",
    ["", " ", "has space", "x" * 256, "tab\there", "caf\u00e9", '""'],
    ids=["empty", "blank", "space", "too-long", "tab", "non-ascii", "empty-quoted"],
)
def test_a_malformed_key_is_refused_and_creates_nothing(app, caller, key):
    before = count(app, Scorecard, caller.organisation_id)
    problem = assert_problem(caller.post(SCORECARDS, scorecard_body(), key), 400)
    assert "Idempotency-Key" in problem["detail"]
    assert count(app, Scorecard, caller.organisation_id) == before


def test_the_longest_key_and_the_quoted_form_are_accepted(caller):
    longest = "k" * 255
    assert caller.post(SCORECARDS, scorecard_body(), longest).status_code == 201
    key = new_key()
    first = caller.post(SCORECARDS, scorecard_body(), f'"{key}"')
    again = caller.post(SCORECARDS, scorecard_body(), key)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json["id"] == first.json["id"]


def test_a_signed_in_user_has_keys_of_their_own(app, client, caller, organisation):
    sign_in(client, organisation.recruiter_email)
    token = csrf_token_from(client, "/dashboard")
    key = new_key()
    headers = {"X-CSRFToken": token, "Idempotency-Key": key}
    first = client.post(SCORECARDS, json=scorecard_body("Session"), headers=headers)
    again = client.post(SCORECARDS, json=scorecard_body("Session"), headers=headers)
    assert first.status_code == 201, first.get_data(as_text=True)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json["id"] == first.json["id"]
    # the organisation's API key using the same key is another caller
    keyed = caller.post(SCORECARDS, scorecard_body("Session"), key)
    assert keyed.status_code == 201
    assert keyed.json["id"] != first.json["id"]


def test_concurrent_retries_create_exactly_one_object(app, live_server, caller):
    url = f"{live_server}{CANDIDATES}"
    body = json.dumps(candidate_body("Racer"))
    headers = {
        "Authorization": f"Bearer {caller.token}",
        "Content-Type": "application/json",
        "Idempotency-Key": new_key(),
    }
    before = count(app, Candidate, caller.organisation_id)
    start = Barrier(RACERS)

    def retry(_):
        start.wait()
        return requests.post(url, data=body, headers=headers, timeout=60)

    with ThreadPoolExecutor(RACERS) as pool:
        answers = list(pool.map(retry, range(RACERS)))

    statuses = [answer.status_code for answer in answers]
    assert set(statuses) <= {201, 409}, statuses
    assert 201 in statuses
    assert len({answer.json()["id"] for answer in answers if answer.status_code == 201}) == 1
    for answer in answers:
        if answer.status_code == 409:
            assert answer.headers["Content-Type"] == "application/problem+json"
            assert "still being processed" in answer.json()["detail"]
    assert count(app, Candidate, caller.organisation_id) == before + 1
    # once the first has finished, a retry gets its answer
    settled = requests.post(url, data=body, headers=headers, timeout=60)
    assert settled.status_code == 201
    assert settled.headers["Idempotent-Replayed"] == "true"


@pytest.mark.parametrize(
    "path", ["/api/v1/scorecards", "/api/v1/candidates", "/api/v1/candidates/import"]
)
def test_the_header_is_documented_on_each_creation(client, path):
    operation = client.get("/api/v1/openapi.json").json["paths"][path]["post"]
    parameter = next(p for p in operation["parameters"] if p["name"] == "Idempotency-Key")
    assert parameter["in"] == "header"
    assert parameter["required"] is False
    assert parameter["schema"]["maxLength"] == 255
    created = operation["responses"]["201"]
    assert "Idempotent-Replayed" in created["headers"]
    assert "application/json" in created["content"]  # the documented body stays
    assert {"400", "409", "422"} <= set(operation["responses"])
