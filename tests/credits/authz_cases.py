"""Authorization matrix cases for group credit (collected by tests/test_authz.py).

Every page is for secretaries, organisers and admins: viewers (who only read) and members get
403, anonymous users the login page. A batch follows the organisation that held the study, a
correction the entry's member: staff elsewhere get 404. Empty forms are refused and shown again
with a message (422), nothing written; a confirmation without a preview finds none (410).
"""

import io
from datetime import date
from decimal import Decimal

from PIL import Image

from school.auth.models import User
from school.credits import services
from school.db import db
from school.images import store_image
from school.orgs.services import find_org

_STAFF = {"anonymous": 302, "secretary": 200, "committee": 200, "admin": 200, "*": 403}
_FORM_REFUSED = {"anonymous": 302, "secretary": 422, "committee": 422, "admin": 422, "*": 403}
# 一支部's batch and 张党员's entry: that branch's secretary and admins.
_BRANCH = {"anonymous": 302, "secretary": 200, "admin": 200, "committee": 404, "*": 403}
# 陈流动's entry (host 驻深圳支部 under 工委): the host side and admins.
_FLOATING = {"anonymous": 302, "committee": 200, "admin": 200, "secretary": 404, "*": 403}


def _refused(allowed: dict) -> dict:
    return {role: 422 if status == 200 else status for role, status in allowed.items()}


CASES: list = [
    ("GET", "/manage/credits/", _STAFF),
    ("GET", "/manage/credits/new", _STAFF),
    ("GET", "/manage/credits/template.csv", _STAFF),
    ("POST", "/manage/credits/preview", _FORM_REFUSED),
    (
        "POST",
        "/manage/credits/confirm",
        {"anonymous": 302, "secretary": 410, "committee": 410, "admin": 410, "*": 403},
    ),
    ("GET", "/manage/credits/{credits_batch}", _BRANCH),
    ("GET", "/manage/credits/{credits_batch}/evidence", _BRANCH),
    ("GET", "/manage/credits/999999", {**_STAFF, "secretary": 404, "committee": 404, "admin": 404}),
    ("GET", "/manage/credits/entries/{credits_entry}/correct", _BRANCH),
    ("POST", "/manage/credits/entries/{credits_entry}/correct", _refused(_BRANCH)),
    ("GET", "/manage/credits/entries/{credits_floating_entry}/correct", _FLOATING),
    ("POST", "/manage/credits/entries/{credits_floating_entry}/correct", _refused(_FLOATING)),
    (
        "GET",
        "/manage/credits/entries/999999/correct",
        {**_STAFF, "secretary": 404, "committee": 404, "admin": 404},
    ),
]


def _study(actor: User, org_name: str, kind: str) -> services.Study:
    return services.check_study(
        actor,
        kind=kind,
        title="学习党章",
        held_on=date(2026, 11, 3),
        hours=Decimal(2),
        org_id=find_org(org_name).id,
        today=date(2026, 12, 6),
    )


def objects(world, tmp_path) -> dict:
    """A batch of 一支部 with a photo crediting 张党员, and 陈流动 credited by 工委."""
    secretary = db.session.get(User, world.secretary)
    committee = db.session.get(User, world.committee_secretary)
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(out, "PNG")
    photo = store_image(out.getvalue(), "sheet.png", tmp_path / "uploads" / "credits")
    plan = services.plan_members(
        secretary, _study(secretary, "一支部", "party_lecture"), [world.member]
    )
    batch = services.credit(secretary, plan, request_key="authz-branch", evidence_name=photo.name)
    plan = services.plan_members(
        committee, _study(committee, "驻深圳支部", "theme_day"), [world.floating]
    )
    floating = services.credit(committee, plan, request_key="authz-floating")
    lines = services.batch_lines(batch.batch)
    return {
        "credits_batch": batch.batch.id,
        "credits_entry": lines[0].entry.id,
        "credits_floating_entry": services.batch_lines(floating.batch)[0].entry.id,
    }
