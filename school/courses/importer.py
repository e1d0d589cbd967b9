"""``flask content import``: bring content/ into the database, idempotently and per course.

Courses are also edited in the browser, so each course remembers the digest of the source it
was last imported from (``source_digest``, ``imported_at``) and the studio stamps every browser
edit (``edited_at``). An import that would change a course edited after its last import (or
created in the browser and never imported) leaves it alone and reports a conflict, whether the
file is the one last imported or a newer one; ``force`` overwrites and reports that it did. An
import that would change nothing is never a conflict: the file becomes the course's source.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from school.auth.models import User
from school.courses.models import Course, Lesson, Module, Theme
from school.courses.sources import (
    CourseSource,
    LessonSource,
    Problem,
    SourceError,
    course_digest,
    read_course,
    read_themes,
)
from school.db import db, utcnow
from school.formatting import local_datetime


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # Courses left as they are because the browser changed them since their last import.
    conflicts: list[str] = field(default_factory=list)
    # Such courses overwritten all the same, because the import was forced.
    overwritten: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and not self.conflicts


def import_content(
    root: Path,
    media_dir: Path,
    max_media_bytes: int,
    *,
    force: bool = False,
    now: datetime | None = None,
) -> ImportReport:
    """Import every course folder under ``root``; a course with any problem is skipped whole,
    and so is one changed in the browser since its last import, unless ``force``."""
    now = now or utcnow()
    report = ImportReport()
    try:
        themes = read_themes(root)
    except SourceError as exc:
        report.problems += exc.problems
        return report
    theme_rows = {t.slug: _apply_theme(t, report) for t in themes}

    sources: dict[str, CourseSource] = {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        try:
            source = read_course(folder, root, set(theme_rows), max_media_bytes)
        except SourceError as exc:
            report.problems += exc.problems
            continue
        if source.slug in sources:
            other = sources[source.slug].folder.name
            report.problems.append(
                Problem(
                    f"{root.name}/{folder.name}/course.md",
                    None,
                    f"课程 slug {source.slug} 已被 {other} 使用。",
                )
            )
            continue
        sources[source.slug] = source

    for slug, source in list(sources.items()):
        missing = _unknown_users(source.instructors or [])
        if missing:
            file, line = source.instructors_at
            report.problems.append(Problem(file, line, f"找不到教员账号：{'、'.join(missing)}"))
            del sources[slug]

    for source in sources.values():
        _import_course(source, theme_rows[source.theme], media_dir, force, now, report)
    return report


def _import_course(
    source: CourseSource,
    theme: Theme,
    media_dir: Path,
    force: bool,
    now: datetime,
    report: ImportReport,
) -> None:
    """Apply one course in a savepoint, and take it back if it would overwrite a browser edit."""
    label = f"《{source.title}》({source.slug})"
    digest = course_digest(source)
    with db.session.begin_nested() as savepoint:
        course = db.session.scalar(select(Course).where(Course.slug == source.slug))
        conflict = _conflict(course, digest) if course is not None else None
        course, changes = _apply_course(source, theme, course)
        if conflict and changes and not force:
            savepoint.rollback()
            report.conflicts.append(
                f"{label}：{conflict}；未导入，以免覆盖网页上的修改。"
                f"导入会改动：{'；'.join(changes)}"
            )
            return
        for lesson in source.lessons:
            if lesson.media:
                _store_media(lesson, media_dir)
        # An unchanged course whose file is new to it (an export of a browser edit, say) takes
        # that file as its source, so the next import of the file is not taken for a conflict.
        if changes is None or changes or course.source_digest != digest or conflict:
            course.source_digest, course.imported_at = digest, now
    if changes is None:
        report.created.append(label)
    elif conflict and changes:
        report.overwritten.append(f"{label}：{conflict}；已用文件覆盖：{'；'.join(changes)}")
    elif changes:
        report.changed.append(f"{label}：{'；'.join(changes)}")
    else:
        report.unchanged.append(label)


def _conflict(course: Course, digest: str) -> str | None:
    """Why overwriting ``course`` could lose a browser edit, or None when it cannot."""
    edited = course.edited_at
    if edited is None or (course.imported_at is not None and edited <= course.imported_at):
        return None
    if course.imported_at is None:
        return f"在网页上创建，最后修改于 {local_datetime(edited)}，从未从文件导入"
    imported = local_datetime(course.imported_at)
    since = f"{local_datetime(edited)} 在网页上修改过，晚于上次导入（{imported}）"
    if course.source_digest == digest:
        return f"{since}，而文件仍是上次导入的那一份"
    if course.source_digest is None:
        return since
    return f"{since}，文件也与上次导入的不同"


def _users(usernames: list[str]) -> list[User]:
    if not usernames:
        return []
    found = db.session.scalars(select(User).where(User.username.in_(usernames))).all()
    by_name = {u.username: u for u in found}
    return [by_name[n] for n in usernames if n in by_name]


def _unknown_users(usernames: list[str]) -> list[str]:
    known = {u.username for u in _users(usernames)}
    return [n for n in usernames if n not in known]


def _assign(obj, values: dict, changes: list[str], label: str) -> None:
    """Set only the attributes that differ, noting which ones did."""
    changed = [key for key, value in values.items() if getattr(obj, key) != value]
    for key in changed:
        setattr(obj, key, values[key])
    if changed:
        changes.append(f"{label} {'、'.join(changed)}")


def _apply_theme(source, report: ImportReport) -> Theme:
    theme = db.session.scalar(select(Theme).where(Theme.slug == source.slug))
    if theme is None:
        theme = Theme(slug=source.slug)
        db.session.add(theme)
    _assign(
        theme,
        {"title": source.title, "summary": source.summary, "position": source.position},
        [],
        "",
    )
    db.session.flush()
    return theme


def _apply_course(
    source: CourseSource, theme: Theme, course: Course | None
) -> tuple[Course, list[str] | None]:
    """Create or update one course; return it with None when created, else its changes."""
    # Looked up before a new course is added: a query would flush it half-filled.
    instructors = None if source.instructors is None else _users(source.instructors)
    created = course is None
    if course is None:
        course = Course(slug=source.slug)
        db.session.add(course)
    # The database keeps who the instructors are, not in which order a file named them.
    if instructors is None or {u.id for u in instructors} == {u.id for u in course.instructors}:
        instructors = list(course.instructors)
    changes: list[str] = []
    _assign(
        course,
        {
            "title": source.title,
            "summary": source.summary,
            "body_md": source.body,
            "theme_id": theme.id,
            "hours": source.hours,
            "position": source.position,
            "status": source.status,
            "instructors": instructors,
            "deadline": source.deadline,
            "certificate": source.certificate,
        },
        changes,
        "课程",
    )
    db.session.flush()

    modules = {m.title: m for m in course.modules}
    titles = list(dict.fromkeys(lesson.module for lesson in source.lessons))
    for position, title in enumerate(titles):
        module = modules.get(title)
        if module is None:
            module = modules[title] = Module(title=title, position=position)
            course.modules.append(module)
        elif module.position != position:
            module.position = position

    existing = {lesson.slug: lesson for lesson in course.lessons}
    for src in source.lessons:
        lesson = existing.pop(src.slug, None)
        if lesson is None:
            lesson = Lesson(slug=src.slug, course=course)
            db.session.add(lesson)
            if not created:
                changes.append(f"新增课时 {src.slug}")
        before = len(changes)
        _assign(lesson, _lesson_values(src, modules[src.module]), changes, f"课时 {src.slug}")
        if created:
            del changes[before:]
    for lesson in existing.values():
        if not lesson.retired:
            lesson.retired = True
            changes.append(f"下线课时 {lesson.slug}")
    if changes and not created:
        course.updated_at = utcnow()
    db.session.flush()
    return course, None if created else changes


def _lesson_values(src: LessonSource, module: Module) -> dict:
    return {
        "title": src.title,
        "module": module,
        "kind": src.kind,
        "body_md": src.body,
        "hours": src.hours,
        "position": src.position,
        "required": src.required,
        "min_seconds": src.min_seconds,
        "media_name": _media_name(src) if src.media else None,
        "media_type": src.media_type,
        "retired": False,
    }


def _media_name(src: LessonSource) -> str:
    """The content-addressed name of a lesson's media file: the same bytes are stored once."""
    return f"{src.media_digest[:40]}{src.media.suffix.lower()}"


def _store_media(src: LessonSource, media_dir: Path) -> None:
    """Copy a lesson's media file into the media store unless the same bytes are there."""
    name = _media_name(src)
    target = media_dir / name
    if not target.exists():
        media_dir.mkdir(parents=True, exist_ok=True)
        tmp = media_dir / f".{name}.{os.getpid()}"
        shutil.copyfile(src.media, tmp)
        tmp.replace(target)
