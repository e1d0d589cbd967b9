"""What quizzes add to the instructor's dashboard: what waits for this instructor.

``dashboard_part`` returns page_parts.Tally values for the quizzes the instructor may edit
(admins: every quiz), each linking to the list behind it, in a fixed few statements however
many quizzes or answers there are.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import url_for
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from school.auth.models import User
from school.clock import local_zone
from school.db import db
from school.page_parts import Tally
from school.quizzes import building, pools
from school.quizzes.models import Attempt, Quiz, QuizSlot

# An essay waiting longer than this is overdue: the member has no score until it is graded.
GRADING_DAYS = 7


def dashboard_part(user: User, today: date) -> dict[str, Tally]:
    """Essays to grade (always shown); published quizzes members cannot start and draft
    quizzes (shown when there are any: a zero there is only noise)."""
    if not user.is_instructor:
        return {}
    tallies = {"quiz_essays": _essays(user, today)}
    for name, tally in (("quiz_short", _short(user)), ("quiz_drafts", _drafts(user))):
        if tally.count:
            tallies[name] = tally
    return tallies


def _essays(user: User, today: date) -> Tally:
    since = datetime.combine(today - timedelta(days=GRADING_DAYS), time(), local_zone())
    count, late = db.session.execute(
        building.pending_query(user).with_only_columns(
            func.count(), func.count().filter(Attempt.finished_at < since)
        )
    ).one()
    return Tally("待阅简答题", count, url_for("quiz_manage.grading", mine=1), late)


def _short(user: User) -> Tally:
    # Published quizzes whose random draws cannot be filled now: starting fails for members.
    slots = db.session.scalars(
        select(QuizSlot)
        .join(Quiz)
        .where(Quiz.status == "published", building.editable_by(user))
        .options(selectinload(QuizSlot.category))
    ).all()
    fixed: dict[int, set[int]] = {}
    for slot in slots:
        fixed.setdefault(slot.quiz_id, set()).update(pools.fixed_ids([slot]))
    rules = [(slot, fixed[slot.quiz_id]) for slot in slots if slot.is_random]
    counts = pools.available_counts(rules)
    short = sorted(
        {
            slot.quiz_id
            for (slot, _), have in zip(rules, counts, strict=True)
            if have < slot.draw_count
        }
    )
    url = (
        url_for("quiz_manage.quiz_build", quiz_id=short[0])
        if len(short) == 1
        else url_for("quiz_manage.quiz_list", mine=1)
    )
    # Not "urgent" (the dashboard words that as overdue): the label says what is wrong.
    return Tally("题目不足、学员无法开始的测验", len(short), url)


def _drafts(user: User) -> Tally:
    count = db.session.scalar(
        select(func.count(Quiz.id)).where(Quiz.status == "draft", building.editable_by(user))
    )
    return Tally("未发布的测验", count, url_for("quiz_manage.quiz_list", mine=1))
