"""SQLAlchemy models, one module per aggregate; importing this package registers them all."""

from portal.models.framework import (
    Competency,
    CompetencyIndicator,
    CompetencyLevel,
    Responsibility,
    ScorecardTemplate,
    SkillArea,
    Step,
)

__all__ = [
    "Competency",
    "CompetencyIndicator",
    "CompetencyLevel",
    "Responsibility",
    "ScorecardTemplate",
    "SkillArea",
    "Step",
]
