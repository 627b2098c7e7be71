"""The match board of a scorecard (what-if, blind mode, CSV), one match, and compare."""

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

from flask import Blueprint, Response, flash, request, session, stream_with_context, url_for
from flask_login import login_required

from portal.auth import page_actor, request_origin
from portal.extensions import db
from portal.services import interviews, match_export, match_reveals, matching, scorecards
from portal.services.errors import Conflict, StaleWrite, ValidationFailed
from portal.web import charts
from portal.web.forms import local_path, posted_revision, see_other
from portal.web.htmx import render
from portal.web.interview_plans import evidence_context

bp = Blueprint("matches", __name__, url_prefix="/scorecards")
bp.before_request(login_required(lambda: None))

PAGE_SIZE = 25
COMPARE_RANGE = (2, 4)
REVEALS_KEPT = 40  # per scorecard, in the signed session cookie
REVEALED_BOARDS = 5
YEARS = ("min_years_product", "min_years_leadership")
# Query parameters that are not part of the board's state (the rest is kept in every link).
NOT_STATE = ("page", "csrf_token", "revision", "candidate", "next")
FILTER_WORDS = {"verdict": "Verdict", "min_score": "Minimum score"}


@bp.app_template_filter("plain_number")
def plain_number(value) -> str:
    """4 rather than 4.0, 5.5 as it is."""
    return match_export.number_text(value)


@bp.app_template_filter("verdict_text")
def verdict_text(value: str) -> str:
    return match_export.verdict_text(value)


# --- the board -------------------------------------------------------------------------------


@bp.get("/<id:scorecard_id>/matches")
def board(scorecard_id):
    """The organisation's candidates ranked against the scorecard, with filters and what-if."""
    return _board(scorecard_id, request.args)


@bp.post("/<id:scorecard_id>/matches/apply")
def apply_what_if(scorecard_id):
    """Save the what-if as a revision-checked edit of the scorecard's working copy."""
    actor = page_actor()
    _scorecard, base = matching.matched_spec(db.session, actor, scorecard_id)
    what_if = _what_if(base, request.form)
    try:
        spec = matching.what_if(db.session, base, what_if.changes or {})
        scorecards.update_scorecard(
            db.session, actor, scorecard_id, _scorecard_edit(spec), posted_revision()
        )
    except ValidationFailed:
        return _board(scorecard_id, request.form, pushed=True)
    except (StaleWrite, Conflict) as error:
        db.session.rollback()
        return _board(scorecard_id, request.form, alert=error.detail, status=409, pushed=True)
    flash("The what-if is saved to the scorecard's working copy.", "success")
    return see_other(url_for("matches.board", scorecard_id=scorecard_id))


@bp.post("/<id:scorecard_id>/matches/<id:candidate_id>/reveal")
def reveal(scorecard_id, candidate_id):
    """Show who is behind a blind label on this board (written to the audit log)."""
    match_reveals.reveal(db.session, page_actor(), scorecard_id, candidate_id, request_origin())
    reveals = dict(session.get("revealed_matches", {}))
    kept = [i for i in reveals.pop(str(scorecard_id), []) if i != candidate_id]
    reveals[str(scorecard_id)] = [*kept, candidate_id][-REVEALS_KEPT:]
    # The session cookie stays small: the latest boards' reveals only.
    session["revealed_matches"] = dict(list(reveals.items())[-REVEALED_BOARDS:])
    default = url_for("matches.board", scorecard_id=scorecard_id, blind=1)
    return see_other(local_path(request.form.get("next"), default))


@bp.get("/<id:scorecard_id>/matches.csv")
def board_csv(scorecard_id):
    """The current ranking (filters and what-if included) as CSV, every matching candidate."""
    actor = page_actor()
    state = _State(scorecard_id, request.args)
    _scorecard, base = matching.matched_spec(db.session, actor, scorecard_id)
    export = match_export.prepare(
        db.session, actor, scorecard_id, state.criteria, _what_if(base, request.args).changes
    )
    lines = match_export.csv_lines(_with_header(export, state))
    filename = f"matches-scorecard-{scorecard_id}.csv"
    return Response(
        stream_with_context(lines),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _with_header(export, state):
    yield export.header()
    yield from export.rows(db.session, state.display_name, blind=state.blind)


# --- one match, and compare -------------------------------------------------------------------


@bp.get("/<id:scorecard_id>/matches/<id:candidate_id>")
def match(scorecard_id, candidate_id):
    """One candidate's match explained: radar, gaps with evidence, requirements and the plan."""
    actor = page_actor()
    state = _State(scorecard_id, request.args)
    _scorecard, base = matching.matched_spec(db.session, actor, scorecard_id)
    changes = _what_if(base, request.args).changes
    scorecard, spec, candidate, found = matching.candidate_match(
        db.session, actor, scorecard_id, candidate_id, changes
    )
    evidence = {
        a.competency.slug: a.evidence
        for a in candidate.assessments
        if a.source == "self" and a.evidence
    }
    radar = charts.radar(
        [gap.name for gap in found.gaps],
        [
            ("Target level", "series-target", [gap.target_level for gap in found.gaps]),
            ("Level", "series-level", [gap.level for gap in found.gaps]),
        ],
    )
    return render(
        "matches/match.html",
        "match",
        scorecard=scorecard,
        spec=spec,
        candidate=candidate,
        match=found,
        radar=radar,
        evidence=evidence,
        names={c.competency: c.name for c in spec.criteria},
        unmet=match_export.unmet_requirement_texts(
            found, spec.requirements, candidate, state.blind
        ),
        state=state,
        **evidence_context(
            actor, candidate, interviews.staff_members(db.session, scorecard.organisation_id)
        ),
    )


@bp.get("/<id:scorecard_id>/compare")
def compare(scorecard_id):
    """Two to four candidates side by side against the scorecard."""
    actor = page_actor()
    state = _State(scorecard_id, request.args)
    scorecard, base = matching.matched_spec(db.session, actor, scorecard_id)
    ids = list(dict.fromkeys(v for v in request.args.getlist("candidate") if v.isdigit()))
    low, high = COMPARE_RANGE
    if not low <= len(ids) <= high or len(ids) != len(request.args.getlist("candidate")):
        return render(
            "matches/compare.html",
            "compare",
            status=422,
            scorecard=scorecard,
            state=state,
            people=[],
            message=f"Pick {low} to {high} different candidates on the board to compare them.",
        )
    changes = _what_if(base, request.args).changes
    people = []
    for index, candidate_id in enumerate(ids, start=1):
        _s, spec, candidate, found = matching.candidate_match(
            db.session, actor, scorecard_id, int(candidate_id), changes
        )
        people.append(
            _Compared(
                candidate,
                found,
                state.display_name(candidate.id, candidate.name),
                f"series-{index}",
                match_export.unmet_requirement_texts(
                    found, spec.requirements, candidate, state.blind
                ),
            )
        )
    radar = charts.radar(
        [c.name for c in spec.criteria],
        [
            ("Target level", "series-target", [c.target_level for c in spec.criteria]),
            *[(p.shown, p.css_class, [gap.level for gap in p.match.gaps]) for p in people],
        ],
    )
    return render(
        "matches/compare.html",
        "compare",
        scorecard=scorecard,
        spec=spec,
        people=people,
        radar=radar,
        state=state,
        message=None,
    )


@dataclass(frozen=True)
class _Compared:
    candidate: object
    match: matching.Match
    shown: str
    css_class: str
    unmet: list[str]


# --- the board's state in the URL ----------------------------------------------------------------


@dataclass
class _State:
    """Filters, page, blind mode and reveals, read from the query string (or a posted form)."""

    scorecard_id: int
    source: Mapping
    errors: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self):
        verdicts = self.source.getlist("verdict")
        if any(v not in matching.VERDICTS for v in verdicts):
            self.errors["verdict"] = ["Pick ready, ready with gaps or not ready."]
            verdicts = [v for v in verdicts if v in matching.VERDICTS]
        self.verdicts = tuple(dict.fromkeys(verdicts))
        self.must_haves_met = self.source.get("must_haves_met") in ("1", "on", "true", "yes")
        self.min_score_text = self.source.get("min_score", "").strip()
        min_score = None
        if self.min_score_text:
            min_score = _number(self.min_score_text)
            if not isinstance(min_score, int | float) or not 0 <= min_score <= 100:
                self.errors["min_score"] = ["Enter a score from 0 to 100."]
                min_score = None
        self.criteria = matching.MatchFilter(
            verdicts=self.verdicts,
            must_haves_met=True if self.must_haves_met else None,
            min_score=min_score,
        )
        page = self.source.get("page", "1")
        self.page = min(max(int(page), 1), 100_000) if page.isdigit() else 1
        self.blind = self.source.get("blind") == "1"
        self.organisation_id = page_actor().organisation_id
        self.revealed = set(session.get("revealed_matches", {}).get(str(self.scorecard_id), []))
        self.query = [(k, v) for k, v in self.source.items(multi=True) if k not in NOT_STATE]

    def display_name(self, candidate_id: int, name: str) -> str:
        if self.hidden(candidate_id):
            return matching.blind_label(self.organisation_id, candidate_id)
        return name

    def hidden(self, candidate_id: int) -> bool:
        """Blind mode hides this candidate's name, email, headline and education."""
        return self.blind and candidate_id not in self.revealed

    def qs(self, drop: tuple[str, ...] = (), **extra) -> str:
        """The board's state as a query string (with `extra`, without the keys in `drop`)."""
        pairs = [(k, v) for k, v in self.query if k not in drop and k not in extra]
        pairs += [(k, v) for k, v in extra.items() if v is not None]
        return "?" + urlencode(pairs) if pairs else ""

    def plain_qs(self) -> str:
        """The same filters and blind mode, without the what-if."""
        return self.qs(drop=tuple(k for k, _v in self.query if _is_what_if_key(k)))


def _is_what_if_key(key: str) -> bool:
    return key == "whatif" or key[:2] in ("w.", "t.", "m.") or key in (*YEARS, "education")


# --- the what-if panel -------------------------------------------------------------------------


@dataclass
class _WhatIf:
    """The panel as typed, and the changes it makes to the matched spec (None: no change)."""

    changes: dict | None
    rows: list[dict]
    requirements: dict
    paths: dict[str, tuple[str, str]]  # service error path -> (form field, what it is)


def _what_if(base: matching.Spec, source: Mapping) -> _WhatIf:
    submitted = source.get("whatif") == "1"
    slugs = [criterion.competency for criterion in base.criteria]
    extra = [k[2:] for k in source if k[:2] in ("w.", "t.", "m.") and k[2:] not in slugs]
    names = {criterion.competency: criterion.name for criterion in base.criteria}
    current = {c.competency: c for c in base.criteria}
    entries, rows, paths = [], [], {}
    for index, slug in enumerate([*slugs, *dict.fromkeys(extra)]):
        was = current.get(slug)
        name = names.get(slug, slug)
        entry = {"competency": slug}
        for prefix, key in (("w.", "weight"), ("t.", "target_level")):
            typed = source.get(prefix + slug, "").strip()
            entry[key] = _number(typed) if typed else getattr(was, key, None)
            paths[f"competencies.{index}.{key}"] = (prefix + slug, f"{key_words(key)} of {name}")
        entry["must_have"] = (
            f"m.{slug}" in source if submitted else getattr(was, "must_have", False)
        )
        paths[f"competencies.{index}.competency"] = (f"w.{slug}", name)
        paths[f"competencies.{index}.must_have"] = (f"m.{slug}", f"Must-have {name}")
        entries.append(entry)
        if was is not None:
            rows.append({**entry, "name": name})
    unchanged = [
        {"competency": c.competency, "weight": c.weight, "target_level": c.target_level}
        | {"must_have": c.must_have}
        for c in base.criteria
    ]
    changes = {}
    if entries != unchanged:
        changes["competencies"] = entries
    requirements, typed_requirements = {}, {}
    for name in (*YEARS, "education"):
        typed = source.get(name, "").strip()
        old = getattr(base.requirements, name)
        value = (_number(typed) if name in YEARS else typed) if typed else old
        typed_requirements[name] = typed or (
            match_export.number_text(old) if name in YEARS else old
        )
        paths[f"requirements.{name}"] = (name, key_words(name))
        if value != old:
            requirements[name] = value
    if requirements:
        changes["requirements"] = requirements
    return _WhatIf(changes or None, rows, typed_requirements, paths)


def key_words(key: str) -> str:
    return {
        "weight": "Weight",
        "target_level": "Target level",
        "min_years_product": "Years in product",
        "min_years_leadership": "Years leading",
        "education": "Education",
    }[key]


def _number(text: str):
    """A typed number as int or float; anything else as typed, for the service to name."""
    try:
        value = float(text)
    except ValueError:
        return text
    if not math.isfinite(value):
        return text
    return int(value) if value.is_integer() else value


def _scorecard_edit(spec: matching.Spec) -> dict:
    """A what-if spec as an edit of the scorecard's competencies and requirements."""
    return {
        "competencies": [
            {
                "competency": c.competency,
                "weight": c.weight,
                "target_level": c.target_level,
                "must_have": c.must_have,
            }
            for c in spec.criteria
        ],
        "requirements": {name: getattr(spec.requirements, name) for name in matching.REQUIREMENTS},
    }


def _board(
    scorecard_id: int,
    source: Mapping,
    *,
    alert: str | None = None,
    status: int = 200,
    pushed: bool = False,
):
    actor = page_actor()
    state = _State(scorecard_id, source)
    _scorecard, base = matching.matched_spec(db.session, actor, scorecard_id)
    what_if = _what_if(base, source)
    problems: list[str] = []
    field_errors: dict[str, list[str]] = dict(state.errors)
    try:
        found = matching.board(
            db.session, actor, scorecard_id, state.criteria, state.page, PAGE_SIZE,
            changes=what_if.changes,
        )  # fmt: skip
    except ValidationFailed as error:
        for path, messages in error.errors.items():
            form_field, label = what_if.paths.get(path, (path, path))
            field_errors.setdefault(form_field, []).extend(messages)
            problems.append(f"{label}: {' '.join(messages)}")
        found = matching.board(
            db.session, actor, scorecard_id, state.criteria, state.page, PAGE_SIZE
        )
        status = 422
    for key, messages in state.errors.items():
        problems.append(f"{FILTER_WORDS[key]}: {' '.join(messages)}")
        status = 422
    scorecard = found.scorecard
    response = render(
        "matches/board.html",
        "results",
        status=status,
        scorecard=scorecard,
        board=found,
        base=base,
        what_if=what_if,
        what_if_active=found.spec.what_if,
        problems=problems,
        errors=field_errors,
        alert=alert,
        state=state,
        verdicts=matching.VERDICTS,
        education_levels=scorecards.EDUCATION_LEVELS,
        read_only=scorecard.status == "archived",
        unpublished_changes=scorecards.has_unpublished_changes(db.session, scorecard),
    )
    if pushed:  # a refused POST: the address bar shows the board it re-rendered
        board_url = url_for("matches.board", scorecard_id=scorecard_id)
        response.headers["HX-Push-Url"] = board_url + state.qs()
    return response
