"""Roster import for staff: template, dry run and preview, then apply."""

from flask import Blueprint

bp = Blueprint("roster", __name__, url_prefix="/manage/roster", template_folder="templates")
