"""The JSON Resume project's own invalid fixtures, made from the schema we ship (issue 13: 5).

Where the cases come from: the project's repository (github.com/jsonresume/resume-schema) keeps
them in `test/__test__/*.json` (basics, work, volunteer, education, awards, certificates,
publications, skills, languages, interests, references, projects, meta, schema, dates) and
`examples/invalid/*.json`; no npm package ships them, and nothing third-party is copied into this
repository, so the same kinds of documents are generated here from the schema npm installs
(`node_modules/@jsonresume/schema/schema.json`, copied to static/vendor by `make assets`):

* `<section>Invalid` / `<field>Invalid` / `<field>ItemInvalid`: every property of the schema
  (each section, each field of a section's entries, each array item) set to `null`, a type the
  schema forbids everywhere -> 422 problem+json naming exactly that path, and nothing saved.
* `work.json`'s `endDateInvalid` (`"endDate": 0`), `schema.json`'s `invalid` (`"$schema": {}`)
  and `examples/invalid/basics-wrong-type.json` (`"basics": []`): other wrong types -> 422.
* Deliberately tolerated ("liberal where harmless", CONTRACT's JSON Resume import): a value that
  breaks only a `format` or the date pattern is left out with a warning, because nothing the
  portal keeps depends on it and real resumes are full of them. So `dates.json`'s `invalid`
  ("2013-12-021", and its unused "present") in every date field, and
  `examples/invalid/invalid-email.json` ("This is not an email address"), import with 201 and a
  warning naming the path, the value left out.

Each case is checked on the API (POST /api/v1/candidates/import) and on the candidate's own
import page (the form re-rendered with 422 and the path in its alert).
"""

import copy
import io
import json
from collections.abc import Callable, Iterator
from html import unescape

import pytest

from portal import PROJECT_ROOT
from portal.extensions import db
from portal.services import accounts, api_keys
from portal.services.access import Origin
from tests.conftest import (
    PASSWORD,
    Organisation,
    assert_problem,
    csrf_token_from,
    pool_size,
    sign_in,
    unique_email,
)

IMPORT = "/api/v1/candidates/import"
PAGE = "/profile/import"
SCHEMA_FILE = PROJECT_ROOT / "node_modules" / "@jsonresume" / "schema" / "schema.json"
NAME = "Richard Hendriks"  # the project's own sample name; the portal requires basics.name
BAD_DATES = ("2013-12-021", "present")  # dates.json: the invalid one and the unused "present"
BAD_EMAIL = "This is not an email address"  # examples/invalid/invalid-email.json


def _shipped_schema() -> dict:
    if not SCHEMA_FILE.exists():
        pytest.skip(f"{SCHEMA_FILE} is missing: run `make assets`", allow_module_level=True)
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


SCHEMA = _shipped_schema()


def _resolved(node: dict) -> dict:
    ref = node.get("$ref", "")
    if ref.startswith("#/definitions/"):
        return SCHEMA["definitions"][ref.rsplit("/", 1)[1]]
    return node


def _properties(
    node: dict, wrap: Callable[[object], dict], path: tuple
) -> Iterator[tuple[tuple, dict, Callable[[object], dict]]]:
    """(path, schema, wrap) for every property and array item under `node`; `wrap(value)` is a
    document holding `value` at that path."""
    node = _resolved(node)
    if node.get("type") == "object":
        for name, child in node.get("properties", {}).items():
            inner = lambda value, name=name: wrap({name: value})  # noqa: E731
            yield path + (name,), _resolved(child), inner
            yield from _properties(child, inner, path + (name,))
    elif node.get("type") == "array" and isinstance(node.get("items"), dict):
        inner = lambda value: wrap([value])  # noqa: E731
        yield path + (0,), _resolved(node["items"]), inner
        yield from _properties(node["items"], inner, path + (0,))


PROPERTIES = list(_properties(SCHEMA, lambda value: value, ()))


def _named(document: dict, path: tuple) -> dict:
    """The document with the basics.name the portal needs, unless the case is about basics or
    its name."""
    if path in (("basics",), ("basics", "name")):
        return document
    if path[0] != "basics":
        return {**document, "basics": {"name": NAME}}
    return {**document, "basics": {"name": NAME, **document["basics"]}}


def _dotted(path: tuple) -> str:
    return ".".join(str(part) for part in path)


def _case(path: tuple, wrap, value) -> pytest.param:
    return pytest.param(_named(wrap(value), path), _dotted(path), id=f"{_dotted(path)}={value!r}")


WRAPS = {path: wrap for path, _, wrap in PROPERTIES}
REFUSED = [_case(path, wrap, None) for path, wrap in WRAPS.items()] + [
    _case(("work", 0, "endDate"), WRAPS[("work", 0, "endDate")], 0),  # work.json endDateInvalid
    _case(("$schema",), WRAPS[("$schema",)], {}),  # schema.json invalid
    _case(("basics",), WRAPS[("basics",)], []),  # examples/invalid/basics-wrong-type.json
]
DATE_PATHS = [path for path, node, _ in PROPERTIES if node is SCHEMA["definitions"]["iso8601"]]
TOLERATED = [_case(path, WRAPS[path], date) for path in DATE_PATHS for date in BAD_DATES] + [
    _case(("basics", "email"), WRAPS[("basics", "email")], BAD_EMAIL)
]


def test_every_property_of_the_schema_has_its_invalid_case():
    """The generator reaches every section, every entry field and the items of inner lists."""
    paths = {_dotted(path) for path, _, _ in PROPERTIES}
    assert {
        "$schema",
        "basics.location.city",
        "basics.profiles.0.url",
        "meta.lastModified",
    } <= paths
    assert {"work.0.highlights.0", "skills.0.keywords.0", "projects.0.roles.0"} <= paths
    sections = {path[0] for path, _, _ in PROPERTIES}
    assert sections == set(SCHEMA["properties"])
    assert {"work.0.startDate", "education.0.endDate", "awards.0.date"} <= set(
        map(_dotted, DATE_PATHS)
    )


@pytest.fixture(scope="module")
def org(app) -> Organisation:
    """One organisation and API key for every case (each case saves nothing, or one candidate)."""
    with app.app_context():
        user = accounts.register_recruiter(
            db.session,
            email=unique_email("fixtures"),
            password=PASSWORD,
            name="Fixture Recruiter",
            organisation_name="Invalid Fixtures Ltd",
        )
        made = Organisation(user.organisation.slug, user.organisation_id, user.email)
        db.session.remove()
    return made


@pytest.fixture(scope="module")
def auth(app, org) -> dict:
    with app.app_context():
        issued = api_keys.create_api_key(
            db.session, org.organisation_id, "fixtures", ["candidates:write"], Origin()
        )
        db.session.remove()
    return {"Authorization": f"Bearer {issued.token}"}


@pytest.mark.parametrize(("document", "path"), REFUSED)
def test_the_api_refuses_a_forbidden_type_naming_its_path(app, client, auth, org, document, path):
    before = pool_size(app, org.organisation_id)
    body = assert_problem(client.post(IMPORT, json=document, headers=auth), 422)
    assert list(body["errors"]) == [path], body["errors"]
    assert pool_size(app, org.organisation_id) == before


@pytest.mark.parametrize(("document", "path"), TOLERATED)
def test_the_api_leaves_out_a_bad_date_or_email_with_a_warning(client, auth, document, path):
    response = client.post(IMPORT, json=document, headers=auth)
    assert response.status_code == 201, response.json
    assert [warning["path"] for warning in response.json["warnings"]] == [path]
    if path == "basics.email":
        assert response.json["email"] == ""


def upload(client, document) -> object:
    token = csrf_token_from(client, PAGE)
    content = io.BytesIO(json.dumps(document).encode())
    return client.post(
        PAGE,
        data={"csrf_token": token, "resume": (content, "resume.json")},
        content_type="multipart/form-data",
    )


def test_the_import_page_re_renders_the_form_naming_each_refused_path(client, make_candidate):
    """One signed-in candidate uploads every refused case; each is answered 422 with the path."""
    assert sign_in(client, make_candidate()).status_code == 303
    wrong = []
    for case in REFUSED:
        document, path = case.values
        answer = upload(client, copy.deepcopy(document))
        page = unescape(answer.get_data(as_text=True))
        refused = answer.status_code == 422 and "nothing was saved" in page
        if not (refused and f"<code>{path}</code>" in page and 'name="document"' not in page):
            wrong.append(f"{case.id}: {answer.status_code}")
    assert not wrong, "\n".join(wrong)


def test_the_import_page_lists_the_left_out_dates_and_email(client, make_candidate):
    assert sign_in(client, make_candidate()).status_code == 303
    wrong = []
    for case in TOLERATED:
        document, path = case.values
        answer = upload(client, copy.deepcopy(document))
        page = unescape(answer.get_data(as_text=True))
        if answer.status_code != 200 or f"<li><code>{path}</code>: " not in page:
            wrong.append(f"{case.id}: {answer.status_code}")
    assert not wrong, "\n".join(wrong)
