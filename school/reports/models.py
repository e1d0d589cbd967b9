"""What staff send from reports: study reminders and bulletins to home organisations."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from school.db import Base, UTCDateTime, utcnow
from school.orgs.models import Organisation


class ReminderBatch(Base):
    """One confirmed reminder from the overdue list: who sent it, the message, the channel.

    ``token`` comes from the form that was confirmed: a second submit of the same form finds
    this batch instead of sending again.
    """

    __tablename__ = "reminder_batches"
    __table_args__ = (
        CheckConstraint("channel IN ('inapp', 'email', 'sms')", name="channel"),
        CheckConstraint("recipients >= 0 AND skipped >= 0", name="counts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    sent_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    # In-app always; "email" or "sms" on top of it.
    channel: Mapped[str] = mapped_column(String(10))
    # The template as confirmed, placeholders and all; each member's text is on their reminder.
    message: Mapped[str] = mapped_column(String(500))
    # Ticked members (True) or everyone on the filtered list (False).
    picked: Mapped[bool] = mapped_column(Boolean, default=False)
    recipients: Mapped[int] = mapped_column(Integer)
    skipped: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    org: Mapped[Organisation] = relationship()


class Reminder(Base):
    """A study reminder sent to a member from the overdue list (at most one a week each).

    This row is the in-app reminder (its notification is sent with it) and the weekly rule's
    record, whatever other channel carried the message too.
    """

    __tablename__ = "study_reminders"
    # "Was this member reminded in the last week?" is one index probe.
    __table_args__ = (Index("ix_study_reminders_member_sent", "member_id", "sent_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"))
    sent_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    # What the member was told (the text of their notification), or why, for campaigns.
    reason: Mapped[str] = mapped_column(String(300))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The batch it was sent in; NULL for campaign reminders and those sent before batches.
    batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("reminder_batches.id", ondelete="RESTRICT"), index=True
    )


class ReminderDelivery(Base):
    """A reminder's copy by email or SMS and how far it got: queued, sent, or failed (why).

    Queued copies go out after the request's commit (``flask reminders deliver``); the address
    is the one the member had when the reminder was confirmed.
    """

    __tablename__ = "reminder_deliveries"
    __table_args__ = (
        UniqueConstraint("reminder_id", "channel"),
        CheckConstraint("channel IN ('email', 'sms')", name="channel"),
        CheckConstraint("state IN ('queued', 'sent', 'failed')", name="state"),
        # The deliverer looks for queued rows, oldest first.
        Index("ix_reminder_deliveries_state_id", "state", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reminder_id: Mapped[int] = mapped_column(ForeignKey("study_reminders.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(10))
    address: Mapped[str | None] = mapped_column(String(254))
    body: Mapped[str] = mapped_column(String(300))
    state: Mapped[str] = mapped_column(String(10), default="queued")
    error: Mapped[str | None] = mapped_column(String(200))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


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
