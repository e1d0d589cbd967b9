"""Authorization matrix cases for following up: overdue lists, reminders, bulletins home.

Each case is (method, url template, {role: status}); "*" is the status for roles not listed.
In the world 赵书记 (secretary) and 孙查看 (viewer) have 一支部; 钱工委 (committee) has 工委,
which hosts 陈流动 through 驻深圳支部; 陈流动's home is 二支部, which no role but admin sees.
"""

from datetime import date

from school.auth.models import User
from school.db import db
from school.orgs.services import find_org
from school.reports.models import Bulletin

# Staff of 一支部: the secretary manages it, the viewer only looks.
BRANCH_A_VIEW = {"anonymous": 302, "secretary": 200, "viewer": 200, "admin": 200, "*": 404}
BRANCH_A_ACT = {"anonymous": 302, "secretary": 302, "viewer": 403, "admin": 302, "*": 404}
# 工委 (the host side of the floating member): its secretary and admins.
COMMITTEE_VIEW = {"anonymous": 302, "committee": 200, "admin": 200, "*": 404}
COMMITTEE_ACT = {"anonymous": 302, "committee": 302, "admin": 302, "*": 404}
# 二支部 (the floating member's home): nobody in the matrix but admins.
BRANCH_B_VIEW = {"anonymous": 302, "admin": 200, "*": 404}
BRANCH_B_ACT = {"anonymous": 302, "admin": 302, "*": 404}

CASES = [
    ("GET", "/reports/{followup_branch_a}/overdue", BRANCH_A_VIEW),
    ("GET", "/reports/{followup_committee}/overdue?relation=host&floating=1", COMMITTEE_VIEW),
    ("GET", "/reports/{followup_branch_b}/overdue", BRANCH_B_VIEW),
    ("GET", "/reports/999999/overdue", {"anonymous": 302, "*": 404}),
    ("POST", "/reports/{followup_branch_a}/overdue/remind", BRANCH_A_ACT),
    ("POST", "/reports/{followup_committee}/overdue/remind", COMMITTEE_ACT),
    ("POST", "/reports/{followup_branch_b}/overdue/remind", BRANCH_B_ACT),
    ("GET", "/reports/{followup_branch_a}/bulletins", BRANCH_A_VIEW),
    ("GET", "/reports/{followup_committee}/bulletins", COMMITTEE_VIEW),
    ("GET", "/reports/{followup_branch_b}/bulletins", BRANCH_B_VIEW),
    ("GET", "/reports/{followup_committee}/bulletins/preview?period=2025-12", COMMITTEE_VIEW),
    ("GET", "/reports/{followup_branch_a}/bulletins/preview?period=2025-Q4", BRANCH_A_VIEW),
    ("GET", "/reports/{followup_branch_b}/bulletins/preview?period=2025-12", BRANCH_B_VIEW),
    # No period in the form: refused with a message and a redirect, after the permission check.
    ("POST", "/reports/{followup_committee}/bulletins/send", COMMITTEE_ACT),
    ("POST", "/reports/{followup_branch_a}/bulletins/send", BRANCH_A_ACT),
    ("POST", "/reports/{followup_branch_b}/bulletins/send", BRANCH_B_ACT),
    ("GET", "/reports/{followup_branch_a}/received", BRANCH_A_VIEW),
    ("GET", "/reports/{followup_committee}/received", COMMITTEE_VIEW),
    ("GET", "/reports/{followup_branch_b}/received", BRANCH_B_VIEW),
    # Sent by 工委 to 二支部: the host side and admins may read it.
    ("GET", "/reports/bulletins/{followup_bulletin}", COMMITTEE_VIEW),
    ("GET", "/reports/bulletins/999999", {"anonymous": 302, "*": 404}),
]


def objects(world, tmp_path) -> dict:
    """The organisations of the world and one bulletin from 工委 to 二支部."""
    committee = find_org("工委")
    branch_b = find_org("二支部")
    floating = db.session.get(User, world.floating)
    bulletin = Bulletin(
        host_org_id=committee.id,
        home_org_id=branch_b.id,
        period_label="2025年11月",
        period_start=date(2025, 11, 1),
        period_end=date(2025, 11, 30),
        body={
            "host_org": committee.name,
            "home_org": branch_b.name,
            "period": "2025年11月",
            "members": [{"member_id": floating.id, "name": floating.name, "notes": []}],
        },
        member_count=1,
        sent_by_id=world.committee_secretary,
    )
    db.session.add(bulletin)
    db.session.flush()
    return {
        "followup_branch_a": find_org("一支部").id,
        "followup_branch_b": branch_b.id,
        "followup_committee": committee.id,
        "followup_bulletin": bulletin.id,
    }
