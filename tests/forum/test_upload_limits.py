"""A board image over its limit: the form comes back with the member's text, nothing is stored.

The limit is FORUM_IMAGE_MAX_MB (5 MB, as the README says). Requests to these forms may be up to
four times that, so such an image still reaches the form's check; past that the 413 page names the
limit. Both with a Content-Length and chunked (no length: Werkzeug cuts the stream at the cap).
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from school.auth.models import User
from school.db import db
from school.forum import services as forum
from school.forum.models import Attachment, Post, Thread
from school.uploads import OVERSIZE_FACTOR
from tests.conftest import login
from tests.uploading import MB, send, sized, stored_files

TITLE = "关于流动党员活动证办理的建议"
BODY = "我在外地务工三年了，建议把活动证的办理放到网上，附上办事大厅的照片供参考。"
REPLY = "补充一点：窗口只在工作日开放，外出党员很难赶回来办理。"
TRANSFERS = pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])


def _fields(**extra) -> dict[str, str]:
    return {
        "title": TITLE,
        "body": BODY,
        "target": "home",
        "help_category": "",
        "client_token": "t-1",
        **extra,
    }


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(model.id)))


def _forum_files(app) -> list[Path]:
    return stored_files(Path(app.config["UPLOAD_DIR"]) / "forum")


def _thread_id(app) -> int:
    with app.app_context():
        author = db.session.scalar(select(User).where(User.username == "member"))
        thread = forum.create_thread(
            author, forum.NewThread(board="suggestion", title="主题", body="内容")
        )
        db.session.commit()
        return thread.id


def _page(response) -> str:
    return response.get_data(as_text=True)


@TRANSFERS
def test_an_image_over_the_limit_brings_the_new_item_back_with_text(app, client, world, chunked):
    login(client, "member")
    image = sized(5 * MB + 1)

    response = send(
        client, "/forum/suggestion/new", _fields(), {"image": (image, "photo.png")}, chunked=chunked
    )

    page = _page(response)
    assert response.status_code == 200, page
    assert "图片不能超过 5 MB" in page
    assert f'value="{TITLE}"' in page and BODY in page
    assert _count(app, Thread) == 0 and _count(app, Attachment) == 0
    assert _forum_files(app) == []


@TRANSFERS
def test_an_image_over_the_limit_brings_the_reply_back_with_the_text(app, client, world, chunked):
    thread_id = _thread_id(app)
    login(client, "member")

    response = send(
        client,
        f"/forum/threads/{thread_id}/reply",
        {"body": REPLY, "client_token": "r-1"},
        {"image": (sized(5 * MB + 1), "photo.png")},
        chunked=chunked,
    )

    page = _page(response)
    assert response.status_code == 200, page
    assert "图片不能超过 5 MB" in page
    reply_form = re.search(r'action="/forum/threads/\d+/reply".*?</form>', page, re.S).group(0)
    assert REPLY in reply_form
    assert _count(app, Post) == 0 and _count(app, Attachment) == 0
    assert _forum_files(app) == []


def test_an_image_between_the_old_request_limit_and_five_mb_is_stored(app, client, world):
    # Incompressible pixels: the PNG stays near 3 MB, over the 2 MB that stopped every request.
    noise = Image.frombytes("RGB", (1000, 1000), os.urandom(3_000_000))
    out = io.BytesIO()
    noise.save(out, "PNG")
    assert 2 * MB < len(out.getvalue()) < 5 * MB
    login(client, "member")

    response = send(
        client, "/forum/suggestion/new", _fields(), {"image": (out.getvalue(), "photo.png")}
    )

    assert response.status_code == 302, _page(response)
    assert _count(app, Attachment) == 1 and len(_forum_files(app)) == 1


@pytest.mark.parametrize("config_overrides", [{"FORUM_IMAGE_MAX_MB": 1}])
@TRANSFERS
def test_a_body_past_the_cap_gets_a_page_that_names_the_limit(app, client, world, chunked):
    login(client, "member")
    image = sized(OVERSIZE_FACTOR * MB + 512 * 1024)

    response = send(
        client, "/forum/suggestion/new", _fields(), {"image": (image, "photo.png")}, chunked=chunked
    )

    page = _page(response)
    assert response.status_code == 413
    assert "图片不能超过 1 MB" in page and "填写的文字也没能保留" in page
    assert "<h1>图片太大</h1>" in page
    assert _count(app, Thread) == 0 and _forum_files(app) == []


@pytest.mark.parametrize("config_overrides", [{"FORUM_IMAGE_MAX_MB": 1}])
def test_a_json_client_past_the_cap_gets_json(app, client, world):
    login(client, "member")

    response = send(
        client,
        "/forum/suggestion/new",
        _fields(),
        {"image": (sized(5 * MB), "photo.png")},
        headers={"Accept": "application/json"},
    )

    assert response.status_code == 413
    assert response.json["error"] == "too_large" and response.json["max_mb"] == 1
    assert "图片不能超过 1 MB" in response.json["message"]


@pytest.mark.parametrize("config_overrides", [{"FORUM_IMAGE_MAX_MB": 1}])
def test_the_forms_state_the_configured_limit_for_the_page_to_check(app, client, world):
    thread_id = _thread_id(app)
    login(client, "member")

    for page in (
        _page(client.get("/forum/suggestion/new")),
        _page(client.get(f"/forum/threads/{thread_id}")),
    ):
        assert "1 MB 以内" in page
        file_input = re.search(r'<input[^>]*type="file"[^>]*>', page).group(0)
        assert f'data-max-bytes="{MB}"' in file_input
        assert 'data-too-large="图片不能超过 1 MB' in file_input
        assert re.search(r'<script src="/static/upload-check\.js(\?[^"]*)?" defer>', page)
