"""Who may use the studio, edit a course, review it and appoint reviewers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import g
from sqlalchemy import select

from school.courses.permissions import can_edit_course
from school.db import db
from school.orgs.permissions import manages
from school.studio.models import ReviewerGrant

if TYPE_CHECKING:
    from school.auth.models import User
    from school.courses.models import Course
    from school.orgs.models import Organisation
    from school.studio.models import Review


def reviewer_grants(user: User) -> list[ReviewerGrant]:
    """The user's reviewer grants, read once per request (every studio page asks)."""
    if not user.is_authenticated:
        return []
    cache = g.setdefault("reviewer_grants", {})
    if user.id not in cache:
        cache[user.id] = list(
            db.session.scalars(select(ReviewerGrant).where(ReviewerGrant.user_id == user.id))
        )
    return cache[user.id]


def is_reviewer(user: User) -> bool:
    """Admins, and holders of a reviewer grant anywhere."""
    return user.is_admin or bool(reviewer_grants(user))


def can_use_studio(user: User) -> bool:
    """Instructors and admins write courses; reviewers read what is sent to them."""
    return user.is_authenticated and (user.is_instructor or is_reviewer(user))


def can_create_course(user: User) -> bool:
    """Instructors and admins start new courses."""
    return user.is_authenticated and user.is_instructor


def can_review(user: User, course: Course) -> bool:
    """Admins, and reviewers of the course's organisation or above (a school-wide course: the
    reviewers of a top organisation)."""
    if user.is_admin:
        return True
    for grant in reviewer_grants(user):
        if course.org is None:
            if grant.org.parent_id is None:
                return True
        elif grant.org.contains(course.org):
            return True
    return False


def can_open_in_studio(user: User, course: Course) -> bool:
    """The course's instructors and admins, and those who review it."""
    return can_edit_course(user, course) or can_review(user, course)


def can_decide(user: User, review: Review, course: Course) -> bool:
    """A reviewer of the course decides a request, never on one they sent themselves."""
    return can_review(user, course) and review.submitted_by_id != user.id


def can_appoint_reviewers(user: User, org: Organisation) -> bool:
    """Admins and the organisation's secretaries and organisers (or above) appoint reviewers."""
    return manages(user, org)
