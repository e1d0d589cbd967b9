"""Authorization matrix cases for campaigns (collected by tests/test_authz.py).

Three campaigns: one launched by 一支部 for 一支部 (its members 张党员, 赵书记 and 孙查看 take part;
赵书记 manages it, 孙查看 reads its report), a draft of 一支部 (its staff and admins only), and one
launched by 工委 for 工委 (钱工委, and 陈流动 whose host branch lies under 工委). A campaign a user
may not see answers 404; staff who read it but may not manage it get 403 on the writing routes.
"""

from datetime import timedelta

from school.auth.models import User
from school.campaigns import services
from school.clock import local_today
from school.courses.models import Course
from school.db import db
from school.orgs.services import find_org

_MANAGERS = {"anonymous": 302, "secretary": 200, "committee": 200, "admin": 200, "*": 403}
_STAFF = {"anonymous": 302, "secretary": 200, "committee": 200, "viewer": 200, "admin": 200}
_BRANCH_READ = {"anonymous": 302, "secretary": 200, "viewer": 200, "admin": 200, "*": 404}
_BRANCH_ACT = {"anonymous": 302, "secretary": 302, "admin": 302, "viewer": 403, "*": 404}
_BRANCH_FORM = {"anonymous": 302, "secretary": 200, "admin": 200, "viewer": 403, "*": 404}
_REPORT = "/campaigns/manage/{campaign_branch}/report/{org_branch}"

CASES: list = [
    # The member's page: those it reaches; staff who see it are sent to the staff page.
    (
        "GET",
        "/campaigns/{campaign_branch}",
        {
            "anonymous": 302,
            "member": 200,
            "secretary": 200,
            "viewer": 200,
            "admin": 302,
            "*": 404,
        },
    ),
    (
        "GET",
        "/campaigns/{campaign_draft}",
        {"anonymous": 302, "secretary": 302, "viewer": 302, "admin": 302, "*": 404},
    ),
    (
        "GET",
        "/campaigns/{campaign_committee}",
        {"anonymous": 302, "floating": 200, "committee": 200, "admin": 302, "*": 404},
    ),
    ("GET", "/campaigns/999999", {"anonymous": 302, "*": 404}),
    ("GET", "/campaigns/manage/", {**_STAFF, "*": 403}),
    ("GET", "/campaigns/manage/new", _MANAGERS),
    ("POST", "/campaigns/manage/new", _MANAGERS),  # empty form: shown again, nothing created
    ("GET", "/campaigns/manage/{campaign_branch}", _BRANCH_READ),
    ("GET", "/campaigns/manage/{campaign_draft}", _BRANCH_READ),
    (
        "GET",
        "/campaigns/manage/{campaign_committee}",
        {"anonymous": 302, "committee": 200, "admin": 200, "*": 404},
    ),
    ("GET", "/campaigns/manage/999999", {"anonymous": 302, "*": 404}),
    # Launched: the editor sends managers back to the campaign page.
    ("GET", "/campaigns/manage/{campaign_branch}/edit", _BRANCH_ACT),
    ("GET", "/campaigns/manage/{campaign_draft}/edit", _BRANCH_FORM),
    ("POST", "/campaigns/manage/{campaign_draft}/edit", _BRANCH_FORM),  # empty form
    ("POST", "/campaigns/manage/{campaign_draft}/launch", _BRANCH_ACT),
    ("POST", "/campaigns/manage/{campaign_branch}/close", _BRANCH_ACT),
    ("POST", "/campaigns/manage/999999/close", {"anonymous": 302, "*": 404}),
    ("GET", _REPORT, _BRANCH_READ),
    ("GET", _REPORT + "/members", _BRANCH_READ),
    ("GET", _REPORT + "/members.xlsx", _BRANCH_READ),
    ("POST", _REPORT + "/remind", _BRANCH_ACT),
    # An organisation outside the viewer's reach: the report does not exist for them.
    (
        "GET",
        "/campaigns/manage/{campaign_branch}/report/{org_committee}",
        {"anonymous": 302, "admin": 200, "*": 404},
    ),
    (
        "POST",
        "/campaigns/manage/{campaign_committee}/report/{org_committee}/remind",
        {"anonymous": 302, "committee": 302, "admin": 302, "*": 404},
    ),
]


def objects(world, tmp_path) -> dict:
    """The three campaigns over the course "rules", and the organisations the cases name."""
    secretary = db.session.get(User, world.secretary)
    committee = db.session.get(User, world.committee_secretary)
    rules = db.session.query(Course).filter_by(slug="rules").one()
    today = local_today()

    def make(user: User, org: str, title: str, launch: bool) -> int:
        data = services.CampaignInput(
            title=title,
            org_text=org,
            start_on=today - timedelta(days=1),
            deadline=today + timedelta(days=30),
            items=[(rules.id, None, True)],
            targets_text=org,
        )
        campaign = services.save_draft(user, data)
        if launch:
            services.launch(user, campaign, f"/campaigns/{campaign.id}")
        return campaign.id

    ids = {
        "campaign_branch": make(secretary, "一支部", "支部专题学习", True),
        "campaign_draft": make(secretary, "一支部", "支部活动草稿", False),
        "campaign_committee": make(committee, "工委", "工委专题学习", True),
        "org_branch": find_org("一支部").id,
        "org_committee": find_org("工委").id,
    }
    db.session.commit()
    return ids
