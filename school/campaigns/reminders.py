"""Reminding members behind on a campaign: by staff from the report, and daily by a command at
the campaign's configured points (days before the deadline).

The school's rule is one reminder per member per week, whoever sends it. That rule and its
record belong to the reports' overdue list (``school.reports.overdue``), a higher layer; it
registers them here from ``create_app`` (``ledger``), so there is one rule, not two.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from school.auth.models import User
from school.campaigns.models import Campaign
from school.campaigns.progress import behind
from school.clock import local_today
from school.db import db, utcnow
from school.notifications.services import notify
from school.orgs.models import Organisation
from school.orgs.scope import covers

# (org, member ids as a SELECT, now) -> ids reminded within the week; takes the tree's lock.
Recent = Callable[[Organisation, object, datetime], set[int]]
# (member, org, sender, reason, now) -> None
Record = Callable[[User, Organisation, User, str, datetime], None]


class ReminderLedger:
    """Where the weekly rule lives: registered once by the reports from ``create_app``."""

    def __init__(self) -> None:
        self._recent: Recent | None = None
        self._record: Record | None = None

    def register(self, recent: Recent, record: Record) -> None:
        self._recent, self._record = recent, record

    def recent(self, org: Organisation, ids, now: datetime) -> set[int]:
        if self._recent is None:
            raise RuntimeError("no reminder ledger registered (create_app registers it)")
        return self._recent(org, ids, now)

    def record(self, member: User, org: Organisation, sender: User, reason: str, now) -> None:
        if self._record is None:
            raise RuntimeError("no reminder ledger registered (create_app registers it)")
        self._record(member, org, sender, reason, now)


ledger = ReminderLedger()


@dataclass(frozen=True)
class RemindResult:
    """How many members a reminder reached and how many had one already this week."""

    sent: int
    skipped: int


def reminder_text(campaign: Campaign, today) -> str:
    """What the member reads: the campaign, its deadline and what to do."""
    days = (campaign.deadline - today).days
    when = f"还剩 {days} 天" if days > 0 else "今天截止" if days == 0 else f"已逾期 {-days} 天"
    return (
        f"专题教育活动《{campaign.title}》将于 {campaign.deadline:%Y-%m-%d} 截止（{when}），"
        "您还没有完成。请抽时间登录网上党校学习。"
    )


def remind(
    sender: User,
    campaign: Campaign,
    org: Organisation | None,
    url: str,
    now: datetime | None = None,
) -> RemindResult:
    """Remind the campaign's members over ``org`` (None: all it targets) who have not finished,
    skipping those reminded in the last week (by anyone), and record each reminder."""
    now = now or utcnow()
    today = local_today(now)
    who = [behind(campaign, today)]
    if org is not None:
        who.append(covers(org))
    org = org or campaign.org
    ids = select(User.id).where(*who)
    recent = ledger.recent(org, ids, now)
    members = db.session.scalars(select(User).where(*who).order_by(User.id)).all()
    text = reminder_text(campaign, today)
    sent = 0
    for member in members:
        if member.id in recent:
            continue
        notify([member], "reminder", text, url)
        ledger.record(member, org, sender, text[:200], now)
        sent += 1
    db.session.flush()
    return RemindResult(sent, len(recent))


def due_today(now: datetime | None = None) -> list[Campaign]:
    """Launched campaigns whose deadline is one of their reminder points away today."""
    today = local_today(now)
    found = db.session.scalars(
        select(Campaign)
        .where(Campaign.status == "launched", Campaign.deadline >= today)
        .order_by(Campaign.id)
    ).all()
    return [c for c in found if (c.deadline - today).days in c.reminder_points]


def remind_due(url_for_campaign: Callable[[Campaign], str], now: datetime | None = None):
    """The daily run: each campaign at a reminder point today reminds everyone it targets who
    has not finished, in the name of whoever launched it. Running twice a day sends nothing
    twice: the weekly rule skips those reminded a moment ago."""
    now = now or utcnow()
    results = []
    for campaign in due_today(now):
        sender = campaign.launched_by or campaign.created_by
        results.append((campaign, remind(sender, campaign, None, url_for_campaign(campaign), now)))
    return results
