"""The question bank: categories, tags, and questions added from parsed files or the editor."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from school.auth.models import User
from school.db import db
from school.quizzes.formats.parsed import FormatError, FormatProblem, ParsedQuestion
from school.quizzes.models import Category, Question, QuestionVersion, Tag
from school.quizzes.types import QUESTION_TYPES

DEFAULT_CATEGORY = "默认"


def clean_path(path: str) -> str:
    """Normalise a category path: trimmed segments joined by "/", no empty segments."""
    parts = [part.strip() for part in path.replace("\\", "/").split("/")]
    return "/".join(part for part in parts if part)[:255] or DEFAULT_CATEGORY


def get_or_create_category(path: str) -> Category:
    """The category at ``path``, created (with its parents) if missing."""
    path = clean_path(path)
    category = None
    prefix = ""
    for part in path.split("/"):
        prefix = f"{prefix}/{part}" if prefix else part
        category = db.session.scalar(select(Category).where(Category.path == prefix))
        if category is None:
            category = Category(path=prefix)
            db.session.add(category)
            db.session.flush()
    return category


def _tags(names: list[str]) -> list[Tag]:
    tags = []
    for name in dict.fromkeys(n.strip()[:50] for n in names if n.strip()):
        tag = db.session.scalar(select(Tag).where(Tag.name == name))
        if tag is None:
            tag = Tag(name=name)
            db.session.add(tag)
        tags.append(tag)
    return tags


def check(questions: list[ParsedQuestion], *, editing: int | None = None) -> list[FormatProblem]:
    """Problems that keep parsed questions out of the bank (the formats check syntax only).

    ``editing``: the question being edited, whose own idnumber is no clash.
    """
    problems = []
    for number, pq in enumerate(questions, 1):
        where = pq.line if pq.line is not None else None
        qtype = QUESTION_TYPES.get(pq.qtype)
        label = f"第 {number} 题" + (f"（{pq.name}）" if pq.name else "")
        if qtype is None:
            problems.append(FormatProblem(where, f"{label}：不支持的题型 {pq.qtype}"))
            continue
        if not pq.text.strip():
            problems.append(FormatProblem(where, f"{label}：题干不能为空"))
        problems += [FormatProblem(where, f"{label}：{p}") for p in qtype.validate(pq)]
        if pq.idnumber and db.session.scalar(
            select(Question.id).where(Question.idnumber == pq.idnumber, Question.id != editing)
        ):
            problems.append(FormatProblem(where, f"{label}：题目编号 {pq.idnumber} 已存在"))
    return problems


def _version(question: Question, pq: ParsedQuestion, number: int, by: User | None):
    return QuestionVersion(
        question=question,
        number=number,
        qtype=pq.qtype,
        name=pq.name[:255],
        text=pq.text,
        text_format=pq.text_format,
        data=QUESTION_TYPES[pq.qtype].to_data(pq),
        general_feedback=pq.general_feedback,
        default_mark=pq.default_mark if pq.qtype != "description" else 0,
        created_by_id=by.id if by else None,
    )


@dataclass(frozen=True)
class AddResult:
    questions: list[Question]
    categories: list[str]


def add_questions(
    questions: list[ParsedQuestion], *, category: str | None, by: User | None
) -> AddResult:
    """Add parsed questions to the bank, all or none.

    ``category`` (from the command line or the import form) is the base; a category named in the
    file (GIFT's $CATEGORY) is placed under it.
    """
    problems = check(questions)
    if problems:
        raise FormatError(problems)
    added, paths = [], []
    for pq in questions:
        path = "/".join(p for p in (category, pq.category) if p) or DEFAULT_CATEGORY
        cat = get_or_create_category(path)
        question = Question(
            category=cat, idnumber=pq.idnumber or None, created_by_id=by.id if by else None
        )
        question.tags = _tags(pq.tags)
        db.session.add(question)
        db.session.add(_version(question, pq, 1, by))
        added.append(question)
        if cat.path not in paths:
            paths.append(cat.path)
    db.session.flush()
    return AddResult(added, paths)


def edit_question(question: Question, pq: ParsedQuestion, by: User | None) -> QuestionVersion:
    """Save an edit as a new version; attempts keep pointing at the version they showed."""
    problems = check([pq], editing=question.id)
    if problems:
        raise FormatError(problems)
    if pq.idnumber:
        question.idnumber = pq.idnumber
    version = _version(question, pq, question.current.number + 1, by)
    db.session.add(version)
    question.tags = _tags(pq.tags)
    db.session.flush()
    return version


def to_parsed(question: Question) -> ParsedQuestion:
    """The current version as a ParsedQuestion, for export."""
    v = question.current
    return ParsedQuestion(
        qtype=v.qtype,
        text=v.text,
        name=v.name,
        text_format=v.text_format,
        answers=QUESTION_TYPES[v.qtype].to_parsed_answers(v.data),
        general_feedback=v.general_feedback,
        category=question.category.path,
        tags=[t.name for t in question.tags],
        idnumber=question.idnumber,
        default_mark=v.default_mark,
        case_sensitive=bool(v.data.get("case_sensitive", False)),
    )
