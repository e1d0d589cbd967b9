"""Training classes: creating them, enrolment with a waiting list, check-in and attendance.

Enrolment states::

    (none) --enrol--> enrolled            while the class has a free seat (or no capacity)
    (none) --enrol--> waiting             when every seat is taken
    enrolled --cancel--> cancelled        and the first waiting member is enrolled in the seat
    waiting --cancel--> cancelled
    cancelled --enrol--> enrolled/waiting (the same row, queued again at the back)

Every change of seats locks the class row first, so two members cannot both take the last seat
(on SQLite every write transaction already runs alone).

Check-in: the organiser's screen shows a QR code of a signed token naming the session; a token
is good for ``CHECKIN_SECONDS`` after it was signed and the screen shows a new one every
``rotate_seconds()`` (the ``CHECKIN_ROTATE_SECONDS`` setting). An attendance is recorded once
per member and session and becomes one offline entry in the member's archive (dedupe key
``class-session:<id>``), however often the member scans, the organiser ticks or a card is
scanned.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal

from flask import current_app
from itsdangerous import BadData, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from school import events, spreadsheets
from school.archive import services as archive
from school.auth.models import User
from school.classes.models import (
    KINDS,
    Attendance,
    ClassSession,
    Enrolment,
    TrainingClass,
)
from school.classes.permissions import can_enrol_member, can_manage_class, can_self_enrol
from school.clock import local_zone, to_local
from school.db import db, utcnow
from school.notifications.services import notify
from school.orgs import audit
from school.orgs.models import Organisation
from school.orgs.permissions import managed_orgs, manages, reads_member
from school.orgs.scope import covers

SALT = "class-checkin"
CHECKIN_SECONDS = 60
TITLE_MAX, TEXT_MAX, DESCRIPTION_MAX = 200, 200, 5000
MAX_SESSION_HOURS = Decimal(24)
BULK_MAX = 500


class ClassError(ValueError):
    """A class action that cannot be done; str(exc) is a message in Chinese."""


class NotEnrolled(ClassError):
    """The member is not enrolled in the class of the session."""

    def __init__(self, message: str, session: ClassSession) -> None:
        super().__init__(message)
        self.session = session


class CodeRefused(ClassError):
    """A check-in code that is forged, expired or not for this session, or for a session
    deleted a moment ago."""


# ---- classes and sessions ---------------------------------------------------------------


@dataclass
class ClassFields:
    title: str
    kind: str
    description: str = ""
    place: str = ""
    online: bool = False
    capacity: int | None = None
    target_text: str = ""
    target_org: Organisation | None = None
    enrolment: str = "open"
    status: str = "open"
    certificate_share: int | None = None
    # Who runs it on the day (the check-in screen credits in their name); None: the creator,
    # or on an edit whoever organises it already.
    organiser: User | None = None


def _check(fields: ClassFields) -> None:
    fields.title = (fields.title or "").strip()
    if not fields.title:
        raise ClassError("请填写培训班名称。")
    if len(fields.title) > TITLE_MAX:
        raise ClassError(f"培训班名称最多 {TITLE_MAX} 个字。")
    if fields.kind not in KINDS:
        raise ClassError("请选择培训类型。")
    fields.place = (fields.place or "").strip()
    fields.target_text = (fields.target_text or "").strip()
    fields.description = (fields.description or "").strip()
    if len(fields.place) > TEXT_MAX or len(fields.target_text) > TEXT_MAX:
        raise ClassError(f"地点和培训对象最多 {TEXT_MAX} 个字。")
    if len(fields.description) > DESCRIPTION_MAX:
        raise ClassError(f"培训说明最多 {DESCRIPTION_MAX} 个字。")
    if not fields.place and not fields.online:
        raise ClassError("请填写培训地点，或勾选“线上举办”。")
    if fields.capacity is not None and fields.capacity <= 0:
        raise ClassError("人数上限应为正整数；不限人数请留空。")
    if fields.certificate_share is not None and not 1 <= fields.certificate_share <= 100:
        raise ClassError("颁发证书的出勤比例应在 1% 到 100% 之间；不颁发请留空。")


def _check_organiser(organiser: User | None, org: Organisation) -> None:
    if organiser is not None and not (organiser.active and manages(organiser, org)):
        raise ClassError(
            f"账号“{organiser.username}”不是“{org.name}”或上级党组织的书记、组织委员，"
            "不能担任组织者。"
        )


def create_class(actor: User, org: Organisation, fields: ClassFields) -> TrainingClass:
    """A new class run by ``org`` (which the actor must manage), organised by the actor or by
    the staff member ``fields`` names."""
    if not manages(actor, org):
        raise ClassError(f"您不能以“{org.name}”的名义举办培训班。")
    if not org.is_open:
        raise ClassError(f"“{org.name}”已撤销或合并，不能再举办培训班。")
    _check(fields)
    _check_organiser(fields.organiser, org)
    training_class = TrainingClass(
        title=fields.title,
        kind=fields.kind,
        description=fields.description,
        org_id=org.id,
        org=org,
        organiser_id=(fields.organiser or actor).id,
        place=fields.place,
        online=fields.online,
        capacity=fields.capacity,
        target_text=fields.target_text,
        target_org_id=fields.target_org.id if fields.target_org else None,
        target_org=fields.target_org,
        enrolment=fields.enrolment,
        status=fields.status,
        certificate_share=fields.certificate_share,
        created_by_id=actor.id,
    )
    db.session.add(training_class)
    db.session.flush()
    return training_class


def update_class(actor: User, training_class: TrainingClass, fields: ClassFields) -> None:
    """Change a class's description; a lower capacity never takes a seat from anyone."""
    if not can_manage_class(actor, training_class):
        raise ClassError("您不能修改这个培训班。")
    _check(fields)
    _check_organiser(fields.organiser, training_class.org)
    if fields.organiser is not None:
        training_class.organiser = fields.organiser
    for name in (
        "title",
        "kind",
        "description",
        "place",
        "online",
        "target_text",
        "enrolment",
        "status",
        "certificate_share",
    ):
        setattr(training_class, name, getattr(fields, name))
    training_class.target_org = fields.target_org
    lock_class(training_class.id)
    training_class.capacity = fields.capacity
    _fill_seats(training_class, actor, utcnow())
    db.session.flush()


def _session_fields(
    title: str, day: date, start: time, end: time, hours: Decimal
) -> tuple[str, datetime, datetime]:
    """Checked session fields: the title, and the local date and times as UTC moments."""
    title = (title or "").strip()
    if not title:
        raise ClassError("请填写本场内容。")
    if len(title) > TITLE_MAX:
        raise ClassError(f"本场内容最多 {TITLE_MAX} 个字。")
    if end <= start:
        raise ClassError("结束时间应晚于开始时间。")
    if hours is None or not Decimal(0) <= hours <= MAX_SESSION_HOURS:
        raise ClassError("学时应在 0 到 24 之间。")
    if hours != hours.quantize(Decimal("0.1")):
        raise ClassError("学时最多保留一位小数。")
    zone = local_zone()
    return (
        title,
        datetime.combine(day, start, tzinfo=zone).astimezone(UTC),
        datetime.combine(day, end, tzinfo=zone).astimezone(UTC),
    )


def add_session(
    actor: User,
    training_class: TrainingClass,
    *,
    title: str,
    day: date,
    start: time,
    end: time,
    hours: Decimal,
) -> ClassSession:
    """Add a session (a local date and times) with the 学时 it earns."""
    if not can_manage_class(actor, training_class):
        raise ClassError("您不能修改这个培训班。")
    title, starts_at, ends_at = _session_fields(title, day, start, end, hours)
    session = ClassSession(
        training_class=training_class,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        hours=hours,
    )
    db.session.add(session)
    db.session.flush()
    return session


def update_session(
    actor: User,
    session: ClassSession,
    *,
    title: str,
    day: date,
    start: time,
    end: time,
    hours: Decimal,
) -> None:
    """Change a session's content, date, times or 学时.

    Archive entries already written for its attendance stay as they were: the archive is a
    ledger, and a later change of 学时 or title never rewrites a member's history.
    """
    if not can_manage_class(actor, session.training_class):
        raise ClassError("您不能修改这个培训班。")
    session.title, session.starts_at, session.ends_at = _session_fields(
        title, day, start, end, hours
    )
    session.hours = hours
    db.session.flush()


def attendance_count(session: ClassSession) -> int:
    """How many members were checked in at the session."""
    return (
        db.session.scalar(
            select(func.count(Attendance.id)).where(Attendance.session_id == session.id)
        )
        or 0
    )


def delete_session(actor: User, session: ClassSession) -> None:
    """Delete a session nobody attended; one with attendance is refused and left as it is."""
    if not can_manage_class(actor, session.training_class):
        raise ClassError("您不能修改这个培训班。")
    # The row lock waits for a check-in being written to this session (its foreign key holds
    # a share lock on the row), so the count below sees it.
    db.session.execute(
        select(ClassSession.id).where(ClassSession.id == session.id).with_for_update()
    )
    present = attendance_count(session)
    if present:
        raise ClassError(
            f"“{session.title}”已有 {present} 人签到，学时已记入学习档案，不能删除；"
            "如时间或内容有误，请修改本场。"
        )
    # Out of the class's list as well as the database (the list may already be loaded).
    session.training_class.sessions.remove(session)
    db.session.flush()


def session_title(session: ClassSession) -> str:
    """How the archive names an attended session: "<class> · <session>"."""
    return f"{session.training_class.title} · {session.title}"[:TITLE_MAX]


# ---- enrolment ---------------------------------------------------------------------------


def lock_class(class_id: int) -> None:
    """Take the class row's lock: seat changes of one class run one after the other."""
    db.session.execute(
        select(TrainingClass.id).where(TrainingClass.id == class_id).with_for_update()
    )


def enrolment_of(training_class: TrainingClass, member: User) -> Enrolment | None:
    return db.session.scalar(
        select(Enrolment).where(
            Enrolment.class_id == training_class.id, Enrolment.member_id == member.id
        )
    )


def seats_taken(training_class: TrainingClass) -> int:
    return (
        db.session.scalar(
            select(func.count(Enrolment.id)).where(
                Enrolment.class_id == training_class.id, Enrolment.state == "enrolled"
            )
        )
        or 0
    )


def _has_seat(training_class: TrainingClass, taken: int) -> bool:
    return training_class.capacity is None or taken < training_class.capacity


def _enrol_locked(
    training_class: TrainingClass, member: User, actor: User, now: datetime, taken: int
) -> tuple[Enrolment, bool]:
    """Enrol (or queue) one member under the class lock; (enrolment, whether it is new)."""
    existing = enrolment_of(training_class, member)
    if existing is not None and existing.state != "cancelled":
        return existing, False
    state = "enrolled" if _has_seat(training_class, taken) else "waiting"
    if existing is None:
        existing = Enrolment(
            class_id=training_class.id,
            member_id=member.id,
            state=state,
            enrolled_by_id=actor.id,
            queued_at=now,
            changed_at=now,
            changed_by_id=actor.id,
        )
        db.session.add(existing)
    else:
        existing.state, existing.enrolled_by_id = state, actor.id
        existing.queued_at = existing.changed_at = now
        existing.changed_by_id = actor.id
    db.session.flush()
    return existing, True


def enrol(
    training_class: TrainingClass, member: User, actor: User, now: datetime | None = None
) -> Enrolment:
    """Enrol a member (the member themselves, or staff for them); the waiting list when full.

    Enrolling twice changes nothing and returns the place already held.
    """
    if actor.id == member.id:
        if not can_self_enrol(member, training_class):
            raise ClassError("这个培训班不接受自行报名，请联系举办的党组织。")
    elif not can_enrol_member(actor, training_class, member):
        raise ClassError(f"{member.name}不在您管理的党组织内，不能为其报名。")
    lock_class(training_class.id)
    enrolment, new = _enrol_locked(
        training_class, member, actor, now or utcnow(), seats_taken(training_class)
    )
    if new:
        _tell_enrolled(training_class, [enrolment], actor)
    return enrolment


def class_path(training_class: TrainingClass) -> str:
    """The member's page of a class (the route of ``classes.show``), for links made outside a
    request."""
    return f"/classes/{training_class.id}"


def _tell_enrolled(training_class: TrainingClass, places: list[Enrolment], actor: User) -> None:
    """Tell members whom staff enrolled (or put on the waiting list); a member who enrolled
    themselves is not told (``notify`` leaves out the actor)."""
    for state, text in (
        ("enrolled", f"党组织已为您报名培训班“{training_class.title}”"),
        ("waiting", f"党组织已为您报名培训班“{training_class.title}”，名额已满，您在候补名单中"),
    ):
        members = [e.member for e in places if e.state == state]
        if members:
            notify(members, "class", text, class_path(training_class), exclude=actor)


def _tell_promoted(training_class: TrainingClass, promoted: list[Enrolment]) -> None:
    """Tell members who moved from the waiting list into a seat."""
    if promoted:
        notify(
            [e.member for e in promoted],
            "class",
            f"培训班“{training_class.title}”有了空余名额，您已从候补转为正式报名",
            class_path(training_class),
        )


@dataclass
class BulkResult:
    enrolled: list[User] = field(default_factory=list)
    waiting: list[User] = field(default_factory=list)
    already: list[User] = field(default_factory=list)


@dataclass
class BulkRefused(ClassError):
    """Some of the members named cannot be enrolled: one message per line, nothing written."""

    errors: list[str]

    def __str__(self) -> str:
        return "；".join(self.errors)


NUMBER_SPLIT = re.compile(r"[\s,，;；、]+")


def members_by_ids(values: Iterable[str]) -> list[User]:
    """The members ticked on a form (ids as the form sends them; others are ignored)."""
    ids = sorted({int(v) for v in values if v.isdigit()})
    if not ids:
        return []
    return list(db.session.scalars(select(User).where(User.id.in_(ids)).order_by(User.id)))


def members_by_numbers(text: str) -> tuple[list[User], list[str]]:
    """The members a pasted list of membership numbers names, and a message per unknown one."""
    numbers = [n for n in NUMBER_SPLIT.split(text or "") if n]
    seen: dict[str, None] = dict.fromkeys(numbers)
    found = {
        u.membership_no: u
        for u in db.session.scalars(select(User).where(User.membership_no.in_(list(seen))))
    }
    errors = [f"党员编号“{n}”不存在。" for n in seen if n not in found]
    return [found[n] for n in seen if n in found], errors


def bulk_enrol(
    training_class: TrainingClass,
    members: list[User],
    actor: User,
    *,
    errors: Iterable[str] = (),
    now: datetime | None = None,
) -> BulkResult:
    """Enrol many members at once, in the order given: all of them, or none with the reasons."""
    problems = list(errors)
    if len(members) > BULK_MAX:
        problems.append(f"一次最多为 {BULK_MAX} 名党员报名。")
    hidden = 0
    for member in members:
        if can_enrol_member(actor, training_class, member):
            continue
        # Name only members the actor may see: an id or a number typed in must not tell them
        # who holds it.
        if reads_member(actor, member):
            problems.append(
                f"{member.name}（{member.membership_no or '无编号'}）不在您管理的范围内。"
            )
        else:
            hidden += 1
    if hidden:
        problems.append(f"有 {hidden} 名党员不在您管理的范围内。")
    if not members and not problems:
        problems.append("请勾选或填写要报名的党员。")
    if problems:
        raise BulkRefused(problems)
    now = now or utcnow()
    lock_class(training_class.id)
    taken = seats_taken(training_class)
    result = BulkResult()
    placed: list[Enrolment] = []
    for member in dict.fromkeys(members):
        enrolment, new = _enrol_locked(training_class, member, actor, now, taken)
        if not new:
            result.already.append(member)
        elif enrolment.state == "enrolled":
            taken += 1
            result.enrolled.append(member)
        else:
            result.waiting.append(member)
        if new:
            placed.append(enrolment)
    if placed:
        _tell_enrolled(training_class, placed, actor)
        audit.record(
            actor,
            "class.enrol",
            f"培训班批量报名：“{training_class.title}”，报名 {len(result.enrolled)} 人，"
            f"候补 {len(result.waiting)} 人",
            org=training_class.org,
        )
    return result


def _fill_seats(training_class: TrainingClass, actor: User, now: datetime) -> list[Enrolment]:
    """Under the class lock: enrol waiting members, first queued first, into free seats."""
    taken = seats_taken(training_class)
    promoted = []
    while _has_seat(training_class, taken):
        first = db.session.scalar(
            select(Enrolment)
            .where(Enrolment.class_id == training_class.id, Enrolment.state == "waiting")
            .order_by(Enrolment.queued_at, Enrolment.id)
            .limit(1)
        )
        if first is None:
            break
        first.state, first.changed_at, first.changed_by_id = "enrolled", now, actor.id
        db.session.flush()
        promoted.append(first)
        taken += 1
    _tell_promoted(training_class, promoted)
    return promoted


def cancel(
    training_class: TrainingClass, member: User, actor: User, now: datetime | None = None
) -> Enrolment | None:
    """Cancel a member's place (the member, or the class's staff); the first waiting member
    takes a freed seat. Returns that member's enrolment, if one was promoted."""
    if actor.id != member.id and not can_manage_class(actor, training_class):
        raise ClassError("您不能取消这名党员的报名。")
    now = now or utcnow()
    lock_class(training_class.id)
    enrolment = enrolment_of(training_class, member)
    if enrolment is None or enrolment.state == "cancelled":
        raise ClassError("没有找到有效的报名。")
    enrolment.state, enrolment.changed_at, enrolment.changed_by_id = "cancelled", now, actor.id
    db.session.flush()
    promoted = _fill_seats(training_class, actor, now)
    return promoted[0] if promoted else None


def enrolments(training_class: TrainingClass) -> list[Enrolment]:
    """Everyone who enrolled, enrolled first, then the waiting list in order, then cancelled."""
    order = {"enrolled": 0, "waiting": 1, "cancelled": 2}
    rows = db.session.scalars(
        select(Enrolment)
        .where(Enrolment.class_id == training_class.id)
        .options(
            selectinload(Enrolment.member).selectinload(User.home_org),
        )
        .order_by(Enrolment.queued_at, Enrolment.id)
    ).all()
    return sorted(rows, key=lambda e: order[e.state])


# ---- what members see -------------------------------------------------------------------


def _targeted_clause(member: User):
    orgs = [o for o in (member.home_org, member.host_org) if o is not None]
    clauses = [TrainingClass.target_org_id.is_(None)]
    ids = {int(i) for o in orgs for i in o.path.strip("/").split("/") if i}
    if ids:
        clauses.append(TrainingClass.target_org_id.in_(sorted(ids)))
    return or_(*clauses)


def classes_for_member(member: User) -> tuple[list[Enrolment], list[TrainingClass]]:
    """The member's places (not cancelled), and classes open to them they have not joined."""
    mine = list(
        db.session.scalars(
            select(Enrolment)
            .where(Enrolment.member_id == member.id, Enrolment.state != "cancelled")
            .options(selectinload(Enrolment.training_class).selectinload(TrainingClass.sessions))
            .order_by(Enrolment.queued_at.desc())
        )
    )
    joined = {e.class_id for e in mine}
    open_ = [
        c
        for c in db.session.scalars(
            select(TrainingClass)
            .where(
                TrainingClass.status == "open",
                TrainingClass.enrolment == "open",
                _targeted_clause(member),
            )
            .options(selectinload(TrainingClass.sessions), selectinload(TrainingClass.org))
            .order_by(TrainingClass.created_at.desc())
            .limit(50)
        )
        if c.id not in joined
    ]
    return mine, open_


def next_session(training_class: TrainingClass, now: datetime) -> ClassSession | None:
    """The session still to come (or going on), soonest first."""
    return next((s for s in training_class.sessions if s.ends_at >= now), None)


def home_part(user: User, today: date) -> dict[str, object]:
    """The home page's "我报名的培训班": classes with a session still to come, and the next one
    (one statement)."""
    now = utcnow()
    rows = db.session.execute(
        select(Enrolment, ClassSession)
        .join(ClassSession, ClassSession.class_id == Enrolment.class_id)
        .where(
            Enrolment.member_id == user.id,
            Enrolment.state.in_(("enrolled", "waiting")),
            ClassSession.ends_at >= now,
        )
        # In the same statement: the home page names each class.
        .options(joinedload(Enrolment.training_class))
        .order_by(ClassSession.starts_at)
    ).all()
    upcoming: dict[int, tuple[Enrolment, ClassSession]] = {}
    for enrolment, session in rows:
        upcoming.setdefault(enrolment.class_id, (enrolment, session))
    # classes_link: the home page then leads to the list of classes open for enrolment.
    return {"upcoming_classes": list(upcoming.values())[:3], "classes_link": True}


# ---- classes staff see ------------------------------------------------------------------


def classes_for_staff(user: User) -> list[TrainingClass]:
    """Classes of the organisations the user reads (all for admins), newest first."""
    query = select(TrainingClass).options(
        selectinload(TrainingClass.org), selectinload(TrainingClass.sessions)
    )
    if not user.is_admin:
        paths = [g.org.path for g in user.staff_grants]
        if not paths:
            return []
        query = query.join(Organisation, Organisation.id == TrainingClass.org_id).where(
            or_(*[Organisation.path.startswith(p, autoescape=True) for p in paths])
        )
    return list(db.session.scalars(query.order_by(TrainingClass.created_at.desc()).limit(200)))


def default_org(user: User) -> Organisation | None:
    orgs = sorted(managed_orgs(user), key=lambda o: o.path)
    return orgs[0] if orgs else None


def candidates(
    actor: User, training_class: TrainingClass, text: str = "", limit: int = 200
) -> list[User]:
    """Members the actor may enrol: the target group (else the organising organisation's
    members) within the actor's scope, optionally filtered by name or number."""
    org = training_class.target_org or training_class.org
    query = select(User).where(covers(org)).options(selectinload(User.home_org))
    text = (text or "").strip()
    if text:
        query = query.where(
            or_(User.name.contains(text, autoescape=True), User.membership_no == text)
        )
    rows = db.session.scalars(query.order_by(User.name, User.id).limit(limit * 2))
    return [m for m in rows if can_enrol_member(actor, training_class, m)][:limit]


# ---- check-in ----------------------------------------------------------------------------


def _serializer(signed_at: datetime | None = None) -> URLSafeTimedSerializer:
    signer = TimestampSigner
    if signed_at is not None:
        stamp = int(signed_at.timestamp())

        class _SignedAt(TimestampSigner):
            def get_timestamp(self) -> int:
                return stamp

        signer = _SignedAt
    return URLSafeTimedSerializer(current_app.secret_key, salt=SALT, signer=signer)


def rotate_seconds() -> int:
    """How often the check-in screen shows a new code: the setting, kept between 2 and 30 s so
    that a code on the screen is always well inside its minute."""
    return max(2, min(30, int(current_app.config["CHECKIN_ROTATE_SECONDS"])))


def checkin_token(session: ClassSession, signed_at: datetime | None = None) -> str:
    """The token the screen shows for the session, signed now (or at ``signed_at``)."""
    return _serializer(signed_at).dumps(session.id)


def read_token(token: str, now: datetime | None = None) -> ClassSession:
    """The session a scanned code names, if the code is genuine and fresh; else CodeRefused."""
    try:
        session_id, signed_at = _serializer().loads(token, return_timestamp=True)
    except BadData:
        raise CodeRefused("签到码无效，请扫描签到屏上的二维码。") from None
    now = now or utcnow()
    age = (now - signed_at).total_seconds()
    # A code from the future is forged or signed on a wrong clock: refused as well.
    if not isinstance(session_id, int) or age > CHECKIN_SECONDS or age < -5:
        if isinstance(session_id, int) and age > CHECKIN_SECONDS:
            raise CodeRefused("签到码已过期（二维码每分钟更新），请扫描签到屏上最新的二维码。")
        raise CodeRefused("签到码无效，请扫描签到屏上的二维码。")
    # With its class and organiser in the same statement: the check-in names both.
    session = db.session.get(
        ClassSession,
        session_id,
        options=[joinedload(ClassSession.training_class).joinedload(TrainingClass.organiser)],
    )
    if session is None:
        raise CodeRefused("签到码无效，请扫描签到屏上的二维码。")
    return session


def _is_enrolled(session: ClassSession, member: User) -> bool:
    return (
        db.session.scalar(
            select(Enrolment.id).where(
                Enrolment.class_id == session.class_id,
                Enrolment.member_id == member.id,
                Enrolment.state == "enrolled",
            )
        )
        is not None
    )


def check_in(
    session: ClassSession,
    member: User,
    recorded_by: User,
    method: str,
    now: datetime | None = None,
) -> Attendance | None:
    """Record the member present at the session and credit its 学时 in their archive, once.

    Returns None when the member was already checked in (nothing is written again).
    """
    if not _is_enrolled(session, member):
        raise NotEnrolled(f"{member.name}没有报名“{session.training_class.title}”。", session)
    attendance = Attendance(
        session_id=session.id,
        member_id=member.id,
        method=method,
        recorded_by_id=recorded_by.id,
        checked_in_at=now or utcnow(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(attendance)
    except IntegrityError:
        # Already present (this scan, or one a moment ago), or the session was deleted between
        # reading the code and this write: that one is not a check-in at all.
        present = db.session.scalar(
            select(Attendance.id).where(
                Attendance.session_id == session.id, Attendance.member_id == member.id
            )
        )
        if present is None:
            raise CodeRefused("这一场已被组织者删除，签到没有记录。") from None
        return None
    archive.append_offline(
        member,
        title=session_title(session),
        hours=session.hours,
        completed_at=session.starts_at,
        recorded_by=recorded_by,
        dedupe_key=f"class-session:{session.id}",
    )
    events.session_attended.send(member, session=session)
    return attendance


def check_in_by_code(token: str, member: User, now: datetime | None = None) -> tuple:
    """A member scanned the screen: (session, attendance or None if already checked in)."""
    session = read_token(token, now)
    # The organiser showed the code: the archive names them as who credited it.
    organiser = session.training_class.organiser
    return session, check_in(session, member, organiser, "qr", now)


CARD_LINK = re.compile(r"/card/v/([^/?#\s]+)")


def card_token(text: str) -> str:
    """The token out of a scanned card link (or the token itself, typed or pasted)."""
    text = (text or "").strip()
    match = CARD_LINK.search(text)
    return match.group(1) if match else text


def attended_ids(session: ClassSession) -> dict[int, Attendance]:
    return {
        a.member_id: a
        for a in db.session.scalars(
            select(Attendance)
            .where(Attendance.session_id == session.id)
            .options(selectinload(Attendance.recorded_by))
        )
    }


@dataclass(frozen=True)
class AttendanceGrid:
    """Enrolled members against sessions: who came to which."""

    sessions: list[ClassSession]
    members: list[User]
    present: set[tuple[int, int]]  # (session id, member id)

    def count(self, session: ClassSession) -> int:
        return sum(1 for s, _ in self.present if s == session.id)

    def no_shows(self, session: ClassSession) -> list[User]:
        return [m for m in self.members if (session.id, m.id) not in self.present]


def attendance_grid(training_class: TrainingClass) -> AttendanceGrid:
    """Who of the enrolled members attended each session (two statements)."""
    members = [e.member for e in enrolments(training_class) if e.state == "enrolled"]
    ids = [s.id for s in training_class.sessions]
    present: set[tuple[int, int]] = set()
    if ids:
        rows = db.session.execute(
            select(Attendance.session_id, Attendance.member_id).where(
                Attendance.session_id.in_(ids)
            )
        )
        present = {(session_id, member_id) for session_id, member_id in rows}
    return AttendanceGrid(list(training_class.sessions), members, present)


def session_when(session: ClassSession) -> str:
    """A session's local date and times: 2027-01-28 09:00–11:30."""
    start, end = to_local(session.starts_at), to_local(session.ends_at)
    return f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}"


def local_text(moment: datetime) -> str:
    return to_local(moment).strftime("%Y-%m-%d %H:%M")


def check_in_many(session: ClassSession, members: list[User], recorded_by: User) -> int:
    """Tick names by hand: every member must be enrolled, else nothing is recorded.

    Returns how many were newly checked in (those already present are left as they were).
    """
    if not members:
        raise ClassError("请勾选到场的党员。")
    missing = [m.name for m in members if not _is_enrolled(session, m)]
    if missing:
        raise ClassError(f"{'、'.join(missing)}没有报名本培训班，不能签到。")
    added = sum(1 for m in members if check_in(session, m, recorded_by, "hand") is not None)
    if added:
        audit.record(
            recorded_by,
            "class.attend",
            f"培训班手工签到：{session_title(session)}（{session_when(session)}），签到 {added} 人",
            org=session.training_class.org,
        )
    return added


def member_attendance(training_class: TrainingClass, member: User) -> set[int]:
    """Ids of the class's sessions the member attended."""
    return set(
        db.session.scalars(
            select(Attendance.session_id)
            .join(ClassSession, ClassSession.id == Attendance.session_id)
            .where(ClassSession.class_id == training_class.id, Attendance.member_id == member.id)
        )
    )


ATTENDANCE_STATES = {
    "present": "已签到",
    "absent": "缺席",
    "ongoing": "进行中，未签到",
    "upcoming": "未开始",
}


def member_session_states(
    training_class: TrainingClass, member: User, now: datetime | None = None
) -> dict[int, str]:
    """For an enrolled member's own page: each session's state by id, a key of
    ``ATTENDANCE_STATES`` (present, absent once it has ended, ongoing, upcoming)."""
    now = now or utcnow()
    attended = member_attendance(training_class, member)
    states = {}
    for session in training_class.sessions:
        if session.id in attended:
            states[session.id] = "present"
        elif session.starts_at > now:
            states[session.id] = "upcoming"
        elif session.ends_at >= now:
            states[session.id] = "ongoing"
        else:
            states[session.id] = "absent"
    return states


def attendance_workbook(training_class: TrainingClass) -> bytes:
    """The class's attendance as an .xlsx: one row per enrolled member, one column per session."""
    grid = attendance_grid(training_class)
    workbook, sheet = spreadsheets.new_workbook("出勤")
    columns = [("姓名", 12.0), ("党员编号", 14.0), ("所在党组织", 28.0)]
    columns += [(f"{local_text(s.starts_at)} {s.title}", 22.0) for s in grid.sessions]
    columns += [("出勤场次", 10.0), ("学时", 8.0)]
    spreadsheets.write_header(sheet, columns)
    for row, member in enumerate(grid.members, start=2):
        came = [s for s in grid.sessions if (s.id, member.id) in grid.present]
        values: list[object] = [
            member.name,
            member.membership_no or "",
            member.home_org.name if member.home_org else "",
        ]
        values += ["✓" if s in came else "缺席" for s in grid.sessions]
        values += [len(came), float(sum((s.hours for s in came), Decimal(0)))]
        for column, value in enumerate(values, start=1):
            spreadsheets.put_text(sheet, row, column, value)
    return spreadsheets.to_bytes(workbook)
