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


def managed_orgs(viewer: User) -> list[Organisation]:
    """The organisations whose subtrees the viewer manages (as secretary or organiser)."""
    return [g.org for g in viewer.staff_grants if g.role in _MANAGING_ROLES]


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
    if account.role != "member":
        return False
    managed = managed_orgs(viewer)
    if not any(m.contains(org) for m in managed for org in _member_orgs(account)):
        return False
    return all(
        any(m.contains(g.org) and m.id != g.org_id for m in managed) for g in account.staff_grants
    )


def can_reset_password(viewer: User, member: User) -> bool:
    """Give a one-time password: the same people as for any other change to the account."""
    return can_manage_account(viewer, member)


def can_list_accounts(viewer: User) -> bool:
    """The account list: admins, and secretaries and organisers (for their subtrees)."""
    return viewer.is_admin or bool(managed_orgs(viewer))


def can_view_account(viewer: User, account: User) -> bool:
    """One account's page: admins, and managing staff of the account's organisations."""
    return viewer.is_admin or any(
        m.contains(org) for m in managed_orgs(viewer) for org in _member_orgs(account)
    )


def can_change_role(viewer: User, account: User) -> bool:
    """Site-wide roles (member, instructor, admin) are for admins, never on themselves."""
    return viewer.is_admin and viewer.id != account.id


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
