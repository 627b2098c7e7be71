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
from portal.models import Interview, Organisation, User
from portal.services import accounts, candidates, evaluations, interviews, scorecards
from portal.services.access import Actor
from tests.conftest import PASSWORD, post_form, sign_in, unique_email

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
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


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
