"""Completion report queries.

The overview (totals, sub-organisations, course completion, trend) adds up the per-organisation
rollups (``archive.rollups``): a few rows per organisation in the subtree, or per district for a
report over the whole city, folded into the report's sub-organisations in SQL with the
organisation paths. Its cost follows the organisations, not the members below them. Only the
on-track/behind split of a day other than the rollups' pace reads members: those whose 学时 lie
between the two paces.

The member list, the grid and the exports read ``year_progress`` and ``course_progress`` per
member (never the ledger or the raw completions), one page or batch at a time.

A closed year counts each member where they were at its end: ``member_years`` keeps that place
for the members who have moved since (the rollups keep the same), everyone else is counted where
they are now. Course completions are not per year: they count where the member is now.

The current year counts members where they are now, or, when asked, where they were at the end
of one of its finished months (``Filters.as_of``): ``member_months`` keeps that place for the
members who have moved since. The overview takes those few members off where the rollups count
them now and adds them where they were; their 学时 are the year's so far either way.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace

from sqlalchemy import (
    Integer,
    Row,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    true,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import aliased

from school.archive.models import (
    CourseProgress,
    MemberMonth,
    MemberYear,
    RollupCourse,
    RollupMembers,
    RollupMembersPast,
    RollupPace,
    RollupYear,
    YearProgress,
)
from school.archive.rollups import COARSE_DEPTH, due_permille, status_of
from school.archive.rollups import quota_tenths as quota_of
from school.auth.models import User
from school.clock import local_today
from school.courses.models import Course, Lesson
from school.db import db
from school.orgs.models import Organisation
from school.orgs.permissions import can_view_org
from school.orgs.scope import RELATIONS, SMALL_SUBTREE, covers, placed_in, subtree_in
from school.reports.status import STATUSES, hours_tenths, quota_tenths, status_at, status_expr

PAGE_SIZE = 50
EXPORT_BATCH = 1000
MONTHS = range(1, 13)
# How each side of the rollups counts: a member whose home and host both lie in the report is
# in its ``home`` and its ``host`` rows, and taken off once through the ``both``/``same`` rows.
SIDE_SIGN = {"home": 1, "host": 1, "both": -1, "same": -1}
RELATION_SIDES = {"both": tuple(SIDE_SIGN), "home": ("home",), "host": ("host",)}

SORTS = {
    "name": "姓名",
    "org": "党组织",
    "hours": "学时",
    "status": "状态",
    "last": "最近学习",
}
# Sorting by status puts those who need chasing first.
STATUS_RANK = {"not_started": 0, "behind": 1, "on_track": 2, "met": 3}


@dataclass(frozen=True)
class Filters:
    """What a report shows: every page and export of one report applies the same filters."""

    year: int
    relation: str = "both"
    floating_only: bool = False
    course_id: int | None = None
    status: str = ""
    sort: str = "name"
    desc: bool = False
    # The current year only: count members where they were at the end of this month (its first
    # day), not where they are now.
    as_of: date | None = None

    def args(self, **changes) -> dict[str, str | int]:
        """Query-string arguments that reproduce these filters (with ``changes`` applied)."""
        f = replace(self, **changes) if changes else self
        args: dict[str, str | int] = {"year": f.year}
        if f.relation != "both":
            args["relation"] = f.relation
        if f.floating_only:
            args["floating"] = 1
        if f.course_id is not None:
            args["course"] = f.course_id
        if f.status:
            args["status"] = f.status
        if f.sort != "name":
            args["sort"] = f.sort
        if f.desc:
            args["dir"] = "desc"
        if f.as_of is not None:
            args["asof"] = f"{f.as_of:%Y-%m}"
        return args


def _int(value, default: int | None = None) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return default


def as_of_months(year: int, today: date) -> list[date]:
    """The months a report of ``year`` may count members at the end of: the finished months of
    the current year, latest first (none for a closed year, which counts them at its end)."""
    if year != today.year:
        return []
    return [date(year, m, 1) for m in range(today.month - 1, 0, -1)]


def _as_of(value, year: int, today: date) -> date | None:
    """``2026-10`` as the first day of that month, if a report of ``year`` may use it."""
    try:
        wanted = datetime.strptime(str(value).strip(), "%Y-%m").date()
    except ValueError:
        return None
    return wanted if wanted in as_of_months(year, today) else None


def parse_filters(args: Mapping[str, str], today: date | None = None) -> Filters:
    """Filters from request arguments; anything invalid falls back to its default."""
    today = today or local_today()
    this_year = today.year
    year = _int(args.get("year"))
    # No future year: nothing has been studied in it yet.
    if year is None or not 2000 <= year <= this_year:
        year = this_year
    course_id = _int(args.get("course"))
    if course_id is not None and course_id not in {c.id for c in published_courses()}:
        course_id = None
    relation = args.get("relation", "both")
    status = args.get("status", "")
    sort = args.get("sort", "name")
    return Filters(
        year=year,
        relation=relation if relation in RELATIONS else "both",
        floating_only=args.get("floating", "") in ("1", "on", "true", "yes"),
        course_id=course_id,
        status=status if status in STATUSES else "",
        sort=sort if sort in SORTS else "name",
        desc=args.get("dir", "") == "desc",
        as_of=_as_of(args.get("asof", ""), year, today),
    )


def parse_page(value) -> int:
    """A page number from the query string: 1 when missing or invalid."""
    page = _int(value, 1) or 1
    return max(1, min(page, 1_000_000))


def published_courses() -> list[Course]:
    """The courses reports count (drafts have no learners yet)."""
    return list(
        db.session.scalars(
            select(Course).where(Course.status == "published").order_by(Course.position, Course.id)
        )
    )


def tenths_to_hours(tenths: int | None) -> Decimal:
    return Decimal(int(tenths or 0)) / 10


def _one_place(value: Decimal | float) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def percent(part: int, whole: int) -> int:
    """A whole-number percentage (0 when there is nothing to divide by)."""
    return round(part * 100 / whole) if whole else 0


# --- the shared member query -------------------------------------------------------------------


def _closed(filters: Filters, today: date) -> bool:
    """A year that has ended: members count where they were at its end."""
    return filters.year < today.year


def _kept(filters: Filters, today: date):
    """Where the report keeps members who have moved since its end: the table (``member_years``
    for a closed year, ``member_months`` for a month's end) and the condition picking its rows;
    None when members count where they are now."""
    if _closed(filters, today):
        return MemberYear, MemberYear.year == filters.year
    if filters.as_of is not None:
        return MemberMonth, MemberMonth.month == filters.as_of
    return None


def scope_clause(org: Organisation, filters: Filters, today: date | None = None):
    """The members of the report (``scope.covers`` with the filters' relation and floating),
    placed where they were at the end of the report's year when it is closed, or of the month
    it is as of."""
    found = _kept(filters, today or local_today())
    if found is None:
        return covers(org, filters.relation, filters.floating_only)
    table, which = found
    subtree = subtree_in(org)
    kept = select(table.member_id).where(which)

    def placed(home, host, floating):
        return placed_in(subtree, filters.relation, filters.floating_only, home, host, floating)

    then = kept.where(placed(table.home_org_id, table.host_org_id, table.is_floating))
    if isinstance(subtree, list):
        # A small subtree: the two groups as one list of ids rather than "placed now OR kept
        # then", each found through its own indexes, where the OR made PostgreSQL read every
        # member. A large one holds most members: one pass over them is right (as ``covers``).
        member = aliased(User)
        now = select(member.id).where(
            placed(member.home_org_id, member.host_org_id, member.is_floating),
            member.id.not_in(kept),
        )
        counted = User.id.in_(union_all(now, then))
    else:
        counted = or_(
            and_(
                placed(User.home_org_id, User.host_org_id, User.is_floating), User.id.not_in(kept)
            ),
            User.id.in_(then),
        )
    return and_(counted, User.active.is_(True), User.role != "admin")


def _placed(stmt, filters: Filters, today: date):
    """``stmt`` on User, with where each member was counted in the report's year (or at the
    end of its month): the home and host organisation, floating and cadre columns, and the
    statement to select from."""
    columns = (User.home_org_id, User.host_org_id, User.is_floating, User.is_cadre)
    found = _kept(filters, today)
    if found is None:
        return stmt, columns
    table, which = found
    kept = (table.home_org_id, table.host_org_id, table.is_floating, table.is_cadre)
    was = table.member_id.is_not(None)
    placed = tuple(case((was, then), else_=now) for then, now in zip(kept, columns, strict=True))
    return stmt.outerjoin(table, and_(table.member_id == User.id, which)), placed


def _member_base(org: Organisation, filters: Filters, today: date):
    """One row per member in scope: organisations, 学时 and quota in tenths, status."""
    stmt, (home, host, floating, cadre) = _placed(select().select_from(User), filters, today)
    return (
        stmt.add_columns(
            User.id.label("id"),
            User.name.label("name"),
            User.name_key.label("name_key"),
            User.membership_no.label("membership_no"),
            User.phone.label("phone"),
            home.label("home_org_id"),
            host.label("host_org_id"),
            floating.label("is_floating"),
            cadre.label("is_cadre"),
            hours_tenths().label("hours"),
            quota_tenths(cadre).label("quota"),
            status_expr(filters.year, today, cadre).label("status"),
            YearProgress.last_activity_at.label("last_activity_at"),
        )
        .outerjoin(
            YearProgress,
            and_(YearProgress.member_id == User.id, YearProgress.year == filters.year),
        )
        .where(scope_clause(org, filters, today))
        .subquery("m")
    )


# --- overview ------------------------------------------------------------------------------------


@dataclass
class Tally:
    """Members, statuses and 学时 of one group (the whole report or one sub-organisation)."""

    members: int = 0
    floating: int = 0
    hours_tenths: int = 0
    quota_tenths: int = 0
    statuses: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATUSES, 0))
    months_tenths: list[int] = field(default_factory=lambda: [0] * 12)

    def add(self, row, with_months: bool = False) -> None:
        self.members += row.n
        self.floating += row.floating
        self.hours_tenths += row.hours
        self.quota_tenths += row.quota
        self.statuses[row.status] += row.n
        if with_months:
            for m in MONTHS:
                self.months_tenths[m - 1] += getattr(row, f"m{m}") or 0

    @property
    def completion(self) -> int:
        """Share of members who met the quota or are on track, in percent."""
        return percent(self.statuses["met"] + self.statuses["on_track"], self.members)

    @property
    def average_hours(self) -> Decimal:
        return _one_place(self.hours_tenths / 10 / self.members) if self.members else Decimal(0)


@dataclass
class SubOrg:
    org: Organisation | None  # None: members directly in the report's organisation
    tally: Tally


@dataclass
class CourseRate:
    course: Course
    completed: int
    members: int

    @property
    def rate(self) -> int:
        return percent(self.completed, self.members)


@dataclass
class TrendMonth:
    month: int
    total: Decimal  # 学时 of every member in scope in this month
    average: Decimal  # per member in this month
    cumulative: Decimal | None  # per member since January (None for months still to come)
    quota: Decimal  # the pro-rata quota per member at the end of this month


@dataclass
class Overview:
    org: Organisation
    filters: Filters
    total: Tally
    suborgs: list[SubOrg]
    courses: list[CourseRate]
    trend: list[TrendMonth]
    children: list[Organisation]

    @property
    def trend_max(self) -> Decimal:
        """The top of the trend chart's scale: a whole number of 学时 above every point."""
        values = [m.quota for m in self.trend] + [m.cumulative or 0 for m in self.trend]
        top = max([Decimal(1), *values])
        return Decimal(int(top) + (4 - int(top) % 4))


def _child_expr(org: Organisation, children: list[Organisation], path):
    """SQL: the id of the child of ``org`` whose subtree holds ``path``, 0 for ``org`` itself.

    NULL when ``path`` lies outside the report (the other side of a floating member).
    """
    whens = [(path.startswith(c.path, autoescape=True), c.id) for c in children]
    return case(*whens, (path == org.path, 0), else_=None)


def _level(org: Organisation) -> int:
    """The rollup level a report reads: the districts' rows for the city, else the
    organisations' own."""
    return 1 if org.depth < COARSE_DEPTH else 0


# Beyond this many organisations, a subtree is read by path prefix rather than by a list of ids.
MANY_ORGS = 500


def _rollup_orgs(org: Organisation, children: list[Organisation]) -> list[int] | None:
    """Ids of the organisations whose rollup rows the report reads: the subtree, down to the
    districts for a report that reads their rows; None for a large subtree.

    Found level by level through ``parent_id`` (indexed) rather than by path prefix: on
    PostgreSQL a prefix LIKE cannot use the path index unless the collation is C, and would
    read every organisation of the city for a branch. A subtree of thousands (a district of a
    very large city) is read by prefix: one pass over the organisations beats a list that long.
    """
    ids, frontier, depth = [org.id], [c.id for c in children], org.depth + 1
    while frontier:
        ids += frontier
        if _level(org) == 1 and depth >= COARSE_DEPTH:
            break
        if len(ids) > MANY_ORGS:
            return None
        frontier = list(
            db.session.scalars(select(Organisation.id).where(Organisation.parent_id.in_(frontier)))
        )
        depth += 1
    return ids


def _rollup_query(model, org: Organisation, ids: list[int] | None, filters: Filters, *columns):
    """Sums of a rollup table over the report's subtree, by side and child of ``org``."""
    child = _child_id(org, Organisation.path).label("child")
    conditions = [
        model.level == _level(org),
        model.org_id.in_(ids)
        if ids is not None
        else Organisation.path.startswith(org.path, autoescape=True),
    ]
    if filters.relation != "both":
        conditions.append(model.side.in_(RELATION_SIDES[filters.relation]))
    if filters.floating_only:
        conditions.append(model.is_floating.is_(True))
    return (
        select(model.side, child, *columns)
        .join(Organisation, Organisation.id == model.org_id)
        .where(*conditions)
        .group_by(model.side, child)
    )


def _row(home_child, host_child, status: str, n: int = 0, **values) -> SimpleNamespace:
    """One grouped row as ``_fold`` reads it: members of one status, with their sums."""
    row = dict.fromkeys(("floating", "hours", "quota", *(f"m{m}" for m in MONTHS)), 0)
    row.update(values)
    return SimpleNamespace(home_child=home_child, host_child=host_child, status=status, n=n, **row)


def _sides(side: str, bucket: int) -> tuple[int | None, int | None]:
    """The (home, host) sub-organisations a rollup row stands for (see SIDE_SIGN)."""
    if side == "home":
        return bucket, None
    if side == "host":
        return None, bucket
    # Both sides in one child (or both in the report's own organisation): the row takes the
    # member off that child once. Both below the report but in different children (or one in
    # the report's organisation itself): off the total only.
    if side == "both" and bucket == 0:
        return None, None
    return bucket, bucket


def _tally_rows(
    org: Organisation,
    ids: list[int] | None,
    filters: Filters,
    today: date,
    children: list[Organisation],
    moved: dict[int, _Moved],
):
    """Members grouped by (child holding the home org, child holding the host org, status),
    added up from the rollups; rows of the ``both`` and ``same`` sides count negatively. For a
    report as of a month's end, ``moved`` are the members to place where they were then.

    The database folds the organisations into the report's children with the paths.
    """
    members = _rollup_query(
        RollupMembers,
        org,
        ids,
        filters,
        func.sum(RollupMembers.members),
        func.sum(RollupMembers.cadres),
        func.sum(case((RollupMembers.is_floating.is_(True), RollupMembers.members), else_=0)),
    )
    year = _rollup_query(
        RollupYear,
        org,
        ids,
        filters,
        func.sum(RollupYear.met),
        func.sum(RollupYear.on_track),
        func.sum(RollupYear.behind),
        func.sum(type_coerce(RollupYear.hours, Integer)),
        *[func.sum(type_coerce(getattr(RollupYear, f"m{m}"), Integer)) for m in MONTHS],
    ).where(RollupYear.year == filters.year)
    counted = {(side, child): values for side, child, *values in db.session.execute(members)}
    if _closed(filters, today):
        # Members who have moved since the year ended count where they were then.
        past = _rollup_query(
            RollupMembersPast,
            org,
            ids,
            filters,
            func.sum(RollupMembersPast.members),
            func.sum(RollupMembersPast.cadres),
            func.sum(
                case((RollupMembersPast.is_floating.is_(True), RollupMembersPast.members), else_=0)
            ),
        ).where(RollupMembersPast.year == filters.year)
        for side, child, *values in db.session.execute(past):
            base = counted.get((side, child), [0, 0, 0])
            counted[(side, child)] = [a + b for a, b in zip(base, values, strict=True)]
    figures = {(side, child): values for side, child, *values in db.session.execute(year)}
    stored = db.session.scalar(select(RollupPace.due).where(RollupPace.year == filters.year)) or 0
    rows = _moved_rows(moved, stored)
    cadre_quota, member_quota = quota_of(True), quota_of(False)
    for (side, where), (n, cadres, floating) in counted.items():
        sign = SIDE_SIGN[side]
        home_child, host_child = _sides(side, where)
        met, on_track, behind, hours, *months = figures.get((side, where)) or [0] * 16
        started = {"met": met, "on_track": on_track, "behind": behind}
        for status, count in started.items():
            rows.append(_row(home_child, host_child, status, sign * count))
        rows.append(
            _row(
                home_child,
                host_child,
                "not_started",
                sign * (n - met - on_track - behind),
                floating=sign * floating,
                hours=sign * hours,
                quota=sign * (cadres * cadre_quota + (n - cadres) * member_quota),
                **{f"m{m}": sign * value for m, value in zip(MONTHS, months, strict=True)},
            )
        )
    return rows + _pace_rows(org, filters, today, children, stored)


def _child_id(org: Organisation, path):
    """SQL: the id of the child of ``org`` whose subtree holds ``path`` (a path inside the
    subtree), 0 for ``org`` itself: the path's next segment after ``org``'s, as a number.

    String functions rather than a CASE over the children: a district of a large city has
    hundreds of townships, and the CASE tried each of them for every row.
    """
    rest = func.substr(path, len(org.path) + 1)
    find = func.strpos if db.session.get_bind().dialect.name == "postgresql" else func.instr
    segment = func.substr(rest, 1, find(rest, "/") - 1)
    return case((path == org.path, 0), else_=cast(segment, Integer))


def _path_child(org: Organisation, path: str | None) -> int | None:
    """The report's child holding ``path`` (0 for the report's own organisation), None for a
    path outside the report (``_child_expr`` in Python)."""
    if path is None or not path.startswith(org.path):
        return None
    rest = path[len(org.path) :]
    return int(rest.split("/", 1)[0]) if rest else 0


@dataclass(frozen=True)
class _Counted:
    """One place where the report counts a member who has moved since its month: -1 where the
    rollups count them now, +1 where they were then; the home and host children as the grouped
    rows name them, and the member's flags there."""

    sign: int
    home_child: int | None
    host_child: int | None
    floating: bool
    cadre: bool


@dataclass
class _Moved:
    """A member who has moved (or whose flags changed) since the report's month: the places the
    report counts them (now, then or both) and the year's 学时 in tenths."""

    places: list[_Counted]
    hours: int
    months: list[int]


def _counted(org: Organisation, filters: Filters, sign: int, home, host, floating, cadre):
    """The place as the report counts it (``placed_in`` in Python), or None."""
    home_child = _path_child(org, home) if filters.relation in ("both", "home") else None
    host_child = _path_child(org, host) if filters.relation in ("both", "host") else None
    if (home_child is None and host_child is None) or (filters.floating_only and not floating):
        return None
    return _Counted(sign, home_child, host_child, bool(floating), bool(cadre))


def _moved(org: Organisation, filters: Filters) -> dict[int, _Moved]:
    """The members with a ``member_months`` row for the report's month whom the report counts
    now or then, with where (one statement)."""
    subtree = subtree_in(org)
    orgs = [aliased(Organisation) for _ in range(4)]
    ids = (User.home_org_id, User.host_org_id, MemberMonth.home_org_id, MemberMonth.host_org_id)
    months = [
        func.coalesce(type_coerce(getattr(YearProgress, f"m{m}"), Integer), 0) for m in MONTHS
    ]
    if isinstance(subtree, list):
        # A small subtree: its members now (the users' indexes) and then (the month's rows).
        member, kept = aliased(User), aliased(MemberMonth)
        wanted = User.id.in_(
            union_all(
                select(member.id).where(
                    placed_in(
                        subtree, "both", False, member.home_org_id, member.host_org_id, true()
                    )
                ),
                select(kept.member_id).where(
                    kept.month == filters.as_of,
                    placed_in(subtree, "both", False, kept.home_org_id, kept.host_org_id, true()),
                ),
            )
        )
    else:  # most of the month's rows are in it: read them all
        wanted = true()
    stmt = (
        select(
            User.id,
            *(o.path for o in orgs),
            User.is_floating,
            User.is_cadre,
            MemberMonth.is_floating,
            MemberMonth.is_cadre,
            hours_tenths(),
            *months,
        )
        .select_from(MemberMonth)
        .join(User, User.id == MemberMonth.member_id)
        .outerjoin(
            YearProgress,
            and_(YearProgress.member_id == User.id, YearProgress.year == filters.year),
        )
        # Counted now, as the rollups count them; a member no longer counted is left out of the
        # month too, as closed years leave them out.
        .where(MemberMonth.month == filters.as_of, User.active.is_(True), User.role != "admin")
        .where(wanted)
    )
    for alias, column in zip(orgs, ids, strict=True):
        stmt = stmt.outerjoin(alias, alias.id == column)
    found = {}
    for row in db.session.execute(stmt):
        places = [
            _counted(org, filters, -1, row[1], row[2], row[5], row[6]),
            _counted(org, filters, 1, row[3], row[4], row[7], row[8]),
        ]
        if places[0] != places[1] and (places[0] or places[1]):
            found[row[0]] = _Moved(
                places=[p for p in places if p is not None],
                hours=int(row[9] or 0),
                months=[int(v or 0) for v in row[10:]],
            )
    return found


def _moved_rows(moved: dict[int, _Moved], stored: int) -> list[SimpleNamespace]:
    """Rows that take the members who have moved since the report's month off where the rollups
    count them now and count them where they were, with the year's 学时, at the rollups' pace
    (``_pace_rows`` brings them to today's, as it does everyone); grouped as the rollups' rows
    are, so a city's thousands of moves fold into a few rows."""
    groups: dict[tuple, list[int]] = defaultdict(lambda: [0] * 16)
    for member in moved.values():
        for place in member.places:
            quota = quota_of(place.cadre)
            status = status_of(member.hours, quota, stored)
            sums = groups[(place.home_child, place.host_child, status)]
            sign = place.sign
            sums[0] += sign
            sums[1] += sign * place.floating
            sums[2] += sign * member.hours
            sums[3] += sign * quota
            for m, value in enumerate(member.months):
                sums[4 + m] += sign * value
    return [
        _row(
            home,
            host,
            status,
            n,
            floating=floating,
            hours=hours,
            quota=quota,
            **{f"m{m}": v for m, v in zip(MONTHS, by_month, strict=True)},
        )
        for (home, host, status), (n, floating, hours, quota, *by_month) in groups.items()
    ]


def _pace_rows(
    org: Organisation, filters: Filters, today: date, children: list[Organisation], stored: int
):
    """Members that change between on track and behind from the rollups' pace to ``today``'s.

    The rollups split them against the pace of ``rollup_pace`` (moved to each new day by
    ``flask reports pace``); another day only moves the members whose 学时 lie between the two.
    """
    wanted = due_permille(filters.year, today)
    if stored == wanted:
        return []
    low, high = min(stored, wanted), max(stored, wanted)
    tenths = type_coerce(YearProgress.hours, Integer)
    home, host = aliased(Organisation), aliased(Organisation)
    null = literal(None, Integer)
    stmt, (home_id, host_id, _, cadre) = _placed(select().select_from(User), filters, today)
    then, now = status_at(stored, cadre).label("then"), status_at(wanted, cadre).label("now")
    home_child = (
        _child_expr(org, children, home.path) if filters.relation in ("both", "home") else null
    ).label("home_child")
    host_child = (
        _child_expr(org, children, host.path) if filters.relation in ("both", "host") else null
    ).label("host_child")
    stmt = (
        stmt.add_columns(home_child, host_child, then, now, func.count())
        .join(
            YearProgress,
            and_(YearProgress.member_id == User.id, YearProgress.year == filters.year),
        )
        .outerjoin(home, home.id == home_id)
        .outerjoin(host, host.id == host_id)
        .where(
            scope_clause(org, filters, today),
            tenths >= quota_of(False) * low // 1000,
            tenths <= -(-quota_of(True) * high // 1000),
        )
        .group_by(home_child, host_child, then, now)
    )
    rows = []
    for home_id, host_id, before, after, n in db.session.execute(stmt):
        if before != after:
            rows.append(_row(home_id, host_id, before, -n))
            rows.append(_row(home_id, host_id, after, n))
    return rows


def _fold(rows, children: list[Organisation]) -> tuple[Tally, list[SubOrg]]:
    """Sum the grouped rows for the whole report and per child subtree.

    A floating member counts in the child that holds their home organisation and, when it is a
    different child, in the one that hosts them too (as far as the relation filter allows).
    """
    total = Tally()
    by_child: dict[int, Tally] = {}
    for row in rows:
        total.add(row, with_months=True)
        for child in {row.home_child, row.host_child} - {None}:
            by_child.setdefault(child, Tally()).add(row)
    # Open children always get a row; closed ones only while they still hold members.
    suborgs = [
        SubOrg(c, by_child.get(c.id, Tally()))
        for c in children
        if c.is_open or _holds_members(by_child, c.id)
    ]
    if _holds_members(by_child, 0):  # members kept directly at this level
        suborgs.insert(0, SubOrg(None, by_child[0]))
    return total, suborgs


def _holds_members(by_child: dict[int, Tally], key: int) -> bool:
    return key in by_child and by_child[key].members > 0


def _children(org: Organisation, include_closed: bool = False) -> list[Organisation]:
    stmt = select(Organisation).where(Organisation.parent_id == org.id)
    if not include_closed:
        stmt = stmt.where(Organisation.closed_at.is_(None))
    return list(db.session.scalars(stmt.order_by(Organisation.name, Organisation.id)))


def _course_rates(
    org: Organisation,
    children: list[Organisation],
    filters: Filters,
    members: int,
    courses: list[Course],
    moved: dict[int, _Moved],
) -> list[CourseRate]:
    if filters.course_id is not None:
        courses = [c for c in courses if c.id == filters.course_id]
    if not courses:
        return []
    # Course rates are totals, not per sub-organisation: down to a district, the district rows
    # hold them (a district's own row covers its subtree), not a row per branch and course.
    if org.depth <= COARSE_DEPTH:
        level, ids = 1, [org.id, *(c.id for c in children if org.depth < COARSE_DEPTH)]
    else:
        level, ids = 0, _rollup_orgs(org, children)
    stmt = (
        select(RollupCourse.course_id, RollupCourse.side, func.sum(RollupCourse.completed))
        .join(Organisation, Organisation.id == RollupCourse.org_id)
        .where(
            RollupCourse.level == level,
            RollupCourse.org_id.in_(ids)
            if ids is not None
            else Organisation.path.startswith(org.path, autoescape=True),
            RollupCourse.side.in_(RELATION_SIDES[filters.relation]),
            *([RollupCourse.is_floating.is_(True)] if filters.floating_only else []),
            # All courses when none is chosen: the few draft rows are dropped below.
            *([RollupCourse.course_id == filters.course_id] if filters.course_id else []),
        )
        .group_by(RollupCourse.course_id, RollupCourse.side)
    )
    done: dict[int, int] = {}
    for course_id, side, n in db.session.execute(stmt):
        done[course_id] = done.get(course_id, 0) + SIDE_SIGN[side] * n
    for course_id, n in _moved_completions(filters, moved).items():
        done[course_id] = done.get(course_id, 0) + n
    return [CourseRate(c, done.get(c.id, 0), members) for c in courses]


def _moved_completions(filters: Filters, moved: dict[int, _Moved]) -> dict[int, int]:
    """Course completions of the members who have moved since the report's month, taken off
    where they are now and added where they were (one statement, by that month's rows)."""
    if not moved:
        return {}
    stmt = (
        select(CourseProgress.member_id, CourseProgress.course_id)
        .join(MemberMonth, MemberMonth.member_id == CourseProgress.member_id)
        .where(MemberMonth.month == filters.as_of, CourseProgress.completed_at.is_not(None))
    )
    if len(moved) <= SMALL_SUBTREE:  # a few members: by their ids, not the month's every row
        stmt = stmt.where(CourseProgress.member_id.in_(list(moved)))
    if filters.course_id is not None:
        stmt = stmt.where(CourseProgress.course_id == filters.course_id)
    done: dict[int, int] = {}
    for member_id, course_id in db.session.execute(stmt):
        member = moved.get(member_id)
        if member is not None:
            done[course_id] = done.get(course_id, 0) + sum(p.sign for p in member.places)
    return done


def _trend(total: Tally, year: int, today: date) -> list[TrendMonth]:
    members = total.members
    quota = total.quota_tenths / 10 / members if members else 0
    last_month = 12 if year < today.year else (today.month if year == today.year else 0)
    months, running = [], 0
    for m in MONTHS:
        tenths = total.months_tenths[m - 1]
        running += tenths
        months.append(
            TrendMonth(
                month=m,
                total=tenths_to_hours(tenths),
                average=_one_place(tenths / 10 / members) if members else Decimal(0),
                cumulative=(
                    (_one_place(running / 10 / members) if members else Decimal(0))
                    if m <= last_month
                    else None
                ),
                quota=_one_place(quota * m / 12),
            )
        )
    return months


def breadcrumb(org: Organisation, viewer: User) -> list[Organisation]:
    """The organisation's ancestors that the viewer may see, top down (not ``org`` itself)."""
    ids = org.line_ids[:-1]
    if not ids:
        return []
    found = {
        o.id: o for o in db.session.scalars(select(Organisation).where(Organisation.id.in_(ids)))
    }
    return [found[i] for i in ids if i in found and can_view_org(viewer, found[i])]


def totals(org: Organisation, filters: Filters, today: date) -> Tally:
    """The overview's summary numbers alone, from the rollups (no course rates, no trend)."""
    children = _children(org, include_closed=True)
    moved = _moved(org, filters) if filters.as_of is not None else {}
    rows = _tally_rows(org, _rollup_orgs(org, children), filters, today, children, moved)
    return _fold(rows, children)[0]


def overview(
    org: Organisation,
    filters: Filters,
    today: date | None = None,
    courses: list[Course] | None = None,
) -> Overview:
    """Summary numbers, sub-organisations, course completion and the monthly trend.

    ``courses``: the published courses, when the caller has read them already for the page.
    """
    today = today or local_today()
    children = _children(org, include_closed=True)
    moved = _moved(org, filters) if filters.as_of is not None else {}
    rows = _tally_rows(org, _rollup_orgs(org, children), filters, today, children, moved)
    total, suborgs = _fold(rows, children)
    if courses is None:
        courses = published_courses()
    return Overview(
        org=org,
        filters=filters,
        total=total,
        suborgs=suborgs,
        courses=_course_rates(org, children, filters, total.members, courses, moved),
        trend=_trend(total, filters.year, today),
        children=[c for c in children if c.is_open],
    )


# --- member list and grid ------------------------------------------------------------------------


@dataclass
class MemberRow:
    id: int
    name: str
    home_org: Organisation | None
    host_org: Organisation | None
    is_floating: bool
    is_cadre: bool
    hours: Decimal
    quota: Decimal
    status: str
    last_activity_at: datetime | None
    membership_no: str = ""
    phone: str = ""  # as stored: shown or masked for the viewer by the caller (shown_phone)
    # Progress by course id (missing: not started): the filtered course's in the members
    # list, every course's in the grid.
    courses: dict[int, Row] = field(default_factory=dict)

    @property
    def status_label(self) -> str:
        return STATUSES[self.status]


@dataclass
class Page:
    rows: list[MemberRow]
    total: int
    page: int
    pages: int
    courses: list[Course]
    lessons: dict[int, int]  # active lessons per course: "3/8"


def _ordered(org: Organisation, filters: Filters, today: date):
    """The filtered, sorted member query (without paging)."""
    m = _member_base(org, filters, today)
    home = aliased(Organisation)
    stmt = select(m).outerjoin(home, home.id == m.c.home_org_id)
    if filters.status:
        stmt = stmt.where(m.c.status == filters.status)
    rank = case(*[(m.c.status == s, r) for s, r in STATUS_RANK.items()], else_=0)
    keys = {
        # By pinyin (王 before 张), then by the characters for names read alike.
        "name": [m.c.name_key, m.c.name],
        "org": [home.name],
        "hours": [m.c.hours],
        "status": [rank, m.c.hours],
        # Never studied sorts before any date (both databases put NULLs differently).
        "last": [case((m.c.last_activity_at.is_(None), 0), else_=1), m.c.last_activity_at],
    }[filters.sort]
    # The direction applies to the chosen keys; ties stay in name order.
    order = [key.desc() for key in keys] if filters.desc else keys
    if filters.sort != "name":
        order += [m.c.name_key, m.c.name]
    return stmt, m, [*order, m.c.id]


def _count(org: Organisation, filters: Filters, today: date) -> int:
    if not filters.status:  # no need for the year's progress to count members
        stmt = select(func.count(User.id)).where(scope_clause(org, filters, today))
        return db.session.scalar(stmt) or 0
    m = _member_base(org, filters, today)
    return db.session.scalar(
        select(func.count()).select_from(m).where(m.c.status == filters.status)
    )


def _orgs(ids: set[int | None]) -> dict[int, Organisation]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {
        o.id: o for o in db.session.scalars(select(Organisation).where(Organisation.id.in_(ids)))
    }


def _progress(member_ids: list[int], course_ids: list[int]) -> dict[int, dict[int, Row]]:
    """member -> course -> (lessons_done, completed_at), for the given members and courses."""
    if not member_ids or not course_ids:
        return {}
    stmt = select(
        CourseProgress.member_id,
        CourseProgress.course_id,
        CourseProgress.lessons_done,
        CourseProgress.completed_at,
    ).where(CourseProgress.member_id.in_(member_ids))
    if len(course_ids) == 1:
        stmt = stmt.where(CourseProgress.course_id == course_ids[0])
    # Otherwise every course of these members: an IN list of courses would make SQLite probe
    # each (member, course) pair; rows of unpublished courses are simply never looked up.
    by_member: dict[int, dict[int, Row]] = {}
    for row in db.session.execute(stmt):
        by_member.setdefault(row.member_id, {})[row.course_id] = row
    return by_member


def _lesson_counts(course_ids: list[int]) -> dict[int, int]:
    if not course_ids:
        return {}
    stmt = (
        select(Lesson.course_id, func.count())
        .where(Lesson.course_id.in_(course_ids), Lesson.retired.is_(False))
        .group_by(Lesson.course_id)
    )
    return dict(db.session.execute(stmt).all())


def _rows(raw, orgs: dict[int, Organisation], progress: dict[int, dict[int, Row]]):
    return [
        MemberRow(
            id=r.id,
            name=r.name,
            home_org=orgs.get(r.home_org_id),
            host_org=orgs.get(r.host_org_id),
            is_floating=bool(r.is_floating),
            is_cadre=bool(r.is_cadre),
            hours=tenths_to_hours(r.hours),
            quota=tenths_to_hours(r.quota),
            status=r.status,
            last_activity_at=r.last_activity_at,
            membership_no=r.membership_no or "",
            phone=r.phone or "",
            courses=progress.get(r.id, {}),
        )
        for r in raw
    ]


def _report_courses(filters: Filters, grid: bool) -> list[Course]:
    if grid:
        courses = published_courses()
        return [c for c in courses if filters.course_id in (None, c.id)]
    if filters.course_id is None:
        return []
    return [c for c in published_courses() if c.id == filters.course_id]


def _page(org: Organisation, filters: Filters, page: int, grid: bool, today: date | None) -> Page:
    today = today or local_today()
    total = _count(org, filters, today)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    stmt, _, order = _ordered(org, filters, today)
    raw = db.session.execute(
        stmt.order_by(*order).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    courses = _report_courses(filters, grid)
    course_ids = [c.id for c in courses]
    orgs = _orgs({r.home_org_id for r in raw} | {r.host_org_id for r in raw})
    progress = _progress([r.id for r in raw], course_ids)
    return Page(
        rows=_rows(raw, orgs, progress),
        total=total,
        page=page,
        pages=pages,
        courses=courses,
        lessons=_lesson_counts(course_ids),
    )


def member_rows(
    org: Organisation, filters: Filters, page: int = 1, today: date | None = None
) -> Page:
    """One page (50) of the member list, with the filtered course's progress when one is chosen."""
    return _page(org, filters, page, grid=False, today=today)


def grid(org: Organisation, filters: Filters, page: int = 1, today: date | None = None) -> Page:
    """One page (50) of the member × course grid (every published course, or the filtered one)."""
    return _page(org, filters, page, grid=True, today=today)


def iter_members(
    org: Organisation, filters: Filters, grid: bool = False, today: date | None = None
) -> tuple[list[Course], dict[int, int], Iterator[MemberRow]]:
    """Every member of the report, filtered and sorted like the pages, for the exports.

    Streams in batches: one query for the members, and per batch of ``EXPORT_BATCH`` members
    one for their organisations not seen yet and one for their course progress.
    """
    today = today or local_today()
    courses = _report_courses(filters, grid)
    course_ids = [c.id for c in courses]
    stmt, _, order = _ordered(org, filters, today)

    def rows() -> Iterator[MemberRow]:
        orgs: dict[int, Organisation] = {}
        result = db.session.execute(stmt.order_by(*order).execution_options(yield_per=EXPORT_BATCH))
        for batch in result.partitions():
            missing = {r.home_org_id for r in batch} | {r.host_org_id for r in batch}
            orgs.update(_orgs(missing - orgs.keys()))
            progress = _progress([r.id for r in batch], course_ids)
            yield from _rows(batch, orgs, progress)

    return courses, _lesson_counts(course_ids), rows()


def iter_member_rows(
    org: Organisation, filters: Filters, today: date | None = None
) -> tuple[list[Course], dict[int, int], Iterator[MemberRow]]:
    """Every row of the members list export (all pages)."""
    return iter_members(org, filters, grid=False, today=today)


def iter_grid_rows(
    org: Organisation, filters: Filters, today: date | None = None
) -> tuple[list[Course], dict[int, int], Iterator[MemberRow]]:
    """Every row of the member × course grid export (all pages)."""
    return iter_members(org, filters, grid=True, today=today)
