"""Report exports: the members list, the member × course grid and the overdue list as XLSX and
CSV, and the overview as a workbook with native Excel charts.

Each member row carries the 党员编号, the organisations and the phone as the page shows it to
the viewer (``shown_phone``), so a file can be matched against the national member system.

An XLSX is a document: a title row (organisation, date, filters in words), the header below it
kept in view while scrolling and repeated on every printed page, columns as wide as their
content (a CJK character counts two) and a totals row. A CSV stays a plain table (header and
rows) so that it can be read by other programs.

The member exports are streamed (openpyxl's write-only mode): a city's 112,000 rows never sit in
memory as cells. Column widths must be written before the rows, so they are fitted to the
header and the first ``WIDTH_SAMPLE`` rows.

Every text cell goes through ``school.spreadsheets.neutralise``: a member's name such as
``=HYPERLINK(...)`` must never run as a formula when a branch opens the file in Excel or WPS.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import chain, islice

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from school.courses.models import Course
from school.formatting import format_hours, local_date, local_datetime
from school.reports.overdue import OverdueRow
from school.reports.queries import MemberRow, Overview
from school.reports.status import STATUSES
from school.spreadsheets import (
    HEADER_FILL,
    HEADER_FONT,
    csv_bytes,
    fit_widths,
    neutralise,
    new_workbook,
    streamed_cell,
    to_bytes,
)

NO = "否"
YES = "是"
# Rows the column widths are fitted to before the rest is streamed.
WIDTH_SAMPLE = 1000
TITLE_FONT = Font(bold=True, size=14)
TOTAL_FONT = Font(bold=True)
# Header in row 2 under the title; column A (the names) stays in view too.
FREEZE = "B3"
PAPER_A4 = "9"

PhoneOf = Callable[[MemberRow], str]


@dataclass
class Totals:
    """What a totals row adds up while the rows stream past."""

    members: int = 0
    floating: int = 0
    quota: Decimal = Decimal(0)
    hours: Decimal = Decimal(0)
    short: Decimal = Decimal(0)
    met: int = 0
    completed: dict[int, int] = field(default_factory=dict)

    def count(self, row: MemberRow) -> None:
        self.members += 1
        self.floating += row.is_floating
        self.quota += row.quota
        self.hours += row.hours
        self.met += row.status == "met"
        for course_id, progress in row.courses.items():
            if progress.completed_at is not None:
                self.completed[course_id] = self.completed.get(course_id, 0) + 1


@dataclass
class Table:
    """A header, the rows (streamed) and a totals row made once the rows have been read."""

    header: list[str]
    rows: Iterable[list]
    totals: Callable[[], list]


def _course_cell(row: MemberRow, course_id: int, lessons: dict[int, int]) -> str:
    progress = row.courses.get(course_id)
    if progress is None:
        return "未开始"
    if progress.completed_at is not None:
        return "已完成"
    return f"{progress.lessons_done}/{lessons.get(course_id, 0)}"


COMMON_HEADER = [
    "姓名",
    "党员编号",
    "流出地党组织",
    "流入地党组织",
    "联系电话",
    "流动党员",
    "要求学时",
    "已获学时",
    "状态",
    "最近学习",
]


def _common(row: MemberRow, phone_of: PhoneOf) -> list:
    return [
        row.name,
        row.membership_no,
        row.home_org.name if row.home_org else "",
        row.host_org.name if row.host_org else "",
        phone_of(row),
        YES if row.is_floating else NO,
        row.quota,
        row.hours,
        row.status_label,
        local_date(row.last_activity_at),
    ]


def _common_totals(totals: Totals) -> list:
    return [
        f"合计 {totals.members} 人",
        "",
        "",
        "",
        "",
        f"流动 {totals.floating} 人",
        totals.quota,
        totals.hours,
        f"{STATUSES['met']} {totals.met} 人",
        "",
    ]


def _counted(rows: Iterable[MemberRow], totals: Totals) -> Iterator[MemberRow]:
    for row in rows:
        totals.count(row)
        yield row


def member_table(
    courses: list[Course], lessons: dict[int, int], rows: Iterable[MemberRow], phone_of: PhoneOf
) -> Table:
    """The members list: one row per member (with the filtered course's progress and date)."""
    header = list(COMMON_HEADER)
    for course in courses:
        header += [f"{course.title}（进度）", f"{course.title}（完成日期）"]
    totals = Totals()
    ids = [course.id for course in courses]

    def body() -> Iterator[list]:
        for row in _counted(rows, totals):
            cells = _common(row, phone_of)
            for course_id in ids:
                progress = row.courses.get(course_id)
                cells += [
                    _course_cell(row, course_id, lessons),
                    local_date(progress.completed_at) if progress else "",
                ]
            yield cells

    def total_row() -> list:
        cells = _common_totals(totals)
        for course_id in ids:
            cells += [f"已完成 {totals.completed.get(course_id, 0)} 人", ""]
        return cells

    return Table(header, body(), total_row)


def grid_table(
    courses: list[Course], lessons: dict[int, int], rows: Iterable[MemberRow], phone_of: PhoneOf
) -> Table:
    """The member × course grid: one column per course."""
    totals = Totals()
    ids = [course.id for course in courses]

    def body() -> Iterator[list]:
        for row in _counted(rows, totals):
            cells = _common(row, phone_of)
            yield cells + [_course_cell(row, course_id, lessons) for course_id in ids]

    def total_row() -> list:
        done = [f"已完成 {totals.completed.get(course_id, 0)} 人" for course_id in ids]
        return _common_totals(totals) + done

    return Table(COMMON_HEADER + [course.title for course in courses], body(), total_row)


OVERDUE_HEADER = [
    "姓名",
    "党员编号",
    "流出地党组织",
    "流入地党组织",
    "联系电话",
    "现居城市",
    "流动党员",
    "要求学时",
    "已获学时",
    "还差学时",
    "状态",
    "未完成的专题学习",
    "上次提醒",
]


def overdue_table(rows: Iterable[OverdueRow]) -> Table:
    """The overdue list: who is behind, by how much, and on which campaigns."""
    totals = Totals()

    def body() -> Iterator[list]:
        for row in rows:
            member = row.member
            totals.members += 1
            totals.floating += bool(member.is_floating)
            totals.quota += row.quota
            totals.hours += row.hours
            totals.short += row.short
            yield [
                member.name,
                member.membership_no or "",
                member.home_org.name if member.home_org else "",
                member.host_org.name if member.host_org else "",
                row.phone,
                member.current_city or "",
                YES if member.is_floating else NO,
                row.quota,
                row.hours,
                row.short,
                STATUSES[row.status],
                "、".join(f"《{c.title}》{c.deadline:%Y-%m-%d}截止" for c in row.missing),
                local_datetime(row.last_reminded),
            ]

    def total_row() -> list:
        return [
            f"合计 {totals.members} 人",
            "",
            "",
            "",
            "",
            "",
            f"流动 {totals.floating} 人",
            totals.quota,
            totals.hours,
            totals.short,
            "",
            "",
            "",
        ]

    return Table(list(OVERDUE_HEADER), body(), total_row)


# --- CSV -----------------------------------------------------------------------------------------


def _plain(value: object) -> object:
    return format_hours(value) if isinstance(value, Decimal) else value


def to_csv(table: Table) -> bytes:
    """CSV in UTF-8 with a byte order mark, so Excel opens the Chinese text correctly."""
    return csv_bytes([_plain(c) for c in cells] for cells in chain([table.header], table.rows))


# --- XLSX ----------------------------------------------------------------------------------------


def _styled(sheet, value: object, font: Font | None = None, fill=None) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=neutralise(value))
    if isinstance(value, str):
        cell.data_type = "s"
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
    return cell


def to_xlsx(table: Table, title: str, heading: str) -> bytes:
    """A streamed XLSX: title row, frozen header, fitted widths, the rows, a totals row."""
    workbook = Workbook(write_only=True)
    workbook.properties.creator = "网上党校"
    sheet = workbook.create_sheet(title=_sheet_title(title))
    rows = iter(table.rows)
    sample = list(islice(rows, WIDTH_SAMPLE))
    widths = fit_widths([table.header, *([_plain(v) for v in cells] for cells in sample)])
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = FREEZE
    sheet.print_title_rows = "2:2"
    sheet.page_setup.paperSize = PAPER_A4
    sheet.page_setup.orientation = "landscape"
    sheet.append([_styled(sheet, heading, TITLE_FONT)])
    sheet.append([_styled(sheet, name, HEADER_FONT, HEADER_FILL) for name in table.header])
    for cells in chain(sample, rows):
        sheet.append([streamed_cell(sheet, value) for value in cells])
    sheet.append([_styled(sheet, value, TOTAL_FONT) for value in table.totals()])
    return to_bytes(workbook)


def _sheet_title(title: str) -> str:
    for char in "[]:*?/\\":
        title = title.replace(char, " ")
    return title[:31] or "报表"


# --- the overview workbook -----------------------------------------------------------------------


def _put(sheet: Worksheet, row: int, values: list, font: Font | None = None) -> None:
    for column, value in enumerate(values, start=1):
        cell = sheet.cell(row, column, neutralise(value))
        if isinstance(value, str):
            cell.data_type = "s"
        if font is not None:
            cell.font = font


def _header(sheet: Worksheet, row: int, names: list[str]) -> None:
    for column, name in enumerate(names, start=1):
        cell = sheet.cell(row, column, name)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center")


# Charts go in column K, right of the widest table; a row is about half a centimetre high.
CHART_COLUMN = "K"
ROW_CM = 0.5


def _place(sheet: Worksheet, chart, row: int) -> int:
    """Put a chart at ``row`` of the chart column; the row below it, for the next one."""
    sheet.add_chart(chart, f"{CHART_COLUMN}{row}")
    return row + int(chart.height / ROW_CM) + 2


SUBORG_HEADER = ["组织", "党员", "已达标", "进度正常", "进度落后", "未开始", "完成率", "人均学时"]
TREND_HEADER = ["月份", "学时合计", "当月人均", "累计人均", "应达到"]


def overview_xlsx(report: Overview, title: str, heading: str) -> bytes:
    """The overview as a sheet (totals, sub-organisations, monthly trend, courses) with two
    native Excel charts: members by status per sub-organisation, and 学时 per month."""
    workbook, sheet = new_workbook(_sheet_title(title))
    total = report.total
    _put(sheet, 1, [heading], TITLE_FONT)
    _header(sheet, 2, ["指标", "数值"])
    figures = [
        ("党员", total.members),
        ("其中流动党员", total.floating),
        *[(label, total.statuses[key]) for key, label in STATUSES.items()],
        ("学时合计", Decimal(total.hours_tenths) / 10),
        ("人均学时", total.average_hours),
        ("达标或进度正常（%）", total.completion),
    ]
    for offset, (label, value) in enumerate(figures):
        _put(sheet, 3 + offset, [label, value])
    sheet.freeze_panes = "A3"
    row = 3 + len(figures) + 1
    anchor = 2  # the charts stand one below the other, right of the tables

    _put(sheet, row, ["各下级组织完成情况"], TOTAL_FONT)
    _header(sheet, row + 1, SUBORG_HEADER)
    first = row + 2
    for offset, sub in enumerate(report.suborgs):
        t = sub.tally
        name = sub.org.name if sub.org else "本级直属"
        _put(
            sheet,
            first + offset,
            [name, t.members, *[t.statuses[k] for k in STATUSES], t.completion, t.average_hours],
        )
    last = first + len(report.suborgs) - 1
    _put(
        sheet,
        last + 1,
        [
            "合计",
            total.members,
            *[total.statuses[k] for k in STATUSES],
            total.completion,
            total.average_hours,
        ],
        TOTAL_FONT,
    )
    if report.suborgs:
        chart = BarChart()
        chart.type = "bar"
        chart.grouping = "stacked"
        chart.overlap = 100
        chart.title = "各下级组织党员学时状态"
        chart.y_axis.title = "人数"
        data = Reference(sheet, min_col=3, max_col=6, min_row=first - 1, max_row=last)
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(Reference(sheet, min_col=1, min_row=first, max_row=last))
        chart.height = max(7.5, 1 + 0.8 * len(report.suborgs))
        chart.width = 18
        anchor = _place(sheet, chart, anchor)
    row = last + 3

    _put(sheet, row, ["逐月学习趋势"], TOTAL_FONT)
    _header(sheet, row + 1, TREND_HEADER)
    first = row + 2
    for offset, month in enumerate(report.trend):
        _put(
            sheet,
            first + offset,
            [f"{month.month} 月", month.total, month.average, month.cumulative, month.quota],
        )
    last = first + len(report.trend) - 1
    _put(sheet, last + 1, ["合计", Decimal(total.hours_tenths) / 10], TOTAL_FONT)
    hours = BarChart()
    hours.title = "每月学时合计"
    hours.y_axis.title = "学时"
    hours.add_data(
        Reference(sheet, min_col=2, min_row=first - 1, max_row=last), titles_from_data=True
    )
    hours.set_categories(Reference(sheet, min_col=1, min_row=first, max_row=last))
    hours.width = 18
    anchor = _place(sheet, hours, anchor)
    pace = LineChart()
    pace.title = "累计人均学时与应达到"
    pace.y_axis.title = "学时"
    pace.add_data(
        Reference(sheet, min_col=4, max_col=5, min_row=first - 1, max_row=last),
        titles_from_data=True,
    )
    pace.set_categories(Reference(sheet, min_col=1, min_row=first, max_row=last))
    pace.width = 18
    _place(sheet, pace, anchor)
    row = last + 3

    _put(sheet, row, ["各课程完成率"], TOTAL_FONT)
    _header(sheet, row + 1, ["课程", "完成人数", "党员", "完成率（%）"])
    for offset, rate in enumerate(report.courses):
        _put(sheet, row + 2 + offset, [rate.course.title, rate.completed, rate.members, rate.rate])

    cells = [[c.value for c in cells] for cells in sheet.iter_rows(min_row=2)]
    for index, width in enumerate(fit_widths(cells, maximum=40), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.page_setup.paperSize = PAPER_A4
    return to_bytes(workbook)
