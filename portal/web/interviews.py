"""Interviewers' pages: the interviews assigned to them and the interview kit they fill."""

from flask import Blueprint

bp = Blueprint("interviews", __name__, url_prefix="/interviews")
