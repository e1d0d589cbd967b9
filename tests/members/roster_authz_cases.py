"""Authorization matrix cases for this feature (collected by tests/test_authz.py).

Each case is (method, url template, {role: status}); "*" is the status for roles not listed.
Only staff who manage an organisation (secretaries, organisers) and admins import rosters. A
POST without a file or token is answered with the upload form and a message (200) for them.
"""

IMPORTERS = {"anonymous": 302, "secretary": 200, "committee": 200, "admin": 200, "*": 403}

CASES: list = [
    ("GET", "/manage/roster/", IMPORTERS),
    ("GET", "/manage/roster/template.xlsx", IMPORTERS),
    ("GET", "/manage/roster/template.csv", IMPORTERS),
    ("POST", "/manage/roster/preview", IMPORTERS),
    ("POST", "/manage/roster/apply", IMPORTERS),
]
