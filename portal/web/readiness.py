"""A candidate's roles and readiness reports."""

from flask import Blueprint
from flask_login import login_required

bp = Blueprint("readiness", __name__, url_prefix="/roles")
bp.before_request(login_required(lambda: None))
