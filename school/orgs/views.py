"""Managing the organisation tree and its staff (admins), with the audit log."""

from flask import Blueprint

bp = Blueprint("orgs", __name__, url_prefix="/manage/orgs", template_folder="templates")
