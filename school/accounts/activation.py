"""Activation slips (激活单): one-time passwords for accounts never used, printed in bulk.

A roster import creates accounts without a usable password. Staff choose some of them and print
a slip per member (name, username, a one-time password, a QR code of the login page); each
member logs in with it and must set their own password before anything else.

An account waits for activation while nobody has logged in with it (``last_login_at`` NULL). A
print:

* is all or nothing: it refuses, changing nothing, when no account is chosen, when more than
  ``MAX_PER_PRINT`` are, when any chosen id is not an account the staff member may change
  (``can_manage_account``; such ids are counted, never named), or when a chosen account has
  been used or is disabled (named: those are the staff member's own members);
* gives every chosen account a new one-time password (any slip printed before for it stops
  working), records the moment in ``activation_printed_at`` and one audit entry per account;
* returns the passwords, which are stored hashed only: the print is the one place they appear.

Nothing here commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import url_for
from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import selectinload

from school.accounts.services import AccountFilter, account_query
from school.auth import services as accounts
from school.auth.models import User
from school.clock import local_zone
from school.db import db, utcnow
from school.members.permissions import can_manage_account
from school.orgs import audit
from school.orgs.models import Organisation, StaffGrant
from school.orgs.permissions import manages_any
from school.page_parts import Tally

# Slips one print makes: eight to an A4 page, so 25 pages; and about a second of hashing.
MAX_PER_PRINT = 200
# A slip printed this long ago for an account still never used: the member may not have got it.
STALE_AFTER = timedelta(days=14)
# The largest id a form may name (ids are 32-bit integers on PostgreSQL).
_MAX_ID = 2**31 - 1
PRINTED_FILTERS = {"no": "还没有打印过", "yes": "已打印过"}


class ActivationRefused(ValueError):
    """The print cannot be made: nothing was changed. ``str()`` is the message for staff."""


@dataclass(frozen=True)
class PendingFilter:
    """What the list of accounts to activate is narrowed to; empty values mean "any"."""

    q: str = ""
    org: Organisation | None = None
    # Accounts created at or after this moment: "the accounts this import created".
    since: datetime | None = None
    printed: str = ""


@dataclass(frozen=True)
class Slip:
    """One printed slip: whose account and its one-time password (never stored in clear)."""

    member: User
    password: str
    # A slip had been printed for the account before: that one no longer works.
    replaces: datetime | None


def pending_query(viewer: User, filters: PendingFilter) -> Select[tuple[User]]:
    """Member accounts in the viewer's subtrees that nobody has logged in with, by name.

    Staff accounts are left to admins (a secretary may not reset a superior registered in their
    branch), and disabled accounts cannot log in anyway.
    """
    query = account_query(
        viewer, AccountFilter(q=filters.q, org=filters.org, role="member", status="never")
    ).where(User.active.is_(True))
    if not viewer.is_admin:
        query = query.where(~exists().where(StaffGrant.user_id == User.id))
    if filters.since is not None:
        query = query.where(User.created_at >= filters.since)
    if filters.printed == "no":
        query = query.where(User.activation_printed_at.is_(None))
    elif filters.printed == "yes":
        query = query.where(User.activation_printed_at.is_not(None))
    return query


def pending_members(viewer: User, filters: PendingFilter) -> list[User]:
    """Every account the list shows for these filters (all its pages), for a print of them all;
    refused when there are more than one print takes."""
    query = pending_query(viewer, filters)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    if total and total > MAX_PER_PRINT:
        raise ActivationRefused(
            f"筛选结果共 {total} 人，一次最多打印 {MAX_PER_PRINT} 张激活单；"
            "请缩小范围（例如按党组织）或勾选后分几次打印。没有生成任何密码。"
        )
    query = query.options(
        selectinload(User.home_org), selectinload(User.host_org), selectinload(User.staff_grants)
    )
    return list(db.session.scalars(query))


def members_by_ids(values: Iterable[str]) -> tuple[list[User], int]:
    """The accounts a form names, in name order, and how many of its ids name no account;
    refused before any lookup when it names more than one print takes."""
    ids = {int(v) for v in values if v.isdigit() and len(v) <= 10}
    if len(ids) > MAX_PER_PRINT:
        raise ActivationRefused(_too_many(len(ids)))
    if not ids:
        return [], 0
    members = list(
        db.session.scalars(
            select(User)
            .where(User.id.in_(sorted(i for i in ids if i <= _MAX_ID)))
            .options(
                selectinload(User.home_org),
                selectinload(User.host_org),
                selectinload(User.staff_grants),
            )
            .order_by(User.name, User.id)
        )
    )
    return members, len(ids) - len(members)


def _too_many(count: int) -> str:
    return (
        f"一次最多打印 {MAX_PER_PRINT} 张激活单，这次选了 {count} 人；"
        "请缩小范围或分几次打印。没有生成任何密码。"
    )


def print_slips(
    actor: User, members: list[User], *, unknown: int = 0, now: datetime | None = None
) -> list[Slip]:
    """Give each chosen account a new one-time password for its slip; all or nothing."""
    if not members and not unknown:
        raise ActivationRefused("请先勾选要打印激活单的党员。")
    if len(members) + unknown > MAX_PER_PRINT:
        raise ActivationRefused(_too_many(len(members) + unknown))
    outside = unknown + sum(1 for m in members if not can_manage_account(actor, m))
    if outside:
        # Counted, never named: an id typed into the form must not tell whose account it is.
        raise ActivationRefused(
            f"所选账号中有 {outside} 个不在您管理的范围内，没有打印任何激活单，也没有生成任何密码。"
        )
    used = [m.name for m in members if m.last_login_at is not None]
    if used:
        raise ActivationRefused(
            f"{'、'.join(used)} 已经登录过，账号已激活，不需要激活单（忘记密码请用“重置密码”）。"
            "没有打印任何激活单。"
        )
    disabled = [m.name for m in members if not m.active]
    if disabled:
        raise ActivationRefused(
            f"{'、'.join(disabled)} 的账号已停用，请先启用。没有打印任何激活单。"
        )
    now = now or utcnow()
    slips = []
    for member in members:
        replaces = member.activation_printed_at
        slips.append(Slip(member, accounts.set_one_time_password(member), replaces))
        member.activation_printed_at = now
        audit.account(
            actor, "account.activation", member, "（上一张激活单作废）" if replaces else ""
        )
    db.session.flush()
    return slips


def workbench_part(user: User, today: date) -> dict[str, Tally]:
    """For the staff workbench: accounts of the members they manage that were never activated;
    urgent are those whose slip was printed two weeks ago or more and still never used."""
    if not manages_any(user):
        return {}
    pending = pending_query(user, PendingFilter()).order_by(None).subquery()
    # Printed before the start of the local day two weeks back.
    stale_before = datetime.combine(today - STALE_AFTER, time(), local_zone())
    count, stale = db.session.execute(
        select(
            func.count(),
            func.count().filter(pending.c.activation_printed_at < stale_before),
        ).select_from(pending)
    ).one()
    return {
        "accounts_to_activate": Tally(
            label="账号未激活",
            count=count or 0,
            url=url_for("accounts.activation_list"),
            urgent=stale or 0,
        )
    }
