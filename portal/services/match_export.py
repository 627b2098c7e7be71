"""The match board as words and as CSV: the current ranking (what-if included), one row per
candidate, streamed in chunks so memory stays bounded whatever the size of the pool.

Plain arguments in, rows out: the board page, a CLI or a benchmark can call it alike. The
ranking and the formula are portal.services.matching's; this only words and serialises them.
"""

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import Candidate
from portal.services import matching
from portal.services.access import Actor
from portal.services.match_profiles import tenths

CHUNK = 100
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
VERDICT_WORDS = {
    "ready": "Ready",
    "ready_with_gaps": "Ready with gaps",
    "not_ready": "Not ready",
}
EDUCATION_WORDS = {
    "none": "no degree",
    "bachelor": "a bachelor's degree",
    "master": "a master's degree",
    "doctorate": "a doctorate",
}
SOURCE_WORDS = {"self": "self-assessed", "interview": "interview", None: "not assessed"}


def number_text(value: float | int | None) -> str:
    """A figure as people write it: 4 rather than 4.0, 5.5 as it is."""
    if value is None:
        return ""
    text = f"{tenths(float(value)) / 10:.1f}"
    return text[:-2] if text.endswith(".0") else text


def verdict_text(verdict: str) -> str:
    return VERDICT_WORDS.get(verdict, verdict)


def _years(value: float) -> str:
    return f"{number_text(value)} year{'' if value == 1 else 's'}"


def unmet_requirement_texts(
    match: matching.Match,
    requirements: matching.Requirements,
    candidate: Any,
    blind: bool = False,
) -> list[str]:
    """Each unmet requirement in words, e.g. "8 years in product (has 5.5)"; `candidate` has
    years_product, years_leadership and education. Blind mode leaves out what the candidate
    has for education, which blind mode hides."""
    texts = []
    for name in match.unmet_requirements:
        if name == "min_years_product":
            texts.append(
                f"{_years(requirements.min_years_product)} in product "
                f"(has {number_text(candidate.years_product)})"
            )
        elif name == "min_years_leadership":
            texts.append(
                f"{_years(requirements.min_years_leadership)} leading "
                f"(has {number_text(candidate.years_leadership)})"
            )
        elif name == "education":
            text = f"{EDUCATION_WORDS[requirements.education]} or higher".capitalize()
            if not blind:
                text += f" (has {EDUCATION_WORDS.get(candidate.education, candidate.education)})"
            texts.append(text)
    return texts


def neutralise(value: Any) -> str:
    """A cell a spreadsheet shows as text: one starting like a formula gets a leading quote."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


@dataclass(frozen=True)
class _Person:
    id: int
    name: str
    years_product: float
    years_leadership: float
    education: str


@dataclass(frozen=True)
class Export:
    """A ranking ready to stream: the scorecard, the spec it is ranked against, and the filter."""

    scorecard: Any
    spec: matching.Spec
    criteria: matching.MatchFilter

    def header(self) -> list[str]:
        levels = [f"Level: {criterion.name}" for criterion in self.spec.criteria]
        return [
            "Rank",
            "Candidate",
            "Score",
            "Verdict",
            "Must-haves met",
            "Unmet requirements",
            *levels,
        ]

    def rows(
        self, session: Session, display_name: Callable[[int, str], str], blind: bool = False
    ) -> Iterator[list[str]]:
        """Every matching candidate, best first, `CHUNK` at a time; `display_name(id, name)`
        is what the Candidate column shows (a blind label or the name)."""
        organisation_id = self.scorecard.organisation_id
        statement = matching.ranking_statement(self.spec, self.criteria)
        steps = matching.path_steps(session)
        result = session.execute(
            statement.execution_options(yield_per=CHUNK), {matching.ORGANISATION: organisation_id}
        )
        rank = 0
        for chunk in result.partitions(CHUNK):
            ids = [row.candidate_id for row in chunk]
            known = matching.profiles(session, ids, organisation_id)
            people = {
                row.id: _Person(*row)
                for row in session.execute(
                    select(
                        Candidate.id,
                        Candidate.name,
                        Candidate.years_product,
                        Candidate.years_leadership,
                        Candidate.education,
                    ).where(Candidate.id.in_(ids))
                )
            }
            for candidate_id in ids:
                rank += 1
                person = people[candidate_id]
                match = matching.evaluate(self.spec, known[candidate_id], steps)
                yield self._row(rank, person, match, display_name, blind)

    def _row(self, rank, person, match, display_name, blind) -> list[str]:
        unmet = unmet_requirement_texts(match, self.spec.requirements, person, blind)
        return [
            str(rank),
            display_name(person.id, person.name),
            number_text(match.score),
            verdict_text(match.verdict),
            "yes" if match.must_haves_met else "no",
            "; ".join(unmet),
            *[number_text(gap.level) for gap in match.gaps],
        ]


def prepare(
    session: Session,
    actor: Actor,
    scorecard_id: int,
    criteria: matching.MatchFilter,
    changes: dict[str, Any] | None = None,
) -> Export:
    """Check access and the what-if now (ValidationFailed, NotFound), before anything streams."""
    scorecard, spec = matching.matched_spec(session, actor, scorecard_id, changes)
    return Export(scorecard, spec, criteria)


def csv_lines(rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """CSV text, one line at a time, every cell neutralised against formula injection."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
