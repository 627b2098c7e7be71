"""Seeding: validated, idempotent, and an edited file updates rows in place."""

import copy

import pytest
import yaml
from sqlalchemy import func, select

from portal.models import Competency, CompetencyLevel, Step
from portal.services.errors import ValidationFailed
from portal.services.framework_loader import load_framework, read_framework_file


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


def _as_plain(document):
    return yaml.safe_load(
        yaml.safe_dump({**document, "level_labels": dict(document["level_labels"])})
    )
