"""A video's length read from its file (school/courses/video_length.py): MP4's movie header and
WebM's segment info, and None for anything that does not say."""

import struct
from pathlib import Path

import pytest

from school.courses import video_length

DEMO_VIDEO = (
    Path(__file__).resolve().parents[2] / "content" / "honour-and-shame" / "bottom-line.webm"
)


def _box(kind: bytes, payload: bytes) -> bytes:
    return (8 + len(payload)).to_bytes(4, "big") + kind + payload


def _mp4(version: int, scale: int, duration: int, *, moov_last: bool = False) -> bytes:
    """A skeleton MP4: ftyp, a movie header in moov, and media data before or after it."""
    if version == 0:  # version and flags, creation and modification times (32-bit)
        header = bytes(12) + struct.pack(">II", scale, duration)
    else:  # 64-bit times and duration
        header = b"\x01" + bytes(19) + struct.pack(">IQ", scale, duration)
    moov = _box(b"moov", _box(b"mvhd", header + bytes(80)) + _box(b"trak", b""))
    payload = bytes(3000)
    # A box with a 64-bit size, as large media data has.
    mdat = (1).to_bytes(4, "big") + b"mdat" + (16 + len(payload)).to_bytes(8, "big") + payload
    ftyp = _box(b"ftyp", b"isom" + bytes(4) + b"isomavc1")
    return ftyp + (mdat + moov if moov_last else moov + mdat)


def _element(element: int, content: bytes) -> bytes:
    """An EBML element with a one-byte size (content under 127 bytes)."""
    assert len(content) < 127
    return (
        element.to_bytes((element.bit_length() + 7) // 8, "big")
        + bytes([0x80 | len(content)])
        + content
    )


def _webm(info: bytes) -> bytes:
    """A skeleton WebM: the EBML header, a segment of unknown size, its info and a cluster."""
    header = _element(0x1A45DFA3, _element(0x4282, b"webm"))
    segment = bytes.fromhex("18538067") + bytes.fromhex("01ffffffffffffff")
    return header + segment + _element(0x1549A966, info) + _element(0x1F43B675, bytes(50))


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_the_demo_webm_says_six_seconds():
    assert video_length.seconds(DEMO_VIDEO) == 6.0


@pytest.mark.parametrize("version", [0, 1])
@pytest.mark.parametrize("moov_last", [False, True])
def test_an_mp4_states_its_length_in_its_movie_header(tmp_path, version, moov_last):
    path = _write(tmp_path, "clip.mp4", _mp4(version, 600, 600 * 75 + 300, moov_last=moov_last))
    assert video_length.seconds(path) == 75.5


def test_a_webm_states_its_length_in_its_segment_info(tmp_path):
    scale = _element(0x2AD7B1, (1_000_000).to_bytes(3, "big"))
    eight = _element(0x4489, struct.pack(">d", 12_345.0))
    assert video_length.seconds(_write(tmp_path, "a.webm", _webm(scale + eight))) == 12.345
    # A four-byte float and the default scale (a millisecond a tick).
    four = _element(0x4489, struct.pack(">f", 90_000.0))
    assert video_length.seconds(_write(tmp_path, "b.webm", _webm(four))) == 90.0


def test_files_that_do_not_say_give_none(tmp_path):
    no_duration = _webm(_element(0x2AD7B1, (1_000_000).to_bytes(3, "big")))
    cases = {
        "live.webm": no_duration,  # recorded live: no Duration element
        "cut.webm": DEMO_VIDEO.read_bytes()[:200],
        "cut.mp4": _mp4(0, 600, 6000)[:40],
        "zero-scale.mp4": _mp4(0, 0, 6000),
        "unknown.mp4": _mp4(0, 600, 0xFFFFFFFF),
        "outline.pdf": b"%PDF-1.4\n%%EOF\n",
        "empty.webm": b"",
    }
    for name, data in cases.items():
        assert video_length.seconds(_write(tmp_path, name, data)) is None, name
    assert video_length.seconds(tmp_path / "missing.webm") is None


def test_a_replaced_file_is_read_again(tmp_path):
    path = _write(tmp_path, "clip.mp4", _mp4(0, 10, 100))
    assert video_length.seconds(path) == 10.0
    path.write_bytes(_mp4(0, 10, 250) + bytes(7))  # another size: another cache key
    assert video_length.seconds(path) == 25.0
