"""A candidate's roles and readiness reports over HTTP: the CPO benchmark and the published roles
of the organisations they share with, the report's verdict, gaps with their level descriptors and
the ordered development plan, the dashboard headline, and what candidates must never see."""

import re
from dataclasses import dataclass
from fractions import Fraction
from html import unescape

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Competency, InterviewLevels, Organisation, User
from portal.models.matching import level_column
from portal.services import candidates, scorecards
from portal.services.access import Actor
from portal.services.framework_loader import read_framework_file
from tests.conftest import sign_in

FRAMEWORK = read_framework_file()
NAMES = {entry["slug"]: entry["name"] for entry in FRAMEWORK["competencies"]}
DESCRIPTORS = {
    entry["slug"]: {level["level"]: level for level in entry["levels"]}
    for entry in FRAMEWORK["competencies"]
}

# The candidate's self-assessment and profile used throughout.
SELF_LEVELS = {"product-strategy": 4, "team-leadership": 2, "data-driven-decision-making": 3}
# A role they fall short of: an unmet requirement and two gaps (data 2 x weight 2 = 4 is
# bigger than team leadership 3 x weight 1 = 3).
VP_PRODUCT = {
    "title": "VP Product",
    "competencies": [
        {"competency": "product-strategy", "weight": 3, "target_level": 4, "must_have": True},
        {"competency": "team-leadership", "weight": 1, "target_level": 5, "must_have": False},
        {
            "competency": "data-driven-decision-making",
            "weight": 2,
            "target_level": 5,
            "must_have": False,
        },
    ],
    "requirements": {"min_years_product": 8, "min_years_leadership": 0, "education": "none"},
}
# A role they are ready for.
HEAD_OF_PRODUCT = {
    "title": "Head of Product",
    "competencies": [
        {"competency": "product-strategy", "weight": 2, "target_level": 4, "must_have": True}
    ],
    "requirements": {"min_years_product": 5, "min_years_leadership": 0, "education": "bachelor"},
}


def half_up(value: Fraction) -> Fraction:
    """CONTRACT's rounding: half up to one decimal."""
    return Fraction(int(value * 10 + Fraction(1, 2)), 10)


def expected_score(criteria: list[dict], levels: dict[str, float]) -> Fraction:
    """CONTRACT's score, restated: 100 * sum(w * min(l / t, 1)) / sum(w)."""
    total = sum(c["weight"] for c in criteria)
    covered = sum(
        c["weight"] * min(Fraction(levels.get(c["competency"], 0)) / c["target_level"], 1)
        for c in criteria
    )
    return half_up(100 * covered / total)


def shown(value: Fraction) -> str:
    """A score as the pages write it: 85 rather than 85.0."""
    return str(int(value)) if value.denominator == 1 else f"{float(value):.1f}"


def text_of(response) -> str:
    """The page's text with tags dropped and spaces collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.text)).split())


def section(response, heading_id: str) -> str:
    """The text of the <section> labelled by `heading_id`."""
    found = re.search(rf'<section aria-labelledby="{heading_id}".*?</section>', response.text, re.S)
    assert found, f"no section {heading_id}"
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", found.group(0))).split())


# --- the world -----------------------------------------------------------------------------------


@dataclass
class World:
    app: object
    email: str
    candidate_id: int
    org_a: object
    org_b: object
    roles: dict[str, int]

    def client(self, email: str | None = None):
        client = self.app.test_client()
        assert sign_in(client, email or self.email).status_code == 303
        return client


def recruiter_actor(organisation) -> Actor:
    user = db.session.scalar(select(User).where(User.email == organisation.recruiter_email))
    return Actor.for_user(user)


def make_role(organisation, values: dict, *, publish=True, archive=False) -> int:
    actor = recruiter_actor(organisation)
    scorecard = scorecards.create_scorecard(db.session, actor, values)
    if publish:
        scorecards.publish(db.session, actor, scorecard.id, scorecard.revision)
    if archive:
        scorecards.archive(db.session, actor, scorecard.id, scorecard.revision)
    return scorecard.id


def prepare_candidate(email: str, levels: dict[str, int], **profile) -> int:
    user = db.session.scalar(select(User).where(User.email == email))
    candidate = candidates.own_profile(db.session, user)
    changes = {
        "name": "Casey Candidate",
        "assessments": [{"competency": slug, "level": level} for slug, level in levels.items()],
        **profile,
    }
    return candidates.update_candidate(
        db.session, Actor.for_user(user), candidate.id, changes, candidate.revision
    ).id


def share(email: str, organisation) -> None:
    user = db.session.scalar(select(User).where(User.email == email))
    candidates.share_with(db.session, user, organisation.slug)


@pytest.fixture
def world(app, make_recruiter, make_candidate) -> World:
    """A candidate sharing with organisation A (two published roles, a draft, an archived one),
    not with organisation B (one published role)."""
    org_a, org_b, email = make_recruiter(), make_recruiter(), make_candidate()
    with app.app_context():
        candidate_id = prepare_candidate(
            email, SELF_LEVELS, years_product=5.5, years_leadership=2, education="bachelor"
        )
        share(email, org_a)
        roles = {
            "vp": make_role(org_a, VP_PRODUCT),
            "head": make_role(org_a, HEAD_OF_PRODUCT),
            "draft": make_role(org_a, {**HEAD_OF_PRODUCT, "title": "Draft role"}, publish=False),
            "archived": make_role(org_a, {**HEAD_OF_PRODUCT, "title": "Old role"}, archive=True),
            "unshared": make_role(org_b, {**HEAD_OF_PRODUCT, "title": "Other company role"}),
        }
        db.session.remove()
    return World(app, email, candidate_id, org_a, org_b, roles)


# --- the roles page ------------------------------------------------------------------------------


def test_the_benchmark_shows_the_verdict_and_score_of_the_contract_formula(world):
    benchmark = FRAMEWORK["benchmark"]
    score = expected_score(benchmark["competencies"], SELF_LEVELS)
    # Most benchmark must-haves are unassessed (level 0), so the benchmark is not met.
    page = world.client().get("/roles")
    assert page.status_code == 200
    benchmark_text = section(page, "benchmark-heading")
    assert benchmark["title"] in benchmark_text
    assert f"Not ready yet · score {shown(score)} of 100" in benchmark_text
    assert 'href="/roles/benchmark"' in page.text


def test_the_roles_page_lists_only_published_roles_of_organisations_shared_with(world):
    page = world.client().get("/roles")
    listed = section(page, "roles-heading")
    vp = expected_score(VP_PRODUCT["competencies"], SELF_LEVELS)
    assert f"VP Product {page_org(world)}" in listed
    assert f"Not ready yet · score {shown(vp)} of 100" in listed
    assert "Head of Product" in listed
    assert "Ready · score 100 of 100" in listed
    for hidden in ("Draft role", "Old role", "Other company role"):
        assert hidden not in page.text
    assert f'href="/roles/{world.roles["vp"]}"' in page.text
    # A score bar drawn as SVG attributes, never inline styles (CSP).
    assert f'<rect class="score-fill" x="0" y="0" width="{float(vp)}" height="10"' in page.text
    assert "style=" not in page.text


def page_org(world) -> str:
    with world.app.app_context():
        name = db.session.get(Organisation, world.org_a.organisation_id).name
        db.session.remove()
    return name


def test_withdrawing_the_share_takes_the_roles_away(world):
    client = world.client()
    assert "VP Product" in client.get("/roles").text
    with world.app.app_context():
        user = db.session.scalar(select(User).where(User.email == world.email))
        candidates.withdraw(db.session, user, world.org_a.organisation_id)
        db.session.remove()
    page = client.get("/roles")
    assert "VP Product" not in page.text
    assert "Head of Product" not in page.text
    assert "You share your profile with no organisation" in section(page, "roles-heading")
    assert 'href="/profile/sharing"' in page.text
    assert client.get(f"/roles/{world.roles['vp']}").status_code == 404


def test_a_candidate_sharing_with_nobody_is_told_how_to_share(client, make_candidate):
    assert sign_in(client, make_candidate()).status_code == 303
    page = client.get("/roles")
    assert page.status_code == 200
    roles = re.search(r'<section aria-labelledby="roles-heading">.*?</section>', page.text, re.S)
    assert 'href="/profile/sharing"' in roles.group(0)
    assert "You share your profile with no organisation" in roles.group(0)
    # Nothing assessed yet: the page says so and where to do it.
    assert "You have not assessed yourself" in page.text
    assert "Not ready yet · score 0 of 100" in text_of(page)


def test_an_organisation_without_published_roles_is_named(client, make_candidate, make_recruiter):
    email, quiet = make_candidate(), make_recruiter(organisation_name="Quiet Ltd")
    with client.application.app_context():
        share(email, quiet)
        db.session.remove()
    assert sign_in(client, email).status_code == 303
    roles = section(client.get("/roles"), "roles-heading")
    assert "Quiet Ltd has published no roles yet" in roles


# --- the report ----------------------------------------------------------------------------------


def test_the_report_shows_verdict_score_and_unmet_requirements_in_words(world):
    page = world.client().get(f"/roles/{world.roles['vp']}")
    assert page.status_code == 200
    assert "<h1>Readiness for VP Product</h1>" in page.text
    assert page_org(world) in text_of(page)
    vp = expected_score(VP_PRODUCT["competencies"], SELF_LEVELS)
    assert f"Not ready yet · score {shown(vp)} of 100" in section(page, "verdict-heading")
    assert "8 years in product — you have 5.5" in section(page, "must-haves-heading")
    assert "style=" not in page.text
    assert 'href="/static/css/readiness.css"' in page.text


def test_the_report_names_must_haves_not_met(world, app):
    with app.app_context():
        prepare_candidate(world.email, {**SELF_LEVELS, "product-strategy": 3})
        db.session.remove()
    page = world.client().get(f"/roles/{world.roles['head']}")
    must = section(page, "must-haves-heading")
    assert f"{NAMES['product-strategy']}: level 4 needed — you are at 3" in must


def test_the_report_lists_the_biggest_gaps_with_the_descriptor_at_and_needed(world):
    page = world.client().get(f"/roles/{world.roles['vp']}")
    gaps = section(page, "gaps-heading")
    data, team = NAMES["data-driven-decision-making"], NAMES["team-leadership"]
    assert gaps.index(data) < gaps.index(team), "the largest weighted gap comes first"
    assert NAMES["product-strategy"] not in gaps, "a met competency is not a gap"
    for slug, at, needed in (("data-driven-decision-making", 3, 5), ("team-leadership", 2, 5)):
        for level in (at, needed):
            descriptor = DESCRIPTORS[slug][level]
            expected = f"Level {level} · {descriptor['label']} — {descriptor['description']}"
            assert expected in gaps
    assert "Where you are" in gaps
    assert "What the role needs" in gaps


def test_an_unassessed_gap_says_so(world, app):
    with app.app_context():
        prepare_candidate(world.email, {"product-strategy": 4, "team-leadership": 2})
        db.session.remove()
    gaps = section(world.client().get(f"/roles/{world.roles['vp']}"), "gaps-heading")
    data = gaps[gaps.index(NAMES["data-driven-decision-making"]) :]
    assert data.index("Not assessed yet") < data.index(NAMES["team-leadership"])


def test_the_plan_lists_the_steps_in_order_of_weighted_gap_with_their_actions(world):
    page = world.client().get(f"/roles/{world.roles['vp']}")
    plan = section(page, "plan-heading")
    weighted = {"data-driven-decision-making": 4, "team-leadership": 3}  # w * gap, by hand
    expected = sorted(
        (step for step in FRAMEWORK["steps"] if set(step["competencies"]) & set(weighted)),
        key=lambda step: (
            -sum(weighted.get(slug, 0) for slug in step["competencies"]),
            step["order"],
        ),
    )
    positions = [plan.index(step["title"]) for step in expected]
    assert positions == sorted(positions)
    assert len(expected) == 4
    for step in expected:
        assert f'href="/framework/steps/{step["slug"]}"' in page.text
        for action in step["actions"]:
            assert action in plan
    for step in FRAMEWORK["steps"]:
        if step not in expected:
            assert step["title"] not in plan


def test_the_benchmark_report_opens_by_its_key(world):
    page = world.client().get("/roles/benchmark")
    assert page.status_code == 200
    assert f"<h1>Readiness for {FRAMEWORK['benchmark']['title']}</h1>" in page.text
    assert "The portal's CPO benchmark · report for Casey Candidate" in text_of(page)


@pytest.mark.parametrize("role", ["draft", "archived", "unshared"])
def test_a_role_not_open_to_the_candidate_is_not_found(world, role):
    page = world.client().get(f"/roles/{world.roles[role]}")
    assert page.status_code == 404
    assert "Draft role" not in page.text
    assert "Other company role" not in page.text


@pytest.mark.parametrize("key", ["nope", "999999999", "0", "-1"])
def test_an_unknown_role_is_not_found(world, key):
    assert world.client().get(f"/roles/{key}").status_code == 404


def test_interview_levels_never_reach_the_candidate(world, app):
    with app.app_context():
        slots = dict(db.session.execute(select(Competency.slug, Competency.slot)).all())
        db.session.add(
            InterviewLevels(
                organisation_id=world.org_a.organisation_id,
                candidate_id=world.candidate_id,
                **{
                    level_column(slots["data-driven-decision-making"]): 50,
                    level_column(slots["product-strategy"]): 10,
                },
            )
        )
        db.session.commit()
        db.session.remove()
    page = world.client().get(f"/roles/{world.roles['vp']}")
    vp = expected_score(VP_PRODUCT["competencies"], SELF_LEVELS)
    assert f"score {shown(vp)} of 100" in section(page, "verdict-heading")
    gaps = section(page, "gaps-heading")
    descriptor = DESCRIPTORS["data-driven-decision-making"][3]
    assert f"Level 3 · {descriptor['label']}" in gaps
    assert NAMES["product-strategy"] not in gaps


# --- who may see it ------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/roles", "/roles/benchmark"])
def test_staff_are_refused_and_visitors_sign_in(world, client, url):
    staff = world.client(world.org_a.recruiter_email)
    assert staff.get(url).status_code == 403
    response = client.get(url)
    assert response.status_code == 302
    assert "/signin" in response.headers["Location"]


def test_candidates_see_a_roles_link_and_staff_do_not(world):
    assert 'href="/roles"' in world.client().get("/dashboard").text
    assert 'href="/roles"' not in world.client(world.org_a.recruiter_email).get("/dashboard").text


# --- the dashboard -------------------------------------------------------------------------------


def test_the_dashboard_shows_the_benchmark_and_the_best_matching_role(world):
    page = world.client().get("/dashboard")
    headline = text_of(page)
    score = expected_score(FRAMEWORK["benchmark"]["competencies"], SELF_LEVELS)
    assert f"CPO benchmark: Not ready yet · score {shown(score)} of 100" in headline
    assert "Best-matching role: Head of Product at" in headline
    assert f'href="/roles/{world.roles["head"]}"' in page.text
    assert "See all your roles and readiness reports" in headline


def test_the_dashboard_without_roles_invites_to_share(client, make_candidate):
    assert sign_in(client, make_candidate()).status_code == 303
    headline = text_of(client.get("/dashboard"))
    assert "No published role yet: share your profile" in headline
