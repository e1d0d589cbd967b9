"""The attendance sheet (签到表): a .xlsx or .csv with 党员编号 and 姓名 columns, read into
(row, number, name) lines with the row numbers Excel shows."""

from __future__ import annotations

import unicodedata
from pathlib import PurePath

from school.credits.services import MAX_ROWS, CreditError
from school.members.roster_sheet import cell_text
from school.spreadsheets import SheetError, csv_bytes, sheet_rows

NUMBER = "党员编号"
NAME = "姓名"
MAX_UNCOMPRESSED = 20 * 1024 * 1024


def template_csv() -> bytes:
    """A sheet to fill in: the two columns and an example row."""
    return csv_bytes([[NUMBER, NAME], ["GZ2024-0001", "王明"]])


def read_sheet(filename: str, data: bytes) -> list[tuple[int, str, str]]:
    """(row, 党员编号, 姓名) of every filled row; CreditError when the file cannot be read."""
    suffix = PurePath(filename or "").suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise CreditError("签到表请上传 .xlsx 或 .csv 文件。")
    if not data.strip():
        raise CreditError("签到表是空的。")
    try:
        rows = sheet_rows(data, suffix, what="签到表", max_unzipped=MAX_UNCOMPRESSED)
    except SheetError as exc:
        raise CreditError(str(exc)) from None
    lines: list[tuple[int, str, str]] = []
    columns: dict[str, int] | None = None
    for number, values in rows:
        cells = [cell_text(v) for v in values]
        if not any(cells):
            continue
        if columns is None:
            columns = _header(cells)
            continue
        no = cells[columns[NUMBER]] if columns[NUMBER] < len(cells) else ""
        name = cells[columns[NAME]] if NAME in columns and columns[NAME] < len(cells) else ""
        lines.append((number, no, name))
        if len(lines) > MAX_ROWS:
            raise CreditError(f"签到表超过 {MAX_ROWS} 行，请分批记入。")
    if columns is None:
        raise CreditError("签到表是空的。")
    return lines


def _header(cells: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, cell in enumerate(cells):
        name = "".join(unicodedata.normalize("NFKC", cell).split()).strip("*＊")
        if name in (NUMBER, NAME) and name not in found:
            found[name] = index
    if NUMBER not in found:
        raise CreditError("签到表第 1 行须有“党员编号”列（“姓名”列选填，填写时会核对）。")
    return found
