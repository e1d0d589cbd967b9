"""Authorization matrix cases for notices (collected by tests/test_authz.py).

Three notices: a published one for 一支部 (its members 张党员 and 孙查看, its secretary 赵书记,
admins), a draft for 一支部 (its author 赵书记 and admins only) and a published one for 工委
(钱工委 and 陈流动, whose host 驻深圳支部 lies under 工委). Anyone else gets 404; readers who may
not write get 403 on the writing routes.
"""

from school.auth.models import User
from school.db import db
from school.notices import services
from school.orgs.services import find_org

_BRANCH_READERS = {"anonymous": 302, "member": 200, "secretary": 200, "viewer": 200, "admin": 200}
_BRANCH_WRITE = {"anonymous": 302, "secretary": 200, "admin": 200, "member": 403, "viewer": 403}
_BRANCH_ACT = {"anonymous": 302, "secretary": 302, "admin": 302, "member": 403, "viewer": 403}
_WRITERS = {"anonymous": 302, "secretary": 200, "committee": 200, "admin": 200, "*": 403}

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
    return {
        "notices_published": published.id,
        "notices_draft": draft.id,
        "notices_committee": work.id,
    }
