"""The study archive (学习档案): an append-only ledger of everything a member studied, and the
running totals (course and year progress) kept with it in the same transaction."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from school.db import Base, Hours, UTCDateTime, utcnow

ENTRY_KINDS = {"lesson": "课时学习", "course": "完成课程", "quiz": "测验", "offline": "线下学习"}
SOURCES = {"online": "线上", "offline": "线下"}


class ArchiveEntry(Base):
    """One line of the ledger. It snapshots what was studied; nothing here is ever updated.

    ``course_id``/``lesson_id`` are plain references, not foreign keys, so deleting a course
    neither blocks nor rewrites history. The migration adds triggers that refuse UPDATE and DELETE.
    """

    __tablename__ = "archive_entries"
    __table_args__ = (
        # One entry per member and online event (a lesson, a course) even under double submits.
        UniqueConstraint("member_id", "dedupe_key"),
        CheckConstraint("kind IN ('lesson', 'course', 'quiz', 'offline')", name="kind"),
        CheckConstraint("source IN ('online', 'offline')", name="source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    course_title: Mapped[str | None] = mapped_column(String(200))
    # 学时 credited to the member's yearly total by this entry.
    hours: Mapped[Decimal] = mapped_column(Hours)
    # Quiz attempts: the score out of max_score and whether it passed.
    score: Mapped[Decimal | None] = mapped_column(Numeric(10, 4, asdecimal=True))
    max_score: Mapped[Decimal | None] = mapped_column(Numeric(10, 4, asdecimal=True))
    passed: Mapped[bool | None] = mapped_column(Boolean)
    course_id: Mapped[int | None] = mapped_column(Integer)
    lesson_id: Mapped[int | None] = mapped_column(Integer)
    dedupe_key: Mapped[str | None] = mapped_column(String(64))
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))

    @property
    def kind_label(self) -> str:
        return ENTRY_KINDS[self.kind]

    @property
    def source_label(self) -> str:
        return SOURCES[self.source]


class ArchiveAccess(Base):
    """Who looked at whose archive: party membership and study records are sensitive."""

    __tablename__ = "archive_access"

    id: Mapped[int] = mapped_column(primary_key=True)
    viewer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    viewed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


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
