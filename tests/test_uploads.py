"""Upload limits: one per kind, from the configuration, stated, and enforced with the form kept.

Forum images have their own tests (tests/forum/test_upload_limits.py); these cover the other
kinds, the configuration and the request caps.
"""

from __future__ import annotations

import io
import os
import re
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from school import config, uploads
from school.auth.models import User
from school.db import db
from school.quizzes.models import Question
from tests.conftest import login
from tests.uploading import MB, send, sized, stored_files

TRANSFERS = pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])


def _page(response) -> str:
    return response.get_data(as_text=True)


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


# Configuration --------------------------------------------------------------------------------


def test_each_limit_has_a_default_and_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x")
    defaults = config.load(str(tmp_path))
    assert {key: defaults[key] for key in uploads.KINDS} == {
        "FORUM_IMAGE_MAX_MB": 5,
        "CARD_PHOTO_MAX_MB": 2,
        "ROSTER_MAX_MB": 10,
        "QUIZ_IMPORT_MAX_MB": 2,
        "LESSON_IMAGE_MAX_MB": 5,
        "LESSON_DOCUMENT_MAX_MB": 50,
        "LESSON_VIDEO_MAX_MB": 500,
        "DOCX_MAX_MB": 20,
    }
    for key in uploads.KINDS:
        monkeypatch.setenv(key, "7")
    assert {config.load(str(tmp_path))[key] for key in uploads.KINDS} == {7}


def test_every_upload_limit_is_in_the_readme():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    for key in uploads.KINDS:
        default = config.DEFAULTS[key]
        assert f"| `{key}` | `{default}` |" in readme, key


def test_every_view_that_takes_a_file_declares_its_kind(app):
    declared = {
        endpoint: getattr(view, "upload_kind", None)
        for endpoint, view in app.view_functions.items()
    }
    assert {endpoint: kind for endpoint, kind in declared.items() if kind} == {
        "forum.new": "FORUM_IMAGE_MAX_MB",
        "forum.reply": "FORUM_IMAGE_MAX_MB",
        "cards.upload_photo": "CARD_PHOTO_MAX_MB",
        "roster.preview": "ROSTER_MAX_MB",
        # A sign-in sheet and an evidence photo in one form: the sheet's limit is the larger.
        "credits.preview": "ROSTER_MAX_MB",
        "quiz_manage.bank_import": "QUIZ_IMPORT_MAX_MB",
        "studio_files.upload": "LESSON_VIDEO_MAX_MB",
        "studio_files.docx_import": "DOCX_MAX_MB",
        # An objection in a 公示 carries an image as a suggestion does.
        "honours.object_to": "FORUM_IMAGE_MAX_MB",
        # A hometown project's cover is an image like a post's.
        "notices.new": "LESSON_VIDEO_MAX_MB",
        "notices.edit": "LESSON_VIDEO_MAX_MB",
        "projects.new": "FORUM_IMAGE_MAX_MB",
        "projects.edit": "FORUM_IMAGE_MAX_MB",
    }


def test_the_request_cap_leaves_room_for_a_file_several_times_too_large(app):
    with app.app_context():
        assert uploads.request_cap("FORUM_IMAGE_MAX_MB") == 20 * MB + uploads.FORM_ROOM
        # A video's room over its limit is bounded: the body is read before login is checked.
        assert uploads.request_cap("LESSON_VIDEO_MAX_MB") == 564 * MB + uploads.FORM_ROOM
        assert uploads.too_large_message("CARD_PHOTO_MAX_MB").startswith("照片不能超过 2 MB，")
    with pytest.raises(ValueError):
        uploads.accepts("VIDEO_MAX_MB")


def test_other_pages_keep_the_site_wide_limit_with_a_chinese_page(client, world):
    login(client, "member")
    response = send(client, "/account/password", {"current": "x" * (3 * MB)}, {})
    assert response.status_code == 413 and "提交的内容超过了允许的大小" in _page(response)


# Card photos ----------------------------------------------------------------------------------


@TRANSFERS
def test_a_card_photo_over_the_limit_is_refused_by_name_and_nothing_is_kept(
    app, client, world, chunked
):
    login(client, "member")

    response = send(
        client,
        "/card/photo",
        {},
        {"photo": (sized(2 * MB + 1, b"\xff\xd8\xff"), "me.jpg")},
        chunked=chunked,
    )

    assert response.status_code == 302 and response.headers["Location"].endswith("/card")
    page = _page(client.get("/card"))
    assert "照片不能超过 2 MB" in page
    with app.app_context():
        assert db.session.get(User, world.member).photo_name is None
    assert stored_files(Path(app.config["UPLOAD_DIR"]) / "photos") == []


@pytest.mark.parametrize("config_overrides", [{"CARD_PHOTO_MAX_MB": 1}])
def test_the_card_page_states_the_configured_limit_and_a_body_past_the_cap_names_it(
    app, client, world
):
    login(client, "member")
    page = _page(client.get("/card"))
    assert "1 MB 以内" in page and f'data-max-bytes="{MB}"' in page
    assert "upload-check.js" in page

    response = send(client, "/card/photo", {}, {"photo": (sized(5 * MB), "me.jpg")}, chunked=True)

    assert response.status_code == 413
    assert "照片不能超过 1 MB" in _page(response) and "这次上传没有保存" in _page(response)


# Roster files ---------------------------------------------------------------------------------


@pytest.mark.parametrize("config_overrides", [{"ROSTER_MAX_MB": 1}])
@TRANSFERS
def test_a_roster_over_the_configured_limit_is_refused_by_name(app, client, world, chunked):
    login(client, "secretary")
    users = _count(app, User)
    page = _page(client.get("/manage/roster/"))
    assert "1 MB）" in page and f'data-max-bytes="{MB}"' in page and "upload-check.js" in page

    response = send(
        client,
        "/manage/roster/preview",
        {},
        {"file": (sized(MB + 1, "党员编号,姓名\n".encode()), "big.csv")},
        chunked=chunked,
    )

    assert response.status_code == 200
    assert "名册文件不能超过 1 MB" in _page(response) and "没有导入任何数据" in _page(response)
    assert _count(app, User) == users
    assert stored_files(Path(app.config["UPLOAD_DIR"]) / "roster") == []


# Question files -------------------------------------------------------------------------------


@TRANSFERS
def test_a_question_file_over_the_limit_comes_back_with_the_form(app, client, world, chunked):
    login(client, "instructor")
    form = _page(client.get("/manage/bank/import"))
    assert "文件不超过 2 MB" in form and f'data-max-bytes="{2 * MB}"' in form
    assert "upload-check.js" in form

    response = send(
        client,
        "/manage/bank/import",
        {"category": "党章党规/第二章", "fmt": ""},
        {"file": (sized(2 * MB + 1, b"::Q1:: "), "bank.gift")},
        chunked=chunked,
    )

    page = _page(response)
    assert response.status_code == 200
    assert "题目文件不能超过 2 MB" in page
    assert re.search(r'<input[^>]*name="category"[^>]*value="党章党规/第二章"', page)
    assert _count(app, Question) == 0
    assert stored_files(Path(app.config["UPLOAD_DIR"]) / "imports") == []


# Reading within the limit, and staging until the preview is confirmed ----------------------------


def test_read_within_refuses_a_file_over_its_kind_before_reading_it(app):
    with app.app_context():
        small = FileStorage(io.BytesIO(b"x" * 10), "a.csv")
        assert uploads.read_within(small, "ROSTER_MAX_MB") == b"x" * 10
        big = FileStorage(io.BytesIO(b"x" * (2 * MB + 1)), "bank.gift")
        with pytest.raises(uploads.UploadTooLarge) as refused:
            uploads.read_within(big, "QUIZ_IMPORT_MAX_MB")
        assert str(refused.value) == "题目文件不能超过 2 MB，请拆分后分批导入。"
        assert big.stream.tell() == 0
        assert uploads.folder("roster") == Path(app.config["UPLOAD_DIR"]) / "roster"


def test_a_staged_upload_is_found_by_its_owner_only_and_forgotten_once_imported(tmp_path):
    token = uploads.stage(tmp_path, 7, "C:/名册/名册.csv", b"data")
    assert uploads.staged(tmp_path, 7, token) == ("名册.csv", b"data")
    assert uploads.staged(tmp_path, 8, token) is None
    uploads.unstage(tmp_path, 8, token)  # someone else's token forgets nothing
    assert uploads.staged(tmp_path, 7, token) == ("名册.csv", b"data")
    uploads.unstage(tmp_path, 7, token)
    assert uploads.staged(tmp_path, 7, token) is None
    assert stored_files(tmp_path) == []


@pytest.mark.parametrize("token", ["", "short", "../" * 10 + "etc/passwd", "a" * 65, None])
def test_anything_but_a_token_finds_nothing(tmp_path, token):
    uploads.stage(tmp_path, 7, "a.csv", b"data")
    assert uploads.staged(tmp_path, 7, token) is None
    uploads.unstage(tmp_path, 7, token)
    assert len(stored_files(tmp_path)) == 2


def test_staged_uploads_older_than_a_day_go_when_the_next_is_staged(tmp_path):
    old = uploads.stage(tmp_path, 7, "a.csv", b"old")
    stale = time.time() - uploads.STAGED_SECONDS - 60
    for path in tmp_path.iterdir():
        os.utime(path, (stale, stale))
    new = uploads.stage(tmp_path, 7, "b.csv", b"new")
    assert uploads.staged(tmp_path, 7, old) is None
    assert uploads.staged(tmp_path, 7, new) == ("b.csv", b"new")
    assert len(stored_files(tmp_path)) == 2
