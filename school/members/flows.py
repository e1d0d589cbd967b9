"""Flow events: a member's movements as a transition table; the profile holds where they are.

A member is at home (not floating), away without a host (floating, no host organisation yet) or
away at a host. Each kind of event requires the preconditions below, checked in this order (the
first that fails refuses the event with its RegistryError), then changes the member::

    kind         preconditions                      effect                          event
    flow_out     not floating; org is not home      floating since the date, the    home → org
                                                    note as reason, city given or
                                                    org's; host = org if given
    arrive       floating; org given; no host;      host = org; city given, or      host → org
                 org is not home                    org's, or unchanged
    change_host  floating; org given; org is not    as arrive                       host → org
                 the host; org is not home
    return       floating                           settled: not floating, no host  host → home
                                                    and nothing of the time away
    transfer     org given; org is not home         home = org; settled if org is   home → org
                                                    the host

Before any of these: the kind is known, the date given and not in the future, city and note not
too long, and the organisation given (org) not closed. The event keeps the city given, else the
member's city after the change. Nothing here commits.

A transfer is refused while a transfer request waits for the member. Staff record one directly
only where ``check_direct_move`` allows (they manage both the member's home and the organisation
joined); a move anywhere else is a request that the receiving side accepts
(``school/members/transfers.py``), which then records the transfer here in its own name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from school import events
from school.auth.models import User
from school.db import db
from school.members.models import FlowEvent, Transfer
from school.members.permissions import can_move_directly, can_request_transfer
from school.members.services import RegistryError, _not_future, _text
from school.orgs.models import Organisation

_HOST_AT_HOME = "流入地党组织不能是流出地党组织本身。"
_NOT_FLOATING = "该党员不是流动党员，请先记录“外出流动”。"
_NO_HOST_GIVEN = "请填写流入地党组织。"


@dataclass(frozen=True)
class Move:
    """One event being recorded: the member, where they were before it, and what was entered."""

    member: User
    home: Organisation | None
    host: Organisation | None
    to_org: Organisation | None
    occurred_on: date
    city: str | None
    note: str


@dataclass(frozen=True)
class Rule:
    """A precondition: ``refuses`` the event with ``message`` (a str.format over ``move``)."""

    refuses: Callable[[Move], bool]
    message: str


# The organisations an event is from and to.
FromTo = tuple[Organisation | None, Organisation | None]
# An effect changes the member and returns where the event is from and to.
Effect = Callable[[Move], FromTo]


@dataclass(frozen=True)
class Flow:
    """One kind of flow event: its preconditions in the order checked, and its effect."""

    rules: tuple[Rule, ...]
    effect: Effect


def _settle(member: User) -> None:
    member.is_floating = False
    member.host_org = None
    member.current_city = None
    member.flowed_out_on = None
    member.flow_reason = None


def _flow_out(move: Move) -> FromTo:
    member, host = move.member, move.to_org
    member.is_floating = True
    member.flowed_out_on = move.occurred_on
    member.flow_reason = move.note or None
    member.current_city = move.city or (host.city if host else None)
    if host is not None:
        member.host_org = host
    return move.home, host


def _join_host(move: Move) -> FromTo:
    member, host = move.member, move.to_org
    member.host_org = host
    member.current_city = move.city or host.city or member.current_city
    return move.host, host


def _return(move: Move) -> FromTo:
    _settle(move.member)
    return move.host, move.home


def _transfer(move: Move) -> FromTo:
    # The membership moves; the archive is keyed by member and goes with it.
    member, home = move.member, move.to_org
    member.home_org = home
    if member.is_floating and home == move.host:
        _settle(member)  # joined the host organisation: no longer away from home
    return move.home, home


def _floating(move: Move) -> bool:
    return move.member.is_floating


def _settled(move: Move) -> bool:
    return not move.member.is_floating


def _no_org(move: Move) -> bool:
    return move.to_org is None


def _has_host(move: Move) -> bool:
    return move.host is not None


def _same_host(move: Move) -> bool:
    return move.to_org == move.host


def _to_home(move: Move) -> bool:
    return move.to_org is not None and move.to_org == move.home


FLOWS: dict[str, Flow] = {
    "flow_out": Flow(
        (
            Rule(_floating, "该党员已是流动党员；到了新地方请记录“变更流入地”。"),
            Rule(_to_home, _HOST_AT_HOME),
        ),
        _flow_out,
    ),
    "arrive": Flow(
        (
            Rule(_settled, _NOT_FLOATING),
            Rule(_no_org, _NO_HOST_GIVEN),
            Rule(_has_host, "该党员已在“{move.host.name}”报到；换地方请记录“变更流入地”。"),
            Rule(_to_home, _HOST_AT_HOME),
        ),
        _join_host,
    ),
    "change_host": Flow(
        (
            Rule(_settled, _NOT_FLOATING),
            Rule(_no_org, _NO_HOST_GIVEN),
            Rule(_same_host, "新的流入地与当前流入地相同。"),
            Rule(_to_home, _HOST_AT_HOME),
        ),
        _join_host,
    ),
    "return": Flow((Rule(_settled, "该党员不是流动党员，无需记录返回。"),), _return),
    "transfer": Flow(
        (
            Rule(_no_org, "请填写转入的党组织。"),
            Rule(_to_home, "转入组织与当前组织关系所在组织相同。"),
        ),
        _transfer,
    ),
}


def record_flow(
    actor: User,
    member: User,
    kind: str,
    occurred_on: date,
    to_org: Organisation | None = None,
    city: str | None = None,
    note: str = "",
) -> FlowEvent:
    """Apply one flow event to the member's profile and append it to their history."""
    flow = FLOWS.get(kind)
    if flow is None:
        raise RegistryError("请选择流动类型。")
    if occurred_on is None:
        raise RegistryError("请填写发生日期。")
    _not_future(occurred_on, "发生日期")
    city = _text(city, "城市", 50)
    note = _text(note, "说明", 200) or ""
    if to_org is not None and to_org.closed_at is not None:
        raise RegistryError(f"“{to_org.name}”已撤销，不能再转入。")
    move = Move(member, member.home_org, member.host_org, to_org, occurred_on, city, note)
    for rule in flow.rules:
        if rule.refuses(move):
            raise RegistryError(rule.message.format(move=move))
    if kind == "transfer" and _transfer_waiting(member):
        raise RegistryError("该党员有一份待接收的组织关系转接申请，请先撤回该申请。")
    source, target = flow.effect(move)
    event = append_event(
        actor, member.id, kind, occurred_on, source, target, city or member.current_city, note
    )
    db.session.flush()
    events.member_moved.send(member, flow=event)
    return event


def check_direct_move(actor: User, kind: str, member: User, to_org: Organisation | None) -> None:
    """Refuse a transfer that staff may not record on their own: the membership leaves only
    through its home organisation, and goes directly only to an organisation the actor manages
    too; elsewhere the receiving side must accept a request."""
    if kind != "transfer" or to_org is None:
        return
    if not can_request_transfer(actor, member):
        raise RegistryError("只有党员组织关系所在的党组织可以转出该党员。")
    if not can_move_directly(actor, member, to_org):
        raise RegistryError(
            f"“{to_org.name}”不在您管理的范围内：请在党员页面发起组织关系转接申请，"
            "由接收方党组织接收后转入。"
        )


def _transfer_waiting(member: User) -> bool:
    return (
        db.session.scalar(
            select(Transfer.id).where(Transfer.member_id == member.id, Transfer.state == "pending")
        )
        is not None
    )


def append_event(
    actor: User | None,
    member_id: int,
    kind: str,
    occurred_on: date,
    from_org: Organisation | None,
    to_org: Organisation | None,
    city: str | None,
    note: str,
) -> FlowEvent:
    """Add one event to the member's flow history as recorded by ``actor`` (not flushed)."""
    event = FlowEvent(
        member_id=member_id,
        kind=kind,
        occurred_on=occurred_on,
        from_org=from_org,
        to_org=to_org,
        city=city,
        note=note,
        recorded_by_id=actor.id if actor else None,
    )
    db.session.add(event)
    return event


def record_merge(
    source: Organisation,
    *,
    target: Organisation,
    home_member_ids: list[int],
    host_member_ids: list[int],
    on: date,
    note: str,
    by: User | None,
) -> None:
    """Subscriber of ``org_merged``: the merge moved these members, so their history says so.

    Home members were transferred to the target, hosted members changed host to it.
    """
    for kind, ids in (("transfer", home_member_ids), ("change_host", host_member_ids)):
        city = target.city if kind == "change_host" else None
        for member_id in ids:
            append_event(by, member_id, kind, on, source, target, city, note)
    db.session.flush()
