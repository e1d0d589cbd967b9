"""What a random slot draws from: one definition for the attempt's draw and the builder's count.

A random rule names a category (with or without its subcategories), a 考点 tag, or both. The
pool is the active questions matching it, less those the quiz already shows in fixed slots, so
the number the builder shows is the number an attempt can draw from.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from sqlalchemy import ColumnElement, Select, func, select

from school.db import db
from school.quizzes.models import Category, Question, QuizSlot, Tag


def in_category(category: Category, include_subcategories: bool) -> ColumnElement[bool]:
    """Questions filed in the category (and, if asked, in any category below it)."""
    if not include_subcategories:
        return Question.category_id == category.id
    prefix = category.path + "/"
    below = select(Category.id).where(Category.path.startswith(prefix, autoescape=True))
    return (Question.category_id == category.id) | Question.category_id.in_(below)


def pool(
    category: Category | None,
    tag_id: int | None,
    include_subcategories: bool,
    exclude: Collection[int] = (),
) -> Select[tuple[Question]]:
    """Active questions in the category (if any) that carry the tag (if any), less ``exclude``."""
    query = select(Question).where(Question.retired.is_(False))
    if category is not None:
        query = query.where(in_category(category, include_subcategories))
    if tag_id is not None:
        query = query.where(Question.tags.any(Tag.id == tag_id))
    if exclude:
        query = query.where(Question.id.not_in(list(exclude)))
    return query


def slot_pool(slot: QuizSlot, exclude: Collection[int] = ()) -> Select[tuple[Question]]:
    """The pool of a random slot: what its rule matched when a reviewer approved the quiz
    (less questions retired since), or what it matches now."""
    if slot.frozen_ids is None:
        return pool(slot.category, slot.tag_id, slot.include_subcategories, exclude)
    query = select(Question).where(Question.retired.is_(False), Question.id.in_(slot.frozen_ids))
    if exclude:
        query = query.where(Question.id.not_in(list(exclude)))
    return query


def fixed_ids(slots: Iterable[QuizSlot]) -> set[int]:
    """The questions a quiz shows in fixed slots: random slots never draw them again."""
    return {slot.question_id for slot in slots if slot.question_id is not None}


def available_counts(rules: list[tuple[QuizSlot, Collection[int]]]) -> list[int]:
    """How many questions each (random slot, questions to leave out) could draw now, in one
    statement however many slots."""
    return _counts([slot_pool(slot, exclude) for slot, exclude in rules])


def shared_counts(pairs: list[tuple[QuizSlot, QuizSlot, Collection[int]]]) -> list[int]:
    """How many questions both random slots of each pair could draw (less the third item), in
    one statement."""
    return _counts(
        [
            slot_pool(first, exclude).where(
                Question.id.in_(slot_pool(second, exclude).with_only_columns(Question.id))
            )
            for first, second, exclude in pairs
        ]
    )


def _counts(queries: list[Select]) -> list[int]:
    if not queries:
        return []
    counts = [
        select(func.count()).select_from(query.subquery()).scalar_subquery() for query in queries
    ]
    return list(db.session.execute(select(*counts)).one())
