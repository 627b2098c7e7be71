"""The framework file says what the seed article says, in the shape CONTRACT promises."""

import re

import pytest

from portal.services.framework_loader import read_framework_file

SEED_RESPONSIBILITIES = [
    "Developing and Implementing Product Strategy",
    "Managing Product Development and Launch",
    "Identifying and Analyzing Market Trends",
    "Collaborating with Cross-Functional Teams",
    "Building and Managing Product Roadmaps",
]
SEED_STEPS = [
    "Gain Experience in Product Management",
    "Develop Leadership and Communication Skills",
    "Expand Your Business and Technical Knowledge",
    "Network and Build Relationships",
    "Pursue Education and Certifications",
]
JUDGEMENT_WORDS = re.compile(r"\b(good|strong|excellent|effective|great|solid|poor)\b", re.I)


@pytest.fixture(scope="module")
def document():
    return read_framework_file()


def test_five_skill_areas_each_with_at_least_two_competencies(document):
    areas = [area["slug"] for area in document["skill_areas"]]
    assert len(areas) == 5
    for area in areas:
        assert sum(c["category"] == area for c in document["competencies"]) >= 2, area


def test_at_least_twelve_competencies_with_indicators_and_five_anchored_levels(document):
    assert len(document["competencies"]) >= 12
    for competency in document["competencies"]:
        assert len(competency["indicators"]) >= 3, competency["slug"]
        assert [level["level"] for level in competency["levels"]] == [1, 2, 3, 4, 5]
        for level in competency["levels"]:
            assert not JUDGEMENT_WORDS.search(level["description"]), (
                competency["slug"],
                level["level"],
            )


def test_responsibilities_and_steps_carry_the_seed_titles_in_order(document):
    assert [r["title"] for r in document["responsibilities"]] == SEED_RESPONSIBILITIES
    assert [s["title"] for s in document["steps"]] == SEED_STEPS
    assert [s["order"] for s in document["steps"]] == [1, 2, 3, 4, 5]
    assert all(step["actions"] for step in document["steps"])


def test_every_competency_is_developed_by_some_step(document):
    developed = {slug for step in document["steps"] for slug in step["competencies"]}
    assert developed == {c["slug"] for c in document["competencies"]}


def test_benchmark_is_a_valid_scorecard(document):
    benchmark = document["benchmark"]
    slugs = [entry["competency"] for entry in benchmark["competencies"]]
    assert len(slugs) == len(set(slugs))
    assert any(entry["must_have"] for entry in benchmark["competencies"])
    assert 3 <= len(benchmark["outcomes"]) <= 8
    assert set(benchmark["responsibilities"]) == {r["slug"] for r in document["responsibilities"]}
