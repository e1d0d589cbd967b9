"""Assembling quizzes and editing questions from the instructor's forms."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from school.courses.models import Module
from school.db import db
from school.quizzes import bank
from school.quizzes.formats.parsed import ParsedQuestion
from school.quizzes.models import (
    Attempt,
    AttemptQuestion,
    Category,
    Question,
    QuestionVersion,
    Quiz,
    QuizSlot,
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


def apply_quiz_settings(quiz: Quiz, data: dict, zone: ZoneInfo) -> None:
    """Copy the settings form onto a quiz (times are entered in the school's time zone)."""

    def aware(value: datetime | None) -> datetime | None:
        return value.replace(tzinfo=zone) if value else None

    placement = data["placement"] or ""
    kind, _, ident = placement.partition(":")
    quiz.title = data["title"].strip()
    quiz.description = data["description"] or ""
    quiz.course_id = int(ident) if kind == "c" else None
    quiz.module_id = None
    if kind == "m":
        module = db.session.get(Module, int(ident))
        quiz.module_id, quiz.course_id = module.id, module.course_id
    quiz.kind = data["kind"]
    quiz.status = data["status"]
    quiz.required = bool(data["required"])
    minutes = data["time_limit_minutes"]
    quiz.time_limit_seconds = minutes * 60 if minutes else None
    quiz.attempts_allowed = data["attempts_allowed"]
    quiz.pass_percent = data["pass_percent"]
    quiz.open_at, quiz.close_at = aware(data["open_at"]), aware(data["close_at"])
    quiz.review = data["review"]
    quiz.one_per_page = bool(data["one_per_page"])
    quiz.shuffle_options = bool(data["shuffle_options"])
    db.session.flush()


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


def _next_position(quiz: Quiz) -> int:
    return max((s.position for s in quiz.slots), default=0) + 1


def add_fixed(quiz: Quiz, questions: list[Question], mark: Decimal | None) -> int:
    """Append questions to the quiz, skipping ones already in it; returns how many were added."""
    present = {s.question_id for s in quiz.slots}
    added = 0
    for question in questions:
        if question.id in present or question.retired:
            continue
        quiz.slots.append(QuizSlot(position=_next_position(quiz), question=question, mark=mark))
        present.add(question.id)
        added += 1
    db.session.flush()
    return added


def add_random(
    quiz: Quiz, category: Category, count: int, include_subcategories: bool, mark: Decimal | None
) -> QuizSlot:
    """Append a slot that draws ``count`` questions from the category when an attempt starts."""
    slot = QuizSlot(
        position=_next_position(quiz),
        category=category,
        draw_count=count,
        include_subcategories=include_subcategories,
        mark=mark,
    )
    quiz.slots.append(slot)
    db.session.flush()
    return slot


def remove_slot(quiz: Quiz, slot: QuizSlot) -> None:
    """Remove a slot and close the gap; attempts already started keep their questions."""
    quiz.slots.remove(slot)
    db.session.flush()
    # Two steps so the unique (quiz, position) constraint never sees a duplicate mid-update.
    for offset, remaining in enumerate(quiz.slots, 1):
        remaining.position = -offset
    db.session.flush()
    for remaining in quiz.slots:
        remaining.position = -remaining.position
    db.session.flush()


def pending_essays(limit: int = 100) -> list[AttemptQuestion]:
    """Essay answers in finished attempts that still wait for a grade, oldest first."""
    return list(
        db.session.scalars(
            select(AttemptQuestion)
            .join(Attempt)
            .join(QuestionVersion)
            .where(
                Attempt.state == "finished",
                AttemptQuestion.fraction.is_(None),
                QuestionVersion.qtype == "essay",
            )
            .order_by(Attempt.finished_at, AttemptQuestion.id)
            .limit(limit)
        )
    )


def question_counts() -> dict[int, int]:
    """Active questions per category id."""
    return dict(
        db.session.execute(
            select(Question.category_id, func.count())
            .where(Question.retired.is_(False))
            .group_by(Question.category_id)
        ).all()
    )
