"""Quiz test data: a few questions of every type and a quiz over them."""

from __future__ import annotations

from decimal import Decimal

from school.db import db
from school.quizzes import bank
from school.quizzes.formats.parsed import ParsedAnswer as A
from school.quizzes.formats.parsed import ParsedQuestion as Q
from school.quizzes.models import Quiz, QuizSlot

D = Decimal


def single() -> Q:
    return Q(
        "single",
        "党员的组织关系一般应当转到哪里？",
        name="单选",
        answers=[
            A("工作或居住地的党组织", D(1), "对"),
            A("户籍所在地", D(0), "不对"),
            A("任意一个党组织", D(0)),
        ],
    )


def multiple() -> Q:
    third = D("0.3333333")
    return Q(
        "multiple",
        "下列哪些属于三会一课？",
        name="多选",
        answers=[
            A("支部党员大会", third),
            A("支委会", third),
            A("党小组会", D("0.3333334")),
            A("茶话会", D(-1)),
        ],
    )


def truefalse() -> Q:
    return Q(
        "truefalse",
        "党员每年应完成规定学时。",
        name="判断",
        answers=[A("true", D(1)), A("false", D(0))],
    )


def fillin() -> Q:
    return Q(
        "fillin",
        "党员的最高行为准则是（　）。",
        name="填空",
        answers=[A("党章", D(1)), A("中国共产党章程", D(1)), A("章程", D("0.5"))],
    )


def numerical() -> Q:
    return Q(
        "numerical",
        "普通党员每年至少需要多少学时？",
        name="数值",
        answers=[A("32", D(1), tolerance=D(0))],
    )


def matching() -> Q:
    return Q(
        "matching",
        "把会议与频次对应起来。",
        name="匹配",
        answers=[
            A("支部委员会", D(1), match="每月"),
            A("党员大会", D(1), match="每季度"),
            A("", D(1), match="每十年"),
        ],
    )


def essay() -> Q:
    return Q("essay", "谈谈你在外地参加组织生活的体会。", name="简答")


def make_quiz(
    questions: list[Q],
    *,
    category: str = "测试",
    course=None,
    created_by: int | None = None,
    **settings,
) -> Quiz:
    """A published quiz with one fixed slot per question (call inside an app context)."""
    added = bank.add_questions(questions, category=category, by=None)
    quiz = Quiz(
        title=settings.pop("title", "单元测验"),
        status=settings.pop("status", "published"),
        course_id=course.id if course is not None else None,
        created_by_id=created_by,
        shuffle_options=settings.pop("shuffle_options", False),
        **settings,
    )
    quiz.slots = [QuizSlot(position=i, question=q) for i, q in enumerate(added.questions, 1)]
    db.session.add(quiz)
    db.session.flush()
    return quiz
