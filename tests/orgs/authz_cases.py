"""Authorization matrix cases for this feature (collected by tests/test_authz.py).

Each case is (method, url template, {role: status}); "*" is the status for roles not listed.
An optional ``objects(world, tmp_path) -> dict`` adds ids the templates point at.

The world: 一支部 (secretary, viewer) and 工委 (committee) under 市委; admins see everything.
Members, the floating member and the instructor are not staff: the whole area answers 403.
"""

from sqlalchemy import select

from school.db import db
from school.orgs import services
from school.orgs.models import StaffGrant
from school.orgs.services import find_org
from tests.factories import make_user

STAFF = {"anonymous": 302, "secretary": 200, "committee": 200, "viewer": 200, "admin": 200}
ADMIN = {"anonymous": 302, "admin": 200, "*": 403}
# The new branch under 一支部: its secretary and viewer see it, the work committee does not.
SUB = {"anonymous": 302, "secretary": 200, "viewer": 200, "admin": 200, "committee": 404}
# Tree changes on it: admins only; staff who see it get 403, the committee 404.
SUB_ADMIN = {"anonymous": 302, "admin": 200, "committee": 404, "*": 403}
SUB_ADMIN_DONE = {**SUB_ADMIN, "admin": 302}
HIDDEN_FROM_STAFF = {
    "anonymous": 302,
    "secretary": 404,
    "committee": 404,
    "viewer": 404,
    "admin": 200,
    "*": 403,
}

# The organisation picker: any staff member (each gets their own scope), JSON.
PICKER = {**STAFF, "*": 403}

CASES: list = [
    ("GET", "/manage/org-picker/?q=支部", PICKER),
    ("GET", "/manage/org-picker/?scope=read", PICKER),
    ("GET", "/manage/orgs/", {**STAFF, "*": 403}),
    ("GET", "/manage/orgs/?q=不存在的组织", {**STAFF, "*": 403}),
    ("GET", "/manage/orgs/audit", {**STAFF, "*": 403}),
    ("GET", "/manage/orgs/audit?action=staff.grant&org_id={orgs_sub}", {**SUB, "*": 403}),
    ("GET", "/manage/orgs/audit?org_id={orgs_district}", HIDDEN_FROM_STAFF),
    ("GET", "/manage/orgs/new", ADMIN),
    ("GET", "/manage/orgs/new?parent={orgs_sub}", ADMIN),
    ("POST", "/manage/orgs/new", ADMIN),  # empty form: shown again
    ("GET", "/manage/orgs/{orgs_sub}", {**SUB, "*": 403}),
    ("GET", "/manage/orgs/{orgs_committee}", {**HIDDEN_FROM_STAFF, "committee": 200}),
    ("GET", "/manage/orgs/{orgs_district}", HIDDEN_FROM_STAFF),
    ("GET", "/manage/orgs/999999", {**HIDDEN_FROM_STAFF, "admin": 404}),
    ("POST", "/manage/orgs/{orgs_sub}/rename", SUB_ADMIN),
    ("POST", "/manage/orgs/{orgs_sub}/move", SUB_ADMIN),
    ("POST", "/manage/orgs/{orgs_sub}/merge", SUB_ADMIN),
    ("POST", "/manage/orgs/{orgs_empty}/close", SUB_ADMIN_DONE),
    ("POST", "/manage/orgs/{orgs_district}/close", {**HIDDEN_FROM_STAFF, "admin": 302}),
    # Granting: admins, and the secretary inside their subtree; never the viewer.
    ("POST", "/manage/orgs/{orgs_sub}/grant", {**SUB_ADMIN, "secretary": 200}),
    ("POST", "/manage/orgs/{orgs_district}/grant", HIDDEN_FROM_STAFF),
    (
        "POST",
        "/manage/orgs/{orgs_sub}/grants/{orgs_grant}/revoke",
        {**SUB_ADMIN, "admin": 302, "secretary": 302},
    ),
    # The secretary's own grant: only an admin takes it away.
    (
        "POST",
        "/manage/orgs/{orgs_branch}/grants/{orgs_own_grant}/revoke",
        {**SUB_ADMIN, "admin": 302},
    ),
    # A grant addressed through another organisation does not exist there.
    (
        "POST",
        "/manage/orgs/{orgs_sub}/grants/{orgs_own_grant}/revoke",
        {
            "anonymous": 302,
            "committee": 404,
            "viewer": 404,
            "secretary": 404,
            "admin": 404,
            "*": 403,
        },
    ),
]


def objects(world, tmp_path) -> dict:
    """Two organisations under 一支部 and an organiser of one of them."""
    branch = find_org("一支部")
    sub = services.create(None, "一支部青年党支部", "branch", branch, code="orgs-sub")
    empty = services.create(None, "一支部退休党支部", "branch", branch)
    helper = make_user("orgs_helper", "周组织", home_org=sub)
    helper_grant = services.grant(None, helper, sub, "organiser")
    own = db.session.scalar(
        select(StaffGrant).where(
            StaffGrant.user_id == world.secretary, StaffGrant.org_id == branch.id
        )
    )
    return {
        "orgs_branch": branch.id,
        "orgs_sub": sub.id,
        "orgs_empty": empty.id,
        "orgs_committee": find_org("工委").id,
        "orgs_district": find_org("区委").id,
        "orgs_grant": helper_grant.id,
        "orgs_own_grant": own.id,
    }
