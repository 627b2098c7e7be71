"""JSON Resume documents into candidates: validated against the published schema, then mapped."""

from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from portal.models import Candidate, Competency, User
from portal.services import candidates
from portal.services.access import Actor
from portal.services.errors import ValidationFailed
from portal.services.resume import (
    CompetencyTerms,
    ResumeProfile,
    load_resume_schema,
    map_resume,
    resume_errors,
)

INVALID = "The document is not a valid JSON Resume; nothing was saved."
NAME_MAX, EMAIL_MAX = 200, 254  # the candidate's own limits


# The JSON Resume schema shipped by the npm package @jsonresume/schema (see `make assets`).
load_schema = cache(load_resume_schema)


def competency_terms(session: Session) -> list[CompetencyTerms]:
    statement = (
        select(Competency)
        .options(selectinload(Competency.indicators))
        .order_by(Competency.position)
    )
    return [
        CompetencyTerms(c.slug, c.name, tuple(i.text for i in c.indicators))
        for c in session.scalars(statement)
    ]


def read_resume(
    session: Session,
    document: Any,
    schema_path: str,
    terms: list[CompetencyTerms] | None = None,
) -> ResumeProfile:
    """The profile a document describes; ValidationFailed names every failing path.
    `terms` saves a bulk import from reading the framework again for every document."""
    errors = resume_errors(document, load_schema(schema_path))
    if errors:
        raise ValidationFailed(errors, INVALID)
    profile = map_resume(document, terms or competency_terms(session), date.today())
    errors = _beyond_limits(profile)
    if errors:
        raise ValidationFailed(errors, INVALID)
    return profile


def _beyond_limits(profile: ResumeProfile) -> dict[str, list[str]]:
    """What the schema allows but a candidate cannot hold."""
    errors = {
        path: [f"Use at most {limit} characters."]
        for path, value, limit in (
            ("basics.name", profile.name, NAME_MAX),
            ("basics.email", profile.email, EMAIL_MAX),
        )
        if len(value) > limit
    }
    if max(profile.years_product, profile.years_leadership) > candidates.YEARS_MAX:
        errors["work"] = [
            f"The work history adds up to more than {candidates.YEARS_MAX} years; check the dates."
        ]
    return errors


def profile_values(profile: ResumeProfile) -> dict[str, Any]:
    """Candidate fields (and self-assessments) from a mapped resume."""
    return {
        "name": profile.name,
        "email": profile.email,
        "headline": profile.headline[:200],
        "summary": profile.summary,
        "years_product": profile.years_product,
        "years_leadership": profile.years_leadership,
        "education": profile.education,
        "certifications": [name[:200] for name in profile.certifications],
        "work_history": profile.work_history,
        "assessments": [
            {"competency": s.competency, "level": s.level, "evidence": s.evidence}
            for s in profile.assessments
        ],
    }


def import_as_candidate(
    session: Session, actor: Actor, document: Any, schema_path: str
) -> Candidate:
    """A new candidate in the caller's organisation from a JSON Resume (all or nothing)."""
    actor.require_scope("candidates:write")
    profile = read_resume(session, document, schema_path)
    return candidates.create_candidate(session, actor, profile_values(profile))


def apply_to_own_profile(
    session: Session, user: User, document: Any, schema_path: str
) -> Candidate:
    """Replace the signed-in candidate's profile with what their reviewed resume says."""
    profile = read_resume(session, document, schema_path)
    candidate = candidates.own_profile(session, user)
    return candidates.update_candidate(
        session, Actor.for_user(user), candidate.id, profile_values(profile), candidate.revision
    )
