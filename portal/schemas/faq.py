"""The FAQ as the API shows it: each question with links to the portal pages it touches."""

import marshmallow as ma
from flask import url_for


def link_href(link) -> str:
    """The path of a FAQ link's page on this site, with its anchor."""
    return url_for(link.endpoint, **link.values, _anchor=link.anchor)


class FaqLinkSchema(ma.Schema):
    title = ma.fields.String(metadata={"description": "What the linked page shows"})
    href = ma.fields.Function(
        link_href, metadata={"description": "Path of the page on this site (HTML, for people)"}
    )


class FaqSchema(ma.Schema):
    slug = ma.fields.String()
    question = ma.fields.String(metadata={"description": "The article's question"})
    answer = ma.fields.String(metadata={"description": "The article's answer, in our words"})
    links = ma.fields.List(
        ma.fields.Nested(FaqLinkSchema),
        metadata={"description": "Framework pages the answer touches"},
    )
