"""Quizzes of a published course change through review (审核), like its lessons.

Members take a quiz of a published (or archived) course as a reviewer approved it:

- Its settings and questions are not edited in place. An instructor makes a draft copy
  (修改稿, ``Quiz.draft_of_id``) and edits that; the course's next review carries it, and approval
  copies it onto the live quiz. The live quiz keeps its id, so attempts, attempt limits, required
  exams and the archive carry on; the copy is then removed.
- A new quiz in such a course is not published by its instructors: choosing 发布 marks it
  ``awaiting_review`` and approval publishes it.
- The question bank is shared by every course, so an approved quiz is pinned to the bank as it
  was at approval: attempts use each question's version of that moment (``bank_as_of``) and a
  random slot draws from the questions its rule matched then (``QuizSlot.frozen_ids``). An edit
  in the bank reaches the quiz only through its next approved change.

The studio (a higher layer) sends and decides reviews; this module says what is pending, how a
quiz looked when it was sent (``digest``), and applies what a reviewer approved.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, or_, select

from school.auth.models import User
from school.courses.models import Course
from school.db import db
from school.quizzes import pools
from school.quizzes.models import Question, QuestionVersion, Quiz, QuizSlot

# Courses whose members may be taking their quizzes: changes wait for a reviewer.
REVIEWED_COURSE = ("published", "archived")

# What a draft copy carries and approval copies back: everything an instructor sets.
SETTINGS = (
    "title",
    "description",
    "course_id",
    "module_id",
    "kind",
    "required",
    "time_limit_seconds",
    "attempts_allowed",
    "pass_percent",
    "open_at",
    "close_at",
    "review",
    "one_per_page",
    "shuffle_options",
)
SLOT_FIELDS = (
    "position",
    "question_id",
    "category_id",
    "tag_id",
    "draw_count",
    "include_subcategories",
    "mark",
)


def in_reviewed_course(quiz: Quiz) -> bool:
    """Whether the quiz belongs to a course members already study."""
    return quiz.course is not None and quiz.course.status in REVIEWED_COURSE


def is_live(quiz: Quiz) -> bool:
    """Members take it as approved: its settings and questions change only through a copy."""
    return quiz.status == "published" and quiz.draft_of_id is None and in_reviewed_course(quiz)


def copy_of(quiz: Quiz) -> Quiz | None:
    """The quiz's draft copy, if one is being edited."""
    return db.session.scalar(select(Quiz).where(Quiz.draft_of_id == quiz.id))


def make_copy(quiz: Quiz, author: User) -> Quiz:
    """The live quiz's draft copy to edit, made now with its settings and slots if there is
    none (the caller holds the live quiz's lock, so two clicks make one copy)."""
    existing = copy_of(quiz)
    if existing is not None:
        return existing
    copy = Quiz(
        **{key: getattr(quiz, key) for key in SETTINGS},
        status="draft",
        draft_of_id=quiz.id,
        created_by_id=author.id,
    )
    # The copy draws from the bank as it is now: refreshing questions is a reason to make one.
    copy.slots = [QuizSlot(**{key: getattr(s, key) for key in SLOT_FIELDS}) for s in quiz.slots]
    db.session.add(copy)
    db.session.flush()
    return copy


def pending(course: Course, *, first_publication: bool = False) -> list[Quiz]:
    """The course's quizzes a review would send: draft copies and new quizzes awaiting review;
    on first publication also every quiz already set to 发布 (members see none of it yet)."""
    wanted = [Quiz.draft_of_id.is_not(None), Quiz.awaiting_review.is_(True)]
    if first_publication:
        wanted.append(Quiz.status == "published")
    return list(
        db.session.scalars(
            select(Quiz).where(Quiz.course_id == course.id, or_(*wanted)).order_by(Quiz.id)
        )
    )


def _plain(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return value


def digest(quiz: Quiz) -> str:
    """A fingerprint of what members would take: settings, slots, the questions' current
    versions and each random slot's pool. Approval refuses a quiz whose fingerprint is not the
    one sent, so a reviewer never approves something other than what they read."""
    slots = sorted(quiz.slots, key=lambda s: s.position)
    fixed = pools.fixed_ids(slots)
    pool_ids = {
        slot.id: sorted(
            db.session.scalars(pools.slot_pool(slot, fixed).with_only_columns(Question.id))
        )
        for slot in slots
        if slot.is_random
    }
    shown = fixed.union(*pool_ids.values())
    newest = dict(
        db.session.execute(
            select(QuestionVersion.question_id, func.max(QuestionVersion.id))
            .where(QuestionVersion.question_id.in_(shown))
            .group_by(QuestionVersion.question_id)
        ).all()
    )
    state = {
        "settings": {key: _plain(getattr(quiz, key)) for key in SETTINGS},
        "slots": [
            {
                **{key: _plain(getattr(slot, key)) for key in SLOT_FIELDS},
                "version": newest.get(slot.question_id),
                "pool": [[qid, newest.get(qid)] for qid in pool_ids.get(slot.id, [])],
            }
            for slot in slots
        ],
    }
    return hashlib.sha256(json.dumps(state, sort_keys=True).encode()).hexdigest()


def pin(quiz: Quiz, now: datetime) -> None:
    """Hold the quiz to the bank as it is at ``now``: versions and random pools."""
    quiz.bank_as_of = now
    slots = sorted(quiz.slots, key=lambda s: s.position)
    fixed = pools.fixed_ids(slots)
    for slot in slots:
        if slot.is_random:
            slot.frozen_ids = None
            query = pools.slot_pool(slot, fixed).with_only_columns(Question.id)
            slot.frozen_ids = sorted(db.session.scalars(query))


def approve(quiz: Quiz, now: datetime) -> Quiz:
    """Publish what a reviewer approved; returns the quiz members now take.

    A new quiz is published. A draft copy's settings and slots replace the live quiz's, and the
    copy is removed. Either way the result is pinned to the bank as it is now.
    """
    if quiz.draft_of_id is None:
        quiz.status = "published"
        quiz.awaiting_review = False
        pin(quiz, now)
        db.session.flush()
        return quiz
    live = db.session.get(Quiz, quiz.draft_of_id)
    for key in SETTINGS:
        setattr(live, key, getattr(quiz, key))
    live.slots.clear()
    # The old slots go before the new ones take their positions (unique per quiz).
    db.session.flush()
    live.slots = [QuizSlot(**{key: getattr(s, key) for key in SLOT_FIELDS}) for s in quiz.slots]
    db.session.flush()
    pin(live, now)
    db.session.delete(quiz)
    db.session.flush()
    return live
