"""Listing accounts for the people who manage them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, exists, false, func, or_, select

from school.auth.models import ROLES, User
from school.members.services import user_page
from school.orgs.models import Organisation, StaffGrant
from school.orgs.permissions import managed_orgs
from school.orgs.scope import subtrees_in

PAGE_SIZE = 50
# Filter values → labels, in the order the form offers them.
ROLE_FILTERS = {**ROLES, "staff": "党组织工作人员"}
STATUS_FILTERS = {"active": "正常", "disabled": "已停用", "never": "从未登录"}


@dataclass(frozen=True)
class AccountFilter:
    """What the account list is narrowed to; empty strings mean "any"."""

    q: str = ""
    org: Organisation | None = None
    role: str = ""
    status: str = ""


def _roots(viewer: User, org: Organisation | None) -> list[Organisation] | None:
    """Subtrees the list covers: None for everything (an admin without an organisation)."""
    managed = managed_orgs(viewer)
    if org is None:
        return None if viewer.is_admin else managed
    if viewer.is_admin or any(m.contains(org) for m in managed):
        return [org]
    return []


def account_query(viewer: User, filters: AccountFilter) -> Select[tuple[User]]:
    """Accounts whose home or host organisation lies in a subtree the viewer manages."""
    query = select(User)
    roots = _roots(viewer, filters.org)
    if roots is not None:
        if not roots:
            return query.where(false())
        # By the organisation ids, as the reports do: the two indexes on users, not a scan.
        subtree = subtrees_in(roots)
        query = query.where(or_(User.home_org_id.in_(subtree), User.host_org_id.in_(subtree)))
    if filters.role == "staff":
        query = query.where(exists().where(StaffGrant.user_id == User.id))
    elif filters.role in ROLES:
        query = query.where(User.role == filters.role)
    if filters.status == "active":
        query = query.where(User.active.is_(True))
    elif filters.status == "disabled":
        query = query.where(User.active.is_(False))
    elif filters.status == "never":
        query = query.where(User.last_login_at.is_(None))
    q = filters.q.strip()
    if q:
        query = query.where(
            or_(
                User.name.contains(q, autoescape=True),
                func.lower(User.username).startswith(q.lower(), autoescape=True),
                User.membership_no.startswith(q, autoescape=True),
            )
        )
    return query.order_by(User.name, User.id)


def account_page(viewer: User, filters: AccountFilter, page: int) -> tuple[list[User], int]:
    """One page of accounts and the total."""
    return user_page(account_query(viewer, filters), page, PAGE_SIZE)
