"""Authorization matrix cases for daily practice (collected by tests/test_authz.py).

Everyone signed in has the day's questions (the matrix's practice quiz feeds them); an empty
submission names no draw and is sent back to the page. Instructors and admins choose the bank.
"""

_SIGNED_IN = {"anonymous": 302, "*": 200}
_BANK = {"anonymous": 302, "instructor": 200, "admin": 200, "*": 403}

CASES: list = [
    ("GET", "/practice/", _SIGNED_IN),
    ("POST", "/practice/", {"anonymous": 302, "*": 302}),
    ("GET", "/practice/settings", _BANK),
    # An empty choice: the practice quizzes' questions again.
    ("POST", "/practice/settings", {"anonymous": 302, "instructor": 302, "admin": 302, "*": 403}),
]
