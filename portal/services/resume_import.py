"""JSON Resume documents into candidates: checked against the published schema, then mapped.

A document whose structure or types break the schema, or whose values break the candidate field
limits of `POST /candidates`, is refused whole (ValidationFailed naming the resume paths). A value
that breaks only a format is left out with a warning (`ResumeProfile.warnings`). A new candidate
takes every mapped field; an existing profile merges (`merge_plan`).
"""

import dataclasses
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

import marshmallow as ma
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from portal.models import Candidate, Competency, User
from portal.schemas.candidates import CandidateInputSchema
from portal.services import candidates
from portal.services.access import Actor
from portal.services.errors import ValidationFailed, flatten_messages
from portal.services.resume import (
    CompetencyTerms,
    ResumeProfile,
    ResumeWarning,
    SuggestedAssessment,
    check_resume,
    load_resume_schema,
    map_resume,
)

INVALID = "The document is not a valid JSON Resume; nothing was saved."
NAME_MAX, EMAIL_MAX = 200, 254  # the candidate's own limits (CandidateInputSchema)
HEADLINE_MAX, SUMMARY_MAX = 200, 5000
EVIDENCE_MAX = 2000
_LIMITS = CandidateInputSchema()
# Candidate fields -> the resume paths they come from, for naming what a limit refused.
_RESUME_PATHS = {
    "name": "basics.name",
    "email": "basics.email",
    "headline": "basics.label",
    "summary": "basics.summary",
    "years_product": "work",
    "years_leadership": "work",
    "assessments": "skills",
}
# What the merge review lists, in this order.
MERGED_FIELDS = (
    "name",
    "email",
    "headline",
    "summary",
    "years_product",
    "years_leadership",
    "education",
    "certifications",
)


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
    """The profile a document describes, with a warning for every value left out.

    ValidationFailed names every failing path. `terms` saves a bulk import from reading the
    framework again for every document."""
    check = check_resume(document, load_schema(schema_path))
    if check.errors:
        raise ValidationFailed(check.errors, INVALID)
    profile = map_resume(check.document, terms or competency_terms(session), date.today())
    profile = dataclasses.replace(profile, warnings=check.warnings)
    errors = _beyond_limits(profile, check.document)
    if errors:
        raise ValidationFailed(errors, INVALID)
    return profile


def _beyond_limits(profile: ResumeProfile, document: dict) -> dict[str, list[str]]:
    """What the schema allows but a candidate cannot hold (the limits of POST /candidates)."""
    try:
        _LIMITS.load(profile_values(profile, work_history=False))
    except ma.ValidationError as error:
        messages = flatten_messages(error.normalized_messages())
    else:
        return {}
    certificate_indexes = [
        index
        for index, entry in enumerate(document.get("certificates") or [])
        if isinstance(entry, dict) and isinstance(entry.get("name"), str) and entry["name"].strip()
    ]
    errors: dict[str, list[str]] = {}
    for path, texts in messages.items():
        head, _, rest = path.partition(".")
        if head == "certifications" and rest.isdigit():
            resume_path = f"certificates.{certificate_indexes[int(rest)]}.name"
        elif head == "certifications":
            resume_path = "certificates"
        else:
            resume_path = _RESUME_PATHS.get(head, head)
        if resume_path == "work":
            texts = [
                f"The work history adds up to more than {candidates.YEARS_MAX} years; "
                "check the dates."
            ]
        errors.setdefault(resume_path, [])
        errors[resume_path] += [text for text in texts if text not in errors[resume_path]]
    return errors


def profile_values(profile: ResumeProfile, work_history: bool = True) -> dict[str, Any]:
    """Candidate fields (and self-assessments) from a mapped resume; no email when it has none."""
    values = {
        "name": profile.name,
        "email": profile.email,
        "headline": profile.headline,
        "summary": profile.summary,
        "years_product": profile.years_product,
        "years_leadership": profile.years_leadership,
        "education": profile.education,
        "certifications": list(profile.certifications),
        "assessments": [_assessment(s) for s in profile.assessments],
    }
    if not profile.email:
        del values["email"]
    if work_history:
        values["work_history"] = profile.work_history
    return values


def _assessment(suggestion: SuggestedAssessment) -> dict[str, Any]:
    evidence = suggestion.evidence
    if len(evidence) > EVIDENCE_MAX:  # our own words about the resume, not the resume's
        evidence = evidence[: EVIDENCE_MAX - 1] + "…"
    return {"competency": suggestion.competency, "level": suggestion.level, "evidence": evidence}


# --- merging into an existing profile ----------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class KeptAssessment:
    """A self-assessment the candidate made, kept although the resume suggests another level."""

    competency: str
    level: int
    suggested: int


@dataclass(frozen=True)
class MergePlan:
    """What saving a resume into a profile changes; `values` is the update to send."""

    values: dict[str, Any]
    changes: list[FieldChange]
    added: list[SuggestedAssessment]
    kept: list[KeptAssessment]


def merge_plan(candidate: Candidate, profile: ResumeProfile) -> MergePlan:
    """The fields the resume states replace the profile's; the candidate's own self-assessments
    stay (a suggestion only fills a competency they have not assessed); interview ones are not
    touched. `changes` lists the fields whose value differs, in MERGED_FIELDS order."""
    mapped = profile_values(profile)
    stated = [name for name in (*MERGED_FIELDS, "work_history") if name in profile.stated]
    values = {name: mapped[name] for name in stated}
    changes = [
        FieldChange(name, getattr(candidate, name), values[name])
        for name in MERGED_FIELDS
        if name in values and _differs(getattr(candidate, name), values[name])
    ]
    own = {a.competency.slug: a for a in candidate.assessments if a.source == "self"}
    added = [s for s in profile.assessments if s.competency not in own]
    kept = [
        KeptAssessment(s.competency, _whole(own[s.competency].level), s.level)
        for s in profile.assessments
        if s.competency in own and own[s.competency].level != s.level
    ]
    if added:
        current = [
            {"competency": slug, "level": a.level, "evidence": a.evidence}
            for slug, a in own.items()
        ]
        values["assessments"] = current + [_assessment(s) for s in added]
    return MergePlan(values, changes, added, kept)


def _whole(level: float) -> float | int:
    return int(level) if float(level).is_integer() else level


def _differs(old: Any, new: Any) -> bool:
    if isinstance(new, float):
        return old is None or candidates.one_decimal(old) != candidates.one_decimal(new)
    return (list(old) if isinstance(old, list | tuple) else old) != new


def import_as_candidate(
    session: Session, actor: Actor, document: Any, schema_path: str
) -> tuple[Candidate, tuple[ResumeWarning, ...]]:
    """A new candidate in the caller's organisation from a JSON Resume (all or nothing), and
    the warnings about the values left out."""
    actor.require_scope("candidates:write")
    profile = read_resume(session, document, schema_path)
    candidate = candidates.create_candidate(session, actor, profile_values(profile))
    return candidate, profile.warnings


def apply_to_own_profile(
    session: Session, user: User, document: Any, schema_path: str, revision: int
) -> Candidate:
    """Merge the signed-in candidate's reviewed resume into their profile (`merge_plan`).

    `revision` is the profile's revision the review was shown for: StaleWrite if it changed
    since, so what is saved is what the candidate reviewed."""
    profile = read_resume(session, document, schema_path)
    candidate = candidates.own_profile(session, user)
    plan = merge_plan(candidate, profile)
    return candidates.update_candidate(
        session, Actor.for_user(user), candidate.id, plan.values, revision
    )
