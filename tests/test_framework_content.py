"""The framework file says what the seed article says, in the shape CONTRACT promises."""

import re

import pytest

from portal.services.framework_loader import read_framework_file
from portal.vocabulary import QUESTIONS_MIN

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
BEHAVIOURAL_OPENINGS = ("Tell me about ", "Walk me through ", "Give me an example ")
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


def test_every_competency_has_distinct_behavioural_interview_questions(document):
    for competency in document["competencies"]:
        questions = competency["questions"]
        assert QUESTIONS_MIN <= len(questions) <= 5, competency["slug"]
        assert len({q.strip().lower() for q in questions}) == len(questions), competency["slug"]
        for question in questions:
            assert question.strip() == question, question
            assert question.endswith(("?", ".")), question
            assert question.startswith(BEHAVIOURAL_OPENINGS), question


def test_interview_questions_reuse_the_wording_of_their_competency(document):
    """Each question shares a three-word phrase (two of its words longer than three letters) with
    its competency's description or indicators, which are themselves the seed article's words."""
    for competency in document["competencies"]:
        texts = [competency["description"], *competency["indicators"]]
        source = set().union(*map(_trigrams, texts))
        for question in competency["questions"]:
            assert _trigrams(question) & source, (competency["slug"], question)


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


def _trigrams(text):
    words = re.findall(r"[a-z'-]+", text.lower())
    phrases = (tuple(words[i : i + 3]) for i in range(len(words) - 2))
    return {phrase for phrase in phrases if sum(len(word) > 3 for word in phrase) >= 2}
