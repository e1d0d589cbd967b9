"""Authorization matrix cases for hometown projects (collected by tests/test_authz.py).

一支部's secretary published a project with a cover, which 张党员 (一支部) registered interest
in and recommended a contact for, and keeps a draft. The work committee published one that
陈流动 (hosted in 驻深圳支部) sees. Members of a project's subtree see it; staff who read its
organisation see the staff side; only the publishing organisation's managers write (admins and
viewers read, and are refused with 403); anyone else gets 404.
"""

import io

from PIL import Image

from school.auth.models import User
from school.db import db
from school.images import store_image
from school.projects import interest
from tests.projects.factories import make_project

# 一支部's published project: its members (张党员, 赵书记, 孙查看) and its readers.
_A = {
    "anonymous": 302,
    "member": 200,
    "secretary": 200,
    "viewer": 200,
    "admin": 200,
    "*": 404,
}
_READ = {"anonymous": 302, "secretary": 200, "viewer": 200, "admin": 200, "*": 404}
_WRITE = {"anonymous": 302, "secretary": 200, "viewer": 403, "admin": 403, "*": 404}
# An empty form: those who may see the project are told what is missing.
_A_EMPTY_FORM = {**_A, "member": 400, "secretary": 400, "viewer": 400, "admin": 400}
_WRITE_EMPTY_FORM = {**_WRITE, "secretary": 400}
_STAFF = {"anonymous": 302, "member": 403, "floating": 403, "instructor": 403, "*": 200}
_PUBLISHERS = {"anonymous": 302, "secretary": 200, "committee": 200, "*": 403}

CASES: list = [
    ("GET", "/projects/", {"anonymous": 302, "*": 200}),
    ("GET", "/projects/{project_a}", _A),
    ("GET", "/projects/{project_a}/cover", _A),
    ("GET", "/projects/{project_draft}", _READ),
    (
        "GET",
        "/projects/{project_committee}",
        {"anonymous": 302, "floating": 200, "committee": 200, "admin": 200, "*": 404},
    ),
    ("GET", "/projects/999999", {"anonymous": 302, "*": 404}),
    ("POST", "/projects/{project_a}/interest", _A_EMPTY_FORM),
    # Members of a draft's subtree do not know of it.
    (
        "POST",
        "/projects/{project_draft}/interest",
        {**_READ, "secretary": 400, "viewer": 400, "admin": 400},
    ),
    # 张党员 withdraws; the others are told they registered nothing.
    (
        "POST",
        "/projects/{project_a}/interest/withdraw",
        {**_A, "member": 302, "secretary": 302, "viewer": 302, "admin": 302},
    ),
    ("POST", "/projects/{project_a}/recommend", _A_EMPTY_FORM),
    ("GET", "/manage/projects/", _STAFF),
    ("GET", "/manage/projects/new", _PUBLISHERS),
    ("POST", "/manage/projects/new", _PUBLISHERS),
    ("GET", "/manage/projects/{project_a}", _READ),
    (
        "GET",
        "/manage/projects/{project_committee}",
        {"anonymous": 302, "committee": 200, "admin": 200, "*": 404},
    ),
    ("GET", "/manage/projects/999999", {"anonymous": 302, "*": 404}),
    ("GET", "/manage/projects/{project_a}/edit", _WRITE),
    ("POST", "/manage/projects/{project_a}/edit", _WRITE),
    # No status chosen: told so, nothing changed.
    ("POST", "/manage/projects/{project_a}/status", {**_WRITE, "secretary": 302}),
    ("GET", "/manage/projects/{project_a}/export", _READ),
    ("GET", "/manage/projects/interests/{project_interest}", _READ),
    ("POST", "/manage/projects/interests/{project_interest}", _WRITE_EMPTY_FORM),
    ("GET", "/manage/projects/interests/999999", {"anonymous": 302, "*": 404}),
    ("GET", "/manage/projects/referrals/{project_referral}", _READ),
    ("POST", "/manage/projects/referrals/{project_referral}", _WRITE_EMPTY_FORM),
]


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 3), "green").save(out, "PNG")
    return out.getvalue()


def objects(world, tmp_path) -> dict:
    secretary = db.session.get(User, world.secretary)
    committee = db.session.get(User, world.committee_secretary)
    member = db.session.get(User, world.member)
    project = make_project(secretary, "一支部")
    stored = store_image(_png(), "cover.png", tmp_path / "uploads" / "projects")
    project.cover_name, project.cover_mime = stored.name, stored.mime
    draft = make_project(secretary, "一支部", publish=False, title="村级光伏电站")
    theirs = make_project(committee, "工委", title="深圳商会回乡考察", sector="商贸物流")
    mine = interest.register_interest(member, project, "invest", "想了解用地情况")
    referral, _ = interest.recommend(member, project, "刘老板", "鹏城茶业", "13800138000", "")
    db.session.flush()
    return {
        "project_a": project.id,
        "project_draft": draft.id,
        "project_committee": theirs.id,
        "project_interest": mine.id,
        "project_referral": referral.id,
    }
