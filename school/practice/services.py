"""Daily practice: the pool, the day's draw, submitting it once, and the streak.

The pool is the active, automatically graded questions of the categories chosen for practice
(and those below them); with none chosen, the questions members practise in published practice
quizzes. A member's draw for a local day is made once and stored (unique on member and day), so
two tabs and a reload show the same questions; it is also the same if two requests make it at
once, because the choice is seeded by the member, the day and the site's secret. Questions the
member saw in the last weeks come last.

draw --submit--> completed. Submitting locks the member, refuses anything that is not an answer
to today's draw (nothing is written), grades with the question type registry against the
versions drawn, and records the completion once: a second submission returns the first result.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import ColumnElement, Select, exists, func, or_, select, union
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload, selectinload

from school import events
from school.auth.models import User
from school.courses.models import Course
from school.db import db, utcnow
from school.practice.models import (
    DAILY_QUESTIONS,
    PracticeCategory,
    PracticeCompletion,
    PracticeDraw,
    PracticeItem,
    PracticeStreak,
)
from school.quizzes import pools
from school.quizzes.models import Category, Question, QuestionVersion, Quiz, QuizSlot
from school.quizzes.types import QUESTION_TYPES

# Questions seen within this many days are drawn only when the pool has nothing fresher.
RECENT_DAYS = 30
# Only what the registry grades by itself: an essay waits for a person, a description is no
# question.
GRADED_TYPES = sorted(k for k, t in QUESTION_TYPES.items() if t.auto_graded and t.answerable)
# Types whose input sends several values (checkboxes, one select per matching row).
_MULTI_VALUED = {"multiple", "matching"}
_FIELD = re.compile(r"q(\d+)")


class BankEmpty(Exception):
    """No question can be drawn: nothing in the chosen categories, or nothing chosen and no
    published practice quiz."""


class NotYourDraw(Exception):
    """The submitted draw does not exist or is another member's."""


class StaleDraw(Exception):
    """The member's own draw of another day (a page left open past midnight)."""

    def __init__(self, day: date) -> None:
        super().__init__(day)
        self.day = day


class ForgedAnswer(Exception):
    """An answer to a question not in the draw, or a choice the question does not have."""


class UnknownCategory(Exception):
    """A category chosen for practice that is not in the bank."""


# --- the pool ----------------------------------------------------------------------------------


def configured() -> bool:
    """Whether any category has been chosen to feed daily practice."""
    return db.session.scalar(select(PracticeCategory.category_id).limit(1)) is not None


def _chosen_question_ids() -> Select:
    """Questions filed in a chosen category or anywhere below one."""
    chosen = aliased(Category)
    below = func.substr(Category.path, 1, func.length(chosen.path) + 1) == chosen.path + "/"
    return (
        select(Question.id)
        .join(Category, Question.category_id == Category.id)
        .join(chosen, or_(chosen.id == Category.id, below))
        .join(PracticeCategory, PracticeCategory.category_id == chosen.id)
    )


def _practice_quiz_question_ids() -> Select:
    """Questions members practise in published practice quizzes: fixed ones and what random
    slots draw from."""
    published = (
        (Quiz.kind == "practice")
        & (Quiz.status == "published")
        & or_(Quiz.course_id.is_(None), Quiz.course.has(Course.status == "published"))
    )
    fixed = (
        select(QuizSlot.question_id)
        .join(Quiz, QuizSlot.quiz_id == Quiz.id)
        .where(published, QuizSlot.question_id.is_not(None))
    )
    random_slots = db.session.scalars(
        select(QuizSlot)
        .join(Quiz, QuizSlot.quiz_id == Quiz.id)
        .where(published, QuizSlot.question_id.is_(None))
        .options(joinedload(QuizSlot.category))
    ).all()
    drawn = [pools.slot_pool(slot).with_only_columns(Question.id) for slot in random_slots]
    return union(fixed, *drawn) if drawn else fixed


def _gradable_now() -> list[ColumnElement[bool]]:
    """Conditions on a QuestionVersion joined to its Question: the question is active, this is
    its newest version, and the registry grades its type by itself."""
    newer = aliased(QuestionVersion)
    return [
        Question.retired.is_(False),
        QuestionVersion.qtype.in_(GRADED_TYPES),
        ~exists().where(
            newer.question_id == QuestionVersion.question_id,
            newer.number > QuestionVersion.number,
        ),
    ]


def pool(chosen: bool | None = None) -> Select[tuple[QuestionVersion]]:
    """The current version of every question daily practice may draw (``chosen``: whether
    categories are configured, when the caller knows)."""
    if chosen is None:
        chosen = configured()
    ids = _chosen_question_ids() if chosen else _practice_quiz_question_ids()
    return (
        select(QuestionVersion)
        .join(Question, QuestionVersion.question_id == Question.id)
        .where(Question.id.in_(ids), *_gradable_now())
        .order_by(QuestionVersion.question_id)
    )


def pool_size(chosen: bool | None = None) -> int:
    """How many questions daily practice can draw from now."""
    return db.session.scalar(select(func.count()).select_from(pool(chosen).subquery()))


@dataclass(frozen=True)
class CategoryRow:
    category: Category
    chosen: bool
    questions: int  # gradable active questions filed directly in it


def categories() -> list[CategoryRow]:
    """Every bank category, whether it feeds practice, and its gradable questions (two
    statements)."""
    counts = dict(
        db.session.execute(
            select(Question.category_id, func.count(Question.id))
            .join(QuestionVersion, QuestionVersion.question_id == Question.id)
            .where(*_gradable_now())
            .group_by(Question.category_id)
        ).all()
    )
    rows = db.session.execute(
        select(Category, PracticeCategory.category_id)
        .outerjoin(PracticeCategory, PracticeCategory.category_id == Category.id)
        .order_by(Category.path)
    ).all()
    return [CategoryRow(c, chosen is not None, counts.get(c.id, 0)) for c, chosen in rows]


def choose_categories(by: User, category_ids: list[int]) -> None:
    """Feed daily practice from exactly these categories (none: the practice quizzes' questions)."""
    wanted = set(category_ids)
    known = set(db.session.scalars(select(Category.id).where(Category.id.in_(wanted))))
    if known != wanted:
        raise UnknownCategory()
    current = {row.category_id: row for row in db.session.scalars(select(PracticeCategory))}
    for category_id, row in current.items():
        if category_id not in wanted:
            db.session.delete(row)
    for category_id in sorted(wanted - set(current)):
        try:  # another admin saving the same choice at the same moment
            with db.session.begin_nested():
                db.session.add(PracticeCategory(category_id=category_id, chosen_by_id=by.id))
        except IntegrityError:
            pass
    db.session.flush()


# --- the day's draw ----------------------------------------------------------------------------


def load_draw(member: User, day: date) -> PracticeDraw | None:
    """The member's draw for the day with its completion, questions and versions (two
    statements)."""
    return db.session.scalar(
        select(PracticeDraw)
        .where(PracticeDraw.member_id == member.id, PracticeDraw.day == day)
        .options(
            joinedload(PracticeDraw.completion),
            selectinload(PracticeDraw.items).joinedload(PracticeItem.version),
        )
        # The truth of the moment: a submit after the member's lock sees a completion that a
        # draw loaded earlier in the session would not.
        .execution_options(populate_existing=True)
    )


def _rng(member: User, day: date) -> random.Random:
    # The same member and day always give the same sequence; nobody without the secret can
    # predict it.
    key = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(key, f"practice:{member.id}:{day.isoformat()}".encode(), hashlib.sha256)
    return random.Random(digest.digest())  # noqa: S311 - seeded from a keyed hash on purpose


def _last_seen(member: User, day: date) -> dict[int, date]:
    """When the member was last given each question in the recent weeks (one statement)."""
    return dict(
        db.session.execute(
            select(PracticeItem.question_id, func.max(PracticeDraw.day))
            .join(PracticeDraw, PracticeItem.draw_id == PracticeDraw.id)
            .where(
                PracticeDraw.member_id == member.id,
                PracticeDraw.day >= day - timedelta(days=RECENT_DAYS),
                PracticeDraw.day < day,
            )
            .group_by(PracticeItem.question_id)
        ).all()
    )


def choose(member: User, day: date) -> list[tuple[QuestionVersion, dict]]:
    """The day's questions for the member with their option order: the same for the same pool,
    member and day; never-seen questions first, then those seen longest ago."""
    # Ids first: only the five chosen versions are loaded whole, however large the bank.
    candidates = db.session.execute(
        pool().with_only_columns(QuestionVersion.id, QuestionVersion.question_id)
    ).all()
    if not candidates:
        raise BankEmpty()
    seen = _last_seen(member, day)
    rng = _rng(member, day)
    rng.shuffle(candidates)
    candidates.sort(key=lambda row: seen.get(row.question_id, date.min))
    chosen = [row.id for row in candidates[:DAILY_QUESTIONS]]
    versions = {
        v.id: v
        for v in db.session.scalars(select(QuestionVersion).where(QuestionVersion.id.in_(chosen)))
    }
    return [
        (versions[i], QUESTION_TYPES[versions[i].qtype].layout(versions[i].data, True, rng))
        for i in chosen
    ]


def draw_for(member: User, day: date, now: datetime | None = None) -> PracticeDraw:
    """The member's draw for the day, made now if there is none yet."""
    existing = load_draw(member, day)
    if existing is not None:
        return existing
    draw = PracticeDraw(member_id=member.id, day=day, drawn_at=now or utcnow())
    draw.items = [
        PracticeItem(position=n, question_id=v.question_id, version=v, layout=layout)
        for n, (v, layout) in enumerate(choose(member, day), 1)
    ]
    try:
        with db.session.begin_nested():
            db.session.add(draw)
    except IntegrityError:  # the same page opened in two tabs at once: theirs is the same
        existing = load_draw(member, day)
        if existing is None:
            raise
        return existing
    return draw


# --- submitting --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    completion: PracticeCompletion
    first: bool  # False: the day was already completed and nothing changed


def _lock_member(member: User) -> None:
    # One member's submissions are serialised: two tabs submitting wait for each other.
    db.session.execute(select(User.id).where(User.id == member.id).with_for_update())


def _read(item: PracticeItem, values: list[str]) -> dict | None:
    """The item's answer from its form values; ForgedAnswer for a value the form cannot send."""
    qtype = QUESTION_TYPES[item.version.qtype]
    data, layout = item.version.data, item.layout
    given = [v for v in values if v.strip()]
    if len(given) > 1 and item.version.qtype not in _MULTI_VALUED:
        raise ForgedAnswer()
    if any(qtype.read_answer(data, layout, [value]) is None for value in given):
        raise ForgedAnswer()
    return qtype.read_answer(data, layout, given)


def _answers(draw: PracticeDraw, fields: Mapping[str, list[str]]) -> dict[int, dict | None]:
    """Every item's answer, or ForgedAnswer when a field names no question of the draw."""
    by_position = {item.position: item for item in draw.items}
    values: dict[int, list[str]] = {}
    for name, given in fields.items():
        match = _FIELD.fullmatch(name)
        if match is None or int(match.group(1)) not in by_position:
            raise ForgedAnswer()
        values[int(match.group(1))] = given
    return {p: _read(item, values.get(p, [])) for p, item in by_position.items()}


def submit(
    member: User,
    draw_id: int,
    fields: Mapping[str, list[str]],
    today: date,
    now: datetime | None = None,
) -> Outcome:
    """Grade today's draw once; a second submission returns the first result unchanged.

    ``fields`` maps each form field ``q<position>`` to its values. Nothing is written when the
    draw is not the member's (NotYourDraw), not today's (StaleDraw) or the answers are forged.
    """
    now = now or utcnow()
    _lock_member(member)
    draw = load_draw(member, today)
    if draw is None or draw.id != draw_id:
        found = db.session.get(PracticeDraw, draw_id)
        if found is None or found.member_id != member.id:
            raise NotYourDraw()
        raise StaleDraw(found.day)
    answers = _answers(draw, fields)
    if draw.completion is not None:
        return Outcome(draw.completion, first=False)
    fractions = {
        item.position: QUESTION_TYPES[item.version.qtype].grade(
            item.version.data, answers[item.position]
        )
        for item in draw.items
    }
    completion = PracticeCompletion(
        draw_id=draw.id,
        correct=sum(1 for f in fractions.values() if f == 1),
        total=len(draw.items),
        completed_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(completion)
    except IntegrityError:  # submitted at the same moment elsewhere: that one counts
        first = db.session.get(PracticeCompletion, draw.id, populate_existing=True)
        if first is None:
            raise
        return Outcome(first, first=False)
    for item in draw.items:
        item.answer, item.fraction = answers[item.position], fractions[item.position]
    _extend_streak(member, today)
    db.session.flush()
    events.daily_practice_completed.send(
        member, day=today, correct=completion.correct, total=completion.total
    )
    return Outcome(completion, first=True)


# --- the streak --------------------------------------------------------------------------------


def _extend_streak(member: User, day: date) -> None:
    row = db.session.get(PracticeStreak, member.id)
    if row is None:
        db.session.add(
            PracticeStreak(member_id=member.id, last_day=day, current=1, longest=1, days=1)
        )
        return
    row.current = row.current + 1 if row.last_day == day - timedelta(days=1) else 1
    row.longest = max(row.longest, row.current)
    row.days += 1
    row.last_day = day


@dataclass(frozen=True)
class Streak:
    current: int  # consecutive days up to today, or up to yesterday while today is still open
    longest: int
    days: int
    done_today: bool


def streak_of(member: User, today: date) -> Streak:
    """The member's streak as of today (one statement): a missed day makes it 0."""
    row = db.session.get(PracticeStreak, member.id)
    if row is None:
        return Streak(0, 0, 0, False)
    alive = row.last_day >= today - timedelta(days=1)
    return Streak(row.current if alive else 0, row.longest, row.days, row.last_day == today)


def home_part(user: User, today: date) -> dict[str, object]:
    """Whether today's practice is done and the member's streak, for the home page."""
    return {"daily_practice": streak_of(user, today)}
