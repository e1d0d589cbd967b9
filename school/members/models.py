"""What happens to a member over time: flow events and management notes (both append-only)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text
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
