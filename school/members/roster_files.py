"""The roster template that staff download, fill in and import, as .xlsx and as .csv."""

from __future__ import annotations

from openpyxl.utils import get_column_letter

from school.members.roster_sheet import COLUMNS, HEADERS, HELP_NOTES, HELP_SHEET, SHEET
from school.spreadsheets import (
    add_help_sheet,
    csv_bytes,
    new_workbook,
    put_text,
    to_bytes,
    write_header,
    write_section,
)

# --- the template ------------------------------------------------------------------------------


def template_xlsx() -> bytes:
    """The .xlsx to fill in: headers, one example row and a 说明 sheet for every column."""
    workbook, sheet = new_workbook(SHEET)
    write_header(sheet, [(c.header, max(12, len(c.header) * 2.4)) for c in COLUMNS])
    for index, column in enumerate(COLUMNS, start=1):
        put_text(sheet, 2, index, column.example)
        # Text format for the whole column, so Excel keeps numbers and phone numbers as typed.
        sheet.column_dimensions[get_column_letter(index)].number_format = "@"
    help_sheet = add_help_sheet(workbook, HELP_SHEET, "党员名册导入说明", (20, 8, 70, 18))
    write_section(help_sheet, 3, ("列", "必填", "说明", "示例"))
    row = 4
    for column in COLUMNS:
        put_text(help_sheet, row, 1, column.header)
        put_text(help_sheet, row, 2, "必填" if column.required else "选填")
        put_text(help_sheet, row, 3, column.help)
        put_text(help_sheet, row, 4, column.example)
        row += 1
    row += 1
    write_section(help_sheet, row, ("注意事项",))
    for note in HELP_NOTES:
        row += 1
        put_text(help_sheet, row, 1, note)
        help_sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=4)
    return to_bytes(workbook)


def template_csv() -> bytes:
    """The .csv template: UTF-8 with a BOM (so Excel shows the Chinese), header and example."""
    return csv_bytes([HEADERS, [c.example for c in COLUMNS]])
