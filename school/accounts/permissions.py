"""Who may list accounts, open one and change its role (resetting, disabling and enabling a
member's account is the members' rule: members/permissions.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from school.orgs.permissions import manages_any, manages_member

if TYPE_CHECKING:
    from school.auth.models import User


def can_list_accounts(viewer: User) -> bool:
    """The account list: admins, and secretaries and organisers (for their subtrees)."""
    return manages_any(viewer)


def can_view_account(viewer: User, account: User) -> bool:
    """One account's page: admins, and managing staff of the account's organisations."""
    return manages_member(viewer, account)


def can_change_role(viewer: User, account: User) -> bool:
    """Site-wide roles (member, instructor, admin) are for admins, never on themselves."""
    return viewer.is_admin and viewer.id != account.id
