"""Commendation rounds (评先评优) and what they leave behind.

A committee opens a round for its subtree and a year: the honour's title, how many may be
commended, a nomination deadline, the 公示 period in days and how many co-signers a peer
nomination needs. The round moves nominating → notice (公示) → published.

A nomination names one member once per round (the schema holds it). It is made by staff of an
organisation inside the round (``origin``: a branch, or the committee itself) or by a fellow
member of the nominee's branch, whose nomination waits (``gathering``) for its co-signers. It is
then reviewed level by level up the tree from ``origin`` to the round's committee: each level
approves with a comment or returns it with a reason; the nominator may revise and resubmit.
Every step is appended to ``honour_steps`` and never changed.

An honour is a record in the member's file, appended on publication and never edited: a
revocation is a second record that names the first.
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

ROUND_STATES = {"nominating": "推荐中", "notice": "公示中", "published": "已公布"}
NOMINATION_KINDS = {"committee": "党委推荐", "branch": "党组织推荐", "peer": "党员联名推荐"}
NOMINATION_STATES = {
    "gathering": "征集联名",
    "review": "审核中",
    "returned": "已退回",
    "approved": "审核通过",
    "withdrawn": "已撤销",
    "honoured": "已表彰",
}
STEP_ACTIONS = {
    "submit": "提交推荐",
    "cosign": "联名",
    "approve": "审核通过",
    "return": "退回",
    "resubmit": "修改后重新提交",
    "withdraw": "撤销提名",
    "honour": "公布表彰",
}
OBJECTION_STATES = {"open": "待处理", "upheld": "异议成立", "dismissed": "异议不成立"}
HONOUR_KINDS = {"award": "表彰", "revocation": "撤销表彰"}


class HonourRound(Base):
    __tablename__ = "honour_rounds"
    __table_args__ = (
        CheckConstraint("state IN ('nominating', 'notice', 'published')", name="state"),
        CheckConstraint("quota >= 1", name="quota"),
        CheckConstraint("notice_days BETWEEN 1 AND 30", name="notice_days"),
        CheckConstraint("cosigners BETWEEN 0 AND 50", name="cosigners"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The committee that opens, reviews last and publishes; the round covers its subtree.
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    year: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(100))
    quota: Mapped[int] = mapped_column(Integer)
    nomination_deadline: Mapped[date] = mapped_column(Date)
    notice_days: Mapped[int] = mapped_column(Integer)
    cosigners: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(12), default="nominating")
    notice_starts_on: Mapped[date | None] = mapped_column(Date)
    notice_ends_on: Mapped[date | None] = mapped_column(Date)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    org: Mapped[Organisation] = relationship()

    @property
    def state_label(self) -> str:
        return ROUND_STATES[self.state]

    def accepts_nominations(self, today: date) -> bool:
        return self.state == "nominating" and today <= self.nomination_deadline

    def in_notice(self, today: date) -> bool:
        return (
            self.state == "notice"
            and self.notice_starts_on is not None
            and self.notice_ends_on is not None
            and self.notice_starts_on <= today <= self.notice_ends_on
        )


class Nomination(Base):
    __tablename__ = "honour_nominations"
    __table_args__ = (
        # One nomination per member and round: a second submission finds the first.
        UniqueConstraint("round_id", "member_id"),
        CheckConstraint("kind IN ('committee', 'branch', 'peer')", name="kind"),
        CheckConstraint(
            "state IN ('gathering', 'review', 'returned', 'approved', 'withdrawn', 'honoured')",
            name="state",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("honour_rounds.id", ondelete="RESTRICT"))
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    nominator_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(10))
    # Where the nomination was made: the branch (or other organisation) of its staff, the
    # branch the peers share, or the committee itself. Review starts above (or, for peers, at) it.
    origin_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"))
    # The level whose turn it is while the nomination is in review.
    level_org_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    reasons: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    round: Mapped[HonourRound] = relationship()
    member: Mapped[User] = relationship(foreign_keys=[member_id])
    nominator: Mapped[User] = relationship(foreign_keys=[nominator_id])
    origin_org: Mapped[Organisation] = relationship(foreign_keys=[origin_org_id])
    level_org: Mapped[Organisation | None] = relationship(foreign_keys=[level_org_id])
    steps: Mapped[list[NominationStep]] = relationship(order_by="NominationStep.id", viewonly=True)
    cosigns: Mapped[list[Cosign]] = relationship(order_by="Cosign.id", viewonly=True)

    @property
    def kind_label(self) -> str:
        return NOMINATION_KINDS[self.kind]

    @property
    def state_label(self) -> str:
        return NOMINATION_STATES[self.state]


class NominationStep(Base):
    """One thing done to a nomination, by whom, at which level, with what comment: appended."""

    __tablename__ = "honour_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    nomination_id: Mapped[int] = mapped_column(
        ForeignKey("honour_nominations.id", ondelete="RESTRICT"), index=True
    )
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"))
    action: Mapped[str] = mapped_column(String(10))
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User] = relationship()
    org: Mapped[Organisation | None] = relationship()

    @property
    def action_label(self) -> str:
        return STEP_ACTIONS[self.action]


class Cosign(Base):
    """A fellow branch member's signature under a peer nomination: once each."""

    __tablename__ = "honour_cosigns"
    __table_args__ = (UniqueConstraint("nomination_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    nomination_id: Mapped[int] = mapped_column(
        ForeignKey("honour_nominations.id", ondelete="RESTRICT")
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Objection(Base):
    """A member's objection during the 公示, handled by the round's committee like a suggestion.

    The author's name is for the committee's staff only; nobody else is ever shown it.
    """

    __tablename__ = "honour_objections"
    __table_args__ = (
        CheckConstraint("state IN ('open', 'upheld', 'dismissed')", name="state"),
        Index("ix_honour_objections_round_state", "round_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("honour_rounds.id", ondelete="RESTRICT"))
    nomination_id: Mapped[int] = mapped_column(
        ForeignKey("honour_nominations.id", ondelete="RESTRICT")
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    body: Mapped[str] = mapped_column(Text)
    file_name: Mapped[str | None] = mapped_column(String(100))
    file_mime: Mapped[str | None] = mapped_column(String(50))
    state: Mapped[str] = mapped_column(String(10), default="open")
    resolution: Mapped[str] = mapped_column(Text, default="")
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    nomination: Mapped[Nomination] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])

    @property
    def state_label(self) -> str:
        return OBJECTION_STATES[self.state]


class Honour(Base):
    """An honour in a member's record, a snapshot of the round on the day it was published.

    Appended, never edited. A revocation is a record of kind ``revocation`` naming the award it
    revokes (at most one per award).
    """

    __tablename__ = "honours"
    __table_args__ = (
        CheckConstraint("kind IN ('award', 'revocation')", name="kind"),
        CheckConstraint("(kind = 'award') = (revokes_id IS NULL)", name="revocation_names_award"),
        UniqueConstraint("revokes_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    round_id: Mapped[int | None] = mapped_column(
        ForeignKey("honour_rounds.id", ondelete="SET NULL")
    )
    revokes_id: Mapped[int | None] = mapped_column(ForeignKey("honours.id", ondelete="RESTRICT"))
    year: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(100))
    member_name: Mapped[str] = mapped_column(String(100))
    org_name: Mapped[str] = mapped_column(String(100))
    awarded_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
