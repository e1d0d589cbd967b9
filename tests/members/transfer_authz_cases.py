"""Authorization matrix cases for membership transfers (collected by tests/test_authz.py).

One request waits: 张党员 of 一支部 (the branch secretary and viewer's side) to 工委 (the committee
secretary's side). Non-staff get 403, staff who read neither side 404, the side that may not take
a step 403. Empty POSTs are refused by the form or the service and the page is shown again (200),
except a withdrawal, whose note is optional (302).
"""

from flask import current_app
from sqlalchemy import select

from school.auth.models import User
from school.db import db
from school.members import transfers
from school.orgs.models import Organisation

_STAFF = {
    "anonymous": 302,
    "secretary": 200,
    "committee": 200,
    "viewer": 200,
    "admin": 200,
    "*": 403,
}
_RECEIVE = {**_STAFF, "secretary": 403, "viewer": 403}
_SEND = {**_STAFF, "secretary": 302, "admin": 302, "committee": 403, "viewer": 403}
_HOME = {**_STAFF, "committee": 404, "viewer": 403}
_FLOATING_HOME = {**_STAFF, "secretary": 404, "viewer": 404, "committee": 403}
_STAFF_404 = {**_STAFF, "secretary": 404, "committee": 404, "viewer": 404, "admin": 404}

CASES: list = [
    ("GET", "/manage/transfers/", _STAFF),
    ("GET", "/manage/transfers/{transfer}", _STAFF),
    ("GET", "/manage/transfers/999999", _STAFF_404),
    ("POST", "/manage/transfers/{transfer}/accept", _RECEIVE),
    ("POST", "/manage/transfers/{transfer}/return", _RECEIVE),
    ("POST", "/manage/transfers/{transfer}/withdraw", _SEND),
    ("POST", "/manage/transfers/999999/withdraw", _STAFF_404),
    ("GET", "/manage/transfers/new/{member}", _HOME),
    ("POST", "/manage/transfers/new/{member}", _HOME),
    # The host side manages 陈流动 but does not keep the membership.
    ("GET", "/manage/transfers/new/{floating}", _FLOATING_HOME),
    ("GET", "/manage/transfers/new/999999", _STAFF_404),
]


def objects(world, tmp_path) -> dict[str, int]:
    committee = db.session.scalar(select(Organisation).where(Organisation.name == "工委"))
    secretary = db.session.get(User, world.secretary)
    member = db.session.get(User, world.member)
    # The service links its notifications to pages: build them as a request would.
    with current_app.test_request_context():
        transfer = transfers.request_transfer(secretary, member, committee, "工作调动")
    return {"transfer": transfer.id}
