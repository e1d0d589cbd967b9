"""What quizzes add to courses: required exams count towards completion, and the course page
lists the course's quizzes. Registered with courses from ``create_app``."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import BindParameter, ColumnElement, Select, func, select

from school.auth.models import User
from school.courses.models import Course
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
