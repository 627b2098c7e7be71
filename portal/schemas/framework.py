"""Framework resources as the API shows them, and the filters readers apply to them."""

import marshmallow as ma

from portal.schemas.fields import SearchText
from portal.services.framework import SKILL_AREA_SLUGS


class LevelSchema(ma.Schema):
    level = ma.fields.Integer(metadata={"description": "1 = Foundational ... 5 = Executive"})
    label = ma.fields.String()
    description = ma.fields.String(metadata={"description": "What someone at this level does"})


class CompetencySchema(ma.Schema):
    slug = ma.fields.String()
    name = ma.fields.String()
    category = ma.fields.String(
        metadata={"description": "Skill area slug"}, validate=ma.validate.OneOf(SKILL_AREA_SLUGS)
    )
    category_name = ma.fields.String(attribute="skill_area.name")
    description = ma.fields.String()
    indicators = ma.fields.Function(
        lambda competency: [indicator.text for indicator in competency.indicators],
        metadata={"description": "Observable behaviours, in the seed's terms"},
    )
    levels = ma.fields.List(ma.fields.Nested(LevelSchema))


class CompetencyRefSchema(ma.Schema):
    slug = ma.fields.String()


def _slugs(owner) -> list[str]:
    return [competency.slug for competency in owner.competencies]


class ResponsibilitySchema(ma.Schema):
    slug = ma.fields.String()
    title = ma.fields.String()
    description = ma.fields.String()
    competencies = ma.fields.Function(
        _slugs, metadata={"description": "Slugs of the competencies it needs"}
    )


class StepSchema(ma.Schema):
    slug = ma.fields.String()
    order = ma.fields.Integer()
    title = ma.fields.String()
    description = ma.fields.String()
    actions = ma.fields.List(ma.fields.String())
    competencies = ma.fields.Function(
        _slugs, metadata={"description": "Slugs of the competencies it develops"}
    )


class CompetencyFilterSchema(ma.Schema):
    """Narrow competencies by skill area and text; the pages and the API share it."""

    category = ma.fields.String(
        load_default=None,
        validate=ma.validate.OneOf(SKILL_AREA_SLUGS),
        metadata={"description": "Skill area slug"},
    )
    q = SearchText(
        load_default=None,
        metadata={"description": "Text searched in names, descriptions and indicators"},
    )
