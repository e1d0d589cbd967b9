"""Who may see and manage which members: the staff rule over their home and host organisations."""

from __future__ import annotations

from typing import TYPE_CHECKING

from school.orgs.permissions import manages_any, manages_member, reads_member

if TYPE_CHECKING:
    from school.auth.models import User


def can_view_member(viewer: User, member: User) -> bool:
    """Admins, and staff of the member's home or host organisation (or any ancestor of them)."""
    return reads_member(viewer, member)


def can_manage_member(viewer: User, member: User) -> bool:
    """Secretaries and organisers of the member's home or host organisation (or above), admins.

    They edit the registry entry, record flow events and see the full phone number.
    """
    return manages_member(viewer, member)


def can_see_phone(viewer: User, member: User) -> bool:
    """The member and the staff who manage them; everyone else who may see them gets it masked."""
    # Not manages_member alone: admins manage every member, yet they get the mask like viewers.
    return viewer.id == member.id or (not viewer.is_admin and manages_member(viewer, member))


def can_import_roster(viewer: User) -> bool:
    """Admins, and secretaries or organisers of any organisation (each row is scoped again)."""
    return manages_any(viewer)
