"""A notice's cover image and attachments: PDF and Word documents, and a 专题片's video.

The same checks as the studio's course files: the type comes from the bytes
(school/filetypes.py), never from the name or the browser's word; a cover is decoded and stored
as a fresh encoding without metadata (school/images.py); each kind keeps the studio's size limit.
Files live under MEDIA_DIR/notices with random names and are served only to those who may read
the notice. A refused file leaves nothing behind: the caller gets the names written so far from
``FilesWritten`` to remove, and bytes of a deleted file go only after the deletion is committed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from school import filetypes, images
from school.auth.models import User
from school.db import db
from school.media import (
    FileRefused,
    FileTooLarge,
    display_name,
    remove_stored,
    stream_size,
    write_new,
)
from school.notices.models import Notice, NoticeFile

# What a notice may carry, by the kind filetypes detects: kind stored, and the limit's kind.
_ATTACHABLE = {"document": "document", "docx": "document", "video": "video"}


@dataclass
class FilesWritten:
    """Names written under the folder by one request: removed again if the request fails."""

    names: list[str] = field(default_factory=list)

    def remove(self, folder: Path) -> None:
        """Remove every file written (the request was refused or failed)."""
        for name in self.names:
            remove_stored(folder, name)
        self.names.clear()


def store_cover(
    notice: Notice,
    stream: BinaryIO,
    filename: str,
    folder: Path,
    max_bytes: int,
    written: FilesWritten,
) -> str | None:
    """Re-encode an uploaded image as the notice's cover; returns the replaced cover's name
    (to remove once committed)."""
    if stream_size(stream) > max_bytes:
        raise FileTooLarge("image")
    try:
        image = images.store_image(stream.read(), filename, folder, max_bytes=max_bytes)
    except images.ImageRejected as exc:
        raise FileRefused(f"封面：{exc}。") from None
    written.names.append(image.name)
    old, notice.cover_name = notice.cover_name, image.name
    db.session.flush()
    return old


def store_attachment(
    notice: Notice,
    uploader: User,
    stream: BinaryIO,
    filename: str,
    folder: Path,
    limits: Mapping[str, int],
    written: FilesWritten,
) -> NoticeFile:
    """Check an attachment by its bytes and size and store it: a PDF or Word document, or a
    video (MP4, WebM) for a 专题片. ``limits`` are bytes per kind (document, video)."""
    try:
        found = filetypes.detect(stream)
    except filetypes.FileRejected as exc:
        raise FileRefused(f"附件：{exc}。") from None
    kind = _ATTACHABLE.get(found.kind)
    if kind is None or (kind == "video" and notice.category != "video"):
        allowed = "PDF、Word 文档" + ("或 MP4、WebM 视频" if notice.category == "video" else "")
        raise FileRefused(f"附件只能是 {allowed}；图片请作为封面上传。")
    if stream_size(stream) > limits[kind]:
        raise FileTooLarge(kind)
    stored_name = write_new(Path(folder), stream, found.extension)
    written.names.append(stored_name)
    item = NoticeFile(
        notice=notice,
        kind=kind,
        stored_name=stored_name,
        content_type=found.content_type,
        size=stream_size(stream),
        original_name=display_name(filename, "附件"),
        uploaded_by=uploader.id,
    )
    db.session.add(item)
    db.session.flush()
    return item


def delete_attachment(item: NoticeFile) -> str:
    """Forget an attachment; returns its stored name, to remove once committed."""
    db.session.delete(item)
    db.session.flush()
    return item.stored_name


def remove_cover(notice: Notice) -> str | None:
    """Take the cover off a notice; returns its stored name, to remove once committed."""
    old, notice.cover_name = notice.cover_name, None
    db.session.flush()
    return old
