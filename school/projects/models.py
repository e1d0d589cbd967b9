"""Hometown projects (家乡项目): what an organisation offers, who is interested, who followed up.

A project is published by one organisation for the members of its subtree, floating members
away from home included. Its status moves draft → 招商中 ⇄ 洽谈中, either of them ⇄ 暂停, and on
to 已落地 or 已关闭; each change is appended to ``project_status_changes`` and never edited.

A member registers interest once per project (the schema holds it) and may edit or withdraw it;
recommendations of a contact (someone who is not a user) may be several, but the same phone
number once per member and project. Staff of the publishing organisation follow each one up:
every follow-up is appended to ``project_followups`` (with the member's own withdrawals and
renewals), and the row keeps the latest state so lists and counts need no log.
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

SECTORS = ("农业", "制造业", "文旅", "商贸物流", "数字经济", "基础设施", "社会事业", "其他")
STATUSES = {
    "draft": "草稿",
    "open": "招商中",
    "negotiating": "洽谈中",
    "paused": "暂停招商",
    "landed": "已落地",
    "closed": "已关闭",
}
# Where each status may go next; a closed or landed project is over (closed ends a landed one).
MOVES = {
    "draft": ("open",),
    "open": ("negotiating", "paused", "landed", "closed"),
    "negotiating": ("open", "paused", "landed", "closed"),
    "paused": ("open", "negotiating", "closed"),
    "landed": ("closed",),
    "closed": (),
}
# Only these take new interest and recommendations (and edits to them).
TAKING = ("open", "negotiating")
# Investment size in 万元 (whole numbers); NULL is 面议. Up to 1,000 亿元.
SIZE_MIN, SIZE_MAX = 1, 10_000_000

HELP_KINDS = {"invest": "本人投资", "introduce": "介绍客商", "inform": "提供信息"}
FOLLOWUP_STATES = {
    "pending": "待联系",
    "contacted": "已联系",
    "talking": "洽谈中",
    "signed": "已签约",
    "declined": "无意向",
}
FOLLOWUP_ACTIONS = {"follow": "跟进", "withdraw": "党员撤回", "renew": "党员重新登记"}


def _in(column: str, values) -> str:
    return f"{column} IN (" + ", ".join(f"'{value}'" for value in values) + ")"


class Project(Base):
    __tablename__ = "projects"
    __table_args__ = (
        CheckConstraint(_in("status", STATUSES), name="status"),
        CheckConstraint(_in("sector", SECTORS), name="sector"),
        CheckConstraint(
            f"size_wan IS NULL OR size_wan BETWEEN {SIZE_MIN} AND {SIZE_MAX}", name="size_wan"
        ),
        # The members' list: published projects of a few organisations, newest first.
        Index("ix_projects_org_status", "org_id", "status"),
        # One name per organisation: a form sent twice makes one project.
        UniqueConstraint("org_id", "title"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The publishing organisation: its managers write, its staff and those above read, and the
    # members of its subtree (home or host side) see it once published.
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"))
    title: Mapped[str] = mapped_column(String(100))
    sector: Mapped[str] = mapped_column(String(10))
    place: Mapped[str] = mapped_column(String(100))
    size_wan: Mapped[int | None] = mapped_column(Integer)
    description_md: Mapped[str] = mapped_column(Text)
    contact_name: Mapped[str] = mapped_column(String(50))
    contact_phone: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(12), default="draft")
    # The cover's stored name under UPLOAD_DIR/projects (school.images re-encoded it).
    cover_name: Mapped[str | None] = mapped_column(String(100))
    cover_mime: Mapped[str | None] = mapped_column(String(50))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    org: Mapped[Organisation] = relationship()

    @property
    def status_label(self) -> str:
        return STATUSES[self.status]

    @property
    def is_published(self) -> bool:
        return self.status != "draft"

    @property
    def takes_interest(self) -> bool:
        return self.status in TAKING

    @property
    def size_text(self) -> str:
        return "面议" if self.size_wan is None else f"{self.size_wan:,} 万元"


class ProjectStatusChange(Base):
    """One move of a project's status, by whom, when and why: appended, never changed."""

    __tablename__ = "project_status_changes"
    __table_args__ = (
        CheckConstraint(_in("to_status", STATUSES), name="to_status"),
        CheckConstraint(
            "from_status IS NULL OR " + _in("from_status", STATUSES), name="from_status"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="RESTRICT"), index=True
    )
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str] = mapped_column(String(12))
    note: Mapped[str] = mapped_column(String(200), default="")
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User] = relationship()

    @property
    def to_label(self) -> str:
        return STATUSES[self.to_status]


class ProjectInterest(Base):
    """A member's interest in a project (意向): once per member, edited in place, withdrawn
    by a date rather than deleted."""

    __tablename__ = "project_interests"
    __table_args__ = (
        UniqueConstraint("project_id", "member_id"),
        CheckConstraint(_in("help", HELP_KINDS), name="help"),
        CheckConstraint(_in("state", FOLLOWUP_STATES), name="state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="RESTRICT"))
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    help: Mapped[str] = mapped_column(String(10))
    note: Mapped[str] = mapped_column(String(500), default="")
    # The latest follow-up state, and when staff last followed up (NULL: nobody yet).
    state: Mapped[str] = mapped_column(String(10), default="pending")
    followed_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    project: Mapped[Project] = relationship()
    member: Mapped[User] = relationship()

    @property
    def help_label(self) -> str:
        return HELP_KINDS[self.help]

    @property
    def state_label(self) -> str:
        return FOLLOWUP_STATES[self.state]

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None


class ProjectReferral(Base):
    """A contact a member recommends for a project (推荐客商): not a user of the school."""

    __tablename__ = "project_referrals"
    __table_args__ = (
        # The same contact twice from one member is a double submission, not a second contact.
        # (It also serves the project's list of referrals.)
        UniqueConstraint("project_id", "member_id", "phone"),
        CheckConstraint(_in("state", FOLLOWUP_STATES), name="state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="RESTRICT"))
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    company: Mapped[str] = mapped_column(String(100), default="")
    phone: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(String(500), default="")
    state: Mapped[str] = mapped_column(String(10), default="pending")
    followed_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    project: Mapped[Project] = relationship()
    member: Mapped[User] = relationship()

    @property
    def state_label(self) -> str:
        return FOLLOWUP_STATES[self.state]


class ProjectFollowUp(Base):
    """One entry in the log of an interest or a referral: a follow-up by staff, or the member
    withdrawing or renewing their interest. Appended, never changed."""

    __tablename__ = "project_followups"
    __table_args__ = (
        CheckConstraint("(interest_id IS NULL) <> (referral_id IS NULL)", name="one_subject"),
        CheckConstraint(_in("action", FOLLOWUP_ACTIONS), name="action"),
        CheckConstraint(_in("state", FOLLOWUP_STATES), name="state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    interest_id: Mapped[int | None] = mapped_column(
        ForeignKey("project_interests.id", ondelete="RESTRICT"), index=True
    )
    referral_id: Mapped[int | None] = mapped_column(
        ForeignKey("project_referrals.id", ondelete="RESTRICT"), index=True
    )
    action: Mapped[str] = mapped_column(String(10))
    # The state after this entry.
    state: Mapped[str] = mapped_column(String(10))
    # The day of the contact (staff's follow-ups only).
    contacted_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(500), default="")
    next_step: Mapped[str] = mapped_column(String(200), default="")
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User] = relationship()

    @property
    def action_label(self) -> str:
        return FOLLOWUP_ACTIONS[self.action]

    @property
    def state_label(self) -> str:
        return FOLLOWUP_STATES[self.state]
