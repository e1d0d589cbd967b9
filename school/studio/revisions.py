"""Versions of a course's own fields and of its lessons: save, compare, restore, apply.

Every save in the studio is a new ``ContentRevision`` of the whole editable state of one lesson
(or of the course's own part: its text and its units, their titles and order), numbered 1, 2, …
and never changed afterwards. The first time the studio touches a lesson it records what is in
place as version 1 (no author: it came from ``content/`` or was there before), so history
starts from what members saw.

Saving names the version the editor started from (``base``). If someone saved in between, the
save is refused with ``EditConflict`` and nothing is written: the editor comes back with the
typed text and the other version to compare, so neither edit is lost.

Where a save lands depends on the course (the review, ``review.py``):
- a course never published (draft): the rows are updated at once, for instructors to preview;
- in review: the same, and the pending review is withdrawn (what was sent has changed);
- published or archived: only the version is written. Members keep the rows as they are until a
  reviewer approves (``apply``). A later save withdraws a pending review too.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import and_, func, select

from school.auth.models import User
from school.courses.models import Course, Lesson, Module
from school.db import db, utcnow
from school.studio.models import ContentRevision, Review

# ``units``: the course's units (modules) in order, as [module id, title] pairs. Versions saved
# before units (or ``certificate``) were versioned have no such key: they say nothing about it.
COURSE_FIELDS = ("title", "summary", "body_md", "theme_id", "deadline", "certificate", "units")
LESSON_FIELDS = (
    "title",
    "kind",
    "body_md",
    "hours",
    "required",
    "min_seconds",
    "media_name",
    "media_type",
    "module_id",
    "position",
    "retired",
)
FIELD_LABELS = {
    "title": "标题",
    "summary": "简介",
    "body_md": "正文",
    "theme_id": "专题",
    "deadline": "截止日期",
    "certificate": "结业证书",
    "kind": "类型",
    "hours": "学时",
    "required": "必修",
    "min_seconds": "最短学习时间",
    "media_name": "视频或文档",
    "media_type": "文件类型",
    "module_id": "所在单元",
    "position": "顺序",
    "retired": "下线",
    "units": "单元",
}


class EditConflict(Exception):
    """Someone saved a newer version after the editor opened: nothing was written."""

    def __init__(self, latest: ContentRevision) -> None:
        super().__init__(latest.number)
        self.latest = latest


def _plain(value: object) -> object:
    """A field's value as JSON keeps it: 学时 as text (exact), dates in ISO form."""
    if isinstance(value, Decimal):
        # One spelling per amount (1.50 and 1.5 are the same 学时), so versions compare equal.
        return format(value.normalize(), "f")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _typed(key: str, value: object) -> object:
    if value is None:
        return None
    if key == "hours":
        return Decimal(str(value))
    if key == "deadline":
        return date.fromisoformat(str(value))
    return value


def _ordered(course: Course) -> list[Module]:
    return sorted(course.modules, key=lambda m: (m.position, m.id))


def current_data(course: Course, lesson: Lesson | None) -> dict:
    """What the rows hold now, in the form a revision keeps."""
    if lesson is not None:
        return {key: _plain(getattr(lesson, key)) for key in LESSON_FIELDS}
    data = {key: _plain(getattr(course, key)) for key in COURSE_FIELDS if key != "units"}
    data["units"] = [[module.id, module.title] for module in _ordered(course)]
    return data


def apply_data(course: Course, lesson: Lesson | None, data: dict) -> None:
    """Write a version's fields into the rows members read."""
    if lesson is not None:
        for key in LESSON_FIELDS:
            if key in data:
                setattr(lesson, key, _typed(key, data[key]))
        return
    for key in COURSE_FIELDS:
        if key in data and key != "units":
            setattr(course, key, _typed(key, data[key]))
    if "units" in data:
        _apply_units(course, data["units"])


def _apply_units(course: Course, units: list) -> None:
    """Titles and order from a version's units. A unit deleted since is skipped; a unit the
    version does not name (added since) keeps its place relative to the others, after them."""
    modules = {module.id: module for module in course.modules}
    titles = {module_id: title for module_id, title in units if module_id in modules}
    rest = [module for module in _ordered(course) if module.id not in titles]
    for position, module in enumerate([*(modules[key] for key in titles), *rest]):
        module.position = position
        if module.id in titles:
            module.title = titles[module.id]


def working_units(course: Course, data: dict | None = None) -> list[tuple[Module, str]]:
    """The units as the studio shows them: in the order and with the titles of the newest
    version of the course's part (``data``, read if not given); units it does not name (a
    version from before units were versioned, a unit added by an import) follow, as the rows
    have them."""
    data = working_data(course, None) if data is None else data
    modules = {module.id: module for module in course.modules}
    named = {
        module_id: (modules[module_id], title)
        for module_id, title in data.get("units") or []
        if module_id in modules
    }
    rest = [(module, module.title) for module in _ordered(course) if module.id not in named]
    return [*named.values(), *rest]


def _of(course: Course, lesson: Lesson | None):
    query = select(ContentRevision).where(ContentRevision.course_id == course.id)
    if lesson is None:
        return query.where(ContentRevision.lesson_id.is_(None))
    return query.where(ContentRevision.lesson_id == lesson.id)


def history(course: Course, lesson: Lesson | None) -> list[ContentRevision]:
    """Every version, newest first."""
    return list(db.session.scalars(_of(course, lesson).order_by(ContentRevision.number.desc())))


def latest(course: Course, lesson: Lesson | None) -> ContentRevision | None:
    """The newest version, or None if the studio never touched it."""
    return db.session.scalar(_of(course, lesson).order_by(ContentRevision.number.desc()).limit(1))


def version(course: Course, lesson: Lesson | None, number: int) -> ContentRevision | None:
    """One version by its number."""
    return db.session.scalar(_of(course, lesson).where(ContentRevision.number == number))


def newest_per_part(
    course: Course, *, published: bool = False
) -> dict[int | None, ContentRevision]:
    """The newest version (or the newest published one) of each part of the course, keyed by
    lesson id (None: the course's own text), in one statement however many lessons it has."""
    query = select(ContentRevision.lesson_id, func.max(ContentRevision.number).label("number"))
    query = query.where(ContentRevision.course_id == course.id)
    if published:
        query = query.where(ContentRevision.published_at.is_not(None))
    newest = query.group_by(ContentRevision.lesson_id).subquery()
    rows = db.session.scalars(
        select(ContentRevision)
        .join(
            newest,
            and_(
                ContentRevision.lesson_id.is_not_distinct_from(newest.c.lesson_id),
                ContentRevision.number == newest.c.number,
            ),
        )
        .where(ContentRevision.course_id == course.id)
    )
    return {row.lesson_id: row for row in rows}


def working_per_lesson(
    course: Course, newest: dict[int | None, ContentRevision] | None = None
) -> dict[int, dict]:
    """What the studio shows of each lesson (its newest version, or its row), in one statement
    (none when the caller has ``newest_per_part`` already)."""
    newest = newest_per_part(course) if newest is None else newest
    return {
        lesson.id: dict(newest[lesson.id].data)
        if lesson.id in newest
        else current_data(course, lesson)
        for lesson in course.lessons
    }


def working_data(course: Course, lesson: Lesson | None) -> dict:
    """What the editor shows: the newest version, or the rows if there is none yet."""
    newest = latest(course, lesson)
    return dict(newest.data) if newest is not None else current_data(course, lesson)


def lock(course: Course) -> None:
    """Take the course's row lock: saves, requests and decisions on one course take turns, so
    two saves cannot both become version N + 1 and an approval cannot cross a save."""
    db.session.execute(select(Course.id).where(Course.id == course.id).with_for_update())


def baseline(course: Course, lesson: Lesson | None, now: datetime) -> ContentRevision:
    """The newest version, recording what is in place as version 1 if there is none."""
    newest = latest(course, lesson)
    live = course.status in ("published", "archived")
    if newest is not None:
        rows = current_data(course, lesson)
        # Only what the version records: one saved before units were versioned has no units
        # to compare, and its silence is no change.
        same = all(rows[key] == newest.data[key] for key in rows.keys() & newest.data.keys())
        if same or (live and newest.published_at is None):
            return newest
        # The rows changed outside the studio (a course file imported since): that is what
        # members see now, so it becomes the newest version before anything is built on it.
        imported = ContentRevision(
            course_id=course.id,
            lesson_id=None if lesson is None else lesson.id,
            number=newest.number + 1,
            data=rows,
            author_id=None,
            created_at=now,
            note="从课程文件导入的版本",
            published_at=now if live else None,
        )
        db.session.add(imported)
        db.session.flush()
        return imported
    first = ContentRevision(
        course_id=course.id,
        lesson_id=None if lesson is None else lesson.id,
        number=1,
        data=current_data(course, lesson),
        author_id=None,
        created_at=now,
        note="原有版本",
        published_at=(course.updated_at or now) if live else None,
    )
    db.session.add(first)
    db.session.flush()
    return first


def begin(course: Course, lesson: Lesson | None, now: datetime) -> ContentRevision:
    """Take the course's lock and return the newest version of the part to build on (recording
    what is in place first if need be): a change computed after this sees every save before it."""
    lock(course)
    # Rows read before the lock may be stale (an approval committed while we waited): read
    # them again, or the baseline would take them for an import.
    db.session.refresh(course)
    if lesson is not None:
        db.session.refresh(lesson)
    return baseline(course, lesson, now)


def save(
    course: Course,
    lesson: Lesson | None,
    author: User,
    changes: dict,
    *,
    base: int | None,
    note: str = "",
    now: datetime | None = None,
) -> ContentRevision:
    """Save ``changes`` as a new version; raise EditConflict if ``base`` is not the newest.

    ``base`` None skips the check (the studio's own moves and new lessons). Saving the same
    content again writes nothing and returns the newest version.
    """
    now = now or utcnow()
    newest = begin(course, lesson, now)
    if base is not None and base != newest.number:
        raise EditConflict(newest)
    return write(course, lesson, author, newest, changes, note=note, now=now)


def write(
    course: Course,
    lesson: Lesson | None,
    author: User,
    newest: ContentRevision,
    changes: dict,
    *,
    note: str,
    now: datetime,
    published: bool = False,
) -> ContentRevision:
    """Write ``changes`` on top of ``newest`` (from ``begin``, under the lock) as a new version.

    ``published``: the change is already what members see (an empty unit removed), so the
    version is recorded as published and there is nothing to review.
    """
    changes = {key: _plain(value) for key, value in changes.items()}
    # A field the newest version does not record (units, before they were versioned) and this
    # change does not set is as the rows hold it: what members see, or in a draft what the
    # studio shows. (A unit just added has a row already: its change sets the units.)
    rows = current_data(course, lesson)
    known = {
        **{key: rows[key] for key in rows.keys() - newest.data.keys() - changes.keys()},
        **newest.data,
    }
    data = {**known, **changes}
    if data == known:
        return newest
    revision = ContentRevision(
        course_id=course.id,
        lesson_id=None if lesson is None else lesson.id,
        number=newest.number + 1,
        data=data,
        author_id=author.id,
        created_at=now,
        note=note,
        published_at=now if published else None,
    )
    db.session.add(revision)
    if published:
        touched(course, now)
    else:
        changed(course, now)
    if published or course.status in ("draft", "in_review"):
        apply_data(course, lesson, data)
        if lesson is not None:
            update_hours(course)
    db.session.flush()
    return revision


def touched(course: Course, now: datetime) -> None:
    """Note a change made in the browser: importing an older course file then reports a
    conflict instead of overwriting it (school/courses/importer.py)."""
    course.edited_at = now


def changed(course: Course, now: datetime) -> None:
    """Something in the course changed in the studio: what was sent for review is outdated."""
    touched(course, now)
    withdraw_requests(course, now)


def withdraw_requests(course: Course, now: datetime) -> None:
    """Withdraw the course's pending request: what it sent is no longer what would publish."""
    pending = db.session.scalars(
        select(Review).where(Review.course_id == course.id, Review.state == "pending")
    ).all()
    for review in pending:
        review.state = "withdrawn"
        review.decided_at = now
        review.comment = "送审后内容又有修改，已自动撤回，请重新送审。"
    if course.status == "in_review":
        course.status = "draft"


def update_hours(course: Course) -> None:
    """A course's 学时 are the sum of its lessons' (those members see)."""
    db.session.flush()
    total = db.session.scalar(
        select(func.coalesce(func.sum(Lesson.hours), 0)).where(
            Lesson.course_id == course.id, Lesson.retired.is_(False)
        )
    )
    course.hours = Decimal(str(total))


def restore(
    course: Course, lesson: Lesson | None, author: User, number: int, now: datetime | None = None
) -> ContentRevision:
    """Save an old version again as the newest (history is never rewritten)."""
    old = version(course, lesson, number)
    if old is None:
        raise LookupError(number)
    fields = LESSON_FIELDS if lesson is not None else COURSE_FIELDS
    # Where the lesson stands (unit, order, online) and the units themselves are the course's
    # outline, not its text.
    keep = {"module_id", "position", "retired", "units"}
    changes = {key: old.data[key] for key in fields if key not in keep and key in old.data}
    return save(course, lesson, author, changes, base=None, note=f"恢复自第 {number} 版", now=now)


@dataclass(frozen=True)
class FieldChange:
    key: str
    label: str
    before: object
    after: object


@dataclass(frozen=True)
class Comparison:
    """Two versions side by side: the fields that differ, the body's changed lines and the
    units, one title a line."""

    fields: list[FieldChange]
    # (kind, line): kind is " " unchanged, "-" only in the older, "+" only in the newer.
    lines: list[tuple[str, str]]
    # (kind, title) for every unit, as ``lines``; empty when the units are the same.
    units: list[tuple[str, str]] = field(default_factory=list)

    @property
    def same(self) -> bool:
        return (
            not self.fields
            and not any(kind != " " for kind, _ in self.lines)
            and not any(kind != " " for kind, _ in self.units)
        )


def compare(older: dict, newer: dict, context: int = 3) -> Comparison:
    """What changed from ``older`` to ``newer``: fields, the body line by line, the units."""
    fields = [
        FieldChange(key, FIELD_LABELS.get(key, key), older.get(key), newer.get(key))
        for key in newer
        if key not in ("body_md", "units")
        and older.get(key) != newer.get(key)
        # A version from before a field was kept says nothing about it: off is no change.
        and (key in older or newer.get(key))
    ]
    before = (older.get("body_md") or "").splitlines()
    after = (newer.get("body_md") or "").splitlines()
    lines: list[tuple[str, str]] = []
    for group in difflib.SequenceMatcher(a=before, b=after, autojunk=False).get_grouped_opcodes(
        context
    ):
        if lines:
            lines.append(("…", ""))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines += [(" ", line) for line in before[i1:i2]]
            else:
                lines += [("-", line) for line in before[i1:i2]]
                lines += [("+", line) for line in after[j1:j2]]
    return Comparison(fields, lines, _unit_lines(older, newer))


def _unit_lines(older: dict, newer: dict) -> list[tuple[str, str]]:
    """Every unit's title on a line, renamed, moved, added and removed ones marked. A version
    from before units were versioned says nothing about them: no lines (a part never
    published, ``older`` empty, has all its units added)."""
    if "units" not in newer or ("units" not in older and older):
        return []
    # Units match by id, so a rename reads as the old title taken out and the new one put in.
    before = [(module_id, title) for module_id, title in older.get("units", [])]
    after = [(module_id, title) for module_id, title in newer["units"]]
    if before == after:
        return []
    units: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            units += [(" ", title) for _, title in before[i1:i2]]
        else:
            units += [("-", title) for _, title in before[i1:i2]]
            units += [("+", title) for _, title in after[j1:j2]]
    return units
