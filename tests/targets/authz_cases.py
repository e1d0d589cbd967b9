"""Authorization matrix cases for target management (collected by tests/test_authz.py).

The work committee (工委) has published a scheme for its host-side members (陈流动 among them)
and keeps a draft for its home side: its staff and admins run both, 陈流动 sees his own sheet,
everyone else is told they do not exist. Scoring by side, the home side's reading and bad input
are tested in tests/targets/test_targets.py.
"""

from datetime import timedelta

from school.auth.models import User
from school.clock import current_year, local_today
from school.db import db
from school.orgs.services import find_org
from school.targets import services
from school.targets.services import IndicatorFields, SchemeFields
from tests.targets.factories import host_scheme

_RUN = {"anonymous": 302, "committee": 200, "admin": 200, "*": 404}
_MANAGERS = {"anonymous": 302, "secretary": 200, "committee": 200, "admin": 200, "*": 403}
_STAFF = {"anonymous": 302, "member": 403, "floating": 403, "instructor": 403, "*": 200}
_RUN_POST = {"anonymous": 302, "committee": 302, "admin": 302, "*": 404}

CASES: list = [
    ("GET", "/targets/", {"anonymous": 302, "*": 200}),
    ("GET", "/targets/{target_scheme}", {"anonymous": 302, "floating": 200, "*": 404}),
    # Empty self-report: shown again with its error, nothing written.
    ("POST", "/targets/{target_scheme}/report", {"anonymous": 302, "floating": 400, "*": 404}),
    ("GET", "/targets/{target_draft}", {"anonymous": 302, "*": 404}),
    ("GET", "/manage/targets/", _STAFF),
    ("GET", "/manage/targets/new", _MANAGERS),
    ("POST", "/manage/targets/new", _MANAGERS),  # empty form: shown again
    ("GET", "/manage/targets/{target_scheme}", _RUN),
    ("GET", "/manage/targets/{target_draft}", _RUN),
    ("GET", "/manage/targets/999999", {"anonymous": 302, "*": 404}),
    ("GET", "/manage/targets/{target_draft}/edit", _RUN),
    ("POST", "/manage/targets/{target_draft}/edit", _RUN),  # empty form: shown again
    ("POST", "/manage/targets/{target_draft}/indicators", {**_RUN, "committee": 400, "admin": 400}),
    ("GET", "/manage/targets/indicators/{target_indicator}/edit", _RUN),
    ("POST", "/manage/targets/indicators/{target_indicator}/delete", _RUN_POST),
    ("POST", "/manage/targets/{target_draft}/publish", _RUN_POST),  # incomplete: refused
    ("POST", "/manage/targets/{target_scheme}/new-version", _RUN_POST),
    ("GET", "/manage/targets/{target_scheme}/members", _RUN),
    ("GET", "/manage/targets/{target_draft}/members", _RUN),
    ("GET", "/manage/targets/{target_scheme}/members/{floating}", {**_RUN, "floating": 200}),
    ("GET", "/manage/targets/{target_scheme}/members/{member}", {"anonymous": 302, "*": 404}),
    # No indicator named: nothing to score, for anyone.
    (
        "POST",
        "/manage/targets/{target_scheme}/members/{floating}/score",
        {"anonymous": 302, "*": 404},
    ),
]


def objects(world, tmp_path) -> dict:
    committee = db.session.get(User, world.committee_secretary)
    scheme = host_scheme()
    today = local_today()
    draft = services.create_scheme(
        committee,
        find_org("工委"),
        SchemeFields("工委流出地方案", "home", current_year(), today, today + timedelta(days=5)),
    )
    indicator = services.add_indicator(draft, IndicatorFields("political", "学习", 30, "hours"))
    return {"target_scheme": scheme.id, "target_draft": draft.id, "target_indicator": indicator.id}
