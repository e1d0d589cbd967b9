"""The home page (the catalogue): where to continue, and what the member still has to do.

Courses know lessons and campaign deadlines. What else a member has to do comes from features
built on courses (quizzes due, replies waiting, notices), which register a part of the home page
from ``create_app`` (see ``school/page_parts.py``); parts take the member and today's date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from school.auth.models import User
from school.courses import services
from school.courses.models import Course, Lesson
from school.courses.services import Progress
from school.page_parts import PageParts

home_page = PageParts()


@dataclass(frozen=True)
class Resume:
    """The course to go on with, its progress and the lesson to open next."""

    course: Course
    progress: Progress
    lesson: Lesson | None
    started: bool


@dataclass(frozen=True)
class Campaign:
    """A compulsory course (集中教育) the member has not completed, with its deadline."""

    course: Course
    progress: Progress
    deadline: date
    days_left: int

    @property
    def overdue(self) -> bool:
        return self.days_left < 0


def campaigns(courses: list[Course], progress: dict[int, Progress], today: date) -> list[Campaign]:
    """This year's and later campaigns not yet complete, the nearest deadline first."""
    # Last year's campaigns are over: the overdue lists in reports stop at the year too.
    start = date(today.year, 1, 1)
    due = [
        Campaign(c, progress[c.id], c.deadline, (c.deadline - today).days)
        for c in courses
        if c.deadline is not None
        and c.deadline >= start
        and c.is_published
        and not progress[c.id].complete
    ]
    return sorted(due, key=lambda campaign: (campaign.deadline, campaign.course.position))


def resume(
    user: User, courses: list[Course], progress: dict[int, Progress], today: date
) -> Resume | None:
    """The course the member studied most recently and has not completed, with its next lesson;
    with nothing in progress, the campaign due first (one statement for the outline, or none)."""
    studiable = [c for c in courses if c.is_published]
    started = [
        c
        for c in studiable
        if progress[c.id].last_studied is not None and not progress[c.id].complete
    ]
    if started:
        course = max(started, key=lambda c: progress[c.id].last_studied)
    else:
        due = campaigns(studiable, progress, today)
        if not due:
            return None
        course = due[0].course
    outline = services.outline(user, course)
    lesson = next((les for les, done in outline if not done), None)
    return Resume(course, progress[course.id], lesson, started=bool(started))
