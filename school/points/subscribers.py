"""What earns points: one receiver per domain event, connected in ``create_app``.

Each names the action, the source that makes a repeat award nothing, and the words the ledger
keeps. Receivers run in the sender's transaction and only add and flush (``services.award``).
The facts are read by name, without importing the features that send them.
"""

from __future__ import annotations

from datetime import datetime

from school.auth.models import User
from school.clock import local_today
from school.db import utcnow
from school.points.services import award, take_back


def on_lesson_completed(member: User, *, lesson, at: datetime) -> None:
    """A lesson studied for the first time."""
    award(member.id, "lesson", f"lesson:{lesson.id}", f"课时：{lesson.title}", at)


def on_course_completed(member: User, *, course, at: datetime) -> None:
    """A course completed."""
    award(member.id, "course", f"course:{course.id}", f"课程：{course.title}", at)


def on_attempt_graded(member: User, *, attempt) -> None:
    """An exam passed (once per exam), or the day's first practice quiz."""
    quiz = attempt.quiz
    at = attempt.finished_at or utcnow()
    if quiz.kind == "practice":
        day = local_today(at).isoformat()
        award(member.id, "practice", f"practice:{day}", f"练习：{quiz.title}", at)
    elif attempt.passed:
        award(member.id, "exam", f"quiz:{quiz.id}", f"考试通过：{quiz.title}", at)


def on_daily_practice_completed(member: User, *, day, correct: int, total: int) -> None:
    """The day's practice questions finished (the first time that day)."""
    award(
        member.id,
        "daily_practice",
        f"daily:{day.isoformat()}",
        f"每日答题：答对 {correct}/{total} 题",
    )


def on_session_attended(member: User, *, session) -> None:
    """A training class's session attended."""
    title = f"培训：{session.training_class.title}·{session.title}"
    award(member.id, "class", f"session:{session.id}", title)


def on_answer_accepted(author: User, *, thread, post, by: User) -> None:
    """The answerer's reply accepted by the asker."""
    award(author.id, "answer", f"answer:{post.id}", f"答疑被采纳：{thread.title}")


def on_notice_read(member: User, *, notice, at: datetime, required: bool, on_time: bool) -> None:
    """A required notice read by its deadline (other readings earn nothing)."""
    if on_time:
        award(member.id, "notice", f"notice:{notice.id}", f"按时阅读：{notice.title}", at)


def on_honour_published(member: User, *, honour, at: datetime) -> None:
    """A commendation published to the member's record."""
    award(member.id, "honour", f"honour:{honour.id}", f"表彰：{honour.title}", at)


def on_honour_revoked(member: User, *, honour, revocation, at: datetime) -> None:
    """A commendation revoked: what it earned is taken back by a new entry."""
    take_back(member.id, "honour", f"honour:{honour.id}", f"撤销表彰：{honour.title}", at)
