"""Files a feature keeps under MEDIA_DIR (a course's files, a notice's attachments): what every
stored file shares, once.

A stored file has a random name (so no one guesses another's), the content type its bytes showed
(``school/filetypes.py``), its size, and the name it was uploaded under, cleaned for showing and
for offering as a download name. The row is the feature's (``StoredFile`` gives its columns);
the bytes are removed from disk only after the deletion of the row was committed.
"""

from __future__ import annotations

import os
import secrets
import unicodedata
from datetime import datetime
from pathlib import Path, PurePath
from typing import BinaryIO, ClassVar

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from school import uploads
from school.db import UTCDateTime, utcnow
from school.formatting import size_text

MAX_NAME = 100


class FileRefused(ValueError):
    """A file that is not stored; str(exc) is the reason in Chinese, ready to show."""


class FileTooLarge(ValueError):
    """A file over the limit of its kind (``kind``); the view names the limit."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


class StoredFile:
    """The columns of a stored file's row, and the names it is shown and downloaded under.

    ``FALLBACK_NAMES``: per kind, the name shown when the uploaded one had nothing left.
    """

    FALLBACK_NAMES: ClassVar[dict[str, str]]

    kind: Mapped[str] = mapped_column(String(20))
    stored_name: Mapped[str] = mapped_column(String(100), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    # As uploaded, cleaned of folders and control characters (``display_name``).
    original_name: Mapped[str] = mapped_column(String(200))
    # The file stays with what it belongs to when the account that uploaded it goes.
    uploaded_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def size_label(self) -> str:
        return size_text(self.size)

    @property
    def download_name(self) -> str:
        """The original name with the extension of what the file really is."""
        stem = PurePath(self.original_name).stem or self.FALLBACK_NAMES[self.kind]
        return f"{stem}{PurePath(self.stored_name).suffix}"


def display_name(filename: str, fallback: str) -> str:
    """An uploaded name without folders or control characters, at most 100 characters
    (``fallback`` when nothing is left)."""
    name = unicodedata.normalize("NFC", filename or "")
    # Some browsers send the whole Windows path; only its last part is the file's name.
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    # A right-to-left override makes "fdp.exe" read as "exe.pdf": no control or format
    # characters in a name that is shown and offered as a download name.
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C"))
    name = " ".join(name.split()).strip(". ")
    if not name:
        return fallback
    if len(name) <= MAX_NAME:
        return name
    stem, dot, extension = name.rpartition(".")
    if dot and stem and len(extension) <= 10:
        return stem[: MAX_NAME - len(extension) - 1].rstrip() + "." + extension
    return name[:MAX_NAME]


def stream_size(stream: BinaryIO) -> int:
    """The size of an uploaded stream, read back from its start."""
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    return size


def write_new(folder: Path, stream: BinaryIO, extension: str) -> str:
    """Write the stream under a new random name with the extension; returns the name."""
    stored_name = f"{secrets.token_urlsafe(16)}.{extension}"
    uploads.write_atomically(Path(folder), stored_name, stream)
    return stored_name


def remove_stored(folder: Path, stored_name: str | None) -> None:
    """Remove a stored file from disk (none, or gone already: nothing to do)."""
    if stored_name:
        (Path(folder) / stored_name).unlink(missing_ok=True)
