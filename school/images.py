"""Uploaded images: checked by content, re-encoded, stored under random names.

Forum posts (school.forum) attach them and member cards (school.cards) carry one as a photo.

An upload's file name and the browser's content type are whatever the sender says they are, so
neither decides anything here. Only bytes that Pillow identifies as PNG, JPEG, GIF or WebP and
decodes completely are accepted: an HTML page or SVG (both can carry scripts) named ``.png``, a
PDF, an archive or a truncated file is turned away with a message the member can act on.

What is stored is never the uploaded file but a fresh encoding of its decoded pixels. That drops
whatever rode along with the picture: EXIF (a phone photo's GPS position tells where a member
was, and members' whereabouts are sensitive here), comments, XMP, text chunks and anything
appended to or hidden inside the file for a browser to find. Only the ICC colour profile is kept,
and only while the colours still mean what it describes. Animated images keep their first frame:
one decoded frame is all that the pixel limit has to bound.

Nothing here touches Flask: callers pass the folder and limits, and show the message of
``ImageRejected`` to the member.
"""

import io
import re
import secrets
import struct
import threading
import unicodedata
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError

from school.formatting import size_text
from school.uploads import write_atomically

# Pillow format name -> (stored extension, MIME type). MPO is how Pillow names a JPEG from a
# camera that packs several pictures in one file; its first picture is an ordinary JPEG.
_FORMATS = {
    "PNG": ("png", "image/png"),
    "JPEG": ("jpg", "image/jpeg"),
    "MPO": ("jpg", "image/jpeg"),
    "GIF": ("gif", "image/gif"),
    "WEBP": ("webp", "image/webp"),
}
# Only these plugins may even look at the bytes, so no other format's parser is reached.
_OPEN_FORMATS = ("PNG", "JPEG", "GIF", "WEBP")

# Starts of the accepted formats: a file that begins like one but will not open is damaged,
# not of the wrong kind, and the member should hear which.
_SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a")

# Names that store_image makes; open_path accepts nothing else, so no path can be smuggled in.
_STORED_NAME = re.compile(r"[0-9a-f]{32}\.(?:jpg|png|gif|webp)")

# What Pillow raises on malformed input, beyond its own UnidentifiedImageError (an OSError).
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError, struct.error)

_MAX_DISPLAY_NAME = 100

# warnings.catch_warnings swaps the process-wide filter list and puts it back on exit. Two
# uploads in threads doing so at once could put back each other's list out of order and leave a
# filter behind for other code, so this module's sections take turns.
_WARNINGS_LOCK = threading.Lock()

_NOT_AN_IMAGE = "只能上传 JPG、PNG、GIF 或 WebP 图片"
_DAMAGED = "图片文件已损坏，无法读取"
_EMPTY = "文件是空的，请重新选择图片"


class ImageRejected(ValueError):
    """An upload that is not stored; str(exc) is a message in Chinese for the member."""


@dataclass(frozen=True)
class StoredImage:
    """An image written by store_image, with what a page needs to show and serve it."""

    name: str
    mime: str
    size: int
    width: int
    height: int
    original_name: str


def store_image(
    data: bytes,
    original_name: str,
    folder: Path,
    *,
    max_bytes: int = 5 * 1024 * 1024,
    max_pixels: int = 40_000_000,
) -> StoredImage:
    """Check the uploaded bytes, re-encode them without metadata and store them in folder."""
    if not data:
        raise ImageRejected(_EMPTY)
    if len(data) > max_bytes:
        raise ImageRejected(f"图片超过 {size_text(max_bytes)}，请压缩后再上传")

    image, detected = _decode(data, max_pixels)
    out_format = "JPEG" if detected == "MPO" else detected
    extension, mime = _FORMATS[detected]
    encoded = _encode(image, out_format)

    name = f"{secrets.token_hex(16)}.{extension}"
    write_atomically(Path(folder), name, io.BytesIO(encoded))
    return StoredImage(
        name=name,
        mime=mime,
        size=len(encoded),
        width=image.width,
        height=image.height,
        original_name=_display_name(original_name),
    )


def open_path(folder: Path, name: str) -> Path | None:
    """The stored file for a name made by store_image, or None for any other name."""
    if not isinstance(name, str) or not _STORED_NAME.fullmatch(name):
        return None
    path = Path(folder) / name
    return path if path.is_file() else None


def _decode(data: bytes, max_pixels: int) -> tuple[Image.Image, str]:
    """The upright first frame of data and its Pillow format, or ImageRejected."""
    too_large = f"图片尺寸过大（超过 {_pixels_text(max_pixels)}），请缩小后再上传"
    with _WARNINGS_LOCK, warnings.catch_warnings():
        # Pillow warns about oddities such as malformed EXIF while the pixels still decode; the
        # metadata is thrown away anyway, so those warnings tell nobody anything.
        warnings.simplefilter("ignore", UserWarning)
        # Pillow's own bomb check only warns between its limit and twice that. Raised, it can be
        # answered like any other oversized image instead of escaping into logs (or, under
        # pytest's filterwarnings = error, failing in the caller). Its process-wide limit
        # (Image.MAX_IMAGE_PIXELS, about 89 M) is left alone, so it caps a larger max_pixels.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=_OPEN_FORMATS) as probe:
                detected = probe.format or ""
                _check_pixels(probe.size, max_pixels, too_large)
                # verify() checks what the format allows without decoding (PNG chunk CRCs);
                # it leaves the object unusable, so the pixels are read from a fresh one.
                probe.verify()
            with Image.open(io.BytesIO(data), formats=_OPEN_FORMATS) as source:
                # Decoding everything is what finds truncated or corrupt image data.
                source.load()
                # A GIF frame may reach beyond the size its header announced.
                _check_pixels(source.size, max_pixels, too_large)
                # Phones store photos sideways and say so in EXIF, which is about to go.
                image = ImageOps.exif_transpose(source)
        except ImageRejected:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageRejected(too_large) from None
        except UnidentifiedImageError:
            message = _DAMAGED if _looks_like_accepted_format(data) else _NOT_AN_IMAGE
            raise ImageRejected(message) from None
        except _DECODE_ERRORS:
            raise ImageRejected(_DAMAGED) from None
    if detected not in _FORMATS:
        raise ImageRejected(_NOT_AN_IMAGE)
    return image, detected


def _check_pixels(size: tuple[int, int], max_pixels: int, message: str) -> None:
    """Reject a size over max_pixels, before the pixels take memory."""
    if size[0] * size[1] > max_pixels:
        raise ImageRejected(message)


def _looks_like_accepted_format(data: bytes) -> bool:
    """Whether data starts like a PNG, JPEG, GIF or WebP file."""
    is_webp = data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    return is_webp or data.startswith(_SIGNATURES)


def _encode(image: Image.Image, out_format: str) -> bytes:
    """image encoded afresh in out_format, carrying no metadata but a fitting ICC profile."""
    icc_profile = image.info.get("icc_profile")
    transparency = image.info.get("transparency")
    converted = _fit_mode(image, out_format)
    # A profile describes the colours of one colour space: after CMYK -> RGB or L -> RGB it
    # would describe colours the pixels no longer are, so it goes with the conversion.
    if _colour_space(converted.mode) != _colour_space(image.mode):
        icc_profile = None
    # Encoders fall back to image.info for comments, EXIF or text, so nothing is left there.
    converted.info = {}

    options: dict[str, Any] = {}
    if icc_profile:
        options["icc_profile"] = icc_profile
    if out_format == "JPEG":
        options.update(quality=85, optimize=True)
    elif out_format == "PNG":
        options["optimize"] = True
        if transparency is not None and converted.mode == image.mode:
            options["transparency"] = transparency
    elif out_format == "GIF":
        if isinstance(transparency, int) and converted.mode == image.mode:
            options["transparency"] = transparency
    elif out_format == "WEBP":
        options.update(quality=85, method=4)

    buffer = io.BytesIO()
    converted.save(buffer, format=out_format, **options)
    return buffer.getvalue()


# Modes each encoder takes as they are; anything else is converted by _fit_mode.
_KEPT_MODES = {
    "JPEG": {"L", "RGB"},
    "PNG": {"1", "L", "LA", "P", "RGB", "RGBA", "I;16"},
    "GIF": {"L", "P"},
    "WEBP": {"RGB", "RGBA"},
}


def _fit_mode(image: Image.Image, out_format: str) -> Image.Image:
    """image in a mode that out_format can store, flattened on white where alpha can't go."""
    if image.mode in _KEPT_MODES[out_format]:
        return image
    has_alpha = image.mode in {"RGBA", "LA", "PA", "RGBa", "La"} or "transparency" in image.info
    if out_format == "JPEG":
        if not has_alpha:
            return image.convert("RGB")
        # JPEG has no alpha; transparent areas would otherwise turn black.
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, "white")
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    # The GIF encoder makes a palette (and a transparent index) from these by itself.
    return image.convert("RGBA" if has_alpha else "RGB")


def _colour_space(mode: str) -> str:
    """The colour space whose ICC profile fits a Pillow mode."""
    if mode in {"1", "L", "LA", "La", "I", "I;16", "F"}:
        return "gray"
    if mode in {"RGB", "RGBA", "RGBa", "RGBX", "P", "PA"}:
        return "rgb"
    return mode


def _display_name(original_name: str) -> str:
    """The uploaded name without folders or control characters, at most 100 characters."""
    name = unicodedata.normalize("NFC", original_name or "")
    # Some browsers send the whole Windows path; only its last part is the file's name.
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    # Control and format characters (a right-to-left override makes "gnp.exe" read as
    # "exe.png") have no place in a name shown to other members.
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C"))
    name = " ".join(name.split()).strip(". ")
    if not name:
        return "未命名图片"
    if len(name) <= _MAX_DISPLAY_NAME:
        return name
    stem, dot, extension = name.rpartition(".")
    if dot and stem and len(extension) <= 10:
        return stem[: _MAX_DISPLAY_NAME - len(extension) - 1].rstrip() + "." + extension
    return name[:_MAX_DISPLAY_NAME]


def _pixels_text(pixels: int) -> str:
    """A pixel count as members read it, in units of ten thousand where it is round: 4000 万像素."""
    if pixels >= 10_000 and pixels % 10_000 == 0:
        return f"{pixels // 10_000} 万像素"
    return f"{pixels} 像素"
