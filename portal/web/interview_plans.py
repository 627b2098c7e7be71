"""Interview plans (recruiters): who interviews a candidate for a published scorecard, on which
competencies, and what the submitted evaluations say."""

from flask import Blueprint

bp = Blueprint("interview_plans", __name__)
