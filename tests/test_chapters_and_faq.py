"""The article's missing chapters: "What a CPO does", the FAQ (page and API), the candidate
backgrounds, and the benchmark page's "use this benchmark" action, responsibilities and wording."""

import json
import re
from html import unescape
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Scorecard
from portal.models.candidates import BACKGROUNDS
from portal.services.errors import ValidationFailed
from portal.services.faq import read_faq_file
from tests.conftest import PROBLEM, csrf_token_from, post_form, sign_in

# The six questions of the seed article's "Frequently Asked Questions", in its order.
SEED_QUESTIONS = [
    "What is a Chief Product Officer and what do they do?",
    "What qualifications do I need to become a Chief Product Officer?",
    "What are the key responsibilities of a Chief Product Officer?",
    "What are the key skills and qualities that a Chief Product Officer should have?",
    "How can I gain the necessary experience to become a Chief Product Officer?",
    "What are some common career paths for a Chief Product Officer?",
]
RESPONSIBILITY_TITLES = [
    "Developing and Implementing Product Strategy",
    "Managing Product Development and Launch",
    "Identifying and Analyzing Market Trends",
    "Collaborating with Cross-Functional Teams",
    "Building and Managing Product Roadmaps",
]
HREF = re.compile(r'href="([^"]+)"')


def text_of(response) -> str:
    """The page's visible words, tags dropped and whitespace collapsed."""
    body = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return re.sub(r"\s+", " ", unescape(body))


def main_of(response) -> str:
    html = response.get_data(as_text=True)
    return html[html.index('<main id="main"') : html.index("</main>")]


def signed_in(app, email):
    client = app.test_client()
    assert sign_in(client, email).status_code == 303
    return client


def assert_resolves(client, href: str) -> None:
    """`href` answers 200, and its #anchor, if any, names an element of that page."""
    path, _, anchor = href.partition("#")
    response = client.get(path)
    assert response.status_code == 200, href
    if anchor:
        assert f'id="{anchor}"' in response.get_data(as_text=True), href


# --- "What a CPO does" ------------------------------------------------------------------------


def test_what_a_cpo_does_covers_the_opening_chapter(client):
    response = client.get("/what-a-cpo-does")
    assert response.status_code == 200
    words = text_of(response)
    assert "What a Chief Product Officer does" in words
    assert "senior executive" in words
    assert "Beside the CEO and the executive team" in words
    assert "works closely with the CEO and the other executives" in words
    assert "What a CPO leads" in words
    assert "product management teams" in words
    assert "What a CPO drives" in words
    assert "reflects customer feedback and market trends" in words
    for title in RESPONSIBILITY_TITLES:
        assert title in words


def test_chapter_pages_link_only_to_pages_that_exist(client):
    for url in ("/what-a-cpo-does", "/faq", "/framework/backgrounds", "/framework/path"):
        for href in HREF.findall(main_of(client.get(url))):
            href = unescape(href)
            if href.startswith("#"):
                assert f'id="{href[1:]}"' in client.get(url).text, (url, href)
            elif not href.startswith("/api/"):
                assert_resolves(client, href)


def test_path_to_cpo_links_to_the_chapters(client):
    page = main_of(client.get("/framework/path"))
    assert 'href="/what-a-cpo-does"' in page
    assert 'href="/faq"' in page
    assert 'href="/framework/backgrounds"' in page


def test_navigation_links_to_the_chapters(client, make_recruiter, app):
    for browser in (client, signed_in(app, make_recruiter().recruiter_email)):
        html = browser.get("/").get_data(as_text=True)
        nav = html[html.index("<header") : html.index("</header>")]
        assert 'href="/what-a-cpo-does"' in nav
        assert 'href="/faq"' in nav


# --- the FAQ page ----------------------------------------------------------------------------


def test_faq_page_asks_the_seed_questions_in_order(client):
    response = client.get("/faq")
    assert response.status_code == 200
    words = text_of(response)
    positions = [
        words.index(question, words.index("</nav>") if "</nav>" in words else 0)
        for question in SEED_QUESTIONS
    ]
    assert positions == sorted(positions)
    headings = re.findall(r"<h2[^>]*>([^<]+)</h2>", response.get_data(as_text=True))
    assert [unescape(h) for h in headings] == SEED_QUESTIONS


def test_faq_answers_say_what_the_article_says(client):
    answers = {item["slug"]: item["answer"] for item in client.get("/api/v1/faq").json}
    assert "CEO" in answers["what-does-a-cpo-do"]
    assert "bachelor's or master's degree" in answers["qualifications"]
    assert "business, marketing or engineering" in answers["qualifications"]
    assert "customers, partners and investors" in answers["key-responsibilities"]
    assert "technical, business and leadership" in answers["skills-and-qualities"]
    assert "product manager" in answers["gaining-experience"]
    assert "mentorship" in answers["gaining-experience"].lower()
    for path in ("product management", "marketing", "engineering", "sales", "consulting", "COO"):
        assert path in answers["career-paths"]
    # The portal's own choices (the benchmark's 8 years, its degree) are not the article's.
    for answer in answers.values():
        for portal_word in ("benchmark", "portal", "scorecard", "8 years"):
            assert portal_word not in answer


def test_faq_answers_link_the_framework_pages_they_touch(client):
    links = {
        item["slug"]: [link["href"] for link in item["links"]]
        for item in client.get("/api/v1/faq").json
    }
    assert "/framework/backgrounds" in links["career-paths"]
    assert "/framework/benchmark#requirements" in links["qualifications"]
    assert "/framework/steps/gain-experience-in-product-management" in links["gaining-experience"]
    assert "/framework/path" in links["gaining-experience"]
    assert "/what-a-cpo-does" in links["what-does-a-cpo-do"]
    assert "/framework/responsibilities" in links["key-responsibilities"]
    page = client.get("/faq").get_data(as_text=True)
    for hrefs in links.values():
        for href in hrefs:
            assert f'href="{href}"' in page


def test_every_faq_link_resolves(client):
    for item in client.get("/api/v1/faq").json:
        for link in item["links"]:
            assert_resolves(client, link["href"])


def test_qualifications_link_lands_on_the_education_requirement(client):
    page = client.get("/framework/benchmark").get_data(as_text=True)
    requirements = page[page.index('id="requirements"') :]
    assert "Bachelor&#39;s degree or higher" in requirements.split("</ul>")[0]


# --- the FAQ API -----------------------------------------------------------------------------


def test_faq_api_lists_the_questions_with_links(client):
    response = client.get("/api/v1/faq")
    assert response.status_code == 200
    items = response.json
    assert [item["question"] for item in items] == SEED_QUESTIONS
    for item in items:
        assert set(item) == {"slug", "question", "answer", "links"}
        assert item["answer"]
        assert item["links"]
        for link in item["links"]:
            assert set(link) == {"title", "href"}
            assert link["title"]
            assert link["href"].startswith("/")
    assert len({item["slug"] for item in items}) == 6
    assert response.headers["ETag"]
    assert (
        client.get("/api/v1/faq", headers={"If-None-Match": response.headers["ETag"]}).status_code
        == 304
    )


def test_faq_api_pages_like_the_other_lists(client):
    first = client.get("/api/v1/faq?page=1&page_size=4")
    second = client.get("/api/v1/faq?page=2&page_size=4")
    assert [len(first.json), len(second.json)] == [4, 2]
    assert [i["question"] for i in first.json + second.json] == SEED_QUESTIONS
    meta = json.loads(second.headers["X-Pagination"])
    assert (meta["total"], meta["page"], meta["previous_page"]) == (6, 2, 1)
    assert 'rel="prev"' in second.headers["Link"]
    assert client.get("/api/v1/faq?page=3&page_size=4").json == []


@pytest.mark.parametrize(("query", "field"), [("page=0", "page"), ("page_size=101", "page_size")])
def test_faq_api_refuses_bad_pages(client, query, field):
    response = client.get(f"/api/v1/faq?{query}")
    assert response.status_code == 422
    assert response.content_type == PROBLEM
    assert field in response.json["errors"]


def test_faq_api_is_documented(client):
    spec = client.get("/api/v1/openapi.json").json
    operation = spec["paths"]["/api/v1/faq"]["get"]
    assert "security" not in operation or operation["security"] in ([], [{}])
    assert {p.get("name") for p in operation["parameters"]} >= {"page", "page_size"}
    schema = spec["components"]["schemas"]["Faq"]
    assert set(schema["properties"]) == {"slug", "question", "answer", "links"}
    assert set(spec["components"]["schemas"]["FaqLink"]["properties"]) == {"title", "href"}


QUESTION = '{slug: a, question: "Q?", answer: "A.", links: [{title: T, endpoint: pages.role}]}'
ALL_BACKGROUNDS = "[" + ", ".join(f"{{slug: {b}, name: N}}" for b in BACKGROUNDS) + "]"


@pytest.mark.parametrize(
    ("questions", "backgrounds", "refused"),
    [
        ([QUESTION, QUESTION], ALL_BACKGROUNDS, "questions"),
        (
            [QUESTION.replace("[{title: T, endpoint: pages.role}]", "[]")],
            ALL_BACKGROUNDS,
            "questions.0.links",
        ),
        (
            [QUESTION.replace("pages.role", "accounts.keys")],
            ALL_BACKGROUNDS,
            "questions.0.links.0.endpoint",
        ),
        ([QUESTION], "[{slug: marketing, name: Marketing}]", "backgrounds"),
    ],
)
def test_faq_file_is_checked(tmp_path: Path, questions, backgrounds, refused):
    bad = tmp_path / "faq.yaml"
    lines = ["questions:", *[f"  - {q}" for q in questions], "backgrounds:"]
    lines.append(f"  - {{group: G, members: {backgrounds}}}")
    bad.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(ValidationFailed) as error:
        read_faq_file(bad)
    assert refused in error.value.errors


def test_the_shipped_faq_file_is_valid():
    document = read_faq_file()
    assert len(document["questions"]) == 6


# --- candidate backgrounds -------------------------------------------------------------------


def test_backgrounds_page_lists_every_background(client):
    page = client.get("/framework/backgrounds")
    assert page.status_code == 200
    words = text_of(page)
    html = page.get_data(as_text=True)
    for background in BACKGROUNDS:
        assert f'id="{background}"' in html
    assert "CEO, COO or another executive role" in words
    assert "/candidates?background=" not in html  # visitors see no recruiter links


def test_recruiters_reach_their_pool_by_background(app, make_recruiter):
    client = signed_in(app, make_recruiter().recruiter_email)
    html = client.get("/framework/backgrounds").get_data(as_text=True)
    for background in BACKGROUNDS:
        href = f"/candidates?background={background}"
        assert f'href="{href}"' in html
    assert client.get("/candidates?background=engineering").status_code == 200


# --- the benchmark page ----------------------------------------------------------------------


def test_benchmark_reads_naturally_and_lists_responsibilities(client):
    page = client.get("/framework/benchmark")
    words = text_of(page)
    assert "At least 8 years in product" in words
    assert "At least 3 years leading" in words
    assert "Education: Bachelor's degree or higher" in words
    assert ".0" not in words
    responsibilities = words[words.index("Responsibilities") : words.index("Competencies")]
    assert [t for t in RESPONSIBILITY_TITLES if t in responsibilities] == RESPONSIBILITY_TITLES
    html = page.get_data(as_text=True)
    section = html[html.index('id="responsibilities"') : html.index("<h2>Competencies")]
    assert "no-print" not in section  # the printed sheet keeps them


def test_visitors_are_sent_to_sign_up_to_use_the_benchmark(client):
    page = client.get("/framework/benchmark").get_data(as_text=True)
    assert 'href="/signup"' in page
    assert "Sign up to use this benchmark" in page
    assert 'action="/framework/benchmark/use"' not in page
    response = post_form(client, "/framework/benchmark/use", {}, csrf_from="/signin")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/signup")


def test_a_recruiter_clones_the_benchmark_into_a_draft(app, make_recruiter):
    organisation = make_recruiter()
    client = signed_in(app, organisation.recruiter_email)
    page = client.get("/framework/benchmark").get_data(as_text=True)
    assert 'action="/framework/benchmark/use"' in page
    response = post_form(client, "/framework/benchmark/use", {}, csrf_from="/framework/benchmark")
    assert response.status_code == 303
    builder = response.headers["Location"]
    assert re.fullmatch(r"(http://localhost)?/scorecards/\d+", builder)
    scorecard_id = int(builder.rsplit("/", 1)[1])
    with app.app_context():
        scorecard = db.session.scalar(select(Scorecard).where(Scorecard.id == scorecard_id))
        assert scorecard.organisation_id == organisation.organisation_id
        assert scorecard.status == "draft"
        assert scorecard.title == "CPO benchmark"
        db.session.remove()
    opened = client.get(builder)
    assert opened.status_code == 200
    assert "CPO benchmark" in opened.get_data(as_text=True)


def test_a_boosted_clone_redirects_the_whole_page(app, make_recruiter):
    client = signed_in(app, make_recruiter().recruiter_email)
    token = csrf_token_from(client, "/framework/benchmark")
    response = client.post(
        "/framework/benchmark/use",
        data={"csrf_token": token},
        headers={"HX-Request": "true", "HX-Boosted": "true"},
    )
    assert re.fullmatch(r"/scorecards/\d+", response.headers["HX-Redirect"])


def test_candidates_see_their_readiness_instead(app, make_candidate):
    client = signed_in(app, make_candidate())
    page = client.get("/framework/benchmark").get_data(as_text=True)
    assert 'action="/framework/benchmark/use"' not in page
    assert 'href="/roles/benchmark"' in page
    response = post_form(client, "/framework/benchmark/use", {}, csrf_from="/framework/benchmark")
    assert response.status_code == 403
