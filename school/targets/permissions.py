"""Who defines, reads and scores which target scheme and sheet: built on the organisation tree.

The defining organisation's managers (and those above it) and admins edit, publish and version a
scheme; whoever reads that organisation sees the scheme and all its members. A member's sheet is
read by the member, and by staff who read the member's home or host organisation (both sides of
a floating member). A manual indicator is scored by the managers of the side the scheme names:
the member's home organisation (home) or host organisation (host).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from school.orgs.permissions import manages, manages_any, reads, reads_member

if TYPE_CHECKING:
    from school.auth.models import User
    from school.targets.models import TargetIndicator, TargetScheme


def _signed_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def can_create_schemes(user: User) -> bool:
    """Admins, and secretaries or organisers of any organisation."""
    return _signed_in(user) and manages_any(user)


def can_manage_scheme(user: User, scheme: TargetScheme) -> bool:
    """Edit a draft, publish, start a new version: managers of the defining organisation."""
    return _signed_in(user) and manages(user, scheme.org)


def can_read_scheme(user: User, scheme: TargetScheme) -> bool:
    """The scheme and its whole member list: whoever reads the defining organisation."""
    return _signed_in(user) and reads(user, scheme.org)


def is_covered(member: User, scheme: TargetScheme) -> bool:
    """The scheme reaches the member: their home (or host) organisation lies in its subtree."""
    own = member.home_org if scheme.side == "home" else member.host_org
    return own is not None and scheme.org.contains(own) and member.role != "admin"


def can_read_sheet(user: User, scheme: TargetScheme, member: User) -> bool:
    """A member's sheet under a published scheme: the member, and staff of either side."""
    if not _signed_in(user) or not is_covered(member, scheme):
        return False
    if scheme.is_draft:
        return can_read_scheme(user, scheme) and user.id != member.id
    return user.id == member.id or can_read_scheme(user, scheme) or reads_member(user, member)


def can_score(user: User, indicator: TargetIndicator, member: User) -> bool:
    """A manual indicator of a published scheme, by managers of the side the scheme names."""
    scheme = indicator.scheme
    if not (_signed_in(user) and indicator.is_manual and scheme.status == "published"):
        return False
    if not is_covered(member, scheme):
        return False
    own = member.home_org if indicator.scorer_side == "home" else member.host_org
    return own is not None and manages(user, own)
