"""Notices published by an organisation to its members (or by admins to everyone)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from school.auth.models import User
from school.db import Base, UTCDateTime, utcnow
from school.media import StoredFile
from school.orgs.models import Organisation

# The school's news, one tab each on the member's notices page: key -> label. The key is stored.
CATEGORIES = {
    "requirement": "党组织要求",
    "news": "党建动态",
    "law": "法律法规",
    "hometown": "家乡发展",
    "video": "专题片",
    "notice": "通知",
}
_CATEGORY_CHECK = "category IN ({})".format(", ".join(f"'{key}'" for key in CATEGORIES))
FILE_KINDS = {"document": "文档", "video": "视频"}


class Notice(Base):
    __tablename__ = "notices"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'published')", name="status"),
        CheckConstraint(_CATEGORY_CHECK, name="category"),
        # Required reading without a deadline could never be overdue, nor read on time.
        CheckConstraint("deadline IS NOT NULL OR NOT required", name="required_deadline"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body_md: Mapped[str] = mapped_column(Text)
    # Who it is for: members whose home or host organisation lies in this subtree, and its
    # staff; None: the whole school (admins only).
    org_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    status: Mapped[str] = mapped_column(String(20), default="draft")
    category: Mapped[str] = mapped_column(
        String(20), default="notice", server_default="notice", index=True
    )
    # 法规库's sub-category (党内法规, 国家法律 ...), free text chosen by the writer.
    topic: Mapped[str | None] = mapped_column(String(50))
    # An image under MEDIA_DIR/notices, re-encoded without metadata (school/images.py).
    cover_name: Mapped[str | None] = mapped_column(String(100))
    # A 专题片 on the organisation's own video server, played by the member's browser.
    video_url: Mapped[str | None] = mapped_column(String(300))
    required: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The last local day on which opening it still counts as on time.
    deadline: Mapped[date | None] = mapped_column(Date)
    # Members it reached when first published: the denominator of a required notice's read rate.
    audience_count: Mapped[int | None] = mapped_column(Integer)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    org: Mapped[Organisation | None] = relationship()
    author: Mapped[User] = relationship()
    files: Mapped[list[NoticeFile]] = relationship(
        back_populates="notice", order_by="NoticeFile.id", cascade="all, delete-orphan"
    )

    @property
    def is_published(self) -> bool:
        return self.status == "published"

    @property
    def category_label(self) -> str:
        return CATEGORIES[self.category]


class NoticeFile(StoredFile, Base):
    """An attachment of a notice (a PDF or Word document, or a 专题片's video) under MEDIA_DIR."""

    __tablename__ = "notice_files"
    __table_args__ = (
        CheckConstraint("kind IN ('document', 'video')", name="kind"),
        CheckConstraint("size >= 0", name="size"),
    )
    FALLBACK_NAMES = FILE_KINDS

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"), index=True)

    notice: Mapped[Notice] = relationship(back_populates="files")


class NoticeRead(Base):
    """A member opened a published notice: the home page's to-dos list the notices not opened."""

    __tablename__ = "notice_reads"

    notice_id: Mapped[int] = mapped_column(
        ForeignKey("notices.id", ondelete="CASCADE"), primary_key=True
    )
    # Bookkeeping about a reader, not a record of study: it goes with the account.
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    read_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class NoticeReminder(Base):
    """Staff reminded a member to read a required notice: at most once a day (the key)."""

    __tablename__ = "notice_reminders"

    notice_id: Mapped[int] = mapped_column(
        ForeignKey("notices.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)  # local date
    sent_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class NoticeMute(Base):
    """A member does not want to hear of new notices of one category (required ones excepted)."""

    __tablename__ = "notice_mutes"
    __table_args__ = (CheckConstraint(_CATEGORY_CHECK, name="category"),)

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    category: Mapped[str] = mapped_column(String(20), primary_key=True)
