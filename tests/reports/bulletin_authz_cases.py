"""Authorization matrix cases for this feature (collected by tests/test_authz.py).

Each case is (method, url template, {role: status}); "*" is the status for roles not listed.
An optional ``objects(world, tmp_path) -> dict`` adds ids the templates point at.
"""

CASES: list = []
