"""Authorization matrix cases for commendation (collected by tests/test_authz.py).

Admins open a round over 区委 (一支部 and 二支部; the work committee is
outside it). 赵书记 (一支部's secretary) nominated 张党员; the nomination
waits for 区委's review, which only admins give here. A second round over
区委 is in its 公示, listing 李党员 (二支部), with 张党员's objection; a third
was published and honoured 陈流动.
"""

from school.auth.models import User
from school.db import db
from school.honours import services
from tests.honours.factories import in_notice, open_round

_STAFF = {"anonymous": 302, "member": 403, "floating": 403, "instructor": 403, "*": 200}
_MANAGERS = {"anonymous": 302, "secretary": 200, "committee": 200, "admin": 200, "*": 403}
# The round over 区委: 一支部's secretary takes part; the viewer manages nothing there.
_ROUND = {"anonymous": 302, "secretary": 200, "admin": 200, "*": 404}
_RUN = {"anonymous": 302, "secretary": 403, "admin": 302, "*": 404}
_NOMINATION = {"anonymous": 302, "secretary": 200, "admin": 200, "*": 404}
_REVIEW = {"anonymous": 302, "secretary": 403, "admin": 302, "*": 404}
_COMMITTEE = {"anonymous": 302, "admin": 302, "*": 404}
# Members of 区委's subtree (home or host side) and, for the notice, the committee's staff.
_SUBTREE = {
    "anonymous": 302,
    "member": 200,
    "floating": 200,
    "secretary": 200,
    "viewer": 200,
    "*": 404,
}
_NOTICE = {**_SUBTREE, "admin": 200}

CASES: list = [
    ("GET", "/manage/honours/", _STAFF),
    ("GET", "/manage/honours/new", _MANAGERS),
    ("POST", "/manage/honours/new", _MANAGERS),
    ("GET", "/manage/honours/{honour_round}", _ROUND),
    ("GET", "/manage/honours/999999", {"anonymous": 302, "*": 404}),
    ("GET", "/manage/honours/{honour_round}/nominate", _ROUND),
    ("POST", "/manage/honours/{honour_round}/nominate", _ROUND),
    ("POST", "/manage/honours/{honour_round}/notice", _RUN),
    ("POST", "/manage/honours/{honour_round}/publish", _RUN),
    ("GET", "/manage/honours/nominations/{honour_nomination}", _NOMINATION),
    ("POST", "/manage/honours/nominations/{honour_nomination}/review", _REVIEW),
    ("POST", "/manage/honours/objections/{honour_objection}/resolve", _COMMITTEE),
    ("GET", "/manage/honours/objections/{honour_objection}/image", {"anonymous": 302, "*": 404}),
    # An empty form: told to give a reason, nothing changed.
    ("POST", "/manage/honours/records/{honour_record}/revoke", _COMMITTEE),
    ("POST", "/manage/honours/records/999999/revoke", {"anonymous": 302, "*": 404}),
    ("GET", "/honours/", {"anonymous": 302, "*": 200}),
    ("GET", "/honours/rounds/{honour_round}/nominate", _SUBTREE),
    ("POST", "/honours/rounds/{honour_round}/nominate", _SUBTREE),
    # Not a peer nomination: nobody co-signs it; its nominator and admins are told so.
    (
        "POST",
        "/honours/nominations/{honour_nomination}/cosign",
        {"anonymous": 302, "secretary": 302, "admin": 302, "*": 404},
    ),
    (
        "GET",
        "/honours/nominations/{honour_nomination}/revise",
        {"anonymous": 302, "secretary": 200, "*": 404},
    ),
    ("GET", "/honours/rounds/{honour_notice}/notice", _NOTICE),
    ("GET", "/honours/rounds/{honour_round}/notice", {"anonymous": 302, "*": 404}),
    ("POST", "/honours/rounds/{honour_notice}/object", _NOTICE),
]


def objects(world, tmp_path) -> dict:
    admin = db.session.get(User, world.admin)
    secretary = db.session.get(User, world.secretary)
    member = db.session.get(User, world.member)
    other = db.session.get(User, world.other_member)
    round_ = open_round(admin)
    nomination = services.nominate(secretary, round_, member, "带头学习")
    notice = open_round(admin, title="优秀流动党员", cosigners=0)
    listed = services.nominate(admin, notice, other, "服务群众")
    in_notice(notice)
    objection = services.object_to(member, listed, "情况不实")
    published = open_round(admin, title="优秀党务工作者", cosigners=0)
    services.nominate(admin, published, db.session.get(User, world.floating), "组织学习")
    in_notice(published, started_days_ago=5)
    (honour,) = services.publish(admin, published)
    return {
        "honour_round": round_.id,
        "honour_nomination": nomination.id,
        "honour_notice": notice.id,
        "honour_objection": objection.id,
        "honour_record": honour.id,
    }
