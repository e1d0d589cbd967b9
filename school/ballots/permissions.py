"""Who may set up, audit and vote in a recommendation ballot: built on the orgs rule.

Secretaries and organisers of the organisation that set it up (or above it) and admins change,
cancel and audit it; staff who read that organisation audit it too. Members vote when one of its
targets covers their current home or host organisation. Nobody, staff or admin, reads a ballot:
there is no permission for it because there is no page for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from school.orgs.permissions import manages, manages_any, reads

if TYPE_CHECKING:
    from school.auth.models import User
    from school.ballots.models import Recommendation


def can_create(user: User) -> bool:
    """Admins, and secretaries or organisers of any organisation."""
    return manages_any(user)


def can_manage(user: User, recommendation: Recommendation) -> bool:
    """Change and cancel: the managers of the organisation that set it up, and admins."""
    return manages(user, recommendation.org)


def can_audit(user: User, recommendation: Recommendation) -> bool:
    """The audit page and the results export: staff who read the organisation, and admins."""
    return user.is_admin or reads(user, recommendation.org)


def is_eligible(member: User, recommendation: Recommendation) -> bool:
    """Whether a target covers the member's current home or host organisation.

    The Python twin of ``services.eligible_clause`` (SQL, for counting); tests hold the two to
    the same answers. A floating member votes from wherever they live: by home or by host.
    """
    if member.is_admin or not member.active:
        return False
    for target in recommendation.targets:
        if target.floating_only and not member.is_floating:
            continue
        sides = {"home": [member.home_org], "host": [member.host_org]}.get(
            target.side, [member.home_org, member.host_org]
        )
        if any(org is not None and target.org.contains(org) for org in sides):
            return True
    return False


def can_vote_page(member: User, recommendation: Recommendation) -> bool:
    """The member's page of a recommendation: not cancelled, and it reaches them."""
    return not recommendation.is_cancelled and is_eligible(member, recommendation)
