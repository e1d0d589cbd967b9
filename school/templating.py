"""Jinja filters and globals shared by every template."""

from datetime import datetime
from decimal import Decimal

from flask import Flask

from school.clock import to_local
from school.markdown import render, render_as
from school.orgs.permissions import can_import_roster, can_list_accounts


def format_hours(value: Decimal | int | float | None) -> str:
    """学时 without trailing zeros: 1, 0.5, 32."""
    if value is None:
        return "0"
    text = f"{Decimal(str(value)).normalize():f}"
    return text


def local_date(moment: datetime | None) -> str:
    return to_local(moment).strftime("%Y-%m-%d") if moment else ""


def local_datetime(moment: datetime | None) -> str:
    return to_local(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def register(app: Flask) -> None:
    app.add_template_filter(format_hours, "hours")
    app.add_template_filter(local_date, "date")
    app.add_template_filter(local_datetime, "datetime")
    app.add_template_filter(render, "markdown")
    app.add_template_filter(render_as, "question_text")
    # Navigation shows a section only to those whom the section's views let in.
    app.add_template_global(can_import_roster, "can_import_roster")
    app.add_template_global(can_list_accounts, "can_list_accounts")
