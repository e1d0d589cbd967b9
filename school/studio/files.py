"""Course material uploaded in the studio: images, PDF documents and videos.

A file is checked by its bytes (school/filetypes.py), never by its name or the browser's word;
an image is decoded and stored as a fresh encoding without metadata (school/images.py). Each
kind has its own size limit, checked before anything is written. Files are stored under
MEDIA_DIR with random names, so a video or PDF lesson can take one as its ``media_name`` and
the lesson media route serves it; ``CourseFile`` keeps whose course it belongs to, which is who
may fetch it.

A refused file leaves nothing behind: no row and no file on disk. Services flush, never commit;
a file's bytes are removed from disk only after the deletion of its row was committed
(``remove_stored``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path, PurePath
from typing import BinaryIO

from sqlalchemy import CheckConstraint, ForeignKey, or_, select
from sqlalchemy.orm import Mapped, mapped_column, relationship, selectinload

from school import filetypes, images
from school.auth.models import User
from school.courses.models import Course, Lesson
from school.db import Base, db
from school.media import (
    FileRefused,
    FileTooLarge,
    StoredFile,
    remove_stored,
    stream_size,
    write_new,
)
from school.media import display_name as media_display_name
from school.studio.models import ContentRevision

FILE_KINDS = {"image": "图片", "document": "文档", "video": "视频"}

# Characters that would end a Markdown link text or image alt early.
_MARKDOWN_TEXT = re.compile(r"([\\\[\]])")


class CourseFile(StoredFile, Base):
    """A file uploaded for a course's lessons, stored under MEDIA_DIR as ``stored_name``."""

    __tablename__ = "course_files"
    __table_args__ = (
        CheckConstraint("kind IN ('image', 'document', 'video')", name="kind"),
        CheckConstraint("size >= 0", name="size"),
    )
    FALLBACK_NAMES = FILE_KINDS

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)

    course: Mapped[Course] = relationship()
    uploader: Mapped[User | None] = relationship()

    @property
    def kind_label(self) -> str:
        return FILE_KINDS[self.kind]


class FileInUse(ValueError):
    """A file that lessons still use; ``lessons`` are their titles."""

    def __init__(self, lessons: list[str]) -> None:
        super().__init__(", ".join(lessons))
        self.lessons = lessons


def store_file(
    course: Course,
    uploader: User,
    stream: BinaryIO,
    filename: str,
    folder: Path,
    limits: Mapping[str, int],
    expected: str | None = None,
) -> CourseFile:
    """Check an upload by its bytes and size, store it under folder and record it for course.

    ``limits`` are bytes per kind; ``expected``, a kind the file must be (None: any of them).
    """
    try:
        found = filetypes.detect(stream, expected)
    except filetypes.FileRejected as exc:
        raise FileRefused(str(exc)) from None
    if found.kind not in FILE_KINDS:
        raise FileRefused("Word 文档请用“导入 Word 文档”转换成课时内容，不能作为附件上传")
    size = stream_size(stream)
    if size > limits[found.kind]:
        raise FileTooLarge(found.kind)
    if found.kind == "image":
        try:
            image = images.store_image(
                stream.read(), filename, folder, max_bytes=limits[found.kind]
            )
        except images.ImageRejected as exc:
            raise FileRefused(str(exc)) from None
        stored_name, content_type, size = image.name, image.mime, image.size
    else:
        stored_name = write_new(Path(folder), stream, found.extension)
        content_type = found.content_type
    item = CourseFile(
        course=course,
        kind=found.kind,
        stored_name=stored_name,
        content_type=content_type,
        size=size,
        original_name=display_name(filename, found.kind),
        uploaded_by=uploader.id,
    )
    db.session.add(item)
    try:
        db.session.flush()
    except BaseException:
        remove_stored(Path(folder), stored_name)
        raise
    return item


def course_files(course: Course) -> list[CourseFile]:
    """A course's files, newest first, with who uploaded them."""
    return list(
        db.session.scalars(
            select(CourseFile)
            .where(CourseFile.course_id == course.id)
            .options(selectinload(CourseFile.uploader))
            .order_by(CourseFile.uploaded_at.desc(), CourseFile.id.desc())
        )
    )


def find_file(stored_name: str) -> CourseFile | None:
    """The file stored under a name, with its course."""
    return db.session.scalar(
        select(CourseFile)
        .where(CourseFile.stored_name == stored_name)
        .options(selectinload(CourseFile.course))
    )


def files_in_use(course: Course, items: list[CourseFile]) -> set[str]:
    """Which of a course's files its lessons use, as media or in their text."""
    names = {item.stored_name for item in items}
    if not names:
        return set()
    used = set(db.session.scalars(select(Lesson.media_name).where(Lesson.media_name.in_(names))))
    bodies = db.session.scalars(select(Lesson.body_md).where(Lesson.course_id == course.id))
    texts = [course.body_md, *bodies]
    # Saved versions count too: a draft waiting for review, or an old one to restore.
    for data in db.session.scalars(
        select(ContentRevision.data).where(ContentRevision.course_id == course.id)
    ):
        used.add(data.get("media_name"))
        texts.append(data.get("body_md") or "")
    return (used & names) | {name for name in names if any(name in text for text in texts)}


def delete_file(item: CourseFile) -> str:
    """Forget a file no lesson uses; returns its stored name, to remove once committed."""
    lessons = db.session.scalars(
        select(Lesson.title)
        .where(
            or_(
                Lesson.media_name == item.stored_name,
                Lesson.body_md.contains(item.stored_name, autoescape=True),
            )
        )
        .order_by(Lesson.id)
    ).all()
    if lessons or item.stored_name in item.course.body_md:
        raise FileInUse(list(lessons) or [item.course.title])
    db.session.delete(item)
    db.session.flush()
    return item.stored_name


def markdown_for(item: CourseFile, url: str) -> str:
    """What an author pastes into a lesson: the image itself, or a link to the file."""
    text = _MARKDOWN_TEXT.sub(r"\\\1", PurePath(item.original_name).stem or item.kind_label)
    if item.kind == "image":
        return f"![{text}]({url})"
    return f"[{text}]({url})"


def display_name(filename: str, kind: str) -> str:
    """An uploaded name as ``media.display_name`` cleans it, the kind's name if none is left."""
    return media_display_name(filename, FILE_KINDS[kind])
