"""The OpenAPI document is valid 3.1, and every operation honours it under generated input."""

import pytest
import schemathesis
from openapi_spec_validator import validate

from portal.api.base import PROBLEM_CONTENT_TYPE


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
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
def test_api_conforms_to_its_spec(case):
    case.call_and_validate()
