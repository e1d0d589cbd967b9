"""The studio and course files meet: a browser edit is not overwritten by an older file, an
import is not undone by the next browser save, and files that name no instructor keep them."""

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from school.auth.models import User
from school.courses.models import Course, Lesson
from school.db import db
from school.studio import review, revisions
from tests.courses.test_importer import lesson, rules, run, write


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "content"


def _course() -> Course:
    return db.session.scalar(select(Course).where(Course.slug == "rules"))


def _oath(course: Course) -> Lesson:
    return next(each for each in course.lessons if each.slug == "oath")


def _teach(app, world) -> None:
    with app.app_context():
        course = _course()
        course.instructors.append(db.session.get(User, world.instructor))
        db.session.commit()


def test_an_older_file_does_not_overwrite_a_lesson_edited_in_the_browser(app, world, root):
    write(root, {"rules": rules()})
    run(app, root)
    _teach(app, world)
    with app.app_context():
        course = _course()
        instructor = db.session.get(User, world.instructor)
        admin = db.session.get(User, world.admin)
        revisions.save(course, _oath(course), instructor, {"body_md": "网页上改过的正文"}, base=1)
        review.approve(review.submit(course, instructor), course, admin)
        db.session.commit()
        assert course.edited_at is not None

    # The file changes too (someone edits the old copy): the import stops at the course.
    write(root, {"rules": {"01-oath.md": lesson("入党誓词", body="文件里的新正文", min_minutes=5)}})
    report = run(app, root)
    assert [c for c in report.conflicts if "党章党规" in c], report
    with app.app_context():
        assert _oath(_course()).body_md == "网页上改过的正文"


def test_a_browser_save_after_an_import_builds_on_what_was_imported(app, world, root):
    write(root, {"rules": rules()})
    run(app, root)
    _teach(app, world)
    with app.app_context():
        course = _course()
        instructor = db.session.get(User, world.instructor)
        revisions.baseline(course, _oath(course), revisions.utcnow())
        db.session.commit()
    # The file is edited and imported again before anyone touches the lesson in the browser.
    write(root, {"rules": {"01-oath.md": lesson("入党誓词（修订）", hours=1, min_minutes=5)}})
    report = run(app, root)
    assert not report.conflicts and report.changed
    with app.app_context():
        course = _course()
        instructor = db.session.get(User, world.instructor)
        oath = _oath(course)
        saved = revisions.save(course, oath, instructor, {"min_seconds": 600}, base=2)
        # The imported title is in the new version, recorded as a version of its own first.
        assert saved.data["title"] == "入党誓词（修订）"
        notes = [r.note for r in revisions.history(course, oath)]
        assert notes[1] == "从课程文件导入的版本"
        assert oath.title == "入党誓词（修订）" and oath.min_seconds == 300


def test_a_course_file_naming_no_instructor_keeps_the_courses_instructors(app, world, root):
    write(root, {"rules": rules()})
    run(app, root)
    _teach(app, world)
    write(root, {"rules": {"01-oath.md": lesson("入党誓词", hours=Decimal(1), min_minutes=6)}})
    run(app, root)
    with app.app_context():
        assert [person.id for person in _course().instructors] == [world.instructor]
