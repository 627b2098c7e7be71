"""The landing page and the human API docs."""

from flask import Blueprint, render_template

bp = Blueprint("pages", __name__)


@bp.get("/")
def landing():
    """What the portal does for a recruiter and for an aspiring CPO."""
    return render_template("pages/landing.html")


@bp.get("/api/docs")
def api_docs():
    """Interactive docs of the OpenAPI spec, served from our own static files."""
    return render_template("pages/api_docs.html")
