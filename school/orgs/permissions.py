"""The staff rule: who reads and who manages an organisation, always derived from the tree.

A staff grant applies to its organisation's whole subtree. Every grant reads; secretaries and
organisers also manage. Admins read and manage everything. Each feature's permissions are built
on these predicates, so "staff of this organisation or above" is written here only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from school.orgs.models import MANAGING_ROLES

if TYPE_CHECKING:
    from school.auth.models import User
    from school.orgs.models import Organisation


def reads(user: User, org: Organisation) -> bool:
    """Admins, and holders of any staff grant on the organisation or an ancestor."""
    return user.is_admin or any(g.org.contains(org) for g in user.staff_grants)


def manages(user: User, org: Organisation) -> bool:
    """Admins, and secretaries or organisers of the organisation or an ancestor."""
    return user.is_admin or any(
        g.role in MANAGING_ROLES and g.org.contains(org) for g in user.staff_grants
    )


def managed_orgs(user: User) -> list[Organisation]:
    """The organisations whose subtrees the user manages (as secretary or organiser)."""
    return [g.org for g in user.staff_grants if g.role in MANAGING_ROLES]


def manages_any(user: User) -> bool:
    """Admins, and secretaries or organisers of any organisation."""
    return user.is_admin or bool(managed_orgs(user))


def _member_orgs(member: User) -> list[Organisation]:
    return [org for org in (member.home_org, member.host_org) if org is not None]


def reads_member(user: User, member: User) -> bool:
    """Admins, and staff who read the member's home or host organisation."""
    return user.is_admin or any(reads(user, org) for org in _member_orgs(member))


def manages_member(user: User, member: User) -> bool:
    """Admins, and secretaries or organisers of the member's home or host organisation or above."""
    return user.is_admin or any(manages(user, org) for org in _member_orgs(member))


def can_view_org(viewer: User, org: Organisation) -> bool:
    """An organisation's pages and links to it: those who read it."""
    return reads(viewer, org)
