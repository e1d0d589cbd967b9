"""Importing courses from content/: what course authors and administrators rely on.

Every test writes its own content folder under tmp_path; only one reads the project's content/.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from school.courses.importer import ImportReport, import_content
from school.courses.models import Course, Lesson, Module, Theme
from school.db import db, utcnow
from school.formatting import local_datetime

PROJECT_CONTENT = Path(__file__).resolve().parents[2] / "content"
MAX_BYTES = 1 << 20
CJK = re.compile(r"[\u4e00-\u9fff]")
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(32)
HTML = b"<!DOCTYPE html>\n<html><body><script>alert(1)</script></body></html>\n"

THEMES = [
    {"slug": "discipline", "title": "党规党纪", "summary": "学党章、守党规。"},
    {"slug": "ethics", "title": "职业道德", "summary": "诚实守信、爱岗敬业。"},
]
BODY = "## 要点\n\n党员要认真学习党章，自觉遵守党的纪律。\n\n- 按时参加组织生活\n- 按月交纳党费"
MODULE_1 = "第一单元 认识党章"
MODULE_2 = "第二单元 延伸阅读"
RULES = "《党章党规》(rules)"
ETHICS = "《诚信经营》(ethics)"


# --- writing content folders -------------------------------------------------------------------


def page(front: dict, body: str = BODY) -> str:
    """A source file: front matter with one ``key: value`` per line, in order, then the body."""
    lines = [f"{k}: {str(v).lower() if isinstance(v, bool) else v}" for k, v in front.items()]
    return "---\n" + "\n".join(lines) + "\n---\n" + body + "\n"


def lesson(
    title: str, module: str = MODULE_1, hours: object = 1, body: str = BODY, **fields
) -> str:
    """Lines: 1 ---, 2 title, 3 module, 4 hours, then ``fields`` from line 5 on."""
    return page({"title": title, "module": module, "hours": hours, **fields}, body)


def course(slug: str = "rules", title: str = "党章党规", **fields) -> str:
    """Lines: 1 ---, 2 slug, 3 title, 4 theme, 5 hours, 6 order, 7 status, 8 summary, 9 ---."""
    front = {
        "slug": slug,
        "title": title,
        "theme": "discipline",
        "hours": 2.5,
        "order": 1,
        "status": "published",
        "summary": "党章是立党、治党、管党的总章程。",
    }
    return page({**front, **fields}, "这门课带大家逐条学习党章。")


def rules(**course_fields) -> dict[str, str | bytes | None]:
    """A good course: two modules, three lessons, 2.5 学时."""
    return {
        "course.md": course(**course_fields),
        "01-oath.md": lesson("入党誓词", min_minutes=5),
        "02-duties.md": lesson("党员的八项义务"),
        "03-reading.md": lesson(
            "延伸阅读：党章的历史",
            module=MODULE_2,
            hours=0.5,
            required=False,
            min_minutes=1.5,
        ),
    }


def ethics() -> dict[str, str | bytes | None]:
    return {
        "course.md": course("ethics", "诚信经营", theme="ethics", hours=1, order=2),
        "01-honesty.md": lesson("诚实守信", module="第一单元 诚信"),
    }


def write(root: Path, courses: dict[str, dict], themes: list[dict] | None = None) -> Path:
    """Write themes.yml and course folders; a file given as None is removed."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "themes.yml").write_text(
        yaml.safe_dump(THEMES if themes is None else themes, allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )
    for folder, files in courses.items():
        for name, content in files.items():
            path = root / folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if content is None:
                path.unlink(missing_ok=True)
            elif isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
    return root


# --- running and reading back ------------------------------------------------------------------


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "content"


def run(app, root: Path, max_bytes: int = MAX_BYTES) -> ImportReport:
    """Import and commit, as ``flask content import`` does."""
    with app.app_context():
        report = import_content(root, Path(app.config["MEDIA_DIR"]), max_bytes)
        db.session.commit()
    return report


def snapshot(app, slug: str):
    """Every column of the course's row, its modules and its lessons (None: no such course)."""
    with app.app_context():
        row = db.session.execute(select(Course.__table__).where(Course.slug == slug)).one_or_none()
        if row is None:
            return None
        modules = db.session.execute(
            select(Module.__table__).where(Module.course_id == row.id).order_by(Module.id)
        ).all()
        lessons = db.session.execute(
            select(Lesson.__table__).where(Lesson.course_id == row.id).order_by(Lesson.id)
        ).all()
        return row, modules, lessons


def themes(app) -> list:
    with app.app_context():
        return db.session.execute(select(Theme.__table__).order_by(Theme.id)).all()


def lessons_of(slug: str) -> dict[str, Lesson]:
    found = db.session.scalar(select(Course).where(Course.slug == slug))
    return {les.slug: les for les in found.lessons}


def course_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Course.id)))


def media_files(tmp_path: Path) -> list[str]:
    media = tmp_path / "media"
    return sorted(p.name for p in media.iterdir()) if media.exists() else []


# --- a good course -----------------------------------------------------------------------------


def test_a_good_course_imports_with_modules_and_lessons_in_order(app, root):
    write(root, {"rules": rules()})
    report = run(app, root)
    assert report.ok
    assert (report.created, report.changed, report.unchanged) == ([RULES], [], [])
    with app.app_context():
        imported = db.session.scalar(select(Course).where(Course.slug == "rules"))
        assert (imported.title, imported.theme.slug, imported.hours) == (
            "党章党规",
            "discipline",
            Decimal("2.5"),
        )
        assert isinstance(imported.hours, Decimal)
        assert (imported.position, imported.status) == (1, "published")
        assert imported.summary == "党章是立党、治党、管党的总章程。"
        assert imported.body_md == "这门课带大家逐条学习党章。"
        assert [(m.title, m.position) for m in imported.modules] == [
            (MODULE_1, 0),
            (MODULE_2, 1),
        ]
        rows = [
            (
                les.slug,
                les.title,
                les.module.title,
                les.position,
                les.hours,
                les.kind,
                les.required,
                les.min_seconds,
                les.retired,
            )
            for les in imported.lessons
        ]
        assert rows == [
            ("oath", "入党誓词", MODULE_1, 1, Decimal(1), "text", True, 300, False),
            (
                "duties",
                "党员的八项义务",
                MODULE_1,
                2,
                Decimal(1),
                "text",
                True,
                None,
                False,
            ),
            (
                "reading",
                "延伸阅读：党章的历史",
                MODULE_2,
                3,
                Decimal("0.5"),
                "text",
                False,
                90,
                False,
            ),
        ]
        assert all(isinstance(les.hours, Decimal) for les in imported.lessons)
        assert imported.lessons[0].body_md == BODY
        assert imported.lessons[0].media_name is None
        assert [t.slug for t in db.session.scalars(select(Theme).order_by(Theme.position))] == [
            "discipline",
            "ethics",
        ]


def test_importing_again_reports_unchanged_and_touches_no_row(app, root):
    write(root, {"rules": rules(), "ethics": ethics()})
    assert sorted(run(app, root).created) == sorted([RULES, ETHICS])
    before = snapshot(app, "rules"), snapshot(app, "ethics"), themes(app)

    report = run(app, root)
    assert report.ok
    assert (report.created, report.changed) == ([], [])
    assert sorted(report.unchanged) == sorted([RULES, ETHICS])
    assert (snapshot(app, "rules"), snapshot(app, "ethics"), themes(app)) == before


def test_editing_and_adding_a_lesson_updates_the_course_in_place(app, root):
    write(root, {"rules": rules()})
    run(app, root)
    course_row, _, lesson_rows = snapshot(app, "rules")
    ids = {row.slug: row.id for row in lesson_rows}

    write(
        root,
        {
            "rules": {
                "course.md": course(hours=3.5),
                "02-duties.md": lesson(
                    "党员的八项义务", body=BODY + "\n\n补充：党员要带头遵纪守法。"
                ),
                "04-quiz.md": lesson("自我检查", module=MODULE_2),
            }
        },
    )
    report = run(app, root)
    assert report.ok
    assert (report.created, report.unchanged) == ([], [])
    [changed] = report.changed
    assert changed.startswith(RULES)
    assert "duties" in changed and "quiz" in changed and "oath" not in changed
    with app.app_context():
        updated = db.session.scalar(select(Course).where(Course.slug == "rules"))
        assert updated.id == course_row.id
        assert updated.hours == Decimal("3.5")
        assert updated.updated_at > course_row.updated_at
        found = lessons_of("rules")
        assert {slug: found[slug].id for slug in ids} == ids
        assert found["duties"].body_md.endswith("补充：党员要带头遵纪守法。")
        assert found["oath"].body_md == BODY
        assert (found["quiz"].position, found["quiz"].module.title) == (4, MODULE_2)
        assert [les.slug for les in updated.active_lessons] == ["oath", "duties", "reading", "quiz"]


def test_a_removed_lesson_is_retired_and_restoring_it_brings_it_back(app, root):
    write(root, {"rules": rules()})
    run(app, root)
    duties_id = {row.slug: row.id for row in snapshot(app, "rules")[2]}["duties"]

    write(root, {"rules": {"course.md": course(hours=1.5), "02-duties.md": None}})
    report = run(app, root)
    assert report.ok
    [changed] = report.changed
    assert changed.startswith(RULES) and "duties" in changed
    with app.app_context():
        found = lessons_of("rules")
        assert found["duties"].id == duties_id
        assert found["duties"].retired
        assert [les.slug for les in lessons_of("rules").values() if not les.retired] == [
            "oath",
            "reading",
        ]

    write(root, {"rules": rules()})
    report = run(app, root)
    assert report.ok
    [changed] = report.changed
    assert changed.startswith(RULES) and "duties" in changed
    with app.app_context():
        found = lessons_of("rules")
        assert found["duties"].id == duties_id
        assert not found["duties"].retired
        assert db.session.scalar(select(func.count(Lesson.id))) == 3


# --- malformed courses -------------------------------------------------------------------------

MALFORMED = [
    pytest.param(
        {"course.md": course(deadline="年底前")}, "rules/course.md", 9, "日期", id="bad-deadline"
    ),
    pytest.param(
        {"course.md": course(certificate="是")},
        "rules/course.md",
        9,
        "certificate 只能是 true 或 false",
        id="bad-certificate",
    ),
    pytest.param(
        {"course.md": course().replace("\ntheme:", "\n  theme:")},
        "rules/course.md",
        4,
        "YAML",
        id="bad-indentation",
    ),
    pytest.param(
        {"course.md": course(theme='"discipline')},
        "rules/course.md",
        4,
        "YAML",
        id="unclosed-quote",
    ),
    pytest.param(
        {"course.md": course().replace("\n---\n", "\n\n", 1)},
        "rules/course.md",
        1,
        "---",
        id="missing-closing-dashes",
    ),
    pytest.param(
        {"02-duties.md": lesson("党员的八项义务").encode("gbk")},
        "rules/02-duties.md",
        2,
        "UTF-8",
        id="gbk-encoded",
    ),
    pytest.param(
        {"course.md": course(theme="nosuch")}, "rules/course.md", 4, "nosuch", id="unknown-theme"
    ),
    pytest.param(
        {"02-duties.md": page({"titel": "党员的八项义务", "module": MODULE_1, "hours": 1})},
        "rules/02-duties.md",
        2,
        "titel",
        id="unknown-field",
    ),
    pytest.param(
        {"course.md": course(hours=3)}, "rules/course.md", 5, "不一致", id="hours-not-the-sum"
    ),
    pytest.param(
        {"course.md": course(hours="两个")}, "rules/course.md", 5, "学时", id="hours-not-a-number"
    ),
    pytest.param(
        {"course.md": course(status="public")}, "rules/course.md", 7, "status", id="bad-status"
    ),
    pytest.param(
        {"04-Quiz.md": lesson("自我检查", MODULE_2, hours=0)},
        "rules/04-Quiz.md",
        None,
        "文件名",
        id="bad-lesson-file-name",
    ),
    pytest.param(
        {"04-oath-again.md": lesson("再学誓词", MODULE_2, hours=0, slug="oath")},
        "rules/04-oath-again.md",
        None,
        "重复",
        id="duplicate-lesson-slug",
    ),
    pytest.param(
        {"02-duties.md": lesson("党员的八项义务", body="")},
        "rules/02-duties.md",
        None,
        "正文",
        id="empty-text-lesson",
    ),
    pytest.param({"course.md": None}, "rules", None, "course.md", id="no-course-file"),
]


@pytest.mark.parametrize(("changes", "file", "line", "keyword"), MALFORMED)
def test_a_malformed_course_is_not_imported_and_the_problem_is_located(
    app, root, changes, file, line, keyword
):
    write(root, {"rules": {**rules(), **changes}, "ethics": ethics()})
    report = run(app, root)

    assert not report.ok
    problem = next((p for p in report.problems if keyword in p.message), None)
    assert problem is not None, [str(p) for p in report.problems]
    assert CJK.search(problem.message)
    assert problem.file == f"content/{file}"
    assert str(problem).startswith(f"content/{file}")
    if line is not None:
        assert f"content/{file} 第 {line} 行：" in str(problem)
        assert problem.line == line
    assert all(p.file.startswith("content/rules") for p in report.problems)
    # The good course beside it is imported; nothing of the broken one is.
    assert report.created == [ETHICS]
    assert snapshot(app, "rules") is None
    with app.app_context():
        assert db.session.scalar(select(func.count(Lesson.id))) == 1


def test_a_problem_about_a_whole_file_does_not_point_at_line_1(app, root):
    """A bad file name or an empty body has no line: the problem should not claim line 1."""
    changes = {
        "04-Quiz.md": lesson("自我检查", MODULE_2, hours=0),
        "02-duties.md": lesson("义务", body=""),
    }
    write(root, {"rules": {**rules(), **changes}})
    report = run(app, root)
    located = {p.file: p for p in report.problems}
    assert set(located) == {"content/rules/04-Quiz.md", "content/rules/02-duties.md"}
    for problem in located.values():
        assert problem.line is None, str(problem)
        assert "第 1 行" not in str(problem)


def test_two_folders_with_the_same_course_slug_import_only_the_first(app, root):
    write(root, {"rules": rules(), "rules-copy": rules(title="党章党规（副本）")})
    report = run(app, root)
    assert report.created == [RULES]
    [problem] = report.problems
    assert problem.file == "content/rules-copy/course.md"
    assert "rules" in problem.message and CJK.search(problem.message)
    with app.app_context():
        assert db.session.scalar(select(Course.title).where(Course.slug == "rules")) == "党章党规"


def test_lesson_numbers_need_not_be_zero_padded(app, root):
    """1-…md to 10-…md are valid lesson file names; they are ordered by their number."""
    files = {"course.md": course(hours=5)}
    for number in range(1, 11):
        module = MODULE_1 if number <= 5 else MODULE_2
        files[f"{number}-part-{number}.md"] = lesson(f"第 {number} 讲", module=module, hours=0.5)
    write(root, {"rules": files})
    report = run(app, root)
    assert report.problems == [], [str(p) for p in report.problems]
    with app.app_context():
        imported = db.session.scalar(select(Course).where(Course.slug == "rules"))
        assert [les.position for les in imported.lessons] == list(range(1, 11))
        assert [m.title for m in imported.modules] == [MODULE_1, MODULE_2]


def test_a_lesson_slug_taken_from_a_long_file_name_is_refused(app, root):
    """A slug written in front matter is limited to 64 characters; one from a file name too."""
    name = f"04-{'a' * 70}.md"
    write(
        root,
        {"rules": {**rules(), name: lesson("自我检查", MODULE_2, hours=0)}, "ethics": ethics()},
    )
    report = run(app, root)
    assert [p.file for p in report.problems] == [f"content/rules/{name}"]
    assert CJK.search(report.problems[0].message)
    assert report.created == [ETHICS]
    assert snapshot(app, "rules") is None


# --- a broken update keeps the previous version ------------------------------------------------


def _drop_theme(root: Path) -> None:
    write(root, {}, themes=[t for t in THEMES if t["slug"] != "discipline"])


def _break_a_lesson(root: Path) -> None:
    write(
        root,
        {
            "rules": {
                "02-duties.md": lesson("党员义务（修订）", body="改过的正文。"),
                "03-reading.md": "---\ntitle: [延伸阅读\nmodule: 第二单元\n---\n正文\n",
            }
        },
    )


def _remove_the_course_file(root: Path) -> None:
    (root / "rules" / "course.md").unlink()
    (root / "rules" / "02-duties.md").unlink()


@pytest.mark.parametrize(
    ("breakage", "file"),
    [
        pytest.param(_break_a_lesson, "content/rules/03-reading.md", id="broken-lesson"),
        pytest.param(_drop_theme, "content/rules/course.md", id="theme-gone"),
        pytest.param(_remove_the_course_file, "content/rules", id="course-file-gone"),
    ],
)
def test_a_broken_update_keeps_the_previous_version_while_others_import(
    app, root, breakage: Callable[[Path], None], file: str
):
    write(root, {"rules": rules()})
    run(app, root)
    before = snapshot(app, "rules")

    breakage(root)
    write(root, {"ethics": ethics()}, themes=yaml.safe_load((root / "themes.yml").read_text()))
    report = run(app, root)
    assert report.created == [ETHICS]
    assert (report.changed, report.unchanged) == ([], [])
    assert report.problems and {p.file for p in report.problems} == {file}
    assert snapshot(app, "rules") == before
    assert snapshot(app, "ethics") is not None


# --- media lessons -----------------------------------------------------------------------------


def _document(file: str) -> str:
    """A document lesson whose ``file:`` is on line 6."""
    return lesson("党章学习手册", MODULE_2, hours=0, kind="document", file=file, body="")


def test_media_lessons_store_their_files_under_a_content_hash_name(app, root, tmp_path):
    files = {
        **rules(),
        "04-handbook.md": _document("files/handbook.pdf"),
        "files/handbook.pdf": PDF,
        "05-talk.md": lesson("专题讲座", MODULE_2, hours=0, kind="video", file="talk.MP4", body=""),
        "talk.MP4": MP4,
    }
    other = {
        **ethics(),
        "02-copy.md": lesson(
            "手册", module="第一单元 诚信", hours=0, kind="document", file="c.pdf"
        ),
        "c.pdf": PDF,
    }
    write(root, {"rules": files, "ethics": other})
    report = run(app, root)
    assert report.ok, [str(p) for p in report.problems]

    media = tmp_path / "media"
    with app.app_context():
        found = lessons_of("rules")
        handbook, talk = found["handbook"], found["talk"]
        assert (handbook.kind, handbook.media_type) == ("document", "application/pdf")
        assert re.fullmatch(r"[0-9a-f]{32,64}\.pdf", handbook.media_name)
        assert (media / handbook.media_name).read_bytes() == PDF
        assert (talk.kind, talk.media_type) == ("video", "video/mp4")
        assert re.fullmatch(r"[0-9a-f]{32,64}\.mp4", talk.media_name)
        assert (media / talk.media_name).read_bytes() == MP4
        # The same bytes under another name are stored once.
        assert lessons_of("ethics")["copy"].media_name == handbook.media_name
        stored = sorted([handbook.media_name, talk.media_name])
    assert media_files(tmp_path) == stored

    before = snapshot(app, "rules")
    again = run(app, root)
    assert (again.created, again.changed) == ([], [])
    assert snapshot(app, "rules") == before
    assert media_files(tmp_path) == stored


def _put(relative: str, data: bytes) -> Callable[[Path], None]:
    def setup(root: Path) -> None:
        (root / relative).write_bytes(data)

    return setup


def _link_outside(root: Path) -> None:
    secret = root.parent / "secret.pdf"
    secret.write_bytes(PDF)
    (root / "rules" / "link.pdf").symlink_to(secret)


def _nothing(root: Path) -> None:
    pass


MEDIA_REFUSED = [
    pytest.param("../../etc/passwd", _nothing, "之内", id="escapes-to-etc-passwd"),
    pytest.param("/etc/passwd", _nothing, "之内", id="absolute-path"),
    pytest.param("../ethics/x.pdf", _put("ethics/x.pdf", PDF), "之内", id="other-course-folder"),
    pytest.param("link.pdf", _link_outside, "之内", id="symlink-outside"),
    pytest.param("a" * 296 + ".pdf", _nothing, "过长", id="path-of-300-characters"),
    pytest.param("missing.pdf", _nothing, "找不到", id="missing-file"),
    pytest.param("big.pdf", _put("rules/big.pdf", PDF + bytes(2 * MAX_BYTES)), "过大", id="big"),
    pytest.param("page.pdf", _put("rules/page.pdf", HTML), "不符", id="html-renamed-to-pdf"),
    pytest.param("notes.docx", _put("rules/notes.docx", PDF), ".pdf", id="wrong-extension"),
]


@pytest.mark.parametrize(("file", "setup", "keyword"), MEDIA_REFUSED)
def test_a_bad_media_file_is_refused_and_nothing_of_the_course_is_imported(
    app, root, tmp_path, file, setup, keyword
):
    write(root, {"rules": {**rules(), "04-handbook.md": _document(file)}, "ethics": ethics()})
    setup(root)
    report = run(app, root)

    [problem] = report.problems
    assert (problem.file, problem.line) == ("content/rules/04-handbook.md", 6)
    assert str(problem).startswith("content/rules/04-handbook.md 第 6 行：")
    assert keyword in problem.message
    assert CJK.search(problem.message)
    assert report.created == [ETHICS]
    assert snapshot(app, "rules") is None
    assert media_files(tmp_path) == []


def test_an_oversized_media_message_shows_a_size_above_the_limit(app, root):
    """Refusing a 1.5 MB file with “1 MB, at most 1 MB” would leave the author puzzled."""
    files = {
        **rules(),
        "04-handbook.md": _document("big.pdf"),
        "big.pdf": PDF + bytes(MAX_BYTES // 2 * 3),
    }
    write(root, {"rules": files})
    [problem] = run(app, root).problems
    assert "过大" in problem.message
    size, limit = (Decimal(n) for n in re.findall(r"\d+(?:\.\d+)?", problem.message)[:2])
    assert size > limit, problem.message


# --- the project's own content -----------------------------------------------------------------


def test_the_project_content_imports_cleanly(app):
    folders = [p for p in PROJECT_CONTENT.iterdir() if p.is_dir() and not p.name.startswith(".")]
    report = run(app, PROJECT_CONTENT, max_bytes=500 << 20)
    assert report.problems == [], [str(p) for p in report.problems]
    assert len(report.created) == len(folders)
    with app.app_context():
        published = db.session.scalars(select(Course).where(Course.status == "published")).all()
        assert len(published) >= 6
        for found in published:
            assert len(found.active_lessons) >= 3, found.slug
            for les in found.active_lessons:
                assert len(les.body_md) >= 800, (found.slug, les.slug, len(les.body_md))
    again = run(app, PROJECT_CONTENT, max_bytes=500 << 20)
    assert again.ok and len(again.unchanged) == len(folders)


# --- the command line --------------------------------------------------------------------------


def _cli(app, root: Path):
    return app.test_cli_runner().invoke(args=["content", "import", "--dir", str(root)])


def test_the_cli_imports_a_good_folder_and_exits_0(app, root):
    write(root, {"rules": rules()})
    result = _cli(app, root)
    assert result.exit_code == 0, result.output
    assert f"新建  {RULES}" in result.stdout
    assert "新建 1 门" in result.stdout
    assert snapshot(app, "rules") is not None

    again = _cli(app, root)
    assert again.exit_code == 0, again.output
    assert "新建 0 门，更新 0 门，未变 1 门。" in again.stdout


def test_the_cli_lists_problems_with_file_and_line_and_exits_1(app, root):
    write(root, {"rules": rules(theme="nosuch"), "ethics": ethics()})
    result = _cli(app, root)
    assert result.exit_code == 1, result.output
    assert f"新建  {ETHICS}" in result.stdout
    assert "content/rules/course.md 第 4 行：专题 nosuch 不在 themes.yml 中。" in result.stderr
    assert snapshot(app, "rules") is None
    assert course_count(app) == 1


def test_the_cli_refuses_a_folder_that_does_not_exist(app, tmp_path):
    result = _cli(app, tmp_path / "nowhere")
    assert result.exit_code == 1
    assert "找不到内容文件夹" in result.output


def test_course_instructors_are_named_by_username(app, root):
    from tests.factories import make_user

    with app.app_context():
        make_user("teacher", role="instructor")
        db.session.commit()
    write(root, {"rules": rules(instructors=["teacher"])})
    assert run(app, root).problems == []
    with app.app_context():
        course = db.session.scalar(select(Course).where(Course.slug == "rules"))
        assert [u.username for u in course.instructors] == ["teacher"]


def test_unknown_instructors_keep_the_course_out(app, root):
    write(root, {"rules": rules(instructors=["nobody"])})
    [problem] = run(app, root).problems
    assert (problem.file, problem.line) == ("content/rules/course.md", 9)
    assert "nobody" in problem.message
    assert course_count(app) == 0


def test_a_campaign_deadline_is_imported_and_can_be_lifted(app, root):
    write(root, {"rules": rules(deadline="2026-12-31")})
    assert run(app, root).ok
    assert snapshot(app, "rules")[0].deadline == date(2026, 12, 31)
    write(root, {"rules": rules()})
    assert run(app, root).ok
    assert snapshot(app, "rules")[0].deadline is None


def test_a_course_that_gives_a_certificate_says_so_and_can_stop(app, root):
    write(root, {"rules": rules(certificate=True)})
    assert run(app, root).ok
    assert snapshot(app, "rules")[0].certificate is True
    write(root, {"rules": rules()})
    assert run(app, root).ok
    assert snapshot(app, "rules")[0].certificate is False


# --- edits made in the browser since the last import -------------------------------------------


def edit_in_browser(app, slug: str = "rules", **values) -> datetime:
    """Change a course as the studio does: the change itself and edited_at, committed."""
    with app.app_context():
        found = db.session.scalar(select(Course).where(Course.slug == slug))
        for key, value in values.items():
            setattr(found, key, value)
        found.edited_at = utcnow()
        db.session.commit()
        return found.edited_at


def shown(app, moment: datetime) -> str:
    """A moment as messages show it: the school's local time."""
    with app.app_context():
        return local_datetime(moment)


def _revise_duties(root: Path) -> None:
    write(root, {"rules": {"02-duties.md": lesson("党员的八项义务", body="文件里改过的正文。")}})


def test_a_course_edited_in_the_browser_is_not_overwritten_by_a_changed_file(app, root):
    write(root, {"rules": rules(), "ethics": ethics()})
    run(app, root)
    edited_at = edit_in_browser(app, title="党章党规（网页修订）")
    before = snapshot(app, "rules")

    _revise_duties(root)
    report = run(app, root)
    assert not report.ok and report.problems == []
    assert (report.created, report.changed, report.unchanged) == ([], [], [ETHICS])
    [conflict] = report.conflicts
    assert conflict.startswith(RULES)
    assert shown(app, edited_at) in conflict
    assert "文件也与上次导入的不同" in conflict
    # What the import would have changed: the browser's title back, the file's new lesson text.
    assert "title" in conflict and "duties" in conflict
    assert snapshot(app, "rules") == before


def test_re_importing_the_last_imported_file_does_not_undo_a_browser_edit(app, root):
    write(root, {"rules": rules()})
    run(app, root)
    edit_in_browser(app, summary="网页上改写的简介。")
    before = snapshot(app, "rules")

    [conflict] = run(app, root).conflicts
    assert conflict.startswith(RULES) and "仍是上次导入的那一份" in conflict
    assert "summary" in conflict
    assert snapshot(app, "rules") == before


def test_a_course_created_in_the_browser_is_not_replaced_by_a_file_with_its_slug(app, root):
    from tests.factories import make_course

    with app.app_context():
        make_course("rules")
        db.session.commit()
    edited_at = edit_in_browser(app)
    before = snapshot(app, "rules")
    write(root, {"rules": rules()})

    [conflict] = run(app, root).conflicts
    assert conflict.startswith(RULES) and "从未从文件导入" in conflict
    assert shown(app, edited_at) in conflict
    assert snapshot(app, "rules") == before

    with app.app_context():
        report = import_content(root, Path(app.config["MEDIA_DIR"]), MAX_BYTES, force=True)
        db.session.commit()
    assert report.ok and report.conflicts == []
    [overwritten] = report.overwritten
    assert overwritten.startswith(RULES) and "已用文件覆盖" in overwritten
    with app.app_context():
        found = db.session.scalar(select(Course).where(Course.slug == "rules"))
        assert found.title == "党章党规"
        assert [les.slug for les in found.active_lessons] == ["oath", "duties", "reading"]
        assert found.imported_at > edited_at


def test_a_forced_import_overwrites_and_the_next_import_is_plain_again(app, root):
    write(root, {"rules": rules()})
    run(app, root)
    edit_in_browser(app, title="党章党规（网页修订）")
    _revise_duties(root)

    with app.app_context():
        report = import_content(root, Path(app.config["MEDIA_DIR"]), MAX_BYTES, force=True)
        db.session.commit()
    [overwritten] = report.overwritten
    assert overwritten.startswith(RULES) and "title" in overwritten
    assert (report.changed, report.conflicts) == ([], [])
    with app.app_context():
        found = db.session.scalar(select(Course).where(Course.slug == "rules"))
        assert found.title == "党章党规"
        assert lessons_of("rules")["duties"].body_md == "文件里改过的正文。"

    again = run(app, root)
    assert again.ok and again.unchanged == [RULES]


def test_an_edit_older_than_the_last_import_is_no_conflict(app, root):
    write(root, {"rules": rules()})
    run(app, root)
    with app.app_context():
        found = db.session.scalar(select(Course).where(Course.slug == "rules"))
        found.edited_at = found.imported_at - timedelta(minutes=1)
        db.session.commit()
    _revise_duties(root)
    report = run(app, root)
    assert report.ok and report.conflicts == []
    [changed] = report.changed
    assert changed.startswith(RULES) and "duties" in changed


def test_a_file_written_differently_saying_the_same_is_the_same_source(app, root):
    """Comments, quoting and key order are not changes: the browser edit is reported against
    the file that was last imported."""
    write(root, {"rules": rules()})
    run(app, root)
    edit_in_browser(app, title="党章党规（网页修订）")
    rewritten = course().replace("title: 党章党规", "title: '党章党规'  # 课程名称")
    lines = rewritten.split("\n")
    lines[2], lines[3] = lines[3], lines[2]  # title after theme
    write(root, {"rules": {"course.md": "\n".join(lines)}})

    [conflict] = run(app, root).conflicts
    assert "仍是上次导入的那一份" in conflict


def test_a_changed_media_file_is_a_changed_source(app, root):
    files = {**rules(), "04-handbook.md": _document("handbook.pdf"), "handbook.pdf": PDF}
    write(root, {"rules": files})
    run(app, root)
    edit_in_browser(app, title="党章党规（网页修订）")
    write(root, {"rules": {"handbook.pdf": PDF + b"% revised\n"}})

    [conflict] = run(app, root).conflicts
    assert "文件也与上次导入的不同" in conflict and "media_name" in conflict


def test_the_cli_reports_a_conflict_and_overwrites_only_with_force(app, root):
    write(root, {"rules": rules()})
    run(app, root)
    edit_in_browser(app, title="党章党规（网页修订）")

    # Reported, and not a failure: a server that imports content/ on every start still starts.
    result = _cli(app, root)
    assert result.exit_code == 0, result.output
    assert "未被导入" in result.stderr and RULES in result.stderr
    assert "--force" in result.stderr
    with app.app_context():
        assert db.session.scalar(select(Course.title)) == "党章党规（网页修订）"

    forced = app.test_cli_runner().invoke(args=["content", "import", "--dir", str(root), "--force"])
    assert forced.exit_code == 0, forced.output
    assert f"覆盖  {RULES}" in forced.stdout
    assert "覆盖网页修改 1 门" in forced.stdout
    with app.app_context():
        assert db.session.scalar(select(Course.title)) == "党章党规"
