"""The interviewer's pages over HTTP: the narrow view (dashboard, navigation, staff pages
refused), the interview kit as a full page and as fragments, the autosave that answers only its
status, the plain-form save, refused ratings that change nothing, submitting (final, once),
corrections that supersede, the independence rule, other people's kits, escaping and printing."""

import re
from dataclasses import dataclass
from html import unescape

import pytest
from markupsafe import escape
from sqlalchemy import select

from portal import PROJECT_ROOT
from portal.extensions import db
from portal.models import Competency, Evaluation, Organisation, User
from portal.services import accounts, candidates, evaluations, interviews, scorecards
from portal.services.access import Actor
from tests.conftest import PASSWORD, csrf_token_from, sign_in, unique_email

HTMX = {"HX-Request": "true"}
FOCUS = ["product-strategy", "team-leadership", "stakeholder-communication"]
MISSION = "Turn the platform into a product line."
OUTCOMES = ["Ship the 2027 roadmap", "Hire two product directors"]
HIDDEN = "Hidden until you submit yours"
XSS_NOTE = "<script>alert('note')</script>"
NO_RECOMMENDATION = "Choose an overall recommendation before submitting."


# --- the world: an organisation, two interviewers, a published scorecard, a candidate ---------


@dataclass
class World:
    app: object
    recruiter: str
    interviewers: list[str]
    scorecard_id: int
    candidate_id: int
    interview_ids: list[int]  # one per interviewer, in the same order
    organisation_id: int

    def client(self, email: str):
        client = self.app.test_client()
        assert sign_in(client, email).status_code == 303
        return client

    def kit_url(self, which: int = 0) -> str:
        return f"/interviews/{self.interview_ids[which]}"

    def evaluations_of(self, which: int) -> list[tuple[str, str | None, dict]]:
        """The interviewer's evaluations, oldest first: (status, recommendation, ratings)."""
        with self.app.app_context():
            user = db.session.scalar(select(User).where(User.email == self.interviewers[which]))
            found = db.session.scalars(
                select(Evaluation)
                .where(Evaluation.interviewer_id == user.id)
                .order_by(Evaluation.id)
            ).all()
            result = [
                (
                    e.status,
                    e.recommendation,
                    {r.competency.slug: (r.rating, r.note) for r in e.ratings},
                )
                for e in found
            ]
            db.session.remove()
        return result


def make_world(app, make_recruiter, *, recruiter_interviews: bool = False) -> World:
    made = make_recruiter()
    with app.app_context():
        session = db.session
        recruiter = Actor.for_user(
            session.scalar(select(User).where(User.email == made.recruiter_email))
        )
        organisation = session.get(Organisation, made.organisation_id)
        emails = []
        for label in ("ada", "bo"):
            user = accounts.create_user(
                session,
                email=unique_email(label),
                password=PASSWORD,
                role="interviewer",
                name=f"{label.title()} Interviewer",
                organisation=organisation,
            )
            emails.append(user.email)
        session.commit()
        scorecard = scorecards.create_scorecard(
            session,
            recruiter,
            {
                "title": "VP Product",
                "mission": MISSION,
                "outcomes": OUTCOMES,
                "competencies": [
                    {"competency": FOCUS[0], "weight": 3, "target_level": 4, "must_have": True},
                    {"competency": FOCUS[1], "weight": 2, "target_level": 4},
                    {"competency": FOCUS[2], "weight": 1, "target_level": 3},
                ],
            },
        )
        scorecards.publish(session, recruiter, scorecard.id, scorecard.revision)
        candidate = candidates.create_candidate(
            session,
            recruiter,
            {"name": "Casey Candidate", "headline": "Head of Product at Acme"},
        )
        people = [*emails, made.recruiter_email] if recruiter_interviews else emails
        ids = [
            interviews.assign(session, recruiter, scorecard.id, candidate.id, email, FOCUS[:2]).id
            for email in people
        ]
        world = World(
            app, made.recruiter_email, people, scorecard.id, candidate.id, ids, made.organisation_id
        )
        session.remove()
    return world


@pytest.fixture
def world(app, make_recruiter) -> World:
    return make_world(app, make_recruiter)


def kit_form(**values) -> dict:
    """A kit as its form posts it: every focus competency's rating and note, then the rest."""
    data = {}
    for slug in FOCUS[:2]:
        data[f"rating.{slug}"] = str(values.get(slug, ""))
        data[f"note.{slug}"] = values.get(f"note_{slug}", "")
    data["recommendation"] = values.get("recommendation", "")
    data["summary"] = values.get("summary", "")
    if "action" in values:
        data["action"] = values["action"]
    return data


def post(client, url: str, data: dict | None = None, headers=None, csrf_from: str = "/account"):
    token = csrf_token_from(client, csrf_from)
    return client.post(url, data={**(data or {}), "csrf_token": token}, headers=headers)


def save(client, world: World, which: int = 0, headers=None, **values):
    return post(client, f"{world.kit_url(which)}/draft", kit_form(**values), headers=headers)


def submit(client, world: World, which: int = 0):
    return post(client, f"{world.kit_url(which)}/submit")


def fill_and_submit(client, world: World, which: int = 0, **values):
    values = {FOCUS[0]: 4, FOCUS[1]: 3, "recommendation": "yes", **values}
    assert save(client, world, which, **values).status_code == 303
    response = submit(client, world, which)
    assert response.status_code == 303, response.text[:300]
    return response


def checked(html: str, slug: str) -> str | None:
    """The rating radio checked for `slug` in the kit ("" for not assessed)."""
    radio = rf'<input type="radio" id="rating-{slug}-[^"]+" name="rating\.{slug}" '
    for value, attributes in re.findall(radio + r'value="([^"]*)"([^>]*)>', html):
        if "checked" in attributes:
            return value
    return None


def textarea(html: str, element_id: str) -> str:
    found = re.search(rf'<textarea id="{element_id}"[^>]*>([^<]*)</textarea>', html)
    assert found, f"no textarea #{element_id}"
    return unescape(found.group(1))


# --- the interviewer's narrow view --------------------------------------------------------------


def test_an_interviewer_lands_on_their_interviews_to_do(app, world):
    client = app.test_client()
    response = sign_in(client, world.interviewers[0])
    assert response.status_code == 303
    assert response.location == "/dashboard"
    page = client.get("/dashboard")
    assert page.status_code == 200
    html = page.text
    assert "Interviews to do" in html
    assert "Interviewer at" in html
    assert "Casey Candidate" in html
    assert "VP Product" in html
    assert "version 1" in html
    assert "Not started" in html
    assert f'href="{world.kit_url(0)}"' in html
    assert f'href="{world.kit_url(1)}"' not in html  # the other interviewer's
    assert "Aspiring CPO" not in html
    assert "Your readiness" not in html

    save(client, world, 0, **{FOCUS[0]: 3})
    assert ">Draft<" in client.get("/dashboard").text
    fill_and_submit(client, world, 0)
    assert ">Submitted<" in client.get("/dashboard").text
    # The same list on /interviews (the navigation's "Interviews").
    listing = client.get("/interviews")
    assert listing.status_code == 200
    assert f'href="{world.kit_url(0)}"' in listing.text
    fragment = client.get("/interviews", headers=HTMX)
    assert "<html" not in fragment.text
    assert 'id="interviews_to_do"' in fragment.text
    assert "HX-Request" in fragment.headers["Vary"]


def nav_links(html: str) -> list[str]:
    nav = html.split('aria-label="Main"', 1)[1].split("</nav>", 1)[0]
    return [unescape(text) for text in re.findall(r"<a [^>]*>([^<]+)</a>", nav)]


def test_the_interviewers_navigation_shows_interviews_and_their_account_only(app, world):
    client = world.client(world.interviewers[0])
    html = client.get("/dashboard").text
    links = nav_links(html)
    assert "Interviews" in links
    assert "Account" in links
    assert "Sign out" in html
    for staff_only in ("Scorecards", "Candidates", "API keys", "My profile", "Roles"):
        assert staff_only not in links
    # A recruiter's navigation is unchanged; a candidate's too.
    recruiter_links = nav_links(world.client(world.recruiter).get("/dashboard").text)
    assert {"Scorecards", "Candidates", "API keys"} <= set(recruiter_links)
    assert "Interviews" not in recruiter_links


@pytest.mark.parametrize(
    "url",
    [
        "/scorecards",
        "/scorecards/{scorecard}",
        "/scorecards/{scorecard}/versions/1",
        "/scorecards/{scorecard}/matches",
        "/scorecards/{scorecard}/matches/{candidate}",
        "/scorecards/{scorecard}/matches.csv",
        "/candidates",
        "/candidates/{candidate}",
        "/candidates/bulk",
        "/api-keys",
        "/audit",
        "/invitations",
        "/profile",
        "/roles",
    ],
)
def test_every_staff_and_candidate_page_refuses_an_interviewer(app, world, url):
    client = world.client(world.interviewers[0])
    url = url.format(scorecard=world.scorecard_id, candidate=world.candidate_id)
    response = client.get(url)
    assert response.status_code in (403, 404), (url, response.status_code)
    assert "Casey Candidate" not in response.text
    assert "Head of Product at Acme" not in response.text


def test_staff_assigned_as_interviewers_see_their_interviews_on_the_dashboard(app, make_recruiter):
    world = make_world(app, make_recruiter, recruiter_interviews=True)
    html = world.client(world.recruiter).get("/dashboard").text
    assert "Interviews to do" in html
    assert f'href="{world.kit_url(2)}"' in html
    assert "Drafts to publish" in html  # the recruiter's dashboard, with the interviews on top
    # A recruiter with no interview assigned sees no such section.
    other = make_world(app, make_recruiter)
    assert "Interviews to do" not in other.client(other.recruiter).get("/dashboard").text


# --- the kit ------------------------------------------------------------------------------------


def test_the_kit_shows_the_role_the_competencies_and_the_rating_form(app, world):
    client = world.client(world.interviewers[0])
    response = client.get(world.kit_url(0))
    assert response.status_code == 200
    assert "HX-Request" in response.headers["Vary"]
    html = response.text
    assert "<html" in html
    assert "Casey Candidate" in html
    assert "Head of Product at Acme" in html
    assert MISSION in html
    assert all(outcome in html for outcome in OUTCOMES)
    with app.app_context():
        strategy = db.session.scalar(select(Competency).where(Competency.slug == FOCUS[0]))
        indicator = strategy.indicators[0].text
        questions = [question.text for question in strategy.questions]
        levels = [(level.label, level.description) for level in strategy.levels]
        db.session.remove()
    assert str(escape(indicator)) in html
    assert all(str(escape(question)) in html for question in questions)
    assert len(levels) == 5
    assert all(str(escape(description)) in html for _label, description in levels)
    for number, (label, _description) in enumerate(levels, start=1):
        assert f'name="rating.{FOCUS[0]}" value="{number}"' in html
        assert f"{number} · {label}" in html
    assert f'id="rating-{FOCUS[0]}-none" name="rating.{FOCUS[0]}" value="" checked' in html
    assert "Not assessed" in html
    assert f'id="note-{FOCUS[0]}"' in html
    assert f'id="note-{FOCUS[1]}"' in html
    assert f'name="rating.{FOCUS[2]}"' not in html  # not this interviewer's focus
    for word in evaluations.RECOMMENDATION_WORDS.values():
        assert f"> {word}</label>" in html
    assert 'name="summary"' in html
    # The form saves without JavaScript, and autosaves with htmx, swapping only the status.
    assert f'action="{world.kit_url(0)}/draft" method="post"' in html
    assert 'hx-target="#kit-status"' in html
    assert 'hx-sync="this:queue last"' in html
    assert "Save draft" in html
    assert "Submit evaluation" in html
    assert "Nothing saved yet" in html
    assert HIDDEN in html


def test_the_kit_as_a_fragment_for_htmx_and_whole_for_boosts(world):
    client = world.client(world.interviewers[0])
    fragment = client.get(world.kit_url(0), headers=HTMX)
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert fragment.text.lstrip().startswith("<")
    assert 'id="kit"' in fragment.text
    assert "Casey Candidate" in fragment.text
    boosted = client.get(world.kit_url(0), headers={**HTMX, "HX-Boosted": "true"})
    assert "<html" in boosted.text


def test_the_autosave_answers_only_the_save_status(world):
    client = world.client(world.interviewers[0])
    response = save(
        client,
        world,
        headers=HTMX,
        **{FOCUS[0]: 4, f"note_{FOCUS[0]}": "Clear strategy story", "recommendation": "yes"},
    )
    assert response.status_code == 200
    html = response.text
    assert "Draft saved at" in html
    assert "Saving…" in html
    # Never a field: what the interviewer is typing in stays as it is.
    assert "<textarea" not in html
    assert "<input" not in html
    assert "<html" not in html
    # The field messages come along out of band, empty: any earlier message is cleared.
    assert f'id="error-rating-{FOCUS[0]}" class="field-error" hx-swap-oob="true"></small>' in html
    assert 'id="error-recommendation" class="field-error" hx-swap-oob="true">' in html
    assert "HX-Request" in response.headers["Vary"]
    assert world.evaluations_of(0) == [
        ("draft", "yes", {FOCUS[0]: (4, "Clear strategy story"), FOCUS[1]: (None, "")})
    ]
    # Reloading the kit shows what was saved.
    kit = client.get(world.kit_url(0)).text
    assert checked(kit, FOCUS[0]) == "4"
    assert checked(kit, FOCUS[1]) == ""
    assert textarea(kit, f"note-{FOCUS[0]}") == "Clear strategy story"
    assert 'id="recommendation-yes" name="recommendation" value="yes" checked' in kit
    assert "Draft saved at" in kit


def test_a_save_without_javascript_goes_back_to_the_kit(world):
    client = world.client(world.interviewers[0])
    response = save(client, world, **{FOCUS[1]: 2, "summary": "Thoughtful.", "action": "save"})
    assert response.status_code == 303
    assert response.location == world.kit_url(0)
    page = client.get(response.location).text
    assert "Draft saved at" in page
    assert checked(page, FOCUS[1]) == "2"
    assert textarea(page, "summary") == "Thoughtful."


@pytest.mark.parametrize("rating", ["7", "x", "0", "-1"])
@pytest.mark.parametrize("headers", [None, HTMX], ids=["plain", "htmx"])
def test_a_bad_rating_is_refused_naming_its_field_and_nothing_changes(world, rating, headers):
    client = world.client(world.interviewers[0])
    save(client, world, **{FOCUS[0]: 3, f"note_{FOCUS[0]}": "Saved note"})
    before = world.evaluations_of(0)
    response = save(
        client,
        world,
        headers=headers,
        **{FOCUS[0]: rating, f"note_{FOCUS[0]}": "Typed, not saved", "recommendation": "no"},
    )
    assert response.status_code == 422
    html = response.text
    assert evaluations.RATING_MESSAGE in html
    assert "Not saved" in html
    if headers:  # htmx: the status and the field's own message, never the fields
        assert "<textarea" not in html
        assert re.search(
            rf'id="error-rating-{FOCUS[0]}" class="field-error" hx-swap-oob="true">'
            rf"{re.escape(evaluations.RATING_MESSAGE)}</small>",
            html,
        )
    else:  # the kit again, with what was typed and the message next to its field
        assert "<html" in html
        assert textarea(html, f"note-{FOCUS[0]}") == "Typed, not saved"
        assert 'aria-describedby="error-rating-product-strategy" aria-invalid="true"' in html
        assert 'id="recommendation-no" name="recommendation" value="no" checked' in html
    assert world.evaluations_of(0) == before


def test_a_competency_off_the_scorecard_is_refused(world):
    client = world.client(world.interviewers[0])
    data = {**kit_form(), "rating.not-a-competency": "3", "note.not-a-competency": ""}
    response = post(client, f"{world.kit_url(0)}/draft", data)
    assert response.status_code == 422
    assert "is not a competency of version 1" in response.text
    assert world.evaluations_of(0) == []


def test_submitting_is_confirmed_then_final(world):
    client = world.client(world.interviewers[0])
    # "Submit evaluation" saves what is in the form, then asks.
    response = save(
        client,
        world,
        **{FOCUS[0]: 4, FOCUS[1]: 3, "recommendation": "strong_yes", "action": "submit"},
    )
    assert response.status_code == 303
    assert response.location == f"{world.kit_url(0)}/submit"
    confirm = client.get(response.location)
    assert confirm.status_code == 200
    assert "Submitted evaluations are final" in confirm.text
    assert "Strong yes" in confirm.text
    assert world.evaluations_of(0)[0][0] == "draft"

    done = submit(client, world)
    assert done.status_code == 303
    assert done.location == world.kit_url(0)
    statuses = world.evaluations_of(0)
    assert [status for status, _r, _ratings in statuses] == ["submitted"]

    kit = client.get(world.kit_url(0)).text
    assert "Your evaluation is submitted" in kit
    assert 'id="kit-form"' not in kit
    assert "<textarea" not in kit
    assert "4 · Advanced" in kit
    assert "Strong yes" in kit
    assert "Correct my evaluation" in kit
    assert "Your submissions" in kit
    assert "Current" in kit
    assert HIDDEN not in kit
    assert "No other interviewer has submitted" in kit

    # A second submit, or any save, is refused: submitted is final.
    again = submit(client, world)
    assert again.status_code == 409
    assert "no draft to submit" in again.text
    changed = save(client, world, **{FOCUS[0]: 1, "recommendation": "no"})
    assert changed.status_code == 409
    assert "final" in changed.text
    assert world.evaluations_of(0) == statuses
    # The confirm page has nothing to confirm any more.
    assert client.get(f"{world.kit_url(0)}/submit").status_code == 303


def test_an_htmx_submit_saves_then_goes_to_the_confirm_page(world):
    client = world.client(world.interviewers[0])
    response = save(
        client, world, headers=HTMX, **{FOCUS[0]: 2, "recommendation": "no", "action": "submit"}
    )
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == f"{world.kit_url(0)}/submit"
    assert world.evaluations_of(0)[0][:2] == ("draft", "no")


def test_an_incomplete_kit_is_not_submitted_and_says_what_is_missing(world):
    client = world.client(world.interviewers[0])
    save(client, world, **{FOCUS[0]: 4, f"note_{FOCUS[0]}": "Kept"})
    response = submit(client, world)
    assert response.status_code == 422
    html = response.text
    assert NO_RECOMMENDATION in html
    assert "Not submitted" in html
    assert 'aria-describedby="error-recommendation" aria-invalid="true"' in html
    assert checked(html, FOCUS[0]) == "4"
    assert textarea(html, f"note-{FOCUS[0]}") == "Kept"
    assert [status for status, *_rest in world.evaluations_of(0)] == ["draft"]

    save(client, world, recommendation="yes")  # nothing rated
    response = submit(client, world)
    assert response.status_code == 422
    assert "Rate at least one competency" in response.text


def test_a_correction_supersedes_the_submission_and_both_stay_in_the_history(world):
    client = world.client(world.interviewers[0])
    fill_and_submit(client, world, **{f"note_{FOCUS[0]}": "First take"})

    started = post(client, f"{world.kit_url(0)}/correction")
    assert started.status_code == 303
    assert started.location == world.kit_url(0)
    kit = client.get(world.kit_url(0)).text
    assert "Correction:" in kit
    assert 'id="kit-form"' in kit
    assert checked(kit, FOCUS[0]) == "4"
    assert textarea(kit, f"note-{FOCUS[0]}") == "First take"
    assert "Discard correction" in kit

    save(client, world, **{FOCUS[0]: 2, FOCUS[1]: 3, "recommendation": "no"})
    assert submit(client, world).status_code == 303
    history = world.evaluations_of(0)
    assert [status for status, *_rest in history] == ["superseded", "submitted"]
    assert history[1][2][FOCUS[0]] == (2, "")
    kit = client.get(world.kit_url(0)).text
    assert kit.count("Superseded</span>") == 1
    assert kit.count("Current</span>") == 1
    assert re.search(r"corrects evaluation \d+", kit)

    # A correction can be discarded: the submission stands.
    post(client, f"{world.kit_url(0)}/correction")
    confirm = client.get(f"{world.kit_url(0)}/discard")
    assert confirm.status_code == 200
    assert "Discard your correction?" in confirm.text
    discarded = post(client, f"{world.kit_url(0)}/discard")
    assert discarded.status_code == 303
    assert [status for status, *_rest in world.evaluations_of(0)] == ["superseded", "submitted"]
    assert "Correct my evaluation" in client.get(world.kit_url(0)).text


def test_nothing_to_correct_before_submitting(world):
    client = world.client(world.interviewers[0])
    response = post(client, f"{world.kit_url(0)}/correction")
    assert response.status_code == 409
    assert "nothing submitted to correct" in response.text
    assert world.evaluations_of(0) == []


def test_others_ratings_stay_hidden_until_you_submit_yours(world):
    first = world.client(world.interviewers[0])
    second = world.client(world.interviewers[1])
    fill_and_submit(
        first, world, 0, **{f"note_{FOCUS[0]}": "Ada saw a sharp strategist", FOCUS[1]: 1}
    )
    save(second, world, 1, **{FOCUS[0]: 2, f"note_{FOCUS[1]}": "Bo drafts privately"})

    before = second.get(world.kit_url(1)).text
    assert HIDDEN in before
    assert "Ada saw a sharp strategist" not in before
    assert "Ada Interviewer" not in before
    assert "1 · Foundational" not in before.split('id="others-heading"')[1]

    # The first interviewer, having submitted, sees no draft of the second.
    assert "Bo drafts privately" not in first.get(world.kit_url(0)).text

    save(second, world, 1, **{FOCUS[0]: 2, "recommendation": "mixed"})
    assert submit(second, world, 1).status_code == 303
    after = second.get(world.kit_url(1)).text
    assert HIDDEN not in after
    others = after.split('id="others-heading"')[1]
    assert "Ada saw a sharp strategist" in others
    assert "Ada Interviewer" in others
    assert "1 · Foundational" in others
    assert "Yes" in others
    assert "Bo Interviewer" in first.get(world.kit_url(0)).text


def test_a_recruiter_reads_an_interviewers_kit_without_a_draft_of_their_own(world):
    interviewer = world.client(world.interviewers[0])
    save(interviewer, world, **{f"note_{FOCUS[0]}": "Private draft note"})
    recruiter = world.client(world.recruiter)
    page = recruiter.get(world.kit_url(0))
    assert page.status_code == 200
    html = page.text
    assert "Read-only:" in html
    assert "have not submitted an evaluation yet" in html
    assert "Private draft note" not in html
    assert 'id="kit-form"' not in html
    refused = save(recruiter, world, **{FOCUS[0]: 5})
    assert refused.status_code == 403
    assert [status for status, *_rest in world.evaluations_of(0)] == ["draft"]

    fill_and_submit(interviewer, world, **{f"note_{FOCUS[0]}": "Submitted note"})
    html = recruiter.get(world.kit_url(0)).text
    assert "Submitted note" in html
    assert "Correct my evaluation" not in html
    assert "Ada Interviewer's submissions" in html


def test_another_interviewers_kit_is_not_found(app, world, make_recruiter):
    second = world.client(world.interviewers[1])
    for url in (world.kit_url(0), f"{world.kit_url(0)}/submit", f"{world.kit_url(0)}/discard"):
        assert second.get(url).status_code == 404, url
    for action in ("draft", "submit", "correction", "discard"):
        response = post(second, f"{world.kit_url(0)}/{action}", kit_form(**{FOCUS[0]: 1}))
        assert response.status_code == 404, action
    assert world.evaluations_of(0) == []
    # Nor does another organisation's recruiter see it.
    stranger = make_world(app, make_recruiter)
    assert stranger.client(stranger.recruiter).get(world.kit_url(0)).status_code == 404
    assert second.get("/interviews/999999999").status_code == 404


def test_notes_and_summaries_are_escaped(world):
    first = world.client(world.interviewers[0])
    fill_and_submit(first, world, **{f"note_{FOCUS[0]}": XSS_NOTE, "summary": XSS_NOTE})
    second = world.client(world.interviewers[1])
    save(second, world, 1, **{f"note_{FOCUS[0]}": XSS_NOTE})
    assert XSS_NOTE not in second.get(world.kit_url(1)).text
    fill_and_submit(second, world, 1)
    for client, url in ((first, world.kit_url(0)), (second, world.kit_url(1))):
        html = client.get(url).text
        assert XSS_NOTE not in html
        assert str(escape(XSS_NOTE)) in html


def test_the_kit_prints_from_its_stylesheet_without_inline_styles_or_scripts(world):
    client = world.client(world.interviewers[0])
    html = client.get(world.kit_url(0)).text
    assert 'href="/static/css/interviews.css"' in html
    assert " style=" not in html
    assert "<style" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    css = (PROJECT_ROOT / "static" / "css" / "interviews.css").read_text(encoding="utf-8")
    printing = css.split("@media print", 1)[1]
    assert ".interview-kit form.kit-form { display: block; }" in printing
    assert ".interview-kit .no-print" in printing


def test_a_candidate_never_sees_the_kit(app, world, make_candidate):
    client = app.test_client()
    assert sign_in(client, make_candidate()).status_code == 303
    assert client.get(world.kit_url(0)).status_code == 403
    assert client.get("/interviews").status_code == 403
