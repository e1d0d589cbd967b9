"""What features built on courses add to a course page (its quizzes, its FAQ).

A part is a function of the member and the course that returns template variables; features
register theirs from ``create_app`` and the course view merges them into its context, so the
page shows them without courses importing those features. The course template gives each
variable a default, so a part that is not registered leaves its section out.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from school.auth.models import User
    from school.courses.models import Course

CoursePart = Callable[["User", "Course"], dict[str, object]]

_PARTS: dict[str, CoursePart] = {}


def register(name: str, part: CoursePart) -> None:
    """Show ``part`` on every course page (idempotent)."""
    _PARTS[name] = part


def parts(user: User, course: Course) -> dict[str, object]:
    """The template variables of every registered part, for this member and course."""
    context: dict[str, object] = {}
    for part in _PARTS.values():
        context.update(part(user, course))
    return context
