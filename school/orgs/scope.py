"""Scope in SQL: which members a report covers, which subtrees a user's grants reach, and who
holds a grant on an organisation. Always derived from the tree.

A floating member is counted by both sides: the home organisation (流出地), which keeps the
membership, and the host organisation (流入地), which manages them day to day.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, and_, false, or_, select

from school.auth.models import User
from school.db import db
from school.orgs.models import MANAGING_ROLES, Organisation, StaffGrant

RELATIONS = {"both": "全部（流出地或流入地）", "home": "组织关系在本组织", "host": "流入本组织"}


def subtree_ids(org: Organisation) -> Select[tuple[int]]:
    """Ids of the organisation and everything below it (one indexed prefix scan)."""
    return select(Organisation.id).where(Organisation.path.startswith(org.path, autoescape=True))


# Up to this many organisations, a subtree's ids are looked up first and sent as a list.
SMALL_SUBTREE = 100


def covers(org: Organisation, relation: str = "both", floating_only: bool = False):
    """A WHERE clause on User: the members a report over ``org`` includes.

    Admin accounts are never counted: they run the site, they are not its learners.

    The same members either way, planned for the size of the subtree. PostgreSQL cannot
    estimate ``home IN (subquery) OR host IN (subquery)`` and scans every member for a branch
    of sixty; with the few ids in hand it reads the two indexes. A large subtree keeps the
    subqueries: most members match, one pass over them is right, and SQLite runs a subquery
    faster than a list of thousands of ids.
    """
    place = placed_in(
        subtree_in(org),
        relation,
        floating_only,
        User.home_org_id,
        User.host_org_id,
        User.is_floating,
    )
    return and_(place, User.active.is_(True), User.role != "admin")


def subtree_in(org: Organisation) -> list[int] | Select[tuple[int]]:
    """The subtree's ids as ``covers`` compares with them: a list when small, else a subquery."""
    return subtrees_in([org])


def subtrees_in(roots: list[Organisation]) -> list[int] | Select[tuple[int]]:
    """The ids of several subtrees together, as ``subtree_in`` gives them."""
    query = select(Organisation.id).where(in_subtrees(Organisation.path, roots))
    ids = list(db.session.scalars(query.limit(SMALL_SUBTREE + 1)))
    return query if len(ids) > SMALL_SUBTREE else ids


def placed_in(subtree, relation: str, floating_only: bool, home, host, floating):
    """SQL: a placement (home and host organisation, floating flag: any such columns) that a
    report over ``subtree`` (from ``subtree_in``) includes, with the relation and floating."""
    at_home, at_host = home.in_(subtree), host.in_(subtree)
    side: ColumnElement[bool] = {"home": at_home, "host": at_host}.get(
        relation, or_(at_home, at_host)
    )
    return and_(side, floating.is_(True)) if floating_only else side


def report_roots(viewer: User) -> list[Organisation]:
    """The organisations a viewer's reports start from: the top of each subtree they may see."""
    if viewer.is_admin:
        return list(
            db.session.scalars(
                select(Organisation)
                .where(Organisation.parent_id.is_(None), Organisation.closed_at.is_(None))
                .order_by(Organisation.id)
            )
        )
    return read_roots(viewer)


def read_roots(user: User, *, managing: bool = False) -> list[Organisation]:
    """The tops of the subtrees the user's staff grants read (or manage), top of the tree first.

    The SQL side of ``permissions.reads``/``manages``: a grant inside another grant's subtree
    adds nothing. Admins' reach is not a list of grants; callers treat them first.
    """
    grants = [g for g in user.staff_grants if not managing or g.role in MANAGING_ROLES]
    orgs = sorted({g.org for g in grants}, key=lambda o: o.path)
    return [o for o in orgs if not any(p is not o and p.contains(o) for p in orgs)]


def read_now(viewer: User, member_ids: list[int]) -> set[int]:
    """Which of these members the viewer reads today, in one statement: the SQL side of
    ``permissions.reads_member`` for a page of rows (a closed year's report lists members
    where they were then, some of whom have since moved out of the viewer's reach)."""
    if viewer.is_admin:
        return set(member_ids)
    roots = read_roots(viewer)
    if not roots or not member_ids:
        return set()
    reach = subtrees_in(roots)
    return set(
        db.session.scalars(
            select(User.id).where(
                User.id.in_(member_ids),
                or_(User.home_org_id.in_(reach), User.host_org_id.in_(reach)),
            )
        )
    )


def in_subtrees(path: ColumnElement[str], roots: list[Organisation]) -> ColumnElement[bool]:
    """SQL: an organisation whose ``path`` column lies under one of ``roots`` (false if none)."""
    return or_(false(), *[path.startswith(root.path, autoescape=True) for root in roots])


def staff_of(org_ids: list[int], *, managing: bool = False) -> Select[tuple[User]]:
    """Holders of a staff grant on any of these organisations (of a managing role, if asked)."""
    query = select(User).join(StaffGrant, StaffGrant.user_id == User.id)
    query = query.where(StaffGrant.org_id.in_(org_ids))
    if managing:
        query = query.where(StaffGrant.role.in_(MANAGING_ROLES))
    return query.distinct()
