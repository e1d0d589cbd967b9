"""Command-line groups: ``flask db``, ``users``, ``content``, ``quiz``, ``demo``, ``reports``,
``reminders``."""

from pathlib import Path

import click
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from flask import Flask, current_app
from flask.cli import AppGroup

from school.auth.cli import users
from school.backup.cli import backup
from school.campaigns.cli import campaigns
from school.courses.cli import content
from school.db import make_engine
from school.demo.cli import demo
from school.quizzes.cli import quiz
from school.reports.cli import reminders, reports
from school.search.cli import search

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"

db_group = AppGroup("db", help="数据库迁移（Alembic）。")


def alembic_config(url: str) -> Config:
    """An Alembic configuration for the project's migrations against ``url``."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("file_template", "%%(year)d%%(month).2d%%(day).2d_%%(rev)s_%%(slug)s")
    cfg.attributes["database_url"] = url
    return cfg


def applied_revisions(url: str) -> set[str]:
    """The revisions the database at ``url`` stands at (empty for a brand-new database)."""
    engine = make_engine({"DATABASE_URL": url})
    try:
        with engine.connect() as connection:
            return set(MigrationContext.configure(connection).get_current_heads())
    finally:
        engine.dispose()


@db_group.command("upgrade")
@click.argument("revision", default="head")
def upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    url = str(current_app.config["DATABASE_URL"])
    before = applied_revisions(url)
    command.upgrade(alembic_config(url), revision)
    after = applied_revisions(url)
    # Say what happened: an operator reads this after a deployment.
    if not before:
        click.echo("已建立数据库结构。")
    elif before == after:
        click.echo("数据库已是最新结构。")
    else:
        click.echo("已升级数据库结构。")


@db_group.command("revision")
@click.option("-m", "--message", required=True)
def revision(message: str) -> None:
    """Autogenerate a new migration from the models (review it by hand before committing)."""
    command.revision(
        alembic_config(str(current_app.config["DATABASE_URL"])), message=message, autogenerate=True
    )


def register(app: Flask) -> None:
    for group in (
        db_group,
        users,
        content,
        quiz,
        demo,
        reports,
        reminders,
        search,
        backup,
        campaigns,
    ):
        app.cli.add_command(group)
