"""Who may see and do what with a hometown project: built on the organisation tree's rule.

- Members whose home or host organisation lies in the publishing organisation's subtree (a
  floating member away from home included) see its published projects, register interest and
  recommend contacts while it takes them.
- Staff who read the publishing organisation (a grant on it or above it, and admins) see the
  whole project: drafts, every interest and referral with its log, the export.
- Only the publishing organisation's own secretaries and organisers write: they create, edit,
  move the status and record follow-ups. Superior committees and admins read and never write,
  so each project has one organisation that answers for it.
Anyone else is answered 404: a project is not theirs to know of.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from school.orgs.models import MANAGING_ROLES
from school.orgs.permissions import reads

if TYPE_CHECKING:
    from school.auth.models import User
    from school.orgs.models import Organisation
    from school.projects.models import Project


def _signed_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def publishing_orgs(user: User) -> list[Organisation]:
    """The open organisations the user may publish projects for: their own managing grants."""
    if not _signed_in(user) or not user.is_staff:
        return []
    orgs = {g.org for g in user.staff_grants if g.role in MANAGING_ROLES and g.org.is_open}
    return sorted(orgs, key=lambda org: org.path)


def can_publish_any(user: User) -> bool:
    """Secretaries and organisers of any open organisation."""
    return bool(publishing_orgs(user))


def writes(user: User, project: Project) -> bool:
    """The publishing organisation's own secretaries and organisers (not those above it)."""
    if not _signed_in(user) or not user.is_staff:
        return False
    return any(g.role in MANAGING_ROLES and g.org_id == project.org_id for g in user.staff_grants)


def reads_project(user: User, project: Project) -> bool:
    """Staff who read the publishing organisation (on it or above), and admins."""
    # is_staff first: for most members it is known without loading their grants.
    return _signed_in(user) and (user.is_admin or (user.is_staff and reads(user, project.org)))


def in_audience(user: User, project: Project) -> bool:
    """An active member whose home or host organisation lies in the project's subtree."""
    if not _signed_in(user) or not user.active or user.is_admin:
        return False
    return any(project.org.contains(org) for org in (user.home_org, user.host_org))


def can_view(user: User, project: Project) -> bool:
    """Drafts: the staff who read it; published projects: its audience too."""
    if project.is_published and in_audience(user, project):
        return True
    return reads_project(user, project)


def can_take_part(user: User, project: Project) -> bool:
    """Register interest or recommend a contact: its audience, while it takes them."""
    return project.takes_interest and in_audience(user, project)
