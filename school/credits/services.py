"""Group credit: check a study and the members chosen for it, show the plan, then credit it.

A plan is made twice: for the preview, and again when the staff member confirms it (members,
organisations or the archive may have changed in between). Every row of it is one member:
credited now, already credited (by whom and when: that member is left out and the rest are
credited), or an error naming the row. A plan with any error credits no one.

Crediting writes one archive entry per member through ``archive.append_offline_many`` with the
dedupe key of the study (kind, organisation, day), so the same study is never credited twice
to one member, also when two organisers confirm the same list at the same moment: the second
credits only those the first had not, and says so.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation

from sqlalchemy import ColumnElement, and_, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from school.archive import services as archive
from school.archive.models import ArchiveEntry
from school.auth.models import User
from school.clock import local_zone
from school.credits.models import KINDS, CreditBatch, CreditBatchMember, kind_label
from school.credits.permissions import can_credit_for
from school.db import db, utcnow
from school.orgs import audit
from school.orgs.models import Organisation
from school.orgs.scope import covers, in_subtrees, read_roots

TITLE_MAX = 100
NOTE_MAX = 1000
MAX_HOURS = Decimal(24)
# A paste or a sheet names at most this many members: a city-wide meeting is not one batch.
MAX_ROWS = 2000
_SEPARATORS = re.compile(r"[\s,，、;；]+")


class CreditError(ValueError):
    """A study or a batch that cannot be credited; str(exc) is a message in Chinese."""


class AlreadyConfirmed(CreditError):
    """The preview was confirmed already (a double submission): the batch it made."""

    def __init__(self, batch_id: int) -> None:
        super().__init__("这份预览已经确认记入，不会重复记入。")
        self.batch_id = batch_id


# --- the study ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Study:
    """What was studied, checked: kind, title, day, 学时, the organisation that held it."""

    kind: str
    title: str
    held_on: date
    hours: Decimal
    org: Organisation
    note: str = ""

    @property
    def dedupe_key(self) -> str:
        """The same kind of study held by the same organisation on the same day is one study."""
        return f"group:{self.kind}:{self.org.id}:{self.held_on.isoformat()}"

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind)

    @property
    def entry_title(self) -> str:
        """The line in each member's archive: "三会一课·党课：…（一支部）"."""
        return f"{self.kind_label}：{self.title}（{self.org.name}）"[:200]

    @property
    def completed_at(self) -> datetime:
        """Noon of the local day, as offline study recorded on a card."""
        return datetime.combine(self.held_on, time(12), tzinfo=local_zone()).astimezone(UTC)


def check_study(
    actor: User,
    *,
    kind: str,
    title: str,
    held_on: date | None,
    hours: Decimal | str | None,
    org_id: int | None,
    note: str = "",
    today: date,
) -> Study:
    """The study as entered, checked; CreditError naming the field that is wrong."""
    if kind not in KINDS:
        raise CreditError("请选择学习类别。")
    title = " ".join((title or "").split())
    if not title:
        raise CreditError("请填写学习内容（标题）。")
    if len(title) > TITLE_MAX:
        raise CreditError(f"学习内容（标题）最多 {TITLE_MAX} 个字。")
    if held_on is None:
        raise CreditError("请填写日期（年-月-日）。")
    if held_on > today:
        raise CreditError("日期不能晚于今天。")
    if held_on.year < today.year - 1:
        raise CreditError(f"只能记入 {today.year - 1} 年以来的学习。")
    try:
        value = Decimal(str(hours)) if hours is not None and str(hours).strip() else None
    except InvalidOperation:
        value = None
    if value is None or not Decimal(0) < value <= MAX_HOURS:
        raise CreditError("学时应大于 0、不超过 24。")
    if value != value.quantize(Decimal("0.1")):
        raise CreditError("学时最多保留一位小数。")
    org = db.session.get(Organisation, org_id) if org_id else None
    if org is None or org.closed_at is not None or not can_credit_for(actor, org):
        raise CreditError("请选择您管理的党组织作为组织单位。")
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise CreditError(f"备注最多 {NOTE_MAX} 个字。")
    return Study(kind, title, held_on, value, org, note)


# --- whom: the staff member's scope ------------------------------------------------------------


def in_scope(actor: User) -> ColumnElement[bool]:
    """SQL on User: active members the actor manages (their home or host organisation)."""
    counted = and_(User.active.is_(True), User.role != "admin")
    if actor.is_admin:
        return counted
    subtree = select(Organisation.id).where(
        in_subtrees(Organisation.path, read_roots(actor, managing=True))
    )
    return and_(counted, or_(User.home_org_id.in_(subtree), User.host_org_id.in_(subtree)))


def branch_choices(actor: User) -> list[Organisation]:
    """The open organisations the actor manages, top first: to hold a study, or to pick from."""
    query = select(Organisation).where(Organisation.closed_at.is_(None))
    if not actor.is_admin:
        query = query.where(in_subtrees(Organisation.path, read_roots(actor, managing=True)))
    return list(db.session.scalars(query.order_by(Organisation.path)))


def members_of(actor: User, org: Organisation) -> list[User]:
    """The members of an organisation's subtree (home or host side) that the actor manages."""
    return list(
        db.session.scalars(
            select(User)
            .where(covers(org), in_scope(actor))
            .order_by(User.membership_no, User.name, User.id)
        )
    )


# --- the plan ----------------------------------------------------------------------------------


@dataclass
class Row:
    """One member of the plan (a line of the paste or the sheet, or a member ticked)."""

    number: int  # the line of the paste, the row of the sheet, the position in the list
    membership_no: str = ""
    name: str = ""
    member: User | None = None
    error: str | None = None
    already: ArchiveEntry | None = None

    @property
    def status(self) -> str:
        if self.error:
            return "error"
        return "already" if self.already is not None else "credit"


@dataclass
class Plan:
    study: Study
    rows: list[Row] = field(default_factory=list)
    # Where the rows came from, to word row errors: "第 3 行" of a sheet or a paste.
    source: str = "list"

    @property
    def errors(self) -> list[Row]:
        return [r for r in self.rows if r.status == "error"]

    @property
    def already(self) -> list[Row]:
        return [r for r in self.rows if r.status == "already"]

    @property
    def to_credit(self) -> list[Row]:
        return [r for r in self.rows if r.status == "credit"]


def parse_numbers(text: str) -> list[tuple[int, str]]:
    """Pasted membership numbers, one per line or separated by commas or spaces:
    (line number, number) in order."""
    found: list[tuple[int, str]] = []
    for line_no, line in enumerate((text or "").splitlines(), start=1):
        found.extend((line_no, part) for part in _SEPARATORS.split(line.strip()) if part)
    if len(found) > MAX_ROWS:
        raise CreditError(f"一次最多记入 {MAX_ROWS} 名党员，请分批记入。")
    return found


def plan_numbers(
    actor: User, study: Study, lines: Sequence[tuple[int, str, str]], source: str
) -> Plan:
    """Plan from (row, membership number, name or "") lines: a paste or a sheet."""
    plan = Plan(study, source=source)
    numbers = {no for _, no, _ in lines if no}
    found: dict[str, User] = {}
    chunked = sorted(numbers)
    for start in range(0, len(chunked), 1000):
        chunk = chunked[start : start + 1000]
        found.update(
            (u.membership_no, u)
            for u in db.session.scalars(select(User).where(User.membership_no.in_(chunk)))
        )
    manageable = _manageable(actor, [u.id for u in found.values()])
    first: dict[int, int] = {}
    for number, no, name in lines:
        row = Row(number, no, name)
        plan.rows.append(row)
        member = found.get(no)
        if not no:
            row.error = "缺少党员编号"
        elif member is None:
            row.error = f"党员编号 {no} 不存在"
        elif name and _fold(name) != _fold(member.name):
            row.error = f"姓名“{name}”与党员编号 {no} 的党员不符"
        elif not member.active:
            row.error = f"党员编号 {no} 的账号已停用"
        elif member.id not in manageable:
            row.error = f"党员编号 {no} 的党员不在您管理的党组织内"
        elif member.id in first:
            row.error = f"党员编号 {no} 重复（与第 {first[member.id]} 行相同）"
        else:
            row.member = member
            first[member.id] = number
    _mark_already(plan)
    return plan


def plan_members(actor: User, study: Study, member_ids: Iterable[int]) -> Plan:
    """Plan from members ticked or taken from a branch (ids, as the form sent them)."""
    plan = Plan(study)
    ids = list(dict.fromkeys(member_ids))
    if len(ids) > MAX_ROWS:
        raise CreditError(f"一次最多记入 {MAX_ROWS} 名党员，请分批记入。")
    members: dict[int, User] = {}
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        members.update(
            (u.id, u) for u in db.session.scalars(select(User).where(User.id.in_(chunk)))
        )
    manageable = _manageable(actor, list(members))
    for position, member_id in enumerate(ids, start=1):
        member = members.get(member_id)
        row = Row(
            position, member.membership_no or "" if member else "", member.name if member else ""
        )
        plan.rows.append(row)
        if member is None or member_id not in manageable:
            row.error = "该党员不在您管理的党组织内"
        else:
            row.member = member
    _mark_already(plan)
    return plan


def _manageable(actor: User, ids: list[int]) -> set[int]:
    found: set[int] = set()
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        found.update(db.session.scalars(select(User.id).where(User.id.in_(chunk), in_scope(actor))))
    return found


def _mark_already(plan: Plan) -> None:
    ids = [r.member.id for r in plan.rows if r.member is not None]
    recorded = archive.recorded_with(ids, plan.study.dedupe_key)
    for row in plan.rows:
        if row.member is not None and row.member.id in recorded:
            row.already = recorded[row.member.id]


def _fold(name: str) -> str:
    return "".join(name.split())


# --- crediting ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    batch: CreditBatch
    # Members a concurrent request credited a moment ago: left out of this batch.
    raced: int


def credit(
    actor: User,
    plan: Plan,
    *,
    request_key: str,
    evidence_name: str | None = None,
    now: datetime | None = None,
) -> Outcome:
    """Credit the plan's members (those not credited before) as one batch, with one audit
    entry for the batch. CreditError when a row is wrong or no one is left to credit;
    AlreadyConfirmed when this preview made a batch already."""
    if plan.errors:
        raise CreditError("名单中有错误，没有记入任何学时。请改正后重新预览。")
    rows = plan.to_credit
    if not rows:
        raise CreditError("名单中的党员都已记录过这次学习，没有需要记入的党员。")
    study = plan.study
    batch = CreditBatch(
        kind=study.kind,
        title=study.title,
        held_on=study.held_on,
        hours=study.hours,
        org_id=study.org.id,
        note=study.note,
        evidence_name=evidence_name,
        recorded_by_id=actor.id,
        recorded_at=now or utcnow(),
        credited=0,
        request_key=request_key,
    )
    try:
        with db.session.begin_nested():
            db.session.add(batch)
    except IntegrityError:
        existing = db.session.scalar(
            select(CreditBatch.id).where(CreditBatch.request_key == request_key)
        )
        if existing is None:  # pragma: no cover - another constraint
            raise
        raise AlreadyConfirmed(existing) from None
    credited = archive.append_offline_many(
        [r.member.id for r in rows],
        title=study.entry_title,
        hours=study.hours,
        completed_at=study.completed_at,
        recorded_by=actor,
        dedupe_key=study.dedupe_key,
    )
    if not credited:
        raise CreditError("刚才已有人记入了名单中所有党员的这次学习，没有重复记入。")
    batch.credited = len(credited)
    db.session.execute(
        insert(CreditBatchMember),
        [
            {"batch_id": batch.id, "member_id": member_id, "entry_id": entry_id}
            for member_id, entry_id in sorted(credited.items())
        ],
    )
    audit.record(
        actor,
        "credit.batch",
        f"集体学习记录：{study.kind_label}《{study.title}》，{study.held_on.isoformat()}，"
        f"每人 {study.hours.normalize():f} 学时，记入 {len(credited)} 人",
        org=study.org,
    )
    db.session.flush()
    return Outcome(batch, len(rows) - len(credited))


# --- finding batches again ---------------------------------------------------------------------


def batches(actor: User, limit: int = 100) -> list[CreditBatch]:
    """The newest batches held by organisations the actor manages."""
    query = select(CreditBatch).join(Organisation, Organisation.id == CreditBatch.org_id)
    if not actor.is_admin:
        query = query.where(in_subtrees(Organisation.path, read_roots(actor, managing=True)))
    query = query.options(selectinload(CreditBatch.recorded_by), selectinload(CreditBatch.org))
    return list(
        db.session.scalars(
            query.order_by(CreditBatch.recorded_at.desc(), CreditBatch.id.desc()).limit(limit)
        )
    )


@dataclass(frozen=True)
class BatchLine:
    member: User
    entry: ArchiveEntry
    correction: ArchiveEntry | None


def batch_lines(batch: CreditBatch) -> list[BatchLine]:
    """A batch's members with their entries and any correction, by membership number."""
    rows = db.session.execute(
        select(User, ArchiveEntry)
        .join(CreditBatchMember, CreditBatchMember.member_id == User.id)
        .join(ArchiveEntry, ArchiveEntry.id == CreditBatchMember.entry_id)
        .where(CreditBatchMember.batch_id == batch.id)
        .order_by(User.membership_no, User.name, User.id)
    ).all()
    corrections = (
        {
            c.corrects_id: c
            for c in db.session.scalars(
                select(ArchiveEntry)
                .where(ArchiveEntry.corrects_id.in_([entry.id for _, entry in rows]))
                .options(selectinload(ArchiveEntry.recorded_by))
            )
        }
        if rows
        else {}
    )
    return [BatchLine(member, entry, corrections.get(entry.id)) for member, entry in rows]


def batch_of(entry: ArchiveEntry) -> CreditBatch | None:
    """The batch that wrote an archive entry, if a batch did."""
    return db.session.scalar(
        select(CreditBatch)
        .join(CreditBatchMember, CreditBatchMember.batch_id == CreditBatch.id)
        .where(CreditBatchMember.entry_id == entry.id)
    )


# --- corrections -------------------------------------------------------------------------------


def correct(actor: User, entry: ArchiveEntry, member: User, reason: str) -> ArchiveEntry:
    """Take a wrong offline entry back with a compensating entry and an audit line.
    CreditError (the archive's message) when it cannot be corrected."""
    try:
        correction = archive.append_correction(entry, reason=reason, recorded_by=actor)
    except archive.CorrectionRefused as exc:
        raise CreditError(str(exc)) from exc
    audit.record(
        actor,
        "credit.correct",
        f"更正学时：{member.name}（{member.membership_no or member.username}）"
        f"“{entry.title}”{-correction.hours.normalize():f} 学时，原因：{correction.reason}",
        org=member.home_org or member.host_org,
        user=member,
    )
    db.session.flush()
    return correction
