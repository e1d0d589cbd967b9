"""Who may credit group study, see a batch and correct an entry: built on the staff rule."""

from __future__ import annotations

from typing import TYPE_CHECKING

from school.orgs.permissions import manages, manages_any, manages_member

if TYPE_CHECKING:
    from school.archive.models import ArchiveEntry
    from school.auth.models import User
    from school.credits.models import CreditBatch
    from school.orgs.models import Organisation


def can_credit(user: User) -> bool:
    """Admins, and secretaries or organisers of any organisation (viewers only read)."""
    return user.is_authenticated and manages_any(user)


def can_credit_for(user: User, org: Organisation) -> bool:
    """A study may be recorded as held by an organisation the user manages."""
    return manages(user, org)


def can_credit_member(user: User, member: User) -> bool:
    """A member may be credited by those who manage their home or host organisation."""
    return manages_member(user, member)


def can_view_batch(user: User, batch: CreditBatch) -> bool:
    """A batch is seen by those who manage the organisation that held the study."""
    return manages(user, batch.org)


def can_correct(user: User, entry: ArchiveEntry, member: User) -> bool:
    """An offline entry is corrected by those who manage its member."""
    return entry.member_id == member.id and manages_member(user, member)
