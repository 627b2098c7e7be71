"""Structured interviews in a real browser: a recruiter plans two interviews, each interviewer
fills the kit (autosaved: a rating survives a reload, a note typed while an autosave lands loses
nothing) and submits it; the second cannot see the first's ratings before submitting and sees
them after; the match page and the board then show interview-based levels and the spread. Each
page is scanned with axe; the kit also works without JavaScript (save button, submit)."""

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import Organisation, User
from portal.services import accounts, candidates, interviews, scorecards
from portal.services.access import Actor
from tests.conftest import PASSWORD, unique_email

from .pages import (
    HeldRequests,
    InterviewKit,
    InterviewPlanPage,
    MatchBoard,
    Nav,
    SignInPage,
    axe_violations,
    describe_violations,
)

STRATEGY = "product-strategy"
LEADERSHIP = "team-leadership"
DATA = "data-driven-decision-making"
ROLE = {
    "title": "VP Product",
    "mission": "Turn the platform into a product line.",
    "outcomes": ["Ship the 2027 roadmap"],
    "competencies": [
        {"competency": STRATEGY, "weight": 3, "target_level": 4, "must_have": True},
        {"competency": LEADERSHIP, "weight": 2, "target_level": 4, "must_have": False},
        {"competency": DATA, "weight": 1, "target_level": 3, "must_have": False},
    ],
}
CANDIDATE = "Casey Candidate"
ADA_NOTE = "Told a clear strategy story about the 2024 platform bet."
BO_NOTE = "Struggled to link the strategy to company goals."
SAVE_URL = re.compile(r"/interviews/\d+/draft$")
DASHBOARD_URL = re.compile(r"/dashboard$")
KIT_URL = re.compile(r"/interviews/\d+$")
PLAN_URL = re.compile(r"/scorecards/\d+/candidates/\d+/interviews$")


def assert_accessible(page: Page, where: str) -> None:
    violations = axe_violations(page)
    assert not violations, f"axe found problems on {where}:\n{describe_violations(violations)}"


def sign_in(page: Page, email: str) -> None:
    SignInPage(page).open().sign_in(email, PASSWORD)
    expect(page).to_have_url(DASHBOARD_URL)


@pytest.fixture
def hiring(app, make_recruiter) -> dict:
    """An organisation with a published role, a self-assessed candidate and two interviewers."""
    made = make_recruiter()
    with app.app_context():
        session = db.session
        recruiter = Actor.for_user(
            session.scalar(select(User).where(User.email == made.recruiter_email))
        )
        organisation = session.get(Organisation, made.organisation_id)
        people = {}
        for name in ("Ada Interviewer", "Bo Interviewer"):
            people[name] = accounts.create_user(
                session,
                email=unique_email(name.split()[0].lower()),
                password=PASSWORD,
                role="interviewer",
                name=name,
                organisation=organisation,
            ).email
        session.commit()
        scorecard = scorecards.create_scorecard(session, recruiter, ROLE)
        scorecards.publish(session, recruiter, scorecard.id, scorecard.revision)
        candidate = candidates.create_candidate(
            session,
            recruiter,
            {
                "name": CANDIDATE,
                "headline": "Head of Product at Acme",
                "assessments": [
                    {"competency": STRATEGY, "level": 2},
                    {"competency": LEADERSHIP, "level": 2},
                    {"competency": DATA, "level": 3},
                ],
            },
        )
        found = {
            "recruiter": made.recruiter_email,
            "ada": people["Ada Interviewer"],
            "bo": people["Bo Interviewer"],
            "scorecard": scorecard.id,
            "candidate": candidate.id,
        }
        session.remove()
    return found


def open_kit_from_dashboard(page: Page) -> InterviewKit:
    """The interviewer's dashboard lists the interview; its link opens the kit."""
    expect(page.get_by_role("heading", name="Interviews to do")).to_be_visible()
    page.get_by_role("link", name=f"Open the kit for {CANDIDATE}").click()
    expect(page).to_have_url(KIT_URL)
    kit = InterviewKit(page)
    expect(kit.heading).to_have_text(f"Interview kit: {CANDIDATE}")
    return kit


def test_two_interviewers_fill_their_kits_and_the_match_uses_their_ratings(new_page, hiring):
    # A recruiter plans two interviews on the plan page.
    recruiter = new_page()
    sign_in(recruiter, hiring["recruiter"])
    plan = InterviewPlanPage(recruiter).open(hiring["scorecard"], hiring["candidate"])
    expect(plan.heading).to_have_text(f"Interviews: {CANDIDATE}")
    plan.add_interviewer(hiring["ada"], [STRATEGY, LEADERSHIP])
    expect(plan.plan.get_by_role("heading", name="Ada Interviewer")).to_be_visible()
    plan.add_interviewer(hiring["bo"], [STRATEGY, DATA])
    expect(plan.plan.get_by_role("heading", name="Bo Interviewer")).to_be_visible()
    expect(recruiter).to_have_url(PLAN_URL)
    assert_accessible(recruiter, "the interview plan")

    # The first interviewer lands on their interviews to do; their navigation is narrow.
    ada = new_page()
    sign_in(ada, hiring["ada"])
    nav = Nav(ada)
    expect(nav.root.get_by_role("link", name="Interviews", exact=True)).to_be_visible()
    for staff_only in ("Scorecards", "Candidates", "API keys"):
        expect(nav.root.get_by_role("link", name=staff_only, exact=True)).to_have_count(0)
    assert_accessible(ada, "the interviewer's dashboard")
    kit = open_kit_from_dashboard(ada)
    expect(kit.saved).to_have_text("Nothing saved yet: your ratings save as you go.")
    expect(kit.competency(DATA)).to_have_count(0)  # not Ada's focus
    expect(kit.others).to_contain_text("Hidden until you submit yours")
    assert_accessible(ada, "the kit (not started)")

    # A rating autosaves with a visible saved state, and is there after a reload.
    kit.rating(STRATEGY, "4 · Advanced").check()
    expect(kit.saved).to_contain_text("Draft saved at")
    kit.settled()
    ada.reload()
    expect(kit.rating(STRATEGY, "4 · Advanced")).to_be_checked()
    expect(kit.saved).to_contain_text("Draft saved at")

    # An autosave lands while a note is being typed: nothing typed is lost, focus stays.
    held = HeldRequests(ada, SAVE_URL)  # the autosave's answer is slow
    kit.rating(LEADERSHIP, "3 · Proficient").check()  # autosaves; the answer is slow
    kit.note(STRATEGY).click()
    ada.keyboard.type(ADA_NOTE[:20])
    held.release()  # the status swaps in while the note is half typed
    kit.settled()
    ada.keyboard.type(ADA_NOTE[20:])
    expect(kit.note(STRATEGY)).to_be_focused()
    expect(kit.note(STRATEGY)).to_have_value(ADA_NOTE)
    expect(kit.rating(LEADERSHIP, "3 · Proficient")).to_be_checked()
    with ada.expect_response(SAVE_URL):
        ada.keyboard.press("Tab")  # leaving the note saves it at once
    kit.settled()
    expect(kit.saved).to_contain_text("Draft saved at")
    ada.reload()
    expect(kit.note(STRATEGY)).to_have_value(ADA_NOTE)
    expect(kit.rating(LEADERSHIP, "3 · Proficient")).to_be_checked()

    kit.recommendation("Yes").check()
    kit.summary.fill("A strategist; leadership is solid.")
    kit.settled()
    kit.submit.click()
    expect(kit.heading).to_have_text(f"Submit your evaluation of {CANDIDATE}?")
    expect(ada.locator("main")).to_contain_text("Submitted evaluations are final")
    assert_accessible(ada, "the submit confirmation")
    ada.locator("main").get_by_role("button", name="Submit evaluation").click()
    expect(ada).to_have_url(KIT_URL)
    expect(ada.locator("main")).to_contain_text("Your evaluation is submitted")
    expect(kit.correct).to_be_visible()
    expect(kit.competency(STRATEGY)).to_contain_text("Your rating: 4 · Advanced")
    expect(kit.others).to_contain_text("No other interviewer has submitted")
    assert_accessible(ada, "the kit (submitted)")

    # The second interviewer sees nothing of the first's before submitting their own.
    bo = new_page()
    sign_in(bo, hiring["bo"])
    kit = open_kit_from_dashboard(bo)
    expect(kit.others).to_contain_text("Hidden until you submit yours")
    expect(kit.root).not_to_contain_text(ADA_NOTE)
    expect(kit.root).not_to_contain_text("Ada Interviewer")
    assert_accessible(bo, "the second kit (others hidden)")
    kit.rating(STRATEGY, "2 · Developing").check()
    kit.note(STRATEGY).fill(BO_NOTE)
    kit.rating(DATA, "4 · Advanced").check()
    kit.recommendation("Mixed").check()
    kit.settled()
    kit.confirm_submit()
    expect(bo.locator("main")).to_contain_text("Your evaluation is submitted")
    expect(kit.others).to_contain_text("Ada Interviewer")
    expect(kit.others).to_contain_text(ADA_NOTE)
    expect(kit.others).to_contain_text("4 · Advanced")
    assert_accessible(bo, "the second kit (submitted, others shown)")

    # The match uses the interview levels: strategy (4 + 2) / 2 = 3, flagged for its spread.
    recruiter.goto(f"/scorecards/{hiring['scorecard']}/matches/{hiring['candidate']}")
    evidence = recruiter.locator("section.interview-evidence")
    expect(evidence).to_contain_text("Interviewers differ by 2 levels")
    expect(evidence).to_contain_text(ADA_NOTE)
    expect(recruiter.locator(".source-interview").first).to_be_visible()
    assert_accessible(recruiter, "the match page with interview evidence")
    recruiter.goto(f"/scorecards/{hiring['scorecard']}/matches")
    board = MatchBoard(recruiter)
    row = recruiter.locator("table.match-board tbody tr").filter(has_text=CANDIDATE)
    expect(row.get_by_text("Interview", exact=True)).to_be_visible()  # the levels' source
    strategy_gap = row.get_by_role("listitem").filter(has_text="Product strategy and vision")
    expect(strategy_gap.locator(".source-interview")).to_be_visible()
    expect(board.row_links).to_have_text([CANDIDATE])
    assert_accessible(recruiter, "the board with interview levels")


def test_the_kit_without_javascript_saves_with_its_button_and_submits(
    app, new_page, hiring, browser_errors
):
    with app.app_context():
        recruiter = Actor.for_user(
            db.session.scalar(select(User).where(User.email == hiring["recruiter"]))
        )
        interview_id = interviews.assign(
            db.session, recruiter, hiring["scorecard"], hiring["candidate"], hiring["ada"], [DATA]
        ).id
        db.session.remove()
    browser_errors.allow_status(422, f"/interviews/{interview_id}/submit")
    page = new_page(java_script_enabled=False)
    sign_in(page, hiring["ada"])
    kit = open_kit_from_dashboard(page)

    kit.rating(DATA, "3 · Proficient").check()
    kit.note(DATA).fill("Reads the funnel numbers fluently.")
    kit.save.click()
    expect(page).to_have_url(KIT_URL)
    expect(page.locator("main")).to_contain_text("Draft saved at")
    expect(kit.rating(DATA, "3 · Proficient")).to_be_checked()
    expect(kit.note(DATA)).to_have_value("Reads the funnel numbers fluently.")

    # Submitting without a recommendation is refused, naming the missing field.
    kit.confirm_submit()
    expect(page.locator("#error-recommendation")).to_have_text(
        "Choose an overall recommendation before submitting."
    )
    expect(kit.note(DATA)).to_have_value("Reads the funnel numbers fluently.")

    kit.recommendation("Strong yes").check()
    kit.confirm_submit()
    expect(page.locator("main")).to_contain_text("Your evaluation is submitted")
    expect(kit.competency(DATA)).to_contain_text("Your rating: 3 · Proficient")
    expect(kit.save).to_have_count(0)
    # A correction supersedes it, and both stay in the history.
    kit.correct.click()
    expect(page.locator("main")).to_contain_text("Correction:")
    kit.rating(DATA, "4 · Advanced").check()
    kit.confirm_submit()
    expect(kit.history.locator(".badge-superseded")).to_have_count(1)
    expect(kit.history.locator(".badge-current")).to_have_count(1)
    expect(kit.competency(DATA)).to_contain_text("Your rating: 4 · Advanced")
