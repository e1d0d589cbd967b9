"""The organisation picker's JSON, for staff: GET /manage/org-picker/?q=…&scope=manage|read."""

from dataclasses import asdict

from flask import Blueprint, abort, jsonify, request
from flask_login import current_user, login_required

from school.orgs import picker

bp = Blueprint("org_picker", __name__, url_prefix="/manage/org-picker")


@bp.get("/")
@login_required
def search():
    if not current_user.is_staff:
        abort(403)
    managing = request.args.get("scope", "manage") != "read"
    choices = picker.search(current_user, request.args.get("q", ""), managing=managing)
    return jsonify(results=[asdict(choice) for choice in choices])
