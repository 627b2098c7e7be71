"""The matching formula against a plain re-statement of CONTRACT ("Matching"), and its edges.

The re-statement below is written from CONTRACT's words with exact fractions and nothing shared
with portal.services.matching beyond the data classes it is fed.
"""

import json
from fractions import Fraction
from math import floor

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.schemas.matches import MatchSchema
from portal.services.matching import (
    Criterion,
    Level,
    PathStep,
    Profile,
    Requirements,
    Spec,
    evaluate,
    match_document,
)

SLUGS = [f"c{i}" for i in range(1, 15)]
EDUCATION = ["none", "bachelor", "master", "doctorate"]
STEPS = [
    PathStep("gain-experience", 1, "Gain experience", ("Ship",), frozenset(SLUGS[:5])),
    PathStep("lead", 2, "Lead teams", ("Hire",), frozenset(SLUGS[3:9])),
    PathStep("strategy", 3, "Own strategy", ("Plan",), frozenset(SLUGS[8:])),
]


# --- CONTRACT, restated --------------------------------------------------------------------------


def half_up(value: Fraction) -> Fraction:
    """Round half up to 1 decimal."""
    return Fraction(floor(value * 10 + Fraction(1, 2)), 10)


def contract_match(spec: Spec, profile: Profile) -> dict:
    weights = sum(c.weight for c in spec.criteria)
    total = Fraction(0)
    levels, contributions, gaps = {}, {}, {}
    for c in spec.criteria:
        level = (
            half_up(Fraction(str(profile.levels[c.competency].value)))
            if (c.competency in profile.levels)
            else Fraction(0)
        )
        coverage = min(level / c.target_level, Fraction(1))
        total += c.weight * coverage
        levels[c.competency] = level
        gaps[c.competency] = half_up(max(c.target_level - level, Fraction(0)))
        contributions[c.competency] = half_up(100 * c.weight * coverage / weights)
    score = half_up(100 * total / weights)
    rank = EDUCATION.index
    unmet = [
        name
        for name, ok in (
            (
                "min_years_product",
                half_up(Fraction(str(profile.years_product)))
                >= half_up(Fraction(str(spec.requirements.min_years_product))),
            ),
            (
                "min_years_leadership",
                half_up(Fraction(str(profile.years_leadership)))
                >= half_up(Fraction(str(spec.requirements.min_years_leadership))),
            ),
            ("education", rank(profile.education) >= rank(spec.requirements.education)),
        )
        if not ok
    ]
    met = not unmet and all(
        levels[c.competency] >= c.target_level for c in spec.criteria if c.must_have
    )
    if met and score >= 85:
        verdict = "ready"
    elif met and score >= 60:
        verdict = "ready_with_gaps"
    else:
        verdict = "not_ready"
    plan = []
    for step in STEPS:
        addressed = [
            c for c in spec.criteria if c.competency in step.competencies and gaps[c.competency] > 0
        ]
        if addressed:
            weighted = sum(c.weight * gaps[c.competency] for c in addressed)
            plan.append((-weighted, step.order, step.slug, tuple(c.competency for c in addressed)))
    return {
        "score": float(score),
        "verdict": verdict,
        "must_haves_met": met,
        "unmet_requirements": tuple(unmet),
        "gaps": {slug: float(gap) for slug, gap in gaps.items()},
        "contributions": {slug: float(value) for slug, value in contributions.items()},
        "plan": [(slug, addresses) for _, _, slug, addresses in sorted(plan)],
    }


# --- strategies ----------------------------------------------------------------------------------

tenths = st.integers(0, 50).map(lambda n: n / 10)
years = st.integers(0, 600).map(lambda n: n / 10)


@st.composite
def specs(draw) -> Spec:
    chosen = draw(st.lists(st.sampled_from(SLUGS), min_size=1, max_size=12, unique=True))
    criteria = tuple(
        Criterion(
            slug,
            slug.upper(),
            index + 1,
            draw(st.integers(1, 5)),
            draw(st.integers(1, 5)),
            draw(st.booleans()),
        )
        for index, slug in enumerate(chosen)
    )
    requirements = Requirements(
        draw(st.integers(0, 200).map(lambda n: n / 10)),
        draw(st.integers(0, 100).map(lambda n: n / 10)),
        draw(st.sampled_from(EDUCATION)),
    )
    return Spec(criteria, requirements, version=draw(st.integers(0, 9)))


@st.composite
def profiles(draw) -> Profile:
    assessed = draw(st.lists(st.sampled_from(SLUGS), unique=True))
    levels = {
        slug: Level(draw(tenths), draw(st.sampled_from(["self", "interview"]))) for slug in assessed
    }
    return Profile(7, draw(years), draw(years), draw(st.sampled_from(EDUCATION)), levels)


@settings(max_examples=400, deadline=None)
@given(specs(), profiles())
def test_the_engine_computes_what_contract_says(spec, profile):
    match = evaluate(spec, profile, STEPS)
    expected = contract_match(spec, profile)
    assert match.score == expected["score"]
    assert match.verdict == expected["verdict"]
    assert match.must_haves_met == expected["must_haves_met"]
    assert match.unmet_requirements == expected["unmet_requirements"]
    assert {g.competency: g.gap for g in match.gaps} == expected["gaps"]
    assert {g.competency: g.contribution for g in match.gaps} == expected["contributions"]
    assert [(item.step, item.addresses) for item in match.plan] == expected["plan"]
    assert match.scorecard_version == spec.version


@settings(max_examples=200, deadline=None)
@given(specs(), profiles())
def test_contributions_add_up_to_the_score_within_rounding(spec, profile):
    match = evaluate(spec, profile, STEPS)
    assert abs(sum(g.contribution for g in match.gaps) - match.score) <= 0.05 * (
        len(match.gaps) + 1
    )


# --- edge cases ----------------------------------------------------------------------------------


def spec_of(*criteria, **requirements) -> Spec:
    return Spec(
        tuple(
            Criterion(slug, slug, index + 1, weight, target, must)
            for index, (slug, weight, target, must) in enumerate(criteria)
        ),
        Requirements(**requirements),
    )


def profile_of(levels: dict, years_product=20.0, years_leadership=10.0, education="master"):
    return Profile(
        1,
        years_product,
        years_leadership,
        education,
        {slug: Level(value, source) for slug, (value, source) in levels.items()},
    )


def test_a_candidate_with_no_assessments_scores_zero_and_needs_every_step():
    spec = spec_of(("c1", 5, 4, True), ("c9", 2, 3, False))
    match = evaluate(spec, profile_of({}), STEPS)
    assert match.score == 0
    assert match.verdict == "not_ready"
    assert [g.gap for g in match.gaps] == [4, 3]
    assert [g.source for g in match.gaps] == [None, None]
    assert match.unmet_must_haves == ("c1",)
    # c1 weighs 5 x gap 4 = 20 (step 1); c9 weighs 2 x 3 = 6 (steps 2 and 3, by order)
    assert [item.step for item in match.plan] == ["gain-experience", "lead", "strategy"]


def test_all_must_haves_failed_is_not_ready_however_high_the_score():
    spec = spec_of(("c1", 1, 5, True), ("c2", 5, 1, False))
    match = evaluate(spec, profile_of({"c1": (4.9, "self"), "c2": (5, "self")}), STEPS)
    assert match.score == 99.7  # 100 * (1 * 4.9/5 + 5) / 6 = 99.66...
    assert not match.must_haves_met
    assert match.verdict == "not_ready"


def test_target_five_with_level_five_is_fully_covered():
    spec = spec_of(("c1", 3, 5, True))
    match = evaluate(spec, profile_of({"c1": (5, "self")}), STEPS)
    assert (match.score, match.verdict, match.gaps[0].gap, match.plan) == (100, "ready", 0, ())


def test_a_level_above_target_counts_as_the_target():
    spec = spec_of(("c1", 1, 2, False), ("c2", 1, 4, False))
    match = evaluate(spec, profile_of({"c1": (5, "self"), "c2": (2, "self")}), STEPS)
    assert match.score == 75  # (1 + 0.5) / 2


def test_scores_round_half_up_not_to_even():
    # 100 * (0.1/4 + 0/4) / 2 = 1.25 exactly: half up gives 1.3 (bankers' rounding, 1.2)
    spec = spec_of(("c1", 1, 4, False), ("c2", 1, 4, False))
    match = evaluate(spec, profile_of({"c1": (0.1, "self")}), STEPS)
    assert match.score == 1.3
    assert match.gaps[0].contribution == 1.3


def test_verdict_boundaries_use_the_rounded_score():
    # 100 * 3.4/4 = 85.0 exactly: ready; 100 * 2.4/4 = 60: ready with gaps
    assert (
        evaluate(spec_of(("c1", 1, 4, False)), profile_of({"c1": (3.4, "self")}), STEPS).verdict
        == "ready"
    )
    assert (
        evaluate(spec_of(("c1", 1, 4, False)), profile_of({"c1": (2.4, "self")}), STEPS).verdict
        == "ready_with_gaps"
    )
    assert (
        evaluate(spec_of(("c1", 1, 4, False)), profile_of({"c1": (2.3, "self")}), STEPS).verdict
        == "not_ready"
    )


def test_unmet_requirements_are_named_and_fail_the_must_haves():
    spec = spec_of(
        ("c1", 1, 1, False), min_years_product=8, min_years_leadership=3, education="doctorate"
    )
    match = evaluate(
        spec, profile_of({"c1": (5, "self")}, years_product=7.9, years_leadership=3), STEPS
    )
    assert match.unmet_requirements == ("min_years_product", "education")
    assert match.score == 100
    assert match.verdict == "not_ready"


def test_the_level_source_is_reported_per_competency():
    spec = spec_of(("c1", 1, 4, False), ("c2", 1, 4, False), ("c3", 1, 4, False))
    match = evaluate(spec, profile_of({"c1": (3, "interview"), "c2": (2, "self")}), STEPS)
    assert [g.source for g in match.gaps] == ["interview", "self", None]


@pytest.mark.parametrize(("level", "gap"), [(3.95, 0.0), (3.94, 0.1), (0.04, 4.0), (0.05, 3.9)])
def test_levels_are_rounded_to_one_decimal_before_anything_else(level, gap):
    match = evaluate(spec_of(("c1", 1, 4, True)), profile_of({"c1": (level, "interview")}), STEPS)
    assert match.gaps[0].gap == gap


@given(specs(), profiles())
def test_the_match_document_is_exactly_what_the_schema_documents(spec, profile):
    """The ranking answers match_document's JSON without dumping it through MatchSchema."""
    document = match_document(evaluate(spec, profile, STEPS), {"id": 7, "name": "Alex"})
    assert json.dumps(MatchSchema().dump(document)) == json.dumps(document)
