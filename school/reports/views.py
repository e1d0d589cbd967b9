"""Completion reports: overview, member list, grid and exports."""

from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports", template_folder="templates")
