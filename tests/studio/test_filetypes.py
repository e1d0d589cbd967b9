"""A file's type comes from its bytes: the name and the browser's content type decide nothing."""

from __future__ import annotations

import io
import zipfile

import pytest

from school import filetypes
from tests.studio import samples
from tests.studio.docx_builder import docx, paragraph, run


def detect(data: bytes, expected: str | None = None) -> filetypes.FileType:
    return filetypes.detect(io.BytesIO(data), expected)


@pytest.mark.parametrize(
    ("data", "found"),
    [
        (samples.image("PNG"), filetypes.PNG),
        (samples.image("JPEG"), filetypes.JPEG),
        (samples.image("GIF"), filetypes.GIF),
        (samples.image("WEBP"), filetypes.WEBP),
        (samples.pdf(), filetypes.PDF),
        (samples.mp4(), filetypes.MP4),
        (samples.mp4(b"isom"), filetypes.MP4),
        (samples.webm(), filetypes.WEBM),
        (docx(paragraph(run("正文"))), filetypes.DOCX),
    ],
    ids=["png", "jpeg", "gif", "webp", "pdf", "mp4", "mp4-isom", "webm", "docx"],
)
def test_each_accepted_type_is_recognised_by_its_bytes(data, found):
    assert detect(data) == found


def test_the_stream_is_left_at_its_start():
    stream = io.BytesIO(samples.pdf())
    filetypes.detect(stream)
    assert stream.tell() == 0


@pytest.mark.parametrize(
    "data",
    [
        samples.EXECUTABLE,
        b"<html><script>alert(1)</script></html>",
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        samples.mp4(b"heic"),  # a phone photo in an MP4-like box
        samples.mp4(b"qt  "),  # QuickTime
        samples.webm(b"matroska"),
        b"\x1a\x45\xdf\xa3\xff",  # an EBML start that goes nowhere
    ],
    ids=["exe", "html", "svg", "heic", "quicktime", "matroska", "broken-ebml"],
)
def test_anything_else_is_refused_with_a_reason(data):
    with pytest.raises(filetypes.FileRejected, match="无法识别的文件"):
        detect(data)


def test_an_executable_asked_for_as_video_is_refused_as_not_a_video():
    with pytest.raises(filetypes.FileRejected, match="文件内容不是 MP4 或 WebM 视频"):
        detect(samples.EXECUTABLE, "video")


def test_a_png_asked_for_as_video_is_refused():
    with pytest.raises(filetypes.FileRejected, match="文件内容不是 MP4 或 WebM 视频"):
        detect(samples.image("PNG"), "video")


def test_a_pdf_without_its_end_is_refused_as_incomplete():
    truncated = samples.pdf(bytes(5000))[:-20]
    with pytest.raises(filetypes.FileRejected, match="PDF 文件不完整"):
        detect(truncated)


def test_an_empty_file_is_refused():
    with pytest.raises(filetypes.FileRejected, match="文件是空的"):
        detect(b"")


def test_a_zip_that_is_not_a_word_document_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(filetypes.FileRejected, match="文件内容不是 Word 文档"):
        detect(out.getvalue(), "docx")
