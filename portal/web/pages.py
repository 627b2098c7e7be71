"""The landing page, the role and FAQ chapters of the article, and the human API docs."""

from flask import Blueprint, render_template

from portal.extensions import db
from portal.schemas.faq import link_href
from portal.services import faq, framework

bp = Blueprint("pages", __name__)


@bp.get("/")
def landing():
    """What the portal does for a recruiter and for an aspiring CPO."""
    return render_template("pages/landing.html")


@bp.get("/what-a-cpo-does")
def role():
    """The article's opening chapter: the role, beside the CEO, what it leads and drives."""
    return render_template(
        "pages/role.html",
        responsibilities=framework.responsibility_page(db.session, 1, 100).items,
    )


@bp.get("/faq", endpoint="faq")
def faq_page():
    """The article's six frequently asked questions, answered with links into the framework."""
    return render_template("pages/faq.html", questions=faq.questions(), href=link_href)


@bp.get("/api/docs")
def api_docs():
    """Interactive docs of the OpenAPI spec, served from our own static files."""
    return render_template("pages/api_docs.html")
