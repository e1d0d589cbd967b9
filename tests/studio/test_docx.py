"""Word documents to lesson Markdown: what is kept, what is reported, what is refused."""

from __future__ import annotations

import io
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import markdown as python_markdown
import pytest
from sqlalchemy import func, select

from school import markdown as site_markdown
from school.auth.models import User
from school.courses.models import Course
from school.db import db
from school.studio import docx as conversion
from school.studio.files import CourseFile
from tests.studio import samples
from tests.studio.docx_builder import (
    MACRO_MAIN,
    bullet,
    docx,
    heading,
    image,
    link,
    paragraph,
    run,
    table,
    text_box,
    unknown,
)
from tests.uploading import stored_files

LIMITS = {"image": 5 << 20, "document": 50 << 20, "video": 500 << 20}

LESSON = (
    heading("第一章 流动党员的权利")
    + heading("一、知情权", 2)
    + paragraph(
        run("党员有权"), run("了解党内事务", bold=True), run("，"), run("参加", italic=True)
    )
    + bullet("参加党的会议")
    + bullet("阅读党的文件")
    + paragraph(run("登记"), numbered=2)
    + paragraph(run("报到"), numbered=2)
    + table([["事项", "学时"], ["专题讲座", "4"]])
    + image("rIdImg", "党员活动室")
    + link("共产党员网", "rIdSite")
)


def _convert(app, data: bytes, name: str = "讲义.docx") -> conversion.Conversion:
    with app.app_context():
        course = db.session.scalar(select(Course).where(Course.slug == "rules"))
        author = db.session.scalar(select(User).where(User.username == "instructor"))
        result = conversion.convert(
            course,
            author,
            io.BytesIO(data),
            name,
            Path(app.config["MEDIA_DIR"]),
            LIMITS,
            lambda item: f"/files/{item.stored_name}",
        )
        db.session.commit()
        return result


def _refused(app, data: bytes) -> str:
    with pytest.raises(conversion.DocxRefused) as refusal:
        _convert(app, data)
    assert _files(app) == 0
    assert stored_files(Path(app.config["MEDIA_DIR"])) == []
    return str(refusal.value)


def _files(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(CourseFile.id)))


def _lesson() -> bytes:
    return docx(
        LESSON,
        images={"rIdImg": ("image1.png", samples.image("PNG"))},
        links={"rIdSite": "https://www.12371.cn/"},
    )


def test_headings_lists_tables_emphasis_links_and_images_are_kept(app, world):
    result = _convert(app, _lesson())

    with app.app_context():
        stored = db.session.scalars(select(CourseFile)).one()
        assert (stored.kind, stored.content_type) == ("image", "image/png")
        assert stored.original_name == "讲义-图1"
        assert (Path(app.config["MEDIA_DIR"]) / stored.stored_name).is_file()
    assert result.markdown == (
        "## 第一章 流动党员的权利\n\n"
        "### 一、知情权\n\n"
        "党员有权**了解党内事务**，*参加*\n\n"
        "- 参加党的会议\n"
        "- 阅读党的文件\n\n"
        "1. 登记\n"
        "2. 报到\n\n"
        "| 事项 | 学时 |\n"
        "| --- | --- |\n"
        "| 专题讲座 | 4 |\n\n"
        f"![党员活动室](/files/{stored.stored_name})\n\n"
        "[共产党员网](https://www.12371.cn/)\n"
    )
    assert result.messages == []


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, set[str]]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, {name for name, _ in attrs}))


def test_the_markdown_renders_to_nothing_the_sanitiser_would_strip(app, world):
    body = docx(
        LESSON + paragraph(run("见《<党章>》第三条 a_b*c & 1 < 2")) + link("坏链接", "rIdBad"),
        images={"rIdImg": ("image1.png", samples.image("PNG"))},
        links={"rIdSite": "https://www.12371.cn/", "rIdBad": "javascript:alert(1)"},
    )
    result = _convert(app, body)
    raw = python_markdown.markdown(
        result.markdown, extensions=site_markdown._EXTENSIONS, output_format="html"
    )
    parser = _Tags()
    parser.feed(raw)

    for tag, attributes in parser.found:
        assert tag in site_markdown._TAGS, tag
        assert attributes <= site_markdown._ATTRIBUTES.get(tag, set()), (tag, attributes)
    assert {tag for tag, _ in parser.found} >= {"h2", "h3", "ul", "ol", "table", "img", "a"}
    rendered = str(site_markdown.render(result.markdown))
    assert "见《&lt;党章&gt;》第三条 a_b*c &amp; 1 &lt; 2" in rendered
    assert "javascript" not in rendered and "坏链接" in rendered


def test_what_could_not_be_converted_is_reported_in_chinese(app, world):
    body = paragraph(run("正文"), style="Fancy") + unknown("公式") + image("rIdBad")
    result = _convert(app, docx(body, images={"rIdBad": ("image2.png", b"not an image")}))

    assert result.markdown == "正文\n"
    assert result.messages == [
        "第 1 张图片没有导入：文件内容不是 JPG、PNG、GIF 或 WebP 图片",
        "文档中有无法转换的内容（如图表、公式或艺术字，代码 w:unknownThing），"
        "已略过，请对照原文补上",
        "段落样式“花式段落”无法识别，已按普通段落转换",
    ]
    assert _files(app) == 0


def test_text_boxes_keep_their_text_and_a_box_without_it_is_reported(app, world):
    body = text_box("框里的话") + paragraph(run("正文")) + text_box("只画了框", fallback=False)
    result = _convert(app, docx(body))
    assert result.markdown == "框里的话\n\n正文\n"
    assert result.messages == [
        conversion.TEXT_BOXES,
        "有 1 个文本框无法转换，已略过，请对照原文补上",
    ]


def test_an_image_of_a_format_browsers_cannot_show_is_reported_once(app, world):
    body = paragraph(run("正文")) + image("rIdEmf")
    result = _convert(app, docx(body, images={"rIdEmf": ("image1.emf", b"\x01\x00\x00\x00")}))
    assert result.messages == ["第 1 张图片没有导入：文件内容不是 JPG、PNG、GIF 或 WebP 图片"]


def test_an_image_that_fails_the_checks_leaves_no_file(app, world):
    broken = samples.image("PNG")[:40]  # a PNG cut short
    body = paragraph(run("正文")) + image("rIdImg")
    result = _convert(app, docx(body, images={"rIdImg": ("image1.png", broken)}))
    assert result.markdown == "正文\n"
    assert result.messages == ["第 1 张图片没有导入：图片文件已损坏，无法读取"]
    assert _files(app) == 0
    assert stored_files(Path(app.config["MEDIA_DIR"])) == []


def test_an_empty_document_says_so(app, world):
    assert _convert(app, docx("")).messages == [conversion.EMPTY]


def test_a_zip_bomb_is_refused_before_it_is_inflated(app, world):
    bomb = docx(paragraph(run("正文")), extra={"word/media/padding.bin": bytes(20 << 20)})
    assert len(bomb) < 100_000
    assert _refused(app, bomb) == conversion.TOO_BIG


def test_sizes_over_the_limits_are_refused_from_the_directory_alone():
    def part(size: int, compressed: int) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo("word/document.xml")
        info.file_size, info.compress_size = size, compressed
        return info

    conversion._check_sizes([part(30 << 20, 10 << 20)] * 6)  # 180 MB in all: allowed
    for parts in (
        [part(conversion.MAX_PART_BYTES + 1, 60 << 20)],
        [part(30 << 20, 10 << 20)] * 7,
        [part(1000, 10)] * (conversion.MAX_PARTS + 1),
    ):
        with pytest.raises(conversion.DocxRefused):
            conversion._check_sizes(parts)


def test_a_document_with_macros_is_refused(app, world):
    with_project = docx(paragraph(run("正文")), extra={"word/vbaProject.bin": b"\x00" * 100})
    assert _refused(app, with_project) == conversion.MACROS


def test_a_macro_enabled_document_renamed_docx_is_refused(app, world):
    docm = docx(paragraph(run("正文")), main_type=MACRO_MAIN)
    assert _refused(app, docm) == conversion.MACROS
    assert "含有宏的文档不能导入" in conversion.MACROS


def test_a_document_type_declaration_is_refused(app, world):
    laughs = b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><lolz>&lol;</lolz>'
    assert _refused(app, docx("", extra={"word/footer1.xml": laughs})) == conversion.STRANGE


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (samples.EXECUTABLE, conversion.NOT_DOCX),
        (samples.image("PNG"), conversion.NOT_DOCX),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), conversion.OLD_DOC),
    ],
    ids=["executable", "png", "old-doc"],
)
def test_what_is_not_a_docx_is_refused(app, world, data, reason):
    assert _refused(app, data) == reason


def test_a_damaged_document_is_refused(app, world):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document><unclosed>")
    assert _refused(app, out.getvalue()) == conversion.DAMAGED


def test_images_stored_before_a_failure_go_with_the_refusal(app, world, monkeypatch):
    def fail(self, html):
        raise ValueError("a converter bug")

    monkeypatch.setattr(conversion._Markdown, "convert", fail)
    assert _refused(app, _lesson()) == conversion.DAMAGED
