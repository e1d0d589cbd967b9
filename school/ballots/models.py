"""Secret ballots and the recommendation ballots (参政议政) built on them.

The core keeps three tables and nothing that links a voter to a ballot:

* ``ballot_boxes``: one round (its kind, window, minimum turnout and smallest group shown);
* ``ballot_voters``: who has voted in a box and when, only to stop a second ballot;
* ``ballot_marks``: one row per mark of a ballot, keyed by (box, random ballot key, subject),
  with no voter, no timestamp and no sequential id that could be matched against the voters'
  order.

A recommendation (``recommendations``) names the box it counts in, its candidates (the box's
subjects), the organisation subtrees whose members may vote, and an append-only log of what
staff did to it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from school.auth.models import User
from school.db import Base, UTCDateTime, utcnow
from school.orgs.models import Organisation, SubtreeTarget

BOX_KINDS = {"recommendation": "推荐投票", "appraisal": "民主评议"}
KINDS = {
    "party_congress": "推荐党代表候选人",
    "npc": "推荐人大代表候选人",
    "cppcc": "推荐政协委员候选人",
}
ACTIONS = {"created": "创建", "changed": "修改", "cancelled": "取消"}


class BallotBox(Base):
    """One secret-ballot round: open from ``opens_at`` (inclusive) to ``closes_at`` (exclusive)."""

    __tablename__ = "ballot_boxes"
    __table_args__ = (
        CheckConstraint("closes_at > opens_at", name="window"),
        CheckConstraint("min_turnout BETWEEN 0 AND 100", name="min_turnout"),
        CheckConstraint("min_group >= 1", name="min_group"),
        CheckConstraint("kind IN ('recommendation', 'appraisal')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # Results show only when at least this share of the eligible voted (percent) …
    min_turnout: Mapped[int] = mapped_column(Integer, default=50)
    # … and at least this many voted: fewer ballots could be told apart by their voters.
    min_group: Mapped[int] = mapped_column(Integer, default=5)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def is_open(self, now: datetime) -> bool:
        return self.opens_at <= now < self.closes_at

    def has_opened(self, now: datetime) -> bool:
        return now >= self.opens_at

    def is_closed(self, now: datetime) -> bool:
        return now >= self.closes_at


class BallotVoter(Base):
    """That a member has voted in a box, and when: never which ballot is theirs."""

    __tablename__ = "ballot_voters"

    box_id: Mapped[int] = mapped_column(
        ForeignKey("ballot_boxes.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), primary_key=True, index=True
    )
    voted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BallotMark(Base):
    """One mark of one ballot: the marks of a ballot share a random key and nothing else."""

    __tablename__ = "ballot_marks"

    box_id: Mapped[int] = mapped_column(
        ForeignKey("ballot_boxes.id", ondelete="CASCADE"), primary_key=True
    )
    ballot_key: Mapped[str] = mapped_column(String(32), primary_key=True)
    # A candidate's or a peer's id, as the feature using the box defines its subjects.
    subject_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    choice: Mapped[str] = mapped_column(String(20))


class Recommendation(Base):
    """A recommendation ballot (推荐党代表 / 人大代表 / 政协委员候选人) over one ballot box."""

    __tablename__ = "recommendations"
    __table_args__ = (
        CheckConstraint("kind IN ('party_congress', 'npc', 'cppcc')", name="kind"),
        CheckConstraint("max_choices >= 1", name="max_choices"),
        CheckConstraint("status IN ('active', 'cancelled')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    box_id: Mapped[int] = mapped_column(
        ForeignKey("ballot_boxes.id", ondelete="RESTRICT"), unique=True
    )
    # The organisation whose managers set it up, change it, cancel it and read its audit.
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text, default="")
    max_choices: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(20), default="active", index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    box: Mapped[BallotBox] = relationship()
    org: Mapped[Organisation] = relationship()
    created_by: Mapped[User] = relationship()
    candidates: Mapped[list[Candidate]] = relationship(
        back_populates="recommendation",
        order_by="(Candidate.position, Candidate.id)",
        cascade="all, delete-orphan",
    )
    targets: Mapped[list[RecommendationTarget]] = relationship(
        back_populates="recommendation",
        order_by="RecommendationTarget.id",
        cascade="all, delete-orphan",
    )
    log: Mapped[list[RecommendationLog]] = relationship(
        order_by="(RecommendationLog.at, RecommendationLog.id)", viewonly=True
    )

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]

    @property
    def is_cancelled(self) -> bool:
        return self.status == "cancelled"

    def state(self, now: datetime) -> str:
        """cancelled, scheduled (not open yet), open or closed."""
        if self.is_cancelled:
            return "cancelled"
        if not self.box.has_opened(now):
            return "scheduled"
        return "closed" if self.box.is_closed(now) else "open"


STATES = {"cancelled": "已取消", "scheduled": "未开始", "open": "投票中", "closed": "已结束"}


class Candidate(Base):
    """A candidate: a name and a short introduction, perhaps a member of the school."""

    __tablename__ = "recommendation_candidates"

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(50))
    introduction: Mapped[str] = mapped_column(String(500), default="")
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)

    recommendation: Mapped[Recommendation] = relationship(back_populates="candidates")
    member: Mapped[User | None] = relationship()


class RecommendationTarget(SubtreeTarget, Base):
    """An organisation subtree whose members may vote, on which side, floating members only."""

    __tablename__ = "recommendation_targets"
    __table_args__ = (
        CheckConstraint("side IN ('both', 'home', 'host')", name="side"),
        UniqueConstraint("recommendation_id", "org_id", "side", "floating_only"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendations.id", ondelete="CASCADE"), index=True
    )

    recommendation: Mapped[Recommendation] = relationship(back_populates="targets")


class RecommendationLog(Base):
    """What staff did to a recommendation, appended and never changed (the audit's history)."""

    __tablename__ = "recommendation_log"
    __table_args__ = (
        CheckConstraint("action IN ('created', 'changed', 'cancelled')", name="action"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendations.id", ondelete="CASCADE"), index=True
    )
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    action: Mapped[str] = mapped_column(String(20))
    # The settings as they stood after the action (title, window, K, targets, candidates).
    detail: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User] = relationship()

    @property
    def action_label(self) -> str:
        return ACTIONS[self.action]


@event.listens_for(RecommendationLog, "before_update")
@event.listens_for(RecommendationLog, "before_delete")
def _append_only(mapper, connection, target) -> None:
    raise ValueError("投票记录只能追加，不能修改或删除。")
