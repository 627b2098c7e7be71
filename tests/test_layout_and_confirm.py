"""Destructive actions ask on a page of their own (no JavaScript needed), the pool's "At least
level" without a competency is a field error, and the API docs name their sections for people."""

import re

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import ApiKey, Candidate, Scorecard, User
from portal.services import candidates, scorecards
from portal.services.access import Actor
from tests.conftest import PASSWORD, PROBLEM, post_form, sign_in


def recruiter_actor(organisation) -> Actor:
    return Actor.for_user(
        db.session.scalar(select(User).filter_by(email=organisation.recruiter_email))
    )


@pytest.fixture
def org(app, client, make_recruiter):
    organisation = make_recruiter()
    sign_in(client, organisation.recruiter_email)
    return organisation


def new_scorecard(app, organisation, publish: bool = False) -> int:
    with app.app_context():
        actor = recruiter_actor(organisation)
        scorecard = scorecards.clone_benchmark(db.session, actor)
        if publish:
            scorecards.publish(db.session, actor, scorecard.id, scorecard.revision)
        scorecard_id = scorecard.id
        db.session.remove()
    return scorecard_id


def confirm_form(text: str) -> tuple[str, dict[str, str]]:
    """The confirm page's POST form: its action and hidden fields (the CSRF token aside)."""
    form = re.search(
        r'<form action="([^"]+)" method="post" class="confirm-actions">(.*?)</form>', text, re.S
    )
    assert form, "no confirm form on the page"
    fields = dict(
        re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form.group(2))
    )
    fields.pop("csrf_token", None)
    return form.group(1), fields


def test_archiving_asks_on_its_own_page_and_the_form_there_archives(app, client, org):
    scorecard_id = new_scorecard(app, org, publish=True)
    url = f"/scorecards/{scorecard_id}/archive"
    builder = client.get(f"/scorecards/{scorecard_id}").text
    assert f'href="{url}"' in builder  # a link, so it works without JavaScript
    assert 'hx-confirm="Archive “CPO benchmark”?' in builder  # with htmx: asked in place

    page = client.get(url)
    assert page.status_code == 200
    assert '<h1 id="confirm-question">Archive “CPO benchmark”?</h1>' in page.text
    assert f'href="/scorecards/{scorecard_id}"' in page.text  # Cancel goes back
    action, fields = confirm_form(page.text)
    assert action == url
    assert fields == {"revision": "2"}
    with app.app_context():
        assert (
            db.session.get(Scorecard, scorecard_id).status == "published"
        )  # asking changes nothing
        db.session.remove()

    archived = post_form(client, action, fields)
    assert archived.status_code == 303
    assert archived.headers["Location"] == f"/scorecards/{scorecard_id}"
    assert "Archived." in client.get(archived.headers["Location"]).text
    with app.app_context():
        assert db.session.get(Scorecard, scorecard_id).status == "archived"
        db.session.remove()


def test_deleting_a_draft_asks_first(app, client, org):
    scorecard_id = new_scorecard(app, org)
    page = client.get(f"/scorecards/{scorecard_id}/delete")
    assert "Delete the draft “CPO benchmark”?" in page.text
    assert "This cannot be undone." in page.text
    action, fields = confirm_form(page.text)
    deleted = post_form(client, action, fields)
    assert deleted.headers["Location"] == "/scorecards"
    assert client.get(f"/scorecards/{scorecard_id}").status_code == 404


def test_a_stale_confirm_page_is_refused_not_applied(app, client, org):
    scorecard_id = new_scorecard(app, org, publish=True)
    action, fields = confirm_form(client.get(f"/scorecards/{scorecard_id}/archive").text)
    post_form(
        client,
        f"/scorecards/{scorecard_id}/basics",
        {"title": "Renamed", "mission": "m", "revision": fields["revision"]},
    )
    refused = post_form(client, action, fields)
    assert refused.status_code == 409
    with app.app_context():
        assert db.session.get(Scorecard, scorecard_id).status == "published"
        db.session.remove()


def test_deleting_a_candidate_asks_first(app, client, org):
    with app.app_context():
        candidate_id = candidates.create_candidate(
            db.session, recruiter_actor(org), {"name": "Pat Pool"}
        ).id
        db.session.remove()
    detail = client.get(f"/candidates/{candidate_id}").text
    assert f'href="/candidates/{candidate_id}/delete"' in detail

    page = client.get(f"/candidates/{candidate_id}/delete")
    assert page.status_code == 200
    assert "Delete Pat Pool from the pool?" in page.text
    action, fields = confirm_form(page.text)
    assert fields == {"revision": "1"}
    deleted = post_form(client, action, fields)
    assert deleted.headers["Location"] == "/candidates"
    with app.app_context():
        assert db.session.get(Candidate, candidate_id) is None
        db.session.remove()


def test_a_shared_profile_has_no_delete_confirm_page(app, client, org, make_candidate):
    email = make_candidate()
    with app.app_context():
        user = db.session.scalar(select(User).filter_by(email=email))
        candidates.share_with(db.session, user, org.slug)
        candidate_id = candidates.own_profile(db.session, user).id
        db.session.remove()
    assert client.get(f"/candidates/{candidate_id}/delete").status_code == 403


def test_revoking_a_key_asks_first(app, client, org, make_api_key):
    make_api_key(org.organisation_id, ["matches:read"])
    with app.app_context():
        key_id = db.session.scalar(
            select(ApiKey.id).where(ApiKey.organisation_id == org.organisation_id)
        )
        db.session.remove()
    listing = client.get("/api-keys").text
    assert f'href="/api-keys/{key_id}/revoke"' in listing

    page = client.get(f"/api-keys/{key_id}/revoke")
    assert page.status_code == 200
    assert "Integrations using it are refused from now on." in page.text
    action, fields = confirm_form(page.text)
    revoked = post_form(client, action, fields)
    assert revoked.status_code == 303
    with app.app_context():
        assert db.session.get(ApiKey, key_id).revoked_at is not None
        db.session.remove()


def test_withdrawing_a_share_asks_first(app, client, make_recruiter, make_candidate):
    organisation = make_recruiter(organisation_name="Acme Rockets")
    email = make_candidate()
    with app.app_context():
        user = db.session.scalar(select(User).filter_by(email=email))
        candidates.share_with(db.session, user, organisation.slug)
        db.session.remove()
    sign_in(client, email, PASSWORD)
    url = f"/profile/sharing/{organisation.organisation_id}/withdraw"
    assert f'href="{url}"' in client.get("/profile/sharing").text

    page = client.get(url)
    assert "Withdraw your profile from Acme Rockets?" in page.text
    action, fields = confirm_form(page.text)
    assert fields == {"next": "/profile/sharing"}
    withdrawn = post_form(client, action, fields)
    assert withdrawn.headers["Location"] == "/profile/sharing"
    assert "You share your profile with no organisation." in client.get("/profile/sharing").text

    again = client.get(url)  # nothing left to withdraw: back to the Sharing page
    assert again.status_code == 303


def test_a_confirm_page_never_leaves_the_site(app, client, make_recruiter, make_candidate):
    organisation = make_recruiter()
    email = make_candidate()
    with app.app_context():
        user = db.session.scalar(select(User).filter_by(email=email))
        candidates.share_with(db.session, user, organisation.slug)
        db.session.remove()
    sign_in(client, email, PASSWORD)
    page = client.get(
        f"/profile/sharing/{organisation.organisation_id}/withdraw?next=https://evil.example/"
    )
    assert "evil.example" not in page.text


# --- "At least level" without a competency -----------------------------------------------------


def test_at_least_level_without_a_competency_is_a_field_error(client, org):
    response = client.get("/candidates?min_level=3")
    assert response.status_code == 422
    assert 'id="min_level-error"' in response.text
    assert "Choose the competency this level applies to." in response.text
    assert re.search(r'<select id="min_level"[^>]*aria-invalid="true"', response.text)
    assert re.search(r'<option value="3" selected>', response.text)  # what was chosen stays


def test_with_htmx_the_level_error_comes_along_out_of_band(client, org):
    response = client.get("/candidates?min_level=3", headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert '<span id="min_level-message" hx-swap-oob="true">' in response.text
    assert "Choose the competency this level applies to." in response.text
    assert "<form" not in response.text  # the select being used is not swapped


def test_at_least_level_with_a_competency_filters(client, org):
    response = client.get("/candidates?competency=product-strategy&min_level=3")
    assert response.status_code == 200
    assert 'id="min_level-error"' not in response.text


def test_the_api_refuses_a_level_without_a_competency(client, org, make_api_key):
    token = make_api_key(org.organisation_id, ["candidates:read"])
    response = client.get(
        "/api/v1/candidates?min_level=3", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 422
    assert response.content_type == PROBLEM
    assert "min_level" in response.get_data(as_text=True)


# --- /api/docs ---------------------------------------------------------------------------------


def test_the_api_sections_have_human_names(client):
    document = client.get("/api/v1/openapi.json").get_json()
    names = [tag["name"] for tag in document["tags"]]
    assert {"Framework", "Scorecards", "Candidates", "Matches", "Your account"} <= set(names)
    assert not [name for name in names if "_" in name]
    used = {
        tag
        for operations in document["paths"].values()
        for operation in operations.values()
        if isinstance(operation, dict)
        for tag in operation.get("tags", [])
    }
    assert used <= set(names)  # every operation sits under a declared, readable section


def test_the_api_docs_page_keeps_pico_off_swagger_ui(client):
    page = client.get("/api/docs").text
    assert "/static/css/api-docs.css" in page
    assert 'href="/static/vendor/pico.min.css"' not in page  # loaded layered, by api-docs.css
    assert '<body hx-boost="false"' in page  # leaving it loads the next page's own <head>
    assert page.index("css/api-docs.css") < page.index("swagger-ui/swagger-ui.css")
