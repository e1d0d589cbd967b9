"""Precomputed progress (kept in step with every completion) and what staff send from reports."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from school.db import Base, Hours, UTCDateTime, utcnow
from school.orgs.models import Organisation


class CourseProgress(Base):
    """One member's progress in one course, updated in the transaction of each completion."""

    __tablename__ = "course_progress"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), primary_key=True
    )
    # A plain reference, like the archive's: a deleted course leaves the numbers behind.
    course_id: Mapped[int] = mapped_column(Integer, primary_key=True, index=True)
    lessons_done: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class YearProgress(Base):
    """学时 a member earned in one local calendar year, in total and month by month.

    Twelve month columns rather than twelve rows: the city-wide trend is one pass over one row
    per member, not over a row per member and month.
    """

    __tablename__ = "year_progress"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), primary_key=True
    )
    year: Mapped[int] = mapped_column(Integer, primary_key=True, index=True)
    hours: Mapped[Decimal] = mapped_column(Hours, default=0)
    m1: Mapped[Decimal] = mapped_column(Hours, default=0)
    m2: Mapped[Decimal] = mapped_column(Hours, default=0)
    m3: Mapped[Decimal] = mapped_column(Hours, default=0)
    m4: Mapped[Decimal] = mapped_column(Hours, default=0)
    m5: Mapped[Decimal] = mapped_column(Hours, default=0)
    m6: Mapped[Decimal] = mapped_column(Hours, default=0)
    m7: Mapped[Decimal] = mapped_column(Hours, default=0)
    m8: Mapped[Decimal] = mapped_column(Hours, default=0)
    m9: Mapped[Decimal] = mapped_column(Hours, default=0)
    m10: Mapped[Decimal] = mapped_column(Hours, default=0)
    m11: Mapped[Decimal] = mapped_column(Hours, default=0)
    m12: Mapped[Decimal] = mapped_column(Hours, default=0)
    courses_completed: Mapped[int] = mapped_column(Integer, default=0)
    last_activity_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


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
