"""``flask content import`` and ``export``: courses as Markdown folders under content/."""

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from school.courses.exporter import export_courses
from school.courses.importer import import_content
from school.courses.models import Course
from school.db import db

content = AppGroup("content", help="课程内容。")


def _media() -> tuple[Path, int]:
    return Path(current_app.config["MEDIA_DIR"]), int(current_app.config["MAX_MEDIA_MB"]) << 20


@content.command("import")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    help="内容文件夹（默认为项目的 content/）",
)
@click.option("--force", is_flag=True, help="网页上改过的课程也用文件覆盖")
def import_command(directory: Path | None, force: bool) -> None:
    """Import or update every course under content/ (safe to run again)."""
    root = (directory or Path(current_app.config["CONTENT_DIR"])).resolve()
    if not root.is_dir():
        raise click.ClickException(f"找不到内容文件夹：{root}")
    report = import_content(root, *_media(), force=force)
    db.session.commit()
    for label in report.created:
        click.echo(f"新建  {label}")
    for label in report.changed:
        click.echo(f"更新  {label}")
    for label in report.overwritten:
        click.echo(f"覆盖  {label}")
    click.echo(
        f"新建 {len(report.created)} 门，更新 {len(report.changed)} 门，"
        f"未变 {len(report.unchanged)} 门"
        + (f"，覆盖网页修改 {len(report.overwritten)} 门" if report.overwritten else "")
        + "。"
    )
    if report.conflicts:
        click.echo(f"\n以下 {len(report.conflicts)} 门课程在网页上改过，未被导入：", err=True)
        for conflict in report.conflicts:
            click.echo(f"  {conflict}", err=True)
        click.echo("  确认要用文件覆盖网页上的修改，请加 --force 再导入一次。", err=True)
    if report.problems:
        click.echo(f"\n以下 {len(report.problems)} 个问题使相关课程未被导入：", err=True)
        for problem in report.problems:
            click.echo(f"  {problem}", err=True)
    # A conflict alone is not a failure: the course is kept as the browser left it, and
    # `make run` or a deploy that imports content/ on every start must still start.
    if report.problems:
        raise SystemExit(1)


@content.command("export")
@click.argument("slugs", nargs=-1)
@click.option(
    "--to",
    "target",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="导出到的文件夹（每门课程一个子文件夹，另有 themes.yml）",
)
@click.option("--all", "everything", is_flag=True, help="导出全部课程")
def export_command(slugs: tuple[str, ...], target: Path, everything: bool) -> None:
    """Write courses as content/ folders that ``content import`` reads back unchanged."""
    if everything == bool(slugs):
        raise click.UsageError("请给出课程 slug，或者用 --all 导出全部课程（二者选一）。")
    query = select(Course).order_by(Course.slug)
    if slugs:
        query = query.where(Course.slug.in_(slugs))
    courses = list(db.session.scalars(query))
    unknown = sorted(set(slugs) - {course.slug for course in courses})
    if unknown:
        raise click.ClickException(f"找不到课程：{'、'.join(unknown)}（没有导出任何课程）")
    report = export_courses(courses, target.resolve(), *_media())
    for label in report.written:
        click.echo(f"导出  {label}")
    click.echo(f"导出 {len(report.written)} 门课程到 {target.resolve()}。")
    if report.problems:
        click.echo(f"\n以下 {len(report.problems)} 个问题使相关课程未被导出：", err=True)
        for problem in report.problems:
            click.echo(f"  {problem}", err=True)
        raise SystemExit(1)
