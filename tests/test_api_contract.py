"""The OpenAPI document is valid 3.1, its links lead somewhere real, and every operation honours
it under generated input: valid and invalid data, every schemathesis check, one operation at a
time and along the documented links (stateful), with an API key holding every scope.

Settings (bounded examples, a fixed seed, justified exceptions) live in schemathesis.toml; the
whole file runs in about three minutes per database.
"""

import uuid

import hypothesis
import pytest
import schemathesis
from openapi_spec_validator import validate
from schemathesis.config import SchemathesisConfig

from portal import PROJECT_ROOT
from portal.models.accounts import SCOPES
from portal.openapi import LINKS, PROBLEM_CONTENT_TYPE

# Stateful runs: scenarios of up to this many linked calls, this many scenarios.
STATEFUL_SCENARIOS = 40
STATEFUL_STEPS = 8


@pytest.fixture(scope="module")
def spec(app):
    response = app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json


def test_openapi_document_is_valid_3_1(spec):
    assert spec["openapi"].startswith("3.1")
    validate(spec)


def test_every_framework_route_is_documented(spec):
    for path in [
        "/api/v1/competencies",
        "/api/v1/competencies/{slug}",
        "/api/v1/responsibilities",
        "/api/v1/responsibilities/{slug}",
        "/api/v1/steps",
        "/api/v1/steps/{slug}",
    ]:
        assert "get" in spec["paths"][path], path


def test_errors_are_documented_as_problem_json(spec):
    responses = spec["components"]["responses"]
    assert PROBLEM_CONTENT_TYPE in responses["UNPROCESSABLE_ENTITY"]["content"]


def test_operations_document_their_security(spec):
    assert set(spec["components"]["securitySchemes"]) == {"bearerAuth", "sessionCookie"}
    me = spec["paths"]["/api/v1/me"]["get"]
    assert {"bearerAuth": []} in me["security"]
    assert "401" in me["responses"]
    assert "security" not in spec["paths"]["/api/v1/steps"]["get"]


def test_webhook_events_are_documented_as_the_events_there_are(spec):
    """Generated webhooks subscribe to real events: the item enum reaches the document."""
    from portal.services.webhooks import EVENTS

    events = spec["components"]["schemas"]["WebhookInput"]["properties"]["events"]
    assert events["items"]["enum"] == list(EVENTS)


def documented_links(spec):
    """(source path, method, status, link name, link) for every link in the document."""
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            for status, response in operation["responses"].items():
                for name, link in response.get("links", {}).items():
                    yield path, method, status, name, link


def parameters_of(spec, path: str, method: str) -> set[tuple[str, str]]:
    """(location, name) of every parameter an operation takes, path-level ones included."""
    item = spec["paths"][path]
    found = set()
    for parameter in item.get("parameters", []) + item[method].get("parameters", []):
        if "$ref" in parameter:
            parameter = spec["components"]["parameters"][parameter["$ref"].rsplit("/", 1)[1]]
        found.add((parameter["in"], parameter["name"]))
    return found


def test_the_api_documents_links_to_its_nested_resources(spec):
    targets = {link["operationRef"] for *_, link in documented_links(spec)}
    for path, method in [
        ("/api/v1/scorecards/{scorecard_id}", "patch"),
        ("/api/v1/scorecards/{scorecard_id}/publish", "post"),
        ("/api/v1/scorecards/{scorecard_id}/versions/{number}", "get"),
        ("/api/v1/scorecards/{scorecard_id}/matches/{candidate_id}", "get"),
        ("/api/v1/scorecards/{scorecard_id}/candidates/{candidate_id}/evaluations", "post"),
        ("/api/v1/candidates/{candidate_id}", "patch"),
        ("/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver", "post"),
    ]:
        assert f"#/paths/{path.replace('/', '~1')}/{method}" in targets, (method, path)


def test_every_link_names_an_existing_operation_and_its_parameters(spec):
    links = list(documented_links(spec))
    # Every answer given links in portal.openapi is a documented answer.
    assert {(method, path, status) for path, method, status, *_ in links} == set(LINKS)
    for source, method, status, name, link in links:
        where = f"{method.upper()} {source} {status} {name}"
        pointer = link["operationRef"].removeprefix("#/paths/")
        target_path, target_method = pointer.rsplit("/", 1)
        target_path = target_path.replace("~1", "/").replace("~0", "~")
        assert target_method in spec["paths"].get(target_path, {}), where
        taken = parameters_of(spec, target_path, target_method)
        for parameter, expression in link["parameters"].items():
            location, _, parameter_name = parameter.rpartition(".")
            assert (location or "path", parameter_name) in taken, f"{where}: {parameter}"
            if expression.startswith("$request.path."):
                named = ("path", expression.removeprefix("$request.path."))
                assert named in parameters_of(spec, source, method), f"{where}: {expression}"
            elif expression.startswith("$response.header."):
                header = expression.removeprefix("$response.header.")
                assert header in spec["paths"][source][method]["responses"][status]["headers"]
            else:
                assert expression.startswith("$response.body#/"), f"{where}: {expression}"


@pytest.fixture(scope="module")
def api_schema(app, all_scopes_token):
    config = SchemathesisConfig.from_path(str(PROJECT_ROOT / "schemathesis.toml"))
    loaded = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=config)
    loaded.hooks.hook(filter_body)

    class AllScopesKey:
        """Explicit credentials, so the ignored_auth check knows them and probes the
        operation without them and with a wrong key."""

        def get(self, case, ctx):
            return all_scopes_token

        def set(self, case, token, ctx):
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}

    loaded.auth()(AllScopesKey)
    return loaded


@pytest.fixture(scope="module")
def all_scopes_token(app):
    """Generated calls authenticate with a key holding every scope, so they reach the handlers.
    Its organisation holds one of everything (a published scorecard, a candidate, a webhook with
    a delivery), so links from the lists lead to real nested resources."""
    from tests.conftest import make_api_key, make_recruiter

    organisation = make_recruiter.__wrapped__(app)()
    token = make_api_key.__wrapped__(app)(organisation.organisation_id, list(SCOPES))
    seed_organisation(app.test_client(), {"Authorization": f"Bearer {token}"})
    return token


def seed_organisation(client, headers: dict) -> None:
    def created(url: str, body: dict, status: int = 201):
        response = client.post(url, json=body, headers=headers)
        assert response.status_code == status, response.text
        return response

    slugs = [item["slug"] for item in client.get("/api/v1/competencies").json[:3]]
    scorecard = created(
        "/api/v1/scorecards",
        {
            "title": "Contract CPO",
            "competencies": [
                {"competency": slug, "weight": 3, "target_level": 3} for slug in slugs
            ],
        },
    )
    publish = f"/api/v1/scorecards/{scorecard.json['id']}/publish"
    client.post(publish, headers={**headers, "If-Match": scorecard.headers["ETag"]})
    assessments = [{"competency": slug, "level": 3} for slug in slugs]
    created("/api/v1/candidates", {"name": "Contract Candidate", "assessments": assessments})
    webhook = created(
        "/api/v1/webhooks", {"url": "http://localhost:9/hooks", "events": ["import.finished"]}
    )
    created(f"/api/v1/webhooks/{webhook.json['id']}/ping", {}, status=202)


schema = schemathesis.pytest.from_fixture("api_schema")


def filter_body(ctx, body):
    """Skip bodies that list or assess a competency twice: refused with 422 by a rule JSON
    Schema cannot state."""
    if not isinstance(body, dict):
        return True
    for key in ("competencies", "assessments"):
        entries = body.get(key)
        if isinstance(entries, list):
            slugs = [e.get("competency") for e in entries if isinstance(e, dict)]
            if len(slugs) != len(set(slugs)):
                return False
    return True


def own_idempotency_key(case) -> None:
    """Generated keys repeat across cases with other bodies, which is refused by design
    (tests/test_idempotency.py): each generated call is a new request with a key of its own."""
    if case.headers and "Idempotency-Key" in case.headers:
        case.headers["Idempotency-Key"] = uuid.uuid4().hex


@schema.parametrize()
def test_api_conforms_to_its_spec(case):
    own_idempotency_key(case)
    case.call_and_validate()


def test_api_holds_its_contract_along_its_links(api_schema):
    reached = set()

    class LinkedCalls(api_schema.as_state_machine()):
        def before_call(self, case):
            own_idempotency_key(case)

        def after_call(self, response, case):
            super().after_call(response, case)
            if response.status_code < 300:
                reached.add(f"{case.method} {case.path}")

    LinkedCalls.run(
        settings=hypothesis.settings(
            max_examples=STATEFUL_SCENARIOS,
            stateful_step_count=STATEFUL_STEPS,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(hypothesis.HealthCheck),
        )
    )
    # The scenarios went past the top-level lists into nested resources, and a write along a
    # link sent back the ETag it was handed.
    nested = {operation for operation in reached if "}/" in operation}
    writes_with_etag = {
        f"{method} /api/v1/{resource}"
        for method in ("PATCH", "DELETE")
        for resource in ("scorecards/{scorecard_id}", "candidates/{candidate_id}")
    }
    assert len(nested) >= 3, sorted(reached)
    assert reached & writes_with_etag, sorted(reached)
