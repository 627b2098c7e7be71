"""The article's missing chapters in a real browser: a visitor reads what a CPO does and the
FAQ from the navigation, follows the answers into the framework, reads the benchmark (on screen
and printed) and signs up to use it; a recruiter turns it into a draft scorecard, with and
without JavaScript; every page passes the axe scan."""

import re

from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD, unique_email

from .pages import Nav, SignUpPage, axe_violations, describe_violations, sign_up_candidate

SEED_QUESTIONS = [
    "What is a Chief Product Officer and what do they do?",
    "What qualifications do I need to become a Chief Product Officer?",
    "What are the key responsibilities of a Chief Product Officer?",
    "What are the key skills and qualities that a Chief Product Officer should have?",
    "How can I gain the necessary experience to become a Chief Product Officer?",
    "What are some common career paths for a Chief Product Officer?",
]
RESPONSIBILITIES = [
    "Developing and Implementing Product Strategy",
    "Managing Product Development and Launch",
    "Identifying and Analyzing Market Trends",
    "Collaborating with Cross-Functional Teams",
    "Building and Managing Product Roadmaps",
]
BUILDER_URL = re.compile(r"/scorecards/\d+$")


class FaqPage:
    """/faq: one article per question, each with its "In the portal" links."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.questions = page.locator("main").get_by_role("heading", level=2)

    def answer(self, question: str):
        return self.page.locator("main article").filter(
            has=self.page.get_by_role("heading", name=question)
        )


class BenchmarkPage:
    """/framework/benchmark: the scorecard, and the "use this benchmark" action."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.main = page.locator("main")
        self.requirements = page.locator("#requirements + ul")
        self.responsibilities = page.locator("#responsibilities + ul").get_by_role("listitem")
        self.use = self.main.get_by_role("button", name="Use this benchmark", exact=True)
        self.sign_up = self.main.get_by_role("button", name="Sign up to use this benchmark")

    def open(self) -> "BenchmarkPage":
        self.page.goto("/framework/benchmark")
        return self


def assert_accessible(page: Page, where: str) -> None:
    violations = axe_violations(page)
    assert not violations, f"{where}:\n{describe_violations(violations)}"


def sign_up_recruiter(page: Page) -> None:
    form = SignUpPage(page)
    form.sign_up_recruiter("Rita Recruiter", unique_email("chapters"), PASSWORD, "Chapters Ltd")
    expect(page).to_have_url(re.compile(r"/dashboard$"))


def test_a_visitor_reads_the_chapters_and_signs_up_to_use_the_benchmark(page: Page):
    page.goto("/")
    Nav(page).root.get_by_role("link", name="What a CPO does").click()
    expect(page).to_have_url(re.compile(r"/what-a-cpo-does$"))
    main = page.locator("main")
    expect(main.get_by_role("heading", level=1)).to_have_text("What a Chief Product Officer does")
    expect(
        main.get_by_role("heading", name="Beside the CEO and the executive team")
    ).to_be_visible()
    expect(main).to_contain_text("works closely with the CEO and the other executives")
    assert_accessible(page, "/what-a-cpo-does")

    Nav(page).root.get_by_role("link", name="FAQ").click()
    expect(page).to_have_url(re.compile(r"/faq$"))
    faq = FaqPage(page)
    expect(faq.questions).to_have_text(SEED_QUESTIONS)
    assert_accessible(page, "/faq")

    # Qualifications lead to the benchmark's education requirement.
    faq.answer(SEED_QUESTIONS[1]).get_by_role(
        "link", name="The education requirement of the CPO benchmark"
    ).click()
    expect(page).to_have_url(re.compile(r"/framework/benchmark#requirements$"))
    benchmark = BenchmarkPage(page)
    expect(benchmark.requirements).to_contain_text("At least 8 years in product")
    expect(benchmark.requirements).to_contain_text("Education: Bachelor's degree or higher")
    expect(benchmark.requirements).not_to_contain_text(".0")
    expect(benchmark.responsibilities).to_have_text(RESPONSIBILITIES)
    assert_accessible(page, "/framework/benchmark")

    # The printed sheet keeps the responsibilities and drops the action.
    page.emulate_media(media="print")
    expect(benchmark.responsibilities.first).to_be_visible()
    expect(benchmark.sign_up).to_be_hidden()
    page.emulate_media(media="screen")

    page.go_back()
    expect(page).to_have_url(re.compile(r"/faq$"))
    faq.answer(SEED_QUESTIONS[5]).get_by_role("link", name="Candidate backgrounds").click()
    expect(page).to_have_url(re.compile(r"/framework/backgrounds$"))
    expect(page.locator("main")).to_contain_text("Business development")
    assert_accessible(page, "/framework/backgrounds")

    page.goto("/faq")
    faq.answer(SEED_QUESTIONS[4]).get_by_role(
        "link", name="Step 1: Gain Experience in Product Management"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Gain Experience in Product Management"
    )

    benchmark.open()
    expect(benchmark.use).to_have_count(0)
    benchmark.sign_up.click()
    expect(page).to_have_url(re.compile(r"/signup$"))
    sign_up_recruiter(page)

    benchmark.open()
    benchmark.use.click()
    expect(page).to_have_url(BUILDER_URL)
    expect(page.get_by_role("textbox", name="Title")).to_have_value("CPO benchmark")


def test_the_path_to_cpo_leads_to_the_chapters(page: Page):
    page.goto("/framework/path")
    page.locator("main").get_by_role("link", name="what a CPO does").click()
    expect(page).to_have_url(re.compile(r"/what-a-cpo-does$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("What a Chief Product Officer does")
    page.go_back()
    expect(page).to_have_url(re.compile(r"/framework/path$"))
    # htmx fetches the page back (no history cache): the page being left links to the FAQ too,
    # so wait for the restored page before following its link.
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text("How to become a Chief Product Officer")
    faq_link = page.locator("main").get_by_role("link", name="frequently asked questions")
    faq_link.click()
    expect(page).to_have_url(re.compile(r"/faq$"))
    expect(FaqPage(page).questions).to_have_count(6)


def test_without_javascript_the_chapters_and_the_benchmark_action_work(new_page):
    page = new_page(java_script_enabled=False)
    page.goto("/faq")
    faq = FaqPage(page)
    expect(faq.questions).to_have_text(SEED_QUESTIONS)
    faq.answer(SEED_QUESTIONS[0]).get_by_role("link", name="What a CPO does").click()
    expect(page).to_have_url(re.compile(r"/what-a-cpo-does$"))

    SignUpPage(page).open()
    sign_up_recruiter(page)
    benchmark = BenchmarkPage(page).open()
    benchmark.use.click()
    expect(page).to_have_url(BUILDER_URL)
    expect(page.get_by_role("textbox", name="Title")).to_have_value("CPO benchmark")


def test_a_candidate_is_offered_their_readiness_not_the_clone(page: Page):
    sign_up_candidate(page, "Cara Candidate", unique_email("chapters-cand"), PASSWORD)
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    benchmark = BenchmarkPage(page).open()
    expect(benchmark.use).to_have_count(0)
    benchmark.main.get_by_role("button", name="See your readiness against this benchmark").click()
    expect(page).to_have_url(re.compile(r"/roles/benchmark$"))


def test_the_chapters_fit_a_phone(new_page):
    page = new_page(viewport={"width": 390, "height": 844})
    for url in ("/what-a-cpo-does", "/faq", "/framework/backgrounds", "/framework/benchmark"):
        page.goto(url)
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width == 390, f"{url} scrolls sideways: {width}px"
        assert_accessible(page, f"{url} at 390 px")
