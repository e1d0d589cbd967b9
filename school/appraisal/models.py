"""Democratic appraisal rounds (民主评议党员) and what members and staff record in them.

A round belongs to one organisation and one side (home: members whose membership is kept in its
subtree; host: members hosted there) and one year. Its participants are fixed when it is set up.
The peer ballot lives in the secret-ballot core (``round.box``): nothing here names a ballot.
Self-appraisals are edited in place until the round closes; the organisation's grades are
appended, the newest superseding the older ones, which are kept as history.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from school.auth.models import User
from school.ballots.models import BallotBox
from school.db import Base, UTCDateTime, utcnow
from school.orgs.models import Organisation

GRADES = ("优秀", "合格", "基本合格", "不合格")
SIDES = {"home": "组织关系在本组织（流出地）", "host": "流入本组织（流入地）"}
STATES = {"scheduled": "未开始", "open": "评议中", "closed": "已结束"}
_GRADE_CHECK = "grade IN ('优秀', '合格', '基本合格', '不合格')"


class AppraisalRound(Base):
    """One round of democratic appraisal of an organisation's members for a year."""

    __tablename__ = "appraisal_rounds"
    __table_args__ = (
        CheckConstraint("side IN ('home', 'host')", name="side"),
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    box_id: Mapped[int] = mapped_column(
        ForeignKey("ballot_boxes.id", ondelete="RESTRICT"), unique=True
    )
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    side: Mapped[str] = mapped_column(String(10), default="home")
    year: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    box: Mapped[BallotBox] = relationship()
    org: Mapped[Organisation] = relationship()
    participants: Mapped[list[AppraisalParticipant]] = relationship(
        back_populates="round", order_by="AppraisalParticipant.id", cascade="all, delete-orphan"
    )

    @property
    def side_label(self) -> str:
        return SIDES[self.side]

    def state(self, now: datetime) -> str:
        """scheduled (not open yet), open or closed."""
        if not self.box.has_opened(now):
            return "scheduled"
        return "closed" if self.box.is_closed(now) else "open"


class AppraisalParticipant(Base):
    """A member taking part in a round: covered by it when it was set up."""

    __tablename__ = "appraisal_participants"
    __table_args__ = (UniqueConstraint("round_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("appraisal_rounds.id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)

    round: Mapped[AppraisalRound] = relationship(back_populates="participants")
    member: Mapped[User] = relationship()


class SelfAppraisal(Base):
    """A participant's self-appraisal (自我评议): a self-grade and a short text, one per round."""

    __tablename__ = "appraisal_self"
    __table_args__ = (
        UniqueConstraint("round_id", "member_id"),
        CheckConstraint(_GRADE_CHECK, name="grade"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("appraisal_rounds.id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    grade: Mapped[str] = mapped_column(String(10))
    body: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AppraisalGrade(Base):
    """The organisation's grade (组织评定) of a participant: appended, the newest in force."""

    __tablename__ = "appraisal_grades"
    __table_args__ = (CheckConstraint(_GRADE_CHECK, name="grade"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("appraisal_rounds.id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    grade: Mapped[str] = mapped_column(String(10))
    comment: Mapped[str] = mapped_column(Text, default="")
    graded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    graded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    round: Mapped[AppraisalRound] = relationship()
    graded_by: Mapped[User] = relationship(foreign_keys=[graded_by_id])


@event.listens_for(AppraisalGrade, "before_update")
@event.listens_for(AppraisalGrade, "before_delete")
def _append_only(mapper, connection, target) -> None:
    raise ValueError("评定结果只能追加，不能修改或删除。")
