"""Who may see and manage which members: the staff rule over their home and host organisations."""

from __future__ import annotations

from typing import TYPE_CHECKING

from school.orgs.permissions import (
    managed_orgs,
    manages,
    manages_any,
    manages_member,
    reads,
    reads_member,
)

if TYPE_CHECKING:
    from school.auth.models import User
    from school.members.models import Transfer
    from school.orgs.models import Organisation


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


def can_move_directly(viewer: User, member: User, org: Organisation) -> bool:
    """Record a transfer (转接组织关系) without asking anyone: only within what the viewer manages,
    both the member's home organisation and the one joined (a secretary moving a member between
    two of their own branches). Anywhere else the receiving side must accept a request."""
    home = member.home_org
    return home is not None and manages(viewer, home) and manages(viewer, org)


def can_request_transfer(viewer: User, member: User) -> bool:
    """File a transfer request (转出): the secretaries and organisers of the member's home
    organisation (or above) and admins; the host side manages the member but does not keep the
    membership, so it cannot send it away."""
    return member.home_org is not None and manages(viewer, member.home_org)


def can_view_transfer(viewer: User, transfer: Transfer) -> bool:
    """Staff who read the sending, the receiving or the chosen organisation, and admins."""
    orgs = (transfer.from_org, transfer.to_org, transfer.placed_org)
    return any(reads(viewer, org) for org in orgs if org is not None)


def receives_transfer(viewer: User, transfer: Transfer) -> bool:
    """Acts for the receiving side: managers of the receiving organisation (or above), admins."""
    return manages(viewer, transfer.to_org)


def sends_transfer(viewer: User, transfer: Transfer) -> bool:
    """Acts for the sending side: managers of the sending organisation (or above), admins."""
    return manages(viewer, transfer.from_org)


def can_decide_transfer(viewer: User, transfer: Transfer) -> bool:
    """Accept or return a request: the receiving side, while it is pending."""
    return transfer.is_pending and receives_transfer(viewer, transfer)


def can_withdraw_transfer(viewer: User, transfer: Transfer) -> bool:
    """Withdraw a request: the sending side, while it is pending."""
    return transfer.is_pending and sends_transfer(viewer, transfer)
