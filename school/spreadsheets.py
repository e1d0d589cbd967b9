"""Spreadsheets the school writes: formula-safe cells, the look of its templates, downloads.

Text from members (a name, a question) can start like a formula. Excel and WPS run a cell such
as ``=HYPERLINK(...)`` when the file is opened, or once someone edits the cell, so no text this
school writes may be read as one. There are two ways to keep it text, and both are used:

* ``neutralise`` puts a ``'`` in front of the text. For CSV, which has no cell types, it is the
  only way; for report files too, which are read and never imported again.
* ``put_text`` keeps the text as it is, typed as a string, with Excel's own quote-prefix flag
  (the ``'`` Excel shows but does not store). Templates and question exports use it: what is
  imported back must be what was written.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import TypeVar

from flask import Response
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.worksheet import Worksheet

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What spreadsheet programs read as the start of a formula (tab and CR as well: OWASP's list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

HEADER_FILL = PatternFill("solid", fgColor="C00000")
HEADER_FONT = Font(bold=True, color="FFFFFF")
SECTION_FILL = PatternFill("solid", fgColor="F2DCDB")
WRAP = Alignment(wrap_text=True, vertical="top")
_CENTRED = Alignment(horizontal="center", vertical="center")

Value = TypeVar("Value")


def is_formula_like(value: object) -> bool:
    """Whether a value is text that a spreadsheet program would run as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def neutralise(value: Value) -> Value | str:
    """Prefix a single quote to text that a spreadsheet would otherwise run as a formula."""
    return "'" + str(value) if is_formula_like(value) else value


def put_text(sheet: Worksheet, row: int, column: int, value: object) -> None:
    """Write a value that stays what it is: text as text (never a formula), wrapped at the top."""
    if value is None or value == "":
        return
    cell = sheet.cell(row, column)
    cell.value = value
    if isinstance(value, str):
        # openpyxl makes "=…" a formula and "#N/A" an error value; text is always text here.
        cell.data_type = "s"
        if is_formula_like(value):
            # Excel's own "'" prefix: the cell stays text even after someone edits it.
            cell.quotePrefix = True
    cell.alignment = WRAP


def streamed_cell(sheet: WriteOnlyWorksheet, value: object) -> object:
    """A value for a write-only sheet's append(): formula-like text quoted and typed as text."""
    if not is_formula_like(value):
        # Plain values (typed as text by openpyxl) keep the streaming writer fast.
        return value
    # Quoted, and typed as text explicitly: openpyxl stores a string starting with "=" as a formula.
    cell = WriteOnlyCell(sheet, value=neutralise(value))
    cell.data_type = "s"
    return cell


def csv_bytes(rows: Iterable[Iterable[object]]) -> bytes:
    """Rows as CSV in UTF-8 with a byte order mark (so Excel reads the Chinese), text made safe."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    for cells in rows:
        writer.writerow([neutralise(cell) for cell in cells])
    return out.getvalue().encode("utf-8")


def new_workbook(sheet_title: str) -> tuple[Workbook, Worksheet]:
    """A workbook made by the school, and its first sheet under the given title."""
    workbook = Workbook()
    workbook.properties.creator = "网上党校"
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)
    sheet.title = sheet_title
    return workbook, sheet


def write_header(sheet: Worksheet, columns: Iterable[tuple[str, float]]) -> None:
    """Row 1 as the header: (title, width) per column, white on red, kept in view on scrolling."""
    for index, (title, width) in enumerate(columns, start=1):
        cell = sheet.cell(1, index, title)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = _CENTRED
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"


def add_help_sheet(workbook: Workbook, name: str, title: str, widths: Iterable[float]) -> Worksheet:
    """A 说明 sheet: its column widths and a large bold title in A1."""
    sheet = workbook.create_sheet(name)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.cell(1, 1, title).font = Font(bold=True, size=14)
    return sheet


def write_section(sheet: Worksheet, row: int, titles: Iterable[str]) -> None:
    """A section's heading cells on a help sheet, from column A: bold on pale red."""
    for index, title in enumerate(titles, start=1):
        cell = sheet.cell(row, index, title)
        cell.font = Font(bold=True)
        cell.fill = SECTION_FILL


def to_bytes(workbook: Workbook) -> bytes:
    """The workbook as the bytes of an .xlsx file."""
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def download(data: bytes, filename: str, mimetype: str = XLSX_MIMETYPE) -> Response:
    """A generated file (an ASCII file name) as a download rather than a page."""
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response
