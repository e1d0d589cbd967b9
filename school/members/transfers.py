"""Membership transfers (组织关系转接) that both sides agree to.

A request moves through these states, each step once and never undone::

    pending ──accept──▶ accepted    receiving side; the member's home moves to the branch chosen
       │ ──return──▶ returned       receiving side, with a reason
       └──withdraw─▶ withdrawn      sending side

``request_transfer`` files it from the member's home organisation (``from_org``) to any open
organisation (``to_org``); one request waits per member (a partial unique index too). Accepting
records the ``transfer`` flow event through ``flows.record_flow`` in the same transaction, so the
member's history, ``member_moved`` and the report rollups follow as for any move. Every step is
refused, with nothing changed, when the request is no longer pending (a second tab, a double
click: the row is locked and read again first), when the member's home is no longer the one it
was sent from, or when an organisation it names was closed or merged meanwhile.

Both sides and the member are told at each step (``notifications.notify``). The views check who
may act (``permissions``); nothing here commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask import url_for
from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from school.auth.models import User
from school.clock import local_today
from school.db import db, utcnow
from school.members import flows
from school.members.models import Transfer
from school.members.services import RegistryError
from school.notifications.services import notify
from school.orgs.models import MANAGING_ROLES, Organisation, StaffGrant
from school.orgs.scope import in_subtrees, read_roots
from school.page_parts import Tally

REASON_MAX = 200
# A request still waiting after this many days shows as overdue on the receiving side.
OVERDUE_DAYS = 30
LIST_LIMIT = 100
SEARCH_LIMIT = 20
# A receiving committee with more organisations below it than this is searched, not listed.
PLACEMENT_LIMIT = 200


class TransferError(RegistryError):
    """A transfer step that cannot be taken; the message is for the user."""


_DONE = {
    "accepted": "该申请已被接收，无需再处理。",
    "returned": "该申请已被退回，无需再处理。",
    "withdrawn": "该申请已被转出方撤回，无需再处理。",
}


def _reason(text: str | None, label: str, *, required: bool) -> str:
    value = (text or "").strip()
    if required and not value:
        raise TransferError(f"请填写{label}。")
    if len(value) > REASON_MAX:
        raise TransferError(f"{label}最多 {REASON_MAX} 个字。")
    return value


def _open(org: Organisation, role: str) -> None:
    if not org.is_open:
        merged = "已合并" if org.merged_into_id else "已撤销"
        raise TransferError(f"{role}“{org.name}”{merged}，不能再转入。")


def pending_for(member: User) -> Transfer | None:
    """The member's request still waiting for the receiving side, if any."""
    return db.session.scalar(
        select(Transfer).where(Transfer.member_id == member.id, Transfer.state == "pending")
    )


def request_transfer(actor: User, member: User, to_org: Organisation, reason: str) -> Transfer:
    """File a request to move the member's membership from their home to ``to_org``."""
    reason = _reason(reason, "转出原因", required=True)
    # Requests for one member are filed one at a time (PostgreSQL; SQLite has one writer).
    db.session.execute(select(User.id).where(User.id == member.id).with_for_update())
    db.session.refresh(member)
    home = member.home_org
    if home is None:
        raise TransferError("该党员还没有组织关系所在的党组织，无法转出。")
    _open(to_org, "接收党组织")
    if to_org.id == home.id:
        raise TransferError("接收党组织与当前组织关系所在党组织相同。")
    waiting = pending_for(member)
    if waiting is not None:
        raise TransferError(f"该党员已有一份待接收的转接申请（转往“{waiting.to_org.name}”）。")
    transfer = Transfer(
        member_id=member.id,
        from_org_id=home.id,
        to_org_id=to_org.id,
        reason=reason,
        requested_by_id=actor.id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(transfer)
            db.session.flush()
    except IntegrityError as error:  # another request got in first
        raise TransferError("该党员已有一份待接收的转接申请。") from error
    url = _url(transfer)
    notify(
        _managers(to_org),
        "transfer",
        f"{home.name}申请将党员{member.name}的组织关系转入{to_org.name}，请接收或退回。",
        url,
        exclude=actor,
    )
    notify(
        [member],
        "transfer",
        f"{home.name}已为您申请转接组织关系：转往{to_org.name}，待对方接收。",
        url_for("profile.mine") + "#transfers",
        exclude=actor,
    )
    return transfer


def refusal(transfer: Transfer) -> str:
    """Why a step on a request that is no longer pending is refused."""
    return _DONE.get(transfer.state, "")


def _lock(transfer: Transfer) -> None:
    """Lock the request's row and read it again: a step taken in another tab is seen here."""
    db.session.refresh(transfer, with_for_update=True)
    if not transfer.is_pending:
        raise TransferError(refusal(transfer))


def _decide(transfer: Transfer, actor: User, state: str, note: str) -> None:
    transfer.state = state
    transfer.decided_by_id = actor.id
    transfer.decided_at = utcnow()
    transfer.decision_note = note


def accept_transfer(
    actor: User,
    transfer: Transfer,
    placed: Organisation | None,
    note: str = "",
    today: date | None = None,
) -> Transfer:
    """Accept the request into ``placed`` (the receiving organisation or one below it): the
    member's home moves there today, recorded as a transfer by ``actor``."""
    _lock(transfer)
    note = _reason(note, "接收说明", required=False)
    member = transfer.member
    db.session.refresh(member)
    if placed is None:
        raise TransferError("请选择党员转入的党组织。")
    if not transfer.to_org.contains(placed):
        raise TransferError(f"只能转入“{transfer.to_org.name}”或其下级党组织。")
    _open(transfer.to_org, "接收党组织")
    _open(placed, "转入的党组织")
    if member.home_org_id != transfer.from_org_id:
        now = member.home_org.name if member.home_org else "未分配党组织"
        raise TransferError(
            f"该党员的组织关系已不在“{transfer.from_org.name}”（现在：{now}），申请已失效，请退回。"
        )
    _decide(transfer, actor, "accepted", note)
    transfer.placed_org_id = placed.id
    event = flows.record_flow(
        actor,
        member,
        "transfer",
        today or local_today(),
        placed,
        note=f"组织关系转接：{transfer.reason}"[:REASON_MAX],
    )
    transfer.flow_event_id = event.id
    db.session.flush()
    url = _url(transfer)
    notify(
        _sending_side(transfer),
        "transfer",
        f"{placed.name}已接收党员{member.name}的组织关系。",
        url,
        exclude=actor,
    )
    notify(
        [member],
        "transfer",
        f"您的组织关系已由{transfer.from_org.name}转入{placed.name}。",
        url_for("profile.mine") + "#transfers",
        exclude=actor,
    )
    return transfer


def return_transfer(actor: User, transfer: Transfer, reason: str) -> Transfer:
    """Return the request to the sending side with a reason; the member stays where they are."""
    _lock(transfer)
    reason = _reason(reason, "退回原因", required=True)
    _decide(transfer, actor, "returned", reason)
    db.session.flush()
    member = transfer.member
    notify(
        _sending_side(transfer),
        "transfer",
        f"{transfer.to_org.name}退回了党员{member.name}的组织关系转接申请：{reason}",
        _url(transfer),
        exclude=actor,
    )
    notify(
        [member],
        "transfer",
        f"您转往{transfer.to_org.name}的组织关系转接申请被退回：{reason}",
        url_for("profile.mine") + "#transfers",
        exclude=actor,
    )
    return transfer


def withdraw_transfer(actor: User, transfer: Transfer, note: str = "") -> Transfer:
    """Withdraw a request that is still pending (the sending side)."""
    _lock(transfer)
    note = _reason(note, "撤回说明", required=False)
    _decide(transfer, actor, "withdrawn", note)
    db.session.flush()
    member = transfer.member
    notify(
        _managers(transfer.to_org),
        "transfer",
        f"{transfer.from_org.name}撤回了党员{member.name}的组织关系转接申请。",
        _url(transfer),
        exclude=actor,
    )
    notify(
        [member],
        "transfer",
        f"您转往{transfer.to_org.name}的组织关系转接申请已撤回。",
        url_for("profile.mine") + "#transfers",
        exclude=actor,
    )
    return transfer


def _url(transfer: Transfer) -> str:
    return url_for("transfers.detail", transfer_id=transfer.id)


def _managers(org: Organisation) -> list[User]:
    """Who is told for an organisation: its own secretaries and organisers, else those of the
    nearest organisation above it that has some (not every committee up to the city)."""
    rows = db.session.execute(
        select(StaffGrant.org_id, User)
        .join(User, User.id == StaffGrant.user_id)
        .where(StaffGrant.org_id.in_(org.line_ids), StaffGrant.role.in_(MANAGING_ROLES))
    ).all()
    by_org: dict[int, list[User]] = {}
    for org_id, user in rows:
        by_org.setdefault(org_id, []).append(user)
    for org_id in reversed(org.line_ids):
        if org_id in by_org:
            return by_org[org_id]
    return []


def _sending_side(transfer: Transfer) -> list[User]:
    """The one who filed the request and the sending organisation's managers."""
    people = _managers(transfer.from_org)
    if transfer.requested_by is not None:
        people = [transfer.requested_by, *people]
    return people


# --- reading ----------------------------------------------------------------------------------


def _loaded(query: Select[tuple[Transfer]]) -> Select[tuple[Transfer]]:
    return query.options(
        selectinload(Transfer.member),
        selectinload(Transfer.from_org),
        selectinload(Transfer.to_org),
        selectinload(Transfer.placed_org),
        selectinload(Transfer.requested_by),
        selectinload(Transfer.decided_by),
    )


def history(member: User) -> list[Transfer]:
    """Every request about the member, newest first."""
    return list(
        db.session.scalars(
            _loaded(select(Transfer).where(Transfer.member_id == member.id)).order_by(
                Transfer.requested_at.desc(), Transfer.id.desc()
            )
        )
    )


def _side(user: User, columns, managing: bool) -> Select[tuple[Transfer]]:
    """Requests with an organisation in ``columns`` in a subtree the user reads (manages)."""
    query = select(Transfer)
    if user.is_admin:
        return query
    roots = read_roots(user, managing=managing)
    org = select(Organisation.id).where(in_subtrees(Organisation.path, roots))
    return query.where(or_(*[column.in_(org) for column in columns]))


def incoming_query(user: User, *, managing: bool = True) -> Select[tuple[Transfer]]:
    """Requests to organisations the user manages (or reads; admins: all), and those accepted
    into one of them."""
    return _side(user, (Transfer.to_org_id, Transfer.placed_org_id), managing)


def outgoing_query(user: User, *, managing: bool = True) -> Select[tuple[Transfer]]:
    """Requests from organisations the user manages (or reads; admins: all)."""
    return _side(user, (Transfer.from_org_id,), managing)


@dataclass(frozen=True)
class Lists:
    """The transfers page: what waits for the user, and what their side sent."""

    incoming: list[Transfer]
    outgoing: list[Transfer]


def lists(user: User) -> Lists:
    """Both sides' lists for the organisations the user reads, pending first, then the latest
    decided (``LIST_LIMIT`` each)."""
    order = (Transfer.state != "pending", Transfer.requested_at.desc(), Transfer.id.desc())

    def first(query: Select[tuple[Transfer]]) -> list[Transfer]:
        return list(db.session.scalars(_loaded(query).order_by(*order).limit(LIST_LIMIT)))

    return Lists(
        incoming=first(incoming_query(user, managing=False)),
        outgoing=first(outgoing_query(user, managing=False)),
    )


def placements(
    transfer: Transfer, text: str = "", limit: int | None = None
) -> tuple[list[tuple[int, str]], bool]:
    """The open organisations the receiving side may place the member in, as (id, label): the
    receiving organisation and everything below it (whose name contains ``text`` or whose code
    starts with it, if given), each named by its line from the receiving
    organisation down ("区委 › 一支部"); and whether there were more than ``limit``."""
    query = select(Organisation).where(
        Organisation.path.startswith(transfer.to_org.path, autoescape=True),
        Organisation.closed_at.is_(None),
    )
    limit = limit or PLACEMENT_LIMIT
    text = (text or "").strip()[:50]
    if text:
        query = query.where(
            Organisation.name.contains(text, autoescape=True)
            | Organisation.code.startswith(text, autoescape=True)
        )
    # The receiving organisation first, then those below it, nearer ones first.
    order = (func.length(Organisation.path), Organisation.name, Organisation.id)
    orgs = list(db.session.scalars(query.order_by(*order).limit(limit + 1)))
    more = len(orgs) > limit
    orgs = orgs[:limit]
    lines = org_lines(orgs)
    above = len(transfer.to_org.line_ids) - 1
    return [(org.id, " › ".join(lines[org.id].split(" › ")[above:])) for org in orgs], more


def search_orgs(text: str, limit: int = SEARCH_LIMIT) -> list[Organisation]:
    """Open organisations whose name contains ``text`` or whose code starts with it: the
    receiving organisation may be anywhere, so the search is not limited to the user's scope."""
    text = (text or "").strip()[:50]
    if not text:
        return []
    return list(
        db.session.scalars(
            select(Organisation)
            .where(
                Organisation.closed_at.is_(None),
                Organisation.name.contains(text, autoescape=True)
                | Organisation.code.startswith(text, autoescape=True),
            )
            .order_by(func.length(Organisation.name), Organisation.name, Organisation.id)
            .limit(limit)
        )
    )


def org_lines(orgs: list[Organisation]) -> dict[int, str]:
    """Each organisation's line from the top of the tree, "市委 › 区委 › 一支部", to tell
    namesakes apart (one statement for all of them)."""
    ids = {i for org in orgs for i in org.line_ids}
    stmt = select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids))
    names: dict[int, str] = {i: n for i, n in db.session.execute(stmt)}
    return {org.id: " › ".join(names.get(i, "?") for i in org.line_ids) for org in orgs}


# --- the staff workbench ----------------------------------------------------------------------


def waiting_counts(user: User, today: date) -> tuple[int, int]:
    """Requests waiting for the user's decision, and how many of them for over OVERDUE_DAYS."""
    cutoff = datetime.combine(today - timedelta(days=OVERDUE_DAYS), time.min, tzinfo=UTC)
    waiting = incoming_query(user).where(Transfer.state == "pending").subquery()
    total, late = db.session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((waiting.c.requested_at < cutoff, 1), else_=0)), 0),
        ).select_from(waiting)
    ).one()
    return int(total), int(late)


def workbench_part(user: User, today: date) -> dict[str, Tally]:
    """Transfer requests waiting for this staff member to accept or return."""
    if not (user.is_admin or read_roots(user, managing=True)):
        return {}
    count, late = waiting_counts(user, today)
    return {
        "transfers": Tally(
            "待接收的组织关系转接", count, url_for("transfers.index") + "#incoming", urgent=late
        )
    }
