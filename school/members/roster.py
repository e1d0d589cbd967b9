"""Roster import (名册导入): the dry run and the apply of a file read by roster_sheet.

The flow is the question bank's: download a template, upload, read a preview of what would
happen, confirm. The upload is kept under UPLOAD_DIR/roster until confirmed, and the confirm
checks everything again against the database as it is then.

Decisions:

* Headers are matched by name (trimmed, full-width characters folded), in any order. A header
  the importer does not know, a header given twice, or a missing required header stops the file:
  a guessed column would put data in the wrong field.
* The 党员编号 is the key: a row whose number exists updates that member, otherwise it creates
  one. An update changes only the columns present in the file, and only values that differ. An
  empty cell in a present column clears an optional field.
* 是否流动党员 left empty means 否, unless a 流入地党组织 is given: a member with a host
  organisation is floating. "否" together with a host organisation is an error.
* Organisations are found by 组织代码 first, then by an exact name among open organisations; a
  name shared by several organisations must be replaced by the code.
* Scope: the row's home or host organisation must be one the importer manages, and an existing
  member must be one the importer manages; the refusal for the latter says nothing else.
* New accounts get username = 党员编号, no usable password (an empty hash never verifies) and
  must change it: staff print activation slips for them (school/accounts/activation.py).
* Cells are read as values (``data_only``), never evaluated; text that starts with = + - @ is
  stored as text like any other.
* Nothing is written while any row is wrong, unless the importer asks for the good rows only.
* Speed: organisations and existing members are loaded up front in a few batched queries, new
  accounts and flow events are inserted with one executemany each, updates likewise by key.
* A member created floating gets the flow events an edit into floating records (外出流动 from
  home, on the 外出日期 when given, and 到达流入地报到 when a host is named), so every floating
  member's history starts the same way, whichever way they were registered.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, insert, select, update

from school.archive import rollups
from school.auth.models import User
from school.auth.names import name_key
from school.db import db, utcnow
from school.members.models import FlowEvent
from school.members.phones import PhoneError, normalise_phone
from school.members.roster_sheet import (
    BY_ATTR,
    BY_HEADER,
    FIELDS,
    Column,
    Sheet,
    cell_text,
    parse_date,
)
from school.orgs.models import Organisation
from school.orgs.permissions import manages

# Rows per IN (...) query: well under every database's limit on bound parameters.
BATCH = 500
NOTE = "名册导入"
_MEMBERSHIP_RE = re.compile(r"[A-Za-z0-9-]{1,32}")
_EARLIEST = date(1900, 1, 1)
_MAX_LENGTHS = {"name": 50, "current_city": 50, "flow_reason": 200, "certificate_no": 50}
_YES = {"是", "Y", "YES", "TRUE", "1"}
_NO = {"否", "N", "NO", "FALSE", "0"}
GENDERS = {"男": "male", "女": "female"}


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"第 {self.row} 行「{self.column}」：{self.reason}"


@dataclass
class Change:
    label: str
    old: str
    new: str


@dataclass
class RowPlan:
    """What one good row would do."""

    row: int
    membership_no: str
    name: str
    action: str  # create / update / unchanged
    values: dict[str, object]
    member_id: int | None = None
    changes: list[Change] = field(default_factory=list)


@dataclass
class Plan:
    """The dry run: every good row's effect and every problem, nothing written."""

    rows: list[RowPlan] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    bad_rows: int = 0
    headers: tuple[str, ...] = ()

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def creates(self) -> int:
        return self.count("create")

    @property
    def updates(self) -> int:
        return self.count("update")

    @property
    def unchanged(self) -> int:
        return self.count("unchanged")

    @property
    def changed_rows(self) -> list[RowPlan]:
        return [r for r in self.rows if r.action != "unchanged"]


@dataclass
class Result:
    created: int
    updated: int
    unchanged: int
    skipped: int
    events: int
    # The moment written as the new accounts' created_at: the list of accounts to activate
    # shows "this import" as the accounts created since then.
    imported_at: datetime | None = None


# --- the dry run -------------------------------------------------------------------------------


@dataclass
class _Orgs:
    by_id: dict[int, Organisation]
    by_code: dict[str, Organisation]
    by_name: dict[str, list[Organisation]]
    closed_names: set[str]

    @classmethod
    def load(cls) -> _Orgs:
        orgs = list(db.session.scalars(select(Organisation)))
        by_name: dict[str, list[Organisation]] = {}
        for org in orgs:
            if org.is_open:
                by_name.setdefault(org.name, []).append(org)
        return cls(
            by_id={o.id: o for o in orgs},
            by_code={o.code: o for o in orgs if o.code},
            by_name=by_name,
            closed_names={o.name for o in orgs if not o.is_open},
        )

    def find(self, text: str) -> tuple[Organisation | None, str]:
        org = self.by_code.get(text)
        if org is None:
            matches = self.by_name.get(text, [])
            if len(matches) > 1:
                return None, f"有 {len(matches)} 个党组织名为「{text}」，请改填组织代码"
            if not matches:
                if text in self.closed_names:
                    return None, f"党组织「{text}」已撤销或合并，请填写现在的党组织"
                return None, f"找不到党组织「{text}」，请填写组织代码或准确的全称"
            org = matches[0]
        if not org.is_open:
            return None, f"党组织「{text}」已撤销或合并，请填写现在的党组织"
        return org, ""


def _load_members(numbers: list[str]) -> dict[str, User]:
    found: dict[str, User] = {}
    for start in range(0, len(numbers), BATCH):
        chunk = numbers[start : start + BATCH]
        for user in db.session.scalars(select(User).where(User.membership_no.in_(chunk))):
            found[user.membership_no or ""] = user
    return found


def _taken_usernames(numbers: list[str]) -> dict[str, str | None]:
    """Lower-cased usernames already in use among these numbers, with their holder's number."""
    taken: dict[str, str | None] = {}
    lowered = sorted({n.lower() for n in numbers})
    for start in range(0, len(lowered), BATCH):
        chunk = lowered[start : start + BATCH]
        query = select(func.lower(User.username), User.membership_no).where(
            func.lower(User.username).in_(chunk)
        )
        taken.update((name, number) for name, number in db.session.execute(query))
    return taken


def _display(attr: str, value: object) -> str:
    if value is None or value == "":
        return "（空）"
    if isinstance(value, Organisation):
        return value.name
    if attr == "gender":
        return {"male": "男", "female": "女"}.get(str(value), str(value))
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


class _Checker:
    """Validates one row's cells into registry values, collecting problems."""

    def __init__(self, orgs: _Orgs, today: date, problems: list[Problem]):
        self.orgs = orgs
        self.today = today
        self.problems = problems
        self.row = 0
        self.ok = True

    def fail(self, attr: str, reason: str) -> None:
        self.problems.append(Problem(self.row, BY_ATTR[attr].header, reason))
        self.ok = False

    def values(self, row: int, cells: dict[str, object]) -> dict[str, object]:
        self.row, self.ok = row, True
        out: dict[str, object] = {}
        for header, raw in cells.items():
            column = BY_HEADER[header]
            value = self.one(column, raw)
            if value is not _BAD:
                out[column.attr] = value
        return out

    def one(self, column: Column, raw: object) -> object:
        attr = column.attr
        empty = raw is None or raw == ""
        if empty:
            if column.required:
                self.fail(attr, "必填，不能为空")
                return _BAD
            return None if attr != "is_floating" else _UNSET
        if attr in ("joined_party_on", "flowed_out_on"):
            return self.date(attr, raw)
        text = cell_text(raw)
        if attr == "membership_no":
            if not _MEMBERSHIP_RE.fullmatch(text):
                self.fail(attr, "只能包含字母、数字和连字符“-”，不超过 32 位")
                return _BAD
            return text
        if attr == "gender":
            if text not in GENDERS:
                self.fail(attr, f"应填“男”或“女”，而不是「{text}」")
                return _BAD
            return GENDERS[text]
        if attr == "phone":
            try:
                return normalise_phone(text)
            except PhoneError as error:
                self.fail(attr, str(error))
                return _BAD
        if attr in ("home_org", "host_org"):
            org, reason = self.orgs.find(text)
            if org is None:
                self.fail(attr, reason)
                return _BAD
            return org
        if attr == "is_floating":
            flag = unicodedata.normalize("NFKC", text).upper()
            if flag in _YES:
                return True
            if flag in _NO:
                return False
            self.fail(attr, f"应填“是”或“否”，而不是「{text}」")
            return _BAD
        limit = _MAX_LENGTHS[attr]
        if len(text) > limit:
            self.fail(attr, f"不能超过 {limit} 个字（现有 {len(text)} 个）")
            return _BAD
        return text

    def date(self, attr: str, raw: object) -> object:
        value = parse_date(raw)
        if value is None:
            self.fail(attr, f"「{cell_text(raw)}」不是有效日期，请写成 2001-07-01 这样的格式")
            return _BAD
        if value > self.today:
            self.fail(attr, f"日期 {value.isoformat()} 晚于今天")
            return _BAD
        if value < _EARLIEST:
            self.fail(attr, f"日期 {value.isoformat()} 太早，请检查")
            return _BAD
        return value


class _Sentinel:
    pass


_BAD = _Sentinel()
_UNSET = _Sentinel()


def _manages_any(importer: User, orgs: Iterable[Organisation | None], cache: dict) -> bool:
    for org in orgs:
        if org is None:
            continue
        if org.id not in cache:
            cache[org.id] = manages(importer, org)
        if cache[org.id]:
            return True
    return False


def plan_import(importer: User, sheet: Sheet, today: date) -> Plan:
    """The dry run: what every row would do and what is wrong, against the database as it is."""
    plan = Plan(headers=tuple(sheet.headers))
    orgs = _Orgs.load()
    numbers = [
        cell_text(cells.get("党员编号"))
        for _, cells in sheet.rows
        if cells.get("党员编号") not in (None, "")
    ]
    existing = _load_members(numbers)
    taken = _taken_usernames([n for n in numbers if n not in existing])
    checker = _Checker(orgs, today, plan.problems)
    first_row: dict[str, int] = {}
    scope_cache: dict[int, bool] = {}
    for row, cells in sheet.rows:
        values = checker.values(row, cells)
        number = values.get("membership_no")
        if isinstance(number, str):
            key = number.lower()
            if key in first_row:
                checker.fail("membership_no", f"党员编号 {number} 与第 {first_row[key]} 行重复")
            else:
                first_row[key] = row
        if not checker.ok or not isinstance(number, str):
            plan.bad_rows += 1
            continue
        member = existing.get(number)
        planned = _plan_row(importer, row, number, values, member, taken, scope_cache, checker)
        if planned is None:
            plan.bad_rows += 1
        else:
            plan.rows.append(planned)
    return plan


def _plan_row(
    importer: User,
    row: int,
    number: str,
    values: dict[str, object],
    member: User | None,
    taken: dict[str, str | None],
    scope_cache: dict[int, bool],
    checker: _Checker,
) -> RowPlan | None:
    # The member's organisations by id from the loaded tree: the staff rule (manages the home or
    # the host organisation) without two lazy loads per row.
    by_id = checker.orgs.by_id
    if member is not None and not _manages_any(
        importer, (by_id.get(member.home_org_id), by_id.get(member.host_org_id)), scope_cache
    ):
        checker.fail("membership_no", "该党员不在您管理的范围内")
        return None
    home = values["home_org"]
    has_host = "host_org" in values
    host = values["host_org"] if has_host else (by_id.get(member.host_org_id) if member else None)
    if not _manages_any(importer, (home, host), scope_cache):
        checker.fail("home_org", "组织关系所在党组织和流入地党组织都不在您管理的范围内")
        return None
    if host is not None and host is home:
        checker.fail("host_org", "流入地党组织不能与组织关系所在党组织相同")
        return None
    flag = values.pop("is_floating", None)
    if flag is _UNSET:  # the column is there, the cell empty: 否, unless there is a host
        flag = host is not None
    elif flag is None:  # no such column: a host makes the member floating; else keep as is
        flag = True if (has_host and host is not None) else (False if member is None else None)
    if flag is False and host is not None:
        reason = (
            "填写了流入地党组织的党员是流动党员，应填“是”"
            if has_host
            else "该党员现有流入地党组织；改为“否”时请加上“流入地党组织”列并留空"
        )
        checker.fail("is_floating", reason)
        return None
    if flag is not None:
        values["is_floating"] = flag
    if member is None:
        # The holder may be this very member, committed by a parallel import after the members
        # were loaded (each statement sees the latest commits): the insert then fails on the
        # unique constraint and the view asks to confirm again.
        if number.lower() in taken and taken[number.lower()] != number:
            checker.fail("membership_no", f"登录账号 {number} 已被其他账号使用，无法新建")
            return None
        return RowPlan(row, number, str(values["name"]), "create", values)
    changes = []
    for attr in FIELDS:
        if attr not in values:
            continue
        old, new = getattr(member, attr), values[attr]
        if attr in ("home_org", "host_org"):
            same = (old.id if old else None) == (new.id if isinstance(new, Organisation) else None)
        else:
            same = old == new
        if not same:
            changes.append(Change(BY_ATTR[attr].header, _display(attr, old), _display(attr, new)))
    return RowPlan(
        row,
        number,
        str(values["name"]),
        "update" if changes else "unchanged",
        values,
        member.id,
        changes,
    )


# --- the apply ---------------------------------------------------------------------------------


def _columns(values: dict[str, object]) -> dict[str, object]:
    out = {}
    for attr, value in values.items():
        if attr in ("home_org", "host_org"):
            out[f"{attr}_id"] = value.id if isinstance(value, Organisation) else None
        else:
            out[attr] = value
    if "name" in out:
        # A bulk UPDATE passes no ORM validator: the pinyin sort key changes with the name.
        out["name_key"] = name_key(str(out["name"]))
    return out


def apply_import(importer: User, plan: Plan, today: date) -> Result:
    """Write a plan's good rows: new accounts, changed fields, flow events. Only flushes."""
    now = utcnow()
    creates = [r for r in plan.rows if r.action == "create"]
    updates = [r for r in plan.rows if r.action == "update"]
    if creates:
        rows = []
        for r in creates:
            values = _columns(r.values)
            rows.append(
                {
                    "username": r.membership_no,
                    "name": r.name,
                    "password_hash": "",
                    "role": "member",
                    "is_cadre": False,
                    "active": True,
                    "must_change_password": True,
                    "created_at": now,
                    "membership_no": r.membership_no,
                    "gender": values.get("gender"),
                    "phone": values.get("phone"),
                    "joined_party_on": values.get("joined_party_on"),
                    "home_org_id": values["home_org_id"],
                    "host_org_id": values.get("host_org_id"),
                    "is_floating": bool(values.get("is_floating")),
                    "current_city": values.get("current_city"),
                    "flowed_out_on": values.get("flowed_out_on"),
                    "flow_reason": values.get("flow_reason"),
                    "certificate_no": values.get("certificate_no"),
                }
            )
        db.session.execute(insert(User), rows)
        created_ids = _ids_by_username([r["username"] for r in rows])
        rollups.move({}, rollups.keys_of(created_ids.values()))
    events: list[dict] = []
    for r in creates:
        # A floating newcomer's history starts with flowing out, as an edit into floating does.
        events.extend(_new_member_events(importer, created_ids[r.membership_no], r, today, now))
    if updates:
        members = _members_by_id([r.member_id for r in updates if r.member_id])
        # The bulk UPDATE below bypasses the session: the report rollups are moved here.
        before = rollups.keys_of(members)
        params = []
        for r in updates:
            member = members[r.member_id]
            events.extend(_events(importer, member, r.values, today, now))
            params.append({"id": r.member_id, **_columns(r.values)})
        # Grouped by the set of columns, each group one executemany keyed by id.
        groups: dict[tuple[str, ...], list[dict]] = {}
        for p in params:
            groups.setdefault(tuple(sorted(p)), []).append(p)
        for group in groups.values():
            db.session.execute(update(User), group)
        rollups.move(before, rollups.keys_of(members))
    if events:
        db.session.execute(insert(FlowEvent), events)
    db.session.flush()
    return Result(
        created=len(creates),
        updated=len(updates),
        unchanged=plan.unchanged,
        skipped=plan.bad_rows,
        events=len(events),
        imported_at=now,
    )


def _ids_by_username(usernames: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(usernames), BATCH):
        chunk = usernames[start : start + BATCH]
        rows = db.session.execute(select(User.username, User.id).where(User.username.in_(chunk)))
        found.update((username, member_id) for username, member_id in rows)
    return found


def _members_by_id(ids: list[int]) -> dict[int, User]:
    found: dict[int, User] = {}
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        found.update({m.id: m for m in db.session.scalars(select(User).where(User.id.in_(chunk)))})
    return found


def _event_maker(importer: User, member_id: int, city: str | None, today: date, now):
    """A function making the row of one flow event the import records for this member."""

    def event(kind: str, from_org: int | None, to_org: int | None, on: date = today) -> dict:
        return {
            "member_id": member_id,
            "kind": kind,
            "occurred_on": on,
            "from_org_id": from_org,
            "to_org_id": to_org,
            "city": city,
            "note": NOTE,
            "recorded_by_id": importer.id,
            "recorded_at": now,
        }

    return event


def _new_member_events(
    importer: User, member_id: int, planned: RowPlan, today: date, now
) -> list[dict]:
    """The flow events of a member created floating: flowing out from home (on the 外出日期 if
    the file has one), and arriving at the host if it names one; like an edit into floating."""
    new = _columns(planned.values)
    host = new.get("host_org_id")
    if not new.get("is_floating") and host is None:
        return []
    event = _event_maker(importer, member_id, new.get("current_city"), today, now)
    out = [event("flow_out", new["home_org_id"], None, new.get("flowed_out_on") or today)]
    if host is not None:
        out.append(event("arrive", None, host))
    return out


def _events(importer: User, member: User, values: dict, today: date, now) -> list[dict]:
    """The flow events an update implies: transfer, flow out, arrive, change host, return."""
    old_home = member.home_org_id
    old_host = member.host_org_id
    was_floating = member.is_floating or old_host is not None
    new = _columns(values)
    new_home = new.get("home_org_id", old_home)
    new_host = new.get("host_org_id", old_host)
    floating = new.get("is_floating", member.is_floating)
    now_floating = bool(floating) or new_host is not None
    city = new.get("current_city", member.current_city)
    event = _event_maker(importer, member.id, city, today, now)
    out = []
    if new_home != old_home:
        out.append(event("transfer", old_home, new_home))
    if not was_floating and now_floating:
        out.append(event("flow_out", new_home, None, new.get("flowed_out_on") or today))
        if new_host is not None:
            out.append(event("arrive", None, new_host))
    elif was_floating and not now_floating:
        out.append(event("return", old_host, new_home))
    elif now_floating and new_host != old_host:
        out.append(event("arrive" if old_host is None else "change_host", old_host, new_host))
    return out
