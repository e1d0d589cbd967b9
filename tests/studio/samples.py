"""Small files of each kind the studio accepts, and some it must refuse, made in memory."""

from __future__ import annotations

import io

from PIL import Image


def image(fmt: str = "PNG", size: tuple[int, int] = (4, 3)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "red").save(out, fmt)
    return out.getvalue()


def pdf(body: bytes = b"") -> bytes:
    return b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" + body + b"trailer\n%%EOF\n"


def mp4(brand: bytes = b"mp42", rest: int = 4096) -> bytes:
    ftyp = b"\x00\x00\x00\x18ftyp" + brand + b"\x00\x00\x00\x00" + b"mp42isom"
    return ftyp + b"\x00\x00\x00\x08free" + bytes(rest)


def webm(doctype: bytes = b"webm") -> bytes:
    # EBML header: EBMLVersion 1, DocType; then a Segment's start.
    fields = b"\x42\x86\x81\x01" + b"\x42\x82" + bytes([0x80 | len(doctype)]) + doctype
    return (
        b"\x1a\x45\xdf\xa3" + bytes([0x80 | len(fields)]) + fields + b"\x18\x53\x80\x67" + bytes(64)
    )


# A Windows program: what a "video" that is really an executable starts with.
EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(512)
