"""Handing a board item on (转办) and supervised deadlines (督办).

Staff who handle an item may forward it, with a reason, to the member's home or host
organisation or up the tree (admins anywhere): the receiving organisation's staff handle it
from then on and the forwarding side keeps read access and sees the outcome. A deadline set on
an item is supervised by the organisation above the one handling it, whose workbench shows the
item once it is overdue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from school.auth.models import User
from school.clock import local_today
from school.db import db, utcnow
from school.forum.models import Forward, Supervision, Thread
from school.forum.permissions import can_forward, can_supervise, manages, reads_as_staff
from school.forum.services import SIDES, ForumError, handlers, record_event, thread_url
from school.notifications.services import notify
from school.orgs.models import Organisation
from school.orgs.services import OrgError, lookup_org

FORWARD_REASON_MAX = 200
# A supervised deadline is a date within the coming year.
DEADLINE_MAX_DAYS = 366


@dataclass(frozen=True)
class ForwardTarget:
    org: Organisation
    label: str  # why it is offered: 流出地 / 流入地 / 上级


def forward_targets(thread: Thread) -> list[ForwardTarget]:
    """Where the item's handlers may hand it on: the member's home and host organisations and
    every organisation above the one handling it, never that one itself nor a closed one
    (admins may also name any other organisation)."""
    current = thread.org
    if current is None:
        return []
    author = thread.author
    offered = [
        (author.home_org, SIDES["home"]),
        (author.host_org, SIDES["host"]),
    ]
    above = current.line_ids[:-1]
    if above:
        by_id = {
            o.id: o
            for o in db.session.scalars(select(Organisation).where(Organisation.id.in_(above)))
        }
        offered += [(by_id[i], "上级") for i in reversed(above) if i in by_id]
    targets: list[ForwardTarget] = []
    for org, label in offered:
        if org is None or org.id == current.id or not org.is_open:
            continue
        if any(t.org.id == org.id for t in targets):
            continue
        targets.append(ForwardTarget(org, label))
    return targets


def find_target(user: User, org_id: int | None, code: str = "") -> Organisation | None:
    """The organisation a forward form names: by its id from the list, or (admins only) by a
    code or full name typed in. None: nothing chosen, or no such organisation."""
    code = (code or "").strip()
    if code:
        if not user.is_admin:
            raise ForumError("只有管理员可以转交给列表以外的党组织。")
        try:
            return lookup_org(code, user)
        except OrgError as exc:
            raise ForumError(str(exc)) from None
    return db.session.get(Organisation, org_id) if org_id else None


def parse_due(text: str | None) -> date | None:
    """A deadline as typed or picked (年-月-日); None when left empty."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ForumError("请按“年-月-日”填写督办期限，例如 2026-12-31。") from None


def _check_due(due_on: date, today: date) -> None:
    if due_on < today:
        raise ForumError("督办期限不能早于今天。")
    if due_on > today + timedelta(days=DEADLINE_MAX_DAYS):
        raise ForumError("督办期限最长一年。")


def _locked(thread: Thread) -> Thread:
    """The thread's row locked and read again (with its hops and deadline): two staff acting at
    once take turns, and the second sees what the first did."""
    locked = db.session.scalar(
        select(Thread)
        .where(Thread.id == thread.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    db.session.expire(locked, ["forwards", "supervision", "org"])
    return locked


def _supervisor(thread: Thread) -> Organisation:
    """Who watches a deadline set now: the organisation that last handed the item on, else the
    parent of the one handling it (the top of the tree watches itself)."""
    if thread.forwards:
        return thread.forwards[-1].from_org
    return thread.org.parent or thread.org


def _supervise(
    thread: Thread, user: User, org: Organisation, due_on: date, now: datetime
) -> Supervision:
    supervision = thread.supervision
    if supervision is None:
        supervision = Supervision(thread_id=thread.id)
        db.session.add(supervision)
    supervision.org_id, supervision.org = org.id, org
    supervision.due_on, supervision.set_by_id, supervision.set_at = due_on, user.id, now
    record_event(
        thread, user, "deadline", f"督办：{org.name}，{due_on:%Y-%m-%d} 前答复", internal=True
    )
    return supervision


def forward(
    user: User,
    thread: Thread,
    target: Organisation | None,
    reason: str,
    *,
    from_org_id: int | None = None,
    due_on: date | None = None,
    now: datetime | None = None,
) -> Forward:
    """Hand an open item to another organisation (转办), with a reason and, if given, a
    supervised deadline: its staff handle it from now (a new item to them: unassigned,
    unanswered), the organisations that handed it on keep reading it, and the member is told
    where it went. ``from_org_id`` is the handling organisation the form was shown with: a form
    sent twice hands the item on once, and a second forward at the same moment is refused."""
    now = now or utcnow()
    thread = _locked(thread)
    if not reads_as_staff(user, thread):
        raise ForumError("您不能转办这个事项。")
    if from_org_id is not None and thread.org_id != from_org_id:
        last = thread.forwards[-1] if thread.forwards else None
        if (
            last is not None
            and last.actor_id == user.id
            and last.from_org_id == from_org_id
            and target is not None
            and last.to_org_id == target.id
        ):
            return last  # the same form again: it was handed on already
        where = thread.org.name if thread.org is not None else "其他经办人"
        raise ForumError(f"这个事项刚刚已转交{where}办理，请刷新页面后再看。")
    if thread.org is None or thread.is_faq_copy:
        raise ForumError("只有交给党组织办理的事项可以转办。")
    if not thread.is_open:
        raise ForumError("事项已办结或已撤回，不能转办。")
    if not can_forward(user, thread):
        raise ForumError("您不能转办这个事项。")
    reason = " ".join((reason or "").split())
    if not reason:
        raise ForumError("请填写转办理由。")
    if len(reason) > FORWARD_REASON_MAX:
        raise ForumError(f"转办理由最多 {FORWARD_REASON_MAX} 个字。")
    if target is None:
        raise ForumError("请选择要转交的党组织。")
    source = thread.org
    if target.id == source.id:
        raise ForumError(f"这个事项已经由{source.name}办理，请选择其他党组织。")
    if not target.is_open:
        raise ForumError(f"{target.name}已撤销，不能转交。")
    if not user.is_admin and target.id not in {t.org.id for t in forward_targets(thread)}:
        raise ForumError("只能转交上级党组织，或提交人的流出地、流入地党组织。")
    if due_on is not None:
        _check_due(due_on, local_today(now))
        if thread.supervision is not None and not can_supervise(user, thread):
            held = thread.supervision
            raise ForumError(
                f"这个事项已由{held.org.name}督办（{held.due_on:%Y-%m-%d} 前答复），"
                "转办时不能另设期限。"
            )
    hop = Forward(
        thread_id=thread.id,
        from_org_id=source.id,
        to_org_id=target.id,
        actor_id=user.id,
        reason=reason,
        due_on=due_on,
        created_at=now,
    )
    db.session.add(hop)
    # The receiving organisation starts from the beginning: the answer deadline counts from
    # now, nobody of theirs is assigned yet, and it waits for them to accept it.
    thread.org = target
    thread.routed_at = thread.last_activity_at = now
    thread.first_reply_at = None
    thread.assignee_id = None
    thread.state = "pending" if thread.board == "qa" else "submitted"
    record_event(thread, user, "forward", f"转交{target.name}办理")
    db.session.flush()
    db.session.expire(thread, ["forwards"])
    if due_on is not None:
        _supervise(thread, user, source, due_on, now)
    # The member learns where the item is now, not why: the reason is written between
    # organisations and may judge the case or name others.
    notify(
        [thread.author],
        "state",
        f"您的{thread.board_label}“{thread.title}”已转交{target.name}办理",
        thread_url(thread),
        exclude=user,
    )
    notify(
        handlers(thread),
        "forwarded",
        f"{source.name}转来{thread.board_label}：{thread.title}",
        thread_url(thread),
        exclude=user,
    )
    db.session.flush()
    return hop


def set_deadline(
    user: User, thread: Thread, due_on: date | None, now: datetime | None = None
) -> None:
    """Set, move or (with None) lift an open item's supervised deadline (督办)."""
    now = now or utcnow()
    thread = _locked(thread)
    if thread.org is None or thread.is_faq_copy:
        raise ForumError("只有交给党组织办理的事项可以督办。")
    if not thread.is_open:
        raise ForumError("事项已办结或已撤回，不能督办。")
    if not can_supervise(user, thread):
        held = thread.supervision
        if held is not None and manages(user, thread):
            raise ForumError(f"督办期限由{held.org.name}设定，只有其工作人员可以更改。")
        raise ForumError("您不能为这个事项设定督办期限。")
    held = thread.supervision
    if due_on is None:
        if held is None:
            raise ForumError("请填写督办期限。")
        db.session.delete(held)
        record_event(thread, user, "deadline", "取消督办", internal=True)
    else:
        _check_due(due_on, local_today(now))
        if held is not None and held.due_on == due_on:
            return  # the same date again
        _supervise(thread, user, held.org if held else _supervisor(thread), due_on, now)
    db.session.flush()
    db.session.expire(thread, ["supervision"])


def forwards(thread: Thread) -> list[Forward]:
    """Every hop of the item, oldest first, with who handed it on."""
    return list(
        db.session.scalars(
            select(Forward)
            .where(Forward.thread_id == thread.id)
            .options(selectinload(Forward.actor))
            .order_by(Forward.id)
        )
    )
