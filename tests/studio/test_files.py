"""Uploading course files in the studio, and serving them to those who may see the course."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import select

from school.auth.models import User
from school.courses.models import Course, Lesson
from school.db import db
from school.studio.files import CourseFile
from tests.conftest import login, post
from tests.studio import samples
from tests.studio.docx_builder import bullet, docx, heading, image, paragraph, run
from tests.uploading import MB, send, stored_files

JSON = {"Accept": "application/json"}
FILES = "/studio/courses/rules/files"


@pytest.fixture
def author(app, world, client):
    """The instructor, made an instructor of the course "rules", logged in."""
    with app.app_context():
        course = db.session.scalar(select(Course).where(Course.slug == "rules"))
        course.instructors.append(db.session.get(User, world.instructor))
        db.session.commit()
    login(client, "instructor")
    return client


def _upload(client, data: bytes, name: str, *, kind: str = "", as_json: bool = True, **kwargs):
    headers = JSON if as_json else {}
    return send(client, FILES, {"kind": kind}, {"file": (data, name)}, headers=headers, **kwargs)


def _rows(app) -> list[CourseFile]:
    with app.app_context():
        rows = db.session.scalars(select(CourseFile).order_by(CourseFile.id)).all()
        db.session.expunge_all()
        return list(rows)


def _media(app) -> list[Path]:
    return stored_files(Path(app.config["MEDIA_DIR"]))


def _nothing_stored(app) -> bool:
    return _rows(app) == [] and _media(app) == []


def test_an_image_is_stored_and_answered_with_its_markdown(app, author):
    response = _upload(author, samples.image("PNG"), "党旗 [1].png")

    assert response.status_code == 200, response.get_data(as_text=True)
    answer = response.get_json()
    (row,) = _rows(app)
    assert answer == {
        "url": f"/files/{row.stored_name}",
        "markdown": f"![党旗 \\[1\\]](/files/{row.stored_name})",
        "kind": "image",
        "name": "党旗 [1].png",
        "stored_name": row.stored_name,
        "content_type": "image/png",
    }
    assert (row.kind, row.original_name, row.uploaded_by) == ("image", "党旗 [1].png", 4)
    assert _media(app) == [Path(app.config["MEDIA_DIR"]) / row.stored_name]


def test_a_pdf_from_the_form_is_stored_and_the_list_shows_it(app, author):
    response = _upload(author, samples.pdf(), "学习提纲.pdf", as_json=False)

    assert response.status_code == 302
    (row,) = _rows(app)
    assert (row.kind, row.content_type) == ("document", "application/pdf")
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}\.pdf", row.stored_name)
    page = author.get(FILES).get_data(as_text=True)
    assert "已上传文档：学习提纲.pdf" in page
    assert f"[学习提纲](/files/{row.stored_name})" in page
    assert "王教员" in page


@pytest.mark.parametrize(
    ("data", "kind", "content_type"),
    [(samples.mp4(), "video", "video/mp4"), (samples.webm(), "video", "video/webm")],
    ids=["mp4", "webm"],
)
def test_videos_are_stored_as_sent(app, author, data, kind, content_type):
    answer = _upload(author, data, "讲座.bin", kind="video").get_json()
    assert (answer["kind"], answer["content_type"]) == (kind, content_type)
    (stored,) = _media(app)
    assert stored.read_bytes() == data


def test_the_type_comes_from_the_bytes_not_the_name(app, author):
    answer = _upload(author, samples.image("PNG"), "lecture.mp4").get_json()
    assert (answer["kind"], answer["content_type"]) == ("image", "image/png")
    assert answer["stored_name"].endswith(".png")


@pytest.mark.parametrize(
    ("data", "name", "kind", "message"),
    [
        (samples.image("PNG"), "lecture.mp4", "video", "文件内容不是 MP4 或 WebM 视频"),
        (samples.EXECUTABLE, "lecture.mp4", "video", "文件内容不是 MP4 或 WebM 视频"),
        (samples.EXECUTABLE, "lecture.mp4", "", "无法识别的文件"),
        (b"<svg onload=alert(1)>", "a.png", "image", "文件内容不是 JPG、PNG、GIF 或 WebP 图片"),
        (samples.image("PNG")[:60], "cut.png", "", "图片文件已损坏"),
        (docx(paragraph(run("正文"))), "a.pdf", "", "Word 文档请用“导入 Word 文档”"),
    ],
    ids=["png-as-video", "exe-as-video", "exe", "svg-as-image", "broken-png", "docx"],
)
def test_a_refused_file_answers_why_and_stores_nothing(app, author, data, name, kind, message):
    response = send(
        author,
        FILES,
        {"kind": kind},
        {"file": (data, name)},
        headers={**JSON, "Content-Type": "video/mp4"},
    )
    assert response.status_code == 400
    assert message in response.get_json()["error"]
    assert _nothing_stored(app)


def test_a_refused_file_brings_the_form_back_without_script(app, author):
    response = _upload(author, samples.EXECUTABLE, "lecture.mp4", kind="video", as_json=False)
    assert response.status_code == 200
    assert "文件内容不是 MP4 或 WebM 视频。" in response.get_data(as_text=True)
    assert _nothing_stored(app)


@pytest.mark.parametrize("config_overrides", [{"LESSON_DOCUMENT_MAX_MB": 1}])
@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_file_over_its_kind_limit_brings_the_form_back(app, author, chunked):
    big = samples.pdf(bytes(MB))
    response = _upload(author, big, "大文件.pdf", as_json=False, chunked=chunked)

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "文档不能超过 1 MB，请压缩或拆分后再上传。" in page
    assert 'data-max-bytes="524288000"' in page  # the largest kind, checked in the browser
    assert _nothing_stored(app)


def test_the_upload_page_states_each_limit(app, author):
    page = author.get(FILES).get_data(as_text=True)
    assert "图片（JPG、PNG、GIF、WebP）不超过 5 MB，PDF 文档不超过 50 MB" in page
    assert "视频（MP4、WebM）不超过 500 MB" in page
    assert "Word 文档（.docx，20 MB 以内）" in page
    # What the page's scripts check before sending: the limit of the kind chosen or guessed.
    assert f'data-max-image="{5 * MB}"' in page and f'data-max-document="{50 * MB}"' in page
    assert 'data-too-large-video="视频不能超过 500 MB，请降低分辨率或码率、压缩后再上传。"' in page


def _fetch(client, url: str, **kwargs):
    """GET a file, read it whole and close it (a served file stays open until then)."""
    with client.get(url, **kwargs) as response:
        response.get_data()
        return response


def _stored(app, author, data: bytes, name: str) -> str:
    return _upload(author, data, name).get_json()["stored_name"]


def test_an_image_is_served_inline_with_its_type(app, author):
    name = _stored(app, author, samples.image("JPEG"), "照片.jpg")
    response = _fetch(author, f"/files/{name}")
    assert response.status_code == 200
    assert response.mimetype == "image/jpeg"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"].startswith("inline")


def test_a_document_is_served_as_a_download_with_its_name(app, author):
    name = _stored(app, author, samples.pdf(), "第一讲 讲义.exe")
    response = _fetch(author, f"/files/{name}")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    # The real extension, whatever the name said: a PDF is never saved as a program.
    assert f"filename*=UTF-8''{quote('第一讲 讲义.pdf')}" in disposition


def test_a_served_file_may_be_kept_by_the_browser_only(app, author):
    name = _stored(app, author, samples.pdf(), "讲义.pdf")
    assert _fetch(author, f"/files/{name}").headers["Cache-Control"] == "private, max-age=3600"


def test_a_video_answers_range_requests(app, author):
    data = samples.mp4(rest=10_000)
    name = _stored(app, author, data, "讲座.mp4")
    response = _fetch(author, f"/files/{name}", headers={"Range": "bytes=100-199"})
    assert response.status_code == 206
    assert response.headers["Content-Range"] == f"bytes 100-199/{len(data)}"
    assert response.data == data[100:200]
    assert response.mimetype == "video/mp4"


def test_a_video_can_be_a_lesson_media_file(app, author):
    answer = _upload(author, samples.mp4(), "讲座.mp4").get_json()
    with app.app_context():
        lesson = db.session.scalar(select(Lesson).where(Lesson.slug == "one"))
        lesson.kind, lesson.media_name = "video", answer["stored_name"]
        lesson.media_type = answer["content_type"]
        db.session.commit()
        lesson_id = lesson.id
    response = _fetch(author, f"/media/lessons/{lesson_id}")
    assert response.status_code == 200 and response.mimetype == "video/mp4"


def test_files_of_a_draft_course_are_hidden_from_members(app, author, world):
    with app.app_context():
        db.session.scalar(select(Course).where(Course.slug == "rules")).status = "draft"
        db.session.commit()
    name = _stored(app, author, samples.image("PNG"), "a.png")
    member = app.test_client()
    login(member, "member")
    assert _fetch(member, f"/files/{name}").status_code == 404
    with app.app_context():
        db.session.scalar(select(Course).where(Course.slug == "rules")).status = "published"
        db.session.commit()
    assert _fetch(member, f"/files/{name}").status_code == 200


def test_an_unknown_name_is_not_found(app, author):
    assert author.get("/files/nothing.png").status_code == 404


def test_another_instructor_may_not_upload(app, world, author):
    other = app.test_client()
    login(other, "admin")
    with app.app_context():
        course = db.session.scalar(select(Course).where(Course.slug == "rules"))
        course.instructors.clear()
        db.session.commit()
    response = _upload(author, samples.image("PNG"), "a.png")
    assert response.status_code == 403
    assert _nothing_stored(app)
    assert _upload(other, samples.image("PNG"), "a.png").status_code == 200


def test_a_file_no_lesson_uses_can_be_deleted(app, author):
    name = _stored(app, author, samples.pdf(), "讲义.pdf")
    (row,) = _rows(app)
    response = post(author, f"{FILES}/{row.id}/delete")
    assert response.status_code == 302
    assert _nothing_stored(app)
    assert _fetch(author, f"/files/{name}").status_code == 404


@pytest.mark.parametrize("use", ["media", "body"])
def test_a_file_a_lesson_uses_is_kept(app, author, use):
    name = _stored(app, author, samples.pdf(), "讲义.pdf")
    with app.app_context():
        lesson = db.session.scalar(select(Lesson).where(Lesson.slug == "two"))
        if use == "media":
            lesson.kind, lesson.media_name = "document", name
        else:
            lesson.body_md += f"\n\n[讲义](/files/{name})"
        db.session.commit()
    (row,) = _rows(app)
    assert "课时正在使用，不能删除" in author.get(FILES).get_data(as_text=True)

    response = post(author, f"{FILES}/{row.id}/delete", follow_redirects=True)

    assert "“讲义.pdf”正在使用（课时 two），不能删除。" in response.get_data(as_text=True)
    assert len(_rows(app)) == 1 and len(_media(app)) == 1


def test_a_file_of_another_course_is_not_found_for_deletion(app, author):
    _stored(app, author, samples.pdf(), "讲义.pdf")
    (row,) = _rows(app)
    with app.app_context():
        db.session.get(CourseFile, row.id).course = db.session.scalar(
            select(Course).where(Course.slug == "draft-course")
        )
        db.session.commit()
    assert post(author, f"{FILES}/{row.id}/delete").status_code == 404
    assert len(_rows(app)) == 1


def _lesson_docx() -> bytes:
    body = heading("第一讲") + bullet("要点一") + image("rIdImg", "图") + paragraph(run("x"))
    return docx(body, images={"rIdImg": ("image1.png", samples.image("PNG"))})


def test_a_word_document_converts_for_the_editor(app, author):
    response = send(
        author,
        "/studio/courses/rules/docx",
        {},
        {"file": (_lesson_docx(), "第一讲.docx")},
        headers=JSON,
    )
    assert response.status_code == 200
    (row,) = _rows(app)
    assert response.get_json() == {
        "markdown": f"## 第一讲\n\n- 要点一\n\n![图](/files/{row.stored_name})\n\nx\n",
        "messages": [],
    }


def test_a_word_document_converts_to_a_page_without_script(app, author):
    body = docx(paragraph(run("正文"), style="Fancy"))
    response = send(author, "/studio/courses/rules/docx", {}, {"file": (body, "a.docx")})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<textarea id="markdown" rows="18" readonly>正文\n</textarea>' in page
    assert "段落样式“花式段落”无法识别，已按普通段落转换" in page


def test_a_zip_bomb_brings_the_form_back_and_stores_nothing(app, author):
    bomb = docx("", extra={"word/media/pad.bin": bytes(20 << 20)})
    response = send(author, "/studio/courses/rules/docx", {}, {"file": (bomb, "a.docx")})
    assert response.status_code == 200
    assert "文档解压后过大或压缩比异常" in response.get_data(as_text=True)
    assert _nothing_stored(app)


def test_a_macro_document_is_refused_for_the_editor(app, author):
    docm = docx("", extra={"word/vbaProject.bin": b"\x00"})
    response = send(
        author, "/studio/courses/rules/docx", {}, {"file": (docm, "a.docm")}, headers=JSON
    )
    assert response.status_code == 400
    assert "含有宏的文档不能导入" in response.get_json()["error"]


@pytest.mark.parametrize("config_overrides", [{"DOCX_MAX_MB": 1}])
def test_a_word_document_over_its_limit_is_refused(app, author):
    big = docx("", extra={"word/media/a.png": bytes(MB)}, compression=0)
    response = send(author, "/studio/courses/rules/docx", {}, {"file": (big, "a.docx")})
    assert "Word 文档不能超过 1 MB，请拆分成几个文档分别导入。" in response.get_data(as_text=True)
    assert _nothing_stored(app)
