"""Periodic reports home (定期通报): a host organisation tells each home organisation how the
floating members it hosts are studying, and the home side reads them.

The bulletin is built from the precomputed progress (YearProgress), never the raw completions,
and lists each member where they were at the end of its period: one sent late still counts a
member who has moved since at the organisations they had then (``member_months``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, selectinload

from school.archive.models import MemberMonth, YearProgress
from school.archive.services import quota_for
from school.auth.models import User
from school.db import db, utcnow
from school.formatting import format_hours, local_datetime
from school.members.models import ManagementNote
from school.notifications.services import notify
from school.orgs.models import Organisation
from school.orgs.scope import staff_of, subtree_ids, subtree_in
from school.reports.models import Bulletin
from school.reports.periods import Period
from school.reports.permissions import is_home_reader

PER_PAGE = 50


class BulletinError(ValueError):
    """A bulletin that cannot be sent; the message is shown to the user."""


class NothingToReport(BulletinError):
    """The organisation hosts no members to report on."""

    def __init__(self) -> None:
        super().__init__("本组织没有流入的党员，无需发送定期通报。")


class AlreadySent(BulletinError):
    """Every home organisation already has this period's bulletin."""

    def __init__(self, sent_at: datetime) -> None:
        self.sent_at = sent_at
        super().__init__(f"本期通报已于 {local_datetime(sent_at)} 发送，未重复发送。")


@dataclass
class HomeGroup:
    """The members one home organisation will hear about, and its bulletin if already sent."""

    home_org: Organisation
    members: list[dict] = field(default_factory=list)
    sent: Bulletin | None = None


def hosted_then(org: Organisation, period: Period) -> Select:
    """SELECT User, home_id, host_id: the members the organisation's subtree hosted at the end
    of the period, with their home and host organisations then (``member_months`` keeps where
    the members who have moved since were)."""
    kept = aliased(MemberMonth)
    was = kept.member_id.is_not(None)
    home = case((was, kept.home_org_id), else_=User.home_org_id)
    host = case((was, kept.host_org_id), else_=User.host_org_id)
    return (
        select(User, home.label("home_id"), host.label("host_id"))
        .outerjoin(kept, and_(kept.member_id == User.id, kept.month == period.end.replace(day=1)))
        .where(
            host.in_(subtree_in(org)),
            home.is_not(None),
            User.role != "admin",
            # Active now, or kept for then: a member disabled before the period ended has no
            # row for it (rows are written for the months finished when they moved).
            or_(was, User.active.is_(True)),
        )
    )


def bulletin_preview(org: Organisation, period: Period) -> list[HomeGroup]:
    """The snapshot a host organisation would send for the period, grouped by home organisation,
    with each member where they were at its end."""
    hosted = hosted_then(org, period)
    rows = db.session.execute(
        hosted.add_columns(YearProgress)
        .outerjoin(
            YearProgress,
            and_(YearProgress.member_id == User.id, YearProgress.year == period.start.year),
        )
        .order_by("home_id", User.name_key, User.name, User.id)
    ).all()
    ids = {r.home_id for r in rows} | {r.host_id for r in rows}
    found = db.session.scalars(select(Organisation).where(Organisation.id.in_(ids)))
    places = {o.id: o for o in found}
    notes: dict[int, list[dict]] = {}
    for note in db.session.scalars(
        select(ManagementNote)
        .where(
            ManagementNote.member_id.in_(hosted.with_only_columns(User.id)),
            # The host side: this organisation, its branches, and the committees above it
            # (a work committee's staff file notes under the committee, not the branch).
            or_(
                ManagementNote.org_id.in_(subtree_ids(org)),
                ManagementNote.org_id.in_(org.line_ids),
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
    for member, home_id, host_id, progress in rows:
        group = groups.get(home_id)
        if group is None:
            group = groups[home_id] = HomeGroup(places[home_id], sent=sent.get(home_id))
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
                "host_org": places[host_id].name,
                "current_city": member.current_city or "",
                "period_hours": format_hours(in_period),
                "year_hours": format_hours(progress.hours if progress else 0),
                "quota": quota_for(member),
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
    return list(db.session.scalars(staff_of(org_ids, managing=True)))


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
