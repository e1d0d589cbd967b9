"""Who may take, preview and manage quizzes, and see attempts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from school.courses.permissions import can_edit_course

if TYPE_CHECKING:
    from school.auth.models import User
    from school.quizzes.models import Attempt, Quiz


def can_view_quiz(user: User, quiz: Quiz) -> bool:
    """Published quizzes (in published courses) for everyone; everything for instructors."""
    if user.is_instructor:
        return True
    return quiz.status == "published" and (quiz.course is None or quiz.course.is_published)


def can_preview(user: User, quiz: Quiz) -> bool:
    """Instructors and admins try a quiz as a member would, without it counting."""
    return user.is_instructor


def can_edit_quiz(user: User, quiz: Quiz) -> bool:
    """A course's quiz: that course's editors. A standalone quiz: its creator. Admins: all.

    A standalone quiz made before creators were recorded has none, and stays open to every
    instructor as it was: nobody is locked out of a quiz they have been keeping.
    """
    if user.is_admin:
        return True
    if not user.is_instructor:
        return False
    if quiz.course is not None:
        return can_edit_course(user, quiz.course)
    return quiz.created_by_id is None or quiz.created_by_id == user.id


def can_grade(user: User, quiz: Quiz) -> bool:
    """Essays are graded by whoever may edit their quiz."""
    return can_edit_quiz(user, quiz)


def can_see_attempts_of(user: User, member_id: int) -> bool:
    """A member's attempts (answers and results) are theirs alone, staff included."""
    return member_id == user.id


def can_see_attempt(user: User, attempt: Attempt) -> bool:
    """An attempt belongs to its member; anyone else is told it does not exist."""
    return can_see_attempts_of(user, attempt.user_id)
