"""Jinja filters and globals shared by every template."""

from flask import Flask

from school.formatting import format_hours, local_date, local_datetime, long_date
from school.markdown import render, render_as


def register(app: Flask) -> None:
    """Register the filters on the app."""
    app.add_template_filter(format_hours, "hours")
    app.add_template_filter(local_date, "date")
    app.add_template_filter(local_datetime, "datetime")
    app.add_template_filter(long_date, "long_date")
    app.add_template_filter(render, "markdown")
    app.add_template_filter(render_as, "question_text")
