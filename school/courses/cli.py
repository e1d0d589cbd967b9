"""``flask content import``: publish courses written as Markdown under content/."""

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from school.courses.importer import import_content
from school.db import db

content = AppGroup("content", help="课程内容。")


@content.command("import")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    help="内容文件夹（默认为项目的 content/）",
)
def import_command(directory: Path | None) -> None:
    """Import or update every course under content/ (safe to run again)."""
    root = (directory or Path(current_app.config["CONTENT_DIR"])).resolve()
    if not root.is_dir():
        raise click.ClickException(f"找不到内容文件夹：{root}")
    report = import_content(
        root, Path(current_app.config["MEDIA_DIR"]), int(current_app.config["MAX_MEDIA_MB"]) << 20
    )
    db.session.commit()
    for label in report.created:
        click.echo(f"新建  {label}")
    for label in report.changed:
        click.echo(f"更新  {label}")
    click.echo(
        f"新建 {len(report.created)} 门，更新 {len(report.changed)} 门，"
        f"未变 {len(report.unchanged)} 门。"
    )
    if report.problems:
        click.echo(f"\n以下 {len(report.problems)} 个问题使相关课程未被导入：", err=True)
        for problem in report.problems:
            click.echo(f"  {problem}", err=True)
        raise SystemExit(1)
