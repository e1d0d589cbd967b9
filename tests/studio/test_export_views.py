"""Downloading a course from the studio: the same folder as ``flask content export``, zipped."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal

from sqlalchemy import select

from school.auth.models import User
from school.courses.models import Course
from school.db import db
from tests.conftest import login
from tests.factories import make_user


def _teach(app, world, slug: str = "rules") -> None:
    with app.app_context():
        course = db.session.scalar(select(Course).where(Course.slug == slug))
        course.instructors = [db.session.get(User, world.instructor)]
        db.session.commit()


def test_an_instructor_downloads_their_course_as_the_exported_folder(app, client, world, tmp_path):
    _teach(app, world)
    result = app.test_cli_runner().invoke(
        args=["content", "export", "rules", "--to", str(tmp_path / "out")]
    )
    assert result.exit_code == 0, result.output
    exported = {
        p.relative_to(tmp_path / "out").as_posix(): p.read_bytes()
        for p in (tmp_path / "out").rglob("*")
        if p.is_file()
    }

    login(client, "instructor")
    # Each response closed: the zip is sent from a temporary file that closing removes.
    with client.get("/studio/courses/rules/export.zip") as response:
        assert response.status_code == 200
        assert response.mimetype == "application/zip"
        assert response.headers["Content-Disposition"] == "attachment; filename=rules.zip"
        assert response.headers["Cache-Control"] == "no-store"
        data = response.data
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert {name: zf.read(name) for name in zf.namelist()} == exported
    assert "rules/course.md" in exported and "themes.yml" in exported
    # Twice the same bytes: a download can be compared with the last one, or kept in git.
    with client.get("/studio/courses/rules/export.zip") as again:
        assert again.data == data


def test_another_instructor_is_refused_and_gets_no_file(app, client, world):
    _teach(app, world)
    with app.app_context():
        make_user("colleague", role="instructor")
        db.session.commit()
    login(client, "colleague")
    response = client.get("/studio/courses/rules/export.zip")
    assert response.status_code == 403
    assert response.mimetype == "text/html"


def test_a_course_that_cannot_be_exported_says_why_in_chinese(app, client, world):
    _teach(app, world)
    with app.app_context():
        course = db.session.scalar(select(Course).where(Course.slug == "rules"))
        course.hours = Decimal(9)
        db.session.commit()
    login(client, "instructor")
    response = client.get("/studio/courses/rules/export.zip")
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "无法导出《课程 rules》" in page
    assert "rules/course.md：课程学时 9 与各课时学时之和 2.5 不一致。" in page
