"""Assembling quizzes and editing questions from the instructor's forms."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, false, func, select, true
from sqlalchemy.orm import contains_eager, selectinload

from school import events
from school.auth.models import User
from school.courses.models import Course, Module, course_instructors
from school.db import db
from school.formatting import format_hours, local_datetime
from school.quizzes import bank, changes, pools
from school.quizzes.formats.parsed import ParsedQuestion
from school.quizzes.models import (
    QUIZ_KINDS,
    REVIEW_MODES,
    Attempt,
    AttemptQuestion,
    Category,
    Question,
    QuestionVersion,
    Quiz,
    QuizSlot,
    Tag,
)
from school.quizzes.types import QUESTION_TYPES


def form_to_parsed(data: dict) -> ParsedQuestion:
    """The question editor's fields as a ParsedQuestion (validated by the bank like imports)."""
    qtype = data["qtype"]
    return ParsedQuestion(
        qtype=qtype,
        text=data["text"].strip(),
        name=(data["name"] or "").strip(),
        answers=QUESTION_TYPES[qtype].from_form(data),
        general_feedback=(data["general_feedback"] or "").strip(),
        tags=_split_tags(data["tags"] or ""),
        default_mark=data["default_mark"],
        case_sensitive=bool(data["case_sensitive"]),
    )


def _split_tags(text: str) -> list[str]:
    for sep in "，、;；":
        text = text.replace(sep, ",")
    return [t.strip() for t in text.split(",") if t.strip()]


def parsed_to_form(question: Question) -> dict:
    """Form data for editing the current version of a question."""
    pq = bank.to_parsed(question)
    rows = QUESTION_TYPES[pq.qtype].to_form(pq.answers)
    right = next((a.text for a in pq.answers if a.fraction == 1), "true")
    return {
        "qtype": pq.qtype,
        "category": question.category.path,
        "name": pq.name,
        "text": pq.text,
        "truefalse": right,
        "case_sensitive": pq.case_sensitive,
        "general_feedback": pq.general_feedback,
        "default_mark": pq.default_mark,
        "tags": "，".join(pq.tags),
        "answers": rows,
    }


class ChangeRefused(Exception):
    """A change the quiz does not take now; str(exc) says why, for the instructor."""


def changeable(quiz: Quiz) -> None:
    """Refuse changes to a quiz members take as a reviewer approved it (changes.is_live)."""
    if changes.is_live(quiz):
        raise ChangeRefused(
            "学员正在使用这个测验（所属课程已发布），不能直接修改。"
            "请点“建修改稿”，改好后随课程送审，审核通过后替换。"
        )


def _changed(quiz: Quiz) -> None:
    db.session.flush()
    events.quiz_changed.send(quiz)


def apply_quiz_settings(quiz: Quiz, data: dict, zone: ZoneInfo) -> None:
    """Copy the settings form onto a quiz (times are entered in the school's time zone).

    In a published course 发布 means "publish with the course's next review"
    (``awaiting_review``); a draft copy stays a draft in its own course. Refusals change nothing.
    """

    def aware(value: datetime | None) -> datetime | None:
        return value.replace(tzinfo=zone) if value else None

    changeable(quiz)
    placement = data["placement"] or ""
    kind, _, ident = placement.partition(":")
    course_id, module_id = (int(ident) if kind == "c" else None), None
    # A new quiz is already in the session, without its title yet.
    with db.session.no_autoflush:
        if kind == "m":
            module = db.session.get(Module, int(ident))
            module_id, course_id = module.id, module.course_id
        course = db.session.get(Course, course_id) if course_id is not None else None
    reviewed = course is not None and course.status in changes.REVIEWED_COURSE
    status, awaiting = data["status"], False
    if quiz.draft_of_id is not None:
        if course_id != quiz.course_id:
            raise ChangeRefused("修改稿只能留在原测验所在的课程里。")
        status = "draft"
    elif reviewed and status == "published":
        if quiz.status == "published" and quiz.course_id != course_id:
            raise ChangeRefused(
                "已发布的测验不能直接移入已发布的课程：请先改为草稿，再随课程送审。"
            )
        status, awaiting = "draft", True
    quiz.title = data["title"].strip()
    quiz.description = data["description"] or ""
    quiz.course_id, quiz.module_id = course_id, module_id
    quiz.kind = data["kind"]
    quiz.status = status
    quiz.awaiting_review = awaiting
    quiz.required = bool(data["required"])
    minutes = data["time_limit_minutes"]
    quiz.time_limit_seconds = minutes * 60 if minutes else None
    quiz.attempts_allowed = data["attempts_allowed"]
    quiz.pass_percent = data["pass_percent"]
    quiz.open_at, quiz.close_at = aware(data["open_at"]), aware(data["close_at"])
    quiz.review = data["review"]
    quiz.one_per_page = bool(data["one_per_page"])
    quiz.shuffle_options = bool(data["shuffle_options"])
    _changed(quiz)


def review_warnings(
    kind: str, review: str, attempts_allowed: int | None, close_at: datetime | None
) -> list[str]:
    """What the settings page points out about when an exam's answers are shown (message keys).

    A warning, never a refusal: an instructor may have reasons (a self-test exam that counts
    for little), but should not combine them by accident.
    """
    if kind == "practice":
        return []  # practice quizzes show the answers question by question anyway
    warnings = []
    if review == "immediate" and attempts_allowed is not None and attempts_allowed != 1:
        # Answers shown after attempt 1 can be copied into attempt 2.
        warnings.append("answers_before_retake")
    if (review == "after_last" and attempts_allowed == 0 and close_at is None) or (
        review == "after_close" and close_at is None
    ):
        warnings.append("never_shown")
    return warnings


def lock_quiz(quiz_id: int) -> Quiz | None:
    """The quiz loaded and locked for a change to its slots: two instructors adding or moving
    at once take turns, so positions stay unique and a question is not added twice. Members
    starting attempts only read the row and are not held up."""
    return db.session.scalar(
        select(Quiz)
        .where(Quiz.id == quiz_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _next_position(quiz: Quiz) -> int:
    return max((s.position for s in quiz.slots), default=0) + 1


def add_fixed(quiz: Quiz, questions: list[Question], mark: Decimal | None) -> int:
    """Append questions to the quiz, skipping ones already in it; returns how many were added."""
    changeable(quiz)
    present = pools.fixed_ids(quiz.slots)
    added = 0
    for question in questions:
        if question.id in present or question.retired:
            continue
        quiz.slots.append(QuizSlot(position=_next_position(quiz), question=question, mark=mark))
        present.add(question.id)
        added += 1
    _changed(quiz)
    return added


@dataclass(frozen=True)
class RandomRule:
    """What a random slot draws: a category (with its subcategories or not), a tag, or both."""

    category: Category | None
    tag: Tag | None
    include_subcategories: bool
    count: int


class EmptyRule(Exception):
    """A random rule names neither a category nor a tag."""


class NotEnoughToDraw(Exception):
    """A random rule asks for more questions than it can draw now."""

    def __init__(self, available: int) -> None:
        super().__init__(available)
        self.available = available


def available(quiz: Quiz, rule: RandomRule) -> int:
    """How many questions the rule could draw in this quiz now (as an attempt would count)."""
    if rule.category is None and rule.tag is None:
        return 0
    probe = _rule_slot(rule, None)
    (count,) = pools.available_counts([(probe, pools.fixed_ids(quiz.slots))])
    return count


def _rule_slot(rule: RandomRule, mark: Decimal | None) -> QuizSlot:
    return QuizSlot(
        category=rule.category,
        tag_id=rule.tag.id if rule.tag else None,
        tag=rule.tag,
        draw_count=rule.count,
        include_subcategories=rule.include_subcategories,
        mark=mark,
    )


def add_random(
    quiz: Quiz,
    category: Category | None,
    count: int,
    include_subcategories: bool,
    mark: Decimal | None,
    *,
    tag: Tag | None = None,
) -> QuizSlot:
    """Append a slot that draws ``count`` questions from the category and/or the tag when an
    attempt starts; refused when they are not there to draw now."""
    changeable(quiz)
    rule = RandomRule(category, tag, include_subcategories, count)
    if category is None and tag is None:
        raise EmptyRule()
    have = available(quiz, rule)
    if have < count:
        raise NotEnoughToDraw(have)
    slot = _rule_slot(rule, mark)
    slot.position = _next_position(quiz)
    quiz.slots.append(slot)
    _changed(quiz)
    return slot


def _renumber(quiz: Quiz, order: list[QuizSlot]) -> None:
    # Two steps so the unique (quiz, position) constraint never sees a duplicate mid-update.
    for offset, slot in enumerate(order, 1):
        slot.position = -offset
    db.session.flush()
    for slot in order:
        slot.position = -slot.position
    db.session.flush()
    quiz.slots.sort(key=lambda s: s.position)


def remove_slot(quiz: Quiz, slot: QuizSlot) -> None:
    """Remove a slot and close the gap; attempts already started keep their questions."""
    changeable(quiz)
    quiz.slots.remove(slot)
    db.session.flush()
    _renumber(quiz, list(quiz.slots))
    _changed(quiz)


def move_slot(quiz: Quiz, slot: QuizSlot, step: int) -> bool:
    """Move a slot ``step`` places up (negative) or down; False when it is already at the end."""
    changeable(quiz)
    order = list(quiz.slots)
    at = order.index(slot)
    to = at + step
    if step == 0 or not 0 <= to < len(order):
        return False
    order.insert(to, order.pop(at))
    _renumber(quiz, order)
    _changed(quiz)
    return True


class WrongOrder(Exception):
    """A new order that does not name every slot of the quiz exactly once."""


def reorder(quiz: Quiz, slot_ids: list[int]) -> None:
    """Put the quiz's slots in the given order (every slot, once)."""
    changeable(quiz)
    by_id = {slot.id: slot for slot in quiz.slots}
    if sorted(slot_ids) != sorted(by_id):
        raise WrongOrder()
    _renumber(quiz, [by_id[i] for i in slot_ids])
    _changed(quiz)


def set_mark(slot: QuizSlot, mark: Decimal | None) -> None:
    """Each question of the slot is worth ``mark``; None: the question's own default mark."""
    changeable(slot.quiz)
    slot.mark = mark
    _changed(slot.quiz)


# --- what the builder page shows -----------------------------------------------------------------


def first_line(version: QuestionVersion, limit: int = 80) -> str:
    """The question's first line of text, for lists (its name when the text has none)."""
    for line in version.text.splitlines():
        line = line.strip().lstrip("#>*-").strip()
        if line:
            return line if len(line) <= limit else line[: limit - 1] + "…"
    return version.name


@dataclass(frozen=True)
class SlotRow:
    slot: QuizSlot
    version: QuestionVersion | None  # the fixed question's current version
    mark: Decimal | None  # per question; None: each drawn question's default mark
    available: int | None  # random slots: how many questions they could draw now
    # Random slots: how many are left in the worst case, when the random slots before this one
    # drew every question they share with it.
    worst: int | None = None

    @property
    def short(self) -> bool:
        return self.available is not None and self.available < self.slot.draw_count

    @property
    def at_risk(self) -> bool:
        """Enough questions alone, but maybe not after earlier random slots drew theirs."""
        return not self.short and self.worst is not None and self.worst < self.slot.draw_count

    @property
    def text(self) -> str:
        return first_line(self.version) if self.version else ""


@dataclass(frozen=True)
class Builder:
    rows: list[SlotRow]
    total: Decimal  # the marks known now
    questions: int  # questions an attempt shows
    open_marks: int  # drawn questions whose mark is their own default, unknown until drawn
    attempts: int  # attempts members have started (previews not counted)

    @property
    def short(self) -> list[SlotRow]:
        return [row for row in self.rows if row.short]

    @property
    def at_risk(self) -> list[SlotRow]:
        return [row for row in self.rows if row.at_risk]


def _mark(slot: QuizSlot, version: QuestionVersion | None) -> Decimal | None:
    # As an attempt marks it: a description is worth nothing, whatever the slot says.
    if version is not None and not QUESTION_TYPES[version.qtype].answerable:
        return Decimal(0)
    if slot.mark is not None:
        return slot.mark
    return version.default_mark if version is not None else None


def _worst_case(
    random_slots: list[QuizSlot], fixed: set[int], counts: dict[int, int]
) -> dict[int, int]:
    # An attempt draws the random slots in order, each leaving out what the earlier ones drew:
    # a slot whose pool overlaps an earlier one's may find too few left, now and then.
    pairs = [(a, b) for at, b in enumerate(random_slots) for a in random_slots[:at]]
    shared = pools.shared_counts([(a, b, fixed) for a, b in pairs])
    worst = dict(counts)
    for (a, b), both in zip(pairs, shared, strict=True):
        worst[b.id] -= min(a.draw_count, both)
    return worst


def builder(quiz: Quiz) -> Builder:
    """The quiz's slots in order with what each shows, the total, and each random slot's pool,
    in a fixed few statements however many slots."""
    slots = db.session.scalars(
        select(QuizSlot)
        .where(QuizSlot.quiz_id == quiz.id)
        .order_by(QuizSlot.position)
        .options(
            selectinload(QuizSlot.question).selectinload(Question.versions),
            selectinload(QuizSlot.question).selectinload(Question.tags),
            selectinload(QuizSlot.category),
            selectinload(QuizSlot.tag),
        )
    ).all()
    fixed = pools.fixed_ids(slots)
    random_slots = [slot for slot in slots if slot.is_random]
    counts = dict(
        zip(
            [slot.id for slot in random_slots],
            pools.available_counts([(slot, fixed) for slot in random_slots]),
            strict=True,
        )
    )
    worst = _worst_case(random_slots, fixed, counts)
    rows, total, questions, open_marks = [], Decimal(0), 0, 0
    for slot in slots:
        version = slot.question.version_at(quiz.bank_as_of) if slot.question else None
        mark = _mark(slot, version)
        rows.append(SlotRow(slot, version, mark, counts.get(slot.id), worst.get(slot.id)))
        many = 1 if version is not None else slot.draw_count
        questions += many
        if mark is None:
            open_marks += many
        else:
            total += mark * many
    attempts = db.session.scalar(
        select(func.count(Attempt.id)).where(Attempt.quiz_id == quiz.id, Attempt.preview.is_(False))
    )
    return Builder(rows, total, questions, open_marks, attempts)


def summary_lines(quiz: Quiz) -> list[str]:
    """The quiz as a reviewer reads it, a line per setting and per place, so two states of a
    quiz compare line by line."""

    def yes(value: bool) -> str:
        return "是" if value else "否"

    minutes = (quiz.time_limit_seconds or 0) // 60
    lines = [
        f"名称：{quiz.title}",
        f"类型：{QUIZ_KINDS.get(quiz.kind, quiz.kind)}",
        f"单元：{quiz.module.title if quiz.module else '课程测验'}",
        f"必须通过：{yes(quiz.required)}",
        f"限时：{f'{minutes} 分钟' if minutes else '不限'}",
        f"允许次数：{quiz.attempts_allowed or '不限'}",
        f"及格分：{quiz.pass_percent}",
        f"开放时间：{local_datetime(quiz.open_at) if quiz.open_at else '不限'}",
        f"截止时间：{local_datetime(quiz.close_at) if quiz.close_at else '不限'}",
        f"答案公布：{REVIEW_MODES.get(quiz.review, quiz.review)}",
        f"每页一题：{yes(quiz.one_per_page)}",
        f"打乱选项：{yes(quiz.shuffle_options)}",
    ]
    if quiz.description.strip():
        lines.append(f"说明：{' '.join(quiz.description.split())}")
    built = builder(quiz)
    for number, row in enumerate(built.rows, 1):
        mark = "各题默认分" if row.mark is None else f"{format_hours(row.mark)} 分"
        if row.version is not None:
            kind = QUESTION_TYPES[row.version.qtype].label
            text = first_line(row.version)
            version = f"#{row.slot.question_id} 第 {row.version.number} 版"
            lines.append(f"第 {number} 处：{kind} {text}（{version}）· {mark}")
        else:
            rule = row.slot.rule_label
            lines.append(
                f"第 {number} 处：随机 {row.slot.draw_count} 题，{rule}"
                f"（可抽 {row.available} 题）· {mark}"
            )
    lines.append(f"合计：{built.questions} 题，{format_hours(built.total)} 分")
    return lines


# --- ownership and grading -------------------------------------------------------------------


def editable_by(user: User) -> ColumnElement[bool]:
    """The quizzes ``user`` may edit, as a filter: permissions.can_edit_quiz in SQL."""
    if user.is_admin:
        return true()
    if not user.is_instructor:
        return false()
    teaches = select(course_instructors.c.course_id).where(course_instructors.c.user_id == user.id)
    return Quiz.course_id.in_(teaches) | (
        Quiz.course_id.is_(None) & (Quiz.created_by_id.is_(None) | (Quiz.created_by_id == user.id))
    )


def pending_essays(grader: User | None = None, limit: int = 100) -> list[AttemptQuestion]:
    """Essay answers in finished attempts that still wait for a grade, oldest first; with
    ``grader``, only those on quizzes the grader may edit."""
    query = pending_query(grader).options(
        contains_eager(AttemptQuestion.attempt).contains_eager(Attempt.quiz)
    )
    return list(
        db.session.scalars(query.order_by(Attempt.finished_at, AttemptQuestion.id).limit(limit))
    )


def pending_query(grader: User | None = None) -> Select[tuple[AttemptQuestion]]:
    """Essay answers waiting for a grade, joined with their attempt and quiz."""
    query = (
        select(AttemptQuestion)
        .select_from(AttemptQuestion)
        .join(Attempt)
        .join(Quiz, Quiz.id == Attempt.quiz_id)
        .join(QuestionVersion)
        .where(
            Attempt.state == "finished",
            AttemptQuestion.fraction.is_(None),
            QuestionVersion.qtype == "essay",
        )
    )
    return query if grader is None else query.where(editable_by(grader))


def question_counts() -> dict[int, int]:
    """Active questions per category id."""
    return dict(
        db.session.execute(
            select(Question.category_id, func.count())
            .where(Question.retired.is_(False))
            .group_by(Question.category_id)
        ).all()
    )
