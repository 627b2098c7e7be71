"""Browse the CPO framework: skill areas, competencies, responsibilities and the path to CPO."""

from flask import Blueprint, render_template, url_for
from flask_login import current_user

from portal.auth import page_actor
from portal.extensions import db
from portal.schemas.framework import CompetencyFilterSchema
from portal.services import faq, framework, scorecards
from portal.services.framework import CompetencyFilter
from portal.web.forms import load_query, see_other
from portal.web.htmx import render

bp = Blueprint("framework", __name__, url_prefix="/framework")


@bp.get("")
def index():
    """Competencies grouped by skill area, narrowed by area and free text."""
    criteria, errors = load_query(CompetencyFilterSchema())
    groups = (
        [] if errors else framework.competencies_by_area(db.session, CompetencyFilter(**criteria))
    )
    return render(
        "framework/index.html",
        "results",
        status=422 if errors else 200,
        groups=groups,
        areas=framework.skill_areas(db.session),
        criteria=criteria,
        errors=errors,
    )


@bp.get("/competencies/<slug>")
def competency(slug):
    """One competency: indicators, the five-level ladder, where it is needed and developed."""
    item = framework.get_competency(db.session, slug)
    return render_template(
        "framework/competency.html",
        competency=item,
        responsibilities=framework.responsibilities_needing(db.session, item),
        steps=framework.steps_developing(db.session, item),
    )


@bp.get("/responsibilities")
def responsibilities():
    """The seed's five key responsibilities of a CPO."""
    return render_template(
        "framework/responsibilities.html",
        responsibilities=framework.responsibility_page(db.session, 1, 100).items,
    )


@bp.get("/responsibilities/<slug>")
def responsibility(slug):
    """One responsibility and the competencies it needs."""
    item = framework.get_responsibility(db.session, slug)
    return render_template("framework/responsibility.html", responsibility=item)


@bp.get("/path")
def path():
    """How to become a CPO: the steps in order, with their actions."""
    return render_template("framework/path.html", steps=framework.all_steps(db.session))


@bp.get("/steps/<slug>")
def step(slug):
    """One step toward CPO, its actions and the competencies it develops."""
    return render_template("framework/step.html", step=framework.get_step(db.session, slug))


@bp.get("/benchmark")
def benchmark():
    """The built-in CPO benchmark scorecard that recruiters start from."""
    template = framework.benchmark_template(db.session)
    return render_template(
        "framework/benchmark.html",
        template=template,
        competencies=framework.competencies_by_slug(
            db.session, [entry["competency"] for entry in template.body["competencies"]]
        ),
        responsibilities=framework.responsibilities_by_slug(
            db.session, template.body["responsibilities"]
        ),
    )


@bp.post("/benchmark/use")
def use_benchmark():
    """Start a draft scorecard from the benchmark; a visitor is sent to sign up first."""
    if not current_user.is_authenticated:
        return see_other(url_for("accounts.sign_up"))
    scorecard = scorecards.clone_benchmark(db.session, page_actor())
    return see_other(url_for("scorecards.builder", scorecard_id=scorecard.id))


@bp.get("/backgrounds")
def backgrounds():
    """The backgrounds CPOs come from, as candidates record them on their profile."""
    return render_template("framework/backgrounds.html", groups=faq.background_groups())
