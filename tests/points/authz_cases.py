"""Authorization matrix cases for points (collected by tests/test_authz.py).

A member's own page is everyone's; a ranking is for the organisation's own members (home or
host) and those who manage it; rules are the admins'; totals and corrections are for those who
manage the organisation or member (孙查看 only reads 一支部: refused). A member or organisation
out of reach answers 404. Empty forms are shown again with their message (200, 400).
"""

from school.orgs.services import find_org

_OWN_BRANCH = {
    "anonymous": 302,
    "member": 200,
    "secretary": 200,
    "viewer": 200,
    "admin": 200,
    "*": 404,
}
_HOST_BRANCH = {"anonymous": 302, "floating": 200, "committee": 200, "admin": 200, "*": 404}
_ADMINS = {"anonymous": 302, "admin": 200, "*": 403}
_MANAGERS = {"anonymous": 302, "secretary": 200, "committee": 200, "admin": 200, "*": 403}
_BRANCH_A_REPORT = {"anonymous": 302, "secretary": 200, "admin": 200, "committee": 404, "*": 403}

CASES: list = [
    ("GET", "/points/", {"anonymous": 302, "*": 200}),
    ("GET", "/points/?page=2", {"anonymous": 302, "*": 200}),
    ("GET", "/points/ranking/{points_branch_a}", _OWN_BRANCH),
    ("GET", "/points/ranking/{points_host_branch}", _HOST_BRANCH),
    ("GET", "/points/ranking/999999", {"anonymous": 302, "*": 404}),
    ("POST", "/points/settings", {"anonymous": 302, "*": 302}),
    ("GET", "/points/rules", _ADMINS),
    ("GET", "/points/rules/lesson", _ADMINS),
    ("POST", "/points/rules/lesson", _ADMINS),  # empty form: shown again, nothing saved
    ("GET", "/points/rules/nap", {"anonymous": 302, "admin": 404, "*": 403}),
    ("GET", "/points/manage/", _MANAGERS),
    ("GET", "/points/manage/?org={points_branch_a}", _BRANCH_A_REPORT),
    ("GET", "/points/manage/export?org={points_branch_a}", _BRANCH_A_REPORT),
    ("GET", "/points/manage/export?org={points_host_branch}", {**_MANAGERS, "secretary": 404}),
    (
        "GET",
        "/points/manage/members/{member}",
        {"anonymous": 302, "secretary": 200, "admin": 200, "*": 404},
    ),
    (
        "GET",
        "/points/manage/members/{floating}",
        {"anonymous": 302, "committee": 200, "admin": 200, "*": 404},
    ),
    (
        "POST",
        "/points/manage/members/{member}/correct",
        {"anonymous": 302, "secretary": 400, "admin": 400, "*": 404},
    ),
]


def objects(world, tmp_path) -> dict:
    return {
        "points_branch_a": find_org("一支部").id,
        "points_host_branch": find_org("驻深圳支部").id,
    }
