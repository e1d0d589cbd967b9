"""Who may list, open and change which accounts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from school.orgs.permissions import managed_orgs, manages_any, manages_member

if TYPE_CHECKING:
    from school.auth.models import User


def can_list_accounts(viewer: User) -> bool:
    """The account list: admins, and secretaries and organisers (for their subtrees)."""
    return manages_any(viewer)


def can_view_account(viewer: User, account: User) -> bool:
    """One account's page: admins, and managing staff of the account's organisations."""
    return manages_member(viewer, account)


def can_manage_account(viewer: User, account: User) -> bool:
    """Reset, disable or enable an account: admins, or the secretaries and organisers of the
    account's organisations for a plain member account.

    Nobody does this to their own account, only admins touch instructors and admins, and a
    secretary cannot reach a staff member of their own or a higher organisation (who might be
    registered in their branch): every grant the account holds must lie strictly below one of
    the viewer's. Otherwise a branch secretary could reset a superior's password and sign in
    as them.
    """
    if viewer.id == account.id:
        return False
    if viewer.is_admin:
        return True
    if account.role != "member" or not manages_member(viewer, account):
        return False
    managed = managed_orgs(viewer)
    return all(
        any(m.contains(g.org) and m.id != g.org_id for m in managed) for g in account.staff_grants
    )


def can_reset_password(viewer: User, member: User) -> bool:
    """Give a one-time password: the same people as for any other change to the account."""
    return can_manage_account(viewer, member)


def can_change_role(viewer: User, account: User) -> bool:
    """Site-wide roles (member, instructor, admin) are for admins, never on themselves."""
    return viewer.is_admin and viewer.id != account.id
