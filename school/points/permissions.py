"""Who may see and change points: pure predicates built on the organisation tree."""

from __future__ import annotations

from typing import TYPE_CHECKING

from school.orgs.permissions import manages, manages_any, manages_member

if TYPE_CHECKING:
    from school.auth.models import User
    from school.orgs.models import Organisation


def can_edit_rules(user: User) -> bool:
    """Admins set the rules for the whole school."""
    return user.is_admin


def can_view_points_reports(user: User) -> bool:
    """Admins, and secretaries or organisers of any organisation."""
    return manages_any(user)


def can_view_org_points(user: User, org: Organisation) -> bool:
    """Admins, and those who manage the organisation or one above it."""
    return manages(user, org)


def can_view_member_points(user: User, member: User) -> bool:
    """Admins, and those who manage the member's home or host organisation (or above)."""
    return manages_member(user, member)


def can_correct(user: User, member: User) -> bool:
    """The same staff: corrections are theirs, never the member's own."""
    return user.id != member.id and manages_member(user, member)


def can_view_ranking(user: User, org: Organisation) -> bool:
    """The organisation's own members (home or host) and those who manage it."""
    return org.id in (user.home_org_id, user.host_org_id) or manages(user, org)
