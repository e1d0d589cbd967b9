"""Who may read and write which notice: derived from the organisation tree and roles.

A notice for an organisation reaches the members whose home or host organisation lies in its
subtree (a floating member hears from both sides) and the staff of that organisation, of any
organisation inside it and of any organisation above it. A notice without an organisation is
for the whole school and only admins write one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from school.orgs.permissions import managed_orgs, manages, manages_any, reads

if TYPE_CHECKING:
    from school.auth.models import User
    from school.notices.models import Notice
    from school.orgs.models import Organisation


def can_write_notices(user: User) -> bool:
    """Admins, and secretaries or organisers of any organisation, may write notices."""
    return manages_any(user)


def can_write_for(user: User, org: Organisation | None) -> bool:
    """Admins write for anyone (None: the whole school); managers for their own subtree."""
    if org is None:
        return user.is_admin
    return manages(user, org)


def reaches(user: User, org: Organisation | None) -> bool:
    """A published notice for ``org`` reaches this user (ignoring drafts and authorship)."""
    if org is None or user.is_admin:
        return True
    if any(org.contains(own) for own in (user.home_org, user.host_org)):
        return True
    return reads(user, org) or any(org.contains(g.org) for g in user.staff_grants)


def can_edit(user: User, notice: Notice) -> bool:
    """The author, the managers of the notice's organisation (or above), and admins."""
    return notice.author_id == user.id or can_write_for(user, notice.org)


def can_publish(user: User, notice: Notice) -> bool:
    """Publishing and withdrawing speak for the organisation: its managers and admins only."""
    return can_write_for(user, notice.org)


def can_read(user: User, notice: Notice) -> bool:
    """Drafts: those who may edit them; published notices: everyone they reach."""
    if can_edit(user, notice):
        return True
    return notice.is_published and reaches(user, notice.org)


def is_addressed(user: User, notice: Notice) -> bool:
    """A published notice is addressed to the members it is sent to: those whose home or host
    organisation lies in its subtree (everyone but admins for a whole-school notice). Staff
    above may read it; only the members addressed leave a reading receipt."""
    if not notice.is_published or user.is_admin or not user.active:
        return False
    if notice.org is None:
        return True
    return any(
        own is not None and notice.org.contains(own) for own in (user.home_org, user.host_org)
    )


def can_follow_reads(user: User, notice: Notice) -> bool:
    """Who read a published notice, for admins and for the managers of an organisation that
    shares members with its audience (above it, or inside it: a branch follows its own members
    through the city's notice)."""
    if not notice.is_published:
        return False
    if user.is_admin:
        return True
    return any(
        notice.org is None or notice.org.contains(org) or org.contains(notice.org)
        for org in managed_orgs(user)
    )
