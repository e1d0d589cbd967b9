"""The round trip between the database and content/: export a course, import it back, unchanged.

Courses move between schools and are kept in version control as folders, so an export must
import into a fresh database as the course it was, and into its own database as no change.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from school.courses.exporter import export_courses
from school.courses.importer import import_content
from school.courses.models import Course, Lesson, Module, Theme
from school.db import db
from tests.courses.test_importer import MODULE_2, MP4, PDF, lesson, rules, write
from tests.factories import make_user

PROJECT_CONTENT = Path(__file__).resolve().parents[2] / "content"
MAX_BYTES = 500 << 20


def describe(media_dir: Path) -> dict:
    """Everything an author put into the database's courses, media files by their bytes."""
    themes = [
        (t.slug, t.title, t.summary, t.position)
        for t in db.session.scalars(select(Theme).order_by(Theme.position))
    ]
    courses = {}
    for found in db.session.scalars(select(Course).order_by(Course.slug)):
        courses[found.slug] = {
            "course": (
                found.title,
                found.summary,
                found.body_md,
                found.theme.slug,
                found.hours,
                found.position,
                found.status,
                found.deadline,
                sorted(person.username for person in found.instructors),
            ),
            "modules": [(m.title, m.position) for m in found.modules],
            "lessons": [
                (
                    les.slug,
                    les.title,
                    les.module.title,
                    les.kind,
                    les.body_md,
                    les.hours,
                    les.position,
                    les.required,
                    les.min_seconds,
                    les.media_name,
                    les.media_type,
                    (media_dir / les.media_name).read_bytes() if les.media_name else None,
                    les.retired,
                )
                for les in found.lessons
            ],
        }
    return {"themes": themes, "courses": courses}


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def export_all(target: Path, media_dir: Path) -> None:
    courses = list(db.session.scalars(select(Course).order_by(Course.slug)))
    report = export_courses(courses, target, media_dir, MAX_BYTES)
    assert report.problems == []
    assert len(report.written) == len(courses)


def snapshot() -> list:
    """Every column of every course, module, lesson and theme row."""
    return [
        db.session.execute(select(table).order_by(table.c.id)).all()
        for table in (Course.__table__, Module.__table__, Lesson.__table__, Theme.__table__)
    ]


def test_the_demo_courses_survive_export_and_import_into_a_fresh_database(
    app, committed_app, tmp_path
):
    """content/ → database → export → a fresh database → export again: the two exports are the
    same bytes, and the fresh database holds the courses as the first one did."""
    first, second = tmp_path / "first", tmp_path / "second"
    with app.app_context():
        imported = import_content(PROJECT_CONTENT, tmp_path / "media-a", MAX_BYTES)
        assert imported.ok, [str(p) for p in imported.problems]
        original = describe(tmp_path / "media-a")
        export_all(first, tmp_path / "media-a")

    with committed_app.app_context():
        again = import_content(first, tmp_path / "media-b", MAX_BYTES)
        db.session.commit()
        assert again.ok, [str(p) for p in again.problems]
        assert len(again.created) == len(original["courses"])
        assert describe(tmp_path / "media-b") == original
        export_all(second, tmp_path / "media-b")

    assert tree(first) == tree(second)
    folders = {p.name for p in PROJECT_CONTENT.iterdir() if p.is_dir()}
    assert {p.name for p in first.iterdir() if p.is_dir()} == folders
    # The media files travelled: the fresh database's store was empty.
    assert {p.name for p in (tmp_path / "media-b").iterdir()} == {
        p.name for p in (tmp_path / "media-a").iterdir()
    }
    for name, data in tree(first).items():
        text = data.decode("utf-8") if name.endswith((".md", ".yml")) else None
        if text is not None:
            assert "\r" not in text and text.endswith("\n") and not text.startswith("\ufeff"), name


def test_importing_an_export_into_its_own_database_changes_nothing(app, tmp_path):
    with app.app_context():
        assert import_content(PROJECT_CONTENT, tmp_path / "media", MAX_BYTES).ok
        db.session.commit()
        before = snapshot()
        export_all(tmp_path / "export", tmp_path / "media")

        report = import_content(tmp_path / "export", tmp_path / "media", MAX_BYTES)
        assert report.ok
        assert (report.created, report.changed, report.conflicts) == ([], [], [])
        assert len(report.unchanged) == len(before[0])
        assert snapshot() == before


def test_everything_the_folder_format_holds_makes_the_round_trip(app, committed_app, tmp_path):
    """Instructors, a deadline, a draft, optional lessons, minimum times, media in a subfolder,
    lesson numbers with gaps and titles that YAML would read as something else."""
    files = {
        **rules(
            title="'yes'",
            status="draft",
            deadline="2027-03-31",
            instructors="[wang, li]",
            summary='"党章: 总章程"',
        ),
        "05-handbook.md": lesson(
            '"手册: 第 1 版"', MODULE_2, hours=0, kind="document", file="files/handbook.PDF"
        ),
        "files/handbook.PDF": PDF,
        "10-talk.md": lesson(
            "'#讲座'", MODULE_2, hours=0, kind="video", file="talk.mp4", min_minutes=0, body=""
        ),
        "talk.mp4": MP4,
    }
    source = write(tmp_path / "content", {"rules": files})
    for app_ in (app, committed_app):
        with app_.app_context():
            make_user("wang", role="instructor")
            make_user("li", role="instructor")
            db.session.commit()

    with app.app_context():
        assert import_content(source, tmp_path / "media-a", MAX_BYTES).ok
        original = describe(tmp_path / "media-a")
        assert original["courses"]["rules"]["course"][0] == "yes"
        assert [les[6] for les in original["courses"]["rules"]["lessons"]] == [1, 2, 3, 5, 10]
        export_all(tmp_path / "first", tmp_path / "media-a")
        before = snapshot()
        report = import_content(tmp_path / "first", tmp_path / "media-a", MAX_BYTES)
        assert report.ok and len(report.unchanged) == 1
        assert snapshot() == before

    with committed_app.app_context():
        assert import_content(tmp_path / "first", tmp_path / "media-b", MAX_BYTES).ok
        db.session.commit()
        assert describe(tmp_path / "media-b") == original
        export_all(tmp_path / "second", tmp_path / "media-b")
    assert tree(tmp_path / "first") == tree(tmp_path / "second")


def test_a_course_edited_in_the_browser_and_exported_imports_back_as_no_change(app, tmp_path):
    """The export of a browser edit is the new source: importing it is no conflict, and the
    file counts as the last import from then on."""
    source = write(tmp_path / "content", {"rules": rules()})
    with app.app_context():
        assert import_content(source, tmp_path / "media", MAX_BYTES).ok
        edited = db.session.scalar(select(Course).where(Course.slug == "rules"))
        edited.title = "党章党规（网页修订）"
        edited.lessons[0].body_md = "在网页上改过的正文。"
        edited.edited_at = edited.imported_at + timedelta(minutes=5)
        db.session.flush()
        export_all(tmp_path / "export", tmp_path / "media")
        before = describe(tmp_path / "media")

        later = edited.edited_at + timedelta(minutes=5)
        report = import_content(tmp_path / "export", tmp_path / "media", MAX_BYTES, now=later)
        assert report.ok, report.conflicts
        assert (report.changed, report.conflicts) == ([], [])
        assert report.unchanged == ["《党章党规（网页修订）》(rules)"]
        assert describe(tmp_path / "media") == before
        assert edited.imported_at == later

        # The older file is now a change made outside the browser, imported without conflict.
        older = import_content(source, tmp_path / "media", MAX_BYTES)
        assert older.ok and older.conflicts == []
        [changed] = older.changed
        assert "title" in changed and "oath" in changed
