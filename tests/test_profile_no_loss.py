"""Nothing typed into a profile is lost, over HTTP: a live check answers one field's message and
saves nothing, every field targets only its own message, a self-assessment card swaps alone
(with the progress and the other cards' revisions out of band), and a refused stale edit keeps
the typed text beside the version saved meanwhile, on the candidate's and the recruiter's pages."""

import re

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Candidate, User
from tests.conftest import post_form, sign_in

HTMX = {"HX-Request": "true"}
FIELDS = (
    "name",
    "email",
    "headline",
    "years_product",
    "years_leadership",
    "education",
    "background",
    "certifications",
    "summary",
)
REVISION = re.compile(r'name="revision" value="(\d+)"')
STALE = "changed elsewhere"


def signed_in(app, email: str):
    client = app.test_client()
    assert sign_in(client, email).status_code == 303
    return client


def saved_profile(app, email: str) -> Candidate:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        candidate = db.session.scalar(select(Candidate).where(Candidate.user_id == user.id))
        for assessment in candidate.assessments:
            _ = assessment.competency.slug
        db.session.expunge_all()
        db.session.remove()
    return candidate


def revision_on(client, url: str = "/profile") -> str:
    return REVISION.search(client.get(url).text).group(1)


def profile_data(revision: str, **overrides) -> dict:
    return {
        "revision": revision,
        "name": "Casey Candidate",
        "email": "casey@example.test",
        "headline": "Group Product Manager",
        "years_product": "7",
        "years_leadership": "2",
        "education": "master",
        "background": "engineering",
        "certifications": "CSPO",
        "summary": "Led a platform team.",
        **overrides,
    }


def tag(html: str, element: str, element_id: str) -> str:
    """The opening tag of the element with `element_id`."""
    return re.search(rf'<{element}\b[^>]*\bid="{element_id}"[^>]*>', html, re.S).group(0)


def card(html: str, slug: str) -> str:
    return re.search(rf'<form id="c-{slug}".*?</form>', html, re.S).group(0)


@pytest.fixture
def email(make_candidate) -> str:
    return make_candidate()


@pytest.fixture
def client(app, email):
    """A signed-in candidate whose profile exists (it is made on the first visit)."""
    signed = signed_in(app, email)
    assert signed.get("/profile").status_code == 200
    return signed


# --- live checks: one field's message, never the form ---------------------------------------------


def check(client, field: str, **overrides):
    headers = {**HTMX, "HX-Trigger-Name": field}
    data = profile_data(revision_on(client), **overrides)
    return post_form(client, "/profile/check", data, headers=headers, csrf_from="/profile")


def test_a_live_check_answers_only_the_message_of_the_field_left(app, client, email):
    before = saved_profile(app, email).revision
    refused = check(client, "years_product", years_product="61")
    assert refused.status_code == 422
    assert refused.text == "Years are between 0 and 60."
    assert refused.headers["Vary"].count("HX-Request") == 1

    # The other fields' checks say nothing about it: each field reports only its own problems.
    other = check(client, "years_leadership", years_product="61", years_leadership="4")
    assert (other.status_code, other.text) == (200, "")

    fine = check(client, "years_product", years_product="8")
    assert (fine.status_code, fine.text) == (200, "")
    assert saved_profile(app, email).revision == before  # a check never saves


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "bad@", "Enter a valid email address."),
        ("name", "", "Enter 1 to 200 characters."),
        ("certifications", "C" * 201, "Length must be between 1 and 200."),
        ("summary", "x" * 5001, "Keep it under 5,000 characters."),
    ],
)
def test_each_field_is_checked_on_its_own(client, field, value, message):
    response = check(client, field, **{field: value})
    assert response.status_code == 422
    assert message in response.text
    assert "<" not in response.text  # text for the field's message element, not markup


def test_every_field_targets_its_own_message_and_a_save_cancels_a_check(client):
    page = client.get("/profile").text
    form = tag(page, "form", "profile_form")
    assert 'hx-target="#profile_form"' in form  # Save answers the whole form...
    assert "hx-trigger" not in form  # ...and only Save: nothing on the form reacts to typing
    assert page.count('hx-trigger="change"') == len(FIELDS)
    for field in FIELDS:
        element = "textarea" if field in ("certifications", "summary") else "(?:input|select)"
        control = tag(page, element, field)
        assert 'hx-post="/profile/check"' in control
        assert f'hx-target="#{field}-error"' in control
        assert 'hx-swap="innerHTML"' in control
        assert 'hx-sync="closest form:queue last"' in control
        assert f"{field}-error" in re.search(r'aria-describedby="([^"]*)"', control).group(1)
        # The message element is there before any check, empty, for the check to fill in.
        assert (
            f'<small id="{field}-error" class="field-message" aria-live="polite"></small>' in page
        )
    assert 'id="save-profile"' in page  # focus comes back to Save after its swap


def test_the_recruiters_forms_have_no_live_checks(app, make_recruiter):
    recruiter = signed_in(app, make_recruiter().recruiter_email)
    page = recruiter.get("/candidates/new").text
    assert "/profile/check" not in page
    assert 'id="years_product-error"' in page


# --- a refused stale edit keeps the text beside the saved version ---------------------------------


@pytest.mark.parametrize("headers", [None, HTMX], ids=["form", "htmx"])
def test_a_stale_profile_edit_keeps_the_typed_text_beside_the_saved_version(
    app, client, email, headers
):
    other_tab = signed_in(app, email)
    loaded = revision_on(client)
    theirs = profile_data(loaded, headline="Saved in the other tab", summary="")
    assert post_form(other_tab, "/profile", theirs).status_code == 303

    mine = profile_data(loaded, headline="Typed here", summary="Two lines\nto keep")
    refused = post_form(client, "/profile", mine, headers=headers)
    assert refused.status_code == 422
    page = refused.text
    if headers:
        assert page.lstrip().startswith('<form id="profile_form"')
    assert STALE in page
    assert "nothing was saved" in page
    assert 'value="Typed here"' in tag(page, "input", "headline")
    assert "Two lines\nto keep</textarea>" in page
    assert re.search(r'id="headline-current".*?Saved in the other tab', page, re.S)
    assert re.search(r'id="summary-current".*?\(nothing\)', page, re.S)
    assert "headline-current" in tag(page, "input", "headline")
    for same in ("name", "email", "years_product", "education"):
        assert f'id="{same}-current"' not in page
    assert saved_profile(app, email).headline == "Saved in the other tab"

    # The form now holds the current revision: saving again applies the typed text.
    current = REVISION.search(page).group(1)
    assert current != loaded
    again = post_form(client, "/profile", {**mine, "revision": current})
    assert again.status_code == 303
    saved = saved_profile(app, email)
    assert (saved.headline, saved.summary) == ("Typed here", "Two lines\nto keep")


def test_a_stale_edit_with_nothing_different_still_says_so(app, client, email):
    other_tab = signed_in(app, email)
    loaded = revision_on(client)
    same = profile_data(loaded)
    assert post_form(other_tab, "/profile", same).status_code == 303
    refused = post_form(client, "/profile", same)
    assert refused.status_code == 422
    assert STALE in refused.text
    assert "current-version" not in refused.text


@pytest.mark.parametrize("headers", [None, HTMX], ids=["form", "htmx"])
def test_a_recruiters_stale_edit_keeps_the_typed_text(app, make_recruiter, headers):
    recruiter_email = make_recruiter().recruiter_email
    mine, colleague = signed_in(app, recruiter_email), signed_in(app, recruiter_email)
    created = post_form(mine, "/candidates/new", {"name": "Riley"}, csrf_from="/candidates/new")
    url = created.headers["Location"]
    loaded = revision_on(mine, url)
    theirs = {"revision": loaded, "name": "Riley", "headline": "Colleague's words"}
    assert post_form(colleague, url, theirs, csrf_from=url).status_code == 303

    typed = {"revision": loaded, "name": "Riley", "headline": "My rewrite", "years_product": "9"}
    refused = post_form(mine, url, typed, headers=headers, csrf_from=url)
    assert refused.status_code == 409
    page = refused.text
    assert STALE in page
    assert 'value="My rewrite"' in tag(page, "input", "headline")
    assert 'value="9.0"' in tag(page, "input", "years_product")
    assert re.search(r'id="headline-current".*?Colleague&#39;s words', page, re.S)
    assert re.search(r'id="years_product-current".*?0\.0', page, re.S)
    assert 'id="save-candidate"' in page

    again = post_form(mine, url, {**typed, "revision": REVISION.search(page).group(1)})
    assert again.status_code == 303
    assert 'value="My rewrite"' in mine.get(url).text


# --- self-assessment: one card at a time ----------------------------------------------------------


def assess(client, slug, level, evidence="", revision=None, headers=HTMX):
    data = {"competency": slug, "level": str(level), "evidence": evidence}
    data["revision"] = revision or revision_on(client, "/profile/assessment")
    return post_form(client, "/profile/assessment", data, headers=headers)


def test_each_card_swaps_alone_with_progress_and_revisions_out_of_band(client):
    page = client.get("/profile/assessment").text
    slugs = re.findall(r'<form id="c-([a-z-]+)"', page)
    assert len(slugs) == 14
    for slug in slugs:
        form = tag(page, "form", f"c-{slug}")
        assert 'hx-target="this"' in form
        assert f'hx-select="#c-{slug}"' in form
        assert 'hx-swap="outerHTML"' in form
        assert f'action="/profile/assessment#c-{slug}"' in form
        oob = re.search(r'hx-select-oob="([^"]*)"', form).group(1).split(",")
        # Its own revision comes with the card; the other cards' revisions come out of band.
        assert set(oob) == {"#assessment-progress"} | {
            f"#revision-{other}" for other in slugs if other != slug
        }
        assert f'id="revision-{slug}"' in card(page, slug)
        assert f'id="save-{slug}"' in card(page, slug)
    assert 'id="assessment-progress"' in page


def test_saving_a_card_gives_every_card_the_new_revision(client):
    loaded = revision_on(client, "/profile/assessment")
    response = assess(client, "team-leadership", 4, "Led three teams", revision=loaded)
    assert response.status_code == 200
    revisions = set(
        re.findall(r'id="revision-[a-z-]+" name="revision" value="(\d+)"', response.text)
    )
    assert len(revisions) == 1
    assert revisions != {loaded}
    # ...so the next card saves without a stale refusal.
    second = assess(client, "product-strategy", 3, revision=revisions.pop())
    assert second.status_code == 200
    assert "2 of 14 assessed" in second.text


@pytest.mark.parametrize("headers", [None, HTMX], ids=["form", "htmx"])
def test_a_stale_assessment_keeps_the_choice_and_text_beside_the_saved_one(
    app, client, email, headers
):
    other_tab = signed_in(app, email)
    loaded = revision_on(client, "/profile/assessment")
    assert assess(other_tab, "product-strategy", 2, "Their evidence").status_code == 200

    refused = assess(client, "product-strategy", 5, "My board-level work", loaded, headers)
    assert refused.status_code == 422
    mine = card(refused.text, "product-strategy")
    assert STALE in mine
    assert 'value="5" checked id="level-product-strategy-5"' in mine
    assert "My board-level work</textarea>" in mine
    assert re.search(r"Saved meanwhile:</small>\s*<span[^>]*>level 2, “Their evidence”", mine)
    assert STALE not in card(refused.text, "team-leadership")
    current = REVISION.search(mine).group(1)
    assert current != loaded

    assert assess(client, "product-strategy", 5, "My board-level work", current).status_code == 200
    saved = saved_profile(app, email)
    assert [(a.competency.slug, a.level, a.evidence) for a in saved.assessments] == [
        ("product-strategy", 5, "My board-level work")
    ]
