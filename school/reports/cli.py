"""``flask reports``: maintenance of the precomputed progress."""

import click
from flask.cli import AppGroup

from school.archive import progress
from school.db import db

reports = AppGroup("reports", help="报表数据维护。")


@reports.command("rebuild")
def rebuild() -> None:
    """Recompute course and year progress from the completions and the study archive."""
    courses, years = progress.rebuild()
    db.session.commit()
    click.echo(f"已重新计算：课程进度 {courses} 条，年度学时 {years} 条。")
