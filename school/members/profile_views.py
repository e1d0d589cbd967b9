"""The member's own registry page: what the school holds about them and who looked at it."""

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from school.members import services

bp = Blueprint("profile", __name__, url_prefix="/profile", template_folder="templates")

LOOKS_PER_PAGE = 20


@bp.get("/")
@login_required
def mine():
    page = max(1, request.args.get("page", 1, type=int))
    looks, total = services.archive_looks(current_user, page, LOOKS_PER_PAGE)
    return render_template(
        "members/my_profile.html",
        member=current_user,
        flows=services.flow_history(current_user),
        looks=looks,
        total=total,
        page=page,
        pages=max(1, -(-total // LOOKS_PER_PAGE)),
    )
