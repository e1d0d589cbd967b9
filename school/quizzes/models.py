"""Question bank, quizzes and attempts.

Questions are versioned: an attempt points at the exact QuestionVersion it showed, so editing a
question never changes how a past attempt reads or scored.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from school.courses.models import Course, Module
from school.db import Base, UTCDateTime, utcnow

JSONType = JSON().with_variant(JSONB(), "postgresql")
# Scores keep four decimals: fractions like 1/3 of a mark must add up without drifting.
Score = Numeric(10, 4, asdecimal=True)

QUIZ_KINDS = {"exam": "考试", "practice": "练习"}
REVIEW_MODES = {
    "after_last": "用完答题次数或截止后显示答案",
    "immediate": "交卷后立即显示答案",
    "after_close": "截止后显示答案",
    "never": "不显示答案",
}
# New exams keep the answers back while the member may still try again (practice quizzes show
# them at once whatever this says).
DEFAULT_REVIEW = "after_last"
ATTEMPT_STATES = {"open": "答题中", "finished": "已交卷"}

question_tags = Table(
    "question_tags",
    Base.metadata,
    Column("question_id", ForeignKey("questions.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
)


class Category(Base):
    """A folder of the question bank; ``path`` is the full "a/b/c" name, unique."""

    __tablename__ = "question_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    path: Mapped[str] = mapped_column(String(255), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]


class Tag(Base):
    """A 考点: what a question examines, used to find and analyse questions."""

    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)


class Question(Base):
    __tablename__ = "questions"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(
        ForeignKey("question_categories.id", ondelete="RESTRICT"), index=True
    )
    idnumber: Mapped[str | None] = mapped_column(String(100), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Hidden from the bank and from new quizzes; attempts that used it keep reading it.
    retired: Mapped[bool] = mapped_column(Boolean, default=False)

    category: Mapped[Category] = relationship()
    tags: Mapped[list[Tag]] = relationship(secondary=question_tags, order_by=Tag.name)
    versions: Mapped[list[QuestionVersion]] = relationship(
        back_populates="question", order_by="QuestionVersion.number"
    )

    @property
    def current(self) -> QuestionVersion:
        return self.versions[-1]

    def version_at(self, moment: datetime | None) -> QuestionVersion:
        """The version a quiz approved at ``moment`` shows (the newest when None)."""
        if moment is None:
            return self.current
        earlier = [v for v in self.versions if v.created_at <= moment]
        return earlier[-1] if earlier else self.versions[0]


class QuestionVersion(Base):
    """One immutable state of a question: what members saw and how it was graded."""

    __tablename__ = "question_versions"
    __table_args__ = (
        UniqueConstraint("question_id", "number"),
        CheckConstraint(
            "qtype IN ('single', 'multiple', 'truefalse', 'fillin', 'numerical', 'matching', "
            "'essay', 'description')",
            name="qtype",
        ),
        CheckConstraint("default_mark >= 0", name="default_mark"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    qtype: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(255), default="")
    text: Mapped[str] = mapped_column(Text)
    text_format: Mapped[str] = mapped_column(String(20), default="markdown")
    # Type-specific: answers with fractions and feedback (see school/quizzes/types.py).
    data: Mapped[dict] = mapped_column(JSONType)
    general_feedback: Mapped[str] = mapped_column(Text, default="")
    default_mark: Mapped[Decimal] = mapped_column(Score, default=Decimal(1))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))

    question: Mapped[Question] = relationship(back_populates="versions")


class Quiz(Base):
    __tablename__ = "quizzes"
    __table_args__ = (
        CheckConstraint("kind IN ('exam', 'practice')", name="kind"),
        CheckConstraint(
            "review IN ('immediate', 'after_close', 'after_last', 'never')", name="review"
        ),
        CheckConstraint("status IN ('draft', 'published')", name="status"),
        CheckConstraint("pass_percent >= 0 AND pass_percent <= 100", name="pass_percent"),
        CheckConstraint("attempts_allowed >= 0", name="attempts_allowed"),
        CheckConstraint("time_limit_seconds IS NULL OR time_limit_seconds > 0", name="time_limit"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    # Attached to a course module, or standalone (专项答题) when both are None.
    course_id: Mapped[int | None] = mapped_column(
        ForeignKey("courses.id", ondelete="SET NULL"), index=True
    )
    module_id: Mapped[int | None] = mapped_column(ForeignKey("modules.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(20), default="exam")
    status: Mapped[str] = mapped_column(String(20), default="draft")
    # A required exam must be passed for its course to be complete.
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    time_limit_seconds: Mapped[int | None] = mapped_column(Integer)
    attempts_allowed: Mapped[int] = mapped_column(Integer, default=0)  # 0: unlimited
    pass_percent: Mapped[int] = mapped_column(Integer, default=60)
    open_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    close_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review: Mapped[str] = mapped_column(String(20), default=DEFAULT_REVIEW)
    one_per_page: Mapped[bool] = mapped_column(Boolean, default=True)
    shuffle_options: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Who may edit a standalone quiz. None on quizzes made before it was recorded.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    # A draft copy (修改稿) of a quiz members already take in a published course: it is edited
    # instead of the live quiz and replaces the live quiz's settings and questions when a
    # reviewer approves it (school.quizzes.changes). At most one per quiz.
    draft_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("quizzes.id", ondelete="CASCADE"), index=True, unique=True
    )
    # A new quiz in a published course that its instructors want published: it goes with the
    # course's next review instead of reaching members at once.
    awaiting_review: Mapped[bool] = mapped_column(Boolean, default=False)
    # When a reviewer approved what members take. Attempts then use each question's version of
    # that moment, so a later edit in the shared bank reaches this quiz only through review.
    bank_as_of: Mapped[datetime | None] = mapped_column(UTCDateTime)

    slots: Mapped[list[QuizSlot]] = relationship(
        back_populates="quiz", order_by="QuizSlot.position", cascade="all, delete-orphan"
    )
    course: Mapped[Course | None] = relationship()
    module: Mapped[Module | None] = relationship()

    @property
    def is_practice(self) -> bool:
        return self.kind == "practice"

    def is_open(self, now: datetime) -> bool:
        """Whether members may start or continue attempts at ``now``."""
        if self.status != "published":
            return False
        if self.open_at is not None and now < self.open_at:
            return False
        return self.close_at is None or now < self.close_at

    def deadline_for(self, started_at: datetime) -> datetime | None:
        """When an attempt started at ``started_at`` must end: the time limit or the close date."""
        ends = [self.close_at] if self.close_at else []
        if self.time_limit_seconds:
            ends.append(started_at + timedelta(seconds=self.time_limit_seconds))
        return min(ends) if ends else None


class QuizSlot(Base):
    """A place in a quiz: a fixed question, or N questions drawn at random from a category, a
    考点 tag, or the questions of a category that have the tag."""

    __tablename__ = "quiz_slots"
    __table_args__ = (
        UniqueConstraint("quiz_id", "position"),
        CheckConstraint(
            "(question_id IS NOT NULL AND category_id IS NULL AND tag_id IS NULL) OR "
            "(question_id IS NULL AND (category_id IS NOT NULL OR tag_id IS NOT NULL) "
            "AND draw_count > 0)",
            name="fixed_or_random",
        ),
        CheckConstraint("mark IS NULL OR mark >= 0", name="mark"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    # Indexed: the picker asks of every question whether any quiz uses it.
    question_id: Mapped[int | None] = mapped_column(
        ForeignKey("questions.id", ondelete="RESTRICT"), index=True
    )
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("question_categories.id", ondelete="RESTRICT")
    )
    tag_id: Mapped[int | None] = mapped_column(ForeignKey("tags.id", ondelete="RESTRICT"))
    draw_count: Mapped[int] = mapped_column(Integer, default=1)
    include_subcategories: Mapped[bool] = mapped_column(Boolean, default=False)
    # None: each question's own default mark.
    mark: Mapped[Decimal | None] = mapped_column(Score)
    # A random slot of an approved quiz draws from the questions its rule matched at approval
    # (their ids); None: from what the rule matches now.
    frozen_ids: Mapped[list | None] = mapped_column(JSON)

    quiz: Mapped[Quiz] = relationship(back_populates="slots")
    question: Mapped[Question | None] = relationship()
    category: Mapped[Category | None] = relationship()
    tag: Mapped[Tag | None] = relationship()

    @property
    def is_random(self) -> bool:
        return self.question_id is None and self.question is None

    @property
    def rule_label(self) -> str:
        """A random slot's rule in words: "党章/党员义务 · 考点：入党誓词"."""
        parts = [self.category.path] if self.category else []
        if self.tag:
            parts.append(f"考点：{self.tag.name}")
        return " · ".join(parts)


class Attempt(Base):
    """One member's go at a quiz. The server owns its state, clock and score."""

    __tablename__ = "attempts"
    __table_args__ = (
        # Attempt numbers are unique per member and quiz: two parallel "start" requests cannot
        # both become attempt N, so attempt limits hold under races.
        UniqueConstraint("quiz_id", "user_id", "number"),
        CheckConstraint("state IN ('open', 'finished')", name="state"),
        CheckConstraint("score IS NULL OR (score >= 0 AND score <= max_score)", name="score"),
        # At most one open attempt per member and quiz.
        Index(
            "uq_attempts_one_open",
            "quiz_id",
            "user_id",
            unique=True,
            sqlite_where=text("state = 'open'"),
            postgresql_where=text("state = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    preview: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(20), default="open")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    max_score: Mapped[Decimal] = mapped_column(Score, default=Decimal(0))
    # None until every answer is graded (essays wait for an instructor).
    score: Mapped[Decimal | None] = mapped_column(Score)
    passed: Mapped[bool | None] = mapped_column(Boolean)

    quiz: Mapped[Quiz] = relationship()
    questions: Mapped[list[AttemptQuestion]] = relationship(
        back_populates="attempt", order_by="AttemptQuestion.position", cascade="all, delete-orphan"
    )

    @property
    def is_open(self) -> bool:
        return self.state == "open"

    @property
    def percent(self) -> Decimal | None:
        if self.score is None or not self.max_score:
            return None
        return (self.score * 100 / self.max_score).quantize(Decimal("0.1"))


class AttemptQuestion(Base):
    """A question as shown in one attempt, with the member's saved answer and its grade."""

    __tablename__ = "attempt_questions"
    __table_args__ = (
        UniqueConstraint("attempt_id", "position"),
        CheckConstraint("fraction IS NULL OR (fraction >= 0 AND fraction <= 1)", name="fraction"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("attempts.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("question_versions.id", ondelete="RESTRICT"), index=True
    )
    mark: Mapped[Decimal] = mapped_column(Score)
    # The order options were shown in (shuffled per attempt), so a reload shows the same order.
    layout: Mapped[dict] = mapped_column(JSONType, default=dict)
    answer: Mapped[dict | None] = mapped_column(JSONType)
    saved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Practice quizzes: the member asked for feedback, so the answer is locked.
    checked: Mapped[bool] = mapped_column(Boolean, default=False)
    fraction: Mapped[Decimal | None] = mapped_column(Numeric(8, 7, asdecimal=True))
    comment: Mapped[str] = mapped_column(Text, default="")
    graded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    graded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    attempt: Mapped[Attempt] = relationship(back_populates="questions")
    version: Mapped[QuestionVersion] = relationship()

    @property
    def score(self) -> Decimal | None:
        if self.fraction is None:
            return None
        return (self.mark * self.fraction).quantize(Decimal("0.0001"))
