"""Following up: overdue lists, reminders and the periodic reports home (定期通报)."""

from flask import Blueprint

bp = Blueprint("followup", __name__, url_prefix="/reports", template_folder="templates")
