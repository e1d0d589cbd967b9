"""Building a course in the studio: the course, its units (modules), lessons and instructors.

Lessons and the course's own text change through versions (``revisions.py``), so a published
course changes for members only when a reviewer approves. Units are headings that group
lessons: adding, renaming or moving one takes effect at once (it changes no study content).
"""

from __future__ import annotations

import secrets
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select

from school.auth.models import User
from school.courses.models import Course, Lesson, Module, Theme
from school.courses.sources import SLUG
from school.db import db, utcnow
from school.orgs.models import Organisation
from school.studio import revisions
from school.studio.models import ContentRevision


class BuildError(Exception):
    """A change to a course that cannot be made; str(exc) says why, for the user."""


def _new_slug(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4)}"


def create_course(
    author: User,
    *,
    title: str,
    theme: Theme,
    slug: str = "",
    summary: str = "",
    org: Organisation | None = None,
    now: datetime | None = None,
) -> Course:
    """A new draft course with its author as instructor and one unit to put lessons in."""
    now = now or utcnow()
    slug = slug.strip().lower() or _new_slug("course")
    # The course folder's rule too, so every course can be exported to content/.
    if not SLUG.match(slug) or len(slug) > 63:
        raise BuildError(
            "网址名只能用小写字母、数字和单个连字符（不能以连字符开头或结尾），最多 63 个字符。"
        )
    if db.session.scalar(select(Course.id).where(Course.slug == slug)) is not None:
        raise BuildError(f"网址名 {slug} 已被其他课程使用。")
    position = db.session.scalar(select(func.coalesce(func.max(Course.position), 0))) + 1
    course = Course(
        slug=slug,
        title=title.strip(),
        summary=summary.strip(),
        theme_id=theme.id,
        org_id=None if org is None else org.id,
        position=position,
        status="draft",
        hours=Decimal(0),
        created_at=now,
        updated_at=now,
    )
    course.instructors.append(author)
    course.modules.append(Module(title="第一单元", position=0))
    course.edited_at = now
    db.session.add(course)
    db.session.flush()
    db.session.add(
        ContentRevision(
            course_id=course.id,
            number=1,
            data=revisions.current_data(course, None),
            author_id=author.id,
            created_at=now,
            note="新建课程",
        )
    )
    db.session.flush()
    return course


def add_module(course: Course, title: str) -> Module:
    """A new unit at the end of the course."""
    title = title.strip()
    if not title:
        raise BuildError("请填写单元名称。")
    position = max((m.position for m in course.modules), default=-1) + 1
    module = Module(title=title[:200], position=position)
    course.modules.append(module)
    revisions.touched(course, utcnow())
    db.session.flush()
    return module


def rename_module(module: Module, title: str) -> None:
    """Rename a unit."""
    title = title.strip()
    if not title:
        raise BuildError("请填写单元名称。")
    module.title = title[:200]
    revisions.touched(module.course, utcnow())
    db.session.flush()


def move_module(course: Course, module: Module, step: int) -> None:
    """Move a unit one place up (-1) or down (+1); at either end nothing changes."""
    ordered = sorted(course.modules, key=lambda m: (m.position, m.id))
    index = ordered.index(module)
    target = index + step
    if not 0 <= target < len(ordered):
        return
    ordered[index], ordered[target] = ordered[target], ordered[index]
    for position, each in enumerate(ordered):
        each.position = position
    revisions.touched(course, utcnow())
    db.session.flush()


def delete_module(course: Course, module: Module) -> None:
    """Remove an empty unit (a unit with lessons, even offline ones, stays)."""
    if any(lesson.module_id == module.id for lesson in course.lessons):
        raise BuildError("单元中还有课时，请先移走或下线这些课时。")
    if len(course.modules) == 1:
        raise BuildError("课程至少要有一个单元。")
    course.modules.remove(module)
    revisions.touched(course, utcnow())
    db.session.flush()


def _siblings(course: Course, module_id: int) -> list[tuple[Lesson, dict]]:
    """A unit's lessons as the studio shows them (their newest versions), in order."""
    working = revisions.working_per_lesson(course)
    rows = [(each, working[each.id]) for each in course.lessons]
    rows = [(each, data) for each, data in rows if data["module_id"] == module_id]
    return sorted(rows, key=lambda pair: (pair[1]["position"], pair[0].id))


def new_lesson(
    course: Course,
    module: Module,
    author: User,
    *,
    title: str,
    kind: str,
    hours: Decimal,
    now: datetime | None = None,
) -> Lesson:
    """A new lesson at the end of a unit: at once in a draft, after review in a published course."""
    now = now or utcnow()
    title = title.strip()
    if not title:
        raise BuildError("请填写课时标题。")
    last = _siblings(course, module.id)
    position = (max(data["position"] for _, data in last) + 1) if last else _next_position(course)
    live = course.status in ("published", "archived")
    lesson = Lesson(
        course=course,
        module=module,
        slug=_new_slug("lesson"),
        title=title[:200],
        kind=kind,
        hours=hours,
        position=position,
        required=True,
        # In a published course members see it only once a reviewer approves it.
        retired=live,
    )
    db.session.add(lesson)
    db.session.flush()
    data = revisions.current_data(course, lesson)
    data["retired"] = False
    db.session.add(
        ContentRevision(
            course_id=course.id,
            lesson_id=lesson.id,
            number=1,
            data=data,
            author_id=author.id,
            created_at=now,
            note="新建课时",
        )
    )
    revisions.changed(course, now)
    if not live:
        revisions.update_hours(course)
    db.session.flush()
    return lesson


def _next_position(course: Course) -> int:
    return max((lesson.position for lesson in course.lessons), default=-1) + 1


def move_lesson(course: Course, lesson: Lesson, author: User, step: int) -> None:
    """Move a lesson one place up or down within its unit (a new version of each one moved)."""
    data = revisions.working_data(course, lesson)
    siblings = _siblings(course, data["module_id"])
    ordered = [each for each, _ in siblings]
    index = ordered.index(lesson)
    target = index + step
    if not 0 <= target < len(ordered):
        return
    ordered[index], ordered[target] = ordered[target], ordered[index]
    base = min(each_data["position"] for _, each_data in siblings)
    for offset, each in enumerate(ordered):
        revisions.save(
            course, each, author, {"position": base + offset}, base=None, note="调整顺序"
        )


def place_in_module(course: Course, lesson: Lesson, module: Module) -> int:
    """The position a lesson moved into ``module`` takes: after the unit's last lesson."""
    others = [data for each, data in _siblings(course, module.id) if each.id != lesson.id]
    return (max(data["position"] for data in others) + 1) if others else _next_position(course)


def set_offline(course: Course, lesson: Lesson, author: User, offline: bool) -> None:
    """Take a lesson off the course (or back): members' progress on it stays readable."""
    note = "下线课时" if offline else "恢复上线"
    revisions.save(course, lesson, author, {"retired": offline}, base=None, note=note)


def add_instructor(course: Course, person: User | None) -> None:
    """Add a co-instructor: an instructor or admin account."""
    if person is None or not person.active:
        raise BuildError("找不到这个账号。")
    if not person.is_instructor:
        raise BuildError(f"{person.name} 不是教员账号，不能编辑课程。")
    # By id: accounts compare by their login session, which these may not have.
    if person.id in {each.id for each in course.instructors}:
        raise BuildError(f"{person.name} 已是本课程的教员。")
    course.instructors.append(person)
    revisions.touched(course, utcnow())
    db.session.flush()


def remove_instructor(course: Course, person: User) -> None:
    """Remove a co-instructor; a course always keeps at least one."""
    mine = [each for each in course.instructors if each.id == person.id]
    if not mine:
        raise BuildError("此人不是本课程的教员。")
    if len(course.instructors) == 1:
        raise BuildError("课程至少要有一位教员。")
    course.instructors.remove(mine[0])
    revisions.touched(course, utcnow())
    db.session.flush()
