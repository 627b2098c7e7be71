"""The OpenAPI document is valid 3.1, and every operation honours it under generated input."""

import uuid

import pytest
import schemathesis
from openapi_spec_validator import validate
from schemathesis.config import SchemathesisConfig

from portal import PROJECT_ROOT
from portal.models.accounts import SCOPES
from portal.openapi import PROBLEM_CONTENT_TYPE


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


@pytest.fixture(scope="module")
def api_schema(app):
    config = SchemathesisConfig.from_path(str(PROJECT_ROOT / "schemathesis.toml"))
    loaded = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=config)
    loaded.hooks.hook(filter_body)
    return loaded


@pytest.fixture(scope="module")
def all_scopes_token(app):
    """Generated calls authenticate with a key holding every scope, so they reach the handlers."""
    from tests.conftest import make_api_key, make_recruiter

    organisation = make_recruiter.__wrapped__(app)()
    return make_api_key.__wrapped__(app)(organisation.organisation_id, list(SCOPES))


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


@schema.parametrize()
def test_api_conforms_to_its_spec(case, all_scopes_token):
    if case.headers and "Idempotency-Key" in case.headers:
        # Generated keys repeat across cases with other bodies, which is refused by design
        # (tests/test_idempotency.py): each generated call is a new request with a key of its own.
        case.headers["Idempotency-Key"] = uuid.uuid4().hex
    case.call_and_validate(headers={"Authorization": f"Bearer {all_scopes_token}"})


def test_operations_document_their_security(spec):
    assert set(spec["components"]["securitySchemes"]) == {"bearerAuth", "sessionCookie"}
    me = spec["paths"]["/api/v1/me"]["get"]
    assert {"bearerAuth": []} in me["security"]
    assert "401" in me["responses"]
    assert "security" not in spec["paths"]["/api/v1/steps"]["get"]
