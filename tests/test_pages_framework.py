"""The framework pages: full pages, htmx fragments, search without JavaScript, escaping."""

import pytest

HTMX = {"HX-Request": "true"}


@pytest.mark.parametrize(
    ("url", "heading"),
    [
        ("/", "Hire and grow Chief Product Officers on evidence"),
        ("/framework", "The CPO competency framework"),
        ("/framework/path", "How to become a Chief Product Officer"),
        ("/framework/responsibilities", "Key responsibilities of a CPO"),
        ("/framework/benchmark", "CPO benchmark"),
        ("/api/docs", "API documentation"),
    ],
)
def test_pages_render_with_their_heading(client, url, heading):
    response = client.get(url)
    assert response.status_code == 200
    assert response.content_type.startswith("text/html")
    assert f"<h1>{heading}</h1>" in response.text
    assert "HX-Request" in response.headers["Vary"]


def test_framework_groups_competencies_under_all_five_areas(client):
    page = client.get("/framework").text
    assert page.count('<section class="area"') == 5
    assert "Leadership and communication" in page


def test_search_without_javascript_is_a_get_form(client):
    page = client.get("/framework").text
    assert 'method="get"' in page
    assert 'name="q"' in page
    narrowed = client.get("/framework?q=pricing").text
    assert narrowed.count('class="card"') < page.count('class="card"')
    assert 'value="pricing"' in narrowed


def test_htmx_search_answers_only_the_results_fragment(client):
    response = client.get("/framework?q=roadmap", headers=HTMX)
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="results"')
    assert "<html" not in response.text
    assert "HX-Request" in response.headers["Vary"]


def test_boosted_navigation_gets_the_full_page(client):
    response = client.get("/framework?q=roadmap", headers={**HTMX, "HX-Boosted": "true"})
    assert "<html" in response.text


def test_history_restore_gets_the_full_page(client):
    headers = {**HTMX, "HX-History-Restore-Request": "true"}
    assert "<html" in client.get("/framework?q=roadmap", headers=headers).text


def test_area_filter_keeps_one_area(client):
    page = client.get("/framework?category=technical").text
    assert page.count('<section class="area"') == 1
    assert 'value="technical" selected' in page


def test_no_match_says_so_and_escapes_the_query(client):
    response = client.get("/framework", query_string={"q": "<script>alert(1)</script>"})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    assert "No competency matches" in response.text


@pytest.mark.parametrize(
    ("query", "field"), [({"q": "x" * 10_000}, "q"), ({"category": "astrology"}, "category")]
)
def test_bad_search_is_422_with_the_field_message_in_the_form(client, query, field):
    for headers in ({}, HTMX):
        response = client.get("/framework", query_string=query, headers=headers)
        assert response.status_code == 422
        assert f'id="{field}-error"' in response.text or "Correct the search" in response.text
    full = client.get("/framework", query_string=query)
    assert 'aria-invalid="true"' in full.text


def test_competency_page_shows_the_ladder_and_links(client):
    page = client.get("/framework/competencies/product-strategy").text
    assert page.count('class="rung"') == 5
    for label in ["Foundational", "Developing", "Proficient", "Advanced", "Executive"]:
        assert label in page
    assert "/framework/steps/" in page


def test_responsibility_and_step_pages_link_to_competencies(client):
    responsibility = client.get(
        "/framework/responsibilities/developing-and-implementing-product-strategy"
    )
    assert responsibility.status_code == 200
    assert "<h1>Developing and Implementing Product Strategy</h1>" in responsibility.text
    assert "/framework/competencies/" in responsibility.text
    step = client.get("/framework/steps/gain-experience-in-product-management")
    assert step.status_code == 200
    assert "<h1>Gain Experience in Product Management</h1>" in step.text
    assert "/framework/competencies/" in step.text


def test_path_lists_the_five_steps_in_order_with_actions(client):
    page = client.get("/framework/path").text
    titles = [
        "Gain Experience in Product Management",
        "Develop Leadership and Communication Skills",
        "Expand Your Business and Technical Knowledge",
        "Network and Build Relationships",
        "Pursue Education and Certifications",
    ]
    positions = [page.index(title) for title in titles]
    assert positions == sorted(positions)
    assert page.count("<h3>Actions</h3>") == 5


@pytest.mark.parametrize(
    "url", ["/framework/competencies/astrology", "/framework/steps/x", "/no-such-page"]
)
def test_unknown_pages_are_html_404(client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert response.content_type.startswith("text/html")
    assert "<h1>Not Found</h1>" in response.text


def test_api_docs_uses_no_cdn(client):
    page = client.get("/api/docs").text
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in page
    assert "//cdn" not in page
    assert "unpkg" not in page
