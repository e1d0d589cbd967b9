"""What quizzes add to courses: required exams count towards completion, the course page
lists the course's quizzes and the home page the exams due. Registered with courses from
``create_app``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import BindParameter, ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import contains_eager

from school.auth.models import User
from school.courses.models import Course, Lesson, LessonCompletion
from school.db import db, utcnow
from school.quizzes.models import Attempt, Quiz
from school.quizzes.services import course_quizzes, passed_quiz_ids


def _required(course_ids: BindParameter) -> Select:
    # Only published exams count; practice quizzes never block completion.
    return select(Quiz.id).where(
        Quiz.course_id.in_(course_ids),
        Quiz.kind == "exam",
        Quiz.required.is_(True),
        Quiz.status == "published",
    )


@dataclass(frozen=True)
class RequiredExams:
    """A course's required published exams: done once the member has passed each (no preview).

    A value (every instance equal): course progress caches its statement per set of
    requirements, and each app created registers a new instance."""

    def totals(self, course_ids: BindParameter) -> Select:
        """Required exams per course."""
        return (
            select(Quiz.course_id, func.count())
            .where(Quiz.id.in_(_required(course_ids)))
            .group_by(Quiz.course_id)
        )

    def done(self, user_id: ColumnElement[int], course_ids: BindParameter) -> Select:
        """Required exams the user has passed, per course."""
        return (
            select(Quiz.course_id, func.count(func.distinct(Quiz.id)))
            .where(
                Quiz.id.in_(_required(course_ids)),
                Quiz.id.in_(
                    select(Attempt.quiz_id).where(
                        Attempt.user_id == user_id,
                        Attempt.passed.is_(True),
                        Attempt.preview.is_(False),
                    )
                ),
            )
            .group_by(Quiz.course_id)
        )


def course_part(user: User, course: Course) -> dict[str, object]:
    """The course page's quizzes: per module, at course level, and which the member passed."""
    quizzes = course_quizzes(user, course)
    by_module: dict[int, list[Quiz]] = {}
    for quiz in quizzes:
        if quiz.module_id is not None:
            by_module.setdefault(quiz.module_id, []).append(quiz)
    return {
        "module_quizzes": by_module,
        "course_level_quizzes": [q for q in quizzes if q.module_id is None],
        "passed": passed_quiz_ids(user, quizzes),
    }


# Enough to-dos for a phone's first screen; the course pages list the rest.
HOME_QUIZZES = 5


def home_part(user: User, today: date) -> dict[str, object]:
    """The home page's quizzes due: exams the member has not passed and may still take, either
    with a close date ahead or required by a course they have started (one statement)."""
    now = utcnow()
    started = (
        select(Lesson.course_id)
        .join(LessonCompletion, LessonCompletion.lesson_id == Lesson.id)
        .where(LessonCompletion.user_id == user.id)
    )
    passed = select(Attempt.quiz_id).where(
        Attempt.user_id == user.id, Attempt.passed.is_(True), Attempt.preview.is_(False)
    )
    query = (
        select(Quiz)
        .outerjoin(Quiz.course)
        .options(contains_eager(Quiz.course))
        .where(
            Quiz.kind == "exam",
            Quiz.status == "published",
            or_(Quiz.course_id.is_(None), Course.status == "published"),
            or_(Quiz.open_at.is_(None), Quiz.open_at <= now),
            or_(Quiz.close_at.is_(None), Quiz.close_at > now),
            or_(
                Quiz.close_at.is_not(None),
                and_(Quiz.required.is_(True), Quiz.course_id.in_(started)),
            ),
            Quiz.id.not_in(passed),
        )
        .order_by(Quiz.close_at.is_(None), Quiz.close_at, Quiz.id)
        .limit(HOME_QUIZZES)
    )
    return {"due_quizzes": list(db.session.scalars(query))}
