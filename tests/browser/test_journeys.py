"""Whole journeys in a real browser, each with and without JavaScript, every page scanned by axe.

A recruiter signs up (confirmed by the mailed link) and invites two interviewers, who join
through their links; the recruiter clones the CPO benchmark and publishes it, bulk-imports a
handful of candidates, ranks them on the board, tries a what-if and exports that ranking as CSV,
goes blind, compares three, opens the first one's match, reveals them and plans their interviews.
Each interviewer fills their kit and submits it. A candidate signs up through the recruiter's
share link, shares, imports a JSON Resume, assesses themselves and reads their readiness report
for the recruiter's role.

Every address each person's page visits is scanned (see axe_tour), and the test fails on an
address left unscanned or on any serious or critical violation.
"""

import csv
import io
import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from portal.services.framework_loader import read_framework_file
from tests.conftest import PASSWORD, SAMPLE_RESUME, sign_up_link, unique_email

from .axe_tour import AxeTour
from .pages import (
    BulkImportPage,
    ImportJobPage,
    InterviewKit,
    InterviewPlanPage,
    MatchBoard,
    Nav,
    ProfileForm,
    ProfileNav,
    ResumeImport,
    ScorecardBuilder,
    ScorecardList,
    SelfAssessment,
    ShareLink,
    SharePage,
    SignUpPage,
)
from .test_bulk_import import csv_bytes

ROLE_TITLE = "CPO benchmark"  # the clone keeps the benchmark's title
ORGANISATION = "Journey Hiring Co"
STRATEGY, STRATEGY_NAME = "product-strategy", "Product strategy and vision"
LEADERSHIP = "team-leadership"
DATA = "data-driven-decision-making"
BENCHMARK = [entry["competency"] for entry in read_framework_file()["benchmark"]["competencies"]]


def person(name: str, level: int, strong: dict[str, int] | None = None) -> dict:
    """A CSV row: every benchmark competency at `level`, except the `strong` ones."""
    levels = {slug: str((strong or {}).get(slug, level)) for slug in BENCHMARK}
    return {
        "name": name,
        "email": name.split()[0].lower() + "@journey.example",
        "years_product": "12",
        "years_leadership": "8",
        "education": "master",
        **levels,
    }


# Strategy weighs 5 in the benchmark and data 3: Bo (strong in strategy) ranks above Cy (strong
# in data) until a what-if makes strategy weigh 1.
POOL = [
    person("Ada Allround", 5),
    person("Bo Strategist", 3, {STRATEGY: 5}),
    person("Cy Analyst", 3, {DATA: 5}),
    person("Di Newcomer", 1),
]
ORDER = ["Ada Allround", "Bo Strategist", "Cy Analyst", "Di Newcomer"]
WHAT_IF_ORDER = ["Ada Allround", "Cy Analyst", "Bo Strategist", "Di Newcomer"]
INTERVIEWED = "Ada Allround"
INTERVIEWERS = {"Ivy Interviewer": [STRATEGY, LEADERSHIP], "Jon Interviewer": [STRATEGY, DATA]}

DASHBOARD_URL = re.compile(r"/dashboard$")
BUILDER_URL = re.compile(r"/scorecards/\d+$")
JOB_URL = re.compile(r"/candidates/bulk/\d+$")
BOARD_URL = re.compile(r"/scorecards/\d+/matches(\?.*)?$")
MATCH_URL = re.compile(r"/scorecards/\d+/matches/\d+(\?.*)?$")
COMPARE_URL = re.compile(r"/scorecards/\d+/compare\?.*$")
PLAN_URL = re.compile(r"/scorecards/\d+/candidates/\d+/interviews$")
KIT_URL = re.compile(r"/interviews/\d+$")
SHARE_URL = re.compile(r"/share/[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}$")
REPORT_URL = re.compile(r"/roles/\d+$")
BLIND_LABEL = re.compile(r"^Candidate [0-9A-Z]+$")


class Journey:
    """One run of the journeys: JavaScript on or off, and the axe tour of every page."""

    def __init__(self, new_page, javascript: bool) -> None:
        self.new_page, self.javascript = new_page, javascript
        self.tour = AxeTour(None if javascript else new_page())

    def open_page(self, who: str) -> Page:
        return self.tour.watch(self.new_page(java_script_enabled=self.javascript), who)

    def scan(self, page: Page, where: str) -> None:
        self.tour.scan(page, where)

    def settle(self, page: Page) -> None:
        """With htmx, wait until the swap has landed (without, each step is a page load)."""
        if self.javascript:
            expect(page.locator(".htmx-request, .htmx-swapping, .htmx-settling")).to_have_count(0)


def sign_up(journey: Journey, page: Page, send_form, email: str) -> None:
    """On the sign-up form: send it (`send_form` fills it in for `email` and sends it), open
    the link mailed to `email` and create the account."""
    journey.scan(page, "sign-up form")
    send_form()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your inbox")
    journey.scan(page, "sign-up sent")
    page.goto(sign_up_link(email))
    journey.scan(page, "sign-up confirmation")
    page.get_by_role("button", name="Create my account").click()


# --- the recruiter ------------------------------------------------------------------------------


def recruiter_signs_up(journey: Journey, page: Page) -> None:
    email = unique_email("journey-recruiter")
    form = SignUpPage(page).open()
    sign_up(
        journey,
        page,
        lambda: form.send_recruiter("Rae Recruiter", email, PASSWORD, ORGANISATION),
        email,
    )
    expect(page).to_have_url(DASHBOARD_URL)
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Rae Recruiter")
    journey.scan(page, "recruiter dashboard")


def invite_interviewers(journey: Journey, page: Page, emails: dict[str, str]) -> dict[str, str]:
    """Invite each interviewer by email; answers each one's invitation link by name."""
    page.get_by_role("link", name="Invite a colleague").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invite a colleague")
    journey.scan(page, "invitations")
    links = {}
    for name, email in emails.items():
        page.get_by_label("Colleague's email").fill(email)
        page.get_by_role("radio", name="Interviewer").check()
        page.get_by_role("button", name="Create invitation link").click()
        issued = page.locator("#invitations").get_by_role("status")
        expect(issued).to_contain_text(f"Send this link to {email}, invited as an interviewer")
        links[name] = page.locator("#invitations .secret").inner_text().strip()
        journey.settle(page)
    expect(page.locator("#invitations tbody tr")).to_have_count(len(emails))
    journey.scan(page, "invitations (two pending)")
    return links


def clone_and_publish_the_benchmark(journey: Journey, page: Page) -> None:
    listing = ScorecardList(page)
    listing.nav_link.click()
    expect(listing.heading).to_have_text("Role scorecards")
    journey.scan(page, "scorecard list")
    listing.from_benchmark.click()
    expect(page).to_have_url(BUILDER_URL)
    page.wait_for_load_state()  # htmx's redirect is a full page load; htmx sets it up on load
    builder = ScorecardBuilder(page)
    expect(builder.heading).to_have_text("CPO benchmark")
    journey.scan(page, "builder (the benchmark's clone)")
    builder.publish.click()
    expect(builder.publish).to_have_text("Publish version 2")
    expect(builder.root.locator(".badge")).to_have_text("published")
    journey.settle(page)


def bulk_import_the_pool(journey: Journey, page: Page) -> None:
    Nav(page).root.get_by_role("link", name="Candidates", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Candidates")
    journey.scan(page, "candidate pool (empty)")
    page.get_by_role("button", name="Bulk import").click()  # a link styled as a button
    bulk = BulkImportPage(page)
    expect(bulk.file).to_be_visible()
    journey.scan(page, "bulk import form")

    bulk.upload("pool.csv", csv_bytes(POOL))
    expect(page).to_have_url(JOB_URL)
    job = ImportJobPage(page)
    if not journey.javascript:  # the page says to refresh; a person clicks until it is done
        for _ in range(100):
            if "Done" in job.progress.inner_text():
                break
            job.refresh.click()
    expect(job.progress).to_contain_text("Done")
    expect(job.count("created")).to_have_text(str(len(POOL)))
    expect(job.count("failed")).to_have_text("0")
    journey.scan(page, "import job (done)")


def apply(journey: Journey, board: MatchBoard) -> None:
    """With htmx the board re-ranks on change; without, the form is sent with its button."""
    if journey.javascript:
        journey.settle(board.page)
    else:
        board.update.click()
    expect(board.page).to_have_url(BOARD_URL)


def rank_try_a_what_if_and_export(journey: Journey, page: Page) -> MatchBoard:
    ScorecardList(page).nav_link.click()
    page.get_by_role("link", name=f"Match candidates for {ROLE_TITLE}").click()
    expect(page).to_have_url(BOARD_URL)
    board = MatchBoard(page)
    expect(board.heading).to_have_text(f"Matches for {ROLE_TITLE}")
    expect(board.row_links).to_have_text(ORDER)
    journey.scan(page, "match board")

    board.open_what_if()
    board.weight(STRATEGY_NAME).select_option("1")
    apply(journey, board)
    expect(board.what_if_banner).to_be_visible()
    expect(board.row_links).to_have_text(WHAT_IF_ORDER)
    journey.scan(page, "match board (what-if)")

    with page.expect_download() as info:
        page.get_by_role("link", name="Download this ranking as CSV").click()
    text = Path(info.value.path()).read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [row["Candidate"] for row in rows] == WHAT_IF_ORDER  # the ranking on screen
    assert [row["Rank"] for row in rows] == ["1", "2", "3", "4"]
    return board


def go_blind_compare_and_reveal(journey: Journey, page: Page, board: MatchBoard) -> None:
    board.blind.check()
    apply(journey, board)
    for link in board.row_links.all():
        expect(link).to_have_text(BLIND_LABEL)
    expect(board.results.get_by_text(INTERVIEWED)).to_have_count(0)
    journey.scan(page, "match board (blind)")
    label = board.row_links.first.inner_text()

    for index in range(3):
        board.compare_boxes.nth(index).check()
    board.compare.click()
    expect(page).to_have_url(COMPARE_URL)
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(f"Compare candidates for {ROLE_TITLE}")
    people = page.locator("section[aria-labelledby=overview-heading] table thead th a")
    expect(people).to_have_count(3)
    expect(people.first).to_have_text(label)
    journey.scan(page, "compare three (blind)")

    people.first.click()
    expect(page).to_have_url(MATCH_URL)
    expect(heading).to_have_text(label)
    expect(page.locator("main")).not_to_contain_text(INTERVIEWED)
    expect(page.locator("svg[role=img]").first).to_be_visible()
    journey.scan(page, "match page (blind)")
    page.get_by_role("button", name="Reveal who this is").click()
    expect(heading).to_have_text(INTERVIEWED)
    journey.scan(page, "match page (revealed)")


def plan_interviews(journey: Journey, page: Page, emails: dict[str, str]) -> None:
    page.get_by_role("link", name=f"Plan interviews for {INTERVIEWED}").click()
    expect(page).to_have_url(PLAN_URL)
    plan = InterviewPlanPage(page)
    expect(plan.heading).to_have_text(f"Interviews: {INTERVIEWED}")
    journey.scan(page, "interview plan (empty)")
    for name, focus in INTERVIEWERS.items():
        plan.add_interviewer(emails[name], focus)
        expect(plan.plan.get_by_role("heading", name=name)).to_be_visible()
        expect(page).to_have_url(PLAN_URL)
        journey.settle(page)
    journey.scan(page, "interview plan (two interviews)")


def recruiter_sees_the_evaluations(page: Page) -> None:
    page.reload()
    statuses = InterviewPlanPage(page).plan.locator(".interview-status")
    expect(statuses).to_have_text(["Submitted", "Submitted"])


# --- the interviewers ---------------------------------------------------------------------------


def interviewer_joins(journey: Journey, page: Page, name: str, link: str) -> None:
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Join your team")
    journey.scan(page, "invitation")
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Join").click()
    expect(page).to_have_url(DASHBOARD_URL)
    expect(page.get_by_role("heading", name="Interviews to do")).to_be_visible()
    journey.scan(page, "interviewer dashboard")


def interviewer_fills_the_kit(journey: Journey, page: Page, name: str) -> None:
    Nav(page).dashboard.click()
    page.get_by_role("link", name=f"Open the kit for {INTERVIEWED}").click()
    expect(page).to_have_url(KIT_URL)
    kit = InterviewKit(page)
    expect(kit.heading).to_have_text(f"Interview kit: {INTERVIEWED}")
    expect(kit.others).to_contain_text("Hidden until you submit yours")
    journey.scan(page, "interview kit")

    for slug in INTERVIEWERS[name]:
        kit.rating(slug, "4 · Advanced").check()
        journey.settle(page)
    kit.note(STRATEGY).fill(f"{name}: a clear strategy story.")
    kit.recommendation("Yes").check()
    kit.summary.fill(f"{name} recommends {INTERVIEWED}.")
    if journey.javascript:
        kit.summary.press("Tab")  # leaving a field saves the draft at once
    else:
        kit.save.click()
        expect(page).to_have_url(KIT_URL)
    expect(kit.saved).to_contain_text("Draft saved at")
    journey.settle(page)

    kit.submit.click()
    expect(kit.heading).to_have_text(f"Submit your evaluation of {INTERVIEWED}?")
    journey.scan(page, "submit confirmation")
    page.locator("main").get_by_role("button", name="Submit evaluation").click()
    expect(page).to_have_url(KIT_URL)
    expect(page.locator("main")).to_contain_text("Your evaluation is submitted")
    expect(kit.competency(STRATEGY)).to_contain_text("Your rating: 4 · Advanced")
    journey.scan(page, "interview kit (submitted)")


# --- the candidate ------------------------------------------------------------------------------


def candidate_signs_up_and_shares(journey: Journey, page: Page, share_url: str) -> None:
    page.goto(share_url)
    invitation = SharePage(page)
    expect(invitation.heading).to_contain_text(f"{ORGANISATION} invites you to share")
    expect(invitation.roles).to_contain_text(ROLE_TITLE)
    journey.scan(page, "share invitation (signed out)")
    invitation.sign_up.click()
    form = SignUpPage(page)
    expect(form.candidate).to_be_checked()
    email = unique_email("journey-candidate")

    def send_form() -> None:
        form.name.fill("Cam Candidate")
        form.email.fill(email)
        form.password.fill(PASSWORD)
        form.submit.click()

    sign_up(journey, page, send_form, email)
    expect(page).to_have_url(SHARE_URL)  # back on the invitation
    invitation.share_button(ORGANISATION).click()
    expect(invitation.action).to_contain_text(f"You share your profile with {ORGANISATION}")
    journey.scan(page, "share invitation (shared)")


def candidate_imports_a_resume(journey: Journey, page: Page, tmp_path: Path) -> None:
    Nav(page).root.get_by_role("link", name="My profile", exact=True).click()
    journey.scan(page, "profile")
    ProfileNav(page).import_resume.click()
    resume = ResumeImport(page)
    expect(resume.file).to_be_visible()
    journey.scan(page, "resume import form")
    path = tmp_path / "resume.json"
    path.write_text(json.dumps(SAMPLE_RESUME), encoding="utf-8")
    resume.file.set_input_files(str(path))
    resume.read.click()
    expect(resume.found("Name")).to_have_text(SAMPLE_RESUME["basics"]["name"])
    journey.scan(page, "resume review")
    resume.save.click()
    expect(page).to_have_url(re.compile(r"/profile$"))
    expect(ProfileForm(page).name).to_have_value(SAMPLE_RESUME["basics"]["name"])


def candidate_assesses_themselves(journey: Journey, page: Page) -> None:
    ProfileNav(page).assessment.click()
    assessment = SelfAssessment(page)
    for slug, level in ((STRATEGY, 3), (LEADERSHIP, 2)):
        assessment.level(slug, level).check()
        assessment.evidence(slug).fill(f"Evidence for {slug} at {level}.")
        assessment.save(slug).click()
        expect(assessment.card(slug)).to_contain_text(f"assessed at {level}")
        journey.settle(page)
    journey.scan(page, "self-assessment (two saved)")


def candidate_reads_the_readiness_report(journey: Journey, page: Page) -> None:
    Nav(page).root.get_by_role("link", name="Roles", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Roles")
    journey.scan(page, "roles")
    roles = page.locator("section[aria-labelledby=roles-heading]")
    roles.get_by_role("link", name=ROLE_TITLE, exact=True).click()
    expect(page).to_have_url(REPORT_URL)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Readiness for {ROLE_TITLE}")
    gaps = page.locator("section[aria-labelledby=gaps-heading] ol.gaps > li")
    strategy = gaps.filter(has=page.get_by_role("heading", name=re.compile(STRATEGY_NAME)))
    expect(strategy).to_contain_text("Where you are")
    expect(strategy).to_contain_text("What the role needs")
    journey.scan(page, "readiness report")


# --- the journeys -------------------------------------------------------------------------------


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_recruiter_two_interviewers_and_a_candidate_go_through_hiring(
    new_page, tmp_path, javascript
):
    journey = Journey(new_page, javascript)
    emails = {name: unique_email(name.split()[0].lower()) for name in INTERVIEWERS}

    recruiter = journey.open_page("recruiter")
    recruiter_signs_up(journey, recruiter)
    share_url = ShareLink(recruiter).url.input_value()
    links = invite_interviewers(journey, recruiter, emails)
    interviewers = {name: journey.open_page(name) for name in INTERVIEWERS}
    for name, page in interviewers.items():
        interviewer_joins(journey, page, name, links[name])

    clone_and_publish_the_benchmark(journey, recruiter)
    bulk_import_the_pool(journey, recruiter)
    board = rank_try_a_what_if_and_export(journey, recruiter)
    go_blind_compare_and_reveal(journey, recruiter, board)
    plan_interviews(journey, recruiter, emails)

    for name, page in interviewers.items():
        interviewer_fills_the_kit(journey, page, name)
    recruiter_sees_the_evaluations(recruiter)

    candidate = journey.open_page("candidate")
    candidate_signs_up_and_shares(journey, candidate, share_url)
    candidate_imports_a_resume(journey, candidate, tmp_path)
    candidate_assesses_themselves(journey, candidate)
    candidate_reads_the_readiness_report(journey, candidate)

    journey.tour.assert_clean()


NOSCRIPT_ONLY = """<!doctype html><html lang="en"><head><title>Without JavaScript</title>
<link rel="stylesheet" href="/static/css/portal.css"></head>
<body><main><h1>Without JavaScript</h1>
<noscript><img src="/static/favicon.svg"></noscript></main></body></html>"""


def test_a_page_without_javascript_is_scanned_as_its_visitor_sees_it(new_page):
    """The copy scanned for a page without JavaScript shows its <noscript> content: an image
    without a text alternative there is found."""
    page = new_page(java_script_enabled=False)
    tour = AxeTour(new_page())
    tour.watch(page, "visitor")
    html = {"content_type": "text/html", "body": NOSCRIPT_ONLY}
    page.route("**/noscript-only", lambda route: route.fulfill(**html))
    page.goto("/noscript-only")
    tour.scan(page, "a page with an image for visitors without JavaScript")

    with pytest.raises(AssertionError, match=r"\[critical\] image-alt"):
        tour.assert_clean()
