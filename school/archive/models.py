"""The study archive (学习档案): an append-only ledger of everything a member studied, and the
running totals (course and year progress) kept with it in the same transaction."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from school.db import Base, Hours, UTCDateTime, utcnow

if TYPE_CHECKING:
    from school.auth.models import User

ENTRY_KINDS = {
    "lesson": "课时学习",
    "course": "完成课程",
    "quiz": "测验",
    "offline": "线下学习",
    "correction": "更正",
}
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
        CheckConstraint(
            "kind IN ('lesson', 'course', 'quiz', 'offline', 'correction')", name="kind"
        ),
        CheckConstraint("source IN ('online', 'offline')", name="source"),
        # A correction names the entry it takes back and why, and never adds 学时; only a
        # correction names another entry.
        CheckConstraint(
            "(kind = 'correction' AND corrects_id IS NOT NULL AND reason IS NOT NULL"
            " AND hours <= 0) OR (kind <> 'correction' AND corrects_id IS NULL)",
            name="correction",
        ),
        # At most one correction per entry.
        Index("ix_archive_entries_corrects_id", "corrects_id", unique=True),
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
    # Quiz attempts recorded since these were snapshotted: which quiz (a plain reference, like
    # course_id) and which of the member's attempts at it. Older entries hold neither.
    quiz_id: Mapped[int | None] = mapped_column(Integer)
    attempt_number: Mapped[int | None] = mapped_column(Integer)
    course_id: Mapped[int | None] = mapped_column(Integer)
    lesson_id: Mapped[int | None] = mapped_column(Integer)
    dedupe_key: Mapped[str | None] = mapped_column(String(64))
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    # A correction: the entry it takes back (a plain reference like course_id; the ledger never
    # deletes, so it always holds) and the reason staff gave.
    corrects_id: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(String(200))

    # Who credited an offline study; the archive page loads it with the entries.
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])

    @property
    def kind_label(self) -> str:
        return ENTRY_KINDS[self.kind]

    @property
    def source_label(self) -> str:
        return SOURCES[self.source]

    @property
    def label(self) -> str:
        """What kind of study this was, in words: "线上·课时学习", "线下学习" (not "线下·线下")."""
        if self.kind in ("offline", "correction"):
            return self.kind_label
        return f"{self.source_label}·{self.kind_label}"

    @property
    def attempt_id(self) -> int | None:
        """The attempt a quiz entry records: its dedupe key names it, in every quiz entry."""
        if self.kind != "quiz" or not (self.dedupe_key or "").startswith("attempt:"):
            return None
        return int(self.dedupe_key.removeprefix("attempt:"))

    @property
    def percent(self) -> Decimal | None:
        """A quiz entry's score out of 100, to one decimal."""
        if self.score is None or not self.max_score:
            return None
        return (self.score * 100 / self.max_score).quantize(Decimal("0.1"))


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


# The twelve local months of a year, as the month columns of the tables below are named.
MONTHS = tuple(f"m{m}" for m in range(1, 13))


class YearHours:
    """学时 of a year in total and month by month: twelve columns rather than twelve rows, so a
    city-wide trend is one pass over one row per member (or per rollup key)."""

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


class YearProgress(YearHours, Base):
    """学时 a member earned in one local calendar year, in total and month by month."""

    __tablename__ = "year_progress"
    # The reports' on-track correction reads the members of a year within a band of 学时.
    __table_args__ = (Index("ix_year_progress_year_hours", "year", "hours"),)

    member_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), primary_key=True
    )
    year: Mapped[int] = mapped_column(Integer, primary_key=True, index=True)
    courses_completed: Mapped[int] = mapped_column(Integer, default=0)
    last_activity_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# --- report rollups -------------------------------------------------------------------------------
#
# A report adds up these rows, not the members: see school/archive/rollups.py for what each row
# holds and how a subtree's figures come out of them.
#
# Key columns shared by the three tables: ``level`` 0 rows are kept at the organisation itself,
# level 1 rows at its ancestor two levels from the top (a district), so the city report reads a
# row per district rather than one per branch. ``side`` says how the members relate to
# ``org_id``: their home organisation (home), their host (host), the lowest organisation above
# both (both), or home and host in one (same). ``stripe`` spreads the rows of the top two levels
# over a few rows, so no single row takes every completion of the city.
ROLLUP_SIDES = ("home", "host", "both", "same")
_SIDE_CHECK = "side IN ('home', 'host', 'both', 'same')"


class RollupMembers(Base):
    """How many members (and cadres among them) one rollup key counts, in any year."""

    __tablename__ = "rollup_members"
    __table_args__ = (CheckConstraint(_SIDE_CHECK, name="side"),)

    # Level and organisation lead the key: a report reads one level of one subtree.
    level: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Organisation ids are plain references, like the archive's: rows outlive a closed branch.
    org_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    side: Mapped[str] = mapped_column(String(4), primary_key=True)
    stripe: Mapped[int] = mapped_column(Integer, primary_key=True)
    is_floating: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    members: Mapped[int] = mapped_column(Integer, default=0)
    cadres: Mapped[int] = mapped_column(Integer, default=0)


class RollupYear(YearHours, Base):
    """A year's 学时 (in total and per month) and status counts of one rollup key's members.

    Members who have not started are not counted here: they are the key's members less these.
    """

    __tablename__ = "rollup_years"
    __table_args__ = (CheckConstraint(_SIDE_CHECK, name="side"),)

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    level: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    side: Mapped[str] = mapped_column(String(4), primary_key=True)
    stripe: Mapped[int] = mapped_column(Integer, primary_key=True)
    is_floating: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    met: Mapped[int] = mapped_column(Integer, default=0)
    on_track: Mapped[int] = mapped_column(Integer, default=0)
    behind: Mapped[int] = mapped_column(Integer, default=0)


class RollupCourse(Base):
    """How many of one rollup key's members completed a course."""

    __tablename__ = "rollup_courses"
    __table_args__ = (CheckConstraint(_SIDE_CHECK, name="side"),)

    level: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    side: Mapped[str] = mapped_column(String(4), primary_key=True)
    stripe: Mapped[int] = mapped_column(Integer, primary_key=True)
    is_floating: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    completed: Mapped[int] = mapped_column(Integer, default=0)


class RollupPace(Base):
    """The share of a year (per mille) that the rollups' on-track/behind split was made against.

    A year without a row counts as 0: every member who started is on track.
    """

    __tablename__ = "rollup_pace"
    __table_args__ = (CheckConstraint("due BETWEEN 0 AND 1000", name="due"),)

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    due: Mapped[int] = mapped_column(Integer)


class RollupMembersPast(Base):
    """A closed year's correction to ``rollup_members``: members whose rollup key changed after
    the year ended add here their key of that year and take away their current one."""

    __tablename__ = "rollup_members_past"
    __table_args__ = (CheckConstraint(_SIDE_CHECK, name="side"),)

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    level: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    side: Mapped[str] = mapped_column(String(4), primary_key=True)
    stripe: Mapped[int] = mapped_column(Integer, primary_key=True)
    is_floating: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    members: Mapped[int] = mapped_column(Integer, default=0)
    cadres: Mapped[int] = mapped_column(Integer, default=0)


class MemberYear(Base):
    """Where a member was counted at the end of a closed year, kept only when that differs from
    where they are counted now (a transfer, a move between hosts, a new flag since): reports of
    that year count them here. A member with no row for a year is counted where they are now."""

    __tablename__ = "member_years"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    year: Mapped[int] = mapped_column(Integer, primary_key=True, index=True)
    # Plain references, like the rollups': a closed branch still holds its past years.
    home_org_id: Mapped[int | None] = mapped_column(Integer)
    host_org_id: Mapped[int | None] = mapped_column(Integer)
    is_floating: Mapped[bool] = mapped_column(Boolean, default=False)
    is_cadre: Mapped[bool] = mapped_column(Boolean, default=False)


class MemberMonth(Base):
    """Where a member was at the end of a recent finished month, kept only when they have moved
    (or their floating or cadre flag changed) since, ``rollups.MONTHS_KEPT`` months back: a
    periodic report home (定期通报) of that month, and a report "as of the end of" it, count them
    here. A member with no row for a month was where, and as, they are now."""

    __tablename__ = "member_months"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    month: Mapped[date] = mapped_column(Date, primary_key=True, index=True)  # its first day
    # Plain references, like member_years': a closed branch still holds its past months.
    home_org_id: Mapped[int | None] = mapped_column(Integer)
    host_org_id: Mapped[int | None] = mapped_column(Integer)
    is_floating: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    is_cadre: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
