"""What staff send from reports: study reminders and bulletins to home organisations."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from school.db import Base, UTCDateTime, utcnow
from school.orgs.models import Organisation


class Reminder(Base):
    """A study reminder sent to a member from the overdue list (at most one a week each)."""

    __tablename__ = "study_reminders"
    # "Was this member reminded in the last week?" is one index probe.
    __table_args__ = (Index("ix_study_reminders_member_sent", "member_id", "sent_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"))
    sent_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    reason: Mapped[str] = mapped_column(String(200))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Bulletin(Base):
    """定期通报: a host organisation's report on the floating members it hosts, sent home.

    ``body`` is a snapshot taken when it was sent (names, 学时, courses, management notes), so
    the home organisation reads what the host saw then, whatever changes afterwards.
    """

    __tablename__ = "bulletins"
    __table_args__ = (UniqueConstraint("host_org_id", "home_org_id", "period_start", "period_end"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    host_org_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    home_org_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    period_label: Mapped[str] = mapped_column(String(40))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    body: Mapped[dict] = mapped_column(JSON)
    member_count: Mapped[int] = mapped_column(Integer)
    sent_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    host_org: Mapped[Organisation] = relationship(foreign_keys=[host_org_id])
    home_org: Mapped[Organisation] = relationship(foreign_keys=[home_org_id])
