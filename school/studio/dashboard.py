"""The instructor's dashboard: my courses with their numbers, and what waits for me.

Counts from features beside the studio (questions to answer, essays to grade) come in as parts
registered in ``create_app`` (``school/page_parts.py``): each takes the user and today's date and
returns ``{name: Tally}``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Float, case, cast, func, select

from school.archive.models import CourseProgress
from school.auth.models import User
from school.courses.models import Course, course_instructors
from school.db import db
from school.page_parts import PageParts
from school.quizzes.models import Attempt, Quiz
from school.studio.models import Review

dashboard_page = PageParts()


@dataclass(frozen=True)
class CourseFigures:
    """One course on the dashboard: members who started it, finished it, and the exam average."""

    course: Course
    started: int
    completed: int
    average_percent: int | None
    in_review: bool

    @property
    def completion_percent(self) -> int:
        return 0 if self.started == 0 else self.completed * 100 // self.started


def my_courses(user: User) -> list[CourseFigures]:
    """The courses the user edits (admins: all), with their figures, in four statements."""
    query = select(Course).order_by(Course.position, Course.id)
    if not user.is_admin:
        query = query.join(course_instructors).where(course_instructors.c.user_id == user.id)
    courses = list(db.session.scalars(query))
    ids = [course.id for course in courses]
    if not ids:
        return []
    progress = {
        row.course_id: (row.started, row.completed)
        for row in db.session.execute(
            select(
                CourseProgress.course_id,
                func.count().label("started"),
                func.count(CourseProgress.completed_at).label("completed"),
            )
            .where(CourseProgress.course_id.in_(ids))
            .group_by(CourseProgress.course_id)
        )
    }
    # Members' finished exam attempts (previews by staff left out), as a share of full marks.
    share = case(
        (Attempt.max_score > 0, cast(Attempt.score, Float) / cast(Attempt.max_score, Float))
    )
    averages = {
        course_id: average
        for course_id, average in db.session.execute(
            select(Quiz.course_id, func.avg(share))
            .join(Attempt, Attempt.quiz_id == Quiz.id)
            .where(
                Quiz.course_id.in_(ids),
                Quiz.kind == "exam",
                Attempt.preview.is_(False),
                Attempt.score.is_not(None),
            )
            .group_by(Quiz.course_id)
        )
    }
    reviewing = set(
        db.session.scalars(
            select(Review.course_id).where(Review.course_id.in_(ids), Review.state == "pending")
        )
    )
    figures = []
    for course in courses:
        started, completed = progress.get(course.id, (0, 0))
        average = averages.get(course.id)
        figures.append(
            CourseFigures(
                course,
                started,
                completed,
                None if average is None else round(float(average) * 100),
                course.id in reviewing,
            )
        )
    return figures
