"""Daily practice: which bank categories feed it, each member's draw per day, its completion
and the member's running streak.

A draw pins the question versions it showed, so a question edited during the day is graded as
the member saw it. A completion is one row per draw (so one per member and local day); the
streak row is updated with it, so no page counts a member's days.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from school.db import Base, UTCDateTime, utcnow
from school.quizzes.models import JSONType, QuestionVersion, Score

# Questions a member is given each day.
DAILY_QUESTIONS = 5


class PracticeCategory(Base):
    """A category of the question bank (with those below it) that feeds daily practice."""

    __tablename__ = "practice_categories"

    category_id: Mapped[int] = mapped_column(
        ForeignKey("question_categories.id", ondelete="CASCADE"), primary_key=True
    )
    chosen_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    chosen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PracticeDraw(Base):
    """A member's questions for one local day, drawn once: every tab and reload shows these."""

    __tablename__ = "practice_draws"
    __table_args__ = (UniqueConstraint("member_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    day: Mapped[date] = mapped_column(Date)
    drawn_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    items: Mapped[list[PracticeItem]] = relationship(
        back_populates="draw", order_by="PracticeItem.position", cascade="all, delete-orphan"
    )
    completion: Mapped[PracticeCompletion | None] = relationship(viewonly=True)


class PracticeItem(Base):
    """One question of a draw: the version shown, its option order, the answer and its grade."""

    __tablename__ = "practice_items"
    __table_args__ = (
        UniqueConstraint("draw_id", "position"),
        UniqueConstraint("draw_id", "question_id"),
        CheckConstraint(f"position BETWEEN 1 AND {DAILY_QUESTIONS}", name="position"),
        CheckConstraint("fraction IS NULL OR (fraction >= 0 AND fraction <= 1)", name="fraction"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    draw_id: Mapped[int] = mapped_column(ForeignKey("practice_draws.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="RESTRICT"))
    version_id: Mapped[int] = mapped_column(
        ForeignKey("question_versions.id", ondelete="RESTRICT"), index=True
    )
    layout: Mapped[dict] = mapped_column(JSONType, default=dict)
    answer: Mapped[dict | None] = mapped_column(JSONType)
    # None until the day's practice is submitted.
    fraction: Mapped[Decimal | None] = mapped_column(Score)

    draw: Mapped[PracticeDraw] = relationship(back_populates="items")
    version: Mapped[QuestionVersion] = relationship()

    @property
    def right(self) -> bool:
        return self.fraction == 1


class PracticeCompletion(Base):
    """A draw submitted and graded: at most one per draw, hence per member and day."""

    __tablename__ = "practice_completions"
    __table_args__ = (
        CheckConstraint("total >= 1 AND correct >= 0 AND correct <= total", name="counts"),
    )

    draw_id: Mapped[int] = mapped_column(
        ForeignKey("practice_draws.id", ondelete="CASCADE"), primary_key=True
    )
    correct: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PracticeStreak(Base):
    """A member's consecutive days of practice, updated on each completion."""

    __tablename__ = "practice_streaks"
    __table_args__ = (
        CheckConstraint(
            "current >= 1 AND longest >= current AND days >= longest", name="streak_counts"
        ),
    )

    member_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    # The last local day completed and the run of consecutive days that ends on it.
    last_day: Mapped[date] = mapped_column(Date)
    current: Mapped[int] = mapped_column(Integer)
    longest: Mapped[int] = mapped_column(Integer)
    days: Mapped[int] = mapped_column(Integer)
