"""Aimed reminders from the overdue list: pick, write, preview, confirm, deliver.

1. **Pick** (``Audience``): the members ticked on the overdue list, or everyone on the filtered
   list (the filter is carried, not the ids, so "all" can be thousands over many pages).
2. **Write** (``check_template``): a message with placeholders (``PLACEHOLDERS``) filled in per
   member; unknown placeholders, an empty message or one over ``MESSAGE_LIMIT`` are refused.
3. **Preview** (``plan``): the count that would be reminded, how many are skipped because they
   had a reminder in the last ``REMIND_EVERY``, and the message rendered for the first few.
4. **Confirm** (``send``): under the organisation tree's lock the recipients are computed again.
   If the count differs from the one the confirmed page showed, nothing is sent and
   ``CountChanged`` carries the new plan to show again; so a confirm always covers exactly the
   recipients computed at that moment, and what the secretary agreed to. The form's ``token``
   makes a second submit of the same page find its batch (``AlreadySent``) instead of sending.
   Reminders (the weekly rule's record), in-app notifications and any email/SMS copies are
   inserted in bulk, a few statements for thousands of members.
5. **Deliver** (``deliver_queued``): email and SMS copies are queued in the confirm's
   transaction and handed to the senders (school/messaging.py) after it commits: in the same
   request for a small batch, otherwise by ``flask reminders deliver`` (run it from cron).

Services only flush; the view or the command commits.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Integer, String, case, exists, func, insert, literal, null, select

from school import messaging
from school.auth.models import User
from school.clock import local_today
from school.db import UTCDateTime, db, utcnow
from school.formatting import format_hours
from school.members.services import mask_phone
from school.notifications.services import fitted, notify_selected
from school.orgs.models import Organisation
from school.orgs.scope import covers
from school.reports.models import Reminder, ReminderBatch, ReminderDelivery
from school.reports.overdue import (
    REMIND_EVERY,
    Campaign,
    OverdueFilter,
    OverdueRow,
    completed_campaigns,
    due_campaigns,
    lock_tree,
    missing_campaigns,
    overdue_select,
    reminder_text,
    row_columns,
)
from school.reports.status import hours_tenths
from school.urls import absolute_url

MESSAGE_LIMIT = 200
# Ticks come from one page of the list; more than this is not a form a person filled in.
MAX_PICKED = 500
PREVIEW_COUNT = 3
# Runs of the deliverer that try a copy whose server cannot be reached before giving it up.
MAX_ATTEMPTS = 3
CHANNELS = {"inapp": "仅站内消息", "email": "站内消息 + 电子邮件", "sms": "站内消息 + 短信"}
STATES = {"queued": "待发送", "sent": "已发送", "failed": "发送失败"}
SUBJECT = "网上党校学习提醒"
PLACEHOLDERS = {
    "姓名": "党员姓名",
    "学习情况": "差多少学时、哪些专题未完成（按各人情况生成）",
    "已获学时": "今年已完成的学时",
    "要求学时": "年度要求学时",
    "差额": "还差的学时",
    "未完成专题": "未完成的专题学习（没有则为“无”）",
    "组织": "发出提醒的党组织",
}
DEFAULT_TEMPLATE = "{姓名}同志：{学习情况}。请抽时间登录网上党校学习。（{组织}）"
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_NO_ADDRESS = {"email": "未登记电子邮箱", "sms": "未登记手机号码"}


class ReminderError(ValueError):
    """A reminder that cannot be sent as asked; the message is for the secretary."""


class AlreadySent(ReminderError):
    """This confirm page was submitted before: its batch exists."""

    def __init__(self, batch: ReminderBatch) -> None:
        super().__init__("这次提醒已经发送过，没有重复发送。")
        self.batch = batch


class CountChanged(ReminderError):
    """The list changed since the preview: nothing was sent; confirm the new count."""

    def __init__(self, plan: Plan) -> None:
        now = (
            f"现在将提醒 {plan.count:,} 人，请再次确认。"
            if plan.count
            else "现在没有需要提醒的党员（可能刚有人发出了提醒）。"
        )
        super().__init__(f"名单在预览后有变化，尚未发送。{now}")
        self.plan = plan


# Ticks kept across the overdue list's pages (static/overdue-picks.js): their ids travel in
# the compose page's address, which a proxy or gunicorn (4,094 bytes) refuses beyond a few
# hundred; more than this are better reminded as the whole filtered list.
PICK_LIMIT = 100


@dataclass(frozen=True)
class Audience:
    """Who a reminder is aimed at: ticked members of the filtered list, or all of it."""

    filt: OverdueFilter
    # None: everyone on the filtered list.
    member_ids: tuple[int, ...] | None = None

    @classmethod
    def parse(cls, relation, floating, scope, ids) -> Audience:
        """From form values; ticked ids that are not numbers are dropped."""
        filt = OverdueFilter.parse(relation, floating)
        if scope == "all":
            return cls(filt)
        picked = sorted({int(i) for i in ids if str(i).isdigit()})
        return cls(filt, tuple(picked))

    @property
    def picked(self) -> bool:
        return self.member_ids is not None


@dataclass(frozen=True)
class Recipient:
    """One member a reminder goes to, with what the message says about them."""

    member_id: int
    name: str
    row: OverdueRow


@dataclass(frozen=True)
class Plan:
    """What a confirm would do now: how many are reminded and skipped, the first messages."""

    count: int
    skipped: int
    without_address: int
    previews: list[tuple[str, str]]


@dataclass(frozen=True)
class Delivered:
    """How many queued email/SMS copies went out, failed, or wait for the next run (their
    server could not be reached)."""

    sent: int
    failed: int
    waiting: int = 0


def check_template(text: str | None) -> str:
    """The message as it will be stored: stripped, not empty, within the limit, and with only
    known placeholders."""
    template = (text or "").strip().replace("\r\n", "\n")
    if not template:
        raise ReminderError("请填写提醒内容。")
    if len(template) > MESSAGE_LIMIT:
        raise ReminderError(f"提醒内容最多 {MESSAGE_LIMIT} 字，现在有 {len(template)} 字。")
    unknown = [name for name in _PLACEHOLDER.findall(template) if name not in PLACEHOLDERS]
    if unknown:
        known = "、".join("{" + name + "}" for name in PLACEHOLDERS)
        shown = "、".join("{" + name + "}" for name in dict.fromkeys(unknown))
        raise ReminderError(f"无法识别的占位符：{shown}。可以使用：{known}。")
    return template


def check_channel(channel: str | None) -> str:
    """The channel key; anything else is refused."""
    if channel not in CHANNELS:
        raise ReminderError("请选择提醒方式。")
    return channel


def render(template: str, row: OverdueRow, org: Organisation) -> str:
    """The template filled in for one member (already checked by ``check_template``)."""
    missing = "、".join(f"《{c.title}》（{c.deadline:%Y-%m-%d} 截止）" for c in row.missing)
    values = {
        "姓名": row.member.name,
        "学习情况": reminder_text(row).removesuffix("。请抽时间登录网上党校学习。"),
        "已获学时": format_hours(row.hours),
        "要求学时": str(row.quota),
        "差额": format_hours(row.short),
        "未完成专题": missing or "无",
        "组织": org.name,
    }
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], template)


class _Member:
    """The little of a member that a message names (no ORM object per recipient)."""

    __slots__ = ("id", "name")

    def __init__(self, member_id: int, name: str) -> None:
        self.id, self.name = member_id, name


def _recent(now: datetime):
    return exists().where(Reminder.member_id == User.id, Reminder.sent_at > now - REMIND_EVERY)


def _audience_select(org, audience: Audience, today, campaigns: list[Campaign], *columns):
    statement = overdue_select(org, audience.filt, today, campaigns, *columns)
    if audience.picked:
        statement = statement.where(User.id.in_(audience.member_ids))
    return statement


def _check_audience(org: Organisation, audience: Audience) -> None:
    if audience.picked:
        ids = audience.member_ids
        if not ids:
            raise ReminderError("请先勾选要提醒的党员，或选择提醒名单上的全部党员。")
        if len(ids) > MAX_PICKED:
            raise ReminderError(f"一次最多勾选 {MAX_PICKED} 人；更多请选择提醒名单上的全部党员。")
        # Ids outside what this organisation's staff may see: refused whole, naming nobody.
        inside = db.session.scalar(
            select(func.count()).select_from(User).where(User.id.in_(ids), covers(org))
        )
        if inside != len(ids):
            raise ReminderError("所选党员不在本组织的名单上，未发送任何提醒。")


def _recipients(
    org: Organisation, audience: Audience, now: datetime, limit: int | None = None
) -> list[Recipient]:
    today = local_today(now)
    campaigns = due_campaigns(today)
    statement = (
        _audience_select(
            org,
            audience,
            today,
            campaigns,
            User.id,
            User.name,
            *row_columns(today),
        )
        .where(~_recent(now))
        .order_by(hours_tenths(), User.name, User.id)
    )
    if limit is not None:
        statement = statement.limit(limit)
    result = db.session.execute(statement).all()
    done = completed_campaigns([r.id for r in result], campaigns, today) if campaigns else set()
    return [
        Recipient(
            r.id,
            r.name,
            OverdueRow(
                member=_Member(r.id, r.name),
                hours=Decimal(int(r.hours)) / 10,
                quota=int(r.quota) // 10,
                status=r.status,
                missing=missing_campaigns(r.id, campaigns, done) if campaigns else [],
            ),
        )
        for r in result
    ]


def plan(
    org: Organisation,
    audience: Audience,
    template: str,
    channel: str,
    now: datetime | None = None,
) -> Plan:
    """What confirming would do now: counts from SQL, the message for the first few members."""
    now = now or utcnow()
    _check_audience(org, audience)
    today = local_today(now)
    campaigns = due_campaigns(today)
    listed = _audience_select(org, audience, today, campaigns, User.id, User.email, User.phone)
    waiting = listed.where(~_recent(now)).subquery()
    counts = db.session.execute(
        select(
            func.count(),
            func.count().filter(waiting.c.email.is_(None)),
            func.count().filter(waiting.c.phone.is_(None)),
        ).select_from(waiting)
    ).one()
    skipped = (
        db.session.scalar(select(func.count()).select_from(listed.where(_recent(now)).subquery()))
        or 0
    )
    first = _recipients(org, audience, now, limit=PREVIEW_COUNT)
    without = {"email": counts[1], "sms": counts[2]}.get(channel, 0)
    return Plan(
        count=counts[0],
        skipped=skipped,
        without_address=without,
        previews=[(r.name, render(template, r.row, org)) for r in first],
    )


def send(
    sender: User,
    org: Organisation,
    audience: Audience,
    template: str,
    channel: str,
    token: str,
    expected: int | None,
    url: str,
    now: datetime | None = None,
) -> ReminderBatch:
    """Remind the audience now if its count is still ``expected``: one batch, a reminder and
    a notification per member, and a queued copy per member for email or SMS."""
    now = now or utcnow()
    template = check_template(template)
    channel = check_channel(channel)
    if not token or len(token) > 32:
        raise ReminderError("页面已过期，请重新预览后再发送。")
    # Senders in one tree queue behind each other: the weekly rule and the token see all.
    lock_tree(org)
    earlier = db.session.scalar(select(ReminderBatch).where(ReminderBatch.token == token))
    if earlier is not None:
        raise AlreadySent(earlier)
    _check_audience(org, audience)
    recipients = _recipients(org, audience, now)
    if expected is None or len(recipients) != expected:
        raise CountChanged(plan(org, audience, template, channel, now))
    if not recipients:
        raise ReminderError("名单上没有需要提醒的党员（本周已提醒过的不再提醒）。")
    skipped = (
        db.session.scalar(
            select(func.count()).select_from(
                _audience_select(
                    org, audience, local_today(now), due_campaigns(local_today(now)), User.id
                )
                .where(_recent(now))
                .subquery()
            )
        )
        or 0
    )
    batch = ReminderBatch(
        token=token,
        org_id=org.id,
        sent_by_id=sender.id,
        channel=channel,
        message=template,
        picked=audience.picked,
        recipients=len(recipients),
        skipped=skipped,
        created_at=now,
    )
    db.session.add(batch)
    db.session.flush()
    # Each member's text is written once, on their reminder; the notifications and the
    # email/SMS copies are then copied from those rows by the database (INSERT … SELECT).
    # executemany: pipelined by psycopg, a C loop in SQLite; several times faster than
    # multi-row VALUES statements, which SQLAlchemy compiles afresh each time.
    db.session.execute(
        insert(Reminder.__table__),
        [
            {
                "member_id": r.member_id,
                "org_id": org.id,
                "sent_by_id": sender.id,
                "reason": fitted(render(template, r.row, org)),
                "sent_at": now,
                "batch_id": batch.id,
            }
            for r in recipients
        ],
    )
    mine = select(Reminder.member_id, Reminder.reason).where(Reminder.batch_id == batch.id)
    notify_selected(mine, "reminder", url, now)
    if channel != "inapp":
        _queue(batch, channel, now)
    return batch


def _queue(batch: ReminderBatch, channel: str, now: datetime) -> None:
    """A copy per reminder of the batch, queued, or failed at once where there is no address
    (the in-app reminder is then all the member gets: the batch page says so)."""
    address = {"email": User.email, "sms": User.phone}[channel]
    missing = address.is_(None)
    copies = (
        select(
            Reminder.id,
            literal(channel, String),
            address,
            Reminder.reason,
            case((missing, "failed"), else_="queued"),
            case((missing, _NO_ADDRESS[channel]), else_=null()),
            literal(0, Integer),
            literal(now, UTCDateTime),
            case((missing, literal(now, UTCDateTime)), else_=null()),
        )
        .join(User, User.id == Reminder.member_id)
        .where(Reminder.batch_id == batch.id)
    )
    columns = [
        "reminder_id",
        "channel",
        "address",
        "body",
        "state",
        "error",
        "attempts",
        "created_at",
        "done_at",
    ]
    db.session.execute(insert(ReminderDelivery).from_select(columns, copies))


def queued_count(batch: ReminderBatch) -> int:
    """How many of the batch's email/SMS copies wait to be sent."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(ReminderDelivery)
            .join(Reminder, Reminder.id == ReminderDelivery.reminder_id)
            .where(Reminder.batch_id == batch.id, ReminderDelivery.state == "queued")
        )
        or 0
    )


def deliver_queued(
    config: Mapping[str, object],
    *,
    batch: ReminderBatch | None = None,
    limit: int = 200,
    now: datetime | None = None,
) -> Delivered:
    """Hand up to ``limit`` queued copies (of one batch, or any) to the configured senders and
    record each outcome. Rows are locked and skipped by a second deliverer (PostgreSQL).

    A refused address fails its copy at once. A server that cannot be reached leaves the
    channel's copies queued (with the error) for the next run, up to ``MAX_ATTEMPTS`` tries."""
    statement = (
        select(ReminderDelivery)
        .where(ReminderDelivery.state == "queued")
        .order_by(ReminderDelivery.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    if batch is not None:
        statement = statement.where(
            ReminderDelivery.reminder_id.in_(
                select(Reminder.id).where(Reminder.batch_id == batch.id)
            )
        )
    rows = list(db.session.scalars(statement))
    senders: dict[str, messaging.Sender] = {}
    # A channel whose server is unreachable: its copies stay queued for the next run.
    down: set[str] = set()
    sent = failed = waiting = 0
    try:
        for row in rows:
            if row.channel in down:
                waiting += 1
                continue
            row.attempts += 1
            try:
                if row.channel not in senders:
                    senders[row.channel] = messaging.sender_for(row.channel, config)
                senders[row.channel].send(_outgoing(row))
            except messaging.DeliveryError as exc:
                row.error = str(exc)[:200]
                if exc.transient and row.attempts < MAX_ATTEMPTS:
                    down.add(row.channel)
                    waiting += 1
                    continue
                row.state = "failed"
                failed += 1
            else:
                row.state, row.error = "sent", None
                sent += 1
            row.done_at = now or utcnow()
    finally:
        for one in senders.values():
            one.close()
    db.session.flush()
    return Delivered(sent, failed, waiting)


def _outgoing(row: ReminderDelivery) -> messaging.Outgoing:
    body = row.body
    if row.channel == "email":
        body += f"\n\n网上党校：{absolute_url('/')}"
    return messaging.Outgoing(row.channel, row.address or "", SUBJECT, body)


@dataclass(frozen=True)
class BatchLine:
    """One member of a batch: the in-app reminder and, if any, the email/SMS copy."""

    member_id: int
    name: str
    text: str
    channel: str | None
    address: str | None
    state: str | None
    error: str | None


def masked_address(channel: str | None, address: str | None) -> str:
    """An address with most of it hidden, for those who may not see members' contacts in full:
    138****5678, z***@example.cn."""
    if not address:
        return ""
    if channel == "sms":
        return mask_phone(address)
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"


def batch_lines(batch: ReminderBatch, page: int, per_page: int = 50) -> tuple[list, int]:
    """One page of a batch's members with each copy's delivery state, and how many in all."""
    total = (
        db.session.scalar(
            select(func.count()).select_from(Reminder).where(Reminder.batch_id == batch.id)
        )
        or 0
    )
    rows = db.session.execute(
        select(
            Reminder.member_id,
            User.name,
            Reminder.reason,
            ReminderDelivery.channel,
            ReminderDelivery.address,
            ReminderDelivery.state,
            ReminderDelivery.error,
        )
        .join(User, User.id == Reminder.member_id)
        .outerjoin(ReminderDelivery, ReminderDelivery.reminder_id == Reminder.id)
        .where(Reminder.batch_id == batch.id)
        .order_by(Reminder.id)
        .limit(per_page)
        .offset((max(page, 1) - 1) * per_page)
    ).all()
    return [BatchLine(*r) for r in rows], total


def batch_states(batch: ReminderBatch) -> dict[str, int]:
    """How many of the batch's email/SMS copies are queued, sent and failed."""
    rows = db.session.execute(
        select(ReminderDelivery.state, func.count())
        .join(Reminder, Reminder.id == ReminderDelivery.reminder_id)
        .where(Reminder.batch_id == batch.id)
        .group_by(ReminderDelivery.state)
    ).all()
    return {state: 0 for state in STATES} | dict(rows)


def batches_of(org: Organisation, page: int, per_page: int = 20) -> tuple[list, int]:
    """The reminders sent from this organisation, newest first, and how many in all."""
    mine = ReminderBatch.org_id == org.id
    total = db.session.scalar(select(func.count()).select_from(ReminderBatch).where(mine)) or 0
    rows = db.session.execute(
        select(ReminderBatch, User.name)
        .join(User, User.id == ReminderBatch.sent_by_id)
        .where(mine)
        .order_by(ReminderBatch.created_at.desc(), ReminderBatch.id.desc())
        .limit(per_page)
        .offset((max(page, 1) - 1) * per_page)
    ).all()
    return list(rows), total
