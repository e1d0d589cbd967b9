"""Authorization matrix cases for the completion reports (collected by tests/test_authz.py).

Each case is (method, url template, {role: status}); "*" is the status for roles not listed.
Reports are for staff only (members and instructors 403); an organisation outside the
viewer's subtree answers 404 on every page and every export.
"""

from sqlalchemy import select

from school.db import db
from school.orgs.models import Organisation

ROUTES = [
    "/reports/{org}",
    "/reports/{org}/members",
    "/reports/{org}/grid",
    "/reports/{org}/members.xlsx",
    "/reports/{org}/members.csv",
    "/reports/{org}/grid.xlsx",
    "/reports/{org}/grid.csv",
    # Reports as documents: the overview workbook, the print views, the overdue list's files.
    "/reports/{org}/overview.xlsx",
    "/reports/{org}/print",
    "/reports/{org}/members/print",
    "/reports/{org}/grid/print",
    "/reports/{org}/overdue.xlsx",
    "/reports/{org}/overdue.csv",
    "/reports/{org}/overdue/print",
    "/reports/{org}/received/print",
]
NOT_STAFF = {"anonymous": 302, "member": 403, "floating": 403, "instructor": 403}
# 一支部: its secretary and viewer, and admins.
BRANCH_A = {**NOT_STAFF, "secretary": 200, "viewer": 200, "admin": 200, "*": 404}
# 二支部 and 区委: admins only (the floating member's host committee sees them in its own report).
ADMIN_ONLY = {**NOT_STAFF, "admin": 200, "*": 404}
# 工委: its secretary and admins.
COMMITTEE = {**NOT_STAFF, "committee": 200, "admin": 200, "*": 404}

CASES: list = [
    # One report root each: straight to it. Admins have one root too (市委).
    ("GET", "/reports/", {**NOT_STAFF, "*": 302}),
    *[
        ("GET", route.replace("{org}", "{" + key + "}"), expected)
        for key, expected in (
            ("reports_branch_a", BRANCH_A),
            ("reports_branch_b", ADMIN_ONLY),
            ("reports_district", ADMIN_ONLY),
            ("reports_committee", COMMITTEE),
        )
        for route in ROUTES
    ],
    # An organisation that does not exist is as missing as one the viewer may not see.
    ("GET", "/reports/999999", {**NOT_STAFF, "*": 404}),
    ("GET", "/reports/999999/members.csv", {**NOT_STAFF, "*": 404}),
    ("GET", "/reports/999999/overdue.xlsx", {**NOT_STAFF, "*": 404}),
    ("GET", "/reports/999999/received/print", {**NOT_STAFF, "*": 404}),
]


def objects(world, tmp_path) -> dict:
    """The ids of the organisations the cases point at."""
    names = {
        "reports_branch_a": "一支部",
        "reports_branch_b": "二支部",
        "reports_district": "区委",
        "reports_committee": "工委",
    }
    return {
        key: db.session.scalar(select(Organisation.id).where(Organisation.name == name))
        for key, name in names.items()
    }
