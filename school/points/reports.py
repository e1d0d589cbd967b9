"""Points for staff and a branch's ranking: totals read from the running year rows, scoped by
the organisation tree (``orgs.scope``), never summed from the ledger."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Integer, and_, func, select

from school.auth.models import User
from school.db import db
from school.orgs.models import Organisation
from school.orgs.scope import covers, subtree_ids
from school.points.models import PointSetting, PointYear
from school.spreadsheets import new_workbook, put_text, to_bytes, write_header

BRANCH_KINDS = ("branch", "outbound_branch")
RANKING_SIZE = 100
ANONYMOUS = "匿名党员"


def _year_total():
    """The members' year total as a column of a query over User (0 without points)."""
    return func.coalesce(func.sum(PointYear.points), 0)


def _with_points(year: int):
    return and_(PointYear.member_id == User.id, PointYear.year == year)


@dataclass(frozen=True)
class MemberTotal:
    member_id: int
    name: str
    home: str
    host: str
    total: int


def _member_rows(org: Organisation, year: int):
    total = _year_total().label("total")
    return (
        select(User.id, User.name, User.home_org_id, User.host_org_id, total)
        .outerjoin(PointYear, _with_points(year))
        .where(covers(org))
        .group_by(User.id, User.name, User.home_org_id, User.host_org_id, User.name_key)
        .order_by(total.desc(), User.name_key, User.id)
    )


def _org_names(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = db.session.execute(
        select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids))
    )
    return {org_id: name for org_id, name in rows}


def _totals(rows) -> list[MemberTotal]:
    rows = list(rows)
    names = _org_names({o for r in rows for o in (r.home_org_id, r.host_org_id) if o})
    return [
        MemberTotal(
            r.id,
            r.name,
            names.get(r.home_org_id, "—"),
            names.get(r.host_org_id, "—"),
            int(r.total),
        )
        for r in rows
    ]


def member_totals(
    org: Organisation, year: int, page: int, per_page: int
) -> tuple[list[MemberTotal], int]:
    """A page of the subtree's members with their year's points (most first), and how many."""
    count = db.session.scalar(select(func.count(User.id)).where(covers(org))) or 0
    rows = db.session.execute(_member_rows(org, year).offset((page - 1) * per_page).limit(per_page))
    return _totals(rows), count


@dataclass(frozen=True)
class BranchTotal:
    org: Organisation
    members: int
    total: int

    @property
    def average(self) -> str:
        return f"{self.total / self.members:.1f}" if self.members else "—"


def branch_totals(org: Organisation, year: int) -> list[BranchTotal]:
    """Each branch of the subtree with its members (home or host there) and their year's points.

    A floating member counts in both their home and their host branch, as the reports count them.
    """
    branches = list(
        db.session.scalars(
            select(Organisation)
            .where(Organisation.id.in_(subtree_ids(org)), Organisation.kind.in_(BRANCH_KINDS))
            .order_by(Organisation.path)
        )
    )
    if not branches:
        return []
    ids = [b.id for b in branches]
    per_member = (
        select(User.id, User.home_org_id, User.host_org_id, _year_total().label("total"))
        .outerjoin(PointYear, _with_points(year))
        .where(User.active.is_(True), User.role != "admin")
        .where((User.home_org_id.in_(ids)) | (User.host_org_id.in_(ids)))
        .group_by(User.id, User.home_org_id, User.host_org_id)
        .subquery()
    )
    sums: dict[int, list[int]] = {i: [0, 0] for i in ids}
    home, host = per_member.c.home_org_id, per_member.c.host_org_id
    for side, extra in ((home, None), (host, (home.is_(None)) | (home != host))):
        query = select(side, func.count(), func.sum(per_member.c.total)).where(side.in_(ids))
        if extra is not None:
            query = query.where(extra)
        for org_id, members, total in db.session.execute(query.group_by(side)):
            sums[org_id][0] += members
            sums[org_id][1] += int(total or 0)
    return [BranchTotal(b, *sums[b.id]) for b in branches]


def export(org: Organisation, year: int) -> bytes:
    """The subtree's members and branches with their year's points, as an .xlsx file."""
    workbook, sheet = new_workbook("党员积分")
    write_header(sheet, [("姓名", 12), ("流出地党组织", 28), ("流入地党组织", 28), ("积分", 10)])
    for row, line in enumerate(_totals(db.session.execute(_member_rows(org, year))), start=2):
        for column, value in enumerate((line.name, line.home, line.host), start=1):
            put_text(sheet, row, column, value)
        sheet.cell(row, 4, line.total)
    branches = workbook.create_sheet("支部积分")
    write_header(branches, [("党支部", 30), ("党员人数", 10), ("积分合计", 12), ("人均", 10)])
    for row, line in enumerate(branch_totals(org, year), start=2):
        put_text(branches, row, 1, line.org.name)
        branches.cell(row, 2, line.members)
        branches.cell(row, 3, line.total)
        put_text(branches, row, 4, line.average)
    return to_bytes(workbook)


@dataclass(frozen=True)
class RankLine:
    rank: int
    name: str
    total: int
    is_viewer: bool


def ranking(org: Organisation, year: int, viewer: User) -> list[RankLine]:
    """The organisation's own members (home or host) by their year's points: a name only for
    members who chose to show it (and the viewer themself), the others as 匿名党员."""
    total = _year_total().label("total")
    rows = db.session.execute(
        select(User.id, User.name, func.max(PointSetting.show_name.cast(Integer)), total)
        .outerjoin(PointYear, _with_points(year))
        .outerjoin(PointSetting, PointSetting.member_id == User.id)
        .where(User.active.is_(True), User.role != "admin")
        .where((User.home_org_id == org.id) | (User.host_org_id == org.id))
        .group_by(User.id, User.name)
        .order_by(total.desc(), User.id)
        .limit(RANKING_SIZE)
    )
    lines, rank, previous = [], 0, None
    for index, (member_id, name, shown, points) in enumerate(rows, start=1):
        if points != previous:  # equal points share a place
            rank, previous = index, points
        mine = member_id == viewer.id
        lines.append(RankLine(rank, name if shown or mine else ANONYMOUS, int(points), mine))
    return lines
