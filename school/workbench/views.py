"""The workbench page: the staff member's counts, each opening the list behind it."""

from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required

from school.clock import local_today
from school.workbench.page import workbench_page

bp = Blueprint("workbench", __name__, url_prefix="/workbench", template_folder="templates")


@bp.get("/")
@login_required
def index():
    if not current_user.is_staff:
        abort(403)
    tallies = workbench_page.context(current_user, local_today())
    return render_template("workbench/index.html", tallies=tallies)
