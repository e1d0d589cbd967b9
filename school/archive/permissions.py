"""Who may read which study archive."""

from __future__ import annotations

from typing import TYPE_CHECKING

from school.orgs.permissions import reads_member

if TYPE_CHECKING:
    from school.auth.models import User


def can_view_archive(viewer: User, member: User) -> bool:
    """A member sees their own archive; staff see the archives of members in their scope."""
    return viewer.id == member.id or reads_member(viewer, member)
