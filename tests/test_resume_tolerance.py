"""Real resumes import (issue 9): values that break only a format are left out with warnings,
structure, type and candidate-limit errors refuse the document whole, and importing into an
existing profile merges (the candidate's own self-assessments stay)."""

import copy
import io
import json
import re
import zipfile
from html import unescape
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Candidate, User
from portal.services import bulk_import, candidates
from portal.services.access import Actor
from tests.conftest import assert_problem, csrf_token_from, pool_size, post_form, sign_in

IMPORT = "/api/v1/candidates/import"
DOCUMENT = re.compile(r'<textarea name="document" hidden aria-hidden="true">(.*?)</textarea>', re.S)
REVISION = re.compile(r'name="revision" value="(\d+)"')

# The JSON Resume project's own sample resume (jsonresume.org, "Richard Hendriks"), in its shape:
# an empty profile URL, scheme-less work and project URLs, an empty image.
PUBLIC_SAMPLE = {
    "basics": {
        "name": "Richard Hendriks",
        "label": "Programmer",
        "image": "",
        "email": "richard.hendriks@mail.com",
        "phone": "(912) 555-4321",
        "url": "http://richardhendricks.example.com",
        "summary": "Richard hails from Tulsa. He has earned degrees from the University of "
        "Oklahoma and Stanford. (Go Sooners and Cardinal!) Before starting Pied Piper, he worked "
        "for Hooli as a part time software developer.",
        "location": {
            "address": "2712 Broadway St",
            "postalCode": "CA 94115",
            "city": "San Francisco",
            "countryCode": "US",
            "region": "California",
        },
        "profiles": [
            {"network": "Twitter", "username": "neutralthoughts", "url": ""},
            {
                "network": "SoundCloud",
                "username": "dandymusicnl",
                "url": "https://soundcloud.example.com/dandymusicnl",
            },
        ],
    },
    "work": [
        {
            "name": "Pied Piper",
            "location": "Palo Alto, CA",
            "description": "Awesome compression company",
            "position": "CEO/President",
            "url": "company.com",
            "startDate": "2013-12-01",
            "endDate": "2014-12-01",
            "summary": "Pied Piper is a multi-platform technology based on a proprietary "
            "universal compression algorithm.",
            "highlights": [
                "Build an algorithm for artist to detect if their music was violating copy right",
                "Successfully won Techcrunch Disrupt",
            ],
        }
    ],
    "volunteer": [
        {
            "organization": "CoderDojo",
            "position": "Teacher",
            "url": "http://coderdojo.example.com/",
            "startDate": "2012-01-01",
            "endDate": "2013-01-01",
            "summary": "Global movement of free coding clubs for young people.",
            "highlights": ["Awarded 'Teacher of the Month'"],
        }
    ],
    "education": [
        {
            "institution": "University of Oklahoma",
            "url": "https://www.ou.edu/",
            "area": "Information Technology",
            "studyType": "Bachelor",
            "startDate": "2011-06-01",
            "endDate": "2014-01-01",
            "score": "4.0",
            "courses": ["DB1101 - Basic SQL", "CS2011 - Java Introduction"],
        }
    ],
    "awards": [
        {
            "title": "Digital Compression Pioneer Award",
            "date": "2014-11-01",
            "awarder": "Techcrunch",
            "summary": "There is no spoon.",
        }
    ],
    "certificates": [
        {
            "name": "Certificate",
            "date": "2021-11-07",
            "issuer": "Company",
            "url": "https://certificate.com",
        }
    ],
    "publications": [
        {
            "name": "Video compression for 3d media",
            "publisher": "Hooli",
            "releaseDate": "2014-10-01",
            "url": "http://en.wikipedia.org/wiki/Silicon_Valley_(TV_series)",
            "summary": "Innovative middle-out compression algorithm that changes the way we "
            "store data.",
        }
    ],
    "skills": [
        {"name": "Web Development", "level": "Master", "keywords": ["HTML", "CSS", "Javascript"]},
        {"name": "Compression", "level": "Master", "keywords": ["Mpeg", "MP4", "GIF"]},
    ],
    "languages": [{"language": "English", "fluency": "Native Speaker"}],
    "interests": [{"name": "Wildlife", "keywords": ["Ferrets", "Unicorns"]}],
    "references": [
        {
            "name": "Erlich Bachman",
            "reference": "It is my pleasure to recommend Richard, his performance working as a "
            "consultant for Main St. Company proved that he will be a valuable addition to any "
            "company.",
        }
    ],
    "projects": [
        {
            "name": "Miss Direction",
            "description": "A mapping engine that misguides you",
            "highlights": [
                "Won award at AIHacks 2016",
                "Built by all women team of newbie programmers",
            ],
            "keywords": ["GoogleMaps", "Chrome Extension", "Javascript"],
            "startDate": "2016-08-24",
            "endDate": "2016-08-24",
            "url": "project.com",
            "roles": ["Team lead", "Designer"],
            "entity": "Smoogle",
            "type": "application",
        }
    ],
}
SAMPLE_WARNINGS = ["basics.profiles.0.url", "projects.0.url", "work.0.url"]


def sample(**basics) -> dict:
    document = copy.deepcopy(PUBLIC_SAMPLE)
    document["basics"].update(basics)
    return document


def product_resume() -> dict:
    """The sample's shape for a product leader: skills that suggest framework competencies."""
    document = sample(name="Pat Product", label="VP Product", email="pat.product@example.test")
    document["work"][0].update(position="VP Product", startDate="2016-01", endDate="2020-01")
    document["skills"] = [
        {"name": "Product strategy", "level": "Expert"},
        {"name": "Data-driven decision making", "level": "Advanced"},
    ]
    return document


@pytest.fixture
def org(make_recruiter):
    return make_recruiter()


@pytest.fixture
def auth(make_api_key, org) -> dict:
    token = make_api_key(org.organisation_id, ["candidates:read", "candidates:write"])
    return {"Authorization": f"Bearer {token}"}


# --- the API ------------------------------------------------------------------------------------


def test_the_public_sample_resume_imports_with_warnings_for_what_was_left_out(client, auth):
    response = client.post(IMPORT, json=PUBLIC_SAMPLE, headers=auth)
    assert response.status_code == 201, response.json
    body = response.json
    assert body["name"] == "Richard Hendriks"
    assert body["email"] == "richard.hendriks@mail.com"
    assert body["headline"] == "Programmer"
    assert body["education"] == "bachelor"
    assert body["years_leadership"] == 1.0  # CEO/President 2013-12-01..2014-12-01
    assert body["certifications"] == ["Certificate"]
    assert [w["path"] for w in body["warnings"]] == SAMPLE_WARNINGS
    messages = {w["path"]: w["message"] for w in body["warnings"]}
    assert '"project.com"' in messages["projects.0.url"]
    assert "left out" in messages["work.0.url"]


def test_an_odd_optional_date_and_a_bad_email_are_left_out_not_refused(client, auth):
    document = sample(email="richard@mail")
    document["awards"][0]["date"] = "November 2014"
    document["work"][0]["endDate"] = "2014-02-30"
    response = client.post(IMPORT, json=document, headers=auth)
    assert response.status_code == 201, response.json
    paths = [w["path"] for w in response.json["warnings"]]
    assert {"basics.email", "awards.0.date", "work.0.endDate"} <= set(paths)
    assert response.json["email"] == ""


@pytest.mark.parametrize(
    ("edit", "path"),
    [
        (lambda d: d["basics"].update(summary="x" * 900_000), "basics.summary"),
        (lambda d: d["basics"].update(label="L" * 201), "basics.label"),
        (lambda d: d["basics"].update(name="N" * 201), "basics.name"),
        (
            lambda d: d.update(certificates=[{"name": " "}, {"name": "C" * 201}]),
            "certificates.1.name",
        ),
        (lambda d: d.update(certificates=[{"name": f"C{i}"} for i in range(51)]), "certificates"),
        (lambda d: d["work"][0].update(startDate="1900-01", endDate="1999-01"), "work"),
        (lambda d: d.update(skills={"name": "not a list"}), "skills"),
        (lambda d: d["basics"].update(profiles="Twitter"), "basics.profiles"),
    ],
    ids=["summary", "label", "name", "certificate", "certificates", "years", "skills", "profiles"],
)
def test_limits_structure_and_types_refuse_the_whole_document(app, client, auth, org, edit, path):
    document = copy.deepcopy(PUBLIC_SAMPLE)
    edit(document)
    before = pool_size(app, org.organisation_id)
    body = assert_problem(client.post(IMPORT, json=document, headers=auth), 422)
    assert list(body["errors"]) == [path], body["errors"]
    assert pool_size(app, org.organisation_id) == before


def test_the_openapi_document_lists_the_import_warnings(client):
    spec = client.get("/api/v1/openapi.json").json
    created = spec["paths"][IMPORT]["post"]["responses"]["201"]["content"]["application/json"]
    name = created["schema"]["$ref"].rsplit("/", 1)[1]
    warnings = spec["components"]["schemas"][name]["properties"]["warnings"]
    assert warnings["type"] == "array"
    assert "format" in warnings["description"]
    basics = spec["components"]["schemas"]["JsonResume"]["properties"]["basics"]["properties"]
    assert basics["summary"]["maxLength"] == 5000


# --- the recruiter's single import ----------------------------------------------------------------


def upload(client, url: str, document) -> object:
    token = csrf_token_from(client, url)
    content = json.dumps(document).encode()
    return client.post(
        url,
        data={"csrf_token": token, "resume": (io.BytesIO(content), "resume.json")},
        content_type="multipart/form-data",
    )


def test_the_recruiter_review_shows_the_warnings_and_adds_the_candidate(app, client, org):
    assert sign_in(client, org.recruiter_email).status_code == 303
    review = upload(client, "/candidates/import", PUBLIC_SAMPLE)
    assert review.status_code == 200
    page = unescape(review.text)
    assert "Left out of the import (3)" in page
    for path in SAMPLE_WARNINGS:
        assert f"<code>{path}</code>" in page
    document = DOCUMENT.search(review.text).group(1)
    before = pool_size(app, org.organisation_id)
    added = post_form(
        client,
        "/candidates/import/confirm",
        {"document": unescape(document)},
        csrf_from="/candidates/import",
    )
    assert added.status_code == 303
    assert pool_size(app, org.organisation_id) == before + 1


def test_the_recruiter_review_refuses_a_900000_character_summary(app, client, org):
    assert sign_in(client, org.recruiter_email).status_code == 303
    before = pool_size(app, org.organisation_id)
    review = upload(client, "/candidates/import", sample(summary="x" * 450_000))
    assert review.status_code == 422
    assert "<code>basics.summary</code>" in review.text
    assert 'name="document"' not in review.text
    assert pool_size(app, org.organisation_id) == before


# --- importing into the candidate's own profile (merge) -------------------------------------------


@pytest.fixture
def candidate(app, client, make_candidate):
    """A signed-in candidate whose profile has a headline, a background and two self-assessments."""
    email = make_candidate()
    assert sign_in(client, email).status_code == 303
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        profile = candidates.own_profile(db.session, user)
        candidates.update_candidate(
            db.session,
            Actor.for_user(user),
            profile.id,
            {
                "headline": "Group PM",
                "background": "engineering",
                "summary": "My own words.",
                "assessments": [
                    {"competency": "product-strategy", "level": 2, "evidence": "My own view"},
                    {"competency": "team-leadership", "level": 4, "evidence": ""},
                ],
            },
            profile.revision,
        )
        db.session.remove()
    return email


def own_profile(app, email: str) -> dict:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        found = candidates.document(candidates.own_profile(db.session, user))
        found["revision"] = candidates.own_profile(db.session, user).revision
        db.session.remove()
    return found


def test_the_profile_review_lists_each_change_and_the_kept_self_assessments(app, client, candidate):
    document = product_resume()
    del document["basics"]["summary"]
    before = own_profile(app, candidate)
    review = upload(client, "/profile/import", document)
    assert review.status_code == 200
    page = unescape(review.text)
    changes = page[page.index('id="changes"') : page.index("</table>", page.index('id="changes"'))]
    assert '<th scope="row">Headline</th><td>Group PM</td><td>VP Product</td>' in changes
    assert '<th scope="row">Years in product roles</th><td>0.0</td><td>4.0</td>' in changes
    assert "Self-assessment: Data-driven decision making" in changes
    assert "Summary" not in changes  # the resume has none: the profile keeps its own
    assert "Product strategy and vision: your level 2 is kept (the resume suggests 5)" in page
    assert "Left out of the import (3)" in page
    assert own_profile(app, candidate) == before  # nothing saved by the review

    saved = post_form(
        client,
        "/profile/import/confirm",
        {"document": DOCUMENT.search(page).group(1), "revision": REVISION.search(page).group(1)},
        csrf_from="/profile/import",
    )
    assert saved.status_code == 303
    after = own_profile(app, candidate)
    assert (after["name"], after["headline"]) == ("Pat Product", "VP Product")
    assert (after["summary"], after["background"]) == ("My own words.", "engineering")
    levels = {a["competency"]: (a["level"], a["evidence"]) for a in after["assessments"]}
    assert levels["product-strategy"] == (2, "My own view")
    assert levels["team-leadership"] == (4, "")
    assert levels["data-driven-decision-making"][0] == 4


def test_a_profile_changed_since_the_review_is_reviewed_again_not_overwritten(
    app, client, candidate
):
    review = unescape(upload(client, "/profile/import", product_resume()).text)
    token = csrf_token_from(client, "/profile")
    client.post("/profile", data={**profile_form(app, candidate), "csrf_token": token})
    changed = own_profile(app, candidate)
    assert changed["headline"] == "Changed elsewhere"

    again = post_form(
        client,
        "/profile/import/confirm",
        {
            "document": DOCUMENT.search(review).group(1),
            "revision": REVISION.search(review).group(1),
        },
        csrf_from="/profile/import",
    )
    assert again.status_code == 200
    page = unescape(again.text)
    assert "Your profile changed since this review" in page
    assert "<td>Changed elsewhere</td><td>VP Product</td>" in page
    assert own_profile(app, candidate) == changed


def profile_form(app, email: str) -> dict:
    current = own_profile(app, email)
    return {
        "revision": str(current["revision"]),
        "name": current["name"],
        "email": current["email"],
        "headline": "Changed elsewhere",
        "years_product": "0",
        "years_leadership": "0",
        "education": current["education"],
        "background": current["background"] or "",
        "certifications": "",
        "summary": current["summary"],
    }


# --- bulk: a zip member without an email ----------------------------------------------------------


def test_a_zip_member_without_an_email_imports_as_the_single_import_does(app, session, org):
    schema_path = app.config["JSON_RESUME_SCHEMA"]
    if not Path(schema_path).exists():
        pytest.skip("the JSON Resume schema is built by `make assets`")
    without_email = sample()
    del without_email["basics"]["email"]
    odd_email = sample(name="Odd Email", email="odd@mail")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("no-email.json", json.dumps(without_email))
        zipped.writestr("odd-email.json", json.dumps(odd_email))
    data = archive.getvalue()
    user = session.scalar(select(User).where(User.email == org.recruiter_email))
    actor = Actor.for_user(user)
    job = bulk_import.start_import(session, actor, "resumes.zip", data, schema_path)
    bulk_import.run_job(session, job.id, schema_path)
    session.expire_all()
    names = session.scalars(
        select(Candidate.name).where(Candidate.organisation_id == org.organisation_id)
    ).all()
    assert sorted(names) == ["Odd Email", "Richard Hendriks"]
