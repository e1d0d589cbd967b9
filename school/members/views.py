"""The member registry for staff: the list, one member's page, password resets."""

from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from school.auth import services as accounts
from school.auth.models import User
from school.db import db
from school.orgs.permissions import can_reset_password, can_view_member
from school.orgs.services import members_in_scope

bp = Blueprint("members", __name__, url_prefix="/manage/members", template_folder="templates")

PAGE_SIZE = 50


def _require_staff() -> None:
    if not current_user.is_staff:
        abort(403)


@bp.get("/")
@login_required
def index():
    _require_staff()
    page = max(1, request.args.get("page", 1, type=int))
    query = members_in_scope(current_user)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(
        query.options(selectinload(User.home_org), selectinload(User.host_org))
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    return render_template(
        "members/list.html",
        members=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        can_reset=lambda member: can_reset_password(current_user, member),
    )


@bp.post("/<int:member_id>/reset-password")
@login_required
def reset_password(member_id: int):
    _require_staff()
    member = db.session.get(User, member_id)
    if member is None or not can_view_member(current_user, member):
        abort(404)
    if not can_reset_password(current_user, member):
        abort(403)
    one_time = accounts.reset_password(member)
    db.session.commit()
    # Shown once, on this response only; never stored in clear or put in a redirect URL.
    return render_template("members/one_time_password.html", member=member, password=one_time)
