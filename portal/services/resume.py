"""JSON Resume (jsonresume.org) import: validate a document and map it onto a candidate profile.

Pure functions: no request, app or database use (only EDUCATION_LEVELS is imported from the
models); the only I/O is `load_resume_schema`, which reads the schema file it is given. The
mapping rules are the CONTRACT's "JSON Resume import" section:

* Experience is the union of `work[]` intervals (overlaps merged). A partial date ("2019",
  "2019-04") means its first day, a missing `endDate` means `today`, and the end is exclusive, so
  2015-01..2018-01 is 1096 days. Ends after `today` are cut at `today` (planned time is not
  experience yet); an entry without a `startDate`, or ending before it starts, counts nothing.
* "Product" positions contain the letters "product" anywhere ("Production lead" counts, as the
  CONTRACT says "contains"). Leadership positions contain a whole word from LEADERSHIP_WORDS; any
  non-letter/digit separates words, so "Co-Founder" and "CEO/President" count while
  "Headhunter", "SVP Sales" and "Founders Associate" do not.
* Skill terms (a skill's name and keywords) are lower-cased with runs of whitespace collapsed;
  a term shorter than 3 characters is ignored. Hyphens are kept, so "user centered design" does
  not match "user-centered design".
* Real resumes are messy (the project's own sample has an empty profile URL and a scheme-less
  project URL). A value that breaks only a `format` or the date pattern (or a work date that is no
  calendar day) is dropped with a warning; structure and type errors stay errors.
"""

import copy
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path
from typing import Any

import marshmallow as ma

from portal.models.scorecards import EDUCATION_LEVELS
from portal.services.errors import Unavailable

EDUCATION_RANK = EDUCATION_LEVELS
LEADERSHIP_WORDS = (
    "head",
    "director",
    "vp",
    "vice president",
    "chief",
    "cpo",
    "cto",
    "ceo",
    "coo",
    "founder",
)

_EDUCATION_WORDS = {
    "bachelor": "bachelor",
    "ba": "bachelor",
    "bs": "bachelor",
    "bsc": "bachelor",
    "master": "master",
    "ma": "master",
    "ms": "master",
    "msc": "master",
    "mba": "master",
    "phd": "doctorate",
    "doctorate": "doctorate",
}
_SKILL_LEVELS = {
    "beginner": 2,
    "novice": 2,
    "intermediate": 3,
    "advanced": 4,
    "expert": 5,
    "master": 5,
}
DEFAULT_SKILL_LEVEL = 3
MIN_TERM_LENGTH = 3
_DAYS_PER_YEAR = Decimal("365.25")
_WORD = re.compile(r"[^\W_]+")  # letters and digits
_LEADERSHIP = re.compile(
    r"(?<![^\W_])(?:"
    + "|".join(re.escape(word).replace(r"\ ", r"\s+") for word in LEADERSHIP_WORDS)
    + r")(?![^\W_])"
)
_DATED_SECTIONS = ("work",)
SCHEMA_MISSING = (
    "Resume import is unavailable: the JSON Resume schema is not installed on this server "
    "(`make assets` installs it)."
)
_FORMAT_ONLY = ("format", "pattern")  # the schema's only pattern is its iso8601 date
_QUOTED_MAX = 60
# The schema's email check only wants an "@"; a candidate's email must be a real address (the
# check POST /candidates makes), so a resume's odd one is left out rather than refused later.


@cache
def _format_checker():
    """jsonschema's format checkers, built at first use: importing them costs a second."""
    from jsonschema import FormatChecker

    checker = FormatChecker()
    checker.checks("email", raises=ma.ValidationError)(_is_email)
    return checker


def _is_email(value: Any) -> bool:
    return not isinstance(value, str) or bool(ma.validate.Email()(value))


@dataclass(frozen=True)
class CompetencyTerms:
    """What a competency is recognised by."""

    slug: str
    name: str
    indicators: tuple[str, ...]


@dataclass(frozen=True)
class SuggestedAssessment:
    competency: str
    level: int
    evidence: str


@dataclass(frozen=True)
class ResumeProfile:
    name: str
    email: str
    headline: str
    summary: str
    years_product: float
    years_leadership: float
    education: str
    certifications: list[str]
    work_history: list[dict]
    assessments: list[SuggestedAssessment]
    # The candidate fields the document states (a profile keeps the others when it merges).
    stated: frozenset[str] = frozenset()
    warnings: tuple["ResumeWarning", ...] = ()


@dataclass(frozen=True)
class ResumeWarning:
    """A value left out because it broke only a format ("basics.profiles.0.url")."""

    path: str
    message: str


@dataclass(frozen=True)
class ResumeCheck:
    """`errors` refuse the document; otherwise `document` is it without the `warnings` values."""

    errors: dict[str, list[str]]
    warnings: tuple[ResumeWarning, ...] = ()
    document: Any = field(default=None, repr=False)


# --- validation -------------------------------------------------------------------------------


def load_resume_schema(path: Path | str) -> dict:
    """The JSON Resume JSON Schema stored at `path` (installed from npm by `make assets`)."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise Unavailable(SCHEMA_MISSING) from None


def resume_errors(document: Any, schema: dict) -> dict[str, list[str]]:
    """Failing paths ("basics.name", "work.0", "_document" for the root) -> messages.

    An empty dict means the document can be imported (perhaps with warnings: `check_resume`).
    """
    return check_resume(document, schema).errors


def check_resume(document: Any, schema: dict) -> ResumeCheck:
    """Errors that refuse the document, or the document without the values it warns about.

    Besides the schema, the portal needs `basics.name` (a non-blank string). A value that breaks
    only a `format` (uri, email) or the date pattern, and a work date that passes the pattern but
    is no calendar day ("2019-02-30"), is dropped with a warning: nothing the portal keeps depends
    on it, and real resumes are full of them. The given document is never changed.
    """
    if not isinstance(document, dict):
        return ResumeCheck({"_document": ["A JSON Resume is a JSON object."]})
    errors: dict[str, list[str]] = {}
    dropped: dict[tuple, ResumeWarning] = {}
    from jsonschema import Draft7Validator

    validator = Draft7Validator(schema, format_checker=_format_checker())
    for error in sorted(validator.iter_errors(document), key=lambda e: _path(e.absolute_path)):
        parts = tuple(error.absolute_path)
        if error.validator in _FORMAT_ONLY and parts and isinstance(parts[-1], str):
            dropped.setdefault(parts, _warning(parts, error.validator, error.instance, error))
        else:
            errors.setdefault(_path(parts), []).append(error.message)
    for path, message in _name_errors(document):
        errors.setdefault(path, [message])
    if errors:
        return ResumeCheck(errors)
    cleaned = _without(document, dropped)
    for parts in _unreal_work_dates(cleaned):
        dropped[parts] = _warning(parts, "calendar", _at(cleaned, parts), None)
    cleaned = _without(cleaned, dropped)
    warnings = tuple(dropped[parts] for parts in sorted(dropped, key=_document_order))
    return ResumeCheck({}, warnings, cleaned)


def _warning(parts: tuple, kind: str, value: Any, error: Any) -> ResumeWarning:
    shown = value if len(str(value)) <= _QUOTED_MAX else str(value)[:_QUOTED_MAX] + "…"
    format_name = getattr(error, "validator_value", "") if kind == "format" else ""
    if format_name == "uri":
        what = "is not a full web address (https://…)"
    elif format_name == "email":
        what = "is not an email address"
    elif kind == "calendar":
        what = "is not a real calendar date"
    elif kind == "pattern":
        what = "is not a date like 2019-04-30, 2019-04 or 2019"
    else:
        what = f"is not in the {format_name} format"
    return ResumeWarning(_path(parts), f'"{shown}" {what}; it was left out.')


def _document_order(parts: tuple) -> list[tuple[int, Any]]:
    """Sorts "work.2" before "work.10" (list indexes as numbers)."""
    return [(0, part) if isinstance(part, int) else (1, part) for part in parts]


def _at(document: Any, parts: tuple) -> Any:
    for part in parts:
        document = document[part]
    return document


def _without(document: dict, dropped: dict[tuple, ResumeWarning]) -> dict:
    """A copy of `document` without the values at the dropped paths."""
    if not dropped:
        return document
    cleaned = copy.deepcopy(document)
    for parts in dropped:
        parent = _at(cleaned, parts[:-1])
        if isinstance(parent, dict):
            parent.pop(parts[-1], None)
    return cleaned


def _path(parts: Iterable) -> str:
    return ".".join(str(part) for part in parts) or "_document"


def _name_errors(document: dict) -> list[tuple[str, str]]:
    basics = document.get("basics", {})
    if not isinstance(basics, dict):
        return []  # the schema already reports "basics"
    name = basics.get("name")
    if isinstance(name, str) and name.strip():
        return []
    return [("basics.name", "A name is required.")]


def _unreal_work_dates(document: dict) -> list[tuple]:
    """Paths of the work dates experience is measured with that are no calendar day."""
    found = []
    for section in _DATED_SECTIONS:
        for index, entry in enumerate(_list(document.get(section))):
            for name in ("startDate", "endDate"):
                value = entry.get(name) if isinstance(entry, dict) else None
                if isinstance(value, str) and _is_unreal_date(value):
                    found.append((section, index, name))
    return found


def _is_unreal_date(value: str) -> bool:
    try:
        _parse_date(value)
    except ValueError:
        return True
    return False


# --- mapping ----------------------------------------------------------------------------------


def map_resume(document: dict, competencies: list[CompetencyTerms], today: date) -> ResumeProfile:
    """A profile from a document that `check_resume` cleaned (`ResumeCheck.document`).

    `stated` names the candidate fields the document gives: a name always; email, headline and
    summary when not blank; the years when a work entry has a start date; the work history when
    there is one; education when a degree is recognised; certifications when any is named.
    """
    basics = document.get("basics") or {}
    work = [entry for entry in _list(document.get("work")) if isinstance(entry, dict)]
    education = _education(_list(document.get("education")))
    certifications = _certifications(_list(document.get("certificates")))
    stated = {"name"}
    basics_fields = (("email", "email"), ("headline", "label"), ("summary", "summary"))
    stated.update(name for name, key in basics_fields if _text(basics.get(key)))
    if any(entry.get("startDate") for entry in work):
        stated.update(("years_product", "years_leadership"))
    if work:
        stated.add("work_history")
    if education != "none":
        stated.add("education")
    if certifications:
        stated.add("certifications")
    return ResumeProfile(
        name=_text(basics.get("name")),
        email=_text(basics.get("email")),
        headline=_text(basics.get("label")),
        summary=_text(basics.get("summary")),
        years_product=_years(work, _is_product_role, today),
        years_leadership=_years(work, _is_leadership_role, today),
        education=education,
        certifications=certifications,
        work_history=[_work_entry(entry) for entry in work],
        assessments=_assessments(_list(document.get("skills")), competencies),
        stated=frozenset(stated),
    )


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _work_entry(entry: dict) -> dict:
    return {
        "company": _text(entry.get("name")),
        "position": _text(entry.get("position")),
        "start_date": entry.get("startDate") or None,
        "end_date": entry.get("endDate") or None,
    }


# --- experience -------------------------------------------------------------------------------


def _is_product_role(position: str) -> bool:
    return "product" in position.lower()


def _is_leadership_role(position: str) -> bool:
    return _LEADERSHIP.search(position.lower()) is not None


def _years(work: list[dict], counts: Callable[[str], bool], today: date) -> float:
    intervals = [
        interval
        for entry in work
        if counts(_text(entry.get("position")))
        and (interval := _interval(entry, today)) is not None
    ]
    days = sum((end - start).days for start, end in _merged(intervals))
    years = (Decimal(days) / _DAYS_PER_YEAR).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return float(years)


def _interval(entry: dict, today: date) -> tuple[date, date] | None:
    if not entry.get("startDate"):
        return None
    start = _parse_date(entry["startDate"])
    end = _parse_date(entry["endDate"]) if entry.get("endDate") else today
    end = min(end, today)
    return (start, end) if end > start else None


def _parse_date(value: str) -> date:
    """An ISO 8601 day, month ("2019-04") or year ("2019"); a partial date means its first day."""
    parts = [int(part) for part in value.split("-")]
    parts += [1] * (3 - len(parts))
    return date(*parts)


def _merged(intervals: list[tuple[date, date]]) -> list[tuple[date, date]]:
    merged: list[tuple[date, date]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


# --- education and certificates ---------------------------------------------------------------


def _education(entries: list) -> str:
    levels = [_study_level(entry.get("studyType")) for entry in entries if isinstance(entry, dict)]
    return max(levels, key=EDUCATION_RANK.index, default="none")


def _study_level(study_type: Any) -> str:
    """The highest degree word in e.g. "B.Sc.", "Master of Science", "Ph.D."; else "none"."""
    words = _WORD.findall(_text(study_type).lower().replace(".", ""))
    levels = [_EDUCATION_WORDS[word] for word in words if word in _EDUCATION_WORDS]
    return max(levels, key=EDUCATION_RANK.index, default="none")


def _certifications(entries: list) -> list[str]:
    names = (_text(entry.get("name")) for entry in entries if isinstance(entry, dict))
    return [name for name in names if name]


# --- skills -> self-assessments ---------------------------------------------------------------


def _assessments(skills: list, competencies: list[CompetencyTerms]) -> list[SuggestedAssessment]:
    """At most one suggestion per competency: the highest level wins, ties go to the first skill.

    Suggestions come in the order of `competencies`.
    """
    best: dict[str, SuggestedAssessment] = {}
    for skill in skills:
        if not isinstance(skill, dict):
            continue
        for suggestion in _skill_suggestions(skill, competencies):
            current = best.get(suggestion.competency)
            if current is None or suggestion.level > current.level:
                best[suggestion.competency] = suggestion
    return [best[c.slug] for c in competencies if c.slug in best]


def _skill_suggestions(skill: dict, competencies: list[CompetencyTerms]):
    terms = _skill_terms(skill)
    level = _skill_level(skill.get("level"))
    for competency in competencies:
        matched = [term for term in terms if _term_matches(term, competency)]
        if matched:
            yield SuggestedAssessment(competency.slug, level, _evidence(skill, matched))


def _skill_terms(skill: dict) -> list[str]:
    """The skill's name then its keywords, normalised, 3+ characters, each once."""
    raw = [skill.get("name"), *_list(skill.get("keywords"))]
    terms = (_normalise(value) for value in raw if isinstance(value, str))
    return list(dict.fromkeys(term for term in terms if len(term) >= MIN_TERM_LENGTH))


def _normalise(text: str) -> str:
    return " ".join(text.lower().split())


def _term_matches(term: str, competency: CompetencyTerms) -> bool:
    texts = (competency.name, *competency.indicators)
    return any(_contains_phrase(_normalise(text), term) for text in texts) or _contains_phrase(
        term, _normalise(competency.name)
    )


def _contains_phrase(text: str, phrase: str) -> bool:
    """`phrase` occurs in `text` not glued to a letter or digit on either side."""
    pattern = r"(?<![^\W_])" + re.escape(phrase) + r"(?![^\W_])"
    return re.search(pattern, text) is not None


def _skill_level(value: Any) -> int:
    """The first level word in the skill's `level` ("Expert", "advanced user"); 3 otherwise."""
    for word in _WORD.findall(_text(value).lower()):
        if word in _SKILL_LEVELS:
            return _SKILL_LEVELS[word]
    return DEFAULT_SKILL_LEVEL


def _evidence(skill: dict, matched: list[str]) -> str:
    name = _text(skill.get("name"))
    level = _text(skill.get("level"))
    label = "JSON Resume skill" + (f' "{name}"' if name else "") + (f" ({level})" if level else "")
    return f"{label}: matched " + ", ".join(f'"{term}"' for term in matched)
