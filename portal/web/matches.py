"""The match board of a scorecard (what-if, blind mode, CSV), one match, and compare."""

from flask import Blueprint
from flask_login import login_required

bp = Blueprint("matches", __name__, url_prefix="/scorecards")
bp.before_request(login_required(lambda: None))
