"""Authorization matrix cases for democratic appraisal (collected by tests/test_authz.py).

Two rounds of 一支部 (home side: 张党员, 赵书记 and 孙查看 take part), one open now and one
closed, and one of 工委 (host side: 陈流动, hosted at 驻深圳支部, and one more member hosted
there). A round a user neither takes part in nor reads answers 404; staff who read it but do not
take part are sent to its staff page. Empty forms are shown again or refused, nothing written.
"""

from datetime import timedelta

from school.db import db
from school.orgs.services import find_org
from tests.appraisal.factories import make_round
from tests.factories import make_user

_TAKING_PART = {"anonymous": 302, "member": 200, "secretary": 200, "viewer": 200, "*": 404}
_BRANCH_STAFF = {"anonymous": 302, "secretary": 200, "viewer": 200, "admin": 200, "*": 404}
_MANAGERS = {"anonymous": 302, "secretary": 200, "committee": 200, "admin": 200, "*": 403}

CASES: list = [
    ("GET", "/appraisal/", {"anonymous": 302, "*": 200}),
    ("GET", "/appraisal/{appraisal_open}", {**_TAKING_PART, "admin": 302}),
    ("GET", "/appraisal/{appraisal_closed}", {**_TAKING_PART, "admin": 302}),
    (
        "GET",
        "/appraisal/{appraisal_host}",
        {"anonymous": 302, "floating": 200, "committee": 302, "admin": 302, "*": 404},
    ),
    ("GET", "/appraisal/999999", {"anonymous": 302, "*": 404}),
    # Empty self-appraisal: shown again with the errors (400); empty ballot: sent back.
    (
        "POST",
        "/appraisal/{appraisal_open}/self",
        {**_TAKING_PART, "member": 400, "secretary": 400, "viewer": 400},
    ),
    (
        "POST",
        "/appraisal/{appraisal_open}/confirm",
        {**_TAKING_PART, "member": 302, "secretary": 302, "viewer": 302},
    ),
    (
        "POST",
        "/appraisal/{appraisal_open}/vote",
        {**_TAKING_PART, "member": 302, "secretary": 302, "viewer": 302},
    ),
    ("POST", "/appraisal/{appraisal_host}/vote", {"anonymous": 302, "floating": 302, "*": 404}),
    (
        "GET",
        "/appraisal/manage/",
        {
            "anonymous": 302,
            "secretary": 200,
            "committee": 200,
            "viewer": 200,
            "admin": 200,
            "*": 403,
        },
    ),
    ("GET", "/appraisal/manage/new", _MANAGERS),
    ("POST", "/appraisal/manage/new", _MANAGERS),  # empty form: shown again, nothing created
    ("GET", "/appraisal/manage/{appraisal_open}", _BRANCH_STAFF),
    ("GET", "/appraisal/manage/{appraisal_closed}", _BRANCH_STAFF),
    (
        "GET",
        "/appraisal/manage/{appraisal_host}",
        {"anonymous": 302, "committee": 200, "admin": 200, "*": 404},
    ),
    ("GET", "/appraisal/manage/999999", {"anonymous": 302, "*": 404}),
    # An empty grade form is refused and sent back; the viewer reads but does not grade.
    (
        "POST",
        "/appraisal/manage/{appraisal_closed}/grade/{appraisal_member}",
        {"anonymous": 302, "secretary": 302, "admin": 302, "viewer": 403, "*": 404},
    ),
    ("POST", "/appraisal/manage/999999/grade/1", {"anonymous": 302, "*": 404}),
]


def objects(world, tmp_path) -> dict:
    """The three rounds the cases name, and the member graded in them."""
    make_user("hosted2", "吴流入", home_org=find_org("二支部"), host_org=find_org("驻深圳支部"))
    closed = make_round(
        title="去年的评议", opens_in=timedelta(days=-3), closes_in=timedelta(days=3)
    )
    closed.box.closes_at = closed.box.opens_at + timedelta(days=1)
    ids = {
        "appraisal_open": make_round().id,
        "appraisal_closed": closed.id,
        "appraisal_host": make_round(by="committee", org="工委", side="host", title="工委评议").id,
        "appraisal_member": world.member,
    }
    db.session.commit()
    return ids
