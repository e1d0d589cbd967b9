"""``flask reports``: maintenance of the precomputed progress; ``flask reminders``: sending
the queued email and SMS copies of reminders."""

import click
from flask import current_app
from flask.cli import AppGroup

from school.archive import progress, rollups
from school.db import db
from school.reports import reminders as reminder_service

reports = AppGroup("reports", help="报表数据维护。")


@reports.command("rebuild")
def rebuild() -> None:
    """Recompute course and year progress from the study archive, then the report rollups."""
    courses, years = progress.rebuild()
    rows = rollups.rebuild()
    db.session.commit()
    click.echo(f"已重新计算：课程进度 {courses} 条，年度学时 {years} 条，报表汇总 {rows} 条。")


@reports.command("pace")
def pace() -> None:
    """Split on track / behind against today (run once a day, just after midnight)."""
    moved = rollups.advance_pace()
    db.session.commit()
    click.echo(f"已按今天的进度重新划分：{moved} 名党员的状态在“进度正常/进度落后”之间变化。")


reminders = AppGroup("reminders", help="提醒的短信和电子邮件。")


@reminders.command("deliver")
@click.option("--limit", default=200, show_default=True, help="每次提交处理的条数。")
def deliver(limit: int) -> None:
    """Send the queued email and SMS copies of reminders (run every few minutes from cron)."""
    sent = failed = 0
    while True:
        done = reminder_service.deliver_queued(current_app.config, limit=limit)
        db.session.commit()
        sent, failed = sent + done.sent, failed + done.failed
        # A server that cannot be reached: what is left waits for the next run.
        if done.waiting or done.sent + done.failed < limit:
            break
    click.echo(f"已发送 {sent} 条，失败 {failed} 条。")
    if done.waiting:
        click.echo(f"{done.waiting} 条因无法连接服务器仍在排队，下次运行时再试。")
