"""The builder's picker: find questions in the bank to add to a quiz.

Filters by category (with its subcategories), 考点 tag, type and text of the current version,
and by use (in any quiz, in none, in this quiz or not). Retired questions are never offered.
A page runs a fixed few statements however many questions it lists.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, case, exists, func, select
from sqlalchemy.orm import aliased, joinedload, selectinload

from school.db import db
from school.quizzes import pools
from school.quizzes.building import first_line
from school.quizzes.formats.parsed import ParsedAnswer
from school.quizzes.models import Category, Question, QuestionVersion, Quiz, QuizSlot, Tag
from school.quizzes.types import QUESTION_TYPES

PAGE_SIZE = 20
USES = {
    "": "不限",
    "unused": "未被任何测验使用",
    "used": "已被测验使用",
    "not_here": "不在本测验中",
    "here": "已在本测验中",
}


@dataclass(frozen=True)
class Filters:
    category: Category | None = None
    include_subcategories: bool = True
    tag: Tag | None = None
    qtype: str = ""
    text: str = ""
    use: str = ""
    page: int = 1


@dataclass(frozen=True)
class Row:
    question: Question
    version: QuestionVersion  # the current one
    in_quiz: bool
    quizzes: int  # how many quizzes use it in a fixed slot

    @property
    def text(self) -> str:
        return first_line(self.version)

    @property
    def answers(self) -> list[ParsedAnswer]:
        """The options or accepted answers, with what each scores, for a look before adding."""
        return QUESTION_TYPES[self.version.qtype].to_parsed_answers(self.version.data)


@dataclass(frozen=True)
class Page:
    rows: list[Row]
    total: int
    page: int
    pages: int


def _current() -> ColumnElement[bool]:
    # The newest version: what the bank shows and what a new attempt would show.
    later = aliased(QuestionVersion)
    newest = (
        select(func.max(later.number))
        .where(later.question_id == Question.id)
        .correlate(Question)
        .scalar_subquery()
    )
    return (QuestionVersion.question_id == Question.id) & (QuestionVersion.number == newest)


def _in_quiz(quiz: Quiz) -> ColumnElement[bool]:
    return exists().where(QuizSlot.question_id == Question.id, QuizSlot.quiz_id == quiz.id)


def _query(quiz: Quiz, filters: Filters) -> Select[tuple[Question]]:
    query = select(Question).join(QuestionVersion, _current()).where(Question.retired.is_(False))
    if filters.category is not None:
        query = query.where(pools.in_category(filters.category, filters.include_subcategories))
    if filters.tag is not None:
        query = query.where(Question.tags.any(Tag.id == filters.tag.id))
    if filters.qtype:
        query = query.where(QuestionVersion.qtype == filters.qtype)
    if filters.text:
        # Substring in the text or name, case-blind for Latin letters on both databases.
        pattern = filters.text.lower()
        query = query.where(
            func.lower(QuestionVersion.text).contains(pattern, autoescape=True)
            | func.lower(QuestionVersion.name).contains(pattern, autoescape=True)
        )
    used = exists().where(QuizSlot.question_id == Question.id)
    query = {
        "used": query.where(used),
        "unused": query.where(~used),
        "here": query.where(_in_quiz(quiz)),
        "not_here": query.where(~_in_quiz(quiz)),
    }.get(filters.use, query)
    return query


def search(quiz: Quiz, filters: Filters) -> Page:
    """One page of the questions matching the filters, newest first, each marked with whether
    the quiz already has it and how many quizzes use it."""
    query = _query(quiz, filters)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, filters.page), pages)
    found = db.session.execute(
        query.add_columns(QuestionVersion)
        .options(joinedload(Question.category), selectinload(Question.tags))
        .order_by(Question.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    ids = [question.id for question, _ in found]
    usage: dict[int, tuple[int, bool]] = {}
    if ids:
        here = func.max(case((QuizSlot.quiz_id == quiz.id, 1), else_=0))
        usage = {
            qid: (count, bool(in_quiz))
            for qid, count, in_quiz in db.session.execute(
                select(QuizSlot.question_id, func.count(func.distinct(QuizSlot.quiz_id)), here)
                .where(QuizSlot.question_id.in_(ids))
                .group_by(QuizSlot.question_id)
            )
        }
    rows = []
    for question, version in found:
        quizzes, in_quiz = usage.get(question.id, (0, False))
        rows.append(Row(question, version, in_quiz, quizzes))
    return Page(rows, total, page, pages)
