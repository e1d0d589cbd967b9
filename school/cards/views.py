"""The member's own card, its verification page and staff actions on cards."""

from flask import Blueprint

bp = Blueprint("cards", __name__, template_folder="templates")
