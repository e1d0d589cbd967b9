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
import unicodedata
import zipfile
from collections.abc import Iterable
from typing import TypeVar

from flask import Response
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.worksheet import Worksheet
from python_calamine import CalamineWorkbook

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


def text_width(value: object) -> int:
    """How many columns a value takes in a spreadsheet: CJK and full-width characters count two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in str(value))


def fit_widths(
    rows: Iterable[Iterable[object]], minimum: float = 6, maximum: float = 50
) -> list[float]:
    """Column widths that fit the given rows (a little padding, within minimum and maximum)."""
    widest: list[int] = []
    for cells in rows:
        for index, value in enumerate(cells):
            width = 0 if value is None else text_width(value)
            if index >= len(widest):
                widest.append(width)
            elif width > widest[index]:
                widest[index] = width
    return [min(max(width + 2, minimum), maximum) for width in widest]


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


# --- reading a sheet members' organisations send in (rosters, sign-in sheets) --------------------


class SheetError(ValueError):
    """A spreadsheet that cannot be read at all; str(exc) says why, for the user."""


def sheet_rows(
    data: bytes,
    suffix: str,
    *,
    what: str,
    max_unzipped: int,
    sheet_name: str | None = None,
) -> list[tuple[int, list[object]]]:
    """Every row of an .xlsx (its sheet ``sheet_name`` if it has one, else the first) or of a
    .csv (UTF-8 or GB18030, with or without a byte-order mark), numbered as Excel shows them.

    ``what`` names the file in messages (文件, 签到表). An .xlsx larger than ``max_unzipped``
    bytes once unzipped is refused before it is read: a zip bomb costs nothing.
    """
    return (
        _xlsx_rows(data, what, max_unzipped, sheet_name)
        if suffix == ".xlsx"
        else _csv_rows(data, what)
    )


def _xlsx_rows(
    data: bytes, what: str, max_unzipped: int, sheet_name: str | None
) -> list[tuple[int, list[object]]]:
    bad = SheetError(
        f"{what}不是有效的 Excel 工作簿（.xlsx），可能已损坏；请用 Excel 或 WPS 打开后重新保存。"
    )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            size = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise bad from None
    if size > max_unzipped:
        mb = max_unzipped // (1024 * 1024)
        raise SheetError(f"{what}解压后超过 {mb} MB，请只保留要导入的工作表后再上传。")
    # calamine (Rust) reads a 10,000-row sheet in a tenth of openpyxl's time; values come back
    # as str, float, bool, date or datetime, with "" for an empty cell.
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = workbook.sheet_names
        sheet = workbook.get_sheet_by_name(sheet_name if sheet_name in names else names[0])
        # From A1, so row numbers in messages are the ones Excel shows.
        values = sheet.to_python(skip_empty_area=False)
    except Exception:  # calamine raises its own errors for damaged or non-xlsx content
        raise bad from None
    return [(number, list(row)) for number, row in enumerate(values, start=1)]


def _csv_rows(data: bytes, what: str) -> list[tuple[int, list[object]]]:
    if b"\x00" in data:
        raise SheetError(f"{what}不是文本格式的 CSV；请用 Excel 或 WPS 另存为 CSV 或 .xlsx。")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for encoding in ("utf-8", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise SheetError(f"{what}的编码无法识别：请保存为 UTF-8 或 GBK（GB18030）编码。")
    try:
        return [
            (number, list(row))
            for number, row in enumerate(csv.reader(io.StringIO(text, newline="")), start=1)
        ]
    except csv.Error:
        raise SheetError(
            f"{what}格式有误（引号不成对？），请用 Excel 或 WPS 打开后重新保存。"
        ) from None
