"""Who may read an organisation's reports and bulletins, and who may act on them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from school.orgs.permissions import manages, reads

if TYPE_CHECKING:
    from school.auth.models import User
    from school.orgs.models import Organisation
    from school.reports.models import Bulletin, ReminderBatch


def can_view_reports(viewer: User, org: Organisation) -> bool:
    """Reports, the overdue list and the bulletins of an organisation: those who read it."""
    return reads(viewer, org)


def can_follow_up(viewer: User, org: Organisation) -> bool:
    """Reminding the overdue and sending bulletins home: those who manage the organisation."""
    return manages(viewer, org)


def can_view_bulletin(viewer: User, bulletin: Bulletin) -> bool:
    """Staff who may see the sending (host) or the receiving (home) organisation, and admins."""
    return can_view_reports(viewer, bulletin.host_org) or can_view_reports(
        viewer, bulletin.home_org
    )


def is_home_reader(viewer: User, bulletin: Bulletin) -> bool:
    """Staff of the home side: their opening a bulletin is what marks it read."""
    # Admins read every bulletin; only the home side's own opening counts as received.
    return not viewer.is_admin and reads(viewer, bulletin.home_org)


def can_view_reminder_batch(viewer: User, batch: ReminderBatch) -> bool:
    """A reminder batch and its delivery states: those who read the sending organisation."""
    return can_view_reports(viewer, batch.org)
