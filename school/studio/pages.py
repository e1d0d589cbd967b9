"""What every studio page does: who may open the studio, loading a course, one change at a time."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from school.courses.models import Course
from school.courses.permissions import can_edit_course
from school.db import db
from school.studio import building, review
from school.studio.permissions import can_open_in_studio, can_use_studio

# Secretaries appoint their organisations' reviewers without otherwise using the studio.
_OPEN_TO_MANAGERS = {"studio_review.reviewers", "studio_review.reviewer_revoke"}


def studio_users_only() -> None:
    """Before every studio request (login already required): instructors and reviewers."""
    if request.endpoint not in _OPEN_TO_MANAGERS and not can_use_studio(current_user):
        abort(403)


def load_course(slug: str, *, edit: bool = True) -> Course:
    """The course by its address: 404 if unknown, 403 unless the user may edit (or review)."""
    course = db.session.scalar(select(Course).where(Course.slug == slug))
    if course is None:
        abort(404)
    allowed = can_edit_course if edit else can_open_in_studio
    if not allowed(current_user, course):
        abort(403)
    return course


def to_course(course: Course, anchor: str = ""):
    """Back to the course's studio page, at ``anchor``."""
    return redirect(url_for("studio.course", slug=course.slug) + anchor)


def step(course: Course, action, done: str, anchor: str = ""):
    """Run one change to a course: commit it and say ``done``, or say why it was not made."""
    try:
        action()
    except (building.BuildError, review.ReviewError) as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        if done:
            flash(done, "success")
    return to_course(course, anchor)
