"""Training classes, their sessions, who is enrolled and who attended which session.

Attendance is what earns 学时: each one is also an entry in the member's study archive (the
ledger), written once per member and session. The rows here say who is expected and who came.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from school.auth.models import User
from school.db import Base, Hours, UTCDateTime, utcnow
from school.orgs.models import Organisation

KINDS = {
    "concentrated": "集中培训",
    "lecture": "专题讲座",
    "forum": "企业发展论坛",
    "management": "经营管理讲座",
    "homecoming": "春节返乡培训",
    "other": "其他",
}
ENROLMENT_MODES = {"open": "党员自行报名", "invite": "由党组织安排（邀请）"}
STATUSES = {"open": "报名中", "closed": "停止报名"}
ENROLMENT_STATES = {"enrolled": "已报名", "waiting": "候补", "cancelled": "已取消"}
CHECKIN_METHODS = {"qr": "扫码签到", "card": "扫电子卡", "hand": "手工签到"}


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class TrainingClass(Base):
    __tablename__ = "training_classes"
    __table_args__ = (
        CheckConstraint(_in("kind", KINDS), name="kind"),
        CheckConstraint(_in("enrolment", ENROLMENT_MODES), name="enrolment"),
        CheckConstraint(_in("status", STATUSES), name="status"),
        CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity"),
        CheckConstraint(
            "certificate_share IS NULL OR (certificate_share BETWEEN 1 AND 100)",
            name="certificate_share",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text, default="")
    # The organising organisation: its managers (and those above) run the class.
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    organiser_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    place: Mapped[str] = mapped_column(String(200), default="")
    online: Mapped[bool] = mapped_column(Boolean, default=False)
    capacity: Mapped[int | None] = mapped_column(Integer)
    # Who it is for, in words, and optionally the subtree whose members may see and enrol.
    target_text: Mapped[str] = mapped_column(String(200), default="")
    target_org_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT")
    )
    enrolment: Mapped[str] = mapped_column(String(10), default="open")
    status: Mapped[str] = mapped_column(String(10), default="open")
    # A member who attends this share of the sessions (per cent) receives a 培训证明
    # (school/certificates/); None: the class gives none.
    certificate_share: Mapped[int | None] = mapped_column(Integer)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    org: Mapped[Organisation] = relationship(foreign_keys=[org_id])
    target_org: Mapped[Organisation | None] = relationship(foreign_keys=[target_org_id])
    organiser: Mapped[User] = relationship(foreign_keys=[organiser_id])
    sessions: Mapped[list[ClassSession]] = relationship(
        back_populates="training_class",
        order_by="(ClassSession.starts_at, ClassSession.id)",
        cascade="all, delete-orphan",
    )

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]

    @property
    def is_open(self) -> bool:
        return self.status == "open"


class ClassSession(Base):
    """One sitting of a class (a morning's lecture, a forum): the unit of attendance and 学时."""

    __tablename__ = "class_sessions"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="times"),
        CheckConstraint("hours >= 0 AND hours <= 240", name="hours"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(
        ForeignKey("training_classes.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    hours: Mapped[Decimal] = mapped_column(Hours)

    training_class: Mapped[TrainingClass] = relationship(back_populates="sessions")


class Enrolment(Base):
    """A member's place in a class: enrolled, on the waiting list, or cancelled.

    One row per member and class; enrolling again after cancelling reuses it. ``queued_at``
    orders the waiting list (the first waiting member takes a freed seat).
    """

    __tablename__ = "class_enrolments"
    __table_args__ = (
        UniqueConstraint("class_id", "member_id"),
        CheckConstraint(_in("state", ENROLMENT_STATES), name="state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The unique (class_id, member_id) index serves lookups by class.
    class_id: Mapped[int] = mapped_column(ForeignKey("training_classes.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    state: Mapped[str] = mapped_column(String(10))
    enrolled_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))

    member: Mapped[User] = relationship(foreign_keys=[member_id])
    enrolled_by: Mapped[User] = relationship(foreign_keys=[enrolled_by_id])
    training_class: Mapped[TrainingClass] = relationship()

    @property
    def state_label(self) -> str:
        return ENROLMENT_STATES[self.state]


class Attendance(Base):
    """A member was present at a session: by scanning the screen's code, by their card, by hand."""

    __tablename__ = "class_attendances"
    __table_args__ = (
        UniqueConstraint("session_id", "member_id"),
        CheckConstraint(_in("method", CHECKIN_METHODS), name="method"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The unique (session_id, member_id) index serves lookups by session.
    session_id: Mapped[int] = mapped_column(ForeignKey("class_sessions.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    method: Mapped[str] = mapped_column(String(10))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    checked_in_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    member: Mapped[User] = relationship(foreign_keys=[member_id])
    recorded_by: Mapped[User] = relationship(foreign_keys=[recorded_by_id])

    @property
    def method_label(self) -> str:
        return CHECKIN_METHODS[self.method]
