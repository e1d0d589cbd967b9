"""Download a course from the studio: its content/ folder, zipped, as ``flask content export``
writes it."""

from pathlib import Path

from flask import Blueprint, abort, current_app, render_template, send_file
from flask_login import current_user, login_required
from sqlalchemy import select

from school.courses.exporter import ExportError, course_zip
from school.courses.models import Course
from school.courses.permissions import can_edit_course, can_view_course
from school.db import db

bp = Blueprint("studio_export", __name__, url_prefix="/studio", template_folder="templates")


@bp.get("/courses/<slug>/export.zip")
@login_required
def course_folder(slug: str):
    course = db.session.scalar(select(Course).where(Course.slug == slug))
    if course is None or not can_view_course(current_user, course):
        abort(404)
    if not can_edit_course(current_user, course):
        abort(403)
    config = current_app.config
    try:
        archive = course_zip(course, Path(config["MEDIA_DIR"]), int(config["MAX_MEDIA_MB"]) << 20)
    except ExportError as exc:
        page = render_template("studio/export_refused.html", course=course, problems=exc.problems)
        return page, 409
    # The export refuses any slug but letters, digits and hyphens: the name needs no escaping.
    return send_file(
        archive, mimetype="application/zip", as_attachment=True, download_name=f"{course.slug}.zip"
    )
