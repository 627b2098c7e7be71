"""A candidate's roles and readiness reports: the CPO benchmark and the published scorecards of
the organisations they share their profile with, matched on their own self-assessments."""

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from portal.extensions import db
from portal.services import candidates, framework, matching
from portal.services.errors import Forbidden

bp = Blueprint("readiness", __name__, url_prefix="/roles")


@bp.before_request
@login_required
def _candidates_only():
    if current_user.role != "candidate":
        raise Forbidden("Readiness reports are for candidates; recruiters use the match board.")


@bp.get("")
def index():
    """Your readiness for the CPO benchmark and the roles of organisations you share with."""
    benchmark, *roles = matching.readiness(db.session, current_user)
    return render_template(
        "readiness/index.html",
        benchmark=benchmark,
        roles=roles,
        shared=candidates.shared_with(db.session, current_user),
    )


@bp.get("/<key>")
def report(key):
    """One role's readiness report: verdict, score, biggest gaps and your development plan."""
    role = matching.role_readiness(db.session, current_user, key)
    slugs = [criterion.competency for criterion in role.spec.criteria]
    return render_template(
        "readiness/report.html",
        role=role,
        candidate=candidates.own_profile(db.session, current_user),
        competencies=framework.competencies_by_slug(db.session, slugs),
        educations=candidates.EDUCATION_LEVELS,
    )


def headline(user) -> dict:
    """The dashboard's summary for a candidate: the benchmark and the best published role."""
    if user.role != "candidate":
        return {}
    benchmark, *roles = matching.readiness(db.session, user)
    return {"benchmark": benchmark, "best_role": matching.best_role(roles)}
