"""The builder's one-change operations: add, change, remove and move a competency or an outcome,
each checked against the revision it was based on and refused with the rule's message."""

import pytest

from portal.services import scorecards
from portal.services.errors import Conflict, NotFound, StaleWrite, ValidationFailed
from tests.test_pages_scorecards import (
    HTMX,
    PARTS,
    assert_part_fragment,
    new_scorecard,
    sign_in,
)
from tests.test_scorecards_service import actor_for, entry, reloaded


@pytest.fixture
def actor(session, make_recruiter):
    return actor_for(session, make_recruiter())


@pytest.fixture
def draft(session, actor):
    return scorecards.create_scorecard(
        session,
        actor,
        {
            "title": "Head of Product",
            "outcomes": ["One", "Two", "Three"],
            "competencies": [
                entry("product-strategy", 5, 5, True),
                entry("team-leadership"),
                entry("data-driven-decision-making", 2, 3),
            ],
        },
    )


def slugs(scorecard) -> list[str]:
    return [row.competency.slug for row in scorecard.competencies]


def rows(session, actor, scorecard_id) -> list[dict]:
    return scorecards.document(reloaded(session, actor, scorecard_id))["competencies"]


# --- competencies ------------------------------------------------------------------------------


def test_add_competency_appends_it_with_its_values(session, actor, draft):
    saved = scorecards.add_competency(
        session,
        actor,
        draft.id,
        {"competency": "stakeholder-communication", "weight": 4, "target_level": 2},
        draft.revision,
    )
    assert saved.revision == 2
    last = rows(session, actor, draft.id)[-1]
    assert last == {
        "competency": "stakeholder-communication",
        "name": last["name"],
        "weight": 4,
        "target_level": 2,
        "must_have": False,
    }


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"competency": "no-such-skill"}, "competency", "Unknown competency."),
        ({"competency": "team-leadership"}, "competency", "already on the scorecard"),
        (
            {"competency": "stakeholder-communication", "weight": 6},
            "competencies.3.weight",
            "Weight is a whole number from 1 to 5.",
        ),
        (
            {"competency": "stakeholder-communication", "target_level": 0},
            "competencies.3.target_level",
            "Target level is a whole number from 1 to 5.",
        ),
    ],
)
def test_add_competency_refuses_bad_values(session, actor, draft, values, field, message):
    with pytest.raises(ValidationFailed) as failure:
        scorecards.add_competency(session, actor, draft.id, values, draft.revision)
    assert message in " ".join(failure.value.errors[field])
    assert slugs(reloaded(session, actor, draft.id)) == [
        "product-strategy",
        "team-leadership",
        "data-driven-decision-making",
    ]


def test_change_competency_changes_only_the_named_fields(session, actor, draft):
    scorecards.change_competency(
        session, actor, draft.id, "team-leadership", {"target_level": 2}, draft.revision
    )
    row = rows(session, actor, draft.id)[1]
    assert (row["weight"], row["target_level"], row["must_have"]) == (3, 2, False)
    scorecards.change_competency(
        session, actor, draft.id, "team-leadership", {"must_have": True, "weight": 1}, 2
    )
    row = rows(session, actor, draft.id)[1]
    assert (row["weight"], row["target_level"], row["must_have"]) == (1, 2, True)


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"weight": 0}, "weight", "Weight is a whole number from 1 to 5."),
        ({"weight": "3"}, "weight", "Weight is a whole number from 1 to 5."),
        ({"weight": True}, "weight", "Weight is a whole number from 1 to 5."),
        ({"target_level": 6}, "target_level", "Target level is a whole number from 1 to 5."),
        ({"target_level": 2.5}, "target_level", "Target level is a whole number from 1 to 5."),
        ({"must_have": "yes"}, "must_have", "Must-have is true or false."),
    ],
)
def test_change_competency_refuses_bad_values(session, actor, draft, values, field, message):
    with pytest.raises(ValidationFailed) as failure:
        scorecards.change_competency(
            session, actor, draft.id, "team-leadership", {"weight": 4, **values}, draft.revision
        )
    assert failure.value.errors == {f"competencies.1.{field}": [message]}
    row = rows(session, actor, draft.id)[1]
    assert (row["weight"], row["target_level"]) == (3, 4)  # nothing saved, not even weight 4
    assert reloaded(session, actor, draft.id).revision == 1


def test_remove_and_move_competencies(session, actor, draft):
    scorecards.move_competency(session, actor, draft.id, "data-driven-decision-making", -2, 1)
    assert slugs(reloaded(session, actor, draft.id)) == [
        "data-driven-decision-making",
        "product-strategy",
        "team-leadership",
    ]
    unchanged = scorecards.move_competency(
        session, actor, draft.id, "data-driven-decision-making", -1, 2
    )
    assert unchanged.revision == 2  # the first cannot go higher: nothing to save
    scorecards.remove_competency(session, actor, draft.id, "product-strategy", 2)
    scorecard = reloaded(session, actor, draft.id)
    assert slugs(scorecard) == ["data-driven-decision-making", "team-leadership"]
    assert [row.position for row in scorecard.competencies] == [0, 1]
    with pytest.raises(NotFound):
        scorecards.remove_competency(session, actor, draft.id, "product-strategy", 3)


# --- outcomes ----------------------------------------------------------------------------------


def outcomes(session, actor, scorecard_id) -> list[str]:
    return reloaded(session, actor, scorecard_id).outcomes


def test_outcome_operations_in_order(session, actor, draft):
    scorecards.change_outcome(session, actor, draft.id, 1, "  Two, edited\n", 1)
    assert outcomes(session, actor, draft.id) == ["One", "Two, edited", "Three"]
    scorecards.move_outcome(session, actor, draft.id, 2, -1, 2)
    assert outcomes(session, actor, draft.id) == ["One", "Three", "Two, edited"]
    scorecards.add_outcome(session, actor, draft.id, "Four", 3)
    scorecards.remove_outcome(session, actor, draft.id, 0, 4)
    assert outcomes(session, actor, draft.id) == ["Three", "Two, edited", "Four"]
    assert scorecards.move_outcome(session, actor, draft.id, 2, 1, 5).revision == 5
    with pytest.raises(NotFound):
        scorecards.change_outcome(session, actor, draft.id, 3, "Nowhere", 5)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("   ", "Write the outcome or remove it."),
        ("x" * 301, "Enter 1 to 300 characters."),
        (None, "Write the outcome or remove it."),
    ],
)
def test_outcome_text_is_checked(session, actor, draft, text, message):
    with pytest.raises(ValidationFailed) as failure:
        scorecards.change_outcome(session, actor, draft.id, 1, text, 1)
    assert failure.value.errors == {"outcomes.1": [message]}
    with pytest.raises(ValidationFailed) as failure:
        scorecards.add_outcome(session, actor, draft.id, text, 1)
    assert failure.value.errors == {"outcomes.3": [message]}
    assert outcomes(session, actor, draft.id) == ["One", "Two", "Three"]


def test_a_ninth_outcome_is_refused(session, actor, draft):
    revision = draft.revision
    for number in range(5):
        revision = scorecards.add_outcome(session, actor, draft.id, f"More {number}", revision)
        revision = revision.revision
    with pytest.raises(ValidationFailed) as failure:
        scorecards.add_outcome(session, actor, draft.id, "Ninth", revision)
    assert failure.value.errors == {"outcomes": ["A scorecard has at most 8 outcomes."]}


# --- stale revisions and archived scorecards ---------------------------------------------------

OPERATIONS = {
    "add_competency": lambda s, a, i, r: scorecards.add_competency(
        s, a, i, {"competency": "stakeholder-communication"}, r
    ),
    "change_competency": lambda s, a, i, r: scorecards.change_competency(
        s, a, i, "team-leadership", {"weight": 1}, r
    ),
    "remove_competency": lambda s, a, i, r: scorecards.remove_competency(
        s, a, i, "team-leadership", r
    ),
    "move_competency": lambda s, a, i, r: scorecards.move_competency(
        s, a, i, "team-leadership", 1, r
    ),
    "add_outcome": lambda s, a, i, r: scorecards.add_outcome(s, a, i, "Four", r),
    "change_outcome": lambda s, a, i, r: scorecards.change_outcome(s, a, i, 0, "Uno", r),
    "remove_outcome": lambda s, a, i, r: scorecards.remove_outcome(s, a, i, 0, r),
    "move_outcome": lambda s, a, i, r: scorecards.move_outcome(s, a, i, 0, 1, r),
}


@pytest.mark.parametrize("name", OPERATIONS)
def test_each_operation_refuses_a_stale_revision(session, actor, draft, name):
    before = scorecards.document(reloaded(session, actor, draft.id))
    scorecards.update_scorecard(session, actor, draft.id, {"mission": "Someone else's"}, 1)
    with pytest.raises(StaleWrite):
        OPERATIONS[name](session, actor, draft.id, 1)
    after = scorecards.document(reloaded(session, actor, draft.id))
    assert scorecards.content(after) == {**scorecards.content(before), "mission": "Someone else's"}
    assert OPERATIONS[name](session, actor, draft.id, 2).revision == 3  # current: saved


@pytest.mark.parametrize("name", OPERATIONS)
def test_each_operation_refuses_an_archived_scorecard(session, actor, draft, name):
    version = scorecards.publish(session, actor, draft.id, draft.revision)
    archived = scorecards.archive(session, actor, draft.id, version.scorecard.revision)
    with pytest.raises(Conflict):
        OPERATIONS[name](session, actor, draft.id, archived.revision)


# --- the page: one part answered, the rest left alone ------------------------------------------


def test_a_weight_change_answers_its_row_and_syncs_only_current_revisions(client, make_recruiter):
    assert sign_in(client, make_recruiter().recruiter_email).status_code == 303
    builder = new_scorecard(client, "benchmark")
    before = builder.revision()
    response = builder.post(
        "competencies/product-strategy",
        {"weight": "4", "target_level": "5", "must_have": "on"},
        htmx=True,
    )
    assert response.status_code == 200
    assert_part_fragment(response, PARTS["competencies/product-strategy"])
    assert 'id="mission"' not in response.text  # the mission being typed is never replaced
    assert (
        f"hx-swap-oob=\"outerHTML:#builder input[name=revision][value='{before}']\""
        in response.text
    )
    page = builder.client.get(builder.url, headers=HTMX).text
    assert f'name="revision" value="{int(before) + 1}"' in page
