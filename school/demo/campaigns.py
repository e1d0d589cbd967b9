"""The demo's campaign: the city committee asks every member to study two courses this month."""

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from school.auth.models import User
from school.campaigns import services
from school.clock import local_today
from school.courses.models import Course
from school.db import db
from school.orgs.models import Organisation

COURSES = ("party-member-rights-duties", "floating-member-rules")


def demo_campaign(admin: User, city: Organisation) -> None:
    """A campaign launched by 青川市委 over two published courses, for the whole city."""
    courses = db.session.scalars(
        select(Course).where(Course.slug.in_(COURSES), Course.status == "published")
    ).all()
    if not courses:  # content not imported: nothing to campaign on
        return
    today = local_today()
    campaign = services.save_draft(
        admin,
        services.CampaignInput(
            title="学党章守规矩专题教育",
            org_text=city.code or city.name,
            description="全市党员（含在外地的流动党员）学习《党员的权利和义务》和《流动党员管理规定》，"
            "并在活动期间累计获得 4 学时。",
            start_on=today - timedelta(days=7),
            deadline=today + timedelta(days=21),
            hours_target=Decimal(4),
            remind_days="14,7,1",
            certificate=True,
            items=[(course.id, None, True) for course in courses],
            targets_text=city.code or city.name,
        ),
    )
    # A notification's link is a path on this site: no request is needed to write it.
    services.launch(admin, campaign, f"/campaigns/{campaign.id}")
