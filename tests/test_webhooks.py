"""Webhooks end to end: a real HTTP receiver on 127.0.0.1 verifies every delivery with the
`standardwebhooks` verifier; retries keep the webhook-id and the receiver applies each message
once; the backoff lasts more than 24 hours; an endpoint failing for 3 days is switched off (and
a ping that gets through switches it back on); no redirect is followed; a slow receiver times
out; the SSRF rules (production: https only, public addresses only, checked again at each
attempt); organisations and scopes; the API and the page; events emitted by the services reach
the receiver through the jobs, on Redis and in the web process without it."""

import base64
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from redis import Redis
from sqlalchemy import select, update
from standardwebhooks import Webhook, WebhookVerificationError

from portal import jobs
from portal.extensions import db
from portal.models import User, WebhookDelivery, WebhookEndpoint
from portal.models.accounts import SCOPES
from portal.models.types import utcnow
from portal.services import accounts, candidates, evaluations, scorecards, webhooks
from portal.services.access import Actor, Origin
from portal.services.errors import NotFound, ValidationFailed
from tests.conftest import (
    PASSWORD,
    assert_problem,
    csrf_token_from,
    make_app,
    post_form,
    redis_url,
    sign_in,
    unique_email,
)

REDIS_URL = redis_url(3)  # this module's own Redis database, emptied by it
ALL_EVENTS = list(webhooks.EVENTS)
ROLE = {
    "title": "Chief Product Officer",
    "competencies": [
        {"competency": "product-strategy", "weight": 3, "target_level": 4, "must_have": True}
    ],
}
PUBLIC = "93.184.216.34"  # a public address, for a DNS the tests stand in for


# --- a receiver ------------------------------------------------------------------------------


@dataclass
class Answer:
    status: int = 200
    body: str = "ok"
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


class Receiver:
    """An HTTP endpoint on 127.0.0.1 that verifies each request as a Standard Webhooks
    receiver does, applies each webhook-id once (`effects`), and answers as scripted."""

    def __init__(self) -> None:
        self.secret: str | None = None
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        self.verified: list[dict] = []
        self.rejected: list[str] = []
        self.effects: dict[str, dict] = {}
        self.script: list[Answer] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.server.block_on_close = False
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/hooks"

    def answer(self, *answers: Answer) -> None:
        """The next answers, in order (then 200)."""
        self.script.extend(answers)

    def of_type(self, event_type: str) -> list[dict]:
        return [payload for payload in self.verified if payload["type"] == event_type]

    def _receive(self, path: str, headers: dict[str, str], body: bytes) -> Answer:
        with self.lock:
            self.requests.append((path, headers, body))
            answer = self.script.pop(0) if self.script else Answer()
            try:
                payload = Webhook(self.secret).verify(body, headers)
            except (WebhookVerificationError, TypeError, ValueError) as refused:
                self.rejected.append(str(refused))
                return Answer(400, "bad signature")
            self.verified.append(payload)
            self.effects.setdefault(headers["webhook-id"], payload)  # applied once per id
        return answer

    def _handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802  (the name http.server calls)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                answer = receiver._receive(self.path, dict(self.headers.items()), body)
                time.sleep(answer.delay)
                try:
                    self.send_response(answer.status)
                    for name, value in answer.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(answer.body.encode())))
                    self.end_headers()
                    self.wfile.write(answer.body.encode())
                except OSError:  # the portal stopped waiting
                    pass

            def log_message(self, *args):
                pass

        return Handler

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    made = Receiver()
    yield made
    made.close()


# --- helpers ---------------------------------------------------------------------------------


def actor_of(organisation) -> Actor:
    return Actor(organisation_id=organisation.organisation_id, scopes=frozenset(SCOPES))


def run(app, work: Callable):
    with app.app_context():
        try:
            return work(db.session)
        finally:
            db.session.remove()


def add_endpoint(app, organisation, receiver: Receiver | None, events=None, url=None) -> int:
    """An endpoint of the organisation (at the receiver, which learns its secret)."""

    def make(session):
        made = webhooks.create_endpoint(
            session,
            actor_of(organisation),
            url or receiver.url,
            events or ALL_EVENTS,
            Origin(),
            production=False,
        )
        return made.id, made.secret

    webhook_id, secret = run(app, make)
    if receiver is not None and url is None:
        receiver.secret = secret
    return webhook_id


def deliveries_of(app, webhook_id: int) -> list[WebhookDelivery]:
    def read(session):
        found = session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.webhook_id == webhook_id)
            .order_by(WebhookDelivery.id)
        ).all()
        for delivery in found:
            list(delivery.attempt_log)  # loaded before the session goes
            session.expunge(delivery)
        return found

    return run(app, read)


def delivery(app, delivery_id: int) -> WebhookDelivery:
    def read(session):
        found = session.get(WebhookDelivery, delivery_id)
        list(found.attempt_log)
        session.expunge(found)
        return found

    return run(app, read)


def endpoint(app, webhook_id: int) -> WebhookEndpoint:
    def read(session):
        found = session.get(WebhookEndpoint, webhook_id)
        session.expunge(found)
        return found

    return run(app, read)


def wait_for(check: Callable[[], object], what: str, seconds: float = 15):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if found := check():
            return found
        time.sleep(0.05)
    raise AssertionError(f"waited {seconds} s for {what}")


def settled(app, delivery_id: int, attempts: int) -> WebhookDelivery:
    """The delivery once it has `attempts` attempts and nobody holds it (whichever worker made
    them: the job queued after commit, a sweep, or the test)."""
    return wait_for(
        lambda: (
            (found := delivery(app, delivery_id)).attempts >= attempts
            and found.lease_until is None
            and found
        ),
        f"delivery {delivery_id} to have {attempts} attempt(s)",
    )


def make_due(app, delivery_id: int, **values) -> None:
    """Move time: the next attempt is due now (and anything else in `values`)."""
    values.setdefault("next_attempt_at", utcnow() - timedelta(seconds=1))

    def change(session):
        session.execute(
            update(WebhookDelivery).where(WebhookDelivery.id == delivery_id).values(**values)
        )
        session.commit()

    run(app, change)


def one_more_attempt(app, delivery_id: int, production: bool = False) -> WebhookDelivery:
    """Make the due delivery's next attempt here, or wait for the worker that claimed it
    first."""
    before = delivery(app, delivery_id).attempts
    run(app, lambda s: webhooks.deliver(s, delivery_id, production=production))
    return settled(app, delivery_id, before + 1)


def ping(app, organisation, webhook_id: int) -> int:
    return run(app, lambda s: webhooks.ping(s, actor_of(organisation), webhook_id).id)


def key_headers(make_api_key, organisation, scopes=("webhooks:manage",)) -> dict:
    token = make_api_key(organisation.organisation_id, list(scopes))
    return {"Authorization": f"Bearer {token}"}


# --- signing and delivering --------------------------------------------------------------------


def test_a_ping_reaches_the_receiver_signed_as_standard_webhooks_say(app, make_recruiter, receiver):
    organisation = make_recruiter()
    webhook_id = add_endpoint(app, organisation, receiver)
    delivery_id = ping(app, organisation, webhook_id)

    sent = settled(app, delivery_id, 1)
    assert sent.status == "succeeded"
    assert receiver.rejected == []
    ((path, headers, body),) = receiver.requests
    assert path == "/hooks"
    assert headers["webhook-id"] == sent.message_id
    assert headers["webhook-signature"].startswith("v1,")
    assert headers["Content-Type"] == "application/json"
    assert abs(int(headers["webhook-timestamp"]) - time.time()) < 60
    payload = json.loads(body)
    assert list(payload) == ["type", "timestamp", "data"]
    assert payload["type"] == "webhook.ping"
    assert payload["data"]["webhook"] == {"id": webhook_id, "url": receiver.url}
    (attempt,) = sent.attempt_log
    assert (attempt.status_code, attempt.response_excerpt, attempt.error) == (200, "ok", "")
    assert attempt.duration_ms >= 0
    assert endpoint(app, webhook_id).failing_since is None


def test_the_secret_is_standard_webhooks_format_and_a_wrong_one_fails_verification():
    secret = webhooks.new_secret()
    assert secret.startswith("whsec_")
    assert 24 <= len(base64.b64decode(secret.removeprefix("whsec_"))) <= 32
    body, headers = webhooks.signed_request(secret, "msg_x", {"type": "t"}, utcnow())
    assert Webhook(secret).verify(body, headers) == {"type": "t"}
    with pytest.raises(WebhookVerificationError):
        Webhook(webhooks.new_secret()).verify(body, headers)


def test_a_failed_delivery_is_retried_with_the_same_id_and_applied_once(
    app, make_recruiter, receiver
):
    organisation = make_recruiter()
    webhook_id = add_endpoint(app, organisation, receiver)
    # The receiver applies the event, then answers 500 (it crashed after processing), then
    # 503; the third attempt gets 204.
    receiver.answer(Answer(500, "Internal error\x00 trace"), Answer(503, "busy"))
    delivery_id = ping(app, organisation, webhook_id)

    first = settled(app, delivery_id, 1)
    assert first.status == "pending"
    assert timedelta(seconds=29) <= first.next_attempt_at - first.last_attempt_at
    assert first.next_attempt_at - first.last_attempt_at <= timedelta(seconds=31)
    assert endpoint(app, webhook_id).failing_since is not None

    make_due(app, delivery_id)
    second = one_more_attempt(app, delivery_id)
    assert second.status == "pending"
    assert second.next_attempt_at - second.last_attempt_at == webhooks.RETRY_SCHEDULE[1]

    receiver.answer(Answer(204, ""))
    make_due(app, delivery_id)
    third = one_more_attempt(app, delivery_id)
    assert third.status == "succeeded"
    assert third.next_attempt_at is None

    ids = {headers["webhook-id"] for _, headers, _ in receiver.requests}
    assert ids == {third.message_id}
    assert len(receiver.requests) == 3
    assert len(receiver.verified) == 3
    assert receiver.rejected == []
    assert list(receiver.effects) == [third.message_id]  # one effect for three requests
    log = [(a.status_code, a.response_excerpt) for a in third.attempt_log]
    assert log == [(500, "Internal error\ufffd trace"), (503, "busy"), (204, "")]
    assert endpoint(app, webhook_id).failing_since is None  # a success resets it


def test_the_backoff_lasts_at_least_24_hours_then_the_delivery_fails(app, make_recruiter, receiver):
    schedule = webhooks.RETRY_SCHEDULE
    assert sum(schedule, timedelta()) >= timedelta(hours=24)
    assert list(schedule) == sorted(schedule)  # exponential, then capped
    assert schedule[0] <= timedelta(minutes=1)

    organisation = make_recruiter()
    webhook_id = add_endpoint(app, organisation, receiver)
    receiver.answer(Answer(500))
    delivery_id = ping(app, organisation, webhook_id)
    settled(app, delivery_id, 1)
    # The attempts before the last one are in the past: the next failure is the last.
    make_due(app, delivery_id, attempts=len(schedule))
    receiver.answer(Answer(500, "still down"))
    last = one_more_attempt(app, delivery_id)
    assert last.status == "failed"
    assert last.next_attempt_at is None
    assert last.attempts == len(schedule) + 1
    assert endpoint(app, webhook_id).active  # not yet 3 days


def test_an_endpoint_failing_for_3_days_is_switched_off_and_a_ping_switches_it_on(
    app, make_recruiter, receiver, make_api_key, client
):
    organisation = make_recruiter()
    webhook_id = add_endpoint(app, organisation, receiver)
    receiver.answer(Answer(500), Answer(500))
    stuck = ping(app, organisation, webhook_id)
    settled(app, stuck, 1)
    other = ping(app, organisation, webhook_id)
    settled(app, other, 1)

    # Time passes: every delivery has failed for 3 days and a minute.
    def long_ago(session):
        session.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id == webhook_id)
            .values(failing_since=utcnow() - timedelta(days=3, minutes=1))
        )
        session.commit()

    receiver.answer(Answer(500))
    run(app, long_ago)
    make_due(app, stuck)
    one_more_attempt(app, stuck)

    switched_off = endpoint(app, webhook_id)
    assert not switched_off.active
    assert "3 days" in switched_off.disabled_reason
    assert "HTTP 500" in switched_off.disabled_reason
    assert delivery(app, stuck).status == "failed"
    assert delivery(app, other).status == "failed"  # no more retries
    # Staff see why: the API document and the page.
    body = client.get(
        f"/api/v1/webhooks/{webhook_id}", headers=key_headers(make_api_key, organisation)
    ).json
    assert body["active"] is False
    assert body["disabled_reason"] == switched_off.disabled_reason
    page = app.test_client()
    sign_in(page, organisation.recruiter_email)
    shown = page.get(f"/webhooks/{webhook_id}").text
    assert "This endpoint is switched off" in shown
    assert "every delivery since" in shown
    assert "Switched off" in page.get("/webhooks").text
    # Events no longer go to it.
    run(app, lambda s: scorecards.publish(s, actor_of(organisation), *_draft(s, organisation)))
    assert len(deliveries_of(app, webhook_id)) == 2

    # Fixed: a ping gets through and the endpoint is back on.
    healed = settled(app, ping(app, organisation, webhook_id), 1)
    assert healed.status == "succeeded"
    back = endpoint(app, webhook_id)
    assert back.active
    assert back.disabled_reason == ""
    assert back.failing_since is None


def _draft(session, organisation) -> tuple[int, int]:
    made = scorecards.create_scorecard(session, actor_of(organisation), dict(ROLE))
    return made.id, made.revision


def test_a_redirect_is_not_followed(app, make_recruiter, receiver):
    organisation = make_recruiter()
    webhook_id = add_endpoint(app, organisation, receiver)
    receiver.answer(Answer(302, "moved", headers={"Location": "http://127.0.0.1:9/elsewhere"}))
    sent = settled(app, ping(app, organisation, webhook_id), 1)
    assert sent.status == "pending"  # a 3xx is a failure, retried later
    (attempt,) = sent.attempt_log
    assert attempt.status_code == 302
    assert attempt.error == "Redirect not followed (to http://127.0.0.1:9/elsewhere)."
    assert [path for path, _, _ in receiver.requests] == ["/hooks"]


def test_a_receiver_slower_than_the_timeout_fails_the_attempt(
    app, make_recruiter, receiver, monkeypatch
):
    monkeypatch.setattr(webhooks, "TIMEOUT", 0.5)
    organisation = make_recruiter()
    webhook_id = add_endpoint(app, organisation, receiver)
    receiver.answer(Answer(200, "too late", delay=2))
    sent = settled(app, ping(app, organisation, webhook_id), 1)
    (attempt,) = sent.attempt_log
    assert attempt.status_code is None
    assert attempt.error == "No answer within 0.5 seconds."
    assert 400 <= attempt.duration_ms < 2000
    assert sent.status == "pending"


def test_a_refused_connection_is_a_failed_attempt(app, make_recruiter, receiver):
    organisation = make_recruiter()
    webhook_id = add_endpoint(app, organisation, receiver, url="http://127.0.0.1:9/nobody")
    sent = settled(app, ping(app, organisation, webhook_id), 1)
    (attempt,) = sent.attempt_log
    assert attempt.status_code is None
    assert "ConnectionRefusedError" in attempt.error
    assert sent.status == "pending"


def test_two_workers_never_send_the_same_attempt(app, make_recruiter, receiver):
    organisation = make_recruiter()
    webhook_id = add_endpoint(app, organisation, receiver)
    delivery_id = ping(app, organisation, webhook_id)
    settled(app, delivery_id, 1)
    # The next attempt is due in an hour (the test process's own sweeps leave it alone); three
    # workers try to claim it then.
    in_an_hour = utcnow() + timedelta(hours=1)
    make_due(app, delivery_id, status="pending", next_attempt_at=in_an_hour)
    leases = run(app, lambda s: [webhooks.claim(s, delivery_id, now=in_an_hour) for _ in range(3)])
    assert leases[0] is not None
    assert leases[1:] == [None, None]
    held = run(app, lambda s: webhooks.deliver(s, delivery_id, production=False, lease=leases[0]))
    assert held is not None
    assert len(receiver.requests) == 2
    # A lease that is no longer held sends nothing.
    make_due(app, delivery_id, status="pending", next_attempt_at=in_an_hour)
    assert (
        run(app, lambda s: webhooks.deliver(s, delivery_id, production=False, lease=leases[0]))
        is None
    )
    assert len(receiver.requests) == 2


def test_a_worker_that_died_holding_a_lease_is_replaced_by_a_sweep(app, make_recruiter, receiver):
    organisation = make_recruiter()
    webhook_id = add_endpoint(app, organisation, receiver)
    delivery_id = ping(app, organisation, webhook_id)
    settled(app, delivery_id, 1)
    # A worker claimed the next attempt and died: its lease ran out a second ago.
    make_due(app, delivery_id, status="pending", lease_until=utcnow() - timedelta(seconds=1))
    claimed = dict(run(app, webhooks.claim_due))
    if delivery_id in claimed:  # else the test process's own sweep took it first
        run(
            app,
            lambda s: webhooks.deliver(
                s, delivery_id, production=False, lease=claimed[delivery_id]
            ),
        )
    settled(app, delivery_id, 2)
    assert len(receiver.requests) == 2


# --- redelivery ----------------------------------------------------------------------------------


def test_a_redelivery_is_a_new_message_with_the_same_payload(app, make_recruiter, receiver):
    organisation = make_recruiter()
    webhook_id = add_endpoint(app, organisation, receiver)
    original = settled(app, ping(app, organisation, webhook_id), 1)
    again_id = run(
        app, lambda s: webhooks.redeliver(s, actor_of(organisation), webhook_id, original.id).id
    )
    again = settled(app, again_id, 1)
    assert again.status == "succeeded"
    assert again.redelivery_of_id == original.id
    assert again.payload == original.payload
    assert again.message_id != original.message_id  # the receiver processes it again
    assert len(receiver.effects) == 2


# --- what an endpoint may be --------------------------------------------------------------------

REFUSED_EVERYWHERE = [
    "file:///etc/passwd",
    "ftp://example.com/hooks",
    "javascript:alert(1)",
    "https://",
    "https://exa mple.com/hooks",
    "https://example.com:99999/hooks",
    "https://example.com/hooks\n",
    "https://" + "a" * 1990 + ".com",  # 2001 characters
    "",
    None,
    42,
]


@pytest.mark.parametrize("url", REFUSED_EVERYWHERE)
@pytest.mark.parametrize("production", [False, True])
def test_addresses_that_are_no_web_address_are_refused(url, production):
    assert webhooks.url_problems(url, production=production)


def test_the_length_limit_is_2000_characters():
    long = "https://example.com/" + "a" * (2000 - len("https://example.com/"))
    assert webhooks.url_problems(long, production=False) == []
    assert webhooks.url_problems(long + "a", production=False) == [webhooks.URL_TOO_LONG]


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hooks",
        "https://10.0.0.1/hooks",
        "https://172.16.5.4/hooks",
        "https://192.168.1.1/hooks",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hooks",
        "https://[fe80::1]/hooks",
        "https://[fd00::1]/hooks",
        "https://[::ffff:127.0.0.1]/hooks",
        "https://0.0.0.0/hooks",
        "https://224.0.0.1/hooks",
        "https://240.0.0.1/hooks",
        "https://100.64.0.1/hooks",
        "https://localhost/hooks",  # a name resolving to loopback
    ],
)
def test_production_refuses_private_loopback_link_local_and_reserved_addresses(url):
    (problem,) = webhooks.url_problems(url, production=True)
    assert "webhooks go to public addresses only" in problem


def test_production_wants_https_and_development_allows_http_to_localhost_only():
    assert webhooks.url_problems("http://example.com/hooks", production=True) == [
        webhooks.URL_SCHEME
    ]
    assert webhooks.url_problems("http://localhost:8000/hooks", production=True)
    assert webhooks.url_problems("https://localhost./hooks", production=True)
    assert webhooks.url_problems("http://localhost:8000/hooks", production=False) == []
    assert webhooks.url_problems("http://127.0.0.1:8000/hooks", production=False) == []
    assert webhooks.url_problems("http://[::1]:8000/hooks", production=False) == []
    assert webhooks.url_problems("http://example.com/hooks", production=False) == [
        webhooks.URL_HTTP_NOT_LOCAL
    ]
    assert webhooks.url_problems("https://example.com/hooks", production=False) == []


def test_every_address_a_name_resolves_to_is_checked(monkeypatch):
    monkeypatch.setattr(webhooks, "resolve", lambda host, port: [PUBLIC])
    assert webhooks.url_problems("https://hooks.example.com/x", production=True) == []
    monkeypatch.setattr(webhooks, "resolve", lambda host, port: [PUBLIC, "10.1.2.3"])
    (problem,) = webhooks.url_problems("https://hooks.example.com/x", production=True)
    assert "10.1.2.3" in problem

    def nowhere(host, port):
        raise OSError("Name or service not known")

    monkeypatch.setattr(webhooks, "resolve", nowhere)
    (problem,) = webhooks.url_problems("https://nowhere.example.com/x", production=True)
    assert "does not resolve" in problem


def test_dns_rebinding_is_refused_at_delivery_time(app, make_recruiter, receiver, monkeypatch):
    """The name resolved to a public address when the endpoint was added; now it points at
    this machine: the attempt fails without a request being made."""
    organisation = make_recruiter()
    monkeypatch.setattr(webhooks, "resolve", lambda host, port: [PUBLIC])
    webhook_id = run(
        app,
        lambda s: (
            webhooks.create_endpoint(
                s,
                actor_of(organisation),
                f"https://rebind.example.com:{receiver.server.server_port}/hooks",
                ["scorecard.published"],
                Origin(),
                production=True,
            ).id
        ),
    )
    monkeypatch.setattr(webhooks, "resolve", lambda host, port: ["127.0.0.1"])
    # This attempt is made as a production worker makes it: kept from the test process's own
    # (development) workers by not queueing it and by its being due only in an hour.
    monkeypatch.setattr(webhooks, "committed_deliveries", lambda session: [])
    delivery_id = ping(app, organisation, webhook_id)
    in_an_hour = utcnow() + timedelta(hours=1)
    make_due(app, delivery_id, next_attempt_at=in_an_hour)
    lease = run(app, lambda s: webhooks.claim(s, delivery_id, now=in_an_hour))
    run(app, lambda s: webhooks.deliver(s, delivery_id, production=True, lease=lease))

    (attempt,) = delivery(app, delivery_id).attempt_log
    assert attempt.status_code is None
    assert attempt.error.startswith("Not sent: rebind.example.com resolves to 127.0.0.1")
    assert receiver.requests == []


def test_events_are_checked_and_named(app, make_recruiter):
    organisation = make_recruiter()
    with pytest.raises(ValidationFailed) as refused:
        run(
            app,
            lambda s: webhooks.create_endpoint(
                s,
                actor_of(organisation),
                "https://example.com/hooks",
                ["scorecard.published", "candidate.hired"],
                Origin(),
                production=False,
            ),
        )
    (message,) = refused.value.errors["events"]
    assert message.startswith("Unknown event candidate.hired:")
    assert webhooks.events_problems([]) == [webhooks.EVENTS_MISSING]
    assert webhooks.events_problems("scorecard.published") == [webhooks.EVENTS_MISSING]


# --- the API -------------------------------------------------------------------------------------


def test_the_api_adds_lists_gets_rotates_and_deletes_an_endpoint(
    client, make_recruiter, make_api_key, receiver
):
    organisation = make_recruiter()
    headers = key_headers(make_api_key, organisation)
    created = client.post(
        "/api/v1/webhooks",
        json={"url": receiver.url, "events": ["evaluation.submitted", "scorecard.published"]},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    body = created.json
    assert body["secret"].startswith("whsec_")
    assert body["events"] == ["scorecard.published", "evaluation.submitted"]  # CONTRACT order
    assert body["active"] is True
    assert body["disabled_reason"] is None
    webhook_id = body["id"]

    shown = client.get(f"/api/v1/webhooks/{webhook_id}", headers=headers).json
    assert "secret" not in shown
    assert shown == {key: value for key, value in body.items() if key != "secret"}
    listed = client.get("/api/v1/webhooks", headers=headers)
    assert [item["id"] for item in listed.json] == [webhook_id]
    assert "secret" not in listed.json[0]

    rotated = client.post(f"/api/v1/webhooks/{webhook_id}/rotate-secret", headers=headers)
    assert rotated.status_code == 200
    assert rotated.json["secret"].startswith("whsec_")
    assert rotated.json["secret"] != body["secret"]
    receiver.secret = rotated.json["secret"]
    pinged = client.post(f"/api/v1/webhooks/{webhook_id}/ping", headers=headers)
    assert pinged.status_code == 202
    assert pinged.json["event"] == "webhook.ping"
    wait_for(lambda: receiver.verified, "the ping signed with the new secret")
    assert receiver.rejected == []

    assert client.delete(f"/api/v1/webhooks/{webhook_id}", headers=headers).status_code == 204
    assert_problem(client.get(f"/api/v1/webhooks/{webhook_id}", headers=headers), 404)
    assert client.get("/api/v1/webhooks", headers=headers).json == []


@pytest.mark.parametrize("write", ["create", "rotate"])
def test_a_secret_is_answered_without_reading_the_database_after_its_commit(
    client, make_recruiter, make_api_key, receiver, statements_after_commit, write
):
    """The secret is shown this once: a connection lost right after the commit must not
    answer a saved endpoint (or rotation) as failed, leaving a secret nobody ever saw."""
    headers = key_headers(make_api_key, make_recruiter())
    body = {"url": receiver.url, "events": ["scorecard.published"]}
    if write == "create":
        after_commit = statements_after_commit("INSERT INTO WEBHOOK_ENDPOINTS ")
        answer = client.post("/api/v1/webhooks", json=body, headers=headers)
    else:
        webhook_id = client.post("/api/v1/webhooks", json=body, headers=headers).json["id"]
        after_commit = statements_after_commit("UPDATE WEBHOOK_ENDPOINTS ")
        answer = client.post(f"/api/v1/webhooks/{webhook_id}/rotate-secret", headers=headers)
    assert answer.status_code in (200, 201), answer.text
    assert answer.json["secret"].startswith("whsec_")
    assert after_commit == []


def test_the_api_lists_deliveries_newest_first_with_their_attempts(
    app, client, make_recruiter, make_api_key, receiver
):
    organisation = make_recruiter()
    headers = key_headers(make_api_key, organisation)
    webhook_id = add_endpoint(app, organisation, receiver)
    receiver.answer(Answer(503, "busy"))
    first = settled(app, ping(app, organisation, webhook_id), 1)
    second = settled(app, ping(app, organisation, webhook_id), 1)

    answer = client.get(f"/api/v1/webhooks/{webhook_id}/deliveries?page_size=1", headers=headers)
    assert answer.status_code == 200
    assert json.loads(answer.headers["X-Pagination"])["total"] == 2
    assert 'rel="next"' in answer.headers["Link"]
    (newest,) = answer.json
    assert newest["id"] == second.id
    older = client.get(
        f"/api/v1/webhooks/{webhook_id}/deliveries?page=2&page_size=1", headers=headers
    ).json[0]
    assert older["id"] == first.id
    assert older["message_id"] == first.message_id
    assert older["status"] == "pending"
    assert older["next_attempt_at"] is not None
    (attempt,) = older["attempts"]
    assert attempt["status_code"] == 503
    assert attempt["response_excerpt"] == "busy"
    assert attempt["error"] is None
    assert isinstance(attempt["duration_ms"], int)

    again = client.post(
        f"/api/v1/webhooks/{webhook_id}/deliveries/{first.id}/redeliver", headers=headers
    )
    assert again.status_code == 202
    assert again.json["redelivery_of"] == first.id
    assert again.json["payload"] == older["payload"]
    assert again.json["message_id"] != first.message_id


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"url": "file:///etc/passwd", "events": ["scorecard.published"]}, "url", "https://"),
        ({"url": "javascript:alert(1)", "events": ["scorecard.published"]}, "url", "https://"),
        (
            {"url": "https://x.example/" + "a" * 1990, "events": ["scorecard.published"]},
            "url",
            "2000 characters",
        ),
        ({"url": "https://example.com/h", "events": ["candidate.hired"]}, "events", "hired"),
        ({"url": "https://example.com/h", "events": []}, "events", "at least one"),
        ({"url": "https://example.com/h"}, "events", "at least one"),
        ({"events": ["scorecard.published"]}, "url", "address"),
    ],
)
def test_bad_endpoints_get_422_naming_the_field(
    client, make_recruiter, make_api_key, body, field, words
):
    organisation = make_recruiter()
    headers = key_headers(make_api_key, organisation)
    problem = assert_problem(client.post("/api/v1/webhooks", json=body, headers=headers), 422)
    assert words in " ".join(problem["errors"][field])
    assert client.get("/api/v1/webhooks", headers=headers).json == []


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hooks",
        "https://10.0.0.1/hooks",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hooks",
        "https://localhost/hooks",
        "http://127.0.0.1:8000/hooks",
    ],
)
def test_in_production_the_api_refuses_private_addresses(
    database_url, app, make_recruiter, make_api_key, url
):
    production = make_app(database_url, PORTAL_ENV="production")
    organisation = make_recruiter()
    headers = key_headers(make_api_key, organisation)
    answer = production.test_client().post(
        "/api/v1/webhooks", json={"url": url, "events": ["scorecard.published"]}, headers=headers
    )
    problem = assert_problem(answer, 422)
    assert list(problem["errors"]) == ["url"]
    with production.app_context():
        db.engine.dispose()


def test_another_organisations_endpoints_and_deliveries_are_not_found(
    app, client, make_recruiter, make_api_key, receiver
):
    owner, other = make_recruiter(), make_recruiter()
    webhook_id = add_endpoint(app, owner, receiver)
    delivery_id = settled(app, ping(app, owner, webhook_id), 1).id
    their_webhook = add_endpoint(app, other, None, url=receiver.url)
    headers = key_headers(make_api_key, other)
    base = f"/api/v1/webhooks/{webhook_id}"
    for method, url in [
        ("GET", base),
        ("DELETE", base),
        ("POST", f"{base}/rotate-secret"),
        ("POST", f"{base}/ping"),
        ("GET", f"{base}/deliveries"),
        ("POST", f"{base}/deliveries/{delivery_id}/redeliver"),
        # The other organisation's delivery under one's own endpoint is not found either.
        ("POST", f"/api/v1/webhooks/{their_webhook}/deliveries/{delivery_id}/redeliver"),
    ]:
        assert_problem(client.open(url, method=method, headers=headers), 404)
    assert len(deliveries_of(app, webhook_id)) == 1
    assert endpoint(app, webhook_id).active
    with pytest.raises(NotFound):
        run(app, lambda s: webhooks.redeliver(s, actor_of(other), webhook_id, delivery_id))


def test_the_api_needs_the_webhooks_scope(
    app, client, make_recruiter, make_api_key, make_candidate
):
    organisation = make_recruiter()
    other_scopes = [scope for scope in SCOPES if scope != "webhooks:manage"]
    refused = client.get(
        "/api/v1/webhooks", headers=key_headers(make_api_key, organisation, other_scopes)
    )
    assert "webhooks:manage" in assert_problem(refused, 403)["detail"]
    assert_problem(client.get("/api/v1/webhooks"), 401)
    # A candidate's session is refused; a recruiter's session (with CSRF for writes) is let in.
    candidate = app.test_client()
    sign_in(candidate, make_candidate())
    assert_problem(candidate.get("/api/v1/webhooks"), 403)
    recruiter = app.test_client()
    sign_in(recruiter, organisation.recruiter_email)
    assert recruiter.get("/api/v1/webhooks").status_code == 200
    token = csrf_token_from(recruiter, "/webhooks")
    made = recruiter.post(
        "/api/v1/webhooks",
        json={"url": "https://example.com/hooks", "events": ["import.finished"]},
        headers={"X-CSRFToken": token},
    )
    assert made.status_code == 201


def test_an_interviewer_is_refused(app, make_recruiter):
    organisation = make_recruiter()
    email = unique_email("interviewer")

    def hire(session):
        recruiter = session.scalar(select(User).where(User.email == organisation.recruiter_email))
        accounts.create_user(
            session,
            email=email,
            password=PASSWORD,
            role="interviewer",
            name="Ivy",
            organisation=recruiter.organisation,
        )
        session.commit()

    run(app, hire)
    interviewer = app.test_client()
    sign_in(interviewer, email)
    assert_problem(interviewer.get("/api/v1/webhooks"), 403)
    assert interviewer.get("/webhooks").status_code == 403


# --- events from the services, through the jobs ---------------------------------------------------


def drive_every_event(app, client, organisation, headers) -> dict:
    """Publish a scorecard, create and update a candidate and submit an evaluation, through the
    API, as an integration would; and a shared self-registered candidate edits their profile."""
    made = client.post("/api/v1/scorecards", json=ROLE, headers=headers).json
    published = client.post(
        f"/api/v1/scorecards/{made['id']}/publish", headers={**headers, "If-Match": '"r1"'}
    )
    assert published.status_code == 200, published.text
    candidate = client.post("/api/v1/candidates", json={"name": "Pat Webhook"}, headers=headers)
    assert candidate.status_code == 201
    changed = client.patch(
        f"/api/v1/candidates/{candidate.json['id']}",
        json={"headline": "Head of Product"},
        headers={**headers, "If-Match": candidate.headers["ETag"]},
    )
    assert changed.status_code == 200, changed.text
    submitted = client.post(
        f"/api/v1/scorecards/{made['id']}/candidates/{candidate.json['id']}/evaluations",
        json={
            "interviewer": organisation.recruiter_email,
            "ratings": [{"competency": "product-strategy", "rating": 4, "note": "Clear"}],
            "recommendation": "yes",
        },
        headers=headers,
    )
    assert submitted.status_code == 201, submitted.text
    return {
        "scorecard": made["id"],
        "candidate": candidate.json["id"],
        "evaluation": submitted.json,
    }


def check_every_event(receiver: Receiver, driven: dict) -> None:
    assert receiver.rejected == []
    (published,) = receiver.of_type("scorecard.published")
    assert published["data"]["id"] == driven["scorecard"]
    assert published["data"]["version"] == 1
    assert published["data"]["title"] == "Chief Product Officer"
    (created,) = receiver.of_type("candidate.created")
    assert created["data"]["id"] == driven["candidate"]
    assert created["data"]["name"] == "Pat Webhook"
    (updated,) = receiver.of_type("candidate.updated")
    assert updated["data"]["id"] == driven["candidate"]
    (evaluation,) = receiver.of_type("evaluation.submitted")
    assert evaluation["data"] == driven["evaluation"]
    assert len(receiver.effects) == len(receiver.verified)  # each message once


@pytest.fixture
def redis_app(database_url, app):
    connection = Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except OSError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    connection.flushdb()
    made = make_app(database_url, REDIS_URL=REDIS_URL)
    yield made
    connection.flushdb()
    with made.app_context():
        db.engine.dispose()


def test_events_reach_the_receiver_through_the_redis_worker(
    redis_app, make_recruiter, make_api_key, receiver
):
    organisation = make_recruiter()
    headers = key_headers(make_api_key, organisation, list(SCOPES))
    add_endpoint(redis_app, organisation, receiver)
    driven = drive_every_event(redis_app, redis_app.test_client(), organisation, headers)
    with redis_app.app_context():
        assert jobs.queue_depth(redis_app) >= 4  # queued after each commit
    jobs.work(redis_app, burst=True)
    wait_for(lambda: len(receiver.verified) >= 4, "four events")
    check_every_event(receiver, driven)


def test_events_reach_the_receiver_from_the_web_process_without_redis(
    app, client, make_recruiter, make_api_key, receiver
):
    organisation = make_recruiter()
    headers = key_headers(make_api_key, organisation, list(SCOPES))
    add_endpoint(app, organisation, receiver)
    driven = drive_every_event(app, client, organisation, headers)
    wait_for(lambda: len(receiver.verified) >= 4, "four events")
    check_every_event(receiver, driven)


def test_only_subscribed_events_of_the_organisation_are_sent(app, make_recruiter, receiver):
    organisation, other = make_recruiter(), make_recruiter()
    webhook_id = add_endpoint(app, organisation, receiver, events=["candidate.created"])
    run(app, lambda s: candidates.create_candidate(s, actor_of(other), {"name": "Elsewhere"}))
    run(app, lambda s: scorecards.publish(s, actor_of(organisation), *_draft(s, organisation)))
    made = run(
        app, lambda s: candidates.create_candidate(s, actor_of(organisation), {"name": "Here"}).id
    )
    (sent,) = deliveries_of(app, webhook_id)
    assert sent.event_type == "candidate.created"
    assert sent.payload["data"]["id"] == made
    wait_for(lambda: receiver.verified, "the candidate.created event")


def test_a_shared_candidates_own_changes_go_to_the_organisations_they_share_with(
    app, make_recruiter, make_candidate, receiver
):
    organisation = make_recruiter()
    webhook_id = add_endpoint(app, organisation, receiver, events=["candidate.updated"])
    email = make_candidate()

    def share_and_edit(session):
        user = session.scalar(select(User).where(User.email == email))
        profile = candidates.own_profile(session, user)
        candidates.share_with(session, user, _slug(session, organisation))
        candidates.update_candidate(
            session,
            Actor.for_user(user),
            profile.id,
            {"headline": "Aspiring CPO"},
            profile.revision,
        )
        return profile.id

    candidate_id = run(app, share_and_edit)
    (sent,) = deliveries_of(app, webhook_id)
    assert sent.payload["data"]["id"] == candidate_id
    assert sent.event_type == "candidate.updated"


def _slug(session, organisation) -> str:
    from portal.models import Organisation

    return session.get(Organisation, organisation.organisation_id).slug


def test_an_evaluation_submitted_in_the_kit_is_emitted(app, make_recruiter, receiver):
    """Through the service the pages use too (`_finish`), with the API's document."""
    organisation = make_recruiter()
    webhook_id = add_endpoint(app, organisation, receiver, events=["evaluation.submitted"])

    def submit(session):
        recruiter = session.scalar(select(User).where(User.email == organisation.recruiter_email))
        actor = Actor.for_user(recruiter)
        scorecard = scorecards.create_scorecard(session, actor, dict(ROLE))
        scorecards.publish(session, actor, scorecard.id, scorecard.revision)
        candidate = candidates.create_candidate(session, actor, {"name": "Kit"})
        made = evaluations.submit(
            session,
            actor,
            scorecard.id,
            candidate.id,
            {
                "ratings": [{"competency": "product-strategy", "rating": 3}],
                "recommendation": "mixed",
            },
            Origin(),
        )
        return evaluations.document(made)

    document = run(app, submit)
    (sent,) = deliveries_of(app, webhook_id)
    assert sent.payload["data"] == document


# --- the page ------------------------------------------------------------------------------------


def test_the_page_adds_an_endpoint_shows_the_secret_once_pings_rotates_and_removes(
    app, make_recruiter, receiver
):
    organisation = make_recruiter()
    page = app.test_client()
    sign_in(page, organisation.recruiter_email)
    index = page.get("/webhooks")
    assert index.status_code == 200
    assert "No endpoints yet." in index.text
    for event in webhooks.EVENTS:
        assert f'value="{event}"' in index.text

    refused = post_form(page, "/webhooks", {"url": "ftp://example.com", "events": []})
    assert refused.status_code == 422
    assert webhooks.URL_SCHEME_DEVELOPMENT in refused.text
    assert webhooks.EVENTS_MISSING in refused.text

    added = post_form(
        page,
        "/webhooks",
        {"url": receiver.url, "events": ["scorecard.published", "import.finished"]},
    )
    assert added.status_code == 201
    secret = added.text.split('id="new-secret">')[1].split("<")[0]
    assert secret.startswith("whsec_")
    webhook_id = run(
        app,
        lambda s: s.scalar(
            select(WebhookEndpoint.id).where(
                WebhookEndpoint.organisation_id == organisation.organisation_id
            )
        ),
    )
    receiver.secret = secret
    detail = page.get(f"/webhooks/{webhook_id}")
    assert secret not in detail.text
    assert "No deliveries yet" in detail.text
    assert secret not in page.get("/webhooks").text

    pinged = post_form(
        page, f"/webhooks/{webhook_id}/ping", {}, csrf_from=f"/webhooks/{webhook_id}"
    )
    assert pinged.status_code == 303
    wait_for(lambda: receiver.verified, "the ping")
    settled(app, deliveries_of(app, webhook_id)[0].id, 1)
    shown = page.get(f"/webhooks/{webhook_id}").text
    assert "webhook.ping" in shown
    assert "Delivered" in shown
    assert "HTTP 200" in shown
    # The deliveries alone, for htmx.
    fragment = page.get(f"/webhooks/{webhook_id}", headers={"HX-Request": "true"})
    assert fragment.text.lstrip().startswith('<section id="deliveries"')
    assert "HX-Request" in fragment.headers.get("Vary", "")

    confirm = page.get(f"/webhooks/{webhook_id}/rotate")
    assert "Replace the signing secret" in confirm.text
    rotated = post_form(
        page, f"/webhooks/{webhook_id}/rotate", {}, csrf_from=f"/webhooks/{webhook_id}"
    )
    assert rotated.status_code == 200
    new_secret = rotated.text.split('id="new-secret">')[1].split("<")[0]
    assert new_secret.startswith("whsec_")
    assert new_secret != secret

    delivered = deliveries_of(app, webhook_id)[0].id
    again = post_form(
        page,
        f"/webhooks/{webhook_id}/deliveries/{delivered}/redeliver",
        {},
        csrf_from=f"/webhooks/{webhook_id}",
    )
    assert again.status_code == 303
    assert len(deliveries_of(app, webhook_id)) == 2

    assert "Remove the endpoint" in page.get(f"/webhooks/{webhook_id}/delete").text
    removed = post_form(page, f"/webhooks/{webhook_id}/delete", {}, csrf_from="/webhooks")
    assert removed.status_code == 303
    assert removed.location == "/webhooks"
    assert "No endpoints yet." in page.get("/webhooks").text
    assert page.get(f"/webhooks/{webhook_id}").status_code == 404


def test_the_page_is_the_organisations_own(app, make_recruiter, receiver):
    owner, other = make_recruiter(), make_recruiter()
    webhook_id = add_endpoint(app, owner, receiver)
    page = app.test_client()
    sign_in(page, other.recruiter_email)
    assert page.get(f"/webhooks/{webhook_id}").status_code == 404
    assert receiver.url not in page.get("/webhooks").text
    staff = app.test_client()
    sign_in(staff, owner.recruiter_email)
    assert 'href="/webhooks"' in staff.get("/dashboard").text  # in the navigation
