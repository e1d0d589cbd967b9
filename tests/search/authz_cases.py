"""Authorization matrix cases for search (collected by tests/test_authz.py).

Every logged-in user may search; what each one finds is tested in tests/search/test_views.py.
"""

CASES: list = [
    ("GET", "/search/", {"anonymous": 302, "*": 200}),
    ("GET", "/search/?q=党员&kind=course&page=2", {"anonymous": 302, "*": 200}),
]
