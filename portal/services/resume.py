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
"""

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator, FormatChecker

from portal.models.scorecards import EDUCATION_LEVELS

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


# --- validation -------------------------------------------------------------------------------


def load_resume_schema(path: Path | str) -> dict:
    """The JSON Resume JSON Schema stored at `path`."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def resume_errors(document: Any, schema: dict) -> dict[str, list[str]]:
    """Failing paths ("basics.email", "work.0.startDate", "_document" for the root) -> messages.

    Besides the schema, the portal needs `basics.name` (a non-blank string), and the work dates it
    measures experience with must be real calendar days ("2019-02-30" passes the schema's pattern).
    An empty dict means the document is valid.
    """
    if not isinstance(document, dict):
        return {"_document": ["A JSON Resume is a JSON object."]}
    errors: dict[str, list[str]] = {}
    validator = Draft7Validator(schema, format_checker=FormatChecker())
    for error in sorted(validator.iter_errors(document), key=lambda e: _path(e.absolute_path)):
        errors.setdefault(_path(error.absolute_path), []).append(error.message)
    for path, message in (*_name_errors(document), *_calendar_errors(document)):
        if path not in errors:
            errors[path] = [message]
    return errors


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


def _calendar_errors(document: dict) -> list[tuple[str, str]]:
    found = []
    for section in _DATED_SECTIONS:
        for index, entry in enumerate(_list(document.get(section))):
            for field in ("startDate", "endDate"):
                value = entry.get(field) if isinstance(entry, dict) else None
                if isinstance(value, str) and _is_unreal_date(value):
                    found.append((f"{section}.{index}.{field}", "Not a real calendar date."))
    return found


def _is_unreal_date(value: str) -> bool:
    try:
        _parse_date(value)
    except ValueError:
        return True
    return False


# --- mapping ----------------------------------------------------------------------------------


def map_resume(document: dict, competencies: list[CompetencyTerms], today: date) -> ResumeProfile:
    """A profile from a document that `resume_errors` found valid."""
    basics = document.get("basics") or {}
    work = [entry for entry in _list(document.get("work")) if isinstance(entry, dict)]
    return ResumeProfile(
        name=_text(basics.get("name")),
        email=_text(basics.get("email")),
        headline=_text(basics.get("label")),
        summary=_text(basics.get("summary")),
        years_product=_years(work, _is_product_role, today),
        years_leadership=_years(work, _is_leadership_role, today),
        education=_education(_list(document.get("education"))),
        certifications=_certifications(_list(document.get("certificates"))),
        work_history=[_work_entry(entry) for entry in work],
        assessments=_assessments(_list(document.get("skills")), competencies),
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
