"""The seed article's frequently asked questions and the candidate backgrounds it names.

Content, not data: read from portal/data/faq.yaml (versioned with the code), validated once.
A link names a page by its endpoint and values; the web and API layers turn it into a URL.
"""

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import marshmallow as ma
import yaml

from portal.services.errors import ValidationFailed, flatten_messages
from portal.services.pagination import Page
from portal.vocabulary import BACKGROUNDS

FAQ_FILE = Path(__file__).resolve().parent.parent / "data" / "faq.yaml"

_slug = ma.fields.String(required=True, validate=ma.validate.Regexp(r"^[a-z0-9]+(-[a-z0-9]+)*$"))
_text = ma.fields.String(required=True, validate=ma.validate.Length(min=1))


@dataclass(frozen=True)
class Link:
    """A page of the portal an answer touches: `endpoint` with `values`, at `anchor`."""

    title: str
    endpoint: str
    values: dict[str, str] = field(default_factory=dict)
    anchor: str | None = None


@dataclass(frozen=True)
class Question:
    slug: str
    question: str
    answer: str
    links: list[Link]


@dataclass(frozen=True)
class Background:
    slug: str
    name: str
    note: str | None = None


@dataclass(frozen=True)
class BackgroundGroup:
    group: str
    members: list[Background]


class _LinkDoc(ma.Schema):
    title = _text
    endpoint = ma.fields.String(
        required=True, validate=ma.validate.Regexp(r"^(pages|framework)\.[a-z_]+$")
    )
    values = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String(), load_default=dict)
    anchor = ma.fields.String(load_default=None)

    @ma.post_load
    def _make(self, data, **_):
        return Link(**data)


class _QuestionDoc(ma.Schema):
    slug = _slug
    question = _text
    answer = _text
    links = ma.fields.List(
        ma.fields.Nested(_LinkDoc), required=True, validate=ma.validate.Length(min=1)
    )

    @ma.post_load
    def _make(self, data, **_):
        return Question(**data)


class _BackgroundDoc(ma.Schema):
    slug = ma.fields.String(required=True, validate=ma.validate.OneOf(BACKGROUNDS))
    name = _text
    note = ma.fields.String(load_default=None)

    @ma.post_load
    def _make(self, data, **_):
        return Background(**data)


class _GroupDoc(ma.Schema):
    group = _text
    members = ma.fields.List(ma.fields.Nested(_BackgroundDoc), required=True)

    @ma.post_load
    def _make(self, data, **_):
        return BackgroundGroup(**data)


class FaqDocument(ma.Schema):
    """The shape of portal/data/faq.yaml: unique question slugs, every background once."""

    questions = ma.fields.List(ma.fields.Nested(_QuestionDoc), required=True)
    backgrounds = ma.fields.List(ma.fields.Nested(_GroupDoc), required=True)

    @ma.validates_schema
    def _consistent(self, doc, **_):
        slugs = [question.slug for question in doc["questions"]]
        if len(set(slugs)) != len(slugs):
            raise ma.ValidationError("Question slugs must be unique.", "questions")
        listed = [m.slug for group in doc["backgrounds"] for m in group.members]
        if sorted(listed) != sorted(BACKGROUNDS):
            raise ma.ValidationError(
                f"List each candidate background once: {', '.join(BACKGROUNDS)}.", "backgrounds"
            )


def read_faq_file(path: Path = FAQ_FILE) -> dict[str, Any]:
    """Parse and validate an FAQ document; ValidationFailed names every bad path."""
    try:
        return FaqDocument().load(yaml.safe_load(path.read_text(encoding="utf-8")))
    except yaml.YAMLError as error:
        raise ValidationFailed({"file": [str(error)]}, f"{path} is not valid YAML.") from error
    except ma.ValidationError as error:
        raise ValidationFailed(
            flatten_messages(error.normalized_messages()), f"{path} is invalid."
        ) from error


@cache
def _shipped() -> dict[str, Any]:
    return read_faq_file()


def questions() -> list[Question]:
    """The article's six questions, in its order."""
    return list(_shipped()["questions"])


def question_page(page: int, page_size: int) -> Page:
    """One page of the questions, like the other public lists."""
    items = questions()
    start = (page - 1) * page_size
    return Page(
        items=items[start : start + page_size], total=len(items), page=page, page_size=page_size
    )


def background_groups() -> list[BackgroundGroup]:
    """The candidate backgrounds, grouped as the article's career-paths answer groups them."""
    return list(_shipped()["backgrounds"])
