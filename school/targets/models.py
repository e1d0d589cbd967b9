"""Target schemes (目标管理), their indicators, staff scores and the members' self-reports.

A scheme is a draft until published; a published scheme's indicators never change (a new
version replaces it, the old one stays as history, marked superseded). Scores are history too:
a new score row for the same indicator and member supersedes the earlier one, which stays.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from school.auth.models import User
from school.db import Base, UTCDateTime, utcnow
from school.orgs.models import Organisation

DIMENSIONS = {
    "political": "政治思想",
    "discipline": "执行纪律",
    "organisation": "组织观念",
    "role": "发挥作用",
}
SIDES = {"home": "流出地（组织关系所在）", "host": "流入地（流入本组织）"}
SIDE_SHORT = {"home": "流出地", "host": "流入地"}
STATUSES = {"draft": "草稿", "published": "已发布", "superseded": "已被新版本取代"}
# How an indicator is measured: by the school from its own records, or by staff.
MEASURES = {
    "hours": "学时达标（自动）",
    "campaigns": "专题教育完成（自动）",
    "offline": "线下学习和培训出勤（自动）",
    "board": "咨询建议参与（自动）",
    "manual": "党组织评分（人工）",
}
# The count that earns full points, when the scheme does not say.
DEFAULT_THRESHOLDS = {"offline": 4, "board": 3}


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class TargetScheme(Base):
    """One organisation's target scheme for one year and one side of its members."""

    __tablename__ = "target_schemes"
    __table_args__ = (
        CheckConstraint(_in("side", SIDES), name="side"),
        CheckConstraint(_in("status", STATUSES), name="status"),
        CheckConstraint("period_end >= period_start", name="period"),
        CheckConstraint("version >= 1", name="version"),
        UniqueConstraint("org_id", "side", "year", "version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The defining organisation: its managers (and those above) edit, publish and score.
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"))
    side: Mapped[str] = mapped_column(String(4))
    year: Mapped[int] = mapped_column(Integer, index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12), default="draft")
    # The appraisal period (local dates, both inclusive): members write their self-report.
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    org: Mapped[Organisation] = relationship()
    indicators: Mapped[list[TargetIndicator]] = relationship(
        back_populates="scheme",
        order_by="(TargetIndicator.position, TargetIndicator.id)",
        cascade="all, delete-orphan",
    )

    @property
    def side_label(self) -> str:
        return SIDES[self.side]

    @property
    def status_label(self) -> str:
        return STATUSES[self.status]

    @property
    def is_draft(self) -> bool:
        return self.status == "draft"

    @property
    def total_weight(self) -> int:
        return sum(i.weight for i in self.indicators)

    def in_period(self, today: date) -> bool:
        """Members may write or change their self-report today."""
        return self.status == "published" and self.period_start <= today <= self.period_end


class TargetIndicator(Base):
    """One indicator of a scheme: what is asked, how many points, how it is measured."""

    __tablename__ = "target_indicators"
    __table_args__ = (
        CheckConstraint(_in("dimension", DIMENSIONS), name="dimension"),
        CheckConstraint(_in("measure", MEASURES), name="measure"),
        CheckConstraint("weight BETWEEN 1 AND 100", name="weight"),
        CheckConstraint("threshold IS NULL OR threshold BETWEEN 1 AND 1000", name="threshold"),
        # A manual indicator says which side scores it; an automatic one has no scorer.
        CheckConstraint(
            "(measure = 'manual' AND scorer_side IN ('home', 'host'))"
            " OR (measure <> 'manual' AND scorer_side IS NULL)",
            name="scorer_side",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_id: Mapped[int] = mapped_column(
        ForeignKey("target_schemes.id", ondelete="CASCADE"), index=True
    )
    dimension: Mapped[str] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(500), default="")
    weight: Mapped[int] = mapped_column(Integer)
    measure: Mapped[str] = mapped_column(String(12))
    # offline and board: the count that earns full points (proportional below).
    threshold: Mapped[int | None] = mapped_column(Integer)
    scorer_side: Mapped[str | None] = mapped_column(String(4))

    scheme: Mapped[TargetScheme] = relationship(back_populates="indicators")

    @property
    def dimension_label(self) -> str:
        return DIMENSIONS[self.dimension]

    @property
    def measure_label(self) -> str:
        return MEASURES[self.measure]

    @property
    def is_manual(self) -> bool:
        return self.measure == "manual"

    @property
    def full_count(self) -> int:
        return self.threshold or DEFAULT_THRESHOLDS.get(self.measure, 1)


class TargetScore(Base):
    """Staff's score of a manual indicator for a member. Never updated: a later row supersedes."""

    __tablename__ = "target_scores"
    __table_args__ = (
        CheckConstraint("points >= 0 AND points <= 100", name="points"),
        Index("ix_target_scores_member_indicator", "member_id", "indicator_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(
        ForeignKey("target_indicators.id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    points: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(String(500), default="")
    scored_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    scored_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    scored_by: Mapped[User] = relationship(foreign_keys=[scored_by_id])


class SelfReport(Base):
    """The member's self-report (自评/述职) under a scheme: one per member, edited in place."""

    __tablename__ = "target_self_reports"
    __table_args__ = (UniqueConstraint("scheme_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("target_schemes.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
