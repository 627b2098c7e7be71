"""The recruiter's side of structured interviews over HTTP: the interview plan page (assign,
change focus, remove; warnings; field errors that change nothing; access), the interview
evidence on the plan and the match pages, interview levels marked on the board and compare,
inviting interviewers, and the candidate's readiness report that never shows interview data."""

import re
from dataclasses import dataclass
from html import unescape

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Interview, Invitation, Organisation, User
from portal.services import accounts, candidates, evaluations, interviews, scorecards
from portal.services.access import Actor
from tests.conftest import PASSWORD, csrf_token_from, post_form, sign_in, unique_email

HTMX = {"HX-Request": "true"}
STRATEGY, LEADING, DATA = "product-strategy", "team-leadership", "data-driven-decision-making"
NAMES = {
    STRATEGY: "Product strategy and vision",
    LEADING: "Team leadership and talent development",
    DATA: "Data-driven decision making",
}
COMPETENCIES = [
    {"competency": STRATEGY, "weight": 3, "target_level": 4, "must_have": True},
    {"competency": LEADING, "weight": 2, "target_level": 4, "must_have": False},
    {"competency": DATA, "weight": 1, "target_level": 3, "must_have": False},
]
SELF_LEVELS = {STRATEGY: 5, LEADING: 2}
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@dataclass
class World:
    app: object
    organisation_id: int
    recruiter: str
    interviewers: list[str]  # emails: Ada, Bo
    scorecard_id: int
    draft_scorecard_id: int
    candidate_id: int

    @property
    def url(self) -> str:
        return f"/scorecards/{self.scorecard_id}/candidates/{self.candidate_id}/interviews"

    def client(self, email: str | None = None):
        client = self.app.test_client()
        assert sign_in(client, email or self.recruiter).status_code == 303
        return client

    def actor(self, email: str | None = None) -> Actor:
        user = db.session.scalar(select(User).where(User.email == (email or self.recruiter)))
        return Actor.for_user(user)

    def planned(self) -> dict[str, list[str]]:
        """Interviewer email -> focus, as stored."""
        with self.app.app_context():
            rows = db.session.scalars(
                select(Interview).where(
                    Interview.scorecard_id == self.scorecard_id,
                    Interview.candidate_id == self.candidate_id,
                )
            ).all()
            found = {row.interviewer.email: list(row.focus) for row in rows}
            db.session.remove()
        return found

    def assign(self, email: str, focus: list[str]) -> int:
        with self.app.app_context():
            interview = interviews.assign(
                db.session, self.actor(), self.scorecard_id, self.candidate_id, email, focus
            )
            interview_id = interview.id
            db.session.remove()
        return interview_id

    def submit(self, email: str, ratings: dict[str, int], recommendation="yes", **extra) -> int:
        """An evaluation by `email`, pushed by the recruiter (as an ATS would)."""
        notes = extra.pop("notes", {})
        values = {
            "interviewer": email,
            "ratings": [
                {"competency": slug, "rating": value, "note": notes.get(slug, "")}
                for slug, value in ratings.items()
            ],
            "recommendation": recommendation,
            "summary": extra.pop("summary", "Clear examples."),
            **extra,
        }
        with self.app.app_context():
            evaluation = evaluations.submit(
                db.session, self.actor(), self.scorecard_id, self.candidate_id, values
            )
            evaluation_id = evaluation.id
            db.session.remove()
        return evaluation_id


@pytest.fixture
def world(app, make_recruiter) -> World:
    """An organisation with a recruiter and two interviewers (Ada, Bo), a published scorecard of
    three competencies (product strategy a must-have), a never-published one, and a candidate
    who assessed themselves on two of them."""
    made = make_recruiter()
    with app.app_context():
        organisation = db.session.get(Organisation, made.organisation_id)
        emails = []
        for name in ("Ada Lovelace", "Bo Diddley"):
            user = accounts.create_user(
                db.session,
                email=unique_email(name.split()[0].lower()),
                password=PASSWORD,
                role="interviewer",
                name=name,
                organisation=organisation,
            )
            emails.append(user.email)
        db.session.commit()
        recruiter = Actor.for_user(
            db.session.scalar(select(User).where(User.email == made.recruiter_email))
        )
        scorecard = scorecards.create_scorecard(
            db.session, recruiter, {"title": "Chief Product Officer", "competencies": COMPETENCIES}
        )
        scorecards.publish(db.session, recruiter, scorecard.id, scorecard.revision)
        draft = scorecards.create_scorecard(
            db.session, recruiter, {"title": "Unpublished role", "competencies": COMPETENCIES}
        )
        candidate = candidates.create_candidate(
            db.session,
            recruiter,
            {
                "name": "Casey Candidate",
                "email": unique_email("casey"),
                "assessments": [
                    {"competency": slug, "level": level} for slug, level in SELF_LEVELS.items()
                ],
            },
        )
        found = World(
            app,
            made.organisation_id,
            made.recruiter_email,
            emails,
            scorecard.id,
            draft.id,
            candidate.id,
        )
        db.session.remove()
    return found


def text_of(html: str) -> str:
    """The text a reader sees: tags dropped, spaces collapsed, none before punctuation."""
    text = " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())
    return re.sub(r" ([:,.;)])", r"\1", text)


def section(html: str, section_id: str) -> str:
    found = re.search(rf'<section id="{section_id}".*?</section>', html, re.S)
    assert found, f"no section {section_id}"
    return text_of(found.group(0))


def add(client, world, email: str, focus: list[str], headers=None, **extra):
    return post_form(
        client,
        world.url,
        {"interviewer": email, "focus": focus, **extra},
        headers=headers,
    )


# --- the page ------------------------------------------------------------------------------------


def test_the_plan_page_shows_the_candidate_the_version_and_what_nobody_probes(world):
    response = world.client().get(world.url)
    assert response.status_code == 200
    assert "HX-Request" in response.headers["Vary"]
    page = text_of(response.text)
    assert "Interviews: Casey Candidate" in page
    assert "For Chief Product Officer, version 1" in page
    assert "No interviews planned yet." in page
    coverage = section(response.text, "warnings")
    assert f"Nobody probes {NAMES[STRATEGY]}, {NAMES[LEADING]}, {NAMES[DATA]}." in coverage
    # The add form offers the staff, and ticks the competencies nobody probes yet.
    form = section(response.text, "plan")
    assert "Ada Lovelace" in form
    assert "Bo Diddley" in form
    for slug in (STRATEGY, LEADING, DATA):
        assert re.search(rf'id="focus-{slug}" name="focus" value="{slug}" checked', response.text)
    assert f"{NAMES[STRATEGY]} (must-have) (nobody probes it yet)" in form


def test_an_htmx_request_gets_the_plan_section_and_the_warnings_out_of_band(world):
    response = world.client().get(world.url, headers=HTMX)
    assert response.status_code == 200
    assert "<html" not in response.text
    assert response.text.lstrip().startswith('<section id="plan"')
    assert '<section id="warnings"' in response.text
    assert 'hx-swap-oob="true"' in response.text
    assert "HX-Request" in response.headers["Vary"]


def test_a_boosted_request_gets_the_whole_page(world):
    response = world.client().get(world.url, headers={**HTMX, "HX-Boosted": "true"})
    assert "<html" in response.text


# --- assigning, changing and removing -------------------------------------------------------------


def test_adding_an_interviewer_without_javascript_redirects_to_the_plan(world):
    client = world.client()
    ada, _bo = world.interviewers
    response = add(client, world, ada, [STRATEGY, LEADING])
    assert response.status_code == 303
    assert response.headers["Location"] == world.url
    assert world.planned() == {ada: [STRATEGY, LEADING]}
    page = client.get(world.url)
    plan = section(page.text, "plan")
    assert "Ada Lovelace's interview is planned." in text_of(page.text)
    assert f"Ada Lovelace {ada} · interviewer · Not started" in plan
    assert f"Probes: {NAMES[STRATEGY]}, {NAMES[LEADING]}" in plan
    # Ada is planned: the add form offers only Bo, and ticks what is still uncovered.
    assert f'<option value="{ada}"' not in page.text
    assert f'<option value="{_bo}"' in page.text
    assert f'id="focus-{DATA}" name="focus" value="{DATA}" checked' in page.text
    assert f'id="focus-{STRATEGY}" name="focus" value="{STRATEGY}">' in page.text


def test_adding_with_htmx_answers_the_plan_and_the_warnings_out_of_band(world):
    client = world.client()
    ada, _bo = world.interviewers
    response = add(client, world, ada, [STRATEGY, LEADING, DATA], headers=HTMX)
    assert response.status_code == 200
    assert "<html" not in response.text
    plan = section(response.text, "plan")
    assert "Ada Lovelace's interview is planned." in plan
    assert "Not started" in plan
    warnings = re.search(r'<section id="warnings"[^>]*>', response.text).group(0)
    assert 'hx-swap-oob="true"' in warnings
    coverage = section(response.text, "warnings")
    assert "Nobody probes" not in coverage
    assert f"{NAMES[STRATEGY]} is a must-have probed by only one interviewer" in coverage


def test_warnings_appear_and_disappear_as_the_plan_changes(world):
    client = world.client()
    ada, bo = world.interviewers
    add(client, world, ada, [STRATEGY, LEADING])
    coverage = section(client.get(world.url).text, "warnings")
    assert f"Nobody probes {NAMES[DATA]}." in coverage
    assert f"{NAMES[STRATEGY]} is a must-have probed by only one interviewer" in coverage

    add(client, world, bo, [STRATEGY, DATA])
    coverage = section(client.get(world.url).text, "warnings")
    assert "Nobody probes" not in coverage
    assert "probed by only one" not in coverage
    assert "Every competency of version 1 is probed" in coverage

    ada_interview = next(i for i in _interview_ids(world) if i[1] == ada)[0]
    response = post_form(client, f"{world.url}/{ada_interview}/remove", {}, headers=HTMX)
    assert response.status_code == 200
    coverage = section(response.text, "warnings")
    assert f"Nobody probes {NAMES[LEADING]}." in coverage
    assert f"{NAMES[STRATEGY]} is a must-have probed by only one interviewer" in coverage


def _interview_ids(world) -> list[tuple[int, str]]:
    with world.app.app_context():
        rows = db.session.execute(
            select(Interview.id, User.email)
            .join(User, User.id == Interview.interviewer_id)
            .where(Interview.candidate_id == world.candidate_id)
        ).all()
        db.session.remove()
    return [tuple(row) for row in rows]


@pytest.mark.parametrize("headers", [None, HTMX], ids=["plain", "htmx"])
def test_changing_an_interviewers_focus(world, headers):
    ada, _bo = world.interviewers
    interview_id = world.assign(ada, [STRATEGY])
    client = world.client()
    page = client.get(world.url).text
    assert f'id="focus-{interview_id}-{STRATEGY}" name="focus" value="{STRATEGY}" checked' in page
    response = add(client, world, ada, [LEADING, DATA], headers=headers, interview=interview_id)
    if headers:
        assert response.status_code == 200
        assert "Ada Lovelace's interview is changed." in section(response.text, "plan")
    else:
        assert response.status_code == 303
    assert world.planned() == {ada: [LEADING, DATA]}
    assert _interview_ids(world) == [(interview_id, ada)]  # the same interview, changed


def test_removing_asks_on_a_page_of_its_own_then_removes(world):
    ada, _bo = world.interviewers
    interview_id = world.assign(ada, [STRATEGY])
    client = world.client()
    remove = f"{world.url}/{interview_id}/remove"
    page = client.get(world.url).text
    # Without JavaScript the link opens the confirm page; with htmx it asks, then posts.
    assert f'href="{remove}"' in page
    assert f'hx-post="{remove}"' in page
    assert 'hx-confirm="Take Ada Lovelace off this interview plan?' in page
    confirm = client.get(remove)
    assert confirm.status_code == 200
    assert "Take Ada Lovelace off Casey Candidate's interview plan?" in text_of(confirm.text)
    assert f'action="{remove}" method="post"' in confirm.text
    assert world.planned() == {ada: [STRATEGY]}  # asking changed nothing

    response = post_form(client, remove, {}, csrf_from=remove)
    assert response.status_code == 303
    assert response.headers["Location"] == world.url
    assert world.planned() == {}
    assert "Ada Lovelace is off the plan." in text_of(client.get(world.url).text)


def test_removing_with_htmx_answers_the_plan(world):
    ada, _bo = world.interviewers
    interview_id = world.assign(ada, [STRATEGY])
    response = post_form(world.client(), f"{world.url}/{interview_id}/remove", {}, headers=HTMX)
    assert response.status_code == 200
    assert "<html" not in response.text
    plan = section(response.text, "plan")
    assert "Ada Lovelace is off the plan." in plan
    assert "No interviews planned yet." in plan
    assert world.planned() == {}


# --- bad input: the form again with field errors, nothing changed ---------------------------------


def _not_staff(world, kind: str) -> str:
    """An address that is not on the organisation's staff."""
    if kind == "nobody":
        return unique_email("stranger")
    if kind == "candidate":
        with world.app.app_context():
            email = unique_email("cand")
            accounts.register_candidate(db.session, email=email, password=PASSWORD, name="Cand")
            db.session.remove()
        return email
    with world.app.app_context():  # a recruiter of another organisation
        other = accounts.register_recruiter(
            db.session,
            email=unique_email("other"),
            password=PASSWORD,
            name="Other",
            organisation_name=f"Other org {world.organisation_id}",
        )
        email = other.email
        db.session.remove()
    return email


@pytest.mark.parametrize("headers", [None, HTMX], ids=["plain", "htmx"])
@pytest.mark.parametrize(
    ("case", "field", "message"),
    [
        ("focus-not-on-version", "focus", "Not on version 1 of this scorecard: stakeholder-"),
        ("focus-unknown", "focus", "Not on version 1 of this scorecard: no-such-thing."),
        ("no-focus", "focus", "Choose at least one competency to probe."),
        ("nobody", "interviewer", "is not a member of your organisation's staff."),
        ("candidate", "interviewer", "is not a member of your organisation's staff."),
        ("other-organisation", "interviewer", "is not a member of your organisation's staff."),
        ("blank-interviewer", "interviewer", "This is not a member of your organisation's staff."),
    ],
)
def test_bad_input_re_renders_the_form_with_field_errors_and_changes_nothing(
    world, case, field, message, headers
):
    ada, _bo = world.interviewers
    world.assign(_bo, [STRATEGY])
    before = world.planned()
    email, focus = ada, [LEADING]
    if case == "focus-not-on-version":
        focus = [LEADING, "stakeholder-communication"]
    elif case == "focus-unknown":
        focus = ["no-such-thing"]
    elif case == "no-focus":
        focus = []
    elif case == "blank-interviewer":
        email = ""
    elif field == "interviewer":
        email = _not_staff(world, case)
    response = add(world.client(), world, email, focus, headers=headers)
    assert response.status_code == 422
    assert world.planned() == before
    assert ("<html" in response.text) is (headers is None)
    plan = section(response.text, "plan")
    assert "The plan is unchanged." in plan
    assert message in plan
    error = re.search(rf'<small id="{field}-error" class="field-error">([^<]*)<', response.text)
    assert error, response.text
    assert message in unescape(error.group(1))
    if field == "interviewer":
        assert 'aria-invalid="true" aria-describedby="interviewer-error"' in response.text
    else:
        assert 'aria-describedby="focus-error"' in response.text
        # What was chosen is still chosen, to be corrected.
        if email == ada:
            assert f'<option value="{ada}" selected>' in response.text


def test_a_bad_focus_change_shows_its_error_in_that_interviewers_row(world):
    ada, _bo = world.interviewers
    interview_id = world.assign(ada, [STRATEGY])
    response = add(world.client(), world, ada, [], headers=HTMX, interview=interview_id)
    assert response.status_code == 422
    assert world.planned() == {ada: [STRATEGY]}
    assert f'<small id="focus-{interview_id}-error" class="field-error">' in response.text
    assert f'aria-describedby="focus-{interview_id}-error"' in response.text
    assert '<details class="change-focus" open>' in response.text


# --- who may see it ------------------------------------------------------------------------------


def test_another_organisations_scorecard_or_candidate_is_not_found(world, make_recruiter):
    ada, _bo = world.interviewers
    interview_id = world.assign(ada, [STRATEGY])
    other = make_recruiter()
    with world.app.app_context():
        actor = Actor.for_user(
            db.session.scalar(select(User).where(User.email == other.recruiter_email))
        )
        their_card = scorecards.create_scorecard(
            db.session, actor, {"title": "Theirs", "competencies": COMPETENCIES}
        )
        scorecards.publish(db.session, actor, their_card.id, their_card.revision)
        their_candidate = candidates.create_candidate(db.session, actor, {"name": "Theirs"}).id
        their_card = their_card.id
        db.session.remove()
    outsider = world.client(other.recruiter_email)
    assert outsider.get(world.url).status_code == 404
    assert add(outsider, world, ada, [STRATEGY]).status_code == 404
    remove = f"{world.url}/{interview_id}/remove"
    assert outsider.get(remove).status_code == 404
    assert post_form(outsider, remove, {}, csrf_from="/dashboard").status_code == 404
    assert world.planned() == {ada: [STRATEGY]}
    # Our recruiter cannot mix in their scorecard or their candidate either.
    client = world.client()
    mixed = [
        f"/scorecards/{their_card}/candidates/{world.candidate_id}/interviews",
        f"/scorecards/{world.scorecard_id}/candidates/{their_candidate}/interviews",
    ]
    for url in mixed:
        assert client.get(url).status_code == 404
    # An interview of another plan is not on this one.
    other_plan = f"/scorecards/{world.scorecard_id}/candidates/{world.candidate_id}/interviews"
    assert client.get(f"{other_plan}/999999/remove").status_code == 404


@pytest.mark.parametrize("who", ["interviewer", "candidate"])
def test_interviewers_and_candidates_are_refused_the_plan(world, make_candidate, who):
    ada, _bo = world.interviewers
    interview_id = world.assign(ada, [STRATEGY])
    client = world.client(ada if who == "interviewer" else make_candidate())
    assert client.get(world.url).status_code == 403
    assert client.get(f"{world.url}/{interview_id}/remove").status_code == 403
    token = csrf_token_from(client, "/account")
    response = client.post(
        world.url, data={"interviewer": ada, "focus": [DATA], "csrf_token": token}
    )
    assert response.status_code == 403
    response = client.post(f"{world.url}/{interview_id}/remove", data={"csrf_token": token})
    assert response.status_code == 403
    assert world.planned() == {ada: [STRATEGY]}


def test_visitors_sign_in_first(world, client):
    response = client.get(world.url)
    assert response.status_code == 302
    assert "/signin" in response.headers["Location"]


def test_a_never_published_scorecard_says_so_and_links_to_publishing(world):
    url = f"/scorecards/{world.draft_scorecard_id}/candidates/{world.candidate_id}/interviews"
    client = world.client()
    response = client.get(url)
    assert response.status_code == 422
    page = text_of(response.text)
    assert "This scorecard has never been published: publish it before planning interviews." in (
        page
    )
    assert f'href="/scorecards/{world.draft_scorecard_id}"' in response.text
    assert "Open “Unpublished role” to publish it" in page
    ada, _bo = world.interviewers
    refused = post_form(client, url, {"interviewer": ada, "focus": STRATEGY}, csrf_from="/account")
    assert refused.status_code == 422
    assert "never been published" in refused.text


# --- the evidence ---------------------------------------------------------------------------------


def test_statuses_show_a_draft_exists_but_never_its_content(world, app):
    ada, bo = world.interviewers
    world.assign(ada, [STRATEGY, LEADING])
    bo_interview = world.assign(bo, [STRATEGY, DATA])
    world.submit(ada, {STRATEGY: 4, LEADING: 3})
    with app.app_context():
        evaluations.save_draft(
            db.session,
            world.actor(bo),
            bo_interview,
            {
                "ratings": [{"competency": STRATEGY, "rating": 1, "note": "Bo's private note"}],
                "recommendation": "strong_no",
                "summary": "Bo's private summary",
            },
        )
        db.session.remove()
    response = world.client().get(world.url)
    plan = section(response.text, "plan")
    assert f"Ada Lovelace {ada} · interviewer · Submitted" in plan
    assert f"Bo Diddley {bo} · interviewer · Draft in progress (private to Bo Diddley" in plan
    for private in ("Bo's private note", "Bo's private summary", "Strong no 1"):
        assert private not in text_of(response.text)


def evidence_row(html: str, name: str) -> str:
    """The text of the evidence table's row of competency `name`."""
    table = re.search(r'<table class="evidence-table">.*?</table>', html, re.S).group(0)
    for row in re.findall(r"<tr[^>]*>.*?</tr>", table, re.S):
        if text_of(row).startswith(name):
            return text_of(row)
    raise AssertionError(f"no evidence row for {name}")


def test_the_evidence_shows_self_beside_interview_means_spread_and_tally(world):
    ada, bo = world.interviewers
    world.submit(ada, {STRATEGY: 2, LEADING: 3}, "no", notes={STRATEGY: "Vague on trade-offs."})
    client = world.client()
    html = client.get(world.url).text
    strategy = evidence_row(html, NAMES[STRATEGY])
    assert strategy.startswith(f"{NAMES[STRATEGY]} (must-have) 5 2 from 1 rating")
    assert "Ada Lovelace: 2 of 5 Vague on trade-offs." in strategy
    assert "differ" not in strategy
    assert evidence_row(html, NAMES[DATA]) == f"{NAMES[DATA]} Not assessed No ratings yet —"

    world.submit(bo, {STRATEGY: 5, DATA: 3}, "strong_yes")
    html = client.get(world.url).text
    strategy = evidence_row(html, NAMES[STRATEGY])
    # (2 + 5) / 2 = 3.5, and 5 - 2 = 3 levels apart: flagged in words.
    assert strategy.startswith(f"{NAMES[STRATEGY]} (must-have) 5 3.5 from 2 ratings")
    assert "Interviewers differ by 3 levels (2 or more is flagged)" in strategy
    assert "Bo Diddley: 5 of 5" in strategy
    assert evidence_row(html, NAMES[LEADING]).startswith(f"{NAMES[LEADING]} 2 3 from 1 rating")
    assert re.search(r'<tr class="spread-flagged">\s*<th scope="row">Product strategy', html)
    tally = text_of(re.search(r'<ul class="recommendation-tally".*?</ul>', html, re.S).group(0))
    assert tally == "Strong no 0 No 1 Mixed 0 Yes 0 Strong yes 1"
    assert "From 2 submitted evaluations." in text_of(html)


def test_the_history_shows_which_evaluation_supersedes_which(world):
    ada, _bo = world.interviewers
    first = world.submit(ada, {STRATEGY: 2})
    second = world.submit(ada, {STRATEGY: 4}, supersedes=first, summary="Corrected.")
    html = world.client().get(world.url).text
    history = re.search(r'<section class="evaluation-history".*?</section>', html, re.S).group(0)
    rows = [text_of(row) for row in re.findall(r"<tr[^>]*>.*?</tr>", history, re.S)][1:]
    assert rows[0].startswith(f"#{first} (version 1) Ada Lovelace Superseded by #{second}")
    assert rows[1].startswith(f"#{second} (version 1) Ada Lovelace Submitted corrects #{first}")
    assert "Corrected." in rows[1]
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT', history)
    # Only the correction counts: the mean is 4, from one rating.
    assert evidence_row(html, NAMES[STRATEGY]).startswith(
        f"{NAMES[STRATEGY]} (must-have) 5 4 from 1 rating"
    )


def test_notes_and_summaries_are_escaped(world):
    ada, _bo = world.interviewers
    world.submit(ada, {STRATEGY: 3}, notes={STRATEGY: XSS}, summary=XSS)
    client = world.client()
    for url in (world.url, f"/scorecards/{world.scorecard_id}/matches/{world.candidate_id}"):
        html = client.get(url).text
        assert "<script>alert" not in html
        assert "<img src=x" not in html
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html


# --- the match pages: interview levels marked, the evidence panel -------------------------------


def test_the_match_page_marks_interview_levels_and_shows_the_evidence_panel(world):
    ada, bo = world.interviewers
    world.submit(ada, {STRATEGY: 2}, "no", notes={STRATEGY: "Thin on pricing."})
    world.submit(bo, {STRATEGY: 5}, "yes")
    client = world.client()
    match = f"/scorecards/{world.scorecard_id}/matches/{world.candidate_id}"
    html = client.get(match).text
    # The radar's data table: 3.5 from interviews, tagged; leadership stays self-assessed.
    table = re.search(r">Target and level per competency</caption>.*?</table>", html, re.S)
    rows = [text_of(row) for row in re.findall(r"<tr>.*?</tr>", table.group(0), re.S)]
    assert f"{NAMES[STRATEGY]} (must-have) 4 3.5 interview" in rows
    assert f"{NAMES[LEADING]} 4 2" in rows
    assert "Levels tagged interview are the mean of submitted interview ratings" in text_of(html)
    assert '<span class="source-tag source-interview">Interview</span>' in html  # gaps table
    # The evidence panel, as on the plan page.
    strategy = evidence_row(html, NAMES[STRATEGY])
    assert strategy.startswith(f"{NAMES[STRATEGY]} (must-have) 5 3.5 from 2 ratings")
    assert "Interviewers differ by 3 levels" in strategy
    assert "Thin on pricing." in strategy
    tally = text_of(re.search(r'<ul class="recommendation-tally".*?</ul>', html, re.S).group(0))
    assert tally == "Strong no 0 No 1 Mixed 0 Yes 1 Strong yes 0"
    assert f'href="{world.url}"' in html  # "Plan interviews"


def test_blind_mode_keeps_notes_and_the_plan_link_back(world):
    ada, _bo = world.interviewers
    world.submit(ada, {STRATEGY: 2}, notes={STRATEGY: "Casey was vague."})
    html = (
        world.client()
        .get(f"/scorecards/{world.scorecard_id}/matches/{world.candidate_id}?blind=1")
        .text
    )
    assert "Casey was vague." not in html
    assert "Interviewers' notes are hidden in blind mode" in text_of(html)
    assert evidence_row(html, NAMES[STRATEGY]).startswith(f"{NAMES[STRATEGY]} (must-have) 5 2")
    assert f'href="{world.url}"' not in html  # the plan page would show the name


def test_the_board_and_compare_mark_interview_levels(world):
    ada, _bo = world.interviewers
    world.submit(ada, {LEADING: 3})
    with world.app.app_context():
        other = candidates.create_candidate(
            db.session,
            world.actor(),
            {"name": "Dee Self", "assessments": [{"competency": LEADING, "level": 1}]},
        ).id
        db.session.remove()
    client = world.client()
    board = client.get(f"/scorecards/{world.scorecard_id}/matches").text
    rows = re.findall(r"<tr>\s*<td><label.*?</tr>", board, re.S)
    casey_html = next(row for row in rows if "Casey Candidate" in row)
    casey, dee = text_of(casey_html), next(text_of(row) for row in rows if "Dee Self" in row)
    assert f"{NAMES[LEADING]}: 3 of 4 interview" in casey
    assert "Interview and self" in casey
    assert f'href="{world.url}"' in casey_html  # Plan interviews, from the row
    assert f"{NAMES[LEADING]}: 1 of 4" in dee
    assert "interview" not in dee.lower().replace("plan interviews", "")
    blind = client.get(f"/scorecards/{world.scorecard_id}/matches?blind=1").text
    assert f'href="{world.url}"' not in blind

    compare = client.get(
        f"/scorecards/{world.scorecard_id}/compare?candidate={world.candidate_id}&candidate={other}"
    ).text
    levels = re.search(r'<h2 id="levels-heading">.*?</section>', compare, re.S).group(0)
    row = next(text_of(r) for r in re.findall(r"<tr>.*?</tr>", levels, re.S) if NAMES[LEADING] in r)
    assert row == f"{NAMES[LEADING]} 4 3 (−1) interview 1 (−3)"
    assert "Levels tagged interview are the mean of submitted interview ratings" in text_of(levels)


def test_the_candidates_page_links_to_the_plan_of_each_published_scorecard(world):
    html = world.client().get(f"/candidates/{world.candidate_id}").text
    links = section_by_heading(html, "interviews-heading")
    assert "Chief Product Officer: Plan interviews for Chief Product Officer" in text_of(links)
    assert f'href="{world.url}"' in links
    assert "Unpublished role" not in links  # never published: nothing to plan against


def section_by_heading(html: str, heading_id: str) -> str:
    found = re.search(rf'<section aria-labelledby="{heading_id}".*?</section>', html, re.S)
    assert found, f"no section {heading_id}"
    return found.group(0)


# --- inviting interviewers ---------------------------------------------------------------------


def test_a_recruiter_invites_an_interviewer_who_joins_as_one(world, app):
    client = world.client()
    page = client.get("/invitations").text
    assert "<legend>Invite as</legend>" in page
    assert re.search(r'id="role-recruiter" name="role" value="recruiter"[^>]* checked', page)
    assert 'id="role-interviewer" name="role" value="interviewer"' in page
    email = unique_email("newinterviewer")
    response = post_form(client, "/invitations", {"email": email, "role": "interviewer"})
    assert response.status_code == 200
    assert f"Send this link to {email}, invited as an interviewer." in text_of(response.text)
    link = re.search(r'<p class="secret">https?://[^/]+(/invitations/[^<]+)</p>', response.text)
    pending = text_of(client.get("/invitations").text)
    assert f"{email} Interviewer {world.recruiter}" in pending

    visitor = app.test_client()
    accept = visitor.get(link.group(1))
    assert accept.status_code == 200
    assert f"You were invited as {email} to join" in text_of(accept.text)
    assert "as an interviewer." in text_of(accept.text)
    joined = post_form(visitor, link.group(1), {"name": "Ivy Interviewer", "password": PASSWORD})
    assert joined.status_code == 303
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        assert user.role == "interviewer"
        assert user.organisation_id == world.organisation_id
        db.session.remove()
    # The new interviewer can be planned at once, and cannot open the plan themselves.
    assert f'<option value="{email}">Ivy Interviewer ({email}, interviewer)' in (
        client.get(world.url).text
    )
    assert visitor.get(world.url).status_code == 403


@pytest.mark.parametrize("role", ["admin", "candidate", ""])
def test_an_invitation_with_another_role_is_refused_and_nothing_is_created(world, app, role):
    client = world.client()
    email = unique_email("refused")
    response = post_form(client, "/invitations", {"email": email, "role": role})
    assert response.status_code == 422
    assert "Invite as one of: recruiter, interviewer." in text_of(
        re.search(r'<small id="role-error"[^>]*>.*?</small>', response.text).group(0)
    )
    assert 'aria-describedby="role-error"' in response.text
    with app.app_context():
        assert db.session.scalar(select(Invitation).where(Invitation.email == email)) is None
        db.session.remove()


def test_an_invitation_without_a_role_invites_a_recruiter(world, app):
    email = unique_email("plain")
    response = post_form(world.client(), "/invitations", {"email": email})
    assert response.status_code == 200
    assert "invited as a recruiter" in text_of(response.text)
    with app.app_context():
        found = db.session.scalar(select(Invitation).where(Invitation.email == email))
        assert found.role == "recruiter"
        db.session.remove()


# --- the candidate's own readiness report: self-assessments only ----------------------------------


def test_a_candidates_readiness_never_shows_the_organisations_interview_data(
    world, app, make_candidate
):
    """A self-registered candidate shares with the organisation, which interviews them and rates
    them far below their self-assessment: their own roles page and report stay on self levels."""
    email = make_candidate()
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        profile = candidates.own_profile(db.session, user)
        candidates.update_candidate(
            db.session,
            Actor.for_user(user),
            profile.id,
            {
                "name": "Sam Shared",
                "assessments": [
                    {"competency": slug, "level": level} for slug, level in SELF_LEVELS.items()
                ],
            },
            profile.revision,
        )
        organisation = db.session.get(Organisation, world.organisation_id)
        candidates.share_with(db.session, user, organisation.slug)
        candidate_id = profile.id
        db.session.remove()
    ada, _bo = world.interviewers
    world.candidate_id = candidate_id
    world.submit(
        ada,
        {STRATEGY: 1, LEADING: 1},
        "strong_no",
        notes={STRATEGY: "SECRET-NOTE on strategy"},
        summary="SECRET-SUMMARY",
    )
    # Self: strategy 5 of 4, leadership 2 of 4, data 0 -> 100 * (3 + 2 * 0.5) / 6 = 66.7.
    # Interviews would make it 100 * (3 * 0.25 + 2 * 0.25) / 6 = 20.8.
    staff_view = world.client().get(f"/scorecards/{world.scorecard_id}/matches/{candidate_id}")
    assert "20.8" in text_of(staff_view.text)  # the organisation does see its interviews

    candidate = app.test_client()
    assert sign_in(candidate, email).status_code == 303
    for url in ("/roles", f"/roles/{world.scorecard_id}"):
        response = candidate.get(url)
        assert response.status_code == 200
        page = text_of(response.text)
        assert "Chief Product Officer" in page
        assert "score 66.7 of 100" in page
        assert "20.8" not in page
        for secret in ("SECRET-NOTE", "SECRET-SUMMARY", "Strong no", ada, "Ada Lovelace"):
            assert secret not in response.text
        assert "source-interview" not in response.text
    readiness = candidate.get("/api/v1/me/readiness").json
    ours = next(item for item in readiness if item["scorecard"]["id"] == world.scorecard_id)
    assert ours["match"]["score"] == 66.7
    assert {gap["source"] for gap in ours["match"]["gaps"]} <= {"self", None}
