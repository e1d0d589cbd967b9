"""Daily practice pages: today's questions and their result, and the bank's settings."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from school.clock import local_today
from school.db import db
from school.practice import services
from school.practice.permissions import can_configure, can_practise
from school.quizzes.types import QUESTION_TYPES

bp = Blueprint("practice", __name__, url_prefix="/practice", template_folder="templates")


@bp.before_request
@login_required
def _signed_in():
    """Every practice page needs a login."""
    if not can_practise(current_user):
        abort(403)


@bp.get("/")
def today():
    day = local_today()
    try:
        draw = services.draw_for(current_user, day)
    except services.BankEmpty:
        return render_template("practice/empty.html", can_configure=can_configure(current_user))
    db.session.commit()
    return render_template(
        "practice/today.html",
        draw=draw,
        completion=draw.completion,
        streak=services.streak_of(current_user, day),
        types=QUESTION_TYPES,
        daily=services.DAILY_QUESTIONS,
        can_configure=can_configure(current_user),
    )


@bp.post("/")
def submit():
    fields = {name: request.form.getlist(name) for name in request.form if name.startswith("q")}
    try:
        outcome = services.submit(
            current_user, request.form.get("draw", 0, type=int), fields, local_today()
        )
    except services.StaleDraw as stale:
        flash(
            f"这是 {stale.day.month} 月 {stale.day.day} 日的题目，已经过了当天，没有记录。"
            "请完成今天的题目。",
            "warning",
        )
        return redirect(url_for("practice.today"))
    except services.NotYourDraw:
        flash("提交的答题不是您今天的题目，没有记录。", "warning")
        return redirect(url_for("practice.today"))
    except services.ForgedAnswer:
        flash("提交的答案与今天的题目不符，没有记录，请重新作答。", "warning")
        return redirect(url_for("practice.today"))
    db.session.commit()
    if not outcome.first:
        flash("今天的题目已经提交过了，下面是第一次提交的结果。", "info")
    return redirect(url_for("practice.today"))


@bp.route("/settings", methods=["GET", "POST"])
def settings():
    if not can_configure(current_user):
        abort(403)
    if request.method == "POST":
        raw = request.form.getlist("category")
        try:
            if not all(value.isdigit() for value in raw):
                raise services.UnknownCategory()
            services.choose_categories(current_user, [int(value) for value in raw])
        except services.UnknownCategory:
            flash("所选的分类不在题库中，设置没有保存。", "warning")
            return redirect(url_for("practice.settings"))
        db.session.commit()
        flash("每日答题的题库已保存。", "success")
        return redirect(url_for("practice.settings"))
    chosen = services.configured()
    return render_template(
        "practice/settings.html",
        rows=services.categories(),
        chosen=chosen,
        pool_size=services.pool_size(chosen),
        daily=services.DAILY_QUESTIONS,
    )
