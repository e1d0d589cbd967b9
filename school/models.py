"""Every model, imported in one place so Alembic and the app see the whole schema."""

from school.archive.models import ArchiveAccess, ArchiveEntry
from school.auth.models import User
from school.courses.models import Course, CourseCompletion, Lesson, LessonCompletion, Module, Theme
from school.forum.models import AbuseReport, Attachment, Post, Revision, Thread, ThreadEvent
from school.notifications.models import Notification
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
    "AbuseReport",
    "ArchiveAccess",
    "ArchiveEntry",
    "Attachment",
    "Attempt",
    "AttemptQuestion",
    "Category",
    "Course",
    "CourseCompletion",
    "Lesson",
    "LessonCompletion",
    "Module",
    "Notification",
    "Organisation",
    "Post",
    "Question",
    "QuestionVersion",
    "Quiz",
    "QuizSlot",
    "Revision",
    "StaffGrant",
    "Tag",
    "Theme",
    "Thread",
    "ThreadEvent",
    "User",
]
