"""The member registry: profile edits, flow events, management notes and the staff list query."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, and_, false, func, or_, select
from sqlalchemy.orm import selectinload

from school.archive.models import ArchiveAccess
from school.auth.models import GENDERS, User
from school.clock import local_today
from school.db import db
from school.members.models import FlowEvent, ManagementNote
from school.members.permissions import can_see_phone
from school.members.phones import PhoneError, normalise_phone
from school.messaging import clean_email
from school.orgs import audit
from school.orgs.models import Organisation
from school.orgs.permissions import can_view_org, managed_orgs
from school.orgs.scope import RELATIONS, covers, report_roots
from school.orgs.services import OrgError, lookup_org

PAGE_SIZE = 50
NOTE_MAX = 2000


class RegistryError(ValueError):
    """A registry change that cannot be made; the message is for the user."""


def mask_phone(phone: str | None) -> str:
    """A phone number with its middle hidden: 138****5678, 0571-****5678."""
    text = "".join((phone or "").split())
    if not text:
        return ""
    # Always four stars, so the mask does not give the length away.
    head, dash, tail = text.rpartition("-")
    if dash and head:
        return f"{head}-****{tail[-4:] if len(tail) > 4 else ''}"
    if len(text) >= 8:
        return f"{text[:3]}****{text[-4:]}"
    if len(text) >= 5:
        return f"****{text[-2:]}"
    return "****"


def shown_phone(viewer: User, member: User) -> str:
    """The member's phone as this viewer may see it: in full for their managers, else masked."""
    if can_see_phone(viewer, member):
        return member.phone or ""
    return mask_phone(member.phone)


def mask_email(email: str | None) -> str:
    """An email address with its name hidden but its first letter: z***@example.com."""
    name, at, domain = (email or "").partition("@")
    if not at:
        return ""
    return f"{name[:1]}***@{domain}"


def shown_email(viewer: User, member: User) -> str:
    """The member's email as this viewer may see it: by the same rule as the phone."""
    if can_see_phone(viewer, member):
        return member.email or ""
    return mask_email(member.email)


def _not_future(value: date | None, label: str) -> None:
    if value is not None and value > local_today():
        raise RegistryError(f"{label}不能晚于今天。")


def _text(value: str | None, label: str, limit: int) -> str | None:
    text = (value or "").strip()
    if len(text) > limit:
        raise RegistryError(f"{label}最多 {limit} 个字。")
    return text or None


@dataclass(frozen=True)
class Profile:
    """The registry fields staff may edit directly; organisations change only by flow events."""

    name: str
    gender: str | None = None
    phone: str | None = None
    email: str | None = None
    joined_party_on: date | None = None
    membership_no: str | None = None
    certificate_no: str | None = None
    current_city: str | None = None
    flowed_out_on: date | None = None
    flow_reason: str | None = None


PROFILE_LABELS = {
    "name": "姓名",
    "gender": "性别",
    "phone": "联系电话",
    "email": "电子邮箱",
    "joined_party_on": "入党日期",
    "membership_no": "党员编号",
    "certificate_no": "活动证号",
    "current_city": "所在城市",
    "flowed_out_on": "外出日期",
    "flow_reason": "外出原因",
}


def update_profile(actor: User, member: User, data: Profile) -> User:
    """Check every field first, then change the member's registry entry in one go."""
    name = _text(data.name, "姓名", 50)
    if not name:
        raise RegistryError("请填写姓名。")
    gender = data.gender or None
    if gender is not None and gender not in GENDERS:
        raise RegistryError("性别只能是男或女。")
    try:
        phone = normalise_phone(data.phone)
    except PhoneError as error:
        raise RegistryError(str(error)) from error
    try:
        email = clean_email(data.email)
    except ValueError as error:
        raise RegistryError(str(error)) from error
    _not_future(data.joined_party_on, "入党日期")
    _not_future(data.flowed_out_on, "外出日期")
    membership_no = _text(data.membership_no, "党员编号", 32)
    if membership_no is not None:
        clash = db.session.scalar(
            select(User.id).where(User.membership_no == membership_no, User.id != member.id)
        )
        if clash is not None:
            raise RegistryError(f"党员编号 {membership_no} 已被其他党员使用。")
    values = {
        "name": name,
        "gender": gender,
        "phone": phone,
        "email": email,
        "joined_party_on": data.joined_party_on,
        "membership_no": membership_no,
        "certificate_no": _text(data.certificate_no, "流动党员活动证号", 50),
        "current_city": _text(data.current_city, "所在城市", 50),
        "flowed_out_on": data.flowed_out_on,
        "flow_reason": _text(data.flow_reason, "外出原因", 200),
    }
    changed = [
        PROFILE_LABELS[key] for key, value in values.items() if getattr(member, key) != value
    ]
    for key, value in values.items():
        setattr(member, key, value)
    if changed:
        # Which fields, not their values: the log is read by more people than the registry.
        audit.account(actor, "member.edit", member, f"：{'、'.join(changed)}")
    db.session.flush()
    return member


def find_org(text: str | None, viewer: User | None = None) -> Organisation:
    """An organisation by its code or exact name; a name shared by several needs the code."""
    try:
        return lookup_org(text or "", viewer)
    except OrgError as exc:
        raise RegistryError(str(exc)) from exc


def note_orgs(actor: User, member: User) -> list[Organisation]:
    """The organisations in whose name the actor may write a management note about the member."""
    targets = [o for o in (member.host_org, member.home_org) if o is not None]
    if actor.is_admin:
        return targets[:1]
    return [
        org
        for org in sorted(managed_orgs(actor), key=lambda o: o.path)
        if any(org.contains(t) for t in targets)
    ]


def add_note(
    actor: User, member: User, org: Organisation | None, occurred_on: date, body: str
) -> ManagementNote:
    """Append a management record (管理记录) written in the name of one of the actor's orgs."""
    allowed = note_orgs(actor, member)
    if org is None and len(allowed) == 1:
        org = allowed[0]
    if org is None or (org not in allowed and not actor.is_admin):
        raise RegistryError("只能以您负责、且管理该党员的党组织名义记录。")
    if occurred_on is None:
        raise RegistryError("请填写日期。")
    _not_future(occurred_on, "日期")
    text = (body or "").strip()
    if not text:
        raise RegistryError("请填写记录内容。")
    if len(text) > NOTE_MAX:
        raise RegistryError(f"记录内容最多 {NOTE_MAX} 个字。")
    note = ManagementNote(
        member_id=member.id,
        org_id=org.id,
        occurred_on=occurred_on,
        body=text,
        recorded_by_id=actor.id,
    )
    db.session.add(note)
    db.session.flush()
    return note


@dataclass(frozen=True)
class MemberFilter:
    """What the staff list is narrowed to."""

    q: str = ""
    floating_only: bool = False
    relation: str = "both"
    org: Organisation | None = None


def read_filter(viewer: User, values: Mapping[str, str]) -> MemberFilter:
    """The staff list's filters from its query string (or a form that repeats it); an
    organisation that is not found raises ``RegistryError`` rather than being left out."""
    relation = values.get("relation", "both")
    org_text = (values.get("org") or "").strip()
    return MemberFilter(
        q=(values.get("q") or "")[:50],
        floating_only=values.get("floating") == "1",
        relation=relation if relation in RELATIONS else "both",
        org=find_org(org_text, viewer) if org_text else None,
    )


def matching_members(viewer: User, filters: MemberFilter, limit: int) -> list[User]:
    """Every member the staff list shows for these filters (all its pages, up to ``limit``),
    in its order, with the organisations that decide who may act on them loaded."""
    query = member_query(viewer, filters).options(
        selectinload(User.home_org), selectinload(User.host_org)
    )
    return list(db.session.scalars(query.limit(limit)))


def member_query(viewer: User, filters: MemberFilter) -> Select[tuple[User]]:
    """Members the viewer may see, narrowed by the filters, ordered by name."""
    if viewer.is_admin and filters.org is None:
        # Every member, including those not yet placed in an organisation.
        side = {"home": User.home_org_id.is_not(None), "host": User.host_org_id.is_not(None)}
        scope = and_(User.active.is_(True), User.role != "admin")
        if filters.relation in side:
            scope = and_(scope, side[filters.relation])
        if filters.floating_only:
            scope = and_(scope, User.is_floating.is_(True))
    else:
        if filters.org is not None:
            roots = [filters.org] if can_view_org(viewer, filters.org) else []
        else:
            roots = report_roots(viewer)
        scope = (
            or_(*[covers(r, filters.relation, filters.floating_only) for r in roots])
            if roots
            else false()
        )
    query = select(User).where(scope)
    q = filters.q.strip()
    if q:
        query = query.where(
            or_(
                User.name.contains(q, autoescape=True),
                User.membership_no.startswith(q, autoescape=True),
            )
        )
    return query.order_by(User.name, User.id)


def member_page(viewer: User, filters: MemberFilter, page: int) -> tuple[list[User], int]:
    """One page of the staff list and the total."""
    return user_page(member_query(viewer, filters), page, PAGE_SIZE)


def user_page(query: Select[tuple[User]], page: int, per_page: int) -> tuple[list[User], int]:
    """One page of a list of people and its total, with what each row shows loaded per page:
    both organisations, and the grants that decide whether the row's account may be changed."""
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.session.scalars(
        query.options(
            selectinload(User.home_org),
            selectinload(User.host_org),
            selectinload(User.staff_grants),
        )
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return list(rows), total


def flow_history(member: User) -> list[FlowEvent]:
    """The member's flow events, newest first."""
    return list(
        db.session.scalars(
            select(FlowEvent)
            .where(FlowEvent.member_id == member.id)
            .options(
                selectinload(FlowEvent.from_org),
                selectinload(FlowEvent.to_org),
                selectinload(FlowEvent.recorded_by),
            )
            .order_by(FlowEvent.occurred_on.desc(), FlowEvent.id.desc())
        )
    )


def management_notes(member: User) -> list[ManagementNote]:
    """Management records about the member from every organisation, newest first."""
    return list(
        db.session.scalars(
            select(ManagementNote)
            .where(ManagementNote.member_id == member.id)
            .options(selectinload(ManagementNote.org), selectinload(ManagementNote.recorded_by))
            .order_by(ManagementNote.occurred_on.desc(), ManagementNote.id.desc())
        )
    )


@dataclass(frozen=True)
class Look:
    """One staff view of a member's archive, as the member sees it."""

    name: str
    orgs: str
    viewed_at: datetime


def archive_looks(member: User, page: int, per_page: int = 20) -> tuple[list[Look], int]:
    """Who opened the member's archive, newest first, with the organisations they act for."""
    total = (
        db.session.scalar(
            select(func.count())
            .select_from(ArchiveAccess)
            .where(ArchiveAccess.member_id == member.id)
        )
        or 0
    )
    rows = db.session.execute(
        select(ArchiveAccess, User)
        .join(User, User.id == ArchiveAccess.viewer_id)
        .where(ArchiveAccess.member_id == member.id)
        .options(selectinload(User.staff_grants))
        .order_by(ArchiveAccess.viewed_at.desc(), ArchiveAccess.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    targets = [o for o in (member.home_org, member.host_org) if o is not None]
    looks = []
    for access, viewer in rows:
        grants = [
            g.org.name for g in viewer.staff_grants if any(g.org.contains(t) for t in targets)
        ]
        orgs = "、".join(grants or [g.org.name for g in viewer.staff_grants])
        looks.append(
            Look(viewer.name, orgs or ("管理员" if viewer.is_admin else ""), access.viewed_at)
        )
    return looks, total
