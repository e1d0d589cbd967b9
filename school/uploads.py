"""Upload size limits: one stated limit per kind of upload, kept the same on every side.

Each kind of upload has one limit, a config value in megabytes (``FORUM_IMAGE_MAX_MB`` ...,
overridable from the environment). The form states it next to the file input, the page's script
(``static/upload-check.js``) refuses a larger file before anything is sent, and the server
checks it again.

How the server answers a file that is too large. Werkzeug enforces a request's
``max_content_length`` while it parses the form: a ``Content-Length`` over it is refused before a
byte is read, and a chunked body is cut off where it passes it. Either way it raises
RequestEntityTooLarge, the unparsed body is gone, and with it whatever the member typed. So a
view that takes an upload declares its kind (``@accepts("FORUM_IMAGE_MAX_MB")``), and
``set_request_limit`` lets its requests be several times the file's limit, plus room for the
text fields. A file over its limit but under that still parses; ``MaxSize`` on the field (or
the view's own check) refuses it, nothing is stored, and the form comes back with the text and
a message naming the limit. Only a body past that hard cap gets the 413 page (school/errors.py),
which names the limit and says what was lost. Requests to every other view keep the site-wide
``MAX_CONTENT_LENGTH``.

Files that are imported (a roster, a question file) are read whole, checked and previewed first;
``stage`` keeps the upload for its owner until they confirm the preview, so the confirmation
imports exactly the file that was previewed without sending it again.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import BinaryIO, TypeVar

from flask import Request, current_app, request
from flask_wtf.file import FileField
from werkzeug.datastructures import FileStorage
from wtforms.validators import StopValidation

MB = 1024 * 1024
# A file up to this many times its limit still reaches the form, so the form can come back with
# the member's text: a phone photo is often two or three times the size allowed.
OVERSIZE_FACTOR = 4
# ... but never more than this much over it: a video's limit is hundreds of megabytes, and a
# request is read (to disk) before the login and the CSRF token are checked.
OVERSIZE_ROOM = 64 * MB
# The text fields around the file: a post's body is at most 20,000 characters, 3 bytes each in
# UTF-8, and multipart adds a few hundred bytes a field.
FORM_ROOM = 256 * 1024


@dataclass(frozen=True)
class UploadKind:
    """What a limit is called on the page, and what to do about a file over it."""

    noun: str
    advice: str
    # Whether the form around the file carries text that the member typed.
    with_text: bool


KINDS: dict[str, UploadKind] = {
    "FORUM_IMAGE_MAX_MB": UploadKind("图片", "请压缩或换一张较小的图片", with_text=True),
    "CARD_PHOTO_MAX_MB": UploadKind("照片", "请压缩或换一张较小的照片", with_text=False),
    "ROSTER_MAX_MB": UploadKind("名册文件", "请拆分后分批导入", with_text=False),
    "QUIZ_IMPORT_MAX_MB": UploadKind("题目文件", "请拆分后分批导入", with_text=False),
    "LESSON_IMAGE_MAX_MB": UploadKind("图片", "请压缩或换一张较小的图片", with_text=False),
    "LESSON_DOCUMENT_MAX_MB": UploadKind("文档", "请压缩或拆分后再上传", with_text=False),
    "LESSON_VIDEO_MAX_MB": UploadKind("视频", "请降低分辨率或码率、压缩后再上传", with_text=False),
    "DOCX_MAX_MB": UploadKind("Word 文档", "请拆分成几个文档分别导入", with_text=False),
}

View = TypeVar("View", bound=Callable)

# A preview not confirmed within a day is given up: its file goes when the next one is staged.
STAGED_SECONDS = 24 * 3600
# What secrets.token_urlsafe makes; anything else is never looked up as a file name.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")


class UploadTooLarge(ValueError):
    """A file over its kind's limit; str(exc) names the limit for the member."""


def limit_mb(key: str) -> int:
    """The configured limit of an upload kind, in megabytes."""
    return int(current_app.config[key])


def limit_bytes(key: str) -> int:
    """The configured limit of an upload kind, in bytes."""
    return limit_mb(key) * MB


def too_large_message(key: str) -> str:
    """What a member reads when a file is over its kind's limit: "图片不能超过 5 MB，…"."""
    kind = KINDS[key]
    return f"{kind.noun}不能超过 {limit_mb(key)} MB，{kind.advice}。"


def request_cap(key: str) -> int:
    """The largest request body a view taking this kind of upload reads at all."""
    limit = limit_bytes(key)
    return limit + min((OVERSIZE_FACTOR - 1) * limit, OVERSIZE_ROOM) + FORM_ROOM


def size_of(upload: FileStorage) -> int:
    """The size of an uploaded file in bytes, read from its stream without loading it."""
    stream = upload.stream
    position = stream.tell()
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(position)
    return size


def is_too_large(upload: FileStorage | None, key: str) -> bool:
    """Whether a chosen file is over its kind's limit (no file chosen: it is not)."""
    return bool(upload and upload.filename) and size_of(upload) > limit_bytes(key)


def read_within(upload: FileStorage, key: str) -> bytes:
    """The uploaded file's bytes; UploadTooLarge, before any is read, over its kind's limit."""
    if is_too_large(upload, key):
        raise UploadTooLarge(too_large_message(key))
    return upload.read()


def folder(name: str) -> Path:
    """The folder under UPLOAD_DIR that keeps one kind of upload: forum, photos, roster …"""
    return Path(current_app.config["UPLOAD_DIR"]) / name


def stage(where: Path, owner_id: int, filename: str, data: bytes) -> str:
    """Keep an upload until its owner confirms the preview; returns the token that finds it."""
    where.mkdir(parents=True, exist_ok=True)
    cutoff = time.time() - STAGED_SECONDS
    for old in where.iterdir():
        if old.is_file() and old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(24)
    (where / f"{token}.upload").write_bytes(data)
    meta = {"owner": owner_id, "filename": PurePath(filename).name}
    (where / f"{token}.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return token


def staged(where: Path, owner_id: int, token: str) -> tuple[str, bytes] | None:
    """The file name and bytes behind a token, for its owner only (anyone else finds nothing)."""
    meta = _owned(where, owner_id, token)
    if meta is None or not isinstance(meta.get("filename"), str):
        return None
    try:
        return meta["filename"], (where / f"{token}.upload").read_bytes()
    except OSError:
        return None


def unstage(where: Path, owner_id: int, token: str) -> None:
    """Forget a staged upload once it was imported, so its token imports nothing again."""
    if _owned(where, owner_id, token) is not None:
        for suffix in (".upload", ".json"):
            (where / f"{token}{suffix}").unlink(missing_ok=True)


def _owned(where: Path, owner_id: int, token: str) -> dict | None:
    """The description of a staged upload, if the token is one and the owner made it."""
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        return None
    try:
        meta = json.loads((where / f"{token}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(meta, dict) or meta.get("owner") != owner_id:
        return None
    return meta


def accepts(key: str) -> Callable[[View], View]:
    """Mark a view as taking an upload of the kind ``key``: its requests get that kind's cap."""
    if key not in KINDS:
        raise ValueError(key)

    def mark(view: View) -> View:
        view.upload_kind = key  # type: ignore[attr-defined]
        return view

    return mark


def request_kind() -> str | None:
    """The upload kind the current request's view takes, if it takes one."""
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, "upload_kind", None)


def set_request_limit() -> None:
    """Let a request to a view that takes an upload reach the form (see the module docstring).

    Registered on the app ahead of CSRF protection, which reads the form (so the limit) first.
    """
    key = request_kind()
    if key is not None:
        request.max_content_length = request_cap(key)


class UploadRequest(Request):
    """Flask's request, which also closes the file of a form whose body was cut off at the cap.

    Werkzeug keeps a file part in a temporary file while it parses; when the body passes the cap
    part way (a chunked upload), the parse stops and the form, with that file, is never built,
    so closing the form's files at the end of the request misses it. Closing every stream handed
    out frees the disk space at once instead of whenever the garbage collector gets to it.
    """

    def _get_file_stream(self, *args, **kwargs):
        stream = super()._get_file_stream(*args, **kwargs)
        self.__dict__.setdefault("_upload_streams", []).append(stream)
        return stream

    def close(self) -> None:
        super().close()
        for stream in self.__dict__.pop("_upload_streams", ()):
            stream.close()


class MaxSize:
    """Form validator: a chosen file over its kind's limit is refused with the limit named."""

    def __init__(self, key: str) -> None:
        if key not in KINDS:
            raise ValueError(key)
        self.key = key

    def __call__(self, form, field) -> None:
        if isinstance(field.data, FileStorage) and is_too_large(field.data, self.key):
            raise StopValidation(too_large_message(self.key))


class UploadField(FileField):
    """A file input that states its kind's limit, has the browser check it, and checks it.

    ``{limit}`` in the label becomes the configured limit ("5 MB"). Fields are built when a form
    is, inside a request, so the label follows the configuration.
    """

    def __init__(self, label: str, kind: str, validators=(), **kwargs) -> None:
        self.kind = kind
        super().__init__(
            label.format(limit=f"{limit_mb(kind)} MB"), [*validators, MaxSize(kind)], **kwargs
        )

    def __call__(self, **kwargs):
        # Read by static/upload-check.js.
        kwargs.setdefault("data-max-bytes", limit_bytes(self.kind))
        kwargs.setdefault("data-too-large", too_large_message(self.kind))
        return super().__call__(**kwargs)


def write_atomically(folder: Path, name: str, stream: BinaryIO) -> None:
    """Copy a stream (from its start) to folder/name so that no reader sees a partial file."""
    folder.mkdir(parents=True, exist_ok=True)
    # The temporary file sits in the same folder, so the rename stays on one file system and is
    # atomic; its dot name never matches a stored name, so nothing serves it half-written.
    fd, temp_name = tempfile.mkstemp(dir=folder, prefix=".upload-", suffix=".tmp")
    try:
        # Readable by the group (a web server serving the folder), never by other accounts.
        os.fchmod(fd, 0o640)
        with os.fdopen(fd, "wb") as file:
            stream.seek(0)
            shutil.copyfileobj(stream, file, 1 << 20)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp_name, folder / name)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
