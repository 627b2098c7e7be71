"""The recruiter's candidate pages by their content: the pool and its filters, adding, editing
(and a stale edit refused), deleting, one JSON Resume imported, a bulk upload to its finished job.
"""

import html
import io
import json
import re

import pytest

from portal.extensions import db
from portal.services.bulk_import import run_job
from tests.conftest import csrf_token_from, post_form, sign_in

FIELDS = {
    "name": "",
    "email": "",
    "headline": "",
    "years_product": "0",
    "years_leadership": "0",
    "education": "none",
    "background": "",
    "certifications": "",
    "summary": "",
}


@pytest.fixture
def recruiter(app, client, make_recruiter, monkeypatch):
    """A signed-in recruiter of a new organisation; bulk imports run inside the request."""
    from portal import jobs

    schema = app.config["JSON_RESUME_SCHEMA"]

    def inline(name, job_id, **options):
        run_job(db.session, job_id, schema)

    monkeypatch.setattr(jobs, "enqueue", inline)
    organisation = make_recruiter()
    assert sign_in(client, organisation.recruiter_email).status_code == 303
    client.organisation_id = organisation.organisation_id
    return client


def add_assessed(app, organisation_id: int, name: str, level: int) -> None:
    """A candidate assessed on product strategy (the pages add none: assessments come from
    the candidate, an interview or an import)."""
    from portal.models.accounts import SCOPES
    from portal.services import candidates
    from portal.services.access import Actor

    actor = Actor(organisation_id=organisation_id, scopes=frozenset(SCOPES))
    assessments = [{"competency": "product-strategy", "level": level}]
    with app.app_context():
        candidates.create_candidate(db.session, actor, {"name": name, "assessments": assessments})
        db.session.remove()


def add(client, **values) -> int:
    response = post_form(client, "/candidates/new", {**FIELDS, **values})
    assert response.status_code == 303, response.text
    return int(response.headers["Location"].rstrip("/").split("/")[-1])


def names_in_pool(client, query: str = "") -> list[str]:
    page = client.get(f"/candidates{query}")
    rows = re.findall(r'<th scope="row"><a href="/candidates/\d+">([^<]+)</a>', page.text)
    return sorted(html.unescape(name) for name in rows)


def test_the_pool_filters_by_name_education_background_and_competency(app, recruiter):
    add(recruiter, name="Nora Strategist", headline="VP Product", education="master")
    add(recruiter, name="Omar Builder", education="bachelor", background="engineering")
    add_assessed(app, recruiter.organisation_id, "Pia Assessed", level=2)
    add_assessed(app, recruiter.organisation_id, "Rex Senior", level=4)

    everyone = ["Nora Strategist", "Omar Builder", "Pia Assessed", "Rex Senior"]
    assert names_in_pool(recruiter) == everyone
    assert "4 candidates" in recruiter.get("/candidates").text
    assert names_in_pool(recruiter, "?q=nora") == ["Nora Strategist"]
    assert names_in_pool(recruiter, "?q=VP+Product") == ["Nora Strategist"]
    assert names_in_pool(recruiter, "?education=master") == ["Nora Strategist"]
    assert names_in_pool(recruiter, "?background=engineering") == ["Omar Builder"]
    assessed = "?competency=product-strategy"
    assert names_in_pool(recruiter, assessed) == ["Pia Assessed", "Rex Senior"]
    assert names_in_pool(recruiter, f"{assessed}&min_level=2") == ["Pia Assessed", "Rex Senior"]
    assert names_in_pool(recruiter, f"{assessed}&min_level=3") == ["Rex Senior"]
    assert names_in_pool(recruiter, f"{assessed}&min_level=5") == []
    assert "No candidate matches." in recruiter.get(f"/candidates{assessed}&min_level=5").text


def test_a_level_without_a_competency_is_a_field_error(recruiter):
    add(recruiter, name="Quinn Anyone")

    response = recruiter.get("/candidates?min_level=3")

    assert response.status_code == 422
    assert 'id="min_level"' in response.text
    assert re.search(r'<select id="min_level"[^>]*aria-invalid="true"', response.text)
    assert "The list is not filtered by it." in response.text
    assert "Quinn Anyone" in response.text


def test_a_new_candidate_shows_with_its_values(recruiter):
    candidate_id = add(
        recruiter,
        name="Rita Roadmap",
        email="rita@example.test",
        headline="Head of Product",
        years_product="9",
        years_leadership="4",
        education="doctorate",
        certifications="CSPO\nPragmatic",
    )

    page = recruiter.get(f"/candidates/{candidate_id}")

    assert page.status_code == 200
    assert "<h1>Rita Roadmap</h1>" in page.text
    assert "Head of Product · 9.0 years in product · 4.0 years leading · doctorate" in page.text
    assert 'value="rita@example.test"' in page.text
    assert "CSPO\nPragmatic</textarea>" in page.text
    assert "Rita Roadmap" in names_in_pool(recruiter)


def test_a_bad_value_rerenders_the_form_and_creates_nothing(recruiter):
    response = post_form(
        recruiter, "/candidates/new", {**FIELDS, "name": "Sam Typo", "years_product": "ten"}
    )

    assert response.status_code == 422
    assert re.search(r'id="years_product"[^>]*aria-invalid="true"', response.text)
    assert re.search(r'<small id="years_product-error"[^>]*>[^<]+</small>', response.text)
    assert 'value="Sam Typo"' in response.text
    assert names_in_pool(recruiter) == []


def test_a_stale_edit_is_refused_and_keeps_the_typed_text(recruiter):
    candidate_id = add(recruiter, name="Tess Original", headline="Director")
    saved = post_form(
        recruiter,
        f"/candidates/{candidate_id}",
        {**FIELDS, "name": "Tess Saved Meanwhile", "headline": "Director", "revision": "1"},
    )
    assert saved.status_code == 303

    response = post_form(
        recruiter,
        f"/candidates/{candidate_id}",
        {**FIELDS, "name": "Tess Typed Late", "headline": "Director", "revision": "1"},
    )

    assert response.status_code == 409
    assert "nothing was saved" in response.text
    assert 'value="Tess Typed Late"' in response.text
    assert "Tess Saved Meanwhile" in response.text  # shown under the field, as saved meanwhile
    page = recruiter.get(f"/candidates/{candidate_id}")
    assert "<h1>Tess Saved Meanwhile</h1>" in page.text


def test_delete_through_its_confirm_page(recruiter):
    candidate_id = add(recruiter, name="Uma Leaving")

    confirm = recruiter.get(f"/candidates/{candidate_id}/delete")
    assert confirm.status_code == 200
    assert "Delete Uma Leaving from the pool?" in confirm.text
    revision = re.search(r'name="revision" value="(\d+)"', confirm.text).group(1)
    response = recruiter.post(
        f"/candidates/{candidate_id}/delete",
        data={"revision": revision, "csrf_token": csrf_token_from(recruiter, "/candidates")},
    )

    assert response.status_code == 303
    assert response.headers["Location"].endswith("/candidates")
    assert "The candidate is deleted." in recruiter.get("/candidates").text
    assert names_in_pool(recruiter) == []
    assert recruiter.get(f"/candidates/{candidate_id}").status_code == 404


RESUME = {
    "basics": {
        "name": "Vera Resume",
        "label": "Chief Product Officer",
        "email": "vera@example.test",
        "summary": "Led product at two scale-ups.",
    }
}


def test_a_json_resume_is_reviewed_then_saved(recruiter):
    upload = {"resume": (io.BytesIO(json.dumps(RESUME).encode()), "vera.json")}
    review = recruiter.post(
        "/candidates/import",
        data={**upload, "csrf_token": csrf_token_from(recruiter, "/candidates/import")},
        content_type="multipart/form-data",
    )

    assert review.status_code == 200, review.text
    assert "Vera Resume" in review.text
    assert names_in_pool(recruiter) == []  # reviewing saves nothing
    document = html.unescape(
        re.search(r'<textarea name="document"[^>]*>(.*?)</textarea>', review.text, re.S).group(1)
    )
    saved = post_form(
        recruiter, "/candidates/import/confirm", {"document": document}, csrf_from="/candidates"
    )

    assert saved.status_code == 303
    page = recruiter.get(saved.headers["Location"])
    assert "<h1>Vera Resume</h1>" in page.text
    assert names_in_pool(recruiter) == ["Vera Resume"]


def test_a_bulk_upload_ends_on_its_finished_job_page(recruiter):
    add(recruiter, name="Wes Existing", email="wes@example.test")
    rows = [
        "name,email,headline,years_product,years_leadership,education,background,"
        "certifications,summary",
        "Xena New,xena@example.test,VP Product,8,3,master,,,",
        "Wes Existing,wes@example.test,CPO,12,6,master,,,",
        "Yuri Bad,yuri@example.test,,ten,1,none,,,",
    ]
    data = ("\n".join(rows) + "\n").encode()

    response = recruiter.post(
        "/candidates/bulk",
        data={
            "file": (io.BytesIO(data), "pool.csv"),
            "csrf_token": csrf_token_from(recruiter, "/candidates/bulk"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    job = recruiter.get(response.headers["Location"])

    assert job.status_code == 200
    assert "<h1>Import of pool.csv</h1>" in job.text
    assert "<strong>Done</strong>: 3 of 3 rows processed." in job.text
    counts = dict(re.findall(r'<dd data-count="(\w+)">([\d,]+)</dd>', job.text))
    assert counts == {"created": "1", "updated": "1", "failed": "1"}
    assert "See the candidates" in job.text
    assert names_in_pool(recruiter) == ["Wes Existing", "Xena New"]


def test_the_pool_pages_keep_the_filter(app, recruiter):
    for number in range(27):
        add_assessed(app, recruiter.organisation_id, f"Paged {number:02d}", 3)
    first = recruiter.get("/candidates?q=Paged")
    assert "Page 1 of 2" in first.text
    following = re.search(r'<a href="([^"]+)" rel="next">Next</a>', first.text).group(1)
    assert "q=Paged" in html.unescape(following)
    assert "page=2" in following
    second = recruiter.get(html.unescape(following))
    assert len(names_in_pool(recruiter, "?q=Paged&page=2")) == 2
    assert 'rel="prev">Previous</a>' in second.text
    assert 'rel="next"' not in second.text
