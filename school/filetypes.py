"""What a file really is, decided from its bytes: never from its name or the browser's word.

An upload's name and content type are whatever the sender says, so a program renamed
``lesson.mp4`` and sent as ``video/mp4`` must still be refused. Each accepted type is recognised
by the structure it starts (and for PDF, ends) with:

- images: the PNG, JPEG, GIF and WebP signatures. That is only the first look: school/images.py
  decodes every pixel with Pillow and stores a fresh encoding, which is the real check;
- PDF: ``%PDF-`` at the start and ``%%EOF`` near the end (a truncated upload has none);
- MP4: an ``ftyp`` box first, whose major brand is an MP4 one (not HEIC, not QuickTime);
- WebM: an EBML header whose DocType is ``webm`` (a Matroska file says ``matroska``);
- DOCX: a zip with ``[Content_Types].xml`` and ``word/document.xml``. Only the zip's directory
  is read here; what a .docx may contain is school/studio/docx.py's business.

Anything else raises ``FileRejected`` with a reason in Chinese. Nothing here touches Flask.
"""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass
from typing import BinaryIO

# How much of a file's start and end is looked at.
_HEAD = 4096
_TAIL = 1024

# Major brands of MP4 files that browsers play (ISO base media, MPEG-4, H.264, DASH, iTunes
# video). HEIC photos ("heic", "mif1") and QuickTime files ("qt  ") also start with ftyp.
_MP4_BRANDS = frozenset(
    {
        b"isom",
        b"iso2",
        b"iso4",
        b"iso5",
        b"iso6",
        b"mp41",
        b"mp42",
        b"avc1",
        b"dash",
        b"mmp4",
        b"M4V ",
        b"MSNV",
    }
)
_EBML_MAGIC = b"\x1a\x45\xdf\xa3"
_EBML_DOCTYPE = 0x4282
_DOCX_PARTS = ("[Content_Types].xml", "word/document.xml")

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

# What each kind is called in a refusal that names the kind the instructor asked for.
_NOT_KIND = {
    "image": "文件内容不是 JPG、PNG、GIF 或 WebP 图片",
    "document": "文件内容不是 PDF 文档",
    "video": "文件内容不是 MP4 或 WebM 视频",
    "docx": "文件内容不是 Word 文档（.docx）",
}
_UNKNOWN = "无法识别的文件：只能上传 JPG、PNG、GIF、WebP 图片，PDF 文档，MP4、WebM 视频"
_EMPTY = "文件是空的，请重新选择"
_BROKEN_PDF = "PDF 文件不完整（没有文件结尾），请重新导出或重新上传"


class FileRejected(ValueError):
    """A file that is not of an accepted type; str(exc) is a reason in Chinese."""


@dataclass(frozen=True)
class FileType:
    """A recognised type: its kind (image, document, video, docx), extension and MIME type."""

    kind: str
    extension: str
    content_type: str


PNG = FileType("image", "png", "image/png")
JPEG = FileType("image", "jpg", "image/jpeg")
GIF = FileType("image", "gif", "image/gif")
WEBP = FileType("image", "webp", "image/webp")
PDF = FileType("document", "pdf", "application/pdf")
MP4 = FileType("video", "mp4", "video/mp4")
WEBM = FileType("video", "webm", "video/webm")
DOCX = FileType("docx", "docx", DOCX_TYPE)


def detect(stream: BinaryIO, expected: str | None = None) -> FileType:
    """The type of a seekable file from its bytes; FileRejected if it is not one accepted.

    With ``expected`` (a kind), a file of another kind is refused with that kind named. The
    stream is left at its start.
    """
    try:
        found = _detect(stream)
    except FileRejected:
        if expected in _NOT_KIND:
            raise FileRejected(_NOT_KIND[expected]) from None
        raise
    finally:
        stream.seek(0)
    if expected is not None and found.kind != expected:
        raise FileRejected(_NOT_KIND[expected])
    return found


def _detect(stream: BinaryIO) -> FileType:
    stream.seek(0)
    head = stream.read(_HEAD)
    if not head:
        raise FileRejected(_EMPTY)
    image = _image(head)
    if image is not None:
        return image
    if head.startswith(b"%PDF-"):
        if b"%%EOF" not in _tail(stream):
            raise FileRejected(_BROKEN_PDF)
        return PDF
    if _is_mp4(head):
        return MP4
    if head.startswith(_EBML_MAGIC) and _ebml_doctype(head) == b"webm":
        return WEBM
    if head.startswith(b"PK\x03\x04") and _is_docx(stream):
        return DOCX
    raise FileRejected(_UNKNOWN)


def _image(head: bytes) -> FileType | None:
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    return None


def _tail(stream: BinaryIO) -> bytes:
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(max(0, size - _TAIL))
    return stream.read(_TAIL)


def _is_mp4(head: bytes) -> bool:
    """Whether head starts with an ftyp box (size, "ftyp", major brand ...) of an MP4 brand."""
    if len(head) < 16 or head[4:8] != b"ftyp":
        return False
    size = int.from_bytes(head[:4], "big")
    return size >= 16 and head[8:12] in _MP4_BRANDS


def _vint(data: bytes, at: int, *, keep_marker: bool) -> tuple[int, int]:
    """An EBML variable-length integer at ``at``: (value, position after it)."""
    if at >= len(data) or data[at] == 0:
        raise ValueError("bad vint")
    first = data[at]
    length = 8 - first.bit_length() + 1
    if at + length > len(data):
        raise ValueError("short vint")
    value = first if keep_marker else first & (0xFF >> length)
    for byte in data[at + 1 : at + length]:
        value = (value << 8) | byte
    return value, at + length


def _ebml_doctype(head: bytes) -> bytes | None:
    """The DocType inside the EBML header at the start of head, if it can be read there."""
    try:
        _, at = _vint(head, 0, keep_marker=True)  # the EBML element's own id
        size, at = _vint(head, at, keep_marker=False)
        end = min(len(head), at + size)
        while at < end:
            element, at = _vint(head, at, keep_marker=True)
            length, at = _vint(head, at, keep_marker=False)
            if element == _EBML_DOCTYPE:
                return head[at : at + length].rstrip(b"\x00")
            at += length
    except ValueError:
        return None
    return None


def _is_docx(stream: BinaryIO) -> bool:
    """Whether the zip has a Word document's two required parts (its directory only is read)."""
    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    return all(part in names for part in _DOCX_PARTS)
