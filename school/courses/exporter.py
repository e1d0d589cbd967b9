"""``flask content export`` and the studio's download: courses written back as content/ folders.

What is written is exactly what ``sources.py`` reads, and every course is read back with it
before it is handed over, so an export always imports (and imports unchanged into the database
it came from). The same course gives the same bytes every time: keys in a fixed order, UTF-8,
LF line ends, media files named after their lesson, zip entries without clock times.

Quizzes are not part of the folder format and are not exported.
"""

from __future__ import annotations

import math
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import IO

import yaml
from sqlalchemy import select

from school.courses.models import Course, Lesson, Theme
from school.courses.sources import SLUG, SourceError, read_course, read_themes
from school.db import db

THEMES_FILE = "themes.yml"
THEMES_HEADER = (
    "# 专题 (themes) of the catalogue, in display order. Courses name a theme by its slug.\n"
)
# A zip entry's time: the earliest a zip can say, so that the archive does not depend on when.
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


class ExportError(Exception):
    """A course the folder format cannot hold as it stands; each problem is a Chinese sentence."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class ExportReport:
    written: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def export_courses(
    courses: list[Course], target: Path, media_dir: Path, max_media_bytes: int
) -> ExportReport:
    """Write each course as ``target/<slug>/`` (replacing an earlier export) and themes.yml."""
    report = ExportReport()
    target.mkdir(parents=True, exist_ok=True)
    themes = themes_file()
    for course in courses:
        label = f"《{course.title}》({course.slug})"
        folder = target / course.slug
        if folder.exists() and not _replaceable(folder):
            report.problems.append(
                f"{label}：{folder} 已存在，但不是课程文件夹（没有 course.md），没有覆盖。"
            )
            continue
        with tempfile.TemporaryDirectory(dir=target, prefix=".export-") as staging:
            try:
                staged = stage_course(course, themes, Path(staging), media_dir, max_media_bytes)
            except ExportError as exc:
                report.problems += [f"{label}：{problem}" for problem in exc.problems]
                continue
            if folder.exists():
                shutil.rmtree(folder)
            staged.replace(folder)
        report.written.append(label)
    (target / THEMES_FILE).write_bytes(themes)
    return report


def course_zip(course: Course, media_dir: Path, max_media_bytes: int) -> IO[bytes]:
    """The course folder and themes.yml as a zip in a temporary file, read from the start."""
    themes = themes_file()
    with tempfile.TemporaryDirectory(prefix="course-export-") as staging:
        folder = stage_course(course, themes, Path(staging), media_dir, max_media_bytes)
        # Handed to the caller open: the download closes it once sent.
        archive = tempfile.TemporaryFile()  # noqa: SIM115
        try:
            with zipfile.ZipFile(archive, "w") as zf:
                _add(zf, THEMES_FILE, Path(staging) / THEMES_FILE, zipfile.ZIP_DEFLATED)
                for path in sorted(p for p in folder.rglob("*") if p.is_file()):
                    name = path.relative_to(staging).as_posix()
                    # Videos and PDFs are compressed already: stored as they are.
                    text = path.suffix == ".md"
                    _add(zf, name, path, zipfile.ZIP_DEFLATED if text else zipfile.ZIP_STORED)
        except BaseException:
            archive.close()
            raise
    archive.seek(0)
    return archive


def _add(zf: zipfile.ZipFile, name: str, path: Path, compression: int) -> None:
    info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
    info.compress_type = compression
    info.create_system = 3  # Unix, wherever the zip is made: the attributes below are Unix ones
    info.external_attr = 0o644 << 16
    info.file_size = path.stat().st_size
    with path.open("rb") as src, zf.open(info, "w") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)


def stage_course(
    course: Course, themes: bytes, staging: Path, media_dir: Path, max_media_bytes: int
) -> Path:
    """Write themes.yml and the course folder under ``staging`` and read them back with the
    importer's reader; return the folder, or raise ExportError with what the reader refused."""
    (staging / THEMES_FILE).write_bytes(themes)
    folder = staging / course.slug
    for name, data in course_files(course, media_dir).items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, Path):
            shutil.copyfile(data, path)
        else:
            path.write_bytes(data)
    try:
        theme_slugs = {theme.slug for theme in read_themes(staging)}
        read_course(folder, staging, theme_slugs, max_media_bytes)
    except SourceError as exc:
        # The reader names files from the staging folder's parent: keep the course's own path.
        raise ExportError(
            [f"{p.file.split('/', 1)[-1]}：{p.message}" for p in exc.problems]
        ) from None
    return folder


def _replaceable(folder: Path) -> bool:
    """An earlier export (or any course folder) may be replaced; nothing else is touched."""
    return folder.is_dir() and ((folder / "course.md").is_file() or not any(folder.iterdir()))


def themes_file() -> bytes:
    """Every theme in display order: the importer numbers themes by their place in the list."""
    themes = db.session.scalars(select(Theme).order_by(Theme.position, Theme.id)).all()
    items = [{"slug": t.slug, "title": t.title, "summary": t.summary} for t in themes]
    return (THEMES_HEADER + _yaml(items)).encode("utf-8")


def course_files(course: Course, media_dir: Path) -> dict[str, bytes | Path]:
    """The course folder's files by relative path: text as bytes, media as the stored file."""
    # In the order the course page shows them: unit by unit, each unit's lessons by position.
    # The file numbers then keep every unit's lessons together, as the reader requires.
    modules = sorted(course.modules, key=lambda m: (m.position, m.id))
    lessons = [
        lesson
        for module in modules
        for lesson in course.lessons
        if lesson.module_id == module.id and not lesson.retired
    ]
    # Slugs become folder and file names: checked before anything is written.
    bad = [f"课程 slug {course.slug}"] if not SLUG.match(course.slug) else []
    bad += [f"课时 slug {les.slug}" for les in lessons if not SLUG.match(les.slug)]
    if bad:
        raise ExportError([f"{name} 只能由小写英文字母、数字和连字符组成。" for name in bad])
    numbers = _numbers(lessons)
    files: dict[str, bytes | Path] = {"course.md": _page(_course_front(course), course.body_md)}
    missing = []
    for number, lesson in zip(numbers, lessons, strict=True):
        front: dict[str, object] = {
            "title": lesson.title,
            "module": lesson.module.title,
            "hours": _number(lesson.hours),
            "kind": lesson.kind,
        }
        if not lesson.required:
            front["required"] = False
        if lesson.min_seconds is not None:
            front["min_minutes"] = _number(Decimal(lesson.min_seconds) / 60)
        if lesson.kind != "text" and lesson.media_name:
            name = f"media/{lesson.slug}{Path(lesson.media_name).suffix.lower()}"
            stored = media_dir / lesson.media_name
            if not stored.is_file():
                missing.append(f"课时 {lesson.slug} 的文件 {lesson.media_name} 不在媒体库中。")
            front["file"] = name
            files[name] = stored
        files[f"{number:02d}-{lesson.slug}.md"] = _page(front, lesson.body_md)
    if missing:
        raise ExportError(missing)
    return files


def _numbers(lessons: list[Lesson]) -> list[int]:
    """Lesson file numbers: the positions when they already give the order, else 1, 2, 3 ...

    A file's number is its lesson's position on import, and the reader orders files by it; two
    lessons at one position (or a position no file name can carry) would not keep their order.
    """
    positions = [lesson.position for lesson in lessons]
    in_order = all(a < b for a, b in pairwise(positions))
    if in_order and all(0 <= p <= 999 for p in positions):
        return positions
    return list(range(1, len(lessons) + 1))


def _course_front(course: Course) -> dict[str, object]:
    front: dict[str, object] = {
        "slug": course.slug,
        "title": course.title,
        "theme": course.theme.slug,
        "hours": _number(course.hours),
        "order": course.position,
        # A course waiting for review is not published: its folder says draft (a request for
        # review lives in the studio, not in files).
        "status": "draft" if course.status == "in_review" else course.status,
    }
    if course.deadline:
        front["deadline"] = course.deadline
    if course.certificate:
        front["certificate"] = True
    if course.instructors:
        front["instructors"] = sorted(person.username for person in course.instructors)
    if course.summary:
        front["summary"] = course.summary
    return front


def _number(value: Decimal) -> int | float:
    """学时 and minutes as YAML numbers: 4, 0.5 (the reader turns them back into decimals)."""
    return int(value) if value == value.to_integral_value() else float(value)


def _page(front: dict[str, object], body: str) -> bytes:
    """A source file: front matter between --- lines, then the Markdown body, LF line ends."""
    body = body.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    text = f"---\n{_yaml(front)}---\n"
    return (text + f"{body}\n" if body else text).encode("utf-8")


def _yaml(data: object) -> str:
    # No line folding (width), keys in the order given, Chinese as it is.
    return yaml.safe_dump(
        data, allow_unicode=True, sort_keys=False, default_flow_style=False, width=math.inf
    )
