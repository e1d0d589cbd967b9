"""Versions compared as people read them: 图文 not text, the unit's name not its id, 是 / 否
(the units themselves read as their titles, one a line: ``revisions.compare``)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from school.courses.models import LESSON_KINDS, Course, Theme
from school.db import db
from school.studio import files, revisions


def readable(course: Course) -> Callable[[revisions.Comparison], revisions.Comparison]:
    """A function making a comparison's field values read as people read them: 图文 not text,
    the unit's name not its id, 是 / 否 (the names are read once per page)."""
    # The names the studio shows (the newest version's): a lesson moved into a renamed unit
    # reads with the name it will have.
    units = {module.id: title for module, title in revisions.working_units(course)}
    themes = {row.id: row.title for row in db.session.execute(select(Theme.id, Theme.title))}
    uploads = {item.stored_name: item.original_name for item in files.course_files(course)}

    def shown(key: str, value: object) -> object:
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            return "是" if value else "否"
        names = {
            "kind": LESSON_KINDS,
            "module_id": units,
            "theme_id": themes,
            "media_name": uploads,
        }.get(key)
        if names is not None:
            return names.get(value, value)
        if key == "min_seconds":
            return f"{int(value) // 60} 分钟"
        if key == "position":
            return f"第 {int(value) + 1} 位"
        return value

    def readable(comparison: revisions.Comparison) -> revisions.Comparison:
        fields = [
            revisions.FieldChange(
                change.key,
                change.label,
                shown(change.key, change.before),
                shown(change.key, change.after),
            )
            for change in comparison.fields
            if change.key != "media_type"
        ]
        return revisions.Comparison(fields, comparison.lines, comparison.units)

    return readable
