"""The member's own registry page: what the school holds about them and who looked at it."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from school.auth import services as accounts
from school.auth.models import FONT_SIZES
from school.db import db
from school.members import contact, services, transfers
from school.members.page import profile_page

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
        transfers=transfers.history(current_user),
        looks=looks,
        total=total,
        page=page,
        pages=max(1, -(-total // LOOKS_PER_PAGE)),
        font_sizes=FONT_SIZES,
        **profile_page.context(current_user, current_user),
    )


@bp.post("/reading")
@login_required
def reading():
    # Only the member's own account changes; CSRF is checked for every POST by CSRFProtect.
    try:
        accounts.set_font_size(current_user, request.form.get("font_size", ""))
    except accounts.AccountError as exc:
        flash(str(exc), "warning")
    else:
        db.session.commit()
        flash(f"字号已设为“{FONT_SIZES[current_user.font_size]}”。", "success")
    return redirect(url_for("profile.mine") + "#reading")


@bp.post("/email")
@login_required
def email():
    # Only the member's own address; reminders by email go to it (school/reports/reminders.py).
    try:
        contact.set_email(current_user, request.form.get("email"))
    except contact.ContactError as exc:
        db.session.rollback()
        flash(str(exc), "warning")
    else:
        db.session.commit()
        flash("电子邮箱已保存。" if current_user.email else "电子邮箱已删除。", "success")
    return redirect(url_for("profile.mine") + "#contact")
