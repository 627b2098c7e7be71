"""The matches API as integrations use it: the ranked list with its filters and pages, one
explained match, what-ifs that save nothing, and a candidate's own readiness.

Expected scores are worked out by hand from CONTRACT's formula in the comments beside them.
"""

import json

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import InterviewLevels, Scorecard, User
from portal.models.accounts import SCOPES
from portal.models.matching import level_column
from portal.services import candidates, framework, scorecards
from portal.services.access import Actor
from tests.conftest import PASSWORD, assert_problem, csrf_token_from, sign_in

MATCH = {
    "candidate",
    "scorecard_version",
    "score",
    "verdict",
    "must_haves_met",
    "unmet_requirements",
    "gaps",
    "plan",
}
GAP = {"competency", "target_level", "level", "source", "gap", "weight", "contribution"}
PS, TL = "product-strategy", "team-leadership"
# Product strategy weighs 5 (target 5, a must-have), team leadership 3 (target 4): W = 8.
ROLE = {
    "title": "Chief Product Officer",
    "competencies": [
        {"competency": PS, "weight": 5, "target_level": 5, "must_have": True},
        {"competency": TL, "weight": 3, "target_level": 4, "must_have": False},
    ],
    "requirements": {"min_years_product": 0, "min_years_leadership": 0, "education": "none"},
}


def entry(slug, weight, target_level, must_have=False) -> dict:
    return {
        "competency": slug,
        "weight": weight,
        "target_level": target_level,
        "must_have": must_have,
    }


def levels(ps=None, tl=None) -> list[dict]:
    given = {PS: ps, TL: tl}
    return [{"competency": slug, "level": lv} for slug, lv in given.items() if lv is not None]


class Organisation:
    """One organisation's data, arranged through the services as its recruiters would."""

    def __init__(self, app, made):
        self.app = app
        self.id = made.organisation_id
        self.slug = made.slug
        self.recruiter_email = made.recruiter_email
        self.actor = Actor(organisation_id=self.id, scopes=frozenset(SCOPES))

    def _run(self, work):
        with self.app.app_context():
            try:
                return work(db.session)
            finally:
                db.session.remove()

    def scorecard(self, content=ROLE, publish=False, archive=False) -> int:
        def work(session):
            scorecard = scorecards.create_scorecard(session, self.actor, dict(content))
            if publish:
                scorecards.publish(session, self.actor, scorecard.id, scorecard.revision)
            if archive:
                scorecards.archive(session, self.actor, scorecard.id, scorecard.revision)
            return scorecard.id

        return self._run(work)

    def edit(self, scorecard_id: int, changes: dict) -> None:
        def work(session):
            revision = scorecards.get_scorecard(session, self.actor, scorecard_id).revision
            scorecards.update_scorecard(session, self.actor, scorecard_id, changes, revision)

        self._run(work)

    def publish(self, scorecard_id: int) -> None:
        def work(session):
            revision = scorecards.get_scorecard(session, self.actor, scorecard_id).revision
            scorecards.publish(session, self.actor, scorecard_id, revision)

        self._run(work)

    def revision(self, scorecard_id: int) -> int:
        return self._run(lambda s: s.get(Scorecard, scorecard_id).revision)

    def candidate(self, name: str, assessments=(), **fields) -> int:
        values = {"name": name, "assessments": list(assessments), **fields}
        return self._run(lambda s: candidates.create_candidate(s, self.actor, values).id)

    def interview_level(self, candidate_id: int, competency: str, level: float) -> None:
        """What the organisation's submitted evaluations leave for the ranking to read."""

        def work(session):
            slot = framework.get_competency(session, competency).slot
            row = InterviewLevels(organisation_id=self.id, candidate_id=candidate_id)
            setattr(row, level_column(slot), round(level * 10))
            session.add(row)
            session.commit()

        self._run(work)


class SelfRegistered:
    """A candidate who signed up on their own and chooses whom to share with."""

    def __init__(self, app, email):
        self.app = app
        self.email = email

    def _run(self, work):
        with self.app.app_context():
            try:
                user = db.session.scalar(select(User).where(User.email == self.email))
                return work(db.session, user)
            finally:
                db.session.remove()

    @property
    def id(self) -> int:
        return self._run(lambda s, user: candidates.own_profile(s, user).id)

    def assess(self, assessments, **fields) -> None:
        def work(session, user):
            profile = candidates.own_profile(session, user)
            changes = {"assessments": list(assessments), **fields}
            candidates.update_candidate(
                session, Actor.for_user(user), profile.id, changes, profile.revision
            )

        self._run(work)

    def share_with(self, organisation: Organisation) -> None:
        self._run(lambda s, user: candidates.share_with(s, user, organisation.slug))

    def withdraw(self, organisation: Organisation) -> None:
        self._run(lambda s, user: candidates.withdraw(s, user, organisation.id))


class Caller:
    def __init__(self, client, token):
        self.client = client
        self.auth = {"Authorization": f"Bearer {token}"}

    def get(self, url, **query):
        return self.client.get(url, query_string=query, headers=self.auth)

    def post(self, url, body=None, **query):
        return self.client.post(url, json=body, query_string=query, headers=self.auth)

    def ranking(self, scorecard_id, **query) -> list[tuple[str, float, str, bool]]:
        url = f"/api/v1/scorecards/{scorecard_id}/matches"
        response = self.get(url, **{"page_size": 100, **query})
        assert response.status_code == 200, response.json
        return [summary(item) for item in response.json]

    def what_if(self, scorecard_id, body, **query) -> list[tuple[str, float, str, bool]]:
        url = f"/api/v1/scorecards/{scorecard_id}/matches/what-if"
        response = self.post(url, body, **{"page_size": 100, **query})
        assert response.status_code == 200, response.json
        return [summary(item) for item in response.json]


def summary(item: dict) -> tuple[str, float, str, bool]:
    return item["candidate"]["name"], item["score"], item["verdict"], item["must_haves_met"]


@pytest.fixture
def org(app, make_recruiter) -> Organisation:
    return Organisation(app, make_recruiter())


@pytest.fixture
def other_org(app, make_recruiter) -> Organisation:
    return Organisation(app, make_recruiter())


@pytest.fixture
def api(client, make_api_key, org) -> Caller:
    return Caller(client, make_api_key(org.id, ["matches:read", "scorecards:read"]))


@pytest.fixture
def pool(org):
    """Five candidates against ROLE (W = 8), by hand:
    Ada   PS 5, TL 4: 100 * (5*1 + 3*1) / 8 = 100.0, must-haves met        -> ready
          (and the only one with years of product work: 6)
    Cy    PS 5, TL 2: 100 * (5*1 + 3*0.5) / 8 = 81.25 -> 81.3 (half up), met  -> ready_with_gaps
    Dee   the same as Cy (a tie, broken by id)                               -> ready_with_gaps
    Bo    PS 3, TL 4: 100 * (5*0.6 + 3*1) / 8 = 75.0, PS 3 < 5 (must-have)    -> not_ready
    Eve   nothing assessed: 0.0, must-have missed                            -> not_ready
    """
    ids = {}
    for name, assessed in [
        ("Bo", levels(3, 4)),
        ("Cy", levels(5, 2)),
        ("Ada", levels(5, 4)),
        ("Dee", levels(5, 2)),
        ("Eve", []),
    ]:
        years = {"years_product": 6} if name == "Ada" else {}
        ids[name] = org.candidate(name, assessed, **years)
    return ids


RANKED = [
    ("Ada", 100.0, "ready", True),
    ("Cy", 81.3, "ready_with_gaps", True),
    ("Dee", 81.3, "ready_with_gaps", True),
    ("Bo", 75.0, "not_ready", False),
    ("Eve", 0.0, "not_ready", False),
]


# --- the ranking ---------------------------------------------------------------------------------


def test_ranking_puts_must_haves_met_first_then_score_then_id(api, org, pool):
    published = org.scorecard(publish=True)
    assert api.ranking(published) == RANKED
    assert pool["Cy"] < pool["Dee"]


def test_an_item_has_the_contract_shape_and_explains_the_score(api, org, pool):
    published = org.scorecard(publish=True)
    item = api.get(f"/api/v1/scorecards/{published}/matches/{pool['Cy']}").json
    assert set(item) == MATCH
    assert item["candidate"] == {"id": pool["Cy"], "name": "Cy"}
    assert item["scorecard_version"] == 1
    assert (item["score"], item["verdict"], item["must_haves_met"]) == (
        81.3,
        "ready_with_gaps",
        True,
    )
    assert item["unmet_requirements"] == []
    assert all(set(gap) == GAP for gap in item["gaps"])
    by_slug = {gap["competency"]: gap for gap in item["gaps"]}
    # PS: 100 * 5 * 1 / 8 = 62.5; TL: 100 * 3 * 0.5 / 8 = 18.75 -> 18.8
    assert by_slug[PS] == {
        "competency": PS,
        "target_level": 5,
        "level": 5.0,
        "source": "self",
        "gap": 0.0,
        "weight": 5,
        "contribution": 62.5,
    }
    assert by_slug[TL] == {
        "competency": TL,
        "target_level": 4,
        "level": 2.0,
        "source": "self",
        "gap": 2.0,
        "weight": 3,
        "contribution": 18.8,
    }
    # Only team leadership is below target: the steps that develop it, in step order.
    assert item["plan"] == [
        {
            "step": "develop-leadership-and-communication-skills",
            "title": "Develop Leadership and Communication Skills",
            "addresses": [TL],
        },
        {
            "step": "pursue-education-and-certifications",
            "title": "Pursue Education and Certifications",
            "addresses": [TL],
        },
    ]
    listed = api.get(f"/api/v1/scorecards/{published}/matches", verdict="ready_with_gaps").json
    assert listed[0] == item


def test_filters_narrow_the_ranking_without_reordering_it(api, org, pool):
    published = org.scorecard(publish=True)
    url = f"/api/v1/scorecards/{published}/matches"
    assert api.ranking(published, verdict="ready") == RANKED[:1]
    repeated = api.client.get(
        url + "?verdict=ready&verdict=not_ready&page_size=100", headers=api.auth
    )
    assert [summary(item) for item in repeated.json] == [RANKED[0], *RANKED[3:]]
    assert api.ranking(published, must_haves_met="true") == RANKED[:3]
    assert api.ranking(published, must_haves_met="false") == RANKED[3:]
    assert api.ranking(published, min_score="81.3") == RANKED[:3]
    assert api.ranking(published, min_score="81.31") == RANKED[:1]
    assert api.ranking(published, min_score="75", must_haves_met="false") == RANKED[3:4]
    assert api.ranking(published, min_score="100", verdict="not_ready") == []


@pytest.mark.parametrize(
    "query",
    [
        {"verdict": "maybe"},
        {"min_score": "101"},
        {"min_score": "-1"},
        {"min_score": "lots"},
        {"must_haves_met": "perhaps"},
        {"page_size": "101"},
        {"page": "0"},
    ],
)
def test_bad_filters_are_422_naming_the_parameter(api, org, pool, query):
    published = org.scorecard(publish=True)
    response = api.get(f"/api/v1/scorecards/{published}/matches", **query)
    body = assert_problem(response, 422)
    assert any(path.startswith(next(iter(query))) for path in body["errors"]), body


def test_pages_carry_pagination_and_link_headers(api, org, pool):
    published = org.scorecard(publish=True)
    url = f"/api/v1/scorecards/{published}/matches"
    first = api.get(url, page_size=2)
    assert [summary(item) for item in first.json] == RANKED[:2]
    pagination = json.loads(first.headers["X-Pagination"])
    assert (pagination["total"], pagination["total_pages"], pagination["next_page"]) == (5, 3, 2)
    assert 'rel="next"' in first.headers["Link"]
    assert 'rel="last"' in first.headers["Link"]
    last = api.get(url, page=3, page_size=2)
    assert [summary(item) for item in last.json] == RANKED[4:]
    assert 'rel="prev"' in last.headers["Link"]
    assert 'rel="next"' not in last.headers["Link"]
    filtered = api.get(url, page_size=2, verdict="ready_with_gaps")
    assert json.loads(filtered.headers["X-Pagination"])["total"] == 2
    assert "verdict=ready_with_gaps" in filtered.headers["Link"]
    beyond = api.get(url, page=9, page_size=2)
    assert beyond.status_code == 200
    assert beyond.json == []
    assert json.loads(beyond.headers["X-Pagination"])["total"] == 5


@pytest.mark.parametrize("page", [2**31, 2**63, 10**20])
@pytest.mark.parametrize("verdict", [None, "not_ready"])
def test_a_page_no_database_can_reach_is_past_the_end(api, org, pool, page, verdict):
    published = org.scorecard(publish=True)
    url = f"/api/v1/scorecards/{published}/matches"
    query = {"page_size": 100, **({"verdict": verdict} if verdict else {})}
    asks = (
        lambda **more: api.get(url, **query, **more),
        lambda **more: api.post(f"{url}/what-if", WHAT_IF, **query, **more),
    )
    for ask in asks:
        everyone = ask().json
        beyond = ask(page=page)
        assert beyond.status_code == 200
        assert beyond.json == []
        assert json.loads(beyond.headers["X-Pagination"])["total"] == len(everyone) > 0


# --- which version, which candidates -------------------------------------------------------------


def test_a_draft_never_published_is_matched_as_its_working_copy(api, org, pool):
    draft = org.scorecard()
    response = api.get(f"/api/v1/scorecards/{draft}/matches", page_size=100)
    assert {item["scorecard_version"] for item in response.json} == {0}
    assert [summary(item) for item in response.json] == RANKED
    # Team leadership alone (weight 3, target 4): Ada, Bo 4/4 -> 100.0; Cy, Dee 2/4 -> 50.0.
    org.edit(draft, {"competencies": [entry(TL, 3, 4)]})
    assert api.ranking(draft) == [
        ("Bo", 100.0, "ready", True),
        ("Ada", 100.0, "ready", True),
        ("Cy", 50.0, "not_ready", True),
        ("Dee", 50.0, "not_ready", True),
        ("Eve", 0.0, "not_ready", True),
    ]


def test_a_published_scorecard_is_matched_as_its_latest_version(api, org, pool):
    published = org.scorecard(publish=True)
    # The working copy now asks team leadership at 5 (weight 3) and nothing else ...
    org.edit(published, {"competencies": [entry(TL, 3, 5)]})
    response = api.get(f"/api/v1/scorecards/{published}/matches", page_size=100)
    assert {item["scorecard_version"] for item in response.json} == {1}
    assert [summary(item) for item in response.json] == RANKED  # ... unchanged until published
    org.publish(published)
    # Version 2: TL 4 of 5 -> 80.0 (Ada, Bo), 2 of 5 -> 40.0 (Cy, Dee), Eve 0.0; no must-haves.
    response = api.get(f"/api/v1/scorecards/{published}/matches", page_size=100)
    assert {item["scorecard_version"] for item in response.json} == {2}
    assert [summary(item) for item in response.json] == [
        ("Bo", 80.0, "ready_with_gaps", True),
        ("Ada", 80.0, "ready_with_gaps", True),
        ("Cy", 40.0, "not_ready", True),
        ("Dee", 40.0, "not_ready", True),
        ("Eve", 0.0, "not_ready", True),
    ]


def test_an_archived_scorecard_is_still_matched_as_its_last_version(api, org, pool):
    archived = org.scorecard(publish=True, archive=True)
    assert api.ranking(archived) == RANKED


def test_self_registered_candidates_are_matched_while_they_share(
    app, api, org, other_org, make_candidate
):
    published = org.scorecard(publish=True)
    own = org.candidate("Own", levels(5, 4))
    other_org.candidate("Elsewhere", levels(5, 4))
    sharer = SelfRegistered(app, make_candidate())
    sharer.assess(levels(5, 3))  # PS 5/5, TL 3/4: 100 * (5 + 3*0.75) / 8 = 90.625 -> 90.6
    keeps_to_themselves = SelfRegistered(app, make_candidate())
    keeps_to_themselves.assess(levels(5, 4))
    sharer.share_with(org)
    sharer.share_with(other_org)

    ranked = api.get(f"/api/v1/scorecards/{published}/matches", page_size=100).json
    assert [(item["candidate"]["id"], item["score"]) for item in ranked] == [
        (own, 100.0),
        (sharer.id, 90.6),
    ]
    assert api.get(f"/api/v1/scorecards/{published}/matches/{sharer.id}").status_code == 200

    sharer.withdraw(org)
    listed = api.get(f"/api/v1/scorecards/{published}/matches", page_size=100).json
    assert [item["candidate"]["id"] for item in listed] == [own]
    gone = api.get(f"/api/v1/scorecards/{published}/matches/{sharer.id}")
    assert_problem(gone, 404)
    assert_problem(api.get(f"/api/v1/scorecards/{published}/matches/{keeps_to_themselves.id}"), 404)


def test_interview_levels_of_the_organisation_override_self_assessments(api, org, other_org):
    published = org.scorecard(publish=True)
    cy = org.candidate("Cy", levels(5, 2))
    org.interview_level(cy, TL, 3.5)
    other_org.interview_level(cy, TL, 1.0)  # another organisation's evidence is not ours
    item = api.get(f"/api/v1/scorecards/{published}/matches/{cy}").json
    gap = next(gap for gap in item["gaps"] if gap["competency"] == TL)
    assert (gap["level"], gap["source"], gap["gap"]) == (3.5, "interview", 0.5)
    # 100 * (5*1 + 3*3.5/4) / 8 = 95.3125 -> 95.3
    assert item["score"] == 95.3


# --- refusals reveal nothing ---------------------------------------------------------------------


def test_another_organisations_scorecard_or_candidate_is_not_found(
    client, make_api_key, api, org, other_org, pool
):
    published = org.scorecard(publish=True)
    theirs = other_org.scorecard(publish=True)
    their_candidate = other_org.candidate("Theirs", levels(5, 4))
    outsider = Caller(client, make_api_key(other_org.id, ["matches:read"]))
    answers = [
        outsider.get(f"/api/v1/scorecards/{published}/matches"),
        outsider.get(f"/api/v1/scorecards/{published}/matches/{pool['Ada']}"),
        outsider.post(f"/api/v1/scorecards/{published}/matches/what-if", {}),
        api.get(f"/api/v1/scorecards/{theirs}/matches"),
        api.get(f"/api/v1/scorecards/{published}/matches/{their_candidate}"),
        api.get(f"/api/v1/scorecards/{published}/matches/{2**31 - 1}"),
        api.get(f"/api/v1/scorecards/{2**31 - 1}/matches"),
    ]
    for response in answers:
        body = assert_problem(response, 404)
        assert "Ada" not in response.text
        assert "Chief Product Officer" not in response.text
        assert "Theirs" not in response.text
        assert "errors" not in body


def test_an_api_key_without_matches_read_is_forbidden(client, make_api_key, org, pool):
    published = org.scorecard(publish=True)
    reader = Caller(client, make_api_key(org.id, ["scorecards:read", "candidates:read"]))
    for response in [
        reader.get(f"/api/v1/scorecards/{published}/matches"),
        reader.get(f"/api/v1/scorecards/{published}/matches/{pool['Ada']}"),
        reader.post(f"/api/v1/scorecards/{published}/matches/what-if", {}),
    ]:
        body = assert_problem(response, 403)
        assert "matches:read" in body["detail"]
        assert "Ada" not in response.text


def test_a_signed_in_candidate_cannot_read_matches(client, org, pool, make_candidate):
    published = org.scorecard(publish=True)
    assert sign_in(client, make_candidate()).status_code == 303
    assert_problem(client.get(f"/api/v1/scorecards/{published}/matches"), 403)


# --- what-if ------------------------------------------------------------------------------------


WHAT_IF = {
    "competencies": [
        {"competency": PS, "weight": 1, "target_level": 5, "must_have": False},
        {"competency": TL, "weight": 5, "target_level": 4},
    ]
}


def test_what_if_reranks_as_the_formula_says_and_saves_nothing(api, org, pool):
    published = org.scorecard(publish=True)
    revision = org.revision(published)
    # W = 6, no must-haves:  Ada (1 + 5) / 6 = 100.0;  Bo (0.6 + 5) / 6 = 93.33 -> 93.3;
    # Cy, Dee (1 + 2.5) / 6 = 58.33 -> 58.3;  Eve 0.0.
    assert api.what_if(published, WHAT_IF) == [
        ("Ada", 100.0, "ready", True),
        ("Bo", 93.3, "ready", True),
        ("Cy", 58.3, "not_ready", True),
        ("Dee", 58.3, "not_ready", True),
        ("Eve", 0.0, "not_ready", True),
    ]
    assert api.what_if(published, WHAT_IF, verdict="ready", page_size=1) == [
        ("Ada", 100.0, "ready", True)
    ]
    assert org.revision(published) == revision
    assert api.ranking(published) == RANKED
    detail = api.get(f"/api/v1/scorecards/{published}")
    assert detail.json["competencies"][0]["weight"] == 5


def test_what_if_pages_like_the_ranking(api, org, pool):
    published = org.scorecard(publish=True)
    url = f"/api/v1/scorecards/{published}/matches/what-if"
    response = api.post(url, WHAT_IF, page=2, page_size=2)
    assert [summary(item) for item in response.json] == [
        ("Cy", 58.3, "not_ready", True),
        ("Dee", 58.3, "not_ready", True),
    ]
    assert json.loads(response.headers["X-Pagination"])["total"] == 5
    assert 'rel="prev"' in response.headers["Link"]


def test_what_if_omissions_come_from_the_matched_version(api, org, pool):
    published = org.scorecard(publish=True)
    assert api.what_if(published, {}) == RANKED
    assert api.what_if(published, None) == RANKED  # the body itself is optional
    # Requirements only: 5 years of product work, which only Ada has.
    org.edit(published, {"title": "Edited, not republished"})
    response = api.post(
        f"/api/v1/scorecards/{published}/matches/what-if",
        {"requirements": {"min_years_product": 5}},
        page_size=100,
    )
    by_name = {item["candidate"]["name"]: item for item in response.json}
    assert all(item["scorecard_version"] == 1 for item in response.json)
    assert by_name["Cy"]["unmet_requirements"] == ["min_years_product"]
    assert (by_name["Cy"]["score"], by_name["Cy"]["verdict"]) == (81.3, "not_ready")
    assert (by_name["Ada"]["unmet_requirements"], by_name["Ada"]["must_haves_met"]) == ([], True)
    assert [item["candidate"]["name"] for item in response.json] == [
        "Ada",
        "Cy",
        "Dee",
        "Bo",
        "Eve",
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {"competencies": [{"competency": PS, "weight": 6, "target_level": 5}]},
            "competencies.0.weight",
        ),
        (
            {"competencies": [{"competency": PS, "weight": 0, "target_level": 5}]},
            "competencies.0.weight",
        ),
        (
            {"competencies": [{"competency": PS, "weight": 2.5, "target_level": 5}]},
            "competencies.0.weight",
        ),
        (
            {"competencies": [{"competency": PS, "weight": 3, "target_level": 6}]},
            "competencies.0.target_level",
        ),
        (
            {"competencies": [{"competency": "astrology", "weight": 3, "target_level": 3}]},
            "competencies.0.competency",
        ),
        (
            {
                "competencies": [
                    {"competency": PS, "weight": 3, "target_level": 3},
                    {"competency": PS, "weight": 2, "target_level": 2},
                ]
            },
            "competencies.1.competency",
        ),
        ({"competencies": []}, "competencies"),
        (
            {"competencies": [{"competency": PS, "weight": "3", "target_level": 3}]},
            "competencies.0.weight",
        ),
        ({"requirements": {"min_years_product": 61}}, "requirements.min_years_product"),
        ({"requirements": {"education": "phd"}}, "requirements.education"),
        ({"budget": 1}, "budget"),
    ],
)
def test_a_bad_what_if_is_422_per_field_and_changes_nothing(api, org, pool, body, field):
    published = org.scorecard(publish=True)
    revision = org.revision(published)
    response = api.post(f"/api/v1/scorecards/{published}/matches/what-if", body)
    problem = assert_problem(response, 422)
    assert field in problem["errors"], problem
    assert org.revision(published) == revision
    assert api.ranking(published) == RANKED


def test_a_browser_session_needs_the_csrf_header_for_a_what_if(app, org, pool):
    published = org.scorecard(publish=True)
    url = f"/api/v1/scorecards/{published}/matches/what-if"
    browser = app.test_client()
    assert sign_in(browser, org.recruiter_email, PASSWORD).status_code == 303
    assert browser.get(f"/api/v1/scorecards/{published}/matches").status_code == 200
    assert_problem(browser.post(url, json=WHAT_IF), 400)
    token = csrf_token_from(browser, "/dashboard")
    accepted = browser.post(url, json=WHAT_IF, headers={"X-CSRFToken": token})
    assert accepted.status_code == 200
    assert [item["candidate"]["name"] for item in accepted.json][:2] == ["Ada", "Bo"]


# --- readiness ----------------------------------------------------------------------------------


def test_readiness_lists_the_benchmark_and_the_shared_organisations_published_roles(
    app, client, org, other_org, make_recruiter, make_candidate
):
    unshared = Organisation(app, make_recruiter())
    role = org.scorecard(publish=True)
    org.scorecard(dict(ROLE, title="Draft role"))
    org.scorecard(dict(ROLE, title="Archived role"), publish=True, archive=True)
    other_role = other_org.scorecard(dict(ROLE, title="Other role"), publish=True)
    unshared.scorecard(dict(ROLE, title="Not shared"), publish=True)
    email = make_candidate()
    me = SelfRegistered(app, email)
    me.assess(levels(4, 4))
    me.share_with(org)
    me.share_with(other_org)
    org.interview_level(me.id, PS, 5.0)  # the organisation's evidence stays with it
    # The working copy changes after publishing; readiness reads the published version.
    org.edit(role, {"title": "Renamed, not republished"})

    assert sign_in(client, email).status_code == 303
    response = client.get("/api/v1/me/readiness")
    assert response.status_code == 200
    roles = response.json
    assert [entry["scorecard"] for entry in roles] == [
        {"id": None, "title": "CPO benchmark", "organisation": None},
        *sorted(
            [
                {"id": role, "title": "Chief Product Officer", "organisation": org_name(app, org)},
                {"id": other_role, "title": "Other role", "organisation": org_name(app, other_org)},
            ],
            key=lambda scorecard: scorecard["organisation"],
        ),
    ]
    mine = next(entry["match"] for entry in roles if entry["scorecard"]["id"] == role)
    assert set(mine) == MATCH
    assert mine["candidate"] is None
    # Self-assessed PS 4 of 5 (the interview's 5 is not used): 100 * (5*0.8 + 3*1) / 8 = 87.5,
    # and the must-have is missed.
    assert (mine["score"], mine["verdict"], mine["must_haves_met"]) == (87.5, "not_ready", False)
    assert {gap["source"] for gap in mine["gaps"]} == {"self"}
    assert mine["scorecard_version"] == 1
    benchmark = roles[0]["match"]
    assert benchmark["scorecard_version"] == 0
    assert benchmark["verdict"] == "not_ready"
    assert "min_years_product" in benchmark["unmet_requirements"]


def org_name(app, organisation: Organisation) -> str:
    from portal.models import Organisation as OrganisationModel

    with app.app_context():
        name = db.session.get(OrganisationModel, organisation.id).name
        db.session.remove()
    return name


def test_readiness_is_for_candidates_only(client, org, make_api_key):
    assert_problem(client.get("/api/v1/me/readiness"), 401)
    key = make_api_key(org.id, list(SCOPES))
    refused = client.get("/api/v1/me/readiness", headers={"Authorization": f"Bearer {key}"})
    assert_problem(refused, 403)
    assert sign_in(client, org.recruiter_email).status_code == 303
    assert_problem(client.get("/api/v1/me/readiness"), 403)
