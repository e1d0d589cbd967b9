"""What a course asks of a member beyond its required lessons, as added by higher features.

Courses know lessons only. A feature built on courses that adds something a course can require
(quizzes add required exams; a training class could add attendance) registers a
``Requirement`` from ``create_app``. Course progress and completion then count its items with
the lessons, without courses importing that feature.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from sqlalchemy import BindParameter, ColumnElement, Select


class Requirement(Protocol):
    """Required items of courses, as two grouped queries returning (course_id, count) rows.

    The arguments are bound parameters (the course ids an expanding one): course progress builds
    its statement once and runs it for every member and catalogue.
    """

    def totals(self, course_ids: BindParameter) -> Select:
        """How many items each course requires."""

    def done(self, user_id: ColumnElement[int], course_ids: BindParameter) -> Select:
        """How many of those items the user has done, per course."""


_REQUIREMENTS: dict[str, Requirement] = {}


def register(name: str, requirement: Requirement) -> None:
    """Count ``requirement`` in every course's progress and completion (idempotent)."""
    _REQUIREMENTS[name] = requirement


def registered() -> list[Requirement]:
    """The requirements every course counts besides its lessons."""
    return list(_REQUIREMENTS.values())
