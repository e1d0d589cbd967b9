"""Building a course in the studio: the course, its units (modules), lessons and instructors.

Lessons and the course's own part change through versions (``revisions.py``), so a published
course changes for members only when a reviewer approves. The units' titles and order are part
of the course's part (its ``units``): adding, renaming or moving a unit applies at once in a
draft and waits for review in a published course, like a lesson. A unit added to a published
course has a row at once (its new lessons need one) but members see no unit without a lesson
they may study, and its lessons are hidden until approved. Only an empty unit can be deleted,
and at once: members never saw it.
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


def _unit_title(title: str) -> str:
    title = title.strip()
    if not title:
        raise BuildError("请填写单元名称。")
    return title[:200]


def _units(course: Course, newest: ContentRevision) -> list[list]:
    """The units of the newest version of the course's part, as its ``units`` keeps them."""
    return [[module.id, title] for module, title in revisions.working_units(course, newest.data)]


def add_module(course: Course, author: User, title: str, now: datetime | None = None) -> Module:
    """A new unit at the end of the course (in a published course, named only after review)."""
    now = now or utcnow()
    title = _unit_title(title)
    # The version to build on is read before the unit's row exists, so the row is not taken
    # for a change made outside the studio.
    newest = revisions.begin(course, None, now)
    units = _units(course, newest)
    position = max((m.position for m in course.modules), default=-1) + 1
    module = Module(title=title, position=position)
    course.modules.append(module)
    db.session.flush()
    revisions.write(
        course,
        None,
        author,
        newest,
        {"units": [*units, [module.id, title]]},
        note=f"新增单元“{title}”",
        now=now,
    )
    return module


def rename_module(
    course: Course, module: Module, author: User, title: str, now: datetime | None = None
) -> None:
    """Rename a unit (a new version of the course's part)."""
    now = now or utcnow()
    title = _unit_title(title)
    newest = revisions.begin(course, None, now)
    units = _units(course, newest)
    old = next(each for module_id, each in units if module_id == module.id)
    if old == title:
        return
    renamed = [[module_id, title if module_id == module.id else each] for module_id, each in units]
    note = f"单元改名：{old} → {title}"
    revisions.write(course, None, author, newest, {"units": renamed}, note=note, now=now)


def move_module(
    course: Course, module: Module, author: User, step: int, now: datetime | None = None
) -> None:
    """Move a unit one place up (-1) or down (+1); at either end nothing changes."""
    now = now or utcnow()
    newest = revisions.begin(course, None, now)
    units = _units(course, newest)
    index = [module_id for module_id, _ in units].index(module.id)
    target = index + step
    if not 0 <= target < len(units):
        return
    units[index], units[target] = units[target], units[index]
    note = f"单元“{units[target][1]}”{'上移' if step < 0 else '下移'}"
    revisions.write(course, None, author, newest, {"units": units}, note=note, now=now)


def delete_module(
    course: Course, module: Module, author: User, now: datetime | None = None
) -> None:
    """Remove an empty unit: no lesson in it, neither as members see it nor in a newer version
    (even offline lessons stay). Members see no empty unit, so this needs no review."""
    now = now or utcnow()
    newest = revisions.begin(course, None, now)
    working = revisions.working_per_lesson(course)
    if any(
        module.id in (lesson.module_id, working[lesson.id]["module_id"])
        for lesson in course.lessons
    ):
        raise BuildError("单元中还有课时（或有待审核的修改放在这个单元），请先移走或下线这些课时。")
    if len(course.modules) == 1:
        raise BuildError("课程至少要有一个单元。")
    units = _units(course, newest)
    title = next(each for module_id, each in units if module_id == module.id)
    course.modules.remove(module)
    db.session.flush()
    live = course.status in ("published", "archived")
    revisions.write(
        course,
        None,
        author,
        newest,
        {"units": [unit for unit in units if unit[0] != module.id]},
        note=f"删除单元“{title}”",
        now=now,
        # Nothing else waiting: what members see is this version already.
        published=live and newest.published_at is not None,
    )


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
