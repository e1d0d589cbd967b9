"""The studio's records: every saved version of a course's text and lessons, reviews, reviewers.

A course's and a lesson's own rows hold what members see. The studio never writes a published
course's rows directly: each save is a new ``ContentRevision`` (kept for ever, with who and when),
and a reviewer's approval copies the revisions under review into the rows. A course that was
never published has no members to protect, so its saves are copied at once (and still kept).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from school.auth.models import User
from school.db import Base, UTCDateTime, utcnow
from school.orgs.models import Organisation

REVIEW_STATES = {
    "pending": "待审核",
    "approved": "已通过",
    "returned": "已退回",
    "withdrawn": "已撤回",
}


class ContentRevision(Base):
    """One saved version of a course's own fields (``lesson_id`` None) or of one lesson."""

    __tablename__ = "content_revisions"
    __table_args__ = (
        UniqueConstraint("course_id", "lesson_id", "number"),
        CheckConstraint("number > 0", name="number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    lesson_id: Mapped[int | None] = mapped_column(
        ForeignKey("lessons.id", ondelete="CASCADE"), index=True
    )
    # Numbered 1, 2, … per lesson (or per course's own fields), in the order they were saved.
    number: Mapped[int] = mapped_column(Integer)
    # The editable fields as saved (see studio.revisions.COURSE_FIELDS / LESSON_FIELDS).
    data: Mapped[dict] = mapped_column(JSON)
    # None for the version found in place when the studio first touched it (imported from files).
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str] = mapped_column(String(200), default="")
    # When members started seeing this version; None while it is a draft (or never approved).
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    author: Mapped[User | None] = relationship()


class Review(Base):
    """A request to publish a course, or the changes to a published one, and its decision."""

    __tablename__ = "content_reviews"
    __table_args__ = (
        CheckConstraint("state IN ('pending', 'approved', 'returned', 'withdrawn')", name="state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    # Exactly the versions sent: a later save withdraws the request rather than slip in.
    revision_ids: Mapped[list] = mapped_column(JSON)
    # The quizzes sent with it, each with a digest of its settings and questions as sent:
    # [{"quiz": id, "digest": "…"}] (school.quizzes.changes.digest).
    quiz_parts: Mapped[list] = mapped_column(JSON, default=list)
    # Whether approving it publishes the course for the first time.
    first_publication: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    state: Mapped[str] = mapped_column(String(20), default="pending")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    comment: Mapped[str] = mapped_column(Text, default="")

    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def state_label(self) -> str:
        return REVIEW_STATES[self.state]


class ReviewerGrant(Base):
    """A content reviewer (审核员) for the courses of one organisation's subtree.

    Apart from staff grants on purpose: reviewing courses gives no sight of members' records.
    """

    __tablename__ = "content_reviewers"
    __table_args__ = (UniqueConstraint("user_id", "org_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"))
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    org: Mapped[Organisation] = relationship(lazy="joined")
