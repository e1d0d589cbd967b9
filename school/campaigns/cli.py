"""``flask campaigns``: the daily reminders at each campaign's configured points."""

from datetime import UTC, datetime

import click
from flask import current_app, url_for
from flask.cli import AppGroup

from school.campaigns import reminders
from school.db import db

campaigns = AppGroup("campaigns", help="专题教育活动。")


@campaigns.command("remind")
@click.option("--now", "now_text", default=None, help="当作此时运行（ISO 时间，测试用）。")
def remind(now_text: str | None) -> None:
    """Remind members not finished on campaigns at a reminder point today (run once a day)."""
    now = datetime.fromisoformat(now_text) if now_text else None
    if now is not None and now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    # A link in a notification is a path on this site; building it needs no real request.
    with current_app.test_request_context("/"):
        results = reminders.remind_due(
            lambda c: url_for("campaigns.show", campaign_id=c.id), now=now
        )
    db.session.commit()
    if not results:
        click.echo("今天没有需要提醒的专题活动。")
    for campaign, result in results:
        click.echo(
            f"《{campaign.title}》：已提醒 {result.sent} 人，{result.skipped} 人本周已提醒过。"
        )
