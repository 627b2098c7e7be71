"""One home per rule: bounds and words are defined once and every face applies them alike."""

import re
import subprocess
import sys

import pytest

from portal import PROJECT_ROOT, vocabulary
from portal.models import Candidate, CompetencyLevel, ScorecardCompetency
from portal.schemas.accounts import ApiKeyRequestSchema
from portal.schemas.candidates import CandidateInputSchema
from portal.schemas.scorecards import RequirementsSchema, ScorecardCompetencyInputSchema
from portal.services import api_keys, candidates, scorecards
from tests.conftest import post_form, sign_in, unique_email


def _checks(model) -> set[str]:
    return {str(c.sqltext) for c in model.__table__.constraints if hasattr(c, "sqltext")}


def test_the_constraints_keep_their_sql_and_follow_the_bounds():
    assert {"weight BETWEEN 1 AND 5", "target_level BETWEEN 1 AND 5"} <= _checks(
        ScorecardCompetency
    )
    assert {"years_product BETWEEN 0 AND 60", "years_leadership BETWEEN 0 AND 60"} <= _checks(
        Candidate
    )
    assert "level BETWEEN 1 AND 5" in _checks(CompetencyLevel)
    assert scorecards.WEIGHT_RANGE == scorecards.LEVEL_RANGE == (1, 5)
    assert scorecards.YEARS_RANGE == candidates.YEARS_RANGE == (0, 60)
    assert candidates.YEARS_MAX == 60


@pytest.mark.parametrize(
    ("schema", "data", "field", "message"),
    [
        (RequirementsSchema, {"min_years_product": 61}, "min_years_product", None),
        (CandidateInputSchema, {"years_leadership": -1}, "years_leadership", None),
        (
            ScorecardCompetencyInputSchema,
            {"competency": "x", "weight": 6, "target_level": 3},
            "weight",
            "Weight is a whole number from 1 to 5.",
        ),
        (
            ScorecardCompetencyInputSchema,
            {"competency": "x", "weight": 3, "target_level": 0},
            "target_level",
            "Target level is a whole number from 1 to 5.",
        ),
    ],
)
def test_schemas_speak_with_the_services_words(app, schema, data, field, message):
    errors = schema(partial=True).validate(data)
    assert errors[field] == [message or "Years are between 0 and 60."]


def test_forms_take_their_limits_from_the_rules(client, make_recruiter):
    sign_in(client, make_recruiter().recruiter_email)
    pool = client.get("/candidates").text
    levels = re.search(r'<select[^>]*name="min_level".*?</select>', pool, re.S).group(0)
    assert re.findall(r'<option value="(\d)"', levels) == ["1", "2", "3", "4", "5"]
    keys = client.get("/api-keys").text
    assert re.search(r'<input[^>]*name="name"[^>]*maxlength="100"', keys)


# --- API key names: one rule for the page, the schema and the CLI ------------------------------


@pytest.mark.parametrize(
    ("name", "message"),
    [("", api_keys.NAME_BLANK), ("   ", api_keys.NAME_BLANK), ("k" * 101, api_keys.NAME_TOO_LONG)],
)
def test_key_name_rule_is_the_services(name, message):
    assert api_keys.name_problems(name) == [message]
    assert ApiKeyRequestSchema().validate({"name": name, "scopes": ["matches:read"]}) == {
        "name": [message]
    }


def test_key_names_are_trimmed_before_counting():
    assert api_keys.name_problems("  " + "k" * 100 + "  ") == []


@pytest.mark.parametrize("name", ["   ", "k" * 101])
def test_a_bad_key_name_is_a_field_error_in_the_form(client, make_recruiter, name):
    sign_in(client, make_recruiter().recruiter_email)
    for headers in (None, {"HX-Request": "true", "HX-Target": "api_keys"}):
        response = post_form(
            client, "/api-keys", {"name": name, "scopes": ["matches:read"]}, headers=headers
        )
        assert response.status_code == 422
        assert 'id="name-error"' in response.text
        assert api_keys.name_problems(name)[0] in response.text
        assert "<form" in response.text
        assert 'id="new-key"' not in response.text


def test_cli_refuses_a_long_key_name_without_a_traceback(app, runner):
    slug = f"cli-{unique_email('x')[2:10]}"
    created = runner.invoke(
        args=["users", "create", unique_email("cli"), "--role", "recruiter", "--org", slug]
        + ["--password", "a sufficiently long password"]
    )
    assert created.exit_code == 0, created.output
    refused = runner.invoke(
        args=["api-keys", "create", "--org", slug, "--scope", "matches:read", "--name", "k" * 101]
    )
    assert refused.exit_code == 1
    assert api_keys.NAME_TOO_LONG in refused.output
    assert "Traceback" not in refused.output
    assert refused.exception is None or isinstance(refused.exception, SystemExit)


# --- pages import no model ------------------------------------------------------------------


def test_no_page_or_api_module_imports_a_model():
    offenders = [
        f"{path.relative_to(PROJECT_ROOT)}:{number}"
        for folder in ("web", "api")
        for path in (PROJECT_ROOT / "portal" / folder).glob("*.py")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.match(r"\s*(from portal\.models|import portal\.models)", line)
    ]
    assert offenders == []


def test_vocabulary_is_a_leaf():
    source = (PROJECT_ROOT / "portal" / "vocabulary.py").read_text()
    assert not re.search(r"^\s*(from|import) portal", source, re.M)
    assert vocabulary.between("weight", vocabulary.WEIGHT_RANGE) == "weight BETWEEN 1 AND 5"


def _python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=60
    )
