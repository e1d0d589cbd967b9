"""Uploaded images: only real images pass, and what is stored carries no metadata."""

import io
import random
import stat
import struct
import warnings
import zlib
from pathlib import Path

import pytest
from PIL import ExifTags, Image, ImageCms
from PIL.PngImagePlugin import PngInfo

from school import images
from school.images import ImageRejected, StoredImage, open_path, store_image

NOT_AN_IMAGE = "只能上传 JPG、PNG、GIF 或 WebP 图片"
DAMAGED = "图片文件已损坏，无法读取"

FORMATS = [
    # Pillow format, mode to draw in, expected extension, expected MIME type
    ("PNG", "RGB", "png", "image/png"),
    ("JPEG", "RGB", "jpg", "image/jpeg"),
    ("GIF", "P", "gif", "image/gif"),
    ("WEBP", "RGB", "webp", "image/webp"),
]
EXIF_FORMATS = ["PNG", "JPEG", "WEBP"]  # GIF has no EXIF block

MARKER = "home-of-member-zhang"


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def picture(size=(40, 30), mode="RGB") -> Image.Image:
    """A small image with two colours, so rotations and re-encodings can be told apart."""
    image = Image.new("RGB", size, (200, 30, 30))
    image.paste((30, 30, 200), (size[0] // 2, 0, size[0], size[1]))
    return image.convert(mode) if mode != "RGB" else image


def noise(size) -> Image.Image:
    """An image that compresses badly, so its file is about as large as its pixels."""
    return Image.frombytes("RGB", size, random.Random(3).randbytes(size[0] * size[1] * 3))


def exif_with_gps(orientation: int | None = None) -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.ImageDescription] = MARKER
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (39.0, 54.0, 26.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (116.0, 23.0, 29.0),
    }
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    return exif.tobytes()


def reopen(folder: Path, stored: StoredImage) -> Image.Image:
    path = open_path(folder, stored.name)
    assert path is not None
    # Read into memory: an open file left to the garbage collector warns, and warnings fail.
    image = Image.open(io.BytesIO(path.read_bytes()))
    image.load()
    return image


def png_claiming(width: int, height: int) -> bytes:
    """A small valid PNG whose IHDR (with a matching CRC) claims width x height."""
    data = bytearray(encode(picture((8, 8)), "PNG"))
    # Signature (8) + chunk length (4) + b"IHDR" (4), then width and height.
    struct.pack_into(">II", data, 16, width, height)
    struct.pack_into(">I", data, 29, zlib.crc32(bytes(data[12:29])))
    return bytes(data)


# --- accepted images ----------------------------------------------------------------------------


@pytest.mark.parametrize(("fmt", "mode", "extension", "mime"), FORMATS)
def test_each_format_is_stored_reencoded(tmp_path, fmt, mode, extension, mime):
    data = encode(picture(mode=mode), fmt)
    stored = store_image(data, f"图片.{extension}", tmp_path)

    assert stored.mime == mime
    assert stored.name.endswith("." + extension)
    assert (stored.width, stored.height) == (40, 30)
    assert stored.original_name == f"图片.{extension}"
    path = tmp_path / stored.name
    assert stored.size == path.stat().st_size
    image = reopen(tmp_path, stored)
    assert image.format == fmt
    assert image.size == (40, 30)


@pytest.mark.parametrize("fmt", EXIF_FORMATS)
def test_exif_with_gps_is_gone_after_storing(tmp_path, fmt):
    data = encode(picture(), fmt, exif=exif_with_gps())
    assert MARKER.encode() in data  # the test image really carries it

    stored = store_image(data, "photo", tmp_path)

    written = (tmp_path / stored.name).read_bytes()
    assert MARKER.encode() not in written
    image = reopen(tmp_path, stored)
    assert dict(image.getexif()) == {}
    assert image.getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}


@pytest.mark.parametrize("fmt", EXIF_FORMATS)
def test_exif_orientation_is_applied(tmp_path, fmt):
    data = encode(picture((2, 1)), fmt, exif=exif_with_gps(orientation=6))

    stored = store_image(data, "sideways", tmp_path)

    assert (stored.width, stored.height) == (1, 2)
    assert reopen(tmp_path, stored).size == (1, 2)


def test_orientation_turns_the_picture_clockwise(tmp_path):
    # Orientation 6 means the camera was turned: the left of the stored row is the top.
    data = encode(picture((2, 1)), "PNG", exif=exif_with_gps(orientation=6))

    image = reopen(tmp_path, store_image(data, "x.png", tmp_path)).convert("RGB")

    assert image.getpixel((0, 0)) == (200, 30, 30)
    assert image.getpixel((0, 1)) == (30, 30, 200)


def test_jpeg_comment_is_gone(tmp_path):
    data = encode(picture(), "JPEG", comment=MARKER.encode())
    assert MARKER.encode() in data

    stored = store_image(data, "x.jpg", tmp_path)

    assert MARKER.encode() not in (tmp_path / stored.name).read_bytes()


def test_png_text_chunks_are_gone(tmp_path):
    info = PngInfo()
    info.add_text("Comment", MARKER)
    info.add_itxt("Description", MARKER)
    data = encode(picture(), "PNG", pnginfo=info)

    stored = store_image(data, "x.png", tmp_path)

    assert MARKER.encode() not in (tmp_path / stored.name).read_bytes()
    assert reopen(tmp_path, stored).text == {}


def test_gif_comment_is_gone_and_transparency_kept(tmp_path):
    image = Image.new("P", (4, 4), 0)
    image.putpalette([255, 0, 0, 0, 0, 255])
    image.putpixel((0, 0), 1)
    data = encode(image, "GIF", comment=MARKER, transparency=0)
    assert MARKER.encode() in data

    stored = store_image(data, "x.gif", tmp_path)

    assert MARKER.encode() not in (tmp_path / stored.name).read_bytes()
    assert reopen(tmp_path, stored).info.get("transparency") is not None


def test_animated_gif_keeps_its_first_frame(tmp_path):
    frames = [Image.new("RGB", (10, 10), colour).convert("P") for colour in ("red", "blue")]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)

    stored = store_image(data, "x.gif", tmp_path)

    image = reopen(tmp_path, stored)
    assert getattr(image, "n_frames", 1) == 1
    assert image.convert("RGB").getpixel((5, 5)) == (255, 0, 0)


def test_icc_profile_is_kept(tmp_path):
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = encode(picture(), "JPEG", icc_profile=profile)

    stored = store_image(data, "x.jpg", tmp_path)

    assert reopen(tmp_path, stored).info.get("icc_profile") == profile


def test_cmyk_jpeg_is_stored_as_rgb_without_its_profile(tmp_path):
    data = encode(picture(mode="CMYK"), "JPEG", icc_profile=b"not an RGB profile")

    stored = store_image(data, "print.jpg", tmp_path)

    image = reopen(tmp_path, stored)
    assert image.mode == "RGB"
    assert "icc_profile" not in image.info


def test_png_alpha_is_kept(tmp_path):
    image = Image.new("RGBA", (4, 4), (255, 0, 0, 0))
    stored = store_image(encode(image, "PNG"), "x.png", tmp_path)

    assert reopen(tmp_path, stored).getpixel((0, 0))[3] == 0


def test_webp_from_grey_with_alpha_keeps_alpha(tmp_path):
    image = Image.new("LA", (4, 4), (128, 0))
    stored = store_image(encode(image, "WEBP", lossless=True), "x.webp", tmp_path)

    stored_image = reopen(tmp_path, stored)
    assert stored_image.mode == "RGBA"
    assert stored_image.getpixel((0, 0))[3] == 0


def test_alpha_is_flattened_on_white_for_jpeg():
    image = Image.new("RGBA", (2, 2), (0, 0, 0, 0))

    flat = images._fit_mode(image, "JPEG")

    assert flat.mode == "RGB"
    assert flat.getpixel((0, 0)) == (255, 255, 255)


def test_polyglot_tail_is_not_stored(tmp_path):
    # A valid PNG with a page appended: browsers sniffing the file could find the script.
    payload = b"<html><script>alert(document.cookie)</script></html>"
    data = encode(picture(), "PNG") + payload

    stored = store_image(data, "x.png", tmp_path)

    assert b"<script>" not in (tmp_path / stored.name).read_bytes()


def test_script_in_a_jpeg_comment_is_not_stored(tmp_path):
    data = encode(picture(), "JPEG", comment=b"<script>alert(1)</script>")

    stored = store_image(data, "x.jpg", tmp_path)

    assert b"<script>" not in (tmp_path / stored.name).read_bytes()


# --- rejected uploads ---------------------------------------------------------------------------


def reject(data: bytes, name: str, folder: Path, **limits) -> str:
    with pytest.raises(ImageRejected) as caught:
        store_image(data, name, folder, **limits)
    # Nothing at all is written for a rejected upload.
    assert not folder.exists() or list(folder.iterdir()) == []
    return str(caught.value)


SVG = b"""<?xml version="1.0"?>
<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>"""
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
ZIP = b"PK\x03\x04" + bytes(26) + b"payload"


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (HTML, "photo.png"),
        (SVG, "drawing.svg"),
        (SVG, "drawing.png"),
        (PDF, "scan.jpg"),
        (ZIP, "archive.gif"),
        (random.Random(7).randbytes(4096), "noise.webp"),
        (HTML + encode(picture(), "PNG"), "polyglot.png"),
        # Real images, but not of the four kinds the forum shows.
        (encode(picture(), "BMP"), "x.bmp"),
        (encode(picture(), "TIFF"), "x.png"),
    ],
    ids=[
        "html-as-png",
        "svg",
        "svg-as-png",
        "pdf",
        "zip",
        "random",
        "html-then-png",
        "bmp",
        "tiff",
    ],
)
def test_non_images_are_rejected(tmp_path, data, name):
    assert reject(data, name, tmp_path / "media") == NOT_AN_IMAGE


def test_empty_file_is_rejected(tmp_path):
    assert reject(b"", "empty.png", tmp_path / "media") == "文件是空的，请重新选择图片"


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "WEBP"])
def test_truncated_images_are_rejected(tmp_path, fmt):
    data = encode(noise((200, 200)), fmt)

    assert reject(data[: len(data) // 2], "cut", tmp_path / "media") == DAMAGED


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "WEBP"])
def test_image_with_only_a_header_is_damaged_not_of_the_wrong_kind(tmp_path, fmt):
    data = encode(picture(), fmt)

    assert reject(data[:12], "cut", tmp_path / "media") == DAMAGED


def test_png_with_a_bad_checksum_is_rejected(tmp_path):
    data = bytearray(encode(picture(), "PNG"))
    data[-20] ^= 0xFF  # inside the image data, whose CRC no longer matches

    assert reject(bytes(data), "x.png", tmp_path / "media") == DAMAGED


def test_oversized_upload_is_rejected_before_decoding(tmp_path):
    data = b"\x89PNG\r\n\x1a\n" + bytes(5 * 1024 * 1024)

    message = reject(data, "big.png", tmp_path / "media")

    assert message.startswith("图片超过 5 MB")


def test_byte_limit_is_the_callers(tmp_path):
    data = encode(noise((40, 40)), "PNG")
    assert len(data) > 1536

    assert reject(data, "x.png", tmp_path / "media", max_bytes=1536).startswith("图片超过 1.5 KB")
    assert store_image(data, "x.png", tmp_path / "ok", max_bytes=len(data)).size > 0


@pytest.mark.parametrize(
    ("width", "height"),
    [
        (7_000, 7_000),  # 49 M: over our 40 M, under Pillow's own limit
        (10_000, 10_000),  # 100 M: Pillow only warns (DecompressionBombWarning)
        (100_000, 100_000),  # 10 G: Pillow raises DecompressionBombError
    ],
)
def test_decompression_bombs_are_rejected(tmp_path, width, height):
    data = png_claiming(width, height)

    message = reject(data, "bomb.png", tmp_path / "media")

    assert message.startswith("图片尺寸过大")
    assert "4000 万像素" in message


def test_bomb_warning_does_not_escape_even_where_warnings_are_only_shown(tmp_path):
    # In production warnings are printed, not raised: the upload must still be refused and
    # Pillow's DecompressionBombWarning must not reach the log.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        message = reject(png_claiming(10_000, 10_000), "bomb.png", tmp_path / "media")

    assert message.startswith("图片尺寸过大")
    assert caught == []


def test_pixel_limit_is_the_callers(tmp_path):
    data = encode(picture((20, 20)), "PNG")

    assert "399 像素" in reject(data, "x.png", tmp_path / "media", max_pixels=399)
    assert store_image(data, "x.png", tmp_path / "ok", max_pixels=400).width == 20


def test_global_pillow_and_warning_state_is_left_alone(tmp_path):
    limit = Image.MAX_IMAGE_PIXELS
    filters = list(warnings.filters)

    store_image(encode(picture(), "PNG"), "x.png", tmp_path)
    with pytest.raises(ImageRejected):
        store_image(png_claiming(10_000, 10_000), "bomb.png", tmp_path)

    assert limit == Image.MAX_IMAGE_PIXELS
    assert warnings.filters == filters


# --- names --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("uploaded", "shown"),
    [
        ("../../etc/passwd.png", "passwd.png"),
        ("/var/www/x.jpg", "x.jpg"),
        ("C:\\Users\\张三\\Pictures\\党课合影.jpg", "党课合影.jpg"),
        ("  会议 \t 照片 .png ", "会议 照片 .png"),
        ("\u202egnp.exe", "gnp.exe"),
        ("a\x00b\nc.gif", "abc.gif"),
        ("..", "未命名图片"),
        ("", "未命名图片"),
        ("dir/", "未命名图片"),
    ],
)
def test_original_name_is_cleaned_for_display(tmp_path, uploaded, shown):
    stored = store_image(encode(picture(), "PNG"), uploaded, tmp_path)

    assert stored.original_name == shown
    # The uploaded name never decides where the file goes.
    assert [p.name for p in tmp_path.iterdir()] == [stored.name]


def test_long_original_name_is_cut_keeping_its_extension(tmp_path):
    stored = store_image(encode(picture(), "PNG"), "长" * 300 + ".png", tmp_path)

    assert len(stored.original_name) == 100
    assert stored.original_name.endswith("长.png")


def test_same_bytes_get_different_names(tmp_path):
    data = encode(picture(), "JPEG")

    first = store_image(data, "x.jpg", tmp_path)
    second = store_image(data, "x.jpg", tmp_path)

    assert first.name != second.name
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([first.name, second.name])


def test_stored_name_is_random_hex_and_file_is_not_world_readable(tmp_path):
    folder = tmp_path / "media" / "forum"  # made on first use

    stored = store_image(encode(picture(), "WEBP"), "x.webp", folder)

    assert images._STORED_NAME.fullmatch(stored.name)
    assert len(stored.name.split(".")[0]) == 32
    mode = stat.S_IMODE((folder / stored.name).stat().st_mode)
    assert mode & stat.S_IRWXO == 0
    assert mode & stat.S_IRUSR
    # No temporary file is left behind.
    assert [p.name for p in folder.iterdir()] == [stored.name]


# --- open_path ----------------------------------------------------------------------------------


def test_open_path_finds_a_stored_image(tmp_path):
    stored = store_image(encode(picture(), "GIF"), "x.gif", tmp_path)

    assert open_path(tmp_path, stored.name) == tmp_path / stored.name


def test_open_path_refuses_what_store_image_never_makes(tmp_path):
    stored = store_image(encode(picture(), "PNG"), "x.png", tmp_path)
    (tmp_path / "notes.png").write_bytes(b"x")
    (tmp_path / ("a" * 32 + ".png")).mkdir()
    outside = tmp_path.parent / ("b" * 32 + ".png")
    outside.write_bytes(b"x")
    try:
        refused = [
            "../x",
            "../" + outside.name,
            "/etc/passwd",
            str(tmp_path / stored.name),
            stored.name.upper(),
            stored.name + "\n",
            " " + stored.name,
            stored.name.replace(".png", ".svg"),
            stored.name.replace(".png", ".PNG"),
            stored.name[1:],
            "sub/" + stored.name,
            "..\\" + stored.name,
            "notes.png",
            "a" * 32 + ".png",  # a folder, not a file
            "c" * 32 + ".jpg",  # well formed, but never stored
            "",
        ]
        for name in refused:
            assert open_path(tmp_path, name) is None, name
        assert open_path(tmp_path, None) is None  # type: ignore[arg-type]
    finally:
        outside.unlink()
