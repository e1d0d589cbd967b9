"""Authorization matrix cases for accounts (collected by tests/test_authz.py).

The account area is for admins and for secretaries and organisers (viewers, members and
instructors get 403); an account outside the viewer's subtrees is 404. Empty POSTs are refused by
the form (400) and change nothing; enabling an account that is not disabled only says so (302).
An empty activation print is refused with a message back on the list (302), printing nothing.
Who looked at a member's archive: the staff who manage the member, like the account page.
"""

_AREA = {"anonymous": 302, "secretary": 200, "committee": 200, "admin": 200, "*": 403}
# 张党员 of 一支部: that branch's secretary and admins.
_MEMBER = {"anonymous": 302, "secretary": 200, "admin": 200, "committee": 404, "*": 403}

CASES = [
    ("GET", "/manage/accounts/", _AREA),
    ("GET", "/manage/accounts/?status=never&role=staff", _AREA),
    ("GET", "/manage/accounts/{member}", _MEMBER),
    ("GET", "/manage/accounts/999999", {**_MEMBER, "secretary": 404, "admin": 404}),
    ("POST", "/manage/accounts/{member}/disable", {**_MEMBER, "secretary": 400, "admin": 400}),
    ("POST", "/manage/accounts/{member}/enable", {**_MEMBER, "secretary": 302, "admin": 302}),
    ("POST", "/manage/accounts/{member}/role", {**_MEMBER, "secretary": 403, "admin": 400}),
    ("GET", "/manage/accounts/activation", _AREA),
    ("GET", "/manage/accounts/activation?printed=no&since=2026-01-01T00:00:00%2B00:00", _AREA),
    (
        "POST",
        "/manage/accounts/activation/print",
        {**_AREA, "secretary": 302, "committee": 302, "admin": 302},
    ),
    ("GET", "/manage/accounts/{member}/archive-views", _MEMBER),
    (
        "GET",
        "/manage/accounts/{floating}/archive-views",
        {"anonymous": 302, "committee": 200, "admin": 200, "secretary": 404, "*": 403},
    ),
]
