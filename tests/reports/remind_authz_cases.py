"""Authorization matrix cases for aimed reminders (collected by tests/test_authz.py).

Each case is (method, url template, {role: status}); "*" is the status for roles not listed.
Composing (the preview) is for those who may send: the secretary of 一支部 and admins; its viewer
is refused (403), everyone else does not see the organisation (404). The record of reminders
sent, and one batch's delivery states, are for those who read the organisation's reports.
"""

from datetime import UTC, datetime

from school.db import db
from school.orgs.services import find_org
from school.reports.models import Reminder, ReminderBatch, ReminderDelivery

BRANCH_A_VIEW = {"anonymous": 302, "secretary": 200, "viewer": 200, "admin": 200, "*": 404}
BRANCH_A_COMPOSE = {**BRANCH_A_VIEW, "viewer": 403}
COMMITTEE_COMPOSE = {"anonymous": 302, "committee": 200, "admin": 200, "*": 404}
BRANCH_B = {"anonymous": 302, "admin": 200, "*": 404}

CASES = [
    ("GET", "/reports/{remind_branch_a}/overdue/remind?scope=all", BRANCH_A_COMPOSE),
    (
        "GET",
        "/reports/{remind_committee}/overdue/remind?scope=all&relation=host",
        COMMITTEE_COMPOSE,
    ),
    ("GET", "/reports/{remind_branch_b}/overdue/remind?scope=all", BRANCH_B),
    ("GET", "/reports/999999/overdue/remind", {"anonymous": 302, "*": 404}),
    ("GET", "/reports/{remind_branch_a}/reminders", BRANCH_A_VIEW),
    ("GET", "/reports/{remind_branch_b}/reminders", BRANCH_B),
    ("GET", "/reports/reminders/{remind_batch}", BRANCH_A_VIEW),
    ("GET", "/reports/reminders/999999", {"anonymous": 302, "*": 404}),
]


def objects(world, tmp_path) -> dict:
    """The organisations, and one batch from 一支部 to 张党员 with an email copy."""
    branch = find_org("一支部")
    now = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
    batch = ReminderBatch(
        token="matrix",
        org_id=branch.id,
        sent_by_id=world.secretary,
        channel="email",
        message="{姓名}同志：请学习。",
        recipients=1,
        skipped=0,
        created_at=now,
    )
    db.session.add(batch)
    db.session.flush()
    reminder = Reminder(
        member_id=world.member,
        org_id=branch.id,
        sent_by_id=world.secretary,
        reason="张党员同志：请学习。",
        sent_at=now,
        batch_id=batch.id,
    )
    db.session.add(reminder)
    db.session.flush()
    db.session.add(
        ReminderDelivery(
            reminder_id=reminder.id,
            channel="email",
            address="zhang@example.cn",
            body=reminder.reason,
            state="sent",
        )
    )
    db.session.flush()
    return {
        "remind_branch_a": branch.id,
        "remind_branch_b": find_org("二支部").id,
        "remind_committee": find_org("工委").id,
        "remind_batch": batch.id,
    }
