"""What happens to a member over time: flow events and management notes (both append-only)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from school.auth.models import User
from school.db import Base, UTCDateTime, utcnow
from school.orgs.models import Organisation

FLOW_KINDS = {
    "flow_out": "外出流动",
    "arrive": "到达流入地报到",
    "change_host": "变更流入地",
    "return": "返回原籍",
    "transfer": "转接组织关系",
}


class FlowEvent(Base):
    """One step in a member's movements; the profile holds the current state, this the history."""

    __tablename__ = "flow_events"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('flow_out', 'arrive', 'change_host', 'return', 'transfer')", name="kind"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    occurred_on: Mapped[date] = mapped_column(Date)
    # The organisation left and the one joined: the host for arrive/change, the home for transfer.
    from_org_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT")
    )
    to_org_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT")
    )
    city: Mapped[str | None] = mapped_column(String(50))
    note: Mapped[str] = mapped_column(String(200), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    from_org: Mapped[Organisation | None] = relationship(foreign_keys=[from_org_id])
    to_org: Mapped[Organisation | None] = relationship(foreign_keys=[to_org_id])
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])

    @property
    def kind_label(self) -> str:
        return FLOW_KINDS[self.kind]


class ManagementNote(Base):
    """A management record (管理记录) that a home or host organisation keeps about a member."""

    __tablename__ = "management_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    # The organisation whose staff wrote it: bulletins home carry the host's notes.
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    occurred_on: Mapped[date] = mapped_column(Date)
    body: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    org: Mapped[Organisation] = relationship()
    recorded_by: Mapped[User] = relationship(foreign_keys=[recorded_by_id])


TRANSFER_STATES = {
    "pending": "待接收",
    "accepted": "已接收",
    "returned": "已退回",
    "withdrawn": "已撤回",
}


class Transfer(Base):
    """A request to move a member's membership (组织关系转接) to another organisation.

    Filed by the home organisation (``from_org``, the member's home when it was filed) to a
    receiving organisation (``to_org``), which accepts it into a branch of its subtree
    (``placed_org``) or returns it; the sending side may withdraw it while it is pending. A row
    changes once, from pending to its outcome, and is never edited after: the history of every
    request stays as it was decided.
    """

    __tablename__ = "member_transfers"
    __table_args__ = (
        CheckConstraint("state IN ('pending', 'accepted', 'returned', 'withdrawn')", name="state"),
        # Decided exactly when no longer pending; accepted ones say where the member went.
        CheckConstraint("(state = 'pending') = (decided_at IS NULL)", name="decided"),
        CheckConstraint("state <> 'accepted' OR placed_org_id IS NOT NULL", name="placed"),
        CheckConstraint("state <> 'returned' OR decision_note <> ''", name="return_reason"),
        # One request waiting per member: a double click or a second tab cannot file another.
        Index(
            "uq_member_transfers_one_pending",
            "member_id",
            unique=True,
            sqlite_where=text("state = 'pending'"),
            postgresql_where=text("state = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    state: Mapped[str] = mapped_column(String(10), default="pending")
    from_org_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    to_org_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    placed_org_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT")
    )
    reason: Mapped[str] = mapped_column(String(200))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The reason of a return (required), a withdrawal or a note on acceptance (optional).
    decision_note: Mapped[str] = mapped_column(String(200), default="")
    # The flow event that moved the member, once accepted.
    flow_event_id: Mapped[int | None] = mapped_column(
        ForeignKey("flow_events.id", ondelete="RESTRICT")
    )

    member: Mapped[User] = relationship(foreign_keys=[member_id])
    from_org: Mapped[Organisation] = relationship(foreign_keys=[from_org_id])
    to_org: Mapped[Organisation] = relationship(foreign_keys=[to_org_id])
    placed_org: Mapped[Organisation | None] = relationship(foreign_keys=[placed_org_id])
    requested_by: Mapped[User | None] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def state_label(self) -> str:
        return TRANSFER_STATES[self.state]

    @property
    def is_pending(self) -> bool:
        return self.state == "pending"
