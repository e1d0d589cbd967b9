"""Word documents (.docx) to lesson Markdown: headings, lists, tables, emphasis, links, images.

Most course material arrives as Word files. mammoth reads the document into plain HTML and
says what it could not convert; markdownify turns that HTML into Markdown. Images inside the
document go through the same checks as any uploaded image and are stored as the course's files.

Before anything is converted the package itself is checked, since a .docx is a zip that
anyone can build by hand:

- it must really be a Word document (school/filetypes.py), not a renamed file or an old .doc;
- a zip bomb is refused from the zip's directory, before a byte is inflated: too many parts, a
  part or a total that would inflate past the limits, or a part that inflates too many times
  its compressed size. Python's zipfile never returns more than a part's declared size, so a
  directory that lies about sizes gives a checksum error, not a flood;
- macros are refused (a ``vbaProject.bin`` part, or a macro-enabled content type: a .docm
  renamed .docx), and so is a document type declaration, which Word never writes and which is
  how XML entity bombs are built.

The Markdown is written for school/markdown.py: its headings start at ``##`` (the lesson title
is the page's only ``h1``, and the sanitiser drops ``h1``), links keep only http, https and
mailto addresses, and text that looks like HTML is escaped, so the sanitiser finds nothing to
remove. What could not be converted is reported in plain Chinese.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import BinaryIO

import mammoth
from markdownify import ATX, MarkdownConverter

from school import filetypes
from school.auth.models import User
from school.courses.models import Course
from school.db import db
from school.studio import files
from school.studio.files import CourseFile

# Limits on what a .docx may inflate to. Text compresses about ten times; pictures hardly at
# all. A real document of the 20 MB allowed stays far below these.
MAX_PARTS = 2000
MAX_PART_BYTES = 64 * 1024 * 1024
MAX_TOTAL_BYTES = 200 * 1024 * 1024
MAX_RATIO = 100
# Small parts may compress very well (a run of spaces) without harm.
_RATIO_FROM = 1024 * 1024

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ALLOWED_SCHEMES = ("http://", "https://", "mailto:")

# Chinese Word and WPS name their heading styles in Chinese; mammoth knows the English names.
_STYLE_MAP = "\n".join(
    [
        "p[style-name='Title'] => h1:fresh",
        "p[style-name='标题'] => h1:fresh",
        *(f"p[style-name='标题 {n}'] => h{n}:fresh" for n in range(1, 7)),
    ]
)

NOT_DOCX = "文件内容不是 Word 文档（.docx）"
OLD_DOC = "这是旧版 Word 文档（.doc），请在 Word 中“另存为” .docx 格式后再导入"
MACROS = "含有宏的文档不能导入：请在 Word 中“另存为”不含宏的 .docx 文档后再导入"
TOO_BIG = "文档解压后过大或压缩比异常，可能是恶意构造的文件，不能导入"
STRANGE = "文档结构异常（含有文档类型声明），不能导入"
DAMAGED = "Word 文档已损坏，无法读取：请在 Word 中重新保存后再导入"
EMPTY = "文档中没有可以转换的内容"
TEXT_BOXES = "文本框中的文字已按普通段落转换，原来的位置和边框没有保留，请检查顺序"


class DocxRefused(ValueError):
    """A document that is not converted; str(exc) is the reason in Chinese."""


@dataclass
class Conversion:
    """A converted document: its Markdown, what was not converted, the images stored."""

    markdown: str
    messages: list[str] = field(default_factory=list)
    images: list[CourseFile] = field(default_factory=list)


def convert(
    course: Course,
    uploader: User,
    stream: BinaryIO,
    filename: str,
    folder: Path,
    limits: Mapping[str, int],
    file_url: Callable[[CourseFile], str],
) -> Conversion:
    """Check a .docx and convert it to Markdown; its images become files of course."""
    check_package(stream)
    result = Conversion(markdown="", messages=_text_boxes(stream))
    stem = PurePath(files.display_name(filename, "document")).stem
    seen = 0

    def store_image(image) -> dict[str, str]:
        nonlocal seen
        seen += 1
        number = seen
        with image.open() as source:
            data = source.read(limits["image"] + 1)
        try:
            item = files.store_file(
                course, uploader, io.BytesIO(data), f"{stem}-图{number}", folder, limits, "image"
            )
        except files.FileTooLarge:
            result.messages.append(f"第 {number} 张图片超过图片大小限制，没有导入")
            return {}
        except files.FileRefused as exc:
            result.messages.append(f"第 {number} 张图片没有导入：{exc}")
            return {}
        result.images.append(item)
        return {"src": file_url(item)}

    try:
        html = mammoth.convert_to_html(
            stream,
            style_map=_STYLE_MAP,
            # A style map stored inside the document would let the sender choose the HTML.
            include_embedded_style_map=False,
            convert_image=mammoth.images.img_element(store_image),
        )
        markdown = _Markdown().convert(html.value).strip()
    except Exception:
        # mammoth raises whatever its zip and XML readers meet in a damaged file. The images
        # stored before that go with the refusal.
        for item in result.images:
            db.session.delete(item)
            files.remove_stored(folder, item.stored_name)
        db.session.flush()
        raise DocxRefused(DAMAGED) from None
    finally:
        stream.seek(0)
    result.markdown = markdown + "\n" if markdown else ""
    result.messages.extend(
        _plain(message.message)
        for message in html.messages
        # Each image that is not stored has its own message, with the reason.
        if not message.message.startswith("Image of type")
    )
    if not markdown:
        result.messages.append(EMPTY)
    result.messages = list(dict.fromkeys(result.messages))
    return result


def _text_boxes(stream: BinaryIO) -> list[str]:
    """What becomes of text boxes: mammoth reads a box's text from the plain drawing (VML) that
    Word writes beside it, and silently drops a box drawn without one."""
    with zipfile.ZipFile(stream) as archive:
        document = archive.read("word/document.xml")
    stream.seek(0)
    drawn, plain = document.count(b"<wps:txbx"), document.count(b"<v:textbox")
    notes = [TEXT_BOXES] if plain else []
    if drawn > plain:
        notes.append(f"有 {drawn - plain} 个文本框无法转换，已略过，请对照原文补上")
    return notes


def check_package(stream: BinaryIO) -> None:
    """Refuse what is not a plain .docx: another file, a zip bomb, macros, a DTD."""
    stream.seek(0)
    if stream.read(len(_OLE_MAGIC)) == _OLE_MAGIC:
        stream.seek(0)
        raise DocxRefused(OLD_DOC)
    try:
        filetypes.detect(stream, "docx")
    except filetypes.FileRejected:
        raise DocxRefused(NOT_DOCX) from None
    try:
        with zipfile.ZipFile(stream) as archive:
            parts = archive.infolist()
            _check_sizes(parts)
            names = {part.filename.lower() for part in parts}
            if any(PurePath(name).name == "vbaproject.bin" for name in names):
                raise DocxRefused(MACROS)
            if b"macroenabled" in archive.read("[Content_Types].xml").lower():
                raise DocxRefused(MACROS)
            xml_parts = [p for p in parts if p.filename.lower().endswith((".xml", ".rels"))]
            if any(b"<!doctype" in archive.read(part).lower() for part in xml_parts):
                raise DocxRefused(STRANGE)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, OSError, EOFError):
        raise DocxRefused(DAMAGED) from None
    except NotImplementedError:  # a compression method zipfile does not know
        raise DocxRefused(DAMAGED) from None
    finally:
        stream.seek(0)


def _check_sizes(parts: list[zipfile.ZipInfo]) -> None:
    """Refuse a zip bomb from the directory alone, before anything is inflated."""
    if len(parts) > MAX_PARTS:
        raise DocxRefused(TOO_BIG)
    total = 0
    for part in parts:
        if part.file_size > MAX_PART_BYTES:
            raise DocxRefused(TOO_BIG)
        if part.file_size > _RATIO_FROM and part.file_size > MAX_RATIO * max(part.compress_size, 1):
            raise DocxRefused(TOO_BIG)
        total += part.file_size
        if total > MAX_TOTAL_BYTES:
            raise DocxRefused(TOO_BIG)


class _Markdown(MarkdownConverter):
    """markdownify, set for what school/markdown.py renders and keeps."""

    class Options(MarkdownConverter.DefaultOptions):
        heading_style = ATX
        bullets = "-"
        table_infer_header = True
        escape_misc = False

    def convert_hN(self, n, el, text, parent_tags):
        # One level down: the page's h1 is the lesson title, and the sanitiser drops h1.
        return super().convert_hN(min(n + 1, 6), el, text, parent_tags)

    def convert_a(self, el, text, parent_tags):
        href = el.get("href") or ""
        if not href.lower().startswith(_ALLOWED_SCHEMES):
            # Footnote anchors and other in-document or local links lead nowhere on the page.
            return text
        return super().convert_a(el, text, parent_tags)

    def convert_img(self, el, text, parent_tags):
        if not el.get("src"):  # an image that was not stored
            return ""
        el["alt"] = re.sub(r"([\\\[\]])", r"\\\1", el.get("alt") or "")
        return super().convert_img(el, text, parent_tags)

    def escape(self, text, parent_tags):
        # Text that looks like a tag ("<党章>") would reach the page as HTML and be stripped.
        return super().escape(text, parent_tags).replace("<", "&lt;")


# mammoth's warnings, said in plain Chinese: (pattern, message).
_PLAIN = (
    (
        re.compile(r"Unrecognised paragraph style: (.*) \(Style ID: .*\)"),
        "段落样式“{0}”无法识别，已按普通段落转换",
    ),
    (
        re.compile(r"Unrecognised run style: (.*) \(Style ID: .*\)"),
        "文字样式“{0}”无法识别，已按普通文字转换",
    ),
    (
        re.compile(r"An unrecognised element was ignored: (.*)"),
        "文档中有无法转换的内容（如图表、公式或艺术字，代码 {0}），已略过，请对照原文补上",
    ),
    (
        re.compile(r"Image of type (.*) is unlikely to display in web browsers"),
        "有一张 {0} 格式的图片，网页无法显示",
    ),
    (re.compile(r"Could not find image file.*"), "有一张图片在文档中找不到图片文件，已略过"),
    (
        re.compile(r".*style with ID (.*) was referenced but not defined.*"),
        "文档引用了不存在的样式 {0}",
    ),
    (re.compile(r"Unsupported break type: (.*)"), "不支持的分隔符（{0}），已略过"),
    (re.compile(r"A w:sym element .*"), "有特殊符号无法转换，已略过"),
)


def _plain(message: str) -> str:
    """A mammoth warning in plain Chinese (an unknown one is kept as it is, after a note)."""
    for pattern, text in _PLAIN:
        match = pattern.fullmatch(message)
        if match:
            return text.format(*match.groups())
    return f"有内容未能转换：{message}"
