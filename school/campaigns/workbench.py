"""What campaigns add to the staff workbench: per open campaign, the members not finished yet.

A campaign's standing is computed from the completion data, member by member, so counting it
over a district or the whole city reads every member targeted (hundreds of milliseconds at
112,000). A count that took longer than ``SLOW`` is kept in this worker and shown again for
``KEEP`` (its key includes the day: a deadline passing changes it); a branch's counts take a
few milliseconds and are always fresh, so a secretary sees the effect of their own work at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import date

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from school.auth.models import User
from school.campaigns import progress
from school.campaigns.models import Campaign, CampaignTarget
from school.campaigns.permissions import can_view_report
from school.db import db
from school.orgs.models import Organisation
from school.orgs.scope import report_roots
from school.page_parts import Tally

# The campaigns nearest their deadline; the campaigns page lists the rest.
MAX_CAMPAIGNS = 5
SLOW = 0.05  # seconds
KEEP = 300  # seconds
_kept: dict[tuple, tuple[float, int]] = {}
_lock = threading.Lock()


def workbench_part(user: User, today: date) -> dict[str, Tally]:
    """Launched campaigns under way that reach the user's subtree: members not finished, all of
    them overdue once the deadline has passed, over the first subtree of the user's that the
    campaign's report covers."""
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
        left = unfinished(campaign, root, today)
        tallies[f"campaign_{campaign.id}"] = Tally(
            f"《{campaign.title}》还没有完成的党员",
            left,
            url_for("campaigns.report", campaign_id=campaign.id, org_id=root.id),
            urgent=left if today > campaign.deadline else 0,
        )
        if len(tallies) == MAX_CAMPAIGNS:
            break
    return tallies


def unfinished(
    campaign: Campaign, org: Organisation, today: date, clock: Callable[[], float] = time.monotonic
) -> int:
    """``progress.unfinished``, reused for ``KEEP`` seconds when it was slow to count."""
    # The launch time too: an id alone may name another campaign in another database.
    key = (campaign.id, campaign.launched_at, org.id, today)
    now = clock()
    with _lock:
        kept = _kept.get(key)
    if kept is not None and now - kept[0] < KEEP:
        return kept[1]
    count = progress.unfinished(campaign, org)
    took = clock() - now
    with _lock:
        if took > SLOW:
            _kept[key] = (now, count)
        else:
            _kept.pop(key, None)
        for stale in [k for k, (at, _) in _kept.items() if now - at >= KEEP]:
            del _kept[stale]
    return count
