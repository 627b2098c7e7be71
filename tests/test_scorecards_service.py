"""Scorecard rules, called as the pages and the API call them: with an Actor and a session."""

from contextlib import contextmanager

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.models import Scorecard, ScorecardVersion, User
from portal.models.accounts import SCOPES
from portal.services import scorecards
from portal.services.access import Actor
from portal.services.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from portal.services.framework_loader import read_framework_file, shipped_slugs

COMPETENCIES = shipped_slugs("competencies")
RESPONSIBILITIES = shipped_slugs("responsibilities")


@contextmanager
def refused_as_stale():
    """A write based on a replaced revision is refused with the domain's 412 error."""
    with pytest.raises(DomainError) as failure:
        yield failure
    assert failure.value.status == 412, repr(failure.value)
    assert "changed by someone else" in failure.value.detail


def entry(slug, weight=3, target_level=4, must_have=False):
    return {
        "competency": slug,
        "weight": weight,
        "target_level": target_level,
        "must_have": must_have,
    }


def actor_for(session, organisation) -> Actor:
    user = session.scalar(select(User).where(User.email == organisation.recruiter_email))
    return Actor.for_user(user)


def count_scorecards(session, organisation_id: int) -> int:
    return session.scalar(
        select(func.count(Scorecard.id)).where(Scorecard.organisation_id == organisation_id)
    )


def count_versions(session, scorecard_id: int) -> int:
    return session.scalar(
        select(func.count(ScorecardVersion.id)).where(ScorecardVersion.scorecard_id == scorecard_id)
    )


def reloaded(session, actor, scorecard_id) -> Scorecard:
    """The scorecard as the database has it now (not as this session remembers it)."""
    session.expire_all()
    return scorecards.get_scorecard(session, actor, scorecard_id)


@pytest.fixture
def org(make_recruiter):
    return make_recruiter()


@pytest.fixture
def actor(session, org) -> Actor:
    return actor_for(session, org)


@pytest.fixture
def other_actor(session, make_recruiter) -> Actor:
    return actor_for(session, make_recruiter())


def make_draft(session, actor, **values) -> Scorecard:
    return scorecards.create_scorecard(
        session,
        actor,
        {
            "title": "Head of Product",
            "competencies": [entry("product-strategy", 5, 5, True), entry("team-leadership")],
            **values,
        },
    )


def make_published(session, actor, **values) -> Scorecard:
    draft = make_draft(session, actor, **values)
    return scorecards.publish(session, actor, draft.id, draft.revision).scorecard


# --- create --------------------------------------------------------------------------------


@pytest.mark.parametrize("title", ["", "   "])
def test_create_needs_a_title(session, actor, title):
    with pytest.raises(ValidationFailed) as failure:
        scorecards.create_scorecard(session, actor, {"title": title})
    assert "title" in failure.value.errors


def test_create_without_title_key_is_refused(session, actor, org):
    before = count_scorecards(session, org.organisation_id)
    with pytest.raises(ValidationFailed) as failure:
        scorecards.create_scorecard(session, actor, {"mission": "Lead product."})
    assert list(failure.value.errors) == ["title"]
    session.expire_all()
    assert count_scorecards(session, org.organisation_id) == before


def test_create_names_the_unknown_competency_by_its_index(session, actor):
    values = {
        "title": "CPO",
        "competencies": [entry("product-strategy"), entry("juggling"), entry("team-leadership")],
    }
    with pytest.raises(ValidationFailed) as failure:
        scorecards.create_scorecard(session, actor, values)
    assert list(failure.value.errors) == ["competencies.1.competency"]
    assert "juggling" in failure.value.errors["competencies.1.competency"][0]


def test_create_names_the_duplicate_not_the_first_occurrence(session, actor):
    values = {
        "title": "CPO",
        "competencies": [
            entry("product-strategy"),
            entry("team-leadership"),
            entry("product-strategy", weight=1),
        ],
    }
    with pytest.raises(ValidationFailed) as failure:
        scorecards.create_scorecard(session, actor, values)
    assert list(failure.value.errors) == ["competencies.2.competency"]
    assert "twice" in failure.value.errors["competencies.2.competency"][0]


def test_create_refuses_unknown_responsibilities(session, actor):
    values = {"title": "CPO", "responsibilities": [RESPONSIBILITIES[0], "making-coffee"]}
    with pytest.raises(ValidationFailed) as failure:
        scorecards.create_scorecard(session, actor, values)
    assert list(failure.value.errors) == ["responsibilities"]
    assert "making-coffee" in failure.value.errors["responsibilities"][0]


@pytest.mark.parametrize(
    "values",
    [
        {"title": ""},
        {"title": "CPO", "competencies": [entry("juggling")]},
        {"title": "CPO", "competencies": [entry("product-strategy"), entry("product-strategy")]},
        {"title": "CPO", "responsibilities": ["making-coffee"]},
        {"title": "CPO", "outcomes": ["Ship it", "  "]},
        {"title": "", "competencies": [entry("product-strategy")], "responsibilities": []},
    ],
)
def test_a_rejected_create_saves_nothing(session, actor, org, values):
    before = count_scorecards(session, org.organisation_id)
    with pytest.raises(ValidationFailed):
        scorecards.create_scorecard(session, actor, values)
    session.expire_all()
    assert count_scorecards(session, org.organisation_id) == before
    # and the session is still usable for the next request
    make_draft(session, actor)
    assert count_scorecards(session, org.organisation_id) == before + 1


def test_create_stores_the_given_content_as_a_draft(session, actor):
    created = scorecards.create_scorecard(
        session,
        actor,
        {
            "title": "  VP Product  ",
            "mission": " Make the product win. ",
            "outcomes": ["Roadmap in 90 days"],
            "requirements": {"min_years_product": 6, "education": "master"},
            "competencies": [entry("product-strategy", 5, 5, True), entry("user-centered-design")],
            "responsibilities": [RESPONSIBILITIES[1], RESPONSIBILITIES[0]],
        },
    )
    doc = scorecards.document(reloaded(session, actor, created.id))
    assert doc["title"] == "VP Product"
    assert doc["mission"] == "Make the product win."
    assert doc["status"] == "draft"
    assert doc["version"] == 0
    assert doc["published_at"] is None
    assert doc["requirements"] == {
        "min_years_product": 6,
        "min_years_leadership": 0,
        "education": "master",
    }
    assert [(c["competency"], c["weight"], c["must_have"]) for c in doc["competencies"]] == [
        ("product-strategy", 5, True),
        ("user-centered-design", 3, False),
    ]
    # responsibilities come back in the framework's order
    assert doc["responsibilities"] == [RESPONSIBILITIES[0], RESPONSIBILITIES[1]]


# --- copies --------------------------------------------------------------------------------


def test_clone_benchmark_copies_the_cpo_benchmark_as_a_draft(session, actor):
    benchmark = read_framework_file()["benchmark"]
    copy = scorecards.clone_benchmark(session, actor)
    doc = scorecards.document(reloaded(session, actor, copy.id))
    assert doc["title"] == "CPO benchmark" == benchmark["title"]
    assert doc["status"] == "draft"
    assert doc["version"] == 0
    assert doc["mission"] == benchmark["mission"].strip()
    assert doc["outcomes"] == benchmark["outcomes"]
    assert doc["requirements"] == {
        "min_years_product": 8,
        "min_years_leadership": 3,
        "education": "bachelor",
    }
    assert [
        (c["competency"], c["weight"], c["target_level"], c["must_have"])
        for c in doc["competencies"]
    ] == [
        (c["competency"], c["weight"], c["target_level"], c.get("must_have", False))
        for c in benchmark["competencies"]
    ]
    assert len(doc["competencies"]) == 12
    assert sum(c["must_have"] for c in doc["competencies"]) == 6
    assert sorted(doc["responsibilities"]) == sorted(RESPONSIBILITIES)
    assert len(doc["responsibilities"]) == 5


def test_each_benchmark_clone_is_a_new_scorecard(session, actor, org):
    before = count_scorecards(session, org.organisation_id)
    first = scorecards.clone_benchmark(session, actor)
    second = scorecards.clone_benchmark(session, actor)
    assert first.id != second.id
    assert count_scorecards(session, org.organisation_id) == before + 2


def test_clone_scorecard_copies_content_under_a_new_title(session, actor):
    source = make_published(
        session,
        actor,
        mission="Own the roadmap.",
        outcomes=["One", "Two"],
        requirements={"min_years_product": 5, "min_years_leadership": 2, "education": "master"},
        responsibilities=[RESPONSIBILITIES[2]],
    )
    copy = scorecards.clone_scorecard(session, actor, source.id)
    source, copy = reloaded(session, actor, source.id), reloaded(session, actor, copy.id)
    assert copy.id != source.id
    assert copy.title == "Copy of Head of Product"
    assert copy.status == "draft"
    assert copy.version == 0
    expected = {**scorecards.content(source), "title": "Copy of Head of Product"}
    assert scorecards.content(copy) == expected


def test_a_copy_is_independent_of_its_source(session, actor):
    source = make_draft(session, actor, outcomes=["One"])
    before = scorecards.content(reloaded(session, actor, source.id))
    copy = scorecards.clone_scorecard(session, actor, source.id)
    scorecards.update_scorecard(
        session,
        actor,
        copy.id,
        {
            "title": "Changed",
            "outcomes": ["Other"],
            "competencies": [entry("product-strategy", 1, 2)],
            "requirements": {"education": "doctorate"},
        },
        copy.revision,
    )
    assert scorecards.content(reloaded(session, actor, source.id)) == before
    assert reloaded(session, actor, copy.id).title == "Changed"


def test_clone_of_another_organisations_scorecard_is_not_found(session, actor, other_actor):
    theirs = make_draft(session, other_actor)
    with pytest.raises(NotFound):
        scorecards.clone_scorecard(session, actor, theirs.id)


# --- update --------------------------------------------------------------------------------


def test_partial_requirements_keep_the_other_requirement_fields(session, actor):
    created = make_draft(
        session,
        actor,
        requirements={"min_years_product": 7, "min_years_leadership": 3, "education": "master"},
    )
    scorecards.update_scorecard(
        session, actor, created.id, {"requirements": {"min_years_leadership": 5}}, created.revision
    )
    assert scorecards.document(reloaded(session, actor, created.id))["requirements"] == {
        "min_years_product": 7,
        "min_years_leadership": 5,
        "education": "master",
    }


def test_update_leaves_fields_it_does_not_name(session, actor):
    created = make_draft(session, actor, mission="Why the role exists.", outcomes=["A", "B"])
    before = scorecards.content(reloaded(session, actor, created.id))
    scorecards.update_scorecard(session, actor, created.id, {"title": "New"}, created.revision)
    assert scorecards.content(reloaded(session, actor, created.id)) == {**before, "title": "New"}


def test_each_save_increments_the_revision_by_one(session, actor):
    created = make_draft(session, actor)
    start = created.revision
    for step, title in enumerate(["One", "Two", "Three"], start=1):
        updated = scorecards.update_scorecard(
            session, actor, created.id, {"title": title}, start + step - 1
        )
        assert updated.revision == start + step
    assert reloaded(session, actor, created.id).revision == start + 3


def test_stale_revision_is_refused_and_changes_nothing(session, actor):
    created = make_draft(session, actor)
    stale = created.revision
    scorecards.update_scorecard(session, actor, created.id, {"title": "Fresh"}, stale)
    with refused_as_stale():
        scorecards.update_scorecard(
            session, actor, created.id, {"title": "Overwrite", "outcomes": ["x"]}, stale
        )
    current = reloaded(session, actor, created.id)
    assert current.title == "Fresh"
    assert current.outcomes == []
    assert current.revision == stale + 1


def test_a_rejected_update_changes_nothing(session, actor):
    created = make_draft(session, actor, outcomes=["Keep me"])
    before = scorecards.content(reloaded(session, actor, created.id))
    revision = created.revision
    with pytest.raises(ValidationFailed) as failure:
        scorecards.update_scorecard(
            session,
            actor,
            created.id,
            {"title": "Changed", "competencies": [entry("product-strategy"), entry("nope")]},
            revision,
        )
    assert list(failure.value.errors) == ["competencies.1.competency"]
    current = reloaded(session, actor, created.id)
    assert scorecards.content(current) == before
    assert current.revision == revision


def test_archived_scorecards_refuse_edits(session, actor):
    published = make_published(session, actor)
    archived = scorecards.archive(session, actor, published.id, published.revision)
    assert archived.status == "archived"
    with pytest.raises(Conflict):
        scorecards.update_scorecard(
            session, actor, archived.id, {"title": "Edited"}, archived.revision
        )
    with pytest.raises(Conflict):
        scorecards.publish(session, actor, archived.id, archived.revision)
    assert reloaded(session, actor, archived.id).title == "Head of Product"


# --- publish and versions -----------------------------------------------------------------


def test_publish_freezes_numbered_versions(session, actor):
    created = make_draft(session, actor)
    first = scorecards.publish(session, actor, created.id, created.revision)
    assert first.number == 1
    at_publish = scorecards.document(reloaded(session, actor, created.id))
    first_snapshot = dict(first.snapshot)
    assert first_snapshot == at_publish
    assert first_snapshot["version"] == 1
    assert first_snapshot["status"] == "published"
    assert first_snapshot["published_at"] is not None

    card = reloaded(session, actor, created.id)
    scorecards.update_scorecard(
        session,
        actor,
        created.id,
        {"title": "Chief Product Officer", "competencies": [entry("product-strategy", 2, 3)]},
        card.revision,
    )
    card = reloaded(session, actor, created.id)
    assert card.version == 1  # editing does not publish
    second = scorecards.publish(session, actor, created.id, card.revision)
    assert second.number == 2
    assert second.snapshot["title"] == "Chief Product Officer"
    assert second.snapshot["version"] == 2

    session.expire_all()
    old = scorecards.get_version(session, actor, created.id, 1)
    assert old.snapshot == first_snapshot
    assert old.snapshot["title"] == "Head of Product"
    assert [c["competency"] for c in old.snapshot["competencies"]] == [
        "product-strategy",
        "team-leadership",
    ]
    page = scorecards.version_page(session, actor, created.id, 1, 20)
    assert page.total == 2
    assert [v.number for v in page.items] == [2, 1]


def test_publishing_without_competencies_is_refused_and_creates_no_version(session, actor):
    created = scorecards.create_scorecard(session, actor, {"title": "Empty"})
    with pytest.raises(ValidationFailed) as failure:
        scorecards.publish(session, actor, created.id, created.revision)
    assert "competencies" in failure.value.errors
    assert count_versions(session, created.id) == 0
    current = reloaded(session, actor, created.id)
    assert (current.status, current.version, current.published_at) == ("draft", 0, None)


def test_unpublished_changes_are_noticed(session, actor):
    published = make_published(session, actor)
    card = reloaded(session, actor, published.id)
    assert scorecards.has_unpublished_changes(session, card) is False
    scorecards.update_scorecard(session, actor, card.id, {"mission": "New"}, card.revision)
    assert scorecards.has_unpublished_changes(session, reloaded(session, actor, card.id)) is True


def test_get_version_of_unknown_number_is_not_found(session, actor):
    published = make_published(session, actor)
    with pytest.raises(NotFound):
        scorecards.get_version(session, actor, published.id, 2)


# --- archive, restore, delete ---------------------------------------------------------------


def test_only_published_scorecards_are_archived(session, actor):
    draft = make_draft(session, actor)
    with pytest.raises(Conflict):
        scorecards.archive(session, actor, draft.id, draft.revision)
    assert reloaded(session, actor, draft.id).status == "draft"


def test_archive_and_restore(session, actor):
    published = make_published(session, actor)
    archived = scorecards.archive(session, actor, published.id, published.revision)
    assert reloaded(session, actor, published.id).status == "archived"
    # versions stay readable while archived
    assert scorecards.get_version(session, actor, published.id, 1).snapshot["version"] == 1
    restored = scorecards.restore(session, actor, published.id, archived.revision)
    assert restored.status == "published"
    with pytest.raises(Conflict):
        scorecards.restore(session, actor, published.id, restored.revision)


def test_delete_of_a_published_scorecard_is_refused(session, actor):
    published = make_published(session, actor)
    with pytest.raises(Conflict):
        scorecards.delete_draft(session, actor, published.id, published.revision)
    assert reloaded(session, actor, published.id).status == "published"
    assert count_versions(session, published.id) == 1


def test_delete_of_a_draft_removes_it(session, actor, org):
    draft = make_draft(session, actor)
    before = count_scorecards(session, org.organisation_id)
    scorecards.delete_draft(session, actor, draft.id, draft.revision)
    with pytest.raises(NotFound):
        scorecards.get_scorecard(session, actor, draft.id)
    assert count_scorecards(session, org.organisation_id) == before - 1


def test_delete_with_a_stale_revision_is_refused(session, actor):
    draft = make_draft(session, actor)
    stale = draft.revision
    scorecards.update_scorecard(session, actor, draft.id, {"title": "Edited"}, stale)
    with refused_as_stale():
        scorecards.delete_draft(session, actor, draft.id, stale)
    assert reloaded(session, actor, draft.id).title == "Edited"


# --- who may see what ------------------------------------------------------------------------


def test_other_organisations_do_not_see_the_scorecard(session, actor, other_actor):
    mine = make_published(session, actor)
    with pytest.raises(NotFound):
        scorecards.get_scorecard(session, other_actor, mine.id)
    with pytest.raises(NotFound):
        scorecards.update_scorecard(session, other_actor, mine.id, {"title": "x"}, mine.revision)
    with pytest.raises(NotFound):
        scorecards.publish(session, other_actor, mine.id, mine.revision)
    with pytest.raises(NotFound):
        scorecards.version_page(session, other_actor, mine.id, 1, 20)
    with pytest.raises(NotFound):
        scorecards.get_version(session, other_actor, mine.id, 1)
    with pytest.raises(NotFound):
        scorecards.archive(session, other_actor, mine.id, mine.revision)
    with pytest.raises(NotFound):
        scorecards.delete_draft(session, other_actor, mine.id, mine.revision)
    other_page = scorecards.scorecard_page(session, other_actor, page_size=100)
    assert mine.id not in [card.id for card in other_page.items]
    own_page = scorecards.scorecard_page(session, actor, page_size=100)
    assert mine.id in [card.id for card in own_page.items]
    current = reloaded(session, actor, mine.id)
    assert (current.title, current.version) == ("Head of Product", 1)


def test_candidates_are_refused(session, actor, make_candidate):
    mine = make_draft(session, actor)
    email = make_candidate()
    candidate = Actor.for_user(session.scalar(select(User).where(User.email == email)))
    with pytest.raises(Forbidden):
        scorecards.get_scorecard(session, candidate, mine.id)
    with pytest.raises(Forbidden):
        scorecards.scorecard_page(session, candidate)
    with pytest.raises(Forbidden):
        scorecards.create_scorecard(session, candidate, {"title": "Mine now"})
    # even one that names an organisation and every scope is not staff
    pretender = Actor(
        organisation_id=actor.organisation_id,
        user_id=candidate.user_id,
        role="candidate",
        scopes=frozenset(SCOPES),
    )
    with pytest.raises(Forbidden):
        scorecards.get_scorecard(session, pretender, mine.id)
    with pytest.raises(Forbidden):
        scorecards.update_scorecard(session, pretender, mine.id, {"title": "x"}, mine.revision)
    assert reloaded(session, actor, mine.id).title == "Head of Product"


def test_api_keys_need_the_scorecard_scopes(session, actor, org):
    mine = make_draft(session, actor)
    reader = Actor(
        organisation_id=org.organisation_id, api_key_id=1, scopes=frozenset({"scorecards:read"})
    )
    writer_only = Actor(
        organisation_id=org.organisation_id, api_key_id=1, scopes=frozenset({"scorecards:write"})
    )
    unrelated = Actor(
        organisation_id=org.organisation_id, api_key_id=1, scopes=frozenset({"matches:read"})
    )
    assert scorecards.get_scorecard(session, reader, mine.id).id == mine.id
    with pytest.raises(Forbidden):
        scorecards.get_scorecard(session, writer_only, mine.id)
    with pytest.raises(Forbidden):
        scorecards.get_scorecard(session, unrelated, mine.id)
    with pytest.raises(Forbidden):
        scorecards.scorecard_page(session, unrelated)
    with pytest.raises(Forbidden):
        scorecards.update_scorecard(session, reader, mine.id, {"title": "x"}, mine.revision)
    with pytest.raises(Forbidden):
        scorecards.create_scorecard(session, reader, {"title": "x"})
    with pytest.raises(Forbidden):
        scorecards.publish(session, reader, mine.id, mine.revision)
    assert reloaded(session, actor, mine.id).title == "Head of Product"
    both = Actor(
        organisation_id=org.organisation_id,
        api_key_id=1,
        scopes=frozenset({"scorecards:read", "scorecards:write"}),
    )
    updated = scorecards.update_scorecard(
        session, both, mine.id, {"title": "By key"}, mine.revision
    )
    assert updated.title == "By key"


def test_listing_filters_by_status_and_text(session, actor):
    draft = make_draft(session, actor, title="Growth lead (zebracorn)")
    published = make_published(session, actor, title="Platform CPO", mission="zebracorn inside")
    drafts = scorecards.scorecard_page(session, actor, status="draft", page_size=100)
    assert draft.id in [c.id for c in drafts.items]
    assert published.id not in [c.id for c in drafts.items]
    found = scorecards.scorecard_page(session, actor, q="ZEBRACORN", page_size=100)
    assert sorted(c.id for c in found.items) == sorted([draft.id, published.id])
    assert scorecards.scorecard_page(session, actor, q="%", page_size=100).total == 0


# --- the builder's summary --------------------------------------------------------------------


def test_summary_shares_follow_the_weights(session, actor):
    card = make_draft(
        session,
        actor,
        competencies=[
            entry("product-strategy", 5, must_have=True),
            entry("team-leadership", 3),
            entry("user-centered-design", 1),
        ],
    )
    result = scorecards.summary(reloaded(session, actor, card.id))
    assert [slug for slug, _, _ in result.shares] == [
        "product-strategy",
        "team-leadership",
        "user-centered-design",
    ]
    assert sum(share for _, _, share in result.shares) == pytest.approx(100, abs=0.2)
    for (_, _, share), weight in zip(result.shares, [5, 3, 1], strict=True):
        assert share == pytest.approx(100 * weight / 9, abs=0.05)
    assert result.shares[0][1] == "Product strategy and vision"
    assert result.must_haves == 1
    assert not any("must-have" in warning.lower() for warning in result.warnings)


def test_summary_warns_about_no_must_haves(session, actor):
    card = make_draft(session, actor, competencies=[entry("product-strategy")])
    warnings = scorecards.summary(reloaded(session, actor, card.id)).warnings
    assert any(warning.startswith("No must-haves") for warning in warnings)


def test_summary_warns_about_too_many_competencies(session, actor):
    twelve = make_draft(
        session, actor, competencies=[entry(slug, must_have=True) for slug in COMPETENCIES[:12]]
    )
    thirteen = make_draft(
        session, actor, competencies=[entry(slug, must_have=True) for slug in COMPETENCIES[:13]]
    )
    assert not any(
        "More than 12" in w
        for w in scorecards.summary(reloaded(session, actor, twelve.id)).warnings
    )
    assert any(
        w.startswith("More than 12 competencies")
        for w in scorecards.summary(reloaded(session, actor, thirteen.id)).warnings
    )


def test_summary_of_an_empty_scorecard_asks_for_a_competency(session, actor):
    card = scorecards.create_scorecard(session, actor, {"title": "Blank"})
    result = scorecards.summary(reloaded(session, actor, card.id))
    assert result.shares == []
    assert result.must_haves == 0
    assert "Add at least one competency before publishing." in result.warnings
    assert not any(w.startswith("No must-haves") for w in result.warnings)


# --- concurrency -----------------------------------------------------------------------------


def test_two_stale_writers_the_second_is_refused(session, actor):
    card = make_draft(session, actor)
    revision = reloaded(session, actor, card.id).revision  # both writers load revision r
    first = scorecards.update_scorecard(session, actor, card.id, {"title": "Writer one"}, revision)
    assert first.revision == revision + 1
    with refused_as_stale():
        scorecards.update_scorecard(
            session, actor, card.id, {"title": "Writer two", "mission": "Two"}, revision
        )
    current = reloaded(session, actor, card.id)
    assert (current.title, current.mission, current.revision) == ("Writer one", "", revision + 1)


RACING_WRITES = [
    pytest.param(
        lambda session, actor, card_id, revision: scorecards.update_scorecard(
            session, actor, card_id, {"title": "Two"}, revision
        ),
        id="update-title",
    ),
    pytest.param(
        lambda session, actor, card_id, revision: scorecards.update_scorecard(
            session,
            actor,
            card_id,
            {"title": "Two", "competencies": [entry("user-centered-design")]},
            revision,
        ),
        id="update-title-and-competencies",
    ),
    pytest.param(
        lambda session, actor, card_id, revision: scorecards.publish(
            session, actor, card_id, revision
        ),
        id="publish",
    ),
    pytest.param(
        lambda session, actor, card_id, revision: scorecards.delete_draft(
            session, actor, card_id, revision
        ),
        id="delete",
    ),
]


@pytest.mark.parametrize("second_write", RACING_WRITES)
def test_every_write_that_loses_the_race_is_refused_as_stale(app, actor, second_write):
    """Writer 2 passed its revision check before writer 1 committed; it must get 412, not 500."""
    with app.app_context():
        card = make_draft(db.session, actor)
        card_id, revision = card.id, card.revision
        db.session.remove()
        other = Session(db.engine, expire_on_commit=False)
        try:
            # writer 2 holds the scorecard at revision r (the session keeps what is referenced)
            held = scorecards.get_scorecard(other, actor, card_id)
            other.commit()
            scorecards.update_scorecard(db.session, actor, card_id, {"title": "One"}, revision)
            db.session.remove()
            assert held.revision == revision  # so its own revision check passes
            with refused_as_stale():
                second_write(other, actor, card_id, revision)
        finally:
            other.rollback()
            other.close()
        current = scorecards.get_scorecard(db.session, actor, card_id)
        assert (current.title, current.version, current.revision) == ("One", 0, revision + 1)
        assert count_versions(db.session, card_id) == 0
        db.session.remove()
