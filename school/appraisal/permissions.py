"""Who may set up, read, grade and take part in a democratic appraisal round.

Built on the orgs rule: secretaries and organisers of the round's organisation (or above) and
admins grade it; any staff who read the organisation see the round page (participants, turnout,
counts after the close). Participants are the members fixed when the round was set up. Nobody
reads a ballot: there is no permission for it because there is no page for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from school.orgs.permissions import manages, manages_any, reads

if TYPE_CHECKING:
    from school.appraisal.models import AppraisalRound
    from school.auth.models import User


def can_create(user: User) -> bool:
    """Admins, and secretaries or organisers of any organisation."""
    return manages_any(user)


def can_view_round(user: User, appraisal: AppraisalRound) -> bool:
    """The staff's round page: staff who read the round's organisation, and admins."""
    return user.is_admin or reads(user, appraisal.org)


def can_grade(user: User, appraisal: AppraisalRound) -> bool:
    """Record the organisation's grades: the managers of the round's organisation, and admins."""
    return manages(user, appraisal.org)


def is_participant(member: User, participant_ids: set[int]) -> bool:
    """Whether the member is among the round's fixed participants (ids in hand)."""
    return member.id in participant_ids
