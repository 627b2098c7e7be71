"""The recruiter's match pages over HTTP: the ranked board with filters, what-if and apply,
blind mode and reveal, the CSV export, one match explained, compare, and access."""

import csv
import io
import re
from dataclasses import dataclass
from html import unescape

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEvent, Candidate, Competency, Scorecard, User
from portal.models.matching import InterviewLevels, level_column
from portal.services import candidates, scorecards
from portal.services.access import Actor
from tests.conftest import csrf_token_from, sign_in

HTMX = {"HX-Request": "true"}
HYPERLINK = '=HYPERLINK("http://evil.test","click")'
COMPETENCIES = [
    {"competency": "product-strategy", "weight": 5, "target_level": 4, "must_have": True},
    {"competency": "team-leadership", "weight": 3, "target_level": 4, "must_have": False},
    {"competency": "data-driven-decision-making", "weight": 2, "target_level": 3},
]
# name: (product strategy, team leadership, data, years in product, email)
PEOPLE = {
    "Ada Ready": (5, 4, 3, 8, "ada@example.test"),  # 100, ready
    "Bo Gaps": (4, 1, 3, 6, "bo@example.test"),  # 77.5, ready with gaps
    "Cy Short": (2, 4, 3, 3, "cy@example.test"),  # 75, must-have and years unmet
    HYPERLINK: (1, None, None, 0, "-evil@example.test"),  # 12.5 (25.8 with the interview)
}
ORDER = ["Ada Ready", "Bo Gaps", "Cy Short", HYPERLINK]
# Must-have off and no years required: Cy (93.8) overtakes Bo (53.1) once leadership weighs 5.
WHAT_IF = {
    "whatif": "1",
    "w.product-strategy": "1",
    "t.product-strategy": "4",
    "w.team-leadership": "5",
    "t.team-leadership": "4",
    "w.data-driven-decision-making": "2",
    "t.data-driven-decision-making": "3",
    "min_years_product": "0",
    "min_years_leadership": "0",
    "education": "none",
}
WHAT_IF_ORDER = ["Ada Ready", "Cy Short", "Bo Gaps", HYPERLINK]
ROW_NAME = re.compile(
    r'<th scope="row">\s*<a href="/scorecards/\d+/matches/(\d+)[^"]*">([^<]*)</a>'
)


@dataclass
class Pool:
    client: object
    scorecard_id: int
    ids: dict[str, int]
    organisation_id: int

    @property
    def board(self) -> str:
        return f"/scorecards/{self.scorecard_id}/matches"

    def names(self, response) -> list[str]:
        return [unescape(name) for _id, name in ROW_NAME.findall(response.text)]

    def revision(self, app) -> int:
        with app.app_context():
            return db.session.get(Scorecard, self.scorecard_id).revision


def actor_for(email: str) -> Actor:
    return Actor.for_user(db.session.scalar(select(User).where(User.email == email)))


def build_pool(app, organisation, publish=True, archive=False) -> tuple[int, dict[str, int]]:
    with app.app_context():
        actor = actor_for(organisation.recruiter_email)
        scorecard = scorecards.create_scorecard(
            db.session,
            actor,
            {
                "title": "VP Product",
                "competencies": COMPETENCIES,
                "requirements": {"min_years_product": 5},
            },
        )
        if publish:
            scorecards.publish(db.session, actor, scorecard.id, scorecard.revision)
        if archive:
            scorecards.archive(db.session, actor, scorecard.id, scorecard.revision)
        ids = {}
        for name, (strategy, leading, data, years, email) in PEOPLE.items():
            levels = zip(
                ["product-strategy", "team-leadership", "data-driven-decision-making"],
                [strategy, leading, data],
                strict=True,
            )
            assessments = [
                {"competency": slug, "level": level, "evidence": f"Evidence of {slug} at {level}"}
                for slug, level in levels
                if level is not None
            ]
            values = {
                "name": name,
                "email": email,
                "headline": f"Headline of {name}",
                "years_product": years,
                "education": "master",
                "assessments": assessments,
            }
            ids[name] = candidates.create_candidate(db.session, actor, values).id
        slot = db.session.scalar(
            select(Competency.slot).where(Competency.slug == "data-driven-decision-making")
        )
        db.session.add(
            InterviewLevels(
                organisation_id=organisation.organisation_id,
                candidate_id=ids[HYPERLINK],
                **{level_column(slot): 20},
            )
        )
        db.session.commit()
        scorecard_id = scorecard.id
        db.session.remove()
    return scorecard_id, ids


@pytest.fixture
def pool(app, make_recruiter) -> Pool:
    organisation = make_recruiter()
    scorecard_id, ids = build_pool(app, organisation)
    client = app.test_client()
    assert sign_in(client, organisation.recruiter_email).status_code == 303
    return Pool(client, scorecard_id, ids, organisation.organisation_id)


# --- the board -----------------------------------------------------------------------------------


def test_board_ranks_the_organisations_candidates_with_verdicts(pool):
    response = pool.client.get(pool.board)
    assert response.status_code == 200
    assert response.text.lstrip().lower().startswith("<!doctype html>")
    assert pool.names(response) == ORDER
    text = response.text
    assert "Matching version 1" in text
    assert text.index("Ready with gaps") < text.index("Not ready</span>")
    assert text.count(">Ready</span>") == 1
    assert "4 candidates" in text
    assert "Headline of Ada Ready" in unescape(text)
    assert "Interview and self" in text  # the interview level of the last candidate
    assert "Team leadership and talent development: 1 of 4" in text  # Bo's biggest gap
    assert "matches.css" in text
    assert 'style="' not in text


def test_draft_board_says_it_matches_the_working_copy(app, make_recruiter):
    organisation = make_recruiter()
    scorecard_id, _ids = build_pool(app, organisation, publish=False)
    client = app.test_client()
    sign_in(client, organisation.recruiter_email)
    response = client.get(f"/scorecards/{scorecard_id}/matches")
    assert response.status_code == 200
    assert "draft working copy" in response.text


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("verdict=ready", ["Ada Ready"]),
        ("verdict=ready&verdict=ready_with_gaps", ["Ada Ready", "Bo Gaps"]),
        ("must_haves_met=1", ["Ada Ready", "Bo Gaps"]),
        ("min_score=76", ["Ada Ready", "Bo Gaps"]),
        ("verdict=not_ready&min_score=50", ["Cy Short"]),
    ],
)
def test_filters_narrow_the_board(pool, query, expected):
    response = pool.client.get(f"{pool.board}?{query}")
    assert response.status_code == 200
    assert pool.names(response) == expected


def test_bad_filters_are_named_and_the_board_still_answers(pool):
    response = pool.client.get(f"{pool.board}?min_score=abc&verdict=maybe")
    assert response.status_code == 422
    assert "Minimum score: Enter a score from 0 to 100." in response.text
    assert pool.names(response) == ORDER


def test_htmx_gets_the_results_fragment(pool):
    response = pool.client.get(f"{pool.board}?verdict=ready", headers=HTMX)
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="results"')
    assert "<html" not in response.text
    assert "HX-Request" in response.headers["Vary"]
    assert pool.names(response) == ["Ada Ready"]
    full = pool.client.get(pool.board)
    assert "HX-Request" in full.headers["Vary"]


def test_the_board_pages_by_25(app, pool):
    with app.app_context():
        actor = Actor(organisation_id=pool.organisation_id, scopes=frozenset(["candidates:write"]))
        for number in range(25):
            candidates.create_candidate(db.session, actor, {"name": f"Extra {number:02}"})
        db.session.remove()
    first = pool.client.get(f"{pool.board}?verdict=not_ready")
    assert len(pool.names(first)) == 25
    assert "Page 1 of 2" in first.text
    assert "page=2" in first.text
    assert "verdict=not_ready" in first.text
    second = pool.client.get(f"{pool.board}?verdict=not_ready&page=2")
    assert len(pool.names(second)) == 27 - 25
    assert set(pool.names(first)).isdisjoint(pool.names(second))


# --- what-if -------------------------------------------------------------------------------------


def test_what_if_reranks_without_saving(app, pool):
    revision = pool.revision(app)
    response = pool.client.get(pool.board, query_string=WHAT_IF, headers=HTMX)
    assert response.status_code == 200
    assert pool.names(response) == WHAT_IF_ORDER
    assert "Unsaved what-if" in response.text
    assert "Apply to the scorecard" in response.text
    assert pool.revision(app) == revision
    assert pool.names(pool.client.get(pool.board)) == ORDER


def test_an_unchanged_panel_is_no_what_if(pool):
    unchanged = {
        "whatif": "1",
        "w.product-strategy": "5",
        "t.product-strategy": "4",
        "m.product-strategy": "1",
        "w.team-leadership": "3",
        "t.team-leadership": "4",
        "w.data-driven-decision-making": "2",
        "t.data-driven-decision-making": "3",
        "min_years_product": "5",
        "verdict": "ready",
    }
    response = pool.client.get(pool.board, query_string=unchanged)
    assert response.status_code == 200
    assert "Unsaved what-if" not in response.text
    assert pool.names(response) == ["Ada Ready"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"w.product-strategy": "9"},
            "Weight of Product strategy and vision: Must be a whole number",
        ),
        ({"w.no-such-skill": "3"}, "Unknown competency"),
        ({"min_years_product": "99"}, "Years in product: Must be a number from 0 to 60"),
    ],
)
def test_invalid_what_if_is_named_and_the_ranking_unchanged(app, pool, change, message):
    revision = pool.revision(app)
    response = pool.client.get(pool.board, query_string={**WHAT_IF, **change})
    assert response.status_code == 422
    assert message in unescape(response.text)
    assert pool.names(response) == ORDER
    assert "Unsaved what-if" not in response.text
    assert pool.revision(app) == revision
    fragment = pool.client.get(pool.board, query_string={**WHAT_IF, **change}, headers=HTMX)
    assert fragment.status_code == 422
    assert "<html" not in fragment.text


def apply_form(pool, revision, **extra):
    token = csrf_token_from(pool.client, pool.board)
    data = {**WHAT_IF, "csrf_token": token, "revision": str(revision), **extra}
    return pool.client.post(f"{pool.board}/apply", data=data)


def test_apply_saves_the_what_if_as_an_edit(app, pool):
    revision = pool.revision(app)
    response = apply_form(pool, revision)
    assert response.status_code == 303
    assert response.headers["Location"] == pool.board
    assert pool.revision(app) > revision
    with app.app_context():
        doc = scorecards.document(db.session.get(Scorecard, pool.scorecard_id))
    weights = {e["competency"]: (e["weight"], e["must_have"]) for e in doc["competencies"]}
    assert weights["product-strategy"] == (1, False)
    assert weights["team-leadership"] == (5, False)
    assert doc["requirements"]["min_years_product"] == 0
    board = pool.client.get(pool.board)
    assert "unpublished changes" in board.text  # still matched as version 1 until published


def test_stale_apply_is_refused_and_nothing_saved(app, pool):
    revision = pool.revision(app)
    response = apply_form(pool, revision - 1)
    assert response.status_code == 409
    assert "changed by someone else" in response.text
    assert "Unsaved what-if" in response.text  # the what-if is still there to retry
    assert pool.revision(app) == revision


def test_archived_board_is_read_only(app, make_recruiter):
    organisation = make_recruiter()
    scorecard_id, _ids = build_pool(app, organisation, archive=True)
    client = app.test_client()
    sign_in(client, organisation.recruiter_email)
    board = f"/scorecards/{scorecard_id}/matches"
    response = client.get(board, query_string=WHAT_IF)
    assert response.status_code == 200
    assert "read-only" in response.text
    assert "Unsaved what-if" in response.text
    assert "Apply to the scorecard" not in response.text
    with app.app_context():
        revision = db.session.get(Scorecard, scorecard_id).revision
    token = csrf_token_from(client, board)
    refused = client.post(
        f"{board}/apply", data={**WHAT_IF, "csrf_token": token, "revision": str(revision)}
    )
    assert refused.status_code == 409
    assert "archived" in refused.text
    with app.app_context():
        assert db.session.get(Scorecard, scorecard_id).revision == revision


# --- blind mode ----------------------------------------------------------------------------------


def test_blind_mode_hides_who_candidates_are_until_revealed(app, pool):
    response = pool.client.get(f"{pool.board}?blind=1")
    assert response.status_code == 200
    for name, (*_levels, email) in PEOPLE.items():
        assert name not in unescape(response.text)
        assert email not in response.text
        assert f"Headline of {name}" not in unescape(response.text)
    labels = pool.names(response)
    assert all(label.startswith("Candidate ") for label in labels)
    assert len(set(labels)) == 4

    ada = pool.ids["Ada Ready"]
    token = csrf_token_from(pool.client, f"{pool.board}?blind=1")
    revealed = pool.client.post(
        f"{pool.board}/{ada}/reveal",
        data={"csrf_token": token, "next": f"{pool.board}?blind=1"},
    )
    assert revealed.status_code == 303
    assert revealed.headers["Location"] == f"{pool.board}?blind=1"
    with app.app_context():
        event = db.session.scalar(
            select(AuditEvent)
            .where(AuditEvent.action == "match.revealed")
            .where(AuditEvent.organisation_id == pool.organisation_id)
        )
        assert event.detail["candidate_id"] == ada
        assert event.detail["scorecard_id"] == pool.scorecard_id
    after = pool.client.get(f"{pool.board}?blind=1")
    assert pool.names(after)[0] == "Ada Ready"
    assert "Bo Gaps" not in after.text


def test_reveal_needs_the_token_and_refuses_strangers(app, pool, make_recruiter):
    other = make_recruiter()
    stranger = app.test_client()
    sign_in(stranger, other.recruiter_email)
    token = csrf_token_from(stranger, "/scorecards")
    ada = pool.ids["Ada Ready"]
    response = stranger.post(f"{pool.board}/{ada}/reveal", data={"csrf_token": token})
    assert response.status_code == 404
    assert pool.client.post(f"{pool.board}/{ada}/reveal", data={}).status_code == 400


def test_blind_match_page_hides_the_name_and_email(pool):
    bo = pool.ids["Bo Gaps"]
    response = pool.client.get(f"{pool.board}/{bo}?blind=1")
    assert response.status_code == 200
    assert "Bo Gaps" not in response.text
    assert "bo@example.test" not in response.text
    assert "Reveal who this is" in response.text


# --- CSV -----------------------------------------------------------------------------------------


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_csv_exports_the_ranking_with_formulas_neutralised(pool):
    response = pool.client.get(f"{pool.board}.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    header, *rows = csv_rows(response)
    assert header[:6] == [
        "Rank",
        "Candidate",
        "Score",
        "Verdict",
        "Must-haves met",
        "Unmet requirements",
    ]
    assert header[6:] == [
        "Level: Product strategy and vision",
        "Level: Team leadership and talent development",
        "Level: Data-driven decision making",
    ]
    assert [row[1] for row in rows] == [*ORDER[:3], "'" + HYPERLINK]
    assert rows[0] == ["1", "Ada Ready", "100", "Ready", "yes", "", "5", "4", "3"]
    assert rows[1][:5] == ["2", "Bo Gaps", "77.5", "Ready with gaps", "yes"]
    assert rows[2][5] == "5 years in product (has 3)"
    assert rows[3][2] == "25.8"
    assert rows[3][8] == "2"


def test_csv_follows_filters_what_if_and_blind_mode(pool):
    filtered = csv_rows(pool.client.get(f"{pool.board}.csv?must_haves_met=1"))
    assert [row[1] for row in filtered[1:]] == ["Ada Ready", "Bo Gaps"]
    what_if = csv_rows(pool.client.get(f"{pool.board}.csv", query_string=WHAT_IF))
    assert [row[1] for row in what_if[1:3]] == WHAT_IF_ORDER[:2]
    blind = csv_rows(pool.client.get(f"{pool.board}.csv?blind=1"))
    assert all(row[1].startswith("Candidate ") for row in blind[1:])
    invalid = pool.client.get(f"{pool.board}.csv", query_string={**WHAT_IF, "w.x": "3"})
    assert invalid.status_code == 422


def test_csv_streams_every_candidate_past_one_chunk(app, pool):
    with app.app_context():
        actor = Actor(organisation_id=pool.organisation_id, scopes=frozenset(["candidates:write"]))
        for number in range(101):
            candidates.create_candidate(db.session, actor, {"name": f"Bulk {number:03}"})
        db.session.remove()
    rows = csv_rows(pool.client.get(f"{pool.board}.csv"))[1:]
    assert len(rows) == 105
    assert [row[0] for row in rows] == [str(n) for n in range(1, 106)]
    assert rows[-1][1] == "Bulk 100"  # ties (score 0) broken by id


# --- one match -----------------------------------------------------------------------------------


def test_match_page_explains_the_match(pool):
    cy = pool.ids["Cy Short"]
    response = pool.client.get(f"{pool.board}/{cy}")
    assert response.status_code == 200
    text = unescape(response.text)
    assert "Cy Short" in text
    assert "75</strong> out of 100" in text
    assert "Not ready" in text
    svg = re.search(r"<svg class=\"radar\".*?</svg>", response.text, re.S).group(0)
    assert 'role="img"' in svg
    assert "<title" in svg
    assert "<polygon" in svg
    assert "series-target" in svg
    assert "series-level" in svg
    assert "style=" not in response.text
    assert "<script>" not in response.text
    assert '<th scope="col">Target</th><th scope="col">Level</th>' in response.text
    assert "5 years in product (has 3)" in text
    assert "Product strategy and vision: level 2, needs 4" in text
    assert "Evidence of product-strategy at 2" in text  # evidence from the self-assessment
    assert "Development plan" in text
    assert '<h3><a href="/framework/steps/' in response.text


def test_match_page_follows_a_what_if(pool):
    cy = pool.ids["Cy Short"]
    response = pool.client.get(f"{pool.board}/{cy}", query_string=WHAT_IF)
    assert response.status_code == 200
    assert "93.8</strong> out of 100" in response.text
    assert "unsaved what-if" in response.text


# --- compare -------------------------------------------------------------------------------------


def test_compare_three_candidates(pool):
    picked = [pool.ids[name] for name in ("Ada Ready", "Bo Gaps", "Cy Short")]
    query = "&".join(f"candidate={i}" for i in picked)
    response = pool.client.get(f"/scorecards/{pool.scorecard_id}/compare?{query}")
    assert response.status_code == 200
    text = unescape(response.text)
    for name in ("Ada Ready", "Bo Gaps", "Cy Short"):
        assert name in text
    svg = re.search(r"<svg class=\"radar\".*?</svg>", response.text, re.S).group(0)
    for series in ("series-1", "series-2", "series-3"):
        assert series in svg
    assert "series-4" not in svg
    assert "5 years in product (has 3)" in text
    assert "style=" not in response.text


@pytest.mark.parametrize("count", [1, 5])
def test_compare_needs_two_to_four(pool, app, count):
    with app.app_context():
        ids = db.session.scalars(select(Candidate.id).order_by(Candidate.id.desc())).all()
    ids = [*pool.ids.values(), *ids][:count]
    query = "&".join(f"candidate={i}" for i in ids)
    response = pool.client.get(f"/scorecards/{pool.scorecard_id}/compare?{query}")
    assert response.status_code == 422
    assert "Pick 2 to 4 different candidates" in response.text


def test_the_board_offers_compare_checkboxes(pool):
    response = pool.client.get(pool.board)
    assert response.text.count('name="candidate"') == 4
    assert 'form="compare-form"' in response.text
    assert f'action="/scorecards/{pool.scorecard_id}/compare"' in response.text


# --- access --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/matches",
        "/matches.csv",
        "/matches/{candidate}",
        "/compare?candidate={candidate}&candidate={candidate2}",
    ],
)
def test_another_organisations_scorecard_or_candidate_is_not_found(app, pool, make_recruiter, path):
    other = make_recruiter()
    other_scorecard, other_ids = build_pool(app, other)
    mine = pool.ids["Ada Ready"]
    theirs = other_ids["Ada Ready"]
    fill = {"candidate": mine, "candidate2": pool.ids["Bo Gaps"]}
    response = pool.client.get(f"/scorecards/{other_scorecard}" + path.format(**fill))
    assert response.status_code == 404
    assert "<html" in response.text
    if "{candidate}" in path and "compare" not in path:
        foreign = pool.client.get(f"{pool.board}/{theirs}")
        assert foreign.status_code == 404
    if "compare" in path:
        foreign = pool.client.get(
            f"/scorecards/{pool.scorecard_id}/compare?candidate={mine}&candidate={theirs}"
        )
        assert foreign.status_code == 404


# --- links into the board ------------------------------------------------------------------------


def test_builder_list_and_version_link_to_the_board(pool):
    board_link = f'href="{pool.board}"'
    assert board_link in pool.client.get(f"/scorecards/{pool.scorecard_id}").text
    assert board_link in pool.client.get("/scorecards").text
    assert board_link in pool.client.get(f"/scorecards/{pool.scorecard_id}/versions/1").text
