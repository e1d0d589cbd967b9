"""Authorization matrix cases for notices (collected by tests/test_authz.py).

The school's news adds a required notice for 一支部 with a cover and two attachments: its
members (张党员, 孙查看, and 赵书记 whose home it is) confirm reading; its secretary and admins
follow who read it (孙查看 only views: 403); everyone else gets 404.

Three notices: a published one for 一支部 (its members 张党员 and 孙查看, its secretary 赵书记,
admins), a draft for 一支部 (its author 赵书记 and admins only) and a published one for 工委
(钱工委 and 陈流动, whose host 驻深圳支部 lies under 工委). Anyone else gets 404; readers who may
not write get 403 on the writing routes.
"""

import io
from datetime import timedelta

from PIL import Image

from school.auth.models import User
from school.clock import local_today
from school.db import db
from school.images import store_image
from school.notices import services
from school.notices.models import NoticeFile
from school.orgs.services import find_org

_BRANCH_READERS = {"anonymous": 302, "member": 200, "secretary": 200, "viewer": 200, "admin": 200}
_BRANCH_WRITE = {"anonymous": 302, "secretary": 200, "admin": 200, "member": 403, "viewer": 403}
_BRANCH_ACT = {"anonymous": 302, "secretary": 302, "admin": 302, "member": 403, "viewer": 403}
_WRITERS = {"anonymous": 302, "secretary": 200, "committee": 200, "admin": 200, "*": 403}
_FOLLOW = {"anonymous": 302, "secretary": 200, "admin": 200, "member": 403, "viewer": 403, "*": 404}
_FOLLOW_ACT = {**_FOLLOW, "secretary": 302, "admin": 302}

CASES: list = [
    ("GET", "/notices/", {"anonymous": 302, "*": 200}),
    ("GET", "/notices/?page=2", {"anonymous": 302, "*": 200}),
    ("GET", "/notices/{notices_published}", {**_BRANCH_READERS, "*": 404}),
    (
        "GET",
        "/notices/{notices_draft}",
        {"anonymous": 302, "secretary": 200, "admin": 200, "*": 404},
    ),
    (
        "GET",
        "/notices/{notices_committee}",
        {"anonymous": 302, "floating": 200, "committee": 200, "admin": 200, "*": 404},
    ),
    ("GET", "/notices/999999", {"anonymous": 302, "*": 404}),
    ("GET", "/notices/new", _WRITERS),
    ("POST", "/notices/new", _WRITERS),  # empty form: shown again, nothing created
    ("GET", "/notices/{notices_published}/edit", {**_BRANCH_WRITE, "*": 404}),
    ("POST", "/notices/{notices_published}/edit", {**_BRANCH_WRITE, "*": 404}),  # empty form
    (
        "GET",
        "/notices/{notices_draft}/edit",
        {"anonymous": 302, "secretary": 200, "admin": 200, "*": 404},
    ),
    (
        "GET",
        "/notices/{notices_committee}/edit",
        {"anonymous": 302, "committee": 200, "admin": 200, "floating": 403, "*": 404},
    ),
    ("GET", "/notices/999999/edit", {"anonymous": 302, "*": 404}),
    (
        "POST",
        "/notices/{notices_draft}/publish",
        {"anonymous": 302, "secretary": 302, "admin": 302, "*": 404},
    ),
    ("POST", "/notices/{notices_published}/publish", {**_BRANCH_ACT, "*": 404}),  # already out
    ("POST", "/notices/{notices_published}/unpublish", {**_BRANCH_ACT, "*": 404}),
    (
        "POST",
        "/notices/{notices_committee}/unpublish",
        {"anonymous": 302, "committee": 302, "admin": 302, "floating": 403, "*": 404},
    ),
    ("GET", "/notices/?category=law", {"anonymous": 302, "*": 200}),
    ("GET", "/notices/laws", {"anonymous": 302, "*": 200}),
    ("GET", "/notices/laws?q=条例&topic=党内法规", {"anonymous": 302, "*": 200}),
    ("POST", "/notices/mutes", {"anonymous": 302, "*": 302}),
    ("GET", "/notices/required", _WRITERS),
    ("GET", "/notices/{notices_required}", {**_BRANCH_READERS, "*": 404}),
    # Admins may read it and are refused a receipt with a message (nothing recorded).
    (
        "POST",
        "/notices/{notices_required}/read",
        {**_BRANCH_ACT, "member": 302, "viewer": 302, "*": 404},
    ),
    ("POST", "/notices/999999/read", {"anonymous": 302, "*": 404}),
    ("GET", "/notices/{notices_required}/cover", {**_BRANCH_READERS, "*": 404}),
    ("GET", "/notices/{notices_published}/cover", {"anonymous": 302, "*": 404}),  # has none
    ("GET", "/notices/{notices_required}/files/{notices_file}", {**_BRANCH_READERS, "*": 404}),
    ("GET", "/notices/{notices_committee}/files/{notices_file}", {"anonymous": 302, "*": 404}),
    (
        "POST",
        "/notices/{notices_required}/files/{notices_file_spare}/delete",
        {**_BRANCH_ACT, "*": 404},
    ),
    ("GET", "/notices/{notices_required}/readers", _FOLLOW),
    ("GET", "/notices/{notices_required}/readers?show=unread&page=2", _FOLLOW),
    ("GET", "/notices/{notices_required}/readers.xlsx", _FOLLOW),
    ("POST", "/notices/{notices_required}/remind", _FOLLOW_ACT),
    (
        "GET",
        "/notices/{notices_draft}/readers",
        {"anonymous": 302, "secretary": 403, "admin": 403, "*": 404},
    ),
    ("POST", "/notices/999999/publish", {"anonymous": 302, "*": 404}),
    ("POST", "/notices/999999/unpublish", {"anonymous": 302, "*": 404}),
]


def objects(world, tmp_path) -> dict:
    """A published and a draft notice of 一支部 by 赵书记, a published one of 工委 by 钱工委."""
    secretary = db.session.get(User, world.secretary)
    committee = db.session.get(User, world.committee_secretary)
    branch = find_org("一支部")
    published = services.create_notice(
        secretary, "支部通知", "本月主题党日。", branch, publish=True
    )
    draft = services.create_notice(secretary, "支部草稿", "还没定。", branch)
    work = services.create_notice(
        committee, "工委通知", "驻外支部书记培训。", find_org("工委"), publish=True
    )
    required = services.create_notice(
        secretary,
        "必读：学习新条例",
        "请在截止日期前阅读。",
        branch,
        publish=True,
        news=services.NewsFields(
            category="law",
            topic="党内法规",
            required=True,
            deadline=local_today() + timedelta(days=7),
        ),
    )
    folder = tmp_path / "media" / "notices"
    out = io.BytesIO()
    Image.new("RGB", (2, 2), "red").save(out, "PNG")
    required.cover_name = store_image(out.getvalue(), "c.png", folder).name
    ids = {}
    for key in ("notices_file", "notices_file_spare"):
        item = NoticeFile(
            notice=required,
            kind="document",
            stored_name=f"{key}.pdf",
            content_type="application/pdf",
            size=20,
            original_name="材料.pdf",
        )
        (folder / item.stored_name).write_bytes(b"%PDF-1.4 test\n%%EOF\n")
        db.session.add(item)
        db.session.flush()
        ids[key] = item.id
    return {
        "notices_published": published.id,
        "notices_draft": draft.id,
        "notices_committee": work.id,
        "notices_required": required.id,
        **ids,
    }
