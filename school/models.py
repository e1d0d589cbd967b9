"""Every model, imported in one place so Alembic and the app see the whole schema."""

from school.archive.models import ArchiveAccess, ArchiveEntry
from school.auth.models import User
from school.courses.models import Course, CourseCompletion, Lesson, LessonCompletion, Module, Theme
from school.orgs.models import Organisation, StaffGrant
from school.quizzes.models import (
    Attempt,
    AttemptQuestion,
    Category,
    Question,
    QuestionVersion,
    Quiz,
    QuizSlot,
    Tag,
)

__all__ = [
    "ArchiveAccess",
    "ArchiveEntry",
    "Attempt",
    "AttemptQuestion",
    "Category",
    "Course",
    "CourseCompletion",
    "Lesson",
    "LessonCompletion",
    "Module",
    "Organisation",
    "Question",
    "QuestionVersion",
    "Quiz",
    "QuizSlot",
    "StaffGrant",
    "Tag",
    "Theme",
    "User",
]
