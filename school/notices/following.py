"""Following required reading: who of a notice's members read it, reminding the rest, and the
required notices whose read rate is low.

A read list is the notice's audience cut to the staff member's own subtrees (a branch secretary
follows their members through the city's notice; the city's staff see everyone it reached).
Reminders go in two statements however many members are behind (one INSERT … SELECT of the
messages, one of the record), at most one a member a notice a day: the record's key says so,
and the notice's row is locked while reminding so two tabs cannot both send.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    and_,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import selectinload

from school.auth.models import User
from school.clock import local_today, to_local
from school.db import UTCDateTime, db, utcnow
from school.notices.models import Notice, NoticeRead, NoticeReminder
from school.notices.services import NoticeError, audience, deadline_text, editable
from school.notifications.services import notify_all
from school.orgs.permissions import managed_orgs
from school.orgs.scope import covers
from school.spreadsheets import new_workbook, put_text, write_header

PER_PAGE = 50
SHOWS = ("all", "read", "unread")
# A required notice is behind when fewer than this share of its members have read it by half
# the time to its deadline, or by the deadline; it leaves the workbench this long after it.
LOW_RATE = 0.8
OVERDUE_SHOWN = timedelta(days=30)


@dataclass(frozen=True)
class Reader:
    """One member of a read list, with what the list shows of them."""

    member: User
    read_at: datetime | None

    @property
    def org_name(self) -> str:
        orgs = [o.name for o in (self.member.home_org, self.member.host_org) if o is not None]
        return " / ".join(orgs) or "—"


@dataclass(frozen=True)
class ReadersPage:
    readers: list[Reader]
    read: int
    unread: int
    page: int
    pages: int
    show: str
    reminded_today: int

    @property
    def total(self) -> int:
        return self.read + self.unread


@dataclass(frozen=True)
class Behind:
    """A required notice with its read rate, for the workbench and the staff overview."""

    notice: Notice
    read: int
    total: int
    low: bool

    @property
    def rate(self) -> float:
        return self.read / self.total if self.total else 1.0


def _followed(viewer: User, notice: Notice) -> ColumnElement[bool]:
    """A WHERE clause on User: the notice's members inside the viewer's own subtrees."""
    who = audience(notice.org)
    if viewer.is_admin:
        return who
    return and_(who, or_(*(covers(org) for org in managed_orgs(viewer))))


def _read_at(notice: Notice):
    return (
        select(NoticeRead.read_at)
        .where(NoticeRead.notice_id == notice.id, NoticeRead.user_id == User.id)
        .correlate(User)
        .scalar_subquery()
    )


def readers_page(
    viewer: User, notice: Notice, show: str = "all", page: int = 1, per_page: int = PER_PAGE
) -> ReadersPage:
    """One page of the notice's members in the viewer's subtrees (unread first, then by
    membership number), with how many have read it, how many not, and for required reading
    how many were reminded today (a few statements, whatever the number of members)."""
    show = show if show in SHOWS else "all"
    who = _followed(viewer, notice)
    read_at = _read_at(notice)
    counts = db.session.execute(select(func.count(User.id), func.count(read_at)).where(who)).one()
    total, read = counts[0] or 0, counts[1] or 0
    query = select(User, read_at).where(who)
    if show == "read":
        query, shown = query.where(read_at.is_not(None)), read
    elif show == "unread":
        query, shown = query.where(read_at.is_(None)), total - read
    else:
        shown = total
    pages = max(1, -(-shown // per_page))
    page = min(max(1, page), pages)
    rows = db.session.execute(
        query.options(selectinload(User.home_org), selectinload(User.host_org))
        .order_by(read_at.is_not(None), User.membership_no, User.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    readers = [Reader(member, at) for member, at in rows]
    reminded = _reminded_today(notice, who) if notice.required else 0
    return ReadersPage(readers, read, total - read, page, pages, show, reminded)


def readers_xlsx(viewer: User, notice: Notice) -> bytes:
    """The whole read list of the viewer's subtrees as a workbook (text never a formula)."""
    workbook, sheet = new_workbook("阅读情况")
    write_header(
        sheet,
        [("党员编号", 16), ("姓名", 12), ("所在党组织", 36), ("是否已读", 10), ("阅读时间", 20)],
    )
    read_at = _read_at(notice)
    rows = db.session.execute(
        select(User, read_at)
        .where(_followed(viewer, notice))
        .options(selectinload(User.home_org), selectinload(User.host_org))
        .order_by(read_at.is_not(None), User.membership_no, User.id)
    ).all()
    for index, (member, at) in enumerate(rows, start=2):
        reader = Reader(member, at)
        values = (
            member.membership_no,
            member.name,
            reader.org_name,
            "已读" if at else "未读",
            to_local(at).strftime("%Y-%m-%d %H:%M") if at else "",
        )
        for column, value in enumerate(values, start=1):
            put_text(sheet, index, column, value)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def remind_unread(sender: User, notice: Notice, now: datetime | None = None) -> int:
    """Remind the viewer's members who have not read a required notice, those not reminded of
    it today; returns how many were reminded (two statements however many they are)."""
    if not notice.required or not notice.is_published:
        raise NoticeError("只有已发布的必读通知可以提醒。")
    now = now or utcnow()
    today = local_today(now)
    # Two tabs (or a double tap) remind at once: the second waits here, then finds everyone
    # already reminded today.
    db.session.scalars(select(Notice.id).where(Notice.id == notice.id).with_for_update()).one()
    read = exists().where(NoticeRead.notice_id == notice.id, NoticeRead.user_id == User.id)
    reminded = exists().where(
        NoticeReminder.notice_id == notice.id,
        NoticeReminder.user_id == User.id,
        NoticeReminder.day == today,
    )
    who = and_(_followed(viewer=sender, notice=notice), ~read, ~reminded, User.id != sender.id)
    text = f"提醒：请于{deadline_text(notice.deadline)}前阅读必读通知“{notice.title}”"
    if notice.deadline < today:
        late = deadline_text(notice.deadline)
        text = f"提醒：必读通知“{notice.title}”已过阅读期限（{late}），请尽快阅读"
    count = notify_all(who, "notice", text, f"/notices/{notice.id}", exclude=sender)
    db.session.execute(
        insert(NoticeReminder).from_select(
            ["notice_id", "user_id", "day", "sent_by", "sent_at"],
            select(
                literal(notice.id, Integer),
                User.id,
                literal(today, Date),
                literal(sender.id, Integer),
                literal(now, UTCDateTime),
            ).where(who, User.active.is_(True)),
        )
    )
    return count


def _reminded_today(notice: Notice, who: ColumnElement[bool]) -> int:
    """How many of ``who`` were reminded of the notice today (by anyone)."""
    return (
        db.session.scalar(
            select(func.count(NoticeReminder.user_id))
            .join(User, User.id == NoticeReminder.user_id)
            .where(NoticeReminder.notice_id == notice.id, NoticeReminder.day == local_today(), who)
        )
        or 0
    )


def is_low(
    published_at: datetime | None, deadline: date | None, read: int, total: int, today: date
) -> bool:
    """Behind: under 80% read once half the time to the deadline has passed, or overdue."""
    if not total or deadline is None or published_at is None:
        return False
    published = local_today(published_at)
    halfway = published + (deadline - published) / 2
    return read / total < LOW_RATE and today >= halfway


def reads_of_notice():
    """The number of receipts of ``Notice`` as a correlated subquery."""
    return (
        select(func.count(NoticeRead.user_id))
        .where(NoticeRead.notice_id == Notice.id)
        .correlate(Notice)
        .scalar_subquery()
    )


def following_window(today: date) -> ColumnElement[bool]:
    """Required notices still followed: published, and their deadline at most 30 days past."""
    return and_(
        Notice.status == "published",
        Notice.required.is_(True),
        Notice.deadline >= today - OVERDUE_SHOWN,
    )


def required_notices(viewer: User, today: date | None = None) -> list[Behind]:
    """The published required notices the viewer may edit whose deadline is at most 30 days
    past, with their read rates, lowest first (two statements: theirs and their organisations)."""
    today = today or local_today()
    rows = db.session.execute(
        select(Notice, reads_of_notice())
        .where(following_window(today), editable(viewer))
        .options(selectinload(Notice.org))
        .order_by(Notice.deadline, Notice.id)
    ).all()
    behind = []
    for notice, read in rows:
        total = notice.audience_count or 0
        low = is_low(notice.published_at, notice.deadline, read or 0, total, today)
        behind.append(Behind(notice, read or 0, total, low))
    return sorted(behind, key=lambda b: (not b.low, b.rate))
