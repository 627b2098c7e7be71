"""Seeding: validated, idempotent, and an edited file updates rows in place."""

import copy

import pytest
import yaml
from sqlalchemy import func, inspect, select

from portal.models import Competency, CompetencyLevel, CompetencyQuestion, Step
from portal.services.errors import ValidationFailed
from portal.services.framework import competencies_with_questions
from portal.services.framework_loader import load_framework, read_framework_file
from portal.vocabulary import QUESTIONS_MIN


@pytest.fixture
def document():
    return read_framework_file()


@pytest.fixture
def restore_framework(session, document):
    yield
    load_framework(session, document)


def test_seed_command_twice_changes_nothing(runner):
    first = runner.invoke(args=["seed"])
    second = runner.invoke(args=["seed"])
    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    assert "0 created, 0 updated, 0 removed" in second.output


@pytest.mark.usefixtures("restore_framework")
def test_edited_file_updates_rows_in_place_keeping_ids(session, document):
    competency_id = session.scalar(
        select(Competency.id).where(Competency.slug == "product-strategy")
    )
    edited = copy.deepcopy(document)
    target = next(c for c in edited["competencies"] if c["slug"] == "product-strategy")
    target["name"] = "Product strategy and vision"
    target["levels"][2]["description"] = "Writes the strategy for one product line."
    target["indicators"] = target["indicators"][:3]

    report = load_framework(session, edited)

    assert report.changed
    competency = session.get(Competency, competency_id)
    assert competency.name == "Product strategy and vision"
    assert [i.text for i in competency.indicators] == target["indicators"]
    level_three = session.scalar(
        select(CompetencyLevel).where(
            CompetencyLevel.competency_id == competency_id, CompetencyLevel.level == 3
        )
    )
    assert level_three.description == "Writes the strategy for one product line."


def test_seed_gives_every_competency_its_interview_questions(runner, session, document):
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    slugs = [entry["slug"] for entry in document["competencies"]]

    competencies = competencies_with_questions(session, [*slugs, "telepathy"])

    assert [c.slug for c in competencies] == slugs
    for competency, entry in zip(competencies, document["competencies"], strict=True):
        assert "questions" not in inspect(competency).unloaded, competency.slug
        texts = [question.text for question in competency.questions]
        assert texts == entry["questions"]
        assert len({text.strip() for text in texts if text.strip()}) >= QUESTIONS_MIN, (
            competency.slug
        )


@pytest.mark.usefixtures("restore_framework")
def test_edited_questions_are_applied_in_place_and_reseeding_changes_nothing(session, document):
    edited = copy.deepcopy(document)
    grown, shrunk = edited["competencies"][0], edited["competencies"][1]
    grown["questions"][1] = (
        "Tell me about a time you rebuilt a product team after a reorganization."
    )
    grown["questions"].append("Walk me through how you hired your last product manager.")
    shrunk["questions"] = shrunk["questions"][:QUESTIONS_MIN]
    kept_ids = _question_ids(session, grown["slug"])

    report = load_framework(session, edited)
    again = load_framework(session, edited)

    assert report.changed
    assert not again.changed
    for entry in (grown, shrunk):
        (competency,) = competencies_with_questions(session, [entry["slug"]])
        assert [q.text for q in competency.questions] == entry["questions"]
    assert _question_ids(session, grown["slug"])[: len(kept_ids)] == kept_ids


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda c: c.update(questions=c["questions"][: QUESTIONS_MIN - 1]), "needed"),
        (lambda c: c.pop("questions"), "0 given"),
        (lambda c: c["questions"].append(c["questions"][0]), "listed twice"),
    ],
)
def test_too_few_or_repeated_questions_are_refused_naming_the_competency(
    tmp_path, session, document, mutate, message
):
    raw = _as_plain(document)
    target = raw["competencies"][2]
    mutate(target)
    path = tmp_path / "framework.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    before = session.scalar(select(func.count()).select_from(CompetencyQuestion))

    with pytest.raises(ValidationFailed) as refused:
        read_framework_file(path)

    (problem,) = refused.value.errors["competencies.2.questions"]
    assert problem.startswith(f"{target['slug']}: ")
    assert message in problem
    assert session.scalar(select(func.count()).select_from(CompetencyQuestion)) == before


@pytest.mark.usefixtures("restore_framework")
def test_reordered_steps_keep_their_ids(session, document):
    ids = dict(session.execute(select(Step.slug, Step.id)).all())
    edited = copy.deepcopy(document)
    edited["steps"][0]["order"], edited["steps"][1]["order"] = 2, 1

    load_framework(session, edited)

    orders = dict(session.execute(select(Step.slug, Step.order)).all())
    assert orders[edited["steps"][0]["slug"]] == 2
    assert orders[edited["steps"][1]["slug"]] == 1
    assert dict(session.execute(select(Step.slug, Step.id)).all()) == ids


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda d: d["competencies"][0]["levels"].pop(), "competencies.0.levels"),
        (lambda d: d["competencies"][0].update(indicators=["one"]), "competencies.0.indicators"),
        (lambda d: d["competencies"][0].update(questions=["one"]), "competencies.0.questions"),
        (lambda d: d["competencies"][0]["questions"].insert(0, ""), "competencies.0.questions.0"),
        (lambda d: d["competencies"][1].update(category="astrology"), "competencies"),
        (lambda d: d["steps"][0]["competencies"].append("telepathy"), "references"),
        (
            lambda d: d["benchmark"]["competencies"][0].update(weight=9),
            "benchmark.competencies.0.weight",
        ),
        (lambda d: d["competencies"].append(copy.deepcopy(d["competencies"][0])), "competencies"),
    ],
)
def test_invalid_documents_are_refused_with_the_failing_path(
    tmp_path, session, document, mutate, field
):
    raw = yaml.safe_load(yaml.safe_dump(_as_plain(document)))
    mutate(raw)
    path = tmp_path / "framework.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    before = session.scalar(select(func.count()).select_from(Competency))

    with pytest.raises(ValidationFailed) as refused:
        read_framework_file(path)

    assert field in refused.value.errors
    assert session.scalar(select(func.count()).select_from(Competency)) == before


def test_broken_yaml_is_refused(tmp_path):
    path = tmp_path / "framework.yaml"
    path.write_text("skill_areas: [unclosed", encoding="utf-8")
    with pytest.raises(ValidationFailed) as refused:
        read_framework_file(path)
    assert "file" in refused.value.errors


def _question_ids(session, slug):
    statement = (
        select(CompetencyQuestion.id)
        .join(Competency)
        .where(Competency.slug == slug)
        .order_by(CompetencyQuestion.position)
    )
    return list(session.scalars(statement))


def _as_plain(document):
    return yaml.safe_load(
        yaml.safe_dump({**document, "level_labels": dict(document["level_labels"])})
    )
