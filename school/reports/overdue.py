"""The overdue list (逾期名单): who is behind on the year's 学时 or a campaign, and the weekly
rule of reminders (school/reports/reminders.py sends them).

Everything here reads the precomputed progress (YearProgress, CourseProgress), never the raw
completions, so a district's list costs a handful of queries whatever its size.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import selectinload

from school.archive.models import CourseProgress, YearProgress
from school.auth.models import User
from school.campaigns import progress as campaign_progress
from school.clock import local_today
from school.courses.models import Course
from school.db import db
from school.formatting import format_hours
from school.members.services import shown_phone
from school.orgs.models import Organisation
from school.orgs.scope import RELATIONS, covers
from school.reports.models import Reminder
from school.reports.status import hours_tenths, quota_tenths, status_expr

PER_PAGE = 50
# A campaign course due within this many days is listed already, marked 即将到期.
SOON_DAYS = 14
# At most one reminder per member in this span, whichever organisation sends it.
REMIND_EVERY = timedelta(days=7)


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
    # "course": a course's front-matter deadline (a one-course campaign); "campaign": a launched
    # campaign (school.campaigns), whose own rules say who it targets and who has finished.
    kind: str = "course"
    # The launched campaign itself (its items and targets loaded), for kind "campaign".
    source: object = field(default=None, compare=False, repr=False)


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


def due_campaigns(today: date) -> list[Campaign]:
    """This year's published campaign courses that are overdue or due within SOON_DAYS, then
    the launched campaigns in the same window."""
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
    due = [Campaign(c.id, c.title, c.deadline, c.deadline < today) for c in courses]
    launched = campaign_progress.due_between(
        date(today.year, 1, 1), today + timedelta(days=SOON_DAYS)
    )
    return due + [
        Campaign(c.id, c.title, c.deadline, c.deadline < today, "campaign", c) for c in launched
    ]


def _courses(campaigns: list[Campaign]) -> list[Campaign]:
    return [c for c in campaigns if c.kind == "course"]


def _launched(campaigns: list[Campaign]):
    return [c.source for c in campaigns if c.kind == "campaign"]


def overdue_select(
    org: Organisation, filt: OverdueFilter, today: date, campaigns: list[Campaign], *columns
) -> Select:
    status = status_expr(today.year, today)
    behind = status.in_(("behind", "not_started"))
    launched = _launched(campaigns)
    campaigns = _courses(campaigns)
    if launched:
        behind = or_(behind, *[campaign_progress.behind(c, today) for c in launched])
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


def row_columns(today: date) -> tuple:
    return (
        hours_tenths().label("hours"),
        quota_tenths().label("quota"),
        status_expr(today.year, today).label("status"),
    )


def completed_campaigns(
    member_ids: list[int], campaigns: list[Campaign], today: date
) -> set[tuple]:
    """(member id, kind, id) of the campaigns each of these members has done (or is not in)."""
    done: set[tuple] = set()
    courses = _courses(campaigns)
    if courses:
        rows = db.session.execute(
            select(CourseProgress.member_id, CourseProgress.course_id).where(
                CourseProgress.member_id.in_(member_ids),
                CourseProgress.course_id.in_([c.id for c in courses]),
                CourseProgress.completed_at.is_not(None),
            )
        )
        done |= {(r.member_id, "course", r.course_id) for r in rows}
    launched = _launched(campaigns)
    if launched:
        for campaign in launched:
            unfinished = campaign_progress.unfinished_among(campaign, member_ids, today)
            done |= {(i, "campaign", campaign.id) for i in member_ids if i not in unfinished}
    return done


def missing_campaigns(member_id: int, campaigns: list[Campaign], done: set[tuple]):
    return [c for c in campaigns if (member_id, c.kind, c.id) not in done]


def listed(org: Organisation, filt: OverdueFilter, today: date, campaigns: list[Campaign]):
    """The overdue list in its order, fewest 学时 first: the page and the export read it."""
    return (
        overdue_select(org, filt, today, campaigns, User, *row_columns(today))
        .options(selectinload(User.home_org), selectinload(User.host_org))
        .order_by(hours_tenths(), User.name_key, User.name, User.id)
    )


def overdue_rows(viewer: User, result, campaigns: list[Campaign], today: date) -> list[OverdueRow]:
    """Rows of ``listed`` with the campaigns each member misses, their last reminder and the
    phone as the viewer may see it (two statements for the lot)."""
    ids = [r.User.id for r in result]
    done = completed_campaigns(ids, campaigns, today)
    reminded = dict(
        db.session.execute(
            select(Reminder.member_id, func.max(Reminder.sent_at))
            .where(Reminder.member_id.in_(ids))
            .group_by(Reminder.member_id)
        ).all()
    )
    return [
        OverdueRow(
            member=r.User,
            hours=Decimal(int(r.hours)) / 10,
            quota=int(r.quota) // 10,
            status=r.status,
            missing=missing_campaigns(r.User.id, campaigns, done),
            last_reminded=reminded.get(r.User.id),
            phone=shown_phone(viewer, r.User),
        )
        for r in result
    ]


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
                overdue_select(org, filt, today, campaigns, User.id).subquery()
            )
        )
        or 0
    )
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(page, 1), pages)
    result = db.session.execute(
        listed(org, filt, today, campaigns).limit(PER_PAGE).offset((page - 1) * PER_PAGE)
    ).all()
    rows = overdue_rows(viewer, result, campaigns, today)
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


def lock_tree(org: Organisation) -> None:
    # Reminders from the home and the host side of one member must see each other: every send
    # in a tree takes the lock on the tree's root row (SQLite serialises writers anyway).
    root_id = org.line_ids[0]
    db.session.execute(select(Organisation.id).where(Organisation.id == root_id).with_for_update())


def recently_reminded(org: Organisation, member_ids, now: datetime) -> set[int]:
    """The weekly rule: which of these members (ids or a SELECT of ids) were reminded within
    REMIND_EVERY, by anyone. Takes the tree's lock first, so two senders see each other.
    Campaign reminders (school.campaigns.reminders) go through this too."""
    lock_tree(org)
    return set(
        db.session.scalars(
            select(Reminder.member_id).where(
                Reminder.sent_at > now - REMIND_EVERY, Reminder.member_id.in_(member_ids)
            )
        )
    )


def record_reminder(
    member: User, org: Organisation, sender: User, reason: str, now: datetime
) -> None:
    """Record that ``member`` was reminded now: the next week of the rule starts here."""
    db.session.add(
        Reminder(
            member_id=member.id, org_id=org.id, sent_by_id=sender.id, reason=reason, sent_at=now
        )
    )
