"""Phone and keyboard: every main page fits a 390 px wide screen without sideways scrolling, the
navigation collapses behind a "Menu" that opens without JavaScript, destructive actions confirm
on a page of their own, and the API docs are Swagger UI's own look with human section names."""

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import ImportJob, User
from portal.services import candidates, scorecards
from portal.services.access import Actor
from tests.conftest import PASSWORD

from .pages import Nav, SignInPage, axe_violations, describe_violations

PHONE = {"width": 390, "height": 844}
SMALL_PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
DASHBOARD_URL = re.compile(r"/dashboard$")


def assert_accessible(page: Page, where: str) -> None:
    violations = axe_violations(page)
    assert not violations, f"{where}:\n{describe_violations(violations)}"


def assert_fits(page: Page, where: str) -> None:
    widths = page.evaluate(
        "() => ({document: document.documentElement.scrollWidth, viewport: window.innerWidth})"
    )
    assert widths["document"] <= widths["viewport"], f"{where} scrolls sideways: {widths}"


def sign_in(page: Page, email: str) -> None:
    page.goto("/signin")
    SignInPage(page).sign_in(email, PASSWORD)
    expect(page).to_have_url(DASHBOARD_URL)


class World:
    """An organisation with a published scorecard, a pool candidate with assessments, an import
    job and a key; a candidate sharing a full profile with it."""

    def __init__(self, app, make_recruiter, make_candidate, make_api_key):
        self.org = make_recruiter(organisation_name="Northwind Product Recruiting Partners")
        self.candidate_email = make_candidate()
        make_api_key(self.org.organisation_id, ["matches:read", "candidates:read"])
        with app.app_context():
            recruiter = db.session.scalar(select(User).filter_by(email=self.org.recruiter_email))
            actor = Actor.for_user(recruiter)
            scorecard = scorecards.clone_benchmark(db.session, actor)
            scorecards.publish(db.session, actor, scorecard.id, scorecard.revision)
            self.scorecard_id = scorecard.id
            self.pool_id = candidates.create_candidate(
                db.session,
                actor,
                {
                    "name": "Pat Pool-Worthington-Hyphenated",
                    "headline": "Vice President of Product Management, Enterprise Platforms",
                    "years_product": 11,
                    "years_leadership": 6,
                    "education": "master",
                    "assessments": [
                        {"competency": "product-strategy", "level": 4, "evidence": "Ran it."},
                        {"competency": "team-leadership", "level": 3, "evidence": "Grew a team."},
                    ],
                },
            ).id
            user = db.session.scalar(select(User).filter_by(email=self.candidate_email))
            candidates.share_with(db.session, user, self.org.slug)
            self.shared_id = candidates.own_profile(db.session, user).id
            job = ImportJob(
                organisation_id=self.org.organisation_id, filename="pool.csv", kind="csv"
            )
            db.session.add(job)
            db.session.commit()
            self.job_id = job.id
            db.session.remove()


@pytest.fixture
def world(app, make_recruiter, make_candidate, make_api_key) -> World:
    return World(app, make_recruiter, make_candidate, make_api_key)


PUBLIC_PAGES = [
    "/",
    "/framework",
    "/framework/competencies/product-strategy",
    "/framework/path",
    "/framework/benchmark",
    "/framework/responsibilities",
    "/api/docs",
    "/signin",
    "/signup",
]


def recruiter_pages(world: World) -> list[str]:
    board = f"/scorecards/{world.scorecard_id}/matches"
    return [
        "/dashboard",
        "/scorecards",
        f"/scorecards/{world.scorecard_id}",
        f"/scorecards/{world.scorecard_id}/versions/1",
        board,
        f"{board}/{world.pool_id}",
        f"/scorecards/{world.scorecard_id}/compare?candidate={world.pool_id}"
        f"&candidate={world.shared_id}",
        "/candidates?competency=product-strategy&min_level=3",
        f"/candidates/{world.pool_id}",
        "/candidates/bulk",
        f"/candidates/bulk/{world.job_id}",
        "/candidates/import",
        "/account",
        "/api-keys",
        "/audit",
        f"/scorecards/{world.scorecard_id}/archive",
    ]


CANDIDATE_PAGES = [
    "/dashboard",
    "/profile",
    "/profile/assessment",
    "/profile/import",
    "/profile/sharing",
    "/roles",
    "/roles/benchmark",
    "/account",
]


def visit_at_phone_width(page: Page, paths: list[str], who: str) -> None:
    """Every page, each problem reported (not only the first page's)."""
    problems = []
    for path in paths:
        response = page.goto(path)
        assert response.ok, f"{path} answered {response.status}"
        if path == "/api/docs":
            expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
        where = f"{path} ({who}, {page.viewport_size['width']} px)"
        try:
            assert_fits(page, where)
            assert_accessible(page, where)
        except AssertionError as problem:
            problems.append(str(problem))
    assert not problems, "\n".join(problems)


def test_public_pages_fit_a_phone(new_page):
    page = new_page(viewport=PHONE)
    visit_at_phone_width(page, PUBLIC_PAGES, "visitor")


def test_recruiter_pages_fit_a_phone(new_page, world):
    page = new_page(viewport=PHONE)
    sign_in(page, world.org.recruiter_email)
    visit_at_phone_width(page, recruiter_pages(world), "recruiter")


def test_candidate_pages_fit_a_phone(new_page, world):
    page = new_page(viewport=PHONE)
    sign_in(page, world.candidate_email)
    visit_at_phone_width(page, CANDIDATE_PAGES, "candidate")


def test_the_busiest_pages_fit_the_smallest_phone(new_page, world):
    page = new_page(viewport=SMALL_PHONE)
    sign_in(page, world.org.recruiter_email)
    for path in recruiter_pages(world)[2:8]:
        page.goto(path)
        assert_fits(page, f"{path} at 360 px")


def test_the_navigation_collapses_behind_a_menu_on_a_phone_and_opens_without_javascript(
    new_page,
):
    page = new_page(viewport=PHONE, java_script_enabled=False)
    page.goto("/framework")
    nav = Nav(page)
    menu = nav.root.locator("summary", has_text="Menu")
    framework = nav.root.get_by_role("link", name="Framework", exact=True)
    expect(menu).to_be_visible()
    expect(framework).to_be_hidden()
    assert_fits(page, "/framework")

    menu.focus()
    page.keyboard.press("Enter")  # a <details>: opens by keyboard, no script needed
    expect(framework).to_be_visible()
    expect(nav.sign_in).to_be_visible()
    assert_fits(page, "/framework with the menu open")
    nav.sign_in.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")


def test_the_open_menu_is_accessible_and_focus_is_visible(new_page):
    page = new_page(viewport=PHONE)
    page.goto("/framework")
    nav = Nav(page)
    menu = nav.root.locator("summary", has_text="Menu")
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Tab")  # the brand
    page.keyboard.press("Tab")  # the menu
    expect(menu).to_be_focused()
    outline = menu.evaluate("(element) => getComputedStyle(element).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")
    expect(nav.sign_in).to_be_visible()
    assert_accessible(page, "/framework with the menu open")


def test_the_navigation_is_a_row_of_links_on_a_wide_screen(new_page):
    page = new_page(viewport=DESKTOP)
    page.goto("/framework")
    nav = Nav(page)
    expect(nav.root.locator("summary", has_text="Menu")).to_be_hidden()
    expect(nav.root.get_by_role("link", name="Framework", exact=True)).to_be_visible()
    expect(nav.sign_in).to_be_visible()
    assert_accessible(page, "/framework at 1280 px")


def test_archiving_confirms_on_its_own_page_without_javascript(new_page, world):
    page = new_page(java_script_enabled=False)
    sign_in(page, world.org.recruiter_email)
    page.goto(f"/scorecards/{world.scorecard_id}")
    page.get_by_role("button", name="Archive", exact=True).click()

    expect(page).to_have_url(re.compile(rf"/scorecards/{world.scorecard_id}/archive$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Archive “CPO benchmark”?")
    page.get_by_role("link", name="Cancel").click()  # changes nothing
    expect(page.locator("main")).to_contain_text("published")
    page.get_by_role("button", name="Archive", exact=True).click()
    page.get_by_role("button", name="Archive", exact=True).click()  # the confirm page's

    expect(page).to_have_url(re.compile(rf"/scorecards/{world.scorecard_id}$"))
    expect(page.locator("main")).to_contain_text("Archived.")
    expect(page.get_by_role("textbox", name="Title")).to_be_disabled()


def test_the_confirm_page_passes_the_accessibility_scan(new_page, world):
    page = new_page(viewport=PHONE)
    sign_in(page, world.org.recruiter_email)
    page.goto(f"/candidates/{world.pool_id}/delete")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Delete Pat Pool")
    assert_fits(page, "the delete confirm page")
    assert_accessible(page, "the delete confirm page")
    page.get_by_role("button", name="Delete candidate").click()
    expect(page).to_have_url(re.compile(r"/candidates$"))
    expect(page.locator("main")).to_contain_text("The candidate is deleted.")


def test_with_javascript_archiving_asks_in_place(page, world):
    sign_in(page, world.org.recruiter_email)
    page.goto(f"/scorecards/{world.scorecard_id}")
    dialogs = []
    page.once("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="Archive", exact=True).click()
    expect(page.get_by_role("textbox", name="Title")).to_be_disabled()
    assert dialogs == ["Archive “CPO benchmark”? It stops being used for matching."]


def test_at_least_level_without_a_competency_shows_a_field_error(page, world, browser_errors):
    browser_errors.allow_status(422, "/candidates")
    sign_in(page, world.org.recruiter_email)
    page.goto("/candidates")
    level = page.get_by_label("At least level")
    level.focus()
    level.select_option("3")
    message = page.locator("#min_level-message")
    expect(message).to_have_text("Choose the competency this level applies to.")
    expect(level).to_be_focused()
    assert_accessible(page, "/candidates with a level and no competency")
    page.get_by_label("Assessed on").select_option("product-strategy")
    expect(message).to_have_text("")
    expect(page.locator("#candidate_list")).to_contain_text("1 candidate")


def test_the_api_docs_are_swagger_uis_own_look_with_human_section_names(new_page):
    page = new_page(viewport=DESKTOP)
    page.goto("/api/docs")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    tags = page.locator(".swagger-ui .opblock-tag")
    expect(tags.filter(has_text="Candidates").first).to_be_visible()
    assert not re.search(r"_api\b", page.locator(".swagger-ui").inner_text())
    # Pico styles buttons full-width blue and inputs full-width: inside Swagger UI, neither.
    authorize = page.locator(".swagger-ui .btn.authorize")
    if authorize.count():
        assert authorize.evaluate("(el) => getComputedStyle(el).width") != page.locator(
            ".swagger-ui"
        ).evaluate("(el) => getComputedStyle(el).width")
    method = page.locator(".swagger-ui .opblock-summary-method").first
    assert method.evaluate("(el) => getComputedStyle(el).backgroundColor") != "rgba(0, 0, 0, 0)"
    heading = page.locator(".swagger-ui .opblock-tag").first
    font = heading.evaluate("(el) => getComputedStyle(el).fontFamily")
    assert "sans-serif" in font
    assert_accessible(page, "/api/docs")
