"""Boards, threads, posts and the workflow history around them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
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
from school.courses.models import Course, Lesson
from school.db import Base, UTCDateTime, utcnow
from school.orgs.models import Organisation

BOARDS = {
    "qa": "咨询答疑",
    "suggestion": "工作建议",
    "report": "情况反映",
    "help": "排忧解难",
}
# 咨询答疑 has its own short life; the other three boards are tickets.
QA_STATES = {"pending": "待答复", "answered": "已答复", "resolved": "已解决"}
TICKET_STATES = {
    "submitted": "已提交",
    "accepted": "已受理",
    "in_progress": "办理中",
    "replied": "已答复",
    "closed": "已关闭",
}
STATES = {**QA_STATES, **TICKET_STATES, "withdrawn": "已撤回"}
# Why a thread is not offered as FAQ to someone who may see staff tools (permissions.faq_refusal).
FAQ_REFUSALS = {
    "not_question": "只有咨询答疑可以设为常见问题",
    "already": "已设为常见问题",
    "not_handler": "您不是该问题的答复人",
    "withdrawn": "提问人已撤回该问题",
    "hidden": "该问题已隐藏",
    "unapproved": "该问题尚未审核通过",
    "objected": "提问人不同意公开",
    "unanswered": "该问题尚未答复",
}
HELP_CATEGORIES = {
    "hukou": "户口迁移",
    "homestead": "宅基地",
    "dispute": "纠纷调解",
    "wages": "工资拖欠",
    "demolition": "拆迁",
    "other": "其他",
}


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Thread(Base):
    """A question or a ticket, routed to one handling organisation (or to instructors)."""

    __tablename__ = "threads"
    __table_args__ = (
        CheckConstraint(_in("board", BOARDS), name="board"),
        CheckConstraint(_in("state", STATES), name="state"),
        CheckConstraint("visibility IN ('public', 'private')", name="visibility"),
        CheckConstraint(
            "help_category IS NULL OR " + _in("help_category", HELP_CATEGORIES),
            name="help_category",
        ),
        # A double-submitted form (two clicks, a resent request) creates one thread.
        UniqueConstraint("author_id", "client_token"),
        # A private question is published as FAQ at most once: after the asker objected, the
        # withdrawn copy stays and says so. An index, not a constraint: SQLite adds it in place.
        Index("ix_threads_faq_source_id", "faq_source_id", unique=True),
        # The board lists sort pinned first, then by recency; the staff queue by recency; both
        # page deep into 10,000 threads (bench/forum_list.py).
        Index("ix_threads_board_pinned_activity", "board", "pinned", "last_activity_at", "id"),
        Index("ix_threads_activity", "last_activity_at", "id"),
        Index("ix_threads_org_state", "org_id", "state"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    board: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(120))
    body_md: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    # Anonymous to other members; the handling staff always see who wrote it.
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    visibility: Mapped[str] = mapped_column(String(10), default="private")
    state: Mapped[str] = mapped_column(String(20))
    # The organisation whose staff (and its ancestors') handle it. None for questions that went
    # to a course's instructors.
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"))
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="SET NULL"))
    lesson_id: Mapped[int | None] = mapped_column(ForeignKey("lessons.id", ondelete="SET NULL"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    help_category: Mapped[str | None] = mapped_column(String(20))
    # Pre-moderated boards hold new threads until a moderator approves them.
    approved: Mapped[bool] = mapped_column(Boolean, default=True)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    faq: Mapped[bool] = mapped_column(Boolean, default=False)
    # An anonymised FAQ copy of a private question: the question it was made from (shown to its
    # handlers only). A copy's author is the staff member who published it, never the asker;
    # deleting the question deletes its copy.
    faq_source_id: Mapped[int | None] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    client_token: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the item reached the organisation (or instructors) handling it now: when it was
    # filed, or when it was last handed on (转办). The answer deadline counts from here.
    routed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The first staff reply since then: "overdue" counts until it. A forward clears it, since
    # the receiving organisation has not answered yet.
    first_reply_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    author: Mapped[User] = relationship(foreign_keys=[author_id])
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    org: Mapped[Organisation | None] = relationship()
    course: Mapped[Course | None] = relationship()
    lesson: Mapped[Lesson | None] = relationship()
    posts: Mapped[list[Post]] = relationship(
        back_populates="thread", order_by="Post.id", cascade="all, delete-orphan"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        primaryjoin="and_(Attachment.thread_id == Thread.id, Attachment.post_id.is_(None))",
        order_by="Attachment.id",
        viewonly=True,
    )
    # The anonymised FAQ copy made from this private question, if any.
    faq_copy: Mapped[Thread | None] = relationship(
        foreign_keys=[faq_source_id], uselist=False, passive_deletes=True
    )
    # Every hop from one handling organisation to another (转办), oldest first.
    forwards: Mapped[list[Forward]] = relationship(order_by="Forward.id", viewonly=True)
    # The supervised deadline (督办), if one is set.
    supervision: Mapped[Supervision | None] = relationship(uselist=False, viewonly=True)

    @property
    def board_label(self) -> str:
        return BOARDS[self.board]

    @property
    def state_label(self) -> str:
        return STATES[self.state]

    @property
    def help_label(self) -> str:
        return HELP_CATEGORIES.get(self.help_category or "", "")

    @property
    def is_ticket(self) -> bool:
        return self.board != "qa"

    @property
    def is_open(self) -> bool:
        return self.state not in ("resolved", "closed", "withdrawn")

    @property
    def is_faq_copy(self) -> bool:
        return self.faq_source_id is not None


class Post(Base):
    """A reply, an official answer, or an internal note that members never see."""

    __tablename__ = "posts"
    __table_args__ = (
        CheckConstraint("kind IN ('reply', 'note')", name="kind"),
        UniqueConstraint("author_id", "client_token"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(10), default="reply")
    body_md: Mapped[str] = mapped_column(Text)
    # Written by the handling staff or an instructor: shown as the official answer.
    official: Mapped[bool] = mapped_column(Boolean, default=False)
    accepted: Mapped[bool] = mapped_column(Boolean, default=False)
    # Suggestions of general interest: staff publish a reply that every member may read.
    public_reply: Mapped[bool] = mapped_column(Boolean, default=False)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    client_token: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    thread: Mapped[Thread] = relationship(back_populates="posts")
    author: Mapped[User] = relationship()
    attachments: Mapped[list[Attachment]] = relationship(order_by="Attachment.id")

    @property
    def is_note(self) -> bool:
        return self.kind == "note"


class Revision(Base):
    """What a thread or post said before an edit: edits never erase the record."""

    __tablename__ = "post_revisions"
    __table_args__ = (
        CheckConstraint("(thread_id IS NULL) <> (post_id IS NULL)", name="one_target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int | None] = mapped_column(
        ForeignKey("threads.id", ondelete="CASCADE"), index=True
    )
    post_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str | None] = mapped_column(String(120))
    body_md: Mapped[str] = mapped_column(Text)
    edited_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    edited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Attachment(Base):
    """An image attached to a thread's opening text or to a post, stored under a random name
    after its content was checked."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"), index=True)
    # None: the image belongs to the thread's opening text.
    post_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), index=True
    )
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    original_name: Mapped[str] = mapped_column(String(120))
    mime: Mapped[str] = mapped_column(String(30))
    size: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ThreadEvent(Base):
    """The workflow history: state changes, assignments, moderation, with who and when."""

    __tablename__ = "thread_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    action: Mapped[str] = mapped_column(String(30))
    detail: Mapped[str] = mapped_column(String(300), default="")
    # Internal events (reassignment between staff) are shown to staff only.
    internal: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User] = relationship()


class Forward(Base):
    """One hop of a board item from the organisation handling it to another (转办), with who
    handed it on, why and when: appended, never changed, so the history keeps every hop.

    The reason is written for the staff on both sides; the member is told where the item went
    (a public ThreadEvent), not why.
    """

    __tablename__ = "thread_forwards"
    __table_args__ = (CheckConstraint("from_org_id <> to_org_id", name="other_org"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"), index=True)
    from_org_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    to_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"))
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    reason: Mapped[str] = mapped_column(String(200))
    # The supervised deadline set with the hop, if any (the current one is Supervision's).
    due_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    from_org: Mapped[Organisation] = relationship(foreign_keys=[from_org_id], lazy="joined")
    to_org: Mapped[Organisation] = relationship(foreign_keys=[to_org_id], lazy="joined")
    actor: Mapped[User] = relationship()


class Supervision(Base):
    """A supervised deadline (督办): the handling organisation should answer the item by
    ``due_on``; past it, unanswered, the item shows on the supervising organisation's workbench.

    The supervising organisation is the one that handed the item on, or else the parent of the
    organisation handling it. One per item: setting it again moves the date.
    """

    __tablename__ = "thread_supervisions"

    thread_id: Mapped[int] = mapped_column(
        ForeignKey("threads.id", ondelete="CASCADE"), primary_key=True
    )
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    due_on: Mapped[date] = mapped_column(Date)
    set_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    org: Mapped[Organisation] = relationship(lazy="joined")


class AbuseReport(Base):
    """A member flagged a thread or post to the moderators."""

    __tablename__ = "abuse_reports"
    __table_args__ = (UniqueConstraint("reporter_id", "thread_id", "post_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    reason: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
