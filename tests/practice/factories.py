"""Daily practice test data: a practice bank of every gradable type, and right answers."""

from __future__ import annotations

from sqlalchemy import select

from school.auth.models import User
from school.db import db
from school.demo.practice import right_values
from school.practice import services
from school.quizzes import bank
from school.quizzes.models import Question
from tests.quizzes import factories as f

GRADABLE = (f.single, f.multiple, f.truefalse, f.fillin, f.numerical, f.matching)


def make_bank(
    count: int = 7, *, category: str = "练习/党章", choose: bool = True
) -> list[Question]:
    """``count`` gradable questions (the six types in turn) in ``category``, chosen for daily
    practice unless ``choose`` is False (call inside an app context)."""
    parsed = [GRADABLE[n % len(GRADABLE)]() for n in range(count)]
    questions = bank.add_questions(parsed, category=category, by=None).questions
    if choose:
        services.choose_categories(_admin(), [questions[0].category_id])
    return questions


def _admin() -> User:
    return db.session.scalar(select(User).where(User.username == "admin"))


def all_right(draw) -> dict[str, list[str]]:
    """A form answering every question of the draw right."""
    return {f"q{item.position}": right_values(item) for item in draw.items}
