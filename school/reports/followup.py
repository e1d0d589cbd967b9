"""Following up: who is behind (overdue list and reminders) and the host's reports home (定期通报).

Everything here reads the precomputed progress (YearProgress, CourseProgress), never the raw
completions, so a district's list costs a handful of queries whatever its size.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask import current_app
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from school.auth.models import User
from school.clock import to_local
from school.courses.models import Course
from school.db import db, utcnow
from school.formatting import format_hours, local_datetime
from school.members.models import ManagementNote
from school.members.services import shown_phone
from school.notifications.services import notify
from school.orgs.models import MANAGING_ROLES, Organisation, StaffGrant
from school.orgs.scope import RELATIONS, covers, subtree_ids
from school.reports.models import Bulletin, CourseProgress, Reminder, YearProgress
from school.reports.permissions import is_home_reader
from school.reports.status import hours_tenths, quota_tenths, status_expr

PER_PAGE = 50
# A campaign course due within this many days is listed already, marked 即将到期.
SOON_DAYS = 14
# At most one reminder per member in this span, whichever organisation sends it.
REMIND_EVERY = timedelta(days=7)


class FollowupError(ValueError):
    """A follow-up action that cannot be done; the message is shown to the user."""


class BadPeriod(FollowupError):
    """The period is not a finished month (2026-11) or quarter (2026-Q4)."""


class NothingToReport(FollowupError):
    """The organisation hosts no members to report on."""

    def __init__(self) -> None:
        super().__init__("本组织没有流入的党员，无需发送定期通报。")


class AlreadySent(FollowupError):
    """Every home organisation already has this period's bulletin."""

    def __init__(self, sent_at: datetime) -> None:
        self.sent_at = sent_at
        super().__init__(f"本期通报已于 {local_datetime(sent_at)} 发送，未重复发送。")


# --- The overdue list -------------------------------------------------------------------------


@dataclass(frozen=True)
class OverdueFilter:
    """Which of an organisation's members the overdue list (and a reminder) covers."""

    relation: str = "both"
    floating_only: bool = False

    @classmethod
    def parse(cls, relation: str | None, floating: str | None) -> OverdueFilter:
        """The filter from query or form values; anything unknown falls back to the default."""
        return cls(relation if relation in RELATIONS else "both", floating == "1")


@dataclass(frozen=True)
class Campaign:
    """A published compulsory course (集中教育) whose deadline has passed or is near."""

    id: int
    title: str
    deadline: date
    past: bool


@dataclass
class OverdueRow:
    """One member on the overdue list."""

    member: User
    hours: Decimal
    quota: int
    status: str
    missing: list[Campaign]
    last_reminded: datetime | None = None
    phone: str = ""

    @property
    def short(self) -> Decimal:
        return max(Decimal(self.quota) - self.hours, Decimal(0))

    @property
    def behind_on_hours(self) -> bool:
        return self.status in ("behind", "not_started")


@dataclass
class OverduePage:
    """One page of the overdue list and what it was computed against."""

    rows: list[OverdueRow]
    total: int
    page: int
    pages: int
    year: int
    campaigns: list[Campaign]


def local_today(now: datetime | None = None) -> date:
    """Today's date in the school's time zone."""
    return to_local(now or utcnow()).date()


def due_campaigns(today: date) -> list[Campaign]:
    """This year's published campaign courses that are overdue or due within SOON_DAYS."""
    courses = db.session.execute(
        select(Course.id, Course.title, Course.deadline)
        .where(
            Course.status == "published",
            Course.deadline.is_not(None),
            Course.deadline >= date(today.year, 1, 1),
            Course.deadline <= today + timedelta(days=SOON_DAYS),
        )
        .order_by(Course.deadline, Course.id)
    )
    return [Campaign(c.id, c.title, c.deadline, c.deadline < today) for c in courses]


def _overdue_select(
    org: Organisation, filt: OverdueFilter, today: date, campaigns: list[Campaign], *columns
) -> Select:
    status = status_expr(today.year, today)
    behind = status.in_(("behind", "not_started"))
    if campaigns:
        done = (
            select(func.count())
            .select_from(CourseProgress)
            .where(
                CourseProgress.member_id == User.id,
                CourseProgress.course_id.in_([c.id for c in campaigns]),
                CourseProgress.completed_at.is_not(None),
            )
            .scalar_subquery()
        )
        behind = or_(behind, done < len(campaigns))
    return (
        select(*columns)
        .select_from(User)
        .outerjoin(
            YearProgress, and_(YearProgress.member_id == User.id, YearProgress.year == today.year)
        )
        .where(covers(org, filt.relation, filt.floating_only), behind)
    )


def _row_columns(today: date) -> tuple:
    return (
        hours_tenths().label("hours"),
        quota_tenths().label("quota"),
        status_expr(today.year, today).label("status"),
    )


def _completed_campaigns(member_ids, campaigns: list[Campaign]) -> set[tuple[int, int]]:
    if not campaigns:
        return set()
    rows = db.session.execute(
        select(CourseProgress.member_id, CourseProgress.course_id).where(
            CourseProgress.member_id.in_(member_ids),
            CourseProgress.course_id.in_([c.id for c in campaigns]),
            CourseProgress.completed_at.is_not(None),
        )
    )
    return {(r.member_id, r.course_id) for r in rows}


def _missing(member_id: int, campaigns: list[Campaign], done: set[tuple[int, int]]):
    return [c for c in campaigns if (member_id, c.id) not in done]


def overdue_page(
    viewer: User,
    org: Organisation,
    filt: OverdueFilter,
    page: int = 1,
    now: datetime | None = None,
) -> OverduePage:
    """One page of the members behind on this year's quota or on a campaign, fewest 学时 first."""
    today = local_today(now)
    campaigns = due_campaigns(today)
    total = (
        db.session.scalar(
            select(func.count()).select_from(
                _overdue_select(org, filt, today, campaigns, User.id).subquery()
            )
        )
        or 0
    )
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(page, 1), pages)
    hours = hours_tenths()
    result = db.session.execute(
        _overdue_select(org, filt, today, campaigns, User, *_row_columns(today))
        .options(selectinload(User.home_org), selectinload(User.host_org))
        .order_by(hours, User.name, User.id)
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    ).all()
    ids = [r.User.id for r in result]
    done = _completed_campaigns(ids, campaigns)
    reminded = dict(
        db.session.execute(
            select(Reminder.member_id, func.max(Reminder.sent_at))
            .where(Reminder.member_id.in_(ids))
            .group_by(Reminder.member_id)
        ).all()
    )
    rows = [
        OverdueRow(
            member=r.User,
            hours=Decimal(int(r.hours)) / 10,
            quota=int(r.quota) // 10,
            status=r.status,
            missing=_missing(r.User.id, campaigns, done),
            last_reminded=reminded.get(r.User.id),
            phone=shown_phone(viewer, r.User),
        )
        for r in result
    ]
    return OverduePage(rows, total, page, pages, today.year, campaigns)


def reminder_text(row: OverdueRow) -> str:
    """What a reminder tells the member: the 学时 still missing and the campaigns not done."""
    parts = []
    if row.behind_on_hours:
        parts.append(
            f"您今年已完成 {format_hours(row.hours)} 学时，距年度要求 {row.quota} 学时"
            f"还差 {format_hours(row.short)} 学时"
        )
    if row.missing:
        titles = "、".join(f"《{c.title}》（{c.deadline:%Y-%m-%d} 截止）" for c in row.missing)
        parts.append(f"专题学习{titles}尚未完成")
    return "；".join(parts) + "。请抽时间登录网上党校学习。"


@dataclass(frozen=True)
class RemindResult:
    """How many members a reminder reached and how many had one already this week."""

    sent: int
    skipped: int


def _lock_tree(org: Organisation) -> None:
    # Reminders from the home and the host side of one member must see each other: every send
    # in a tree takes the lock on the tree's root row (SQLite serialises writers anyway).
    root_id = int(org.path.strip("/").split("/")[0])
    db.session.execute(select(Organisation.id).where(Organisation.id == root_id).with_for_update())


def remind_overdue(
    sender: User,
    org: Organisation,
    filt: OverdueFilter,
    url: str,
    now: datetime | None = None,
) -> RemindResult:
    """Notify everyone on the filtered overdue list not reminded in the last week, and record it."""
    now = now or utcnow()
    today = local_today(now)
    _lock_tree(org)
    campaigns = due_campaigns(today)
    ids = _overdue_select(org, filt, today, campaigns, User.id)
    recent = set(
        db.session.scalars(
            select(Reminder.member_id).where(
                Reminder.sent_at > now - REMIND_EVERY, Reminder.member_id.in_(ids)
            )
        )
    )
    result = db.session.execute(
        _overdue_select(org, filt, today, campaigns, User, *_row_columns(today)).order_by(User.id)
    ).all()
    done = _completed_campaigns(ids, campaigns)
    sent = 0
    for r in result:
        if r.User.id in recent:
            continue
        row = OverdueRow(
            member=r.User,
            hours=Decimal(int(r.hours)) / 10,
            quota=int(r.quota) // 10,
            status=r.status,
            missing=_missing(r.User.id, campaigns, done),
        )
        text = reminder_text(row)
        notify([row.member], "reminder", text, url)
        db.session.add(
            Reminder(
                member_id=row.member.id,
                org_id=org.id,
                sent_by_id=sender.id,
                reason=text[:200],
                sent_at=now,
            )
        )
        sent += 1
    db.session.flush()
    return RemindResult(sent=sent, skipped=len(recent))


# --- Periodic reports home (定期通报) -----------------------------------------------------------

_PERIOD = re.compile(r"(\d{4})-(?:(0?[1-9]|1[0-2])|[Qq]([1-4]))")
_QUARTERS = "一二三四"


@dataclass(frozen=True)
class Period:
    """A calendar month or quarter that a bulletin covers."""

    key: str
    label: str
    start: date
    end: date

    @property
    def months(self) -> range:
        return range(self.start.month, self.end.month + 1)


def month_period(year: int, month: int) -> Period:
    """The calendar month as a period."""
    last = calendar.monthrange(year, month)[1]
    return Period(
        f"{year}-{month:02d}", f"{year}年{month}月", date(year, month, 1), date(year, month, last)
    )


def quarter_period(year: int, quarter: int) -> Period:
    """The calendar quarter as a period."""
    first = 3 * quarter - 2
    end = month_period(year, first + 2).end
    return Period(
        f"{year}-Q{quarter}", f"{year}年第{_QUARTERS[quarter - 1]}季度", date(year, first, 1), end
    )


def parse_period(text: str | None, today: date) -> Period:
    """A finished month (2026-11) or quarter (2026-Q4) from its key."""
    match = _PERIOD.fullmatch((text or "").strip())
    if not match:
        raise BadPeriod("请选择通报期间：月份如 2026-11，季度如 2026-Q4。")
    year = int(match[1])
    if year < 2000:
        raise BadPeriod("通报期间的年份不正确。")
    period = month_period(year, int(match[2])) if match[2] else quarter_period(year, int(match[3]))
    if period.end >= today:
        raise BadPeriod(f"{period.label}尚未结束，只能通报已结束的月份或季度。")
    return period


def last_complete_month(today: date) -> Period:
    """The month before this one: the default period of a bulletin."""
    previous = today.replace(day=1) - timedelta(days=1)
    return month_period(previous.year, previous.month)


def recent_periods(today: date) -> list[Period]:
    """The last twelve finished months and the last four finished quarters, newest first."""
    months, day = [], today.replace(day=1)
    for _ in range(12):
        day = day - timedelta(days=1)
        months.append(month_period(day.year, day.month))
        day = day.replace(day=1)
    quarters, year, quarter = [], today.year, (today.month - 1) // 3
    for _ in range(4):
        if quarter == 0:
            year, quarter = year - 1, 4
        quarters.append(quarter_period(year, quarter))
        quarter -= 1
    return months + quarters


@dataclass
class HomeGroup:
    """The members one home organisation will hear about, and its bulletin if already sent."""

    home_org: Organisation
    members: list[dict] = field(default_factory=list)
    sent: Bulletin | None = None


def _quota(member: User) -> int:
    key = "CADRE_QUOTA_HOURS" if member.is_cadre else "ANNUAL_QUOTA_HOURS"
    return int(current_app.config[key])


def bulletin_preview(org: Organisation, period: Period) -> list[HomeGroup]:
    """The snapshot a host organisation would send for the period, grouped by home organisation."""
    hosted = covers(org, "host")
    rows = db.session.execute(
        select(User, YearProgress)
        .outerjoin(
            YearProgress,
            and_(YearProgress.member_id == User.id, YearProgress.year == period.start.year),
        )
        .where(hosted, User.home_org_id.is_not(None))
        .options(selectinload(User.home_org), selectinload(User.host_org))
        .order_by(User.home_org_id, User.name, User.id)
    ).all()
    notes: dict[int, list[dict]] = {}
    for note in db.session.scalars(
        select(ManagementNote)
        .where(
            ManagementNote.member_id.in_(select(User.id).where(hosted)),
            # The host side: this organisation, its branches, and the committees above it
            # (a work committee's staff file notes under the committee, not the branch).
            or_(
                ManagementNote.org_id.in_(subtree_ids(org)),
                ManagementNote.org_id.in_([int(i) for i in org.path.strip("/").split("/")]),
            ),
            ManagementNote.occurred_on >= period.start,
            ManagementNote.occurred_on <= period.end,
        )
        .options(selectinload(ManagementNote.org))
        .order_by(ManagementNote.occurred_on, ManagementNote.id)
    ):
        notes.setdefault(note.member_id, []).append(
            {"date": note.occurred_on.isoformat(), "org": note.org.name, "body": note.body}
        )
    sent = {
        b.home_org_id: b
        for b in db.session.scalars(
            select(Bulletin).where(
                Bulletin.host_org_id == org.id,
                Bulletin.period_start == period.start,
                Bulletin.period_end == period.end,
            )
        )
    }
    groups: dict[int, HomeGroup] = {}
    for member, progress in rows:
        group = groups.get(member.home_org_id)
        if group is None:
            group = groups[member.home_org_id] = HomeGroup(
                member.home_org, sent=sent.get(member.home_org_id)
            )
        in_period = (
            sum((getattr(progress, f"m{m}") for m in period.months), Decimal(0))
            if progress
            else Decimal(0)
        )
        group.members.append(
            {
                "member_id": member.id,
                "name": member.name,
                "membership_no": member.membership_no or "",
                "host_org": member.host_org.name if member.host_org else "",
                "current_city": member.current_city or "",
                "period_hours": format_hours(in_period),
                "year_hours": format_hours(progress.hours if progress else 0),
                "quota": _quota(member),
                "courses_completed": progress.courses_completed if progress else 0,
                "notes": notes.get(member.id, []),
            }
        )
    return sorted(groups.values(), key=lambda g: (g.home_org.path, g.home_org.id))


@dataclass(frozen=True)
class SendResult:
    """The bulletins created now and those that had been sent before."""

    sent: list[Bulletin]
    already: list[Bulletin]


def home_recipients(home: Organisation) -> list[User]:
    """Secretaries and organisers of the home organisation and of its parent."""
    org_ids = [home.id] + ([home.parent_id] if home.parent_id else [])
    return list(
        db.session.scalars(
            select(User)
            .join(StaffGrant, StaffGrant.user_id == User.id)
            .where(StaffGrant.org_id.in_(org_ids), StaffGrant.role.in_(MANAGING_ROLES))
            .distinct()
        )
    )


def send_bulletins(
    sender: User,
    org: Organisation,
    period: Period,
    link: Callable[[Bulletin], str],
    now: datetime | None = None,
) -> SendResult:
    """Send the period's bulletin to each home organisation that has not had it yet."""
    now = now or utcnow()
    # Two clicks on 发送 queue here; the second then finds the first one's bulletins.
    db.session.execute(select(Organisation.id).where(Organisation.id == org.id).with_for_update())
    groups = bulletin_preview(org, period)
    if not groups:
        raise NothingToReport()
    already = [g.sent for g in groups if g.sent is not None]
    created = []
    for group in groups:
        if group.sent is not None:
            continue
        bulletin = Bulletin(
            host_org_id=org.id,
            home_org_id=group.home_org.id,
            period_label=period.label,
            period_start=period.start,
            period_end=period.end,
            body={
                "host_org": org.name,
                "home_org": group.home_org.name,
                "period": period.label,
                "members": group.members,
            },
            member_count=len(group.members),
            sent_by_id=sender.id,
            sent_at=now,
        )
        try:
            with db.session.begin_nested():
                db.session.add(bulletin)
        except IntegrityError:  # sent by a request that did not wait for the lock
            continue
        text = f"{org.name}发来{period.label}流动党员定期通报（{len(group.members)} 人）"
        notify(home_recipients(group.home_org), "bulletin", text, link(bulletin), exclude=sender)
        created.append(bulletin)
    if not created:
        raise AlreadySent(min(b.sent_at for b in already) if already else now)
    return SendResult(created, already)


def sent_from(org: Organisation, limit: int = 50) -> list[Bulletin]:
    """The bulletins this organisation sent, newest first."""
    return list(
        db.session.scalars(
            select(Bulletin)
            .where(Bulletin.host_org_id == org.id)
            .options(selectinload(Bulletin.home_org))
            .order_by(Bulletin.sent_at.desc(), Bulletin.id.desc())
            .limit(limit)
        )
    )


def received(org: Organisation, page: int = 1) -> tuple[list[Bulletin], int]:
    """One page of the bulletins sent to the organisation's subtree, newest first, and the total."""
    mine = Bulletin.home_org_id.in_(subtree_ids(org))
    total = db.session.scalar(select(func.count()).select_from(Bulletin).where(mine)) or 0
    rows = db.session.scalars(
        select(Bulletin)
        .where(mine)
        .options(selectinload(Bulletin.host_org), selectinload(Bulletin.home_org))
        .order_by(Bulletin.sent_at.desc(), Bulletin.id.desc())
        .limit(PER_PAGE)
        .offset((max(page, 1) - 1) * PER_PAGE)
    )
    return list(rows), total


def open_bulletin(viewer: User, bulletin: Bulletin, now: datetime | None = None) -> bool:
    """Mark the bulletin read the first time a home-side staff member opens it; True if now."""
    if bulletin.read_at is not None or not is_home_reader(viewer, bulletin):
        return False
    bulletin.read_at = now or utcnow()
    db.session.flush()
    return True
