"""Points (积分): rules in versions, an append-only ledger, and the running totals kept with it.

Points are not 学时: nothing here touches the study archive or the yearly quota.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from school.db import Base, UTCDateTime, utcnow

# What earns points, in the order the pages list them. The key is stored on rules and entries.
ACTIONS = {
    "lesson": "学习一节课",
    "course": "完成一门课程",
    "exam": "通过考试",
    "practice": "每天做练习测验",
    "daily_practice": "每日答题",
    "class": "参加培训班一次课",
    "answer": "回答问题被采纳",
    "notice": "按时阅读必读通知",
    "honour": "获得表彰",
}
# A staff correction: an entry of its own, never an edit of the one it corrects.
CORRECTION = "correction"
ENTRY_KINDS = {**ACTIONS, CORRECTION: "更正"}

_ACTION_CHECK = "action IN ({})".format(", ".join(f"'{a}'" for a in ACTIONS))
_ENTRY_CHECK = "action IN ({})".format(", ".join(f"'{a}'" for a in ENTRY_KINDS))
# The largest number a rule, a cap or a correction may name.
MAX_POINTS = 10000


class PointRule(Base):
    """One version of the rule for an action, in force from ``effective_from`` until the next
    version's date. Versions are never edited: a change is a new row, so an entry names the
    version it was earned under and keeps it."""

    __tablename__ = "point_rules"
    __table_args__ = (
        UniqueConstraint("action", "effective_from"),
        CheckConstraint(_ACTION_CHECK, name="action"),
        CheckConstraint(f"points BETWEEN 0 AND {MAX_POINTS}", name="points"),
        CheckConstraint(
            f"daily_cap IS NULL OR daily_cap BETWEEN 1 AND {MAX_POINTS}", name="daily_cap"
        ),
        CheckConstraint(
            f"yearly_cap IS NULL OR yearly_cap BETWEEN 1 AND {MAX_POINTS * 100}",
            name="yearly_cap",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    action: Mapped[str] = mapped_column(String(20))
    # 0 switches the action off from that date.
    points: Mapped[int] = mapped_column(Integer)
    daily_cap: Mapped[int | None] = mapped_column(Integer)
    yearly_cap: Mapped[int | None] = mapped_column(Integer)
    effective_from: Mapped[date] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def label(self) -> str:
        return ACTIONS[self.action]


class PointEntry(Base):
    """One line of a member's points ledger: appended, never updated (the migration adds
    triggers that refuse UPDATE and DELETE). ``source`` names what earned it (``lesson:12``), so
    an event delivered twice awards once; a correction's source is the form's one-time key."""

    __tablename__ = "point_entries"
    __table_args__ = (
        UniqueConstraint("member_id", "action", "source"),
        CheckConstraint(_ENTRY_CHECK, name="action"),
        CheckConstraint("points <> 0", name="points"),
        # An award names its rule version; a correction names who made it and why, and no rule.
        CheckConstraint(
            f"(action = '{CORRECTION}' AND rule_id IS NULL AND recorded_by_id IS NOT NULL"
            f" AND reason <> '') OR (action <> '{CORRECTION}' AND rule_id IS NOT NULL)",
            name="correction",
        ),
        # The member's page reads the newest entries first.
        Index("ix_point_entries_member_id_id", "member_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    action: Mapped[str] = mapped_column(String(20))
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("point_rules.id", ondelete="RESTRICT"))
    points: Mapped[int] = mapped_column(Integer)
    # What was done, snapshotted ("课时：党员的权利"), or a correction's reason.
    reason: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(64))
    # The local day it counts for (caps and totals), and when it was earned.
    day: Mapped[date] = mapped_column(Date)
    earned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))

    @property
    def label(self) -> str:
        return ENTRY_KINDS[self.action]


class PointDay(Base):
    """A member's points for one action on one local day, kept in the award's transaction: the
    daily cap is checked against it (locked), and today's total is the sum of a few rows."""

    __tablename__ = "point_days"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    action: Mapped[str] = mapped_column(String(20), primary_key=True)
    points: Mapped[int] = mapped_column(Integer, default=0)


class PointYear(Base):
    """A member's points for one action in one local year, kept like ``PointDay``: the yearly
    cap, the year's total and the staff reports read these rows, never the ledger."""

    __tablename__ = "point_years"
    # Reports total a year over many members.
    __table_args__ = (Index("ix_point_years_year_member_id", "year", "member_id"),)

    member_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), primary_key=True
    )
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    action: Mapped[str] = mapped_column(String(20), primary_key=True)
    points: Mapped[int] = mapped_column(Integer, default=0)


class PointSetting(Base):
    """A member's choice to show their name in their branch's ranking (absent: not shown)."""

    __tablename__ = "point_settings"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    show_name: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
