"""Who may read what a member card carries. The card itself proves nothing to anyone else.

A scanned link is opened by whoever holds the phone, often not logged in: every predicate here
takes Flask-Login's anonymous user as well and refuses it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from school.members.permissions import can_manage_member, can_view_member

if TYPE_CHECKING:
    from school.auth.models import User


def _signed_in(viewer) -> bool:
    return bool(getattr(viewer, "is_authenticated", False))


def can_read_card(viewer: User, member: User) -> bool:
    """Staff of the member's home or host organisation (or above) and admins see who it is."""
    return _signed_in(viewer) and can_view_member(viewer, member)


def can_add_record(viewer: User, member: User) -> bool:
    """Secretaries and organisers of the member's organisations (or above), and admins.

    Viewer grants stay read-only here as everywhere else: they see the card, they write nothing.
    """
    return _signed_in(viewer) and can_manage_member(viewer, member)


def can_revoke_card(viewer: User, member: User) -> bool:
    """Secretaries and organisers of the member's organisations (or above), and admins."""
    return _signed_in(viewer) and can_manage_member(viewer, member)


def can_view_photo(viewer: User, member: User) -> bool:
    """The member, and the staff who may read their card."""
    return _signed_in(viewer) and (viewer.id == member.id or can_view_member(viewer, member))
