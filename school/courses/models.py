"""Themes, courses, modules, lessons and members' progress through them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from school.auth.models import User
from school.db import Base, Hours, UTCDateTime, utcnow
from school.orgs.models import Organisation

LESSON_KINDS = {"text": "图文", "video": "视频", "document": "文档"}
COURSE_STATUSES = {
    "draft": "草稿",
    "in_review": "审核中",
    "published": "已发布",
    "archived": "已归档",
}

# Instructors who answer members' questions about a course (set in the course's front matter).
course_instructors = Table(
    "course_instructors",
    Base.metadata,
    Column("course_id", ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class Theme(Base):
    __tablename__ = "themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(100))
    summary: Mapped[str] = mapped_column(String(300), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)


class Course(Base):
    __tablename__ = "courses"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'in_review', 'published', 'archived')", name="status"),
        CheckConstraint("hours >= 0", name="hours"),
        # Ids are never reused after a delete, so archive snapshots keep pointing at one course.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(300), default="")
    body_md: Mapped[str] = mapped_column(Text, default="")
    theme_id: Mapped[int] = mapped_column(ForeignKey("themes.id", ondelete="RESTRICT"), index=True)
    hours: Mapped[Decimal] = mapped_column(Hours, default=0)
    position: Mapped[int] = mapped_column(Integer, default=0)
    # draft → in_review → published → archived (the studio's review, school/studio/review.py).
    # Members see published courses only; an archived one keeps its members' archive entries.
    status: Mapped[str] = mapped_column(String(20), default="draft")
    # The organisation that publishes the course: its subtree's reviewers approve it. None: the
    # whole school (reviewers of a top organisation).
    org_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    # A compulsory campaign (集中教育) must be completed by this local date; None: regular study.
    deadline: Mapped[date | None] = mapped_column(Date)
    # Members who complete the course receive a certificate (school/certificates/).
    certificate: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The round trip with content/ (courses/importer.py): what the last import brought, and when
    # the course last changed in the browser, so that an import never silently overwrites an
    # edit made after it. A digest of the course's source as last imported
    # (sources.course_digest) and when that was; both None for a course never imported.
    source_digest: Mapped[str | None] = mapped_column(String(64))
    imported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set by the studio on every browser edit: the course itself, any of its lessons or its
    # structure (modules, order), and its creation. Never set by the importer.
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    theme: Mapped[Theme] = relationship()
    modules: Mapped[list[Module]] = relationship(
        back_populates="course", order_by="Module.position", cascade="all, delete-orphan"
    )
    # Ties in position (two lesson files numbered alike) go by id, the order services.outline
    # gives too, so the lesson page's previous/next and the course page always agree.
    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="course",
        order_by="(Lesson.position, Lesson.id)",
        cascade="all, delete-orphan",
    )
    instructors: Mapped[list[User]] = relationship(secondary=course_instructors)
    org: Mapped[Organisation | None] = relationship()

    @property
    def is_published(self) -> bool:
        return self.status == "published"

    @property
    def status_label(self) -> str:
        return COURSE_STATUSES[self.status]

    @property
    def active_lessons(self) -> list[Lesson]:
        return [lesson for lesson in self.lessons if not lesson.retired]


class Module(Base):
    __tablename__ = "modules"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)

    course: Mapped[Course] = relationship(back_populates="modules")
    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="module", order_by="Lesson.position"
    )


class Lesson(Base):
    __tablename__ = "lessons"
    __table_args__ = (
        UniqueConstraint("course_id", "slug"),
        CheckConstraint("kind IN ('text', 'video', 'document')", name="kind"),
        CheckConstraint("hours >= 0", name="hours"),
        CheckConstraint("min_seconds IS NULL OR min_seconds >= 0", name="min_seconds"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default="text")
    body_md: Mapped[str] = mapped_column(Text, default="")
    hours: Mapped[Decimal] = mapped_column(Hours, default=0)
    position: Mapped[int] = mapped_column(Integer, default=0)
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    # None: the site-wide MIN_STUDY_SECONDS applies.
    min_seconds: Mapped[int | None] = mapped_column(Integer)
    # Content-addressed file name under MEDIA_DIR for video and document lessons.
    media_name: Mapped[str | None] = mapped_column(String(100))
    media_type: Mapped[str | None] = mapped_column(String(50))
    # Not live for members: removed from content/ or in the studio (retired, not deleted, so
    # members' progress stays readable), or added to a published course and not yet approved.
    retired: Mapped[bool] = mapped_column(Boolean, default=False)

    course: Mapped[Course] = relationship(back_populates="lessons")
    module: Mapped[Module] = relationship(back_populates="lessons")

    @property
    def kind_label(self) -> str:
        return LESSON_KINDS[self.kind]


class LessonCompletion(Base):
    """A member studied a lesson. One row per member and lesson, enforced by the database."""

    __tablename__ = "lesson_completions"
    __table_args__ = (UniqueConstraint("user_id", "lesson_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CourseCompletion(Base):
    """A member finished every required lesson of a course."""

    __tablename__ = "course_completions"
    __table_args__ = (UniqueConstraint("user_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LessonStudy(Base):
    """A member's study of one lesson as the lesson page reported it: one row per member and
    lesson, updated in place by every accepted heartbeat (``school.courses.activity``).

    No index on ``beat_at``: it changes with every heartbeat, and an index on it would turn each
    small in-place UPDATE into an index write too. A heartbeat finds the member's other rows
    through the unique (user_id, lesson_id) index, a few hundred rows at most.
    """

    __tablename__ = "lesson_studies"
    __table_args__ = (
        UniqueConstraint("user_id", "lesson_id"),
        CheckConstraint("active_seconds >= 0", name="active_seconds"),
        CheckConstraint("overlap_seconds >= 0", name="overlap_seconds"),
        CheckConstraint("scroll IS NULL OR (scroll >= 0 AND scroll <= 1)", name="scroll"),
        CheckConstraint("watched_seconds >= 0", name="watched_seconds"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    # Seconds the server credited, summed from heartbeats; never a number the browser sent.
    active_seconds: Mapped[int] = mapped_column(Integer, default=0)
    # Seconds this lesson's page beat while another lesson's page had the member's time.
    overlap_seconds: Mapped[int] = mapped_column(Integer, default=0)
    # The page view that may earn time (the latest one opened) and its last sequence number.
    view: Mapped[str] = mapped_column(String(32))
    view_opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Where the member stopped: the fraction of a text lesson scrolled, the video's time.
    scroll: Mapped[float | None] = mapped_column(Float)
    video_time: Mapped[float | None] = mapped_column(Float)
    # Fixed by the first report of the video, so a later report cannot shrink what is owed.
    video_duration: Mapped[float | None] = mapped_column(Float)
    # Merged [start, end] seconds of the video seen in continuous playback, and their total.
    watched: Mapped[list] = mapped_column(JSON, default=list)
    watched_seconds: Mapped[float] = mapped_column(Float, default=0)
