"""Report exports: the members list and the member × course grid as XLSX and CSV.

Every text cell goes through ``school.spreadsheets.neutralise``: a member's name such as
``=HYPERLINK(...)`` must never run as a formula when a branch opens the file in Excel or WPS.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal

from openpyxl import Workbook

from school.courses.models import Course
from school.formatting import format_hours, local_date
from school.reports.queries import MemberRow
from school.spreadsheets import csv_bytes, streamed_cell, to_bytes

NO = "否"
YES = "是"


def _course_cell(row: MemberRow, course_id: int, lessons: dict[int, int]) -> str:
    progress = row.courses.get(course_id)
    if progress is None:
        return "未开始"
    if progress.completed_at is not None:
        return "已完成"
    return f"{progress.lessons_done}/{lessons.get(course_id, 0)}"


def _common(row: MemberRow) -> list:
    return [
        row.name,
        row.home_org.name if row.home_org else "",
        row.host_org.name if row.host_org else "",
        YES if row.is_floating else NO,
        row.quota,
        row.hours,
        row.status_label,
        local_date(row.last_activity_at),
    ]


COMMON_HEADER = [
    "姓名",
    "流出地党组织",
    "流入地党组织",
    "流动党员",
    "要求学时",
    "已获学时",
    "状态",
    "最近学习",
]


def member_table(
    courses: list[Course], lessons: dict[int, int], rows: Iterable[MemberRow]
) -> Iterator[list]:
    """The members list: a header row, then one row per member (with the filtered course)."""
    header = list(COMMON_HEADER)
    for course in courses:
        header += [f"{course.title}（进度）", f"{course.title}（完成日期）"]
    yield header
    ids = [course.id for course in courses]
    for row in rows:
        cells = _common(row)
        for course_id in ids:
            progress = row.courses.get(course_id)
            cells += [
                _course_cell(row, course_id, lessons),
                local_date(progress.completed_at) if progress else "",
            ]
        yield cells


def grid_table(
    courses: list[Course], lessons: dict[int, int], rows: Iterable[MemberRow]
) -> Iterator[list]:
    """The member × course grid: one column per course."""
    yield COMMON_HEADER + [course.title for course in courses]
    ids = [course.id for course in courses]
    for row in rows:
        yield _common(row) + [_course_cell(row, course_id, lessons) for course_id in ids]


def to_csv(table: Iterable[list]) -> bytes:
    """CSV in UTF-8 with a byte order mark, so Excel opens the Chinese text correctly."""
    return csv_bytes(
        [format_hours(c) if isinstance(c, Decimal) else c for c in cells] for cells in table
    )


def to_xlsx(table: Iterable[list], title: str) -> bytes:
    """An XLSX workbook written in openpyxl's streaming (write-only) mode."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(title))
    for cells in table:
        sheet.append([streamed_cell(sheet, value) for value in cells])
    return to_bytes(workbook)


def _sheet_title(title: str) -> str:
    for char in "[]:*?/\\":
        title = title.replace(char, " ")
    return title[:31] or "报表"
