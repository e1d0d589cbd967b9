"""Authorization matrix cases for this feature (collected by tests/test_authz.py).

Each case is (method, url template, {role: status}); "*" is the status for roles not listed.
An optional ``objects(world, tmp_path) -> dict`` adds ids the templates point at.

The list and the password reset are in tests/test_authz.py. Here: one member's page, edits, flow
events, notes, and the member's own profile. Non-staff get 403 (the registry is staff-only),
staff outside the member's organisations 404, viewers 403 on anything that writes. Empty POSTs are
refused by the form and the page is shown again (200), so nothing is written.
"""

# 张党员 of 一支部: that branch's staff and admins.
_BRANCH_A_VIEW = {
    "anonymous": 302,
    "secretary": 200,
    "viewer": 200,
    "admin": 200,
    "committee": 404,
    "*": 403,
}
_BRANCH_A_MANAGE = {**_BRANCH_A_VIEW, "viewer": 403}
# 陈流动, home 二支部, host 驻深圳支部 under 工委: the host side and admins.
_FLOATING = {
    "anonymous": 302,
    "committee": 200,
    "admin": 200,
    "secretary": 404,
    "viewer": 404,
    "*": 403,
}
_STAFF_404 = {
    "anonymous": 302,
    "secretary": 404,
    "committee": 404,
    "viewer": 404,
    "admin": 404,
    "*": 403,
}

CASES: list = [
    ("GET", "/manage/members/{member}", _BRANCH_A_VIEW),
    ("GET", "/manage/members/{floating}", _FLOATING),
    ("GET", "/manage/members/999999", _STAFF_404),
    ("GET", "/manage/members/{member}/edit", _BRANCH_A_MANAGE),
    ("POST", "/manage/members/{member}/edit", _BRANCH_A_MANAGE),
    ("GET", "/manage/members/{floating}/edit", _FLOATING),
    ("GET", "/manage/members/999999/edit", _STAFF_404),
    ("POST", "/manage/members/{member}/flow", _BRANCH_A_MANAGE),
    ("POST", "/manage/members/{floating}/flow", _FLOATING),
    ("POST", "/manage/members/{member}/notes", _BRANCH_A_MANAGE),
    ("POST", "/manage/members/{floating}/notes", _FLOATING),
    ("POST", "/manage/members/999999/notes", _STAFF_404),
    # Everyone signed in has their own profile page.
    ("GET", "/profile/", {"anonymous": 302, "*": 200}),
    # The reading size: each account sets only its own (an empty form is refused, redirected).
    ("POST", "/profile/reading", {"anonymous": 302, "*": 302}),
    ("POST", "/profile/email", {"anonymous": 302, "*": 302}),
]
