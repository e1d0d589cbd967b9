"""A notice's cover and attachments: checked by their bytes and size as the studio's files are,
nothing stored on a refused request, and served only to those who may read the notice."""

from pathlib import Path

import pytest
from sqlalchemy import func, select

from school.db import db
from school.notices.models import Notice, NoticeFile
from tests.notices.news_helpers import BODY, client_as, news
from tests.studio import docx_builder, samples
from tests.uploading import send, stored_files


def _fields(**extra) -> dict[str, str]:
    return {
        "title": "专题片：家乡新貌",
        "org": "一支部",
        "body": BODY,
        "category": "video",
        "action": "publish",
        **extra,
    }


def _folder(app) -> Path:
    return Path(app.config["MEDIA_DIR"]) / "notices"


def _nothing_stored(app) -> None:
    with app.app_context():
        assert db.session.scalar(select(func.count(Notice.id))) == 0
        assert db.session.scalar(select(func.count(NoticeFile.id))) == 0
    if _folder(app).exists():
        assert stored_files(_folder(app)) == []


def test_a_cover_and_an_attachment_are_stored_and_served_to_readers(app, world):
    secretary = client_as(app, "secretary")
    response = send(
        secretary,
        "/notices/new",
        _fields(category="news"),
        {
            "cover": (samples.image("JPEG"), "封面.jpg"),
            "attachment": (samples.pdf(), "学习材料.pdf"),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        notice = db.session.scalar(select(Notice))
        item = notice.files[0]
        assert notice.cover_name.endswith(".jpg")
        assert (item.kind, item.original_name, item.content_type) == (
            "document",
            "学习材料.pdf",
            "application/pdf",
        )
        notice_id, file_id = notice.id, item.id
    member = client_as(app, "member")
    page = member.get(f"/notices/{notice_id}").get_data(as_text=True)
    assert "学习材料.pdf" in page and f"/notices/{notice_id}/cover" in page
    download = member.get(f"/notices/{notice_id}/files/{file_id}")
    assert download.status_code == 200 and download.data.startswith(b"%PDF-")
    assert "attachment" in download.headers["Content-Disposition"]
    download.close()
    cover = member.get(f"/notices/{notice_id}/cover")
    assert cover.mimetype == "image/jpeg"
    cover.close()
    other = client_as(app, "other")
    for url in (f"/notices/{notice_id}/files/{file_id}", f"/notices/{notice_id}/cover"):
        assert other.get(url).status_code == 404


def test_a_video_plays_inline_for_a_documentary(app, world):
    secretary = client_as(app, "secretary")
    response = send(secretary, "/notices/new", _fields(), {"attachment": (samples.mp4(), "片.mp4")})
    assert response.status_code == 302
    with app.app_context():
        notice = db.session.scalar(select(Notice))
        notice_id, file_id = notice.id, notice.files[0].id
    member = client_as(app, "member")
    assert "<video" in member.get(f"/notices/{notice_id}").get_data(as_text=True)
    video = member.get(f"/notices/{notice_id}/files/{file_id}", headers={"Range": "bytes=0-9"})
    assert video.status_code == 206 and video.mimetype == "video/mp4"
    video.close()


def test_an_intranet_video_link_is_allowed_by_the_page_and_nothing_else(app, world):
    secretary = client_as(app, "secretary")
    url = "http://10.1.2.3:8080/films/home.mp4"
    assert send(secretary, "/notices/new", _fields(video_url=url), {}).status_code == 302
    with app.app_context():
        notice_id = db.session.scalar(select(Notice.id))
    response = client_as(app, "member").get(f"/notices/{notice_id}")
    assert f'src="{url}"' in response.get_data(as_text=True)
    assert "media-src 'self' http://10.1.2.3:8080;" in response.headers["Content-Security-Policy"]
    plain = client_as(app, "member").get("/notices/")
    assert "10.1.2.3" not in plain.headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("fields", "files", "message"),
    [
        (
            {"category": "news"},
            {"attachment": (samples.mp4(), "a.mp4")},
            "附件只能是 PDF、Word 文档",
        ),
        ({}, {"attachment": (samples.EXECUTABLE, "片.mp4")}, "无法识别的文件"),
        ({}, {"attachment": (samples.image(), "a.png")}, "图片请作为封面上传"),
        ({}, {"cover": (samples.pdf(), "cover.png")}, "封面：只能上传 JPG、PNG、GIF 或 WebP 图片"),
        # A good cover with a bad attachment: the cover's file goes too.
        (
            {},
            {"cover": (samples.image(), "c.png"), "attachment": (b"<html>", "a.pdf")},
            "无法识别的文件",
        ),
        (
            {"deadline": "2020-01-01", "required": "y"},
            {"cover": (samples.image(), "c.png")},
            "不能早于今天",
        ),
    ],
)
def test_a_refused_file_stores_nothing(app, world, fields, files, message):
    secretary = client_as(app, "secretary")
    response = send(secretary, "/notices/new", _fields(**fields), files)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    # What was typed comes back.
    assert "专题片：家乡新貌" in response.get_data(as_text=True)
    _nothing_stored(app)


@pytest.mark.parametrize("config_overrides", [{"LESSON_DOCUMENT_MAX_MB": 1}])
def test_an_attachment_over_its_limit_is_refused_with_the_limit_named(app, world):
    secretary = client_as(app, "secretary")
    big = samples.pdf(bytes(1024 * 1024 + 1))
    response = send(secretary, "/notices/new", _fields(), {"attachment": (big, "大.pdf")})
    assert "文档不能超过 1 MB" in response.get_data(as_text=True)
    _nothing_stored(app)


def test_an_attachment_is_added_and_deleted_on_the_edit_page(app, world):
    with app.app_context():
        notice_id = news("secretary", "一支部", "材料", category="law")
    secretary = client_as(app, "secretary")
    fields = {"title": "材料", "org": "一支部", "body": BODY, "category": "law", "action": "save"}
    with_file = send(
        secretary, f"/notices/{notice_id}/edit", fields, {"attachment": (samples.pdf(), "a.pdf")}
    )
    assert with_file.status_code == 302
    with app.app_context():
        item = db.session.scalar(select(NoticeFile))
        file_id, stored = item.id, item.stored_name
    assert (_folder(app) / stored).is_file()
    member = client_as(app, "member")
    assert send(member, f"/notices/{notice_id}/files/{file_id}/delete", {}, {}).status_code == 403
    response = send(secretary, f"/notices/{notice_id}/files/{file_id}/delete", {}, {})
    assert response.status_code == 302
    assert not (_folder(app) / stored).exists()
    assert member.get(f"/notices/{notice_id}/files/{file_id}").status_code == 404


def test_a_word_document_is_an_attachment_downloaded_as_docx(app, world):
    data = docx_builder.docx(docx_builder.paragraph("<w:r><w:t>学习提纲</w:t></w:r>"))
    secretary = client_as(app, "secretary")
    fields = _fields(category="requirement")
    assert (
        send(secretary, "/notices/new", fields, {"attachment": (data, "提纲")}).status_code == 302
    )
    with app.app_context():
        notice = db.session.scalar(select(Notice))
        notice_id, item = notice.id, notice.files[0]
        assert (item.kind, item.download_name) == ("document", "提纲.docx")
    response = client_as(app, "member").get(f"/notices/{notice_id}/files/{item.id}")
    assert response.mimetype.endswith("wordprocessingml.document")
    assert "attachment" in response.headers["Content-Disposition"]
    response.close()
