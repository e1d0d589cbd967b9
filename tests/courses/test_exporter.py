"""Exporting courses to the content/ folder format: what an author gets back, byte for byte."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from school.courses.exporter import ExportError, course_zip, export_courses
from school.courses.importer import import_content
from school.courses.models import Course, Lesson, Module, Theme
from school.db import db
from tests.courses.test_importer import MP4, ethics, rules, write
from tests.factories import make_user

MAX_BYTES = 1 << 20
CJK = re.compile(r"[\u4e00-\u9fff]")


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def find(slug: str) -> Course:
    return db.session.scalar(select(Course).where(Course.slug == slug))


def export(app, target: Path, *slugs: str):
    with app.app_context():
        courses = [find(slug) for slug in slugs]
        return export_courses(courses, target, Path(app.config["MEDIA_DIR"]), MAX_BYTES)


def zipped(course: Course, media: Path) -> bytes:
    with course_zip(course, media, MAX_BYTES) as archive:
        return archive.read()


def imported(app, tmp_path: Path, courses: dict | None = None) -> Path:
    """The test importer's courses (rules and ethics unless told), imported and committed."""
    root = write(tmp_path / "content", courses or {"rules": rules(), "ethics": ethics()})
    with app.app_context():
        assert import_content(root, Path(app.config["MEDIA_DIR"]), MAX_BYTES).ok
        db.session.commit()
    return root


def test_a_course_is_written_in_the_folder_format(app, tmp_path):
    media = Path(app.config["MEDIA_DIR"])
    media.mkdir(parents=True)
    (media / "0123abcd.mp4").write_bytes(MP4)
    with app.app_context():
        wang, li = make_user("wang", role="instructor"), make_user("li", role="instructor")
        db.session.add(Theme(slug="later", title="后面的专题", summary="", position=1))
        theme = Theme(slug="discipline", title="党规党纪", summary="学党章、守党规。", position=0)
        course = Course(
            slug="rules",
            title="党章党规",
            theme=theme,
            hours=Decimal("1.5"),
            position=2,
            status="published",
            summary="党章是总章程。",
            # A textarea sends CRLF; the file has LF and no blank lines around the text.
            body_md="课程介绍\r\n\r\n第二段\n\n",
            deadline=date(2026, 12, 31),
            certificate=True,
            instructors=[wang, li],
        )
        module = Module(title="第一单元 誓词", position=0, course=course)
        Lesson(
            course=course,
            module=module,
            slug="oath",
            title="入党誓词",
            kind="text",
            body_md="## 誓词\n\n正文",
            hours=Decimal(1),
            position=1,
            min_seconds=90,
        )
        Lesson(
            course=course,
            module=module,
            slug="talk",
            title="yes",
            kind="video",
            body_md="",
            hours=Decimal("0.5"),
            position=2,
            required=False,
            min_seconds=0,
            media_name="0123abcd.mp4",
            media_type="video/mp4",
        )
        db.session.add(course)
        db.session.commit()
    report = export(app, tmp_path / "out", "rules")
    assert (report.written, report.problems) == (["《党章党规》(rules)"], [])

    assert tree(tmp_path / "out") == {
        "themes.yml": (
            "# 专题 (themes) of the catalogue, in display order. Courses name a theme by its"
            " slug.\n- slug: discipline\n  title: 党规党纪\n  summary: 学党章、守党规。\n"
            "- slug: later\n  title: 后面的专题\n  summary: ''\n"
        ).encode(),
        "rules/course.md": (
            "---\nslug: rules\ntitle: 党章党规\ntheme: discipline\nhours: 1.5\norder: 2\n"
            "status: published\ndeadline: 2026-12-31\ncertificate: true\ninstructors:\n- li\n"
            "- wang\n"
            "summary: 党章是总章程。\n---\n课程介绍\n\n第二段\n"
        ).encode(),
        "rules/01-oath.md": (
            "---\ntitle: 入党誓词\nmodule: 第一单元 誓词\nhours: 1\nkind: text\nmin_minutes: 1.5\n"
            "---\n## 誓词\n\n正文\n"
        ).encode(),
        "rules/02-talk.md": (
            "---\ntitle: 'yes'\nmodule: 第一单元 誓词\nhours: 0.5\nkind: video\nrequired: false\n"
            "min_minutes: 0\nfile: media/talk.mp4\n---\n"
        ).encode(),
        "rules/media/talk.mp4": MP4,
    }


def test_the_same_course_exports_to_the_same_bytes_and_the_zip_holds_them(app, tmp_path):
    imported(app, tmp_path)
    export(app, tmp_path / "out", "rules", "ethics")
    first = tree(tmp_path / "out")
    # Again into the same folder: the earlier export is replaced by identical files.
    export(app, tmp_path / "out", "rules", "ethics")
    assert tree(tmp_path / "out") == first

    with app.app_context():
        media = Path(app.config["MEDIA_DIR"])
        archives = [zipped(find("rules"), media) for _ in range(2)]
    assert archives[0] == archives[1]
    with zipfile.ZipFile(io.BytesIO(archives[0])) as zf:
        assert zf.namelist() == sorted(zf.namelist(), key=lambda n: (n != "themes.yml", n))
        entries = {name: zf.read(name) for name in zf.namelist()}
        assert {info.date_time for info in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    assert entries == {k: v for k, v in first.items() if not k.startswith("ethics/")}


def test_retired_lessons_stay_out_and_the_course_page_order_is_kept(app, tmp_path):
    imported(app, tmp_path)
    with app.app_context():
        lessons = {les.slug: les for les in find("rules").lessons}
        lessons["duties"].retired = True
        find("rules").hours = Decimal("1.5")
        db.session.commit()
    export(app, tmp_path / "out", "rules")
    assert sorted(p.name for p in (tmp_path / "out" / "rules").iterdir()) == [
        "01-oath.md",
        "03-reading.md",
        "course.md",
    ]

    # Two lessons at one position: numbered 1, 2, 3 in the order the course page shows them.
    with app.app_context():
        for les in find("rules").lessons:
            les.retired, les.position = False, 7
        find("rules").hours = Decimal("2.5")
        db.session.commit()
        order = [les.slug for les in find("rules").lessons]
    export(app, tmp_path / "out", "rules")
    names = sorted(p.name for p in (tmp_path / "out" / "rules").glob("0*.md"))
    assert names == [f"0{n}-{slug}.md" for n, slug in enumerate(order, 1)]

    # Units keep their order and their lessons together, whatever the lessons' positions say.
    with app.app_context():
        first, second = find("rules").modules
        first.position, second.position = 1, 0
        for position, les in enumerate(find("rules").lessons, 1):
            les.position = position
        db.session.commit()
    export(app, tmp_path / "out", "rules")
    names = sorted(p.name for p in (tmp_path / "out" / "rules").glob("0*.md"))
    assert names == ["01-reading.md", "02-oath.md", "03-duties.md"]


def test_a_course_the_format_cannot_hold_is_not_written_and_the_reason_is_given(app, tmp_path):
    imported(app, tmp_path)
    with app.app_context():
        find("rules").hours = Decimal(9)
        db.session.commit()
    report = export(app, tmp_path / "out", "rules", "ethics")
    assert report.written == ["《诚信经营》(ethics)"]
    [problem] = report.problems
    assert problem.startswith("《党章党规》(rules)：rules/course.md") and "不一致" in problem
    assert not (tmp_path / "out" / "rules").exists()
    assert [p.name for p in (tmp_path / "out").iterdir() if p.name.startswith(".")] == []


def test_a_lesson_whose_file_left_the_media_store_is_named(app, tmp_path):
    files = {
        **rules(),
        "04-talk.md": (
            "---\ntitle: 讲座\nmodule: 第二单元 延伸阅读\nhours: 0\nkind: video\nfile: talk.mp4\n"
            "---\n"
        ),
        "talk.mp4": MP4,
    }
    imported(app, tmp_path, {"rules": files})
    for stored in Path(app.config["MEDIA_DIR"]).iterdir():
        stored.unlink()
    with app.app_context(), pytest.raises(ExportError) as caught:
        course_zip(find("rules"), Path(app.config["MEDIA_DIR"]), MAX_BYTES)
    [problem] = caught.value.problems
    assert "talk" in problem and "媒体库" in problem and CJK.search(problem)


def test_an_earlier_export_is_replaced_whole_and_other_folders_are_left_alone(app, tmp_path):
    imported(app, tmp_path)
    out = tmp_path / "out"
    export(app, out, "rules")
    (out / "rules" / "09-stale.md").write_text("旧文件", encoding="utf-8")
    (out / "ethics").mkdir()
    (out / "ethics" / "notes.txt").write_text("别人的笔记", encoding="utf-8")

    report = export(app, out, "rules", "ethics")
    assert report.written == ["《党章党规》(rules)"]
    [problem] = report.problems
    assert problem.startswith("《诚信经营》(ethics)") and "不是课程文件夹" in problem
    assert not (out / "rules" / "09-stale.md").exists()
    assert tree(out / "ethics") == {"notes.txt": "别人的笔记".encode()}


# --- the command line --------------------------------------------------------------------------


def cli(app, *args: str):
    return app.test_cli_runner().invoke(args=["content", "export", *args])


def test_the_cli_exports_named_courses_or_all_of_them(app, tmp_path):
    imported(app, tmp_path)
    result = cli(app, "rules", "--to", str(tmp_path / "one"))
    assert result.exit_code == 0, result.output
    assert "导出  《党章党规》(rules)" in result.stdout and "导出 1 门课程" in result.stdout
    assert sorted(p.name for p in (tmp_path / "one").iterdir()) == ["rules", "themes.yml"]

    result = cli(app, "--all", "--to", str(tmp_path / "all"))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "all").iterdir()) == ["ethics", "rules", "themes.yml"]
    assert tree(tmp_path / "all" / "rules") == tree(tmp_path / "one" / "rules")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["rules", "nosuch", "other"], "找不到课程：nosuch、other", id="unknown-slug"),
        pytest.param([], "二者选一", id="nothing-named"),
        pytest.param(["rules", "--all"], "二者选一", id="slugs-and-all"),
    ],
)
def test_the_cli_writes_nothing_when_asked_wrongly(app, tmp_path, args, message):
    imported(app, tmp_path)
    result = cli(app, *args, "--to", str(tmp_path / "out"))
    assert result.exit_code != 0
    assert message in result.output
    assert not (tmp_path / "out").exists()


def test_the_cli_exits_1_when_a_course_cannot_be_exported(app, tmp_path):
    imported(app, tmp_path)
    with app.app_context():
        find("rules").hours = Decimal(9)
        db.session.commit()
    result = cli(app, "--all", "--to", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert "rules/course.md" in result.stderr and "未被导出" in result.stderr
    assert "导出  《诚信经营》(ethics)" in result.stdout


def test_a_slug_that_is_not_a_safe_file_name_writes_nothing(app, tmp_path):
    """Slugs become folder and file names: one that could climb out of the folder is refused
    before anything is written."""
    imported(app, tmp_path)
    with app.app_context():
        find("rules").lessons[0].slug = "../../escaped"
        db.session.commit()
    report = export(app, tmp_path / "out" / "inner", "rules")
    [problem] = report.problems
    assert "../../escaped" in problem and "小写英文字母" in problem
    assert sorted(p.name for p in (tmp_path / "out").rglob("*")) == ["inner", "themes.yml"]
