"""A candidate's own pages over HTTP: the profile form (full page and htmx fragment, inline
checks, stale edits), the self-assessment, JSON Resume import with its review, and sharing."""

import io
import json
import re
from html import unescape

import pytest
from markupsafe import escape
from sqlalchemy import select

from portal.extensions import db
from portal.models import Candidate, User
from portal.services.framework_loader import read_framework_file
from tests.conftest import SAMPLE_RESUME as RESUME
from tests.conftest import csrf_token_from, post_form, sign_in

HTMX = {"HX-Request": "true"}
STALE = "changed elsewhere"
XSS = "<script>alert(1)</script>"
REVISION = re.compile(r'name="revision" value="(\d+)"')
DOCUMENT = re.compile(r'<textarea name="document" hidden aria-hidden="true">(.*?)</textarea>', re.S)
RADIO_LABEL = re.compile(
    r'<label><input type="radio" name="level" value="(\d)"[^>]*>\s*(.*?)</label>', re.S
)
PAGES = ("/profile", "/profile/assessment", "/profile/import", "/profile/sharing")


# --- helpers -------------------------------------------------------------------------------------


def signed_in(app, email: str):
    client = app.test_client()
    assert sign_in(client, email).status_code == 303
    return client


def profile_row(app, email: str) -> Candidate | None:
    """The candidate's profile as the database has it now (detached, assessments loaded)."""
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        candidate = db.session.scalar(select(Candidate).where(Candidate.user_id == user.id))
        if candidate is not None:
            for assessment in candidate.assessments:
                _ = assessment.competency.slug
            db.session.expunge_all()
        db.session.remove()
    return candidate


def revision_on(client, url: str = "/profile") -> str:
    return REVISION.search(client.get(url).text).group(1)


def profile_data(client, **overrides) -> dict:
    return {
        "revision": revision_on(client),
        "name": "Casey Candidate",
        "email": "casey@example.test",
        "headline": "Group Product Manager",
        "years_product": "7.25",
        "years_leadership": "2",
        "education": "master",
        "background": "engineering",
        "certifications": "CSPO\n\n  Pragmatic Marketing  \nReforge Product Strategy\n",
        "summary": "Led a platform team.",
        **overrides,
    }


def upload(client, content: bytes, filename: str = "resume.json"):
    token = csrf_token_from(client, "/profile/import")
    return client.post(
        "/profile/import",
        data={"csrf_token": token, "resume": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
    )


def resume_bytes(document=RESUME) -> bytes:
    return json.dumps(document).encode("utf-8")


def signature(candidate: Candidate) -> tuple:
    return (
        candidate.revision,
        candidate.name,
        candidate.years_product,
        candidate.years_leadership,
        candidate.education,
        candidate.certifications,
        len(candidate.assessments),
    )


@pytest.fixture
def candidate_email(make_candidate) -> str:
    return make_candidate()


@pytest.fixture
def client(app, candidate_email):
    """A client signed in as a self-registered candidate."""
    return signed_in(app, candidate_email)


# --- access --------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(app, url):
    response = app.test_client().get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/signin")


@pytest.mark.parametrize("url", PAGES)
def test_recruiters_get_403_on_the_candidate_pages(app, make_recruiter, url):
    recruiter = signed_in(app, make_recruiter().recruiter_email)
    response = recruiter.get(url)
    assert response.status_code == 403
    assert "<html" in response.text  # an HTML error page, not a stack trace


def test_recruiters_cannot_post_to_the_candidate_pages(app, make_recruiter):
    recruiter = signed_in(app, make_recruiter().recruiter_email)
    token = csrf_token_from(recruiter, "/dashboard")
    response = recruiter.post(
        "/profile", data={"csrf_token": token, "name": "Recruiter", "revision": "1"}
    )
    assert response.status_code == 403


# --- the profile form ----------------------------------------------------------------------------


def test_profile_is_a_full_page_or_the_form_fragment_for_htmx(client):
    page = client.get("/profile")
    assert page.status_code == 200
    assert page.text.lstrip().lower().startswith("<!doctype html")
    assert "<h1>Your profile</h1>" in page.text
    assert 'id="profile_form"' in page.text
    assert 'value="Cand"' in page.text  # created from the account's name on first visit

    fragment = client.get("/profile", headers=HTMX)
    assert fragment.status_code == 200
    assert fragment.text.lstrip().startswith('<form id="profile_form"')
    assert "<html" not in fragment.text
    assert "<h1>" not in fragment.text
    assert 'name="revision"' in fragment.text


def test_the_inline_check_reports_a_bad_field_and_saves_nothing(app, client, candidate_email):
    client.get("/profile")
    before = signature(profile_row(app, candidate_email))
    response = post_form(
        client, "/profile/check", profile_data(client, years_product="61"), headers=HTMX
    )
    assert response.status_code == 422
    assert response.text.lstrip().startswith('<form id="profile_form"')
    assert 'id="years_product-error"' in response.text
    assert "Years are between 0 and 60." in response.text
    assert 'aria-invalid="true" aria-describedby="years_product-error"' in response.text
    assert signature(profile_row(app, candidate_email)) == before


@pytest.mark.parametrize("url", ["/profile/check", "/profile"])
def test_a_refused_value_stays_in_its_field_for_correction(client, url):
    response = post_form(
        client, url, profile_data(client, years_product="61", email="bad@"), headers=HTMX
    )
    assert response.status_code == 422
    years = re.search(r'<input[^>]*id="years_product"[^>]*>', response.text, re.S).group(0)
    email = re.search(r'<input[^>]*id="email"[^>]*>', response.text, re.S).group(0)
    assert 'value="61"' in years
    assert 'value="bad@"' in email


def test_the_inline_check_accepts_good_values_without_saving(app, client, candidate_email):
    client.get("/profile")
    before = signature(profile_row(app, candidate_email))
    response = post_form(client, "/profile/check", profile_data(client), headers=HTMX)
    assert response.status_code == 200
    assert "field-error" not in response.text
    assert signature(profile_row(app, candidate_email)) == before


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("years_product", "61", "Years are between 0 and 60."),
        ("years_leadership", "-1", "Years are between 0 and 60."),
        ("years_product", "lots", "Not a valid number."),
        ("email", "not-an-email", "Enter a valid email address."),
        ("name", "", "Enter 1 to 200 characters."),
        ("education", "phd", "Must be one of"),
    ],
)
def test_saving_a_bad_profile_shows_the_message_and_saves_nothing(
    app, client, candidate_email, field, value, message
):
    client.get("/profile")
    before = signature(profile_row(app, candidate_email))
    response = post_form(client, "/profile", profile_data(client, **{field: value}))
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.text
    assert message in response.text
    assert signature(profile_row(app, candidate_email)) == before


def test_saving_the_profile_redirects_and_shows_the_values(app, client, candidate_email):
    response = post_form(client, "/profile", profile_data(client))
    assert response.status_code == 303
    assert response.headers["Location"] == "/profile"

    page = client.get("/profile").text
    assert "Your profile is saved." in page
    assert 'value="Casey Candidate"' in page
    assert 'value="casey@example.test"' in page
    assert 'value="Group Product Manager"' in page
    assert 'value="7.3"' in page  # rounded half up to one decimal
    assert 'value="2.0"' in page
    assert '<option value="master" selected>' in page
    assert '<option value="engineering" selected>' in page
    assert "CSPO\nPragmatic Marketing\nReforge Product Strategy</textarea>" in page
    assert "Led a platform team.</textarea>" in page

    saved = profile_row(app, candidate_email)
    assert saved.certifications == ["CSPO", "Pragmatic Marketing", "Reforge Product Strategy"]
    assert (saved.years_product, saved.years_leadership) == (7.3, 2.0)
    assert saved.background == "engineering"


def test_saving_with_htmx_redirects_through_hx_redirect(client):
    response = post_form(client, "/profile", profile_data(client), headers=HTMX)
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/profile"


@pytest.mark.parametrize(
    "certifications",
    ["\n".join(f"Certificate {n}" for n in range(51)), "C" * 201],
    ids=["51-lines", "201-characters"],
)
def test_certifications_follow_the_same_rules_as_the_api(
    app, client, candidate_email, certifications
):
    client.get("/profile")
    before = signature(profile_row(app, candidate_email))
    response = post_form(client, "/profile", profile_data(client, certifications=certifications))
    assert response.status_code == 422
    assert 'id="certifications-error"' in response.text
    assert signature(profile_row(app, candidate_email)) == before


def test_blank_email_and_background_are_saved_as_not_given(app, client, candidate_email):
    response = post_form(client, "/profile", profile_data(client, email="", background=""))
    assert response.status_code == 303
    saved = profile_row(app, candidate_email)
    assert saved.email == ""
    assert saved.background is None


def test_a_save_based_on_a_stale_revision_is_refused(app, client, candidate_email):
    other_tab = signed_in(app, candidate_email)
    mine = profile_data(client, headline="Saved first")
    theirs = profile_data(other_tab, headline="Saved second")
    assert mine["revision"] == theirs["revision"]

    assert post_form(client, "/profile", mine).status_code == 303
    refused = post_form(other_tab, "/profile", theirs)
    assert refused.status_code == 422
    assert STALE in refused.text
    assert profile_row(app, candidate_email).headline == "Saved first"


def test_typed_text_is_escaped(app, client, candidate_email):
    response = post_form(
        client, "/profile", profile_data(client, headline=XSS, summary=XSS, certifications=XSS)
    )
    assert response.status_code == 303
    page = client.get("/profile").text
    assert XSS not in page
    assert str(escape(XSS)) in page
    assert profile_row(app, candidate_email).headline == XSS


# --- self-assessment -----------------------------------------------------------------------------


def assess(client, slug: str, level, evidence: str = "", *, htmx=True, revision=None):
    data = {
        "competency": slug,
        "evidence": evidence,
        "revision": revision or revision_on(client, "/profile/assessment"),
    }
    if level is not None:
        data["level"] = str(level)
    return post_form(client, "/profile/assessment", data, headers=HTMX if htmx else None)


def test_the_assessment_page_lists_every_competency_with_its_five_descriptors(client):
    page = client.get("/profile/assessment")
    assert page.status_code == 200
    assert "<h1>Self-assessment</h1>" in page.text
    assert "0 of 14 assessed" in page.text
    framework = read_framework_file()
    assert len(framework["competencies"]) == 14
    for competency in framework["competencies"]:
        form = re.search(rf'<form id="c-{competency["slug"]}".*?</form>', page.text, re.S).group(0)
        labels = {
            int(value): " ".join(unescape(text).split())
            for value, text in RADIO_LABEL.findall(form)
        }
        expected = {
            level["level"]: f"{level['level']} · {level['label']}: "
            + " ".join(level["description"].split())
            for level in competency["levels"]
        }
        assert set(labels) == {0, 1, 2, 3, 4, 5}
        assert {k: v for k, v in labels.items() if k} == expected
        assert unescape(competency["name"]) in unescape(form)


def test_saving_one_assessment_answers_the_fragment_with_the_new_progress(
    app, client, candidate_email
):
    response = assess(client, "product-strategy", 4, "Owned the 3-year strategy")
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="assessments">')
    assert "<html" not in response.text
    assert "1 of 14 assessed" in response.text
    form = re.search(r'<form id="c-product-strategy".*?</form>', response.text, re.S).group(0)
    assert 'value="4" checked' in form
    assert "Owned the 3-year strategy</textarea>" in form
    assert "assessed at 4" in form
    assert "· saved" in form

    assert "1 of 14 assessed" in client.get("/profile/assessment").text
    escaped = assess(client, "continuous-learning", 2, XSS)
    assert XSS not in escaped.text
    assert str(escape(XSS)) + "</textarea>" in escaped.text
    second = assess(client, "team-leadership", 0, "")
    assert "3 of 14 assessed" in second.text
    changed = assess(client, "product-strategy", 5, "Board-level strategy")
    assert "3 of 14 assessed" in changed.text

    saved = profile_row(app, candidate_email)
    assert {(a.competency.slug, a.level, a.evidence, a.source) for a in saved.assessments} == {
        ("product-strategy", 5, "Board-level strategy", "self"),
        ("team-leadership", 0, "", "self"),
        ("continuous-learning", 2, XSS, "self"),
    }


def test_without_htmx_an_assessment_save_redirects_to_its_card(client):
    response = assess(client, "team-leadership", 3, "Coached four PMs", htmx=False)
    assert response.status_code == 303
    assert response.headers["Location"] == "/profile/assessment#c-team-leadership"
    assert "1 of 14 assessed" in client.get("/profile/assessment").text


@pytest.mark.parametrize(
    ("slug", "level", "message"),
    [
        ("product-strategy", None, "Missing data for required field."),
        ("product-strategy", 6, "Level is a whole number from 0 to 5."),
        ("basket-weaving", 3, ""),  # only a tampered form can send this
    ],
)
def test_a_bad_assessment_is_refused_and_saves_nothing(
    app, client, candidate_email, slug, level, message
):
    response = assess(client, slug, level, "Evidence")
    assert response.status_code == 422
    assert message in response.text
    assert "0 of 14 assessed" in response.text
    assert profile_row(app, candidate_email).assessments == []


def test_an_assessment_based_on_a_stale_revision_is_refused(app, client, candidate_email):
    old = revision_on(client, "/profile/assessment")
    assert assess(client, "product-strategy", 3, revision=old).status_code == 200
    refused = assess(client, "team-leadership", 4, revision=old)
    assert refused.status_code == 422
    assert STALE in refused.text
    slugs = [a.competency.slug for a in profile_row(app, candidate_email).assessments]
    assert slugs == ["product-strategy"]


# --- JSON Resume import --------------------------------------------------------------------------


def test_an_uploaded_resume_is_reviewed_before_anything_is_saved(app, client, candidate_email):
    client.get("/profile")
    before = signature(profile_row(app, candidate_email))

    review = upload(client, resume_bytes())
    assert review.status_code == 200
    page = review.text
    assert "What we found" in page
    assert "<dd>Jordan Resume</dd>" in page
    assert "<dd>jordan@example.test</dd>" in page
    assert "<dd>Head of Product, B2B SaaS</dd>" in page
    assert "<dt>Years in product roles</dt><dd>6.0</dd>" in page  # merged, not 4 + 3
    assert "<dt>Years leading</dt><dd>3.0</dd>" in page
    assert "<dt>Education</dt><dd>master</dd>" in page
    assert "Certified Scrum Product Owner, Pragmatic Marketing Certified" in page
    assert "Data-driven decision making</td><td>5</td>" in page
    assert "data-driven decision making" in unescape(page)
    assert signature(profile_row(app, candidate_email)) == before

    document = unescape(DOCUMENT.search(page).group(1))
    assert json.loads(document) == RESUME
    revision = re.search(r'name="revision" value="(\d+)"', page).group(1)
    confirmed = post_form(
        client,
        "/profile/import/confirm",
        {"document": document, "revision": revision},
        csrf_from="/profile/import",
    )
    assert confirmed.status_code == 303
    assert confirmed.headers["Location"] == "/profile"

    saved = profile_row(app, candidate_email)
    assert saved.name == "Jordan Resume"
    assert saved.headline == "Head of Product, B2B SaaS"
    assert (saved.years_product, saved.years_leadership) == (6.0, 3.0)
    assert saved.education == "master"
    assert saved.certifications == [
        "Certified Scrum Product Owner",
        "Pragmatic Marketing Certified",
    ]
    assert [(a.competency.slug, a.level) for a in saved.assessments] == [
        ("data-driven-decision-making", 5)
    ]
    assert "JSON Resume skill" in saved.assessments[0].evidence
    assert saved.revision > before[0]

    profile = client.get("/profile").text
    assert "Your profile now shows what your resume says." in profile
    assert 'value="Jordan Resume"' in profile
    assert 'value="6.0"' in profile
    assert "1 of 14 assessed" in client.get("/profile/assessment").text


def test_a_confirmation_that_cannot_be_read_saves_nothing(app, client, candidate_email):
    client.get("/profile")
    before = signature(profile_row(app, candidate_email))
    for document in ("{not json", json.dumps({"basics": {"email": "x"}})):
        response = post_form(
            client, "/profile/import/confirm", {"document": document}, csrf_from="/profile/import"
        )
        assert response.status_code == 303
        assert response.headers["Location"] == "/profile/import"
    assert "could not be read again" in client.get("/profile/import").text
    assert signature(profile_row(app, candidate_email)) == before


BAD_RESUME = {
    "basics": {"email": 42},
    "work": [{"name": "Acme", "position": "Product Manager", "startDate": 2019}],
}


@pytest.mark.parametrize(
    ("content", "filename", "expected"),
    [
        (b"this is not JSON", "resume.json", ["resume", "not JSON"]),
        (b"\xff\xfe\x00garbage", "resume.json", ["resume", "not JSON"]),
        (
            resume_bytes(BAD_RESUME),
            "resume.json",
            [
                "<code>basics.email</code>",
                "<code>work.0.startDate</code>",
                "<code>basics.name</code>",
            ],
        ),
        (
            b"[1, 2, 3]",
            "resume.json",
            ["<code>_document</code>", "A JSON Resume is a JSON object."],
        ),
        (
            b'{"basics": {"name": "Big"}, "padding": "' + b"x" * (512 * 1024) + b'"}',
            "big.json",
            ["resume", "larger than 512 KB"],
        ),
    ],
    ids=["text", "binary", "schema", "array", "too-large"],
)
def test_an_invalid_upload_is_422_listing_what_failed_and_saves_nothing(
    app, client, candidate_email, content, filename, expected
):
    client.get("/profile")
    before = signature(profile_row(app, candidate_email))
    response = upload(client, content, filename)
    assert response.status_code == 422
    assert "nothing was saved" in response.text
    for text in expected:
        assert text in response.text
    assert "What we found" not in response.text
    assert 'name="document"' not in response.text
    assert signature(profile_row(app, candidate_email)) == before


def test_posting_the_import_form_without_a_file_asks_for_one(client):
    token = csrf_token_from(client, "/profile/import")
    response = client.post("/profile/import", data={"csrf_token": token})
    assert response.status_code == 422
    assert "Choose a JSON Resume file to upload." in response.text


def test_resume_text_is_escaped_on_the_review(client):
    document = {"basics": {"name": XSS, "label": XSS}, "certificates": [{"name": XSS}]}
    review = upload(client, resume_bytes(document))
    assert review.status_code == 200
    assert XSS not in review.text
    assert str(escape(XSS)) in review.text


# --- sharing -------------------------------------------------------------------------------------


def share_code(app, organisation) -> str:
    """The code the organisation's recruiters give candidates (shown on their dashboard)."""
    from portal.models import Organisation

    with app.app_context():
        code = db.session.get(Organisation, organisation.organisation_id).share_code
        db.session.remove()
    return code


def candidate_id(app, email: str) -> int:
    return profile_row(app, email).id


def test_sharing_with_an_organisation_code_lets_its_key_see_the_profile_until_withdrawn(
    app, client, candidate_email, make_recruiter, make_api_key
):
    organisation = make_recruiter(organisation_name="Sharing Target Ltd")
    key = {
        "Authorization": "Bearer " + make_api_key(organisation.organisation_id, ["candidates:read"])
    }
    page = client.get("/profile/sharing")
    assert "You share your profile with no organisation." in page.text
    url = f"/api/v1/candidates/{candidate_id(app, candidate_email)}"
    api = app.test_client()
    assert api.get(url, headers=key).status_code == 404

    code = share_code(app, organisation)
    shared = post_form(client, "/profile/sharing", {"code": f"  {code} "})
    assert shared.status_code == 303
    assert shared.headers["Location"] == "/profile/sharing"
    page = client.get("/profile/sharing").text
    assert "Sharing Target Ltd can now see your profile." in page
    assert 'Withdraw<span class="visually-hidden"> from Sharing Target Ltd</span>' in page
    seen = api.get(url, headers=key)
    assert seen.status_code == 200
    assert seen.json["name"] == "Cand"

    withdrawn = post_form(
        client,
        f"/profile/sharing/{organisation.organisation_id}/withdraw",
        {},
        csrf_from="/profile/sharing",
    )
    assert withdrawn.status_code == 303
    assert "can no longer see your profile" in client.get("/profile/sharing").text
    assert api.get(url, headers=key).status_code == 404


def test_an_unknown_organisation_code_is_refused(client):
    response = post_form(client, "/profile/sharing", {"code": "no-such-org-xyz"})
    assert response.status_code == 422
    assert "This share link or code is not valid." in response.text
    assert 'id="code-error"' in response.text
    assert "You share your profile with no organisation." in response.text


def test_organisation_names_are_escaped_on_the_sharing_page(app, client, make_recruiter):
    organisation = make_recruiter(organisation_name="<b>Bold Hiring</b>")
    code = share_code(app, organisation)
    assert post_form(client, "/profile/sharing", {"code": code}).status_code == 303
    page = client.get("/profile/sharing").text
    assert "<b>Bold Hiring</b>" not in page
    assert str(escape("<b>Bold Hiring</b>")) in page
