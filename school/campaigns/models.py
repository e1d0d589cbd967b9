"""Campaigns (专题教育活动): what an organisation asks its members to study by a deadline.

A campaign names its items (courses and quizzes, each required or optional), the organisations
it targets (whole subtrees, home or host side, floating members only or all) and its dates.
Nothing here stores who is targeted or how far they are: both are read from the members' current
organisations and the completion data the school already keeps (school/campaigns/progress.py).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from school.auth.models import User
from school.courses.models import Course
from school.db import Base, Hours, UTCDateTime, utcnow
from school.orgs.models import Organisation, SubtreeTarget
from school.quizzes.models import Quiz

STATUSES = {"draft": "草稿", "launched": "进行中", "closed": "已结束"}
# A member's standing in a campaign, in the order reports list them.
STATES = {
    "finished": "已完成",
    "in_progress": "学习中",
    "not_started": "未开始",
    "overdue": "已逾期",
}


class Campaign(Base):
    """One campaign: draft (editable) → launched (members see it) → closed (history)."""

    __tablename__ = "campaigns"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'launched', 'closed')", name="status"),
        CheckConstraint("deadline >= start_on", name="dates"),
        CheckConstraint("hours_target IS NULL OR hours_target > 0", name="hours_target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    # The launching organisation: its managers edit, launch, close and report on the campaign.
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    launched_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    # Local dates, both inclusive.
    start_on: Mapped[date] = mapped_column(Date)
    deadline: Mapped[date] = mapped_column(Date, index=True)
    # 学时 the member must earn between start and deadline (any study), besides the items.
    hours_target: Mapped[Decimal | None] = mapped_column(Hours)
    # Days before the deadline on which the daily command reminds those not finished: "14,7,1".
    remind_days: Mapped[str] = mapped_column(String(40), default="14,7,1")
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    # Members who finish the campaign receive a certificate (school/certificates/).
    certificate: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    launched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    org: Mapped[Organisation] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    launched_by: Mapped[User | None] = relationship(foreign_keys=[launched_by_id])
    items: Mapped[list[CampaignItem]] = relationship(
        back_populates="campaign",
        order_by="(CampaignItem.position, CampaignItem.id)",
        cascade="all, delete-orphan",
    )
    targets: Mapped[list[CampaignTarget]] = relationship(
        back_populates="campaign", order_by="CampaignTarget.id", cascade="all, delete-orphan"
    )

    @property
    def status_label(self) -> str:
        return STATUSES[self.status]

    @property
    def is_draft(self) -> bool:
        return self.status == "draft"

    @property
    def is_launched(self) -> bool:
        return self.status == "launched"

    @property
    def reminder_points(self) -> list[int]:
        """The configured days before the deadline, largest first."""
        return sorted({int(p) for p in self.remind_days.split(",") if p.strip()}, reverse=True)

    @property
    def required_items(self) -> list[CampaignItem]:
        return [item for item in self.items if item.required]


class CampaignItem(Base):
    """A course or a quiz of a campaign, required or optional."""

    __tablename__ = "campaign_items"
    __table_args__ = (
        CheckConstraint("(course_id IS NULL) <> (quiz_id IS NULL)", name="one_thing"),
        UniqueConstraint("campaign_id", "course_id"),
        UniqueConstraint("campaign_id", "quiz_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    course_id: Mapped[int | None] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), index=True
    )
    quiz_id: Mapped[int | None] = mapped_column(
        ForeignKey("quizzes.id", ondelete="CASCADE"), index=True
    )
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    campaign: Mapped[Campaign] = relationship(back_populates="items")
    course: Mapped[Course | None] = relationship()
    quiz: Mapped[Quiz | None] = relationship()

    @property
    def title(self) -> str:
        return self.course.title if self.course else self.quiz.title if self.quiz else ""

    @property
    def kind_label(self) -> str:
        return "课程" if self.course_id else "测验"


class CampaignTarget(SubtreeTarget, Base):
    """An organisation subtree a campaign reaches, on which side and whether floating only."""

    __tablename__ = "campaign_targets"
    __table_args__ = (
        CheckConstraint("side IN ('both', 'home', 'host')", name="side"),
        UniqueConstraint("campaign_id", "org_id", "side", "floating_only"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )

    campaign: Mapped[Campaign] = relationship(back_populates="targets")
