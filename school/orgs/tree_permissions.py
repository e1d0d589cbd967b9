"""Who may change the organisation tree and who may hand out staff roles."""

from __future__ import annotations

from typing import TYPE_CHECKING

from school.orgs.permissions import reads_member

if TYPE_CHECKING:
    from school.auth.models import User
    from school.orgs.models import Organisation, StaffGrant


def can_manage_tree(viewer: User) -> bool:
    """Only admins create, rename, move, merge or close organisations."""
    return viewer.is_admin


def can_grant_at(viewer: User, org: Organisation) -> bool:
    """Admins anywhere; secretaries in the subtree of their secretary grant (never above it)."""
    if viewer.is_admin:
        return True
    return org.is_open and any(
        g.role == "secretary" and g.org.contains(org) for g in viewer.staff_grants
    )


def can_grant_to(viewer: User, user: User, org: Organisation) -> bool:
    """A grant at ``org`` for ``user``: secretaries only for non-admins they can see."""
    if viewer.is_admin:
        return True
    return (
        not user.is_admin
        and user.id != viewer.id
        and can_grant_at(viewer, org)
        and reads_member(viewer, user)
    )


def can_revoke(viewer: User, grant: StaffGrant, holder: User) -> bool:
    """Admins; secretaries above the grant, but never an admin's grant or their own."""
    if viewer.is_admin:
        return True
    return not holder.is_admin and holder.id != viewer.id and can_grant_at(viewer, grant.org)
