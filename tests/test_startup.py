"""The portal starts quickly and without the front-end build: jsonschema's format checkers are
imported at first use, and a missing JSON Resume schema disables only the resume import."""

import json
import subprocess
import sys

from portal import PROJECT_ROOT


def test_starting_the_app_does_not_import_the_format_checkers():
    code = (
        "import sys; from portal import create_app; create_app(); "
        "assert 'jsonschema' not in sys.modules, 'jsonschema imported at start'"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr


CHECK_WITHOUT_SCHEMA = """
import json, sys
from portal import create_app
app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "JSON_RESUME_SCHEMA": sys.argv[2]})
client = app.test_client()
answers = {url: client.get(url).status_code for url in ("/healthz", "/framework")}
answers["spec"] = client.get("/api/v1/openapi.json").status_code
imported = client.post(
    "/api/v1/candidates/import",
    json={"basics": {"name": "No Schema"}},
    headers={"Authorization": "Bearer " + sys.argv[3]},
)
answers["import"] = [imported.status_code, imported.mimetype, imported.json["detail"]]
print(json.dumps(answers))
"""


def test_without_the_json_resume_schema_the_app_serves_everything_but_the_import(
    database_url, tmp_path, make_recruiter, make_api_key
):
    # In a process of its own: the API's OpenAPI document is shared by the apps of a process.
    token = make_api_key(make_recruiter().organisation_id, ["candidates:write"])
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            CHECK_WITHOUT_SCHEMA,
            database_url,
            str(tmp_path / "no.json"),
            token,
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout.strip().splitlines()[-1])
    assert (answers["/healthz"], answers["/framework"], answers["spec"]) == (200, 200, 200)
    status, mimetype, detail = answers["import"]
    assert (status, mimetype) == (503, "application/problem+json")
    assert "make assets" in detail
