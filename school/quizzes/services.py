"""Quiz queries used by other features (the course page)."""

from __future__ import annotations

from sqlalchemy import select

from school.auth.models import User
from school.courses.models import Course
from school.db import db
from school.quizzes.models import Attempt, Quiz


def course_quizzes(user: User, course: Course) -> list[Quiz]:
    """The course's quizzes the user may see: published ones, or all for instructors."""
    query = select(Quiz).where(Quiz.course_id == course.id).order_by(Quiz.id)
    if not user.is_instructor:
        query = query.where(Quiz.status == "published")
    return list(db.session.scalars(query))


def passed_quiz_ids(user: User, quizzes: list[Quiz]) -> set[int]:
    """Which of these quizzes the user has passed (previews do not count)."""
    if not quizzes:
        return set()
    return set(
        db.session.scalars(
            select(Attempt.quiz_id).where(
                Attempt.user_id == user.id,
                Attempt.quiz_id.in_([q.id for q in quizzes]),
                Attempt.passed.is_(True),
                Attempt.preview.is_(False),
            )
        )
    )
