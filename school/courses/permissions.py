"""Who may see and study which course."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from school.auth.models import User
    from school.courses.models import Course


def can_view_course(user: User, course: Course) -> bool:
    """Published courses are open to every account; drafts only to instructors and admins."""
    return course.is_published or user.is_instructor


def can_study(user: User, course: Course) -> bool:
    """Progress is recorded on published courses only, so previewing a draft leaves no trace."""
    return course.is_published


def can_edit_course(user: User, course: Course) -> bool:
    """A course's own instructors and admins edit it (and its quizzes); other instructors read."""
    if user.is_admin:
        return True
    return user.is_instructor and any(person.id == user.id for person in course.instructors)
