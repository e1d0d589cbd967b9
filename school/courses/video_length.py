"""How long a lesson's video plays, read from the file's own header.

A lesson page reports the length of the video it plays, and the share of it a member watched is
measured against that length (``activity``). A page that claims a one-second video would make
any video "watched" in one second, so the server reads the length from the file when it can:

- MP4: the movie header box (``moov`` › ``mvhd``): duration ÷ time scale;
- WebM: the segment's ``Info`` element (``Duration`` × ``TimestampScale``), which comes before
  the first cluster in the first 64 KiB of a file written for playback on the web.

A file whose length cannot be read this way (a WebM recorded live has no ``Duration``, a file
cut short, a file missing) gives None, and the page's first report stands, as before. Lengths
are cached per file (path, size, modification time), so a heartbeat costs one ``stat``.
"""

from __future__ import annotations

import struct
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

_MAX_BOXES = 64  # top-level and moov children looked at before giving up
_WEBM_HEAD = 64 * 1024

_EBML = 0x1A45DFA3
_SEGMENT = 0x18538067
_INFO = 0x1549A966
_CLUSTER = 0x1F43B675
_TIMESTAMP_SCALE = 0x2AD7B1
_DURATION = 0x4489
_DEFAULT_SCALE = 1_000_000  # nanoseconds per timestamp tick


def seconds(path: Path) -> float | None:
    """The video's length in seconds as its file states it; None when it cannot be read."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return _seconds(str(path), stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=256)
def _seconds(path: str, size: int, mtime_ns: int) -> float | None:
    try:
        with open(path, "rb") as stream:
            head = stream.read(12)
            if head[4:8] == b"ftyp":
                return _mp4(stream, size)
            if head[:4] == _EBML.to_bytes(4, "big"):
                stream.seek(0)
                return _webm(stream.read(_WEBM_HEAD))
    except (OSError, ValueError, struct.error):
        return None
    return None


# --- MP4 ---------------------------------------------------------------------------------------


def _box(stream: BinaryIO, start: int, end: int, kind: bytes) -> tuple[int, int] | None:
    """(start, end) of the content of the first box of ``kind`` between start and end."""
    at = start
    for _ in range(_MAX_BOXES):
        if at + 8 > end:
            return None
        stream.seek(at)
        header = stream.read(16)
        size, name, content = int.from_bytes(header[:4], "big"), header[4:8], at + 8
        if size == 1:  # a 64-bit size follows the name
            size, content = int.from_bytes(header[8:16], "big"), at + 16
        elif size == 0:  # the box runs to the end
            size = end - at
        if size < content - at or at + size > end:
            return None
        if name == kind:
            return content, at + size
        at += size
    return None


def _mp4(stream: BinaryIO, size: int) -> float | None:
    moov = _box(stream, 0, size, b"moov")
    mvhd = moov and _box(stream, *moov, b"mvhd")
    if not mvhd:
        return None
    stream.seek(mvhd[0])
    data = stream.read(min(32, mvhd[1] - mvhd[0]))
    if data[:1] == b"\x01":  # version 1: 64-bit times and duration
        scale, duration = struct.unpack(">IQ", data[20:32])
        unknown = 0xFFFFFFFFFFFFFFFF
    else:
        scale, duration = struct.unpack(">II", data[12:20])
        unknown = 0xFFFFFFFF
    if scale == 0 or duration in (0, unknown):
        return None
    return duration / scale


# --- WebM --------------------------------------------------------------------------------------


def _vint(data: bytes, at: int, *, marker: bool) -> tuple[int, int]:
    """An EBML variable-length integer at ``at`` (an element id keeps its marker bit)."""
    if at >= len(data) or data[at] == 0:
        raise ValueError("bad vint")
    length = 9 - data[at].bit_length()
    if at + length > len(data):
        raise ValueError("short vint")
    value = data[at] if marker else data[at] & (0xFF >> length)
    for byte in data[at + 1 : at + length]:
        value = value << 8 | byte
    return value, at + length


def _element(data: bytes, at: int) -> tuple[int, int, int]:
    """(id, content start, content size) of the element at ``at``."""
    element, at = _vint(data, at, marker=True)
    size, at = _vint(data, at, marker=False)
    return element, at, size


def _webm(data: bytes) -> float | None:
    element, at, size = _element(data, 0)
    if element != _EBML:
        return None
    element, at, _ = _element(data, at + size)  # the segment's size may be "unknown"
    if element != _SEGMENT:
        return None
    while at < len(data):
        element, at, size = _element(data, at)
        if element == _CLUSTER:
            return None
        if element == _INFO:
            if at + size > len(data):
                return None
            return _info(data[at : at + size])
        at += size
    return None


def _info(data: bytes) -> float | None:
    scale, duration, at = _DEFAULT_SCALE, None, 0
    while at < len(data):
        element, at, size = _element(data, at)
        value = data[at : at + size]
        if element == _TIMESTAMP_SCALE and 0 < size <= 8:
            scale = int.from_bytes(value, "big")
        elif element == _DURATION and size in (4, 8):
            duration = struct.unpack(">f" if size == 4 else ">d", value)[0]
        at += size
    if duration is None or not duration > 0 or scale == 0:  # also refuses nan
        return None
    return duration * scale / 1e9
