"""What campaigns add to the staff workbench: per open campaign, the members not finished yet."""

from __future__ import annotations

from datetime import date

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from school.auth.models import User
from school.campaigns import progress
from school.campaigns.models import Campaign, CampaignTarget
from school.campaigns.permissions import can_view_report
from school.db import db
from school.orgs.scope import report_roots
from school.page_parts import Tally

# The campaigns nearest their deadline; the campaigns page lists the rest.
MAX_CAMPAIGNS = 5


def workbench_part(user: User, today: date) -> dict[str, Tally]:
    """Launched campaigns under way that reach the user's subtree: members not finished, those
    past the deadline as overdue, over the first subtree of the user's that the report covers."""
    roots = report_roots(user)
    launched = db.session.scalars(
        select(Campaign)
        .where(Campaign.status == "launched", Campaign.start_on <= today)
        .options(selectinload(Campaign.targets).selectinload(CampaignTarget.org))
        .order_by(Campaign.deadline, Campaign.id)
    )
    tallies: dict[str, Tally] = {}
    for campaign in launched:
        root = next((r for r in roots if can_view_report(user, campaign, r)), None)
        if root is None:
            continue
        counts = progress.totals(campaign, root, today)
        tallies[f"campaign_{campaign.id}"] = Tally(
            f"《{campaign.title}》还没有完成的党员",
            counts.total - counts["finished"],
            url_for("campaigns.report", campaign_id=campaign.id, org_id=root.id),
            urgent=counts["overdue"],
        )
        if len(tallies) == MAX_CAMPAIGNS:
            break
    return tallies
