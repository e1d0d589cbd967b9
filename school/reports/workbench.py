"""What reports add to the staff workbench: this year's members behind, and reports home unread.

Both are read from what the reports keep anyway: the per-organisation rollups (a few rows per
organisation, whatever the number of members) and the bulletins' read mark.
"""

from __future__ import annotations

from datetime import date

from flask import url_for
from sqlalchemy import func, select

from school.auth.models import User
from school.db import db
from school.orgs.models import Organisation
from school.orgs.scope import in_subtrees, report_roots
from school.page_parts import Tally
from school.reports import queries
from school.reports.models import Bulletin

# Staff reading more subtrees than this (rare: several grants far apart) see the first ones here
# and all of them in the reports.
MAX_ROOTS = 4


def workbench_part(user: User, today: date) -> dict[str, Tally]:
    """Per subtree the user reads: members behind or not started on this year's 学时 (they head
    the overdue list), and bulletins sent home into it that nobody there has opened yet."""
    roots = report_roots(user)
    tallies: dict[str, Tally] = {}
    filters = queries.Filters(year=today.year)
    for root in roots[:MAX_ROOTS]:
        statuses = queries.totals(root, filters, today).statuses
        where = f"{root.name}：" if len(roots) > 1 else ""
        tallies[f"behind_{root.id}"] = Tally(
            f"{where}今年学时落后或未开始的党员",
            statuses["behind"] + statuses["not_started"],
            url_for("followup.overdue", org_id=root.id),
        )
        unread = db.session.scalar(
            select(func.count(Bulletin.id))
            .join(Organisation, Organisation.id == Bulletin.home_org_id)
            .where(Bulletin.read_at.is_(None), in_subtrees(Organisation.path, [root]))
        )
        tallies[f"bulletins_{root.id}"] = Tally(
            f"{where}未读的流入地通报", unread or 0, url_for("followup.received", org_id=root.id)
        )
    return tallies
