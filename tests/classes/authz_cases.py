"""Authorization matrix cases for training classes (collected by tests/test_authz.py).

Class A is run by 一支部 for its own members (open enrolment), 张党员 enrolled: that branch's
staff read its pages (viewers only read), its members see and join it, everyone else is told
it does not exist. Class B is 驻深圳支部's, by invitation, 陈流动 enrolled: the work committee's
staff and admins run it, 陈流动 sees it. What a check-in code does is tested in
tests/classes/test_classes.py: a code lives a minute, the matrix takes longer.
"""

from datetime import time, timedelta
from decimal import Decimal

from school.auth.models import User
from school.classes import services
from school.classes.services import ClassFields
from school.clock import local_today
from school.db import db
from school.orgs.services import find_org

_RUN_A = {"anonymous": 302, "secretary": 200, "admin": 200, "viewer": 403, "*": 404}
_READ_A = {"anonymous": 302, "secretary": 200, "viewer": 200, "admin": 200, "*": 404}
_STAFF = {"anonymous": 302, "secretary": 200, "committee": 200, "viewer": 200, "admin": 200}
_MANAGERS = {"anonymous": 302, "secretary": 200, "committee": 200, "admin": 200, "*": 403}
# 一支部's members (张党员 enrolled, 赵书记 and 孙查看 are members there too) and its readers.
_SEE_A = {"anonymous": 302, "member": 200, "secretary": 200, "viewer": 200, "admin": 200}

CASES: list = [
    ("GET", "/classes/", {"anonymous": 302, "*": 200}),
    ("GET", "/classes/{class_a}", {**_SEE_A, "*": 404}),
    ("POST", "/classes/{class_a}/enrol", {**{k: 302 for k in _SEE_A}, "*": 404}),
    ("POST", "/classes/{class_a}/cancel", {**{k: 302 for k in _SEE_A}, "*": 404}),
    (
        "GET",
        "/classes/{class_b}",
        {"anonymous": 302, "floating": 200, "committee": 200, "admin": 200, "*": 404},
    ),
    (
        "POST",
        "/classes/{class_b}/enrol",
        {"anonymous": 302, "floating": 302, "committee": 302, "admin": 302, "*": 404},
    ),
    ("GET", "/classes/999999", {"anonymous": 302, "*": 404}),
    ("GET", "/classes/checkin/not-a-code", {"anonymous": 302, "*": 400}),
    ("GET", "/manage/classes/", {**_STAFF, "*": 403}),
    ("GET", "/manage/classes/new", _MANAGERS),
    ("POST", "/manage/classes/new", _MANAGERS),  # empty form: shown again, nothing written
    ("GET", "/manage/classes/{class_a}", _READ_A),
    (
        "GET",
        "/manage/classes/{class_b}",
        {"anonymous": 302, "committee": 200, "admin": 200, "*": 404},
    ),
    ("GET", "/manage/classes/999999", {"anonymous": 302, "*": 404}),
    ("GET", "/manage/classes/{class_a}/edit", _RUN_A),
    ("POST", "/manage/classes/{class_a}/edit", _RUN_A),  # empty form: shown again
    ("POST", "/manage/classes/{class_a}/sessions", {**_RUN_A, "secretary": 400, "admin": 400}),
    ("GET", "/manage/classes/{class_a}/enrol", _RUN_A),
    ("POST", "/manage/classes/{class_a}/enrol", {**_RUN_A, "secretary": 400, "admin": 400}),
    # From the member list, with no class chosen: staff are sent back to the list with a
    # message; the class itself is checked as on its enrol page (tests/classes/
    # test_enrol_from_list.py).
    ("POST", "/manage/classes/enrol-members", {**{k: 302 for k in _STAFF}, "*": 403}),
    (
        "POST",
        "/manage/classes/{class_a}/members/{member}/cancel",
        {**_RUN_A, "secretary": 302, "admin": 302},
    ),
    ("GET", "/manage/classes/{class_a}/sheet", _READ_A),
    ("GET", "/manage/classes/{class_a}/export.xlsx", _READ_A),
    ("GET", "/manage/classes/sessions/{session_a}", _READ_A),
    (
        "GET",
        "/manage/classes/sessions/{session_b}",
        {"anonymous": 302, "committee": 200, "admin": 200, "*": 404},
    ),
    ("GET", "/manage/classes/sessions/999999", {"anonymous": 302, "*": 404}),
    (
        "POST",
        "/manage/classes/sessions/{session_a}/attend",
        {**_RUN_A, "secretary": 302, "admin": 302},
    ),
    (
        "POST",
        "/manage/classes/sessions/{session_a}/card",
        {**_RUN_A, "secretary": 400, "admin": 400},
    ),
    ("GET", "/manage/classes/sessions/{session_a}/edit", _RUN_A),
    # Empty form: shown again with its errors, nothing changed.
    (
        "POST",
        "/manage/classes/sessions/{session_a}/edit",
        {**_RUN_A, "secretary": 400, "admin": 400},
    ),
    (
        "GET",
        "/manage/classes/sessions/{session_b}/edit",
        {"anonymous": 302, "committee": 200, "admin": 200, "*": 404},
    ),
    (
        "POST",
        "/manage/classes/sessions/{session_a}/delete",
        {**_RUN_A, "secretary": 302, "admin": 302},
    ),
    ("POST", "/manage/classes/sessions/999999/delete", {"anonymous": 302, "*": 404}),
    ("GET", "/manage/classes/sessions/{session_a}/screen", _RUN_A),
    ("GET", "/manage/classes/sessions/{session_a}/code", _RUN_A),
]


def _class(actor: User, org: str, title: str, enrolment: str, member: User) -> tuple[int, int]:
    fields = ClassFields(
        title=title,
        kind="lecture",
        place="党群服务中心",
        target_org=find_org(org),
        enrolment=enrolment,
    )
    training_class = services.create_class(actor, find_org(org), fields)
    session = services.add_session(
        actor,
        training_class,
        title="第一讲",
        day=local_today() + timedelta(days=1),
        start=time(9),
        end=time(12),
        hours=Decimal(3),
    )
    services.enrol(training_class, member, actor)
    return training_class.id, session.id


def objects(world, tmp_path) -> dict:
    secretary = db.session.get(User, world.secretary)
    committee = db.session.get(User, world.committee_secretary)
    class_a, session_a = _class(
        secretary, "一支部", "一支部讲座", "open", db.session.get(User, world.member)
    )
    class_b, session_b = _class(
        committee, "驻深圳支部", "驻深圳支部培训班", "invite", db.session.get(User, world.floating)
    )
    return {"class_a": class_a, "session_a": session_a, "class_b": class_b, "session_b": session_b}
