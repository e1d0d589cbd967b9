"""``flask reports``: maintenance of the precomputed progress."""

import click
from flask.cli import AppGroup

from school.archive import progress, rollups
from school.db import db

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
