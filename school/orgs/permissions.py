"""Who may see and manage which members: always derived from the organisation tree."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from school.auth.models import User
    from school.orgs.models import Organisation

_MANAGING_ROLES = {"secretary", "organiser"}


def _member_orgs(member: User):
    return [org for org in (member.home_org, member.host_org) if org is not None]


def can_view_member(viewer: User, member: User) -> bool:
    """Admins, and staff of the member's home or host organisation (or any ancestor of them)."""
    if viewer.is_admin:
        return True
    return any(g.org.contains(org) for g in viewer.staff_grants for org in _member_orgs(member))


def can_view_archive(viewer: User, member: User) -> bool:
    """A member sees their own archive; staff see the archives of members in their scope."""
    return viewer.id == member.id or can_view_member(viewer, member)


def can_reset_password(viewer: User, member: User) -> bool:
    """Secretaries and organisers of the member's organisations, and admins.

    Nobody resets their own password this way (they change it), and only admins reset admins.
    """
    if viewer.id == member.id:
        return False
    if viewer.is_admin or member.is_admin:
        return viewer.is_admin
    return any(
        g.role in _MANAGING_ROLES and g.org.contains(org)
        for g in viewer.staff_grants
        for org in _member_orgs(member)
    )


def can_manage_member(viewer: User, member: User) -> bool:
    """Secretaries and organisers of the member's home or host organisation (or above), admins.

    They edit the registry entry, record flow events and see the full phone number.
    """
    if viewer.is_admin:
        return True
    return any(
        g.role in _MANAGING_ROLES and g.org.contains(org)
        for g in viewer.staff_grants
        for org in _member_orgs(member)
    )


def can_see_phone(viewer: User, member: User) -> bool:
    """The member and the staff who manage them; everyone else who may see them gets it masked."""
    return viewer.id == member.id or (not viewer.is_admin and can_manage_member(viewer, member))


def can_view_org(viewer: User, org: Organisation) -> bool:
    """Admins see every organisation; staff see the subtrees of their grants."""
    return viewer.is_admin or any(g.org.contains(org) for g in viewer.staff_grants)


def can_manage_org(viewer: User, org: Organisation) -> bool:
    """Admins, and secretaries or organisers of the organisation or an ancestor."""
    return viewer.is_admin or any(
        g.role in _MANAGING_ROLES and g.org.contains(org) for g in viewer.staff_grants
    )


def can_import_roster(viewer: User) -> bool:
    """Admins, and secretaries or organisers of any organisation (each row is scoped again)."""
    return viewer.is_admin or any(g.role in _MANAGING_ROLES for g in viewer.staff_grants)
