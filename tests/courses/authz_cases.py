"""Authorization matrix cases for the lesson page's study heartbeats (collected by
tests/test_authz.py).

Every logged-in user may report study on a published lesson: the matrix posts no heartbeat
fields, which is refused as bad input (400). A draft course records nothing for anyone, and a
lesson that does not exist is not found. What a heartbeat earns is tested in
tests/courses/test_activity.py.
"""

CASES: list = [
    ("POST", "/courses/rules/one/study", {"anonymous": 302, "*": 400}),
    ("POST", "/courses/draft-course/one/study", {"anonymous": 302, "*": 404}),
    ("POST", "/courses/rules/no-such-lesson/study", {"anonymous": 302, "*": 404}),
]
