"""Who may launch, manage, report on and take part in a campaign: built on the orgs rule.

Managers (secretaries and organisers) of the launching organisation, or above it, and admins
edit, launch and close a campaign. Staff whose subtree meets a target (a branch secretary under a
city-wide campaign) read its report for the organisations they read and remind their members.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from school.orgs.permissions import manages, manages_any, reads

if TYPE_CHECKING:
    from school.auth.models import User
    from school.campaigns.models import Campaign
    from school.orgs.models import Organisation


def can_launch_campaigns(user: User) -> bool:
    """Admins, and secretaries or organisers of any organisation."""
    return manages_any(user)


def can_manage(user: User, campaign: Campaign) -> bool:
    """Edit, launch and close: admins and the managers of the launching organisation."""
    return manages(user, campaign.org)


def can_view(user: User, campaign: Campaign) -> bool:
    """The campaign's staff pages: managers of it, staff reading the launching organisation,
    and, once launched, staff whose subtree lies inside a target or holds one."""
    if user.is_admin or reads(user, campaign.org):
        return True
    if campaign.is_draft:
        return False
    return any(
        target.org.contains(grant.org) or grant.org.contains(target.org)
        for target in campaign.targets
        for grant in user.staff_grants
    )


def can_view_report(user: User, campaign: Campaign, org: Organisation) -> bool:
    """The report over ``org``: those who see the campaign and read the organisation."""
    return can_view(user, campaign) and reads(user, org)


def can_remind(user: User, campaign: Campaign, org: Organisation) -> bool:
    """Reminding members over ``org``: a launched campaign, and a manager of the organisation."""
    return campaign.is_launched and can_view(user, campaign) and manages(user, org)


def is_targeted(member: User, campaign: Campaign) -> bool:
    """Whether the campaign reaches the member now, by their current home and host organisations.

    The Python twin of ``progress.targeted`` (SQL); tests hold the two to the same answers.
    """
    if member.is_admin or not member.active:
        return False
    for target in campaign.targets:
        if target.floating_only and not member.is_floating:
            continue
        sides = {"home": [member.home_org], "host": [member.host_org]}.get(
            target.side, [member.home_org, member.host_org]
        )
        if any(target.org.contains(org) for org in sides):
            return True
    return False


def can_take_part(member: User, campaign: Campaign) -> bool:
    """A member's campaign page: launched or closed campaigns that reach them."""
    return not campaign.is_draft and is_targeted(member, campaign)
