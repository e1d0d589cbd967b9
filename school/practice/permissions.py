"""Who practises and who chooses what daily practice draws from."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from school.auth.models import User


def can_practise(user: User) -> bool:
    """Everyone signed in has the day's questions (staff and instructors are members too)."""
    return bool(getattr(user, "is_authenticated", False))


def can_configure(user: User) -> bool:
    """Those who keep the question bank (instructors) and admins choose the practice bank."""
    return can_practise(user) and user.is_instructor
