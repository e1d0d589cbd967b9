"""The attempt state machine: start, save, check (practice), finish, grade. The server decides.

open --save--> open --submit / deadline--> finished. Every transition locks the attempt row, so
a save racing a submit, two tabs submitting, or a double click all end in one graded attempt.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from school import events
from school.archive import services as archive
from school.auth.models import User
from school.courses.services import complete_course_if_due
from school.db import db, utcnow
from school.formatting import decimal_text
from school.notifications.services import notify
from school.quizzes import pools
from school.quizzes.models import (
    Attempt,
    AttemptQuestion,
    Question,
    Quiz,
    QuizSlot,
)
from school.quizzes.types import QUESTION_TYPES

# Option order and random draws must not be predictable from outside.
_rng = random.SystemRandom()


class QuizUnavailable(Exception):
    """The quiz is not published, not open yet, or closed."""


class AttemptLimitReached(Exception):
    """The member has used every attempt the quiz allows."""


class AttemptClosed(Exception):
    """The attempt is finished (submitted or past its deadline): answers are no longer taken."""


class AlreadyGraded(Exception):
    """The answer has a grade already; the archive entry built on it is not rewritten."""


class NotEnoughQuestions(Exception):
    """A random slot asks for more questions than its category or tag holds."""


def grace() -> timedelta:
    """Slack after the deadline for answers already on their way from a slow phone connection."""
    return timedelta(seconds=int(current_app.config["QUIZ_GRACE_SECONDS"]))


def _lock_member(member: User) -> None:
    # One member's starts are serialised: two tabs pressing "start" get the same attempt.
    db.session.execute(select(User.id).where(User.id == member.id).with_for_update())


def _lock(attempt: Attempt, *, with_questions: bool = False) -> Attempt:
    # One statement both locks the row and reloads it, so a save racing a submit sees the truth.
    query = (
        select(Attempt)
        .where(Attempt.id == attempt.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if with_questions:
        query = query.options(selectinload(Attempt.questions).joinedload(AttemptQuestion.version))
    locked = db.session.scalars(query).one()
    _mark_locked(locked)
    return locked


def _mark_locked(attempt: Attempt) -> None:
    db.session.info[("attempt lock", attempt.id)] = db.session().get_transaction()


def _holds_lock(attempt: Attempt) -> bool:
    # Locks last as long as their transaction: one taken before a commit no longer counts.
    held_in = db.session.info.get(("attempt lock", attempt.id))
    return held_in is not None and held_in is db.session().get_transaction()


def locked_attempt(attempt_id: int) -> Attempt | None:
    """An attempt loaded and locked in one statement, for a save (the caller checks whose it
    is: the lock on someone else's attempt ends with the refused request's transaction).

    A save is the hottest request of an exam: loading the attempt and then locking it would be
    two statements. Only the attempt's row is locked, never its quiz's, which every member
    taking the exam shares."""
    attempt = db.session.scalar(
        select(Attempt)
        .where(Attempt.id == attempt_id)
        .with_for_update(of=Attempt)
        .execution_options(populate_existing=True)
    )
    if attempt is not None:
        _mark_locked(attempt)
    return attempt


def load_for_pages(attempt_id: int) -> Attempt | None:
    """An attempt with what its question and summary pages show: its quiz (same statement) and
    every question with its version (one more), however many questions there are."""
    return db.session.get(
        Attempt,
        attempt_id,
        options=[
            joinedload(Attempt.quiz),
            selectinload(Attempt.questions).joinedload(AttemptQuestion.version),
        ],
    )


def open_attempt(member: User, quiz: Quiz) -> Attempt | None:
    """The member's open attempt at the quiz, if any."""
    return db.session.scalar(
        select(Attempt).where(
            Attempt.quiz_id == quiz.id, Attempt.user_id == member.id, Attempt.state == "open"
        )
    )


def attempts_of(member: User, quiz: Quiz) -> list[Attempt]:
    """The member's attempts at the quiz, newest first (previews included only for staff)."""
    return list(
        db.session.scalars(
            select(Attempt)
            .where(Attempt.quiz_id == quiz.id, Attempt.user_id == member.id)
            .order_by(Attempt.number.desc())
        )
    )


def used_attempts(member: User, quiz: Quiz) -> int:
    """Finished attempts that count against the limit (previews do not)."""
    return db.session.scalar(
        select(func.count(Attempt.id)).where(
            Attempt.quiz_id == quiz.id,
            Attempt.user_id == member.id,
            Attempt.preview.is_(False),
        )
    )


def _draw(quiz: Quiz) -> list[tuple]:
    """(question, mark) for every place in the quiz, random slots drawn now.

    Random slots never draw a question the quiz shows in a fixed slot (wherever that slot
    stands) or one an earlier random slot drew: a member never sees a question twice.
    """
    chosen: list[tuple] = []
    # The fixed slots' questions and their versions in two statements, not two per question:
    # starting is every candidate's first request on exam day.
    slots = db.session.scalars(
        select(QuizSlot)
        .where(QuizSlot.quiz_id == quiz.id)
        .order_by(QuizSlot.position)
        .options(selectinload(QuizSlot.question).selectinload(Question.versions))
    ).all()
    used = pools.fixed_ids(slots)
    for slot in slots:
        if slot.question is not None:
            chosen.append((slot.question, slot.mark))
            continue
        pool = db.session.scalars(pools.slot_pool(slot, used)).all()
        if len(pool) < slot.draw_count:
            raise NotEnoughQuestions(slot.rule_label)
        for question in _rng.sample(pool, slot.draw_count):
            chosen.append((question, slot.mark))
            used.add(question.id)
    return chosen


def start_attempt(
    member: User, quiz: Quiz, now: datetime | None = None, *, preview: bool = False
) -> Attempt:
    """Return the member's open attempt, or start a new one if the quiz allows it."""
    now = now or utcnow()
    _lock_member(member)
    current = open_attempt(member, quiz)
    if current is not None:
        finish_if_overdue(current, now)
        if current.is_open:
            return current
    if not preview and not quiz.is_open(now):
        raise QuizUnavailable()
    if (
        not preview
        and quiz.attempts_allowed
        and used_attempts(member, quiz) >= quiz.attempts_allowed
    ):
        raise AttemptLimitReached()

    number = (
        db.session.scalar(
            select(func.max(Attempt.number)).where(
                Attempt.quiz_id == quiz.id, Attempt.user_id == member.id
            )
        )
        or 0
    ) + 1
    attempt = Attempt(
        quiz=quiz,
        user_id=member.id,
        number=number,
        preview=preview,
        started_at=now,
        deadline_at=quiz.deadline_for(now),
    )
    for position, (question, slot_mark) in enumerate(_draw(quiz), 1):
        version = question.version_at(quiz.bank_as_of)
        qtype = QUESTION_TYPES[version.qtype]
        mark = (
            Decimal(0)
            if not qtype.answerable
            else (slot_mark if slot_mark is not None else version.default_mark)
        )
        attempt.questions.append(
            AttemptQuestion(
                position=position,
                version=version,
                mark=mark,
                layout=qtype.layout(version.data, quiz.shuffle_options, _rng),
            )
        )
    attempt.max_score = sum((aq.mark for aq in attempt.questions), Decimal(0))
    try:
        with db.session.begin_nested():
            db.session.add(attempt)
    except IntegrityError:  # another request started it a moment ago: use that one
        existing = open_attempt(member, quiz)
        if existing is None:
            raise
        return existing
    return attempt


def _check_open(attempt: Attempt, now: datetime) -> None:
    if not attempt.is_open:
        raise AttemptClosed()
    if attempt.deadline_at is not None and now > attempt.deadline_at + grace():
        finish_attempt(attempt, attempt.deadline_at)
        raise AttemptClosed()


def save_answers(
    attempt: Attempt, values: dict[int, list[str]], now: datetime | None = None
) -> datetime:
    """Store answers for the given positions; returns the time they were saved."""
    now = now or utcnow()
    if not _holds_lock(attempt):
        _lock(attempt)
    _check_open(attempt, now)
    # Only the questions on the page: a save is the hottest request of an exam.
    by_position = {
        aq.position: aq
        for aq in db.session.scalars(
            select(AttemptQuestion)
            .where(
                AttemptQuestion.attempt_id == attempt.id,
                AttemptQuestion.position.in_(list(values)),
            )
            .options(joinedload(AttemptQuestion.version))
        )
    }
    for position, raw in values.items():
        aq = by_position.get(position)
        if aq is None or aq.checked:
            continue  # unknown question, or a practice answer already checked and locked
        qtype = QUESTION_TYPES[aq.version.qtype]
        if qtype.answerable:
            aq.answer = qtype.read_answer(aq.version.data, aq.layout, raw)
            aq.saved_at = now
    db.session.flush()
    return now


def check_answer(attempt: Attempt, position: int, now: datetime | None = None) -> AttemptQuestion:
    """Practice quizzes: grade one saved answer now and lock it, so feedback cannot be farmed."""
    now = now or utcnow()
    _lock(attempt)
    _check_open(attempt, now)
    if not attempt.quiz.is_practice:
        raise AttemptClosed()
    aq = next(aq for aq in attempt.questions if aq.position == position)
    if not aq.checked:
        aq.checked = True
        aq.fraction = QUESTION_TYPES[aq.version.qtype].grade(aq.version.data, aq.answer)
    db.session.flush()
    return aq


def finish_if_overdue(attempt: Attempt, now: datetime | None = None) -> bool:
    """Finish an open attempt whose deadline has passed, with what was saved."""
    now = now or utcnow()
    if attempt.is_open and attempt.deadline_at is not None and now > attempt.deadline_at + grace():
        finish_attempt(attempt, attempt.deadline_at)
        return True
    return False


def finish_overdue(now: datetime | None = None) -> int:
    """Finish every open attempt past its deadline with what was saved; returns how many."""
    now = now or utcnow()
    overdue = db.session.scalars(
        select(Attempt).where(
            Attempt.state == "open",
            Attempt.deadline_at.is_not(None),
            Attempt.deadline_at < now - grace(),
        )
    ).all()
    return sum(finish_if_overdue(attempt, now) for attempt in overdue)


def finish_attempt(attempt: Attempt, now: datetime | None = None) -> Attempt:
    """Submit: grade what was saved. A second submit changes nothing."""
    now = now or utcnow()
    _lock(attempt, with_questions=True)
    if not attempt.is_open:
        return attempt
    for aq in attempt.questions:
        if not aq.checked:
            aq.fraction = QUESTION_TYPES[aq.version.qtype].grade(aq.version.data, aq.answer)
    attempt.state = "finished"
    attempt.finished_at = now
    _settle(attempt, now)
    db.session.flush()
    return attempt


def _settle(attempt: Attempt, now: datetime) -> None:
    """Total the score once every answer is graded; then archive it and update completion."""
    if any(aq.fraction is None for aq in attempt.questions):
        return  # an essay waits for an instructor
    attempt.score = sum((aq.score for aq in attempt.questions), Decimal(0))
    quiz = attempt.quiz
    attempt.passed = (
        attempt.max_score == 0 or attempt.score * 100 >= attempt.max_score * quiz.pass_percent
    )
    if attempt.preview:
        return
    member = db.session.get(User, attempt.user_id)
    course = quiz.course
    archive.append_quiz(
        member,
        attempt_id=attempt.id,
        title=quiz.title,
        course_title=course.title if course else None,
        course_id=quiz.course_id,
        score=attempt.score,
        max_score=attempt.max_score,
        passed=attempt.passed,
        completed_at=attempt.finished_at or now,
        quiz_id=quiz.id,
        attempt_number=attempt.number,
    )
    events.attempt_graded.send(member, attempt=attempt)
    if course is not None and attempt.passed and quiz.kind == "exam" and quiz.required:
        complete_course_if_due(member, course, now)


def grade_essay(
    aq: AttemptQuestion, fraction: Decimal, comment: str, grader: User, now: datetime | None = None
) -> Attempt:
    """An instructor's grade for an essay answer; the attempt settles when nothing is left."""
    now = now or utcnow()
    attempt = _lock(aq.attempt)
    if attempt.is_open:
        raise AttemptClosed()
    if aq.fraction is not None:
        raise AlreadyGraded()
    aq.fraction = max(Decimal(0), min(Decimal(1), fraction))
    aq.comment = comment
    aq.graded_by_id = grader.id
    aq.graded_at = now
    _settle(attempt, now)
    if attempt.score is not None and not attempt.preview:
        _tell_graded(attempt, grader)
    db.session.flush()
    return attempt


def result_path(attempt: Attempt) -> str:
    """The attempt's result page (the route of ``quizzes.result``), for links made outside a
    request."""
    return f"/attempts/{attempt.id}/result"


def _tell_graded(attempt: Attempt, grader: User) -> None:
    # The attempt has its grade now that its last essay is graded: the member hears of it once.
    # The text holds only what the member's result page shows them whatever the review mode.
    quiz = attempt.quiz
    verdict = "" if quiz.is_practice else ("，及格" if attempt.passed else "，未及格")
    text = (
        f"您的“{quiz.title}”第 {attempt.number} 次答题已阅卷："
        f"{decimal_text(attempt.percent)} 分{verdict}。"
    )
    member = db.session.get(User, attempt.user_id)
    notify([member], "graded", text, result_path(attempt), exclude=grader)


@dataclass(frozen=True)
class ReviewPolicy:
    answers: bool  # right answers, per-question marks and feedback, the instructor's comments
    score: bool


def finished_attempts(user_id: int, quiz: Quiz) -> int:
    """The member's finished attempts at the quiz that count (previews do not)."""
    return db.session.scalar(
        select(func.count(Attempt.id)).where(
            Attempt.quiz_id == quiz.id,
            Attempt.user_id == user_id,
            Attempt.state == "finished",
            Attempt.preview.is_(False),
        )
    )


def review_policy(attempt: Attempt, now: datetime | None = None) -> ReviewPolicy:
    """What the member may see of a finished attempt now, by the quiz's review setting.

    ``after_last`` shows the answers once the member has finished every attempt the quiz allows
    or once the quiz has closed, whichever comes first. With unlimited attempts there is no last
    attempt, so only the close date shows them; with neither, they are never shown. Closed means
    past the close date and the grace for answers still on their way, so that no one still
    answering can read the key.
    """
    now = now or utcnow()
    if attempt.is_open:
        return ReviewPolicy(answers=False, score=False)
    quiz = attempt.quiz
    if attempt.preview or quiz.is_practice or quiz.review == "immediate":
        return ReviewPolicy(answers=True, score=True)
    closed = quiz.close_at is not None and now > quiz.close_at + grace()
    if quiz.review == "after_close":
        return ReviewPolicy(answers=closed, score=True)
    if quiz.review == "after_last":
        # Finished attempts only: a member answering the last attempt in another tab has not
        # used it yet.
        shown = closed or (
            bool(quiz.attempts_allowed)
            and finished_attempts(attempt.user_id, quiz) >= quiz.attempts_allowed
        )
        return ReviewPolicy(answers=shown, score=True)
    return ReviewPolicy(answers=False, score=True)
