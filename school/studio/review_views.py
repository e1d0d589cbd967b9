"""The studio's review pages: sending a course for review, deciding, archiving, reviewers."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from school.auth.models import User
from school.courses.models import Course
from school.courses.permissions import can_edit_course
from school.db import db
from school.forms import options
from school.notifications.services import notify
from school.orgs.models import Organisation
from school.studio import review, revisions
from school.studio.forms import DecisionForm, ReviewerForm, SubmitForm
from school.studio.models import Review, ReviewerGrant
from school.studio.pages import load_course, step, studio_users_only, to_course
from school.studio.permissions import (
    can_appoint_reviewers,
    can_decide,
    can_open_in_studio,
    can_review,
    reviewer_grants,
)
from school.studio.readable import readable

bp = Blueprint("studio_review", __name__, url_prefix="/studio", template_folder="templates")


@bp.before_request
@login_required
def _studio_users_only():
    studio_users_only()


@bp.post("/courses/<slug>/submit")
def submit(slug: str):
    course = load_course(slug)
    form = SubmitForm(prefix="submit")
    if form.validate_on_submit():
        try:
            request_ = review.submit(course, current_user, form.note.data or "")
        except review.ReviewError as exc:
            flash(str(exc), "error")
        else:
            notify(
                review.reviewers_for(course),
                "review",
                f"《{course.title}》已送审，请审核。",
                url_for("studio_review.review_page", review_id=request_.id),
                exclude=current_user,
            )
            db.session.commit()
            flash("已送审。审核通过后学员才能看到。", "success")
    return to_course(course, "#review")


@bp.post("/reviews/<int:review_id>/withdraw")
def review_withdraw(review_id: int):
    item, course = _review(review_id)
    if not can_edit_course(current_user, course):
        abort(403)
    return step(
        course, lambda: review.withdraw(item, course, current_user), "已撤回送审。", "#review"
    )


def _review(review_id: int) -> tuple[Review, Course]:
    item = db.session.get(Review, review_id)
    if item is None:
        abort(404)
    course = db.session.get(Course, item.course_id)
    if not can_open_in_studio(current_user, course):
        abort(404)
    return item, course


def review_queue() -> list[tuple[Review, Course]]:
    """Requests waiting for this user's decision, oldest first."""
    if not (current_user.is_admin or reviewer_grants(current_user)):
        return []
    rows = db.session.execute(
        select(Review, Course)
        .join(Course, Course.id == Review.course_id)
        # can_decide reads each course's organisation.
        .options(joinedload(Course.org))
        .where(Review.state == "pending")
        .order_by(Review.submitted_at)
    ).all()
    return [(r, c) for r, c in rows if can_decide(current_user, r, c)]


@bp.get("/reviews/")
def reviews():
    return render_template("studio/reviews.html", queue=review_queue())


@bp.get("/reviews/<int:review_id>")
def review_page(review_id: int):
    item, course = _review(review_id)
    shown = readable(course)
    parts = [
        (lesson, revision, shown(revisions.compare(before, revision.data)))
        for lesson, revision, before in review.reviewed_parts(item, course)
    ]
    return render_template(
        "studio/review.html",
        item=item,
        course=course,
        parts=parts,
        quiz_parts=[review.quiz_comparison(item, part) for part in item.quiz_parts],
        decidable=can_decide(current_user, item, course) and item.state == "pending",
        form=DecisionForm(),
    )


@bp.post("/reviews/<int:review_id>/decide")
def review_decide(review_id: int):
    item, course = _review(review_id)
    if not can_review(current_user, course):
        abort(403)
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        if request.form.get("decision") == "approve":
            review.approve(item, course, current_user, form.comment.data or "")
            message = "已通过，学员现在看到的是审核通过的版本。"
            told = f"《{course.title}》审核通过，已发布。"
        else:
            review.send_back(item, course, current_user, form.comment.data or "")
            message = "已退回，教员会看到您的意见。"
            told = f"《{course.title}》被退回修改：{item.comment}"
    except review.ReviewError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("studio_review.review_page", review_id=review_id))
    notify(
        course.instructors,
        "review",
        told,
        url_for("studio_review.review_page", review_id=item.id),
        exclude=current_user,
    )
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("studio_review.reviews"))


@bp.post("/courses/<slug>/archive")
def course_archive(slug: str):
    course = load_course(slug)
    if request.form.get("reopen") == "1":
        return step(course, lambda: review.reopen(course), "课程已重新上架。")
    return step(
        course,
        lambda: review.archive(course),
        "课程已归档：不再出现在课程列表中，学员的学习档案不受影响。",
    )


# --- reviewers ---------------------------------------------------------------------------------


def _appointable_orgs() -> list[tuple[int, str]]:
    orgs = db.session.scalars(
        select(Organisation).where(Organisation.closed_at.is_(None)).order_by(Organisation.path)
    )
    return [(o.id, o.name) for o in orgs if can_appoint_reviewers(current_user, o)]


@bp.route("/reviewers", methods=["GET", "POST"])
def reviewers():
    choices = _appointable_orgs()
    if not choices:
        abort(403)
    form = ReviewerForm()
    form.org.choices = options(choices)
    if form.validate_on_submit():
        person = db.session.scalar(select(User).where(User.username == form.username.data.strip()))
        org = db.session.get(Organisation, form.org.data)
        if person is None or not person.active:
            form.username.errors.append("找不到这个账号。")
        elif db.session.scalar(
            select(ReviewerGrant.id).where(
                ReviewerGrant.user_id == person.id, ReviewerGrant.org_id == org.id
            )
        ):
            form.username.errors.append(f"{person.name} 已是{org.name}的审核员。")
        else:
            db.session.add(
                ReviewerGrant(user_id=person.id, org_id=org.id, granted_by_id=current_user.id)
            )
            db.session.commit()
            flash(f"{person.name} 现为{org.name}的课程审核员。", "success")
            return redirect(url_for("studio_review.reviewers"))
    allowed = {org_id for org_id, _ in choices}
    grants = [
        grant
        for grant in db.session.scalars(select(ReviewerGrant).order_by(ReviewerGrant.id))
        if grant.org_id in allowed
    ]
    return render_template("studio/reviewers.html", form=form, grants=grants)


@bp.post("/reviewers/<int:grant_id>/revoke")
def reviewer_revoke(grant_id: int):
    grant = db.session.get(ReviewerGrant, grant_id)
    if grant is None or not can_appoint_reviewers(current_user, grant.org):
        abort(404)
    db.session.delete(grant)
    db.session.commit()
    flash("已取消审核员。", "success")
    return redirect(url_for("studio_review.reviewers"))
