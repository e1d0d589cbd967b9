"""The attendance sheet (签到表): a .xlsx or .csv with 党员编号 and 姓名 columns, read into
(row, number, name) lines with the row numbers Excel shows."""

from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from pathlib import PurePath

from python_calamine import CalamineWorkbook

from school.credits.services import MAX_ROWS, CreditError
from school.members.roster_sheet import cell_text
from school.spreadsheets import csv_bytes

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
    rows = _xlsx(data) if suffix == ".xlsx" else _csv(data)
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


def _xlsx(data: bytes) -> list[tuple[int, list[object]]]:
    bad = CreditError("签到表不是有效的 Excel 工作簿（.xlsx）；请用 Excel 或 WPS 打开后重新保存。")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            size = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise bad from None
    if size > MAX_UNCOMPRESSED:
        raise CreditError("签到表解压后超过 20 MB，不像是签到表。")
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = workbook.get_sheet_by_name(workbook.sheet_names[0])
        values = sheet.to_python(skip_empty_area=False)
    except Exception:  # calamine raises its own errors for damaged content
        raise bad from None
    return [(number, list(row)) for number, row in enumerate(values, start=1)]


def _csv(data: bytes) -> list[tuple[int, list[object]]]:
    if b"\x00" in data:
        raise CreditError("签到表不是文本格式的 CSV；请另存为 CSV 或 .xlsx。")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for encoding in ("utf-8", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise CreditError("签到表的编码无法识别：请保存为 UTF-8 或 GBK 编码。")
    try:
        return [
            (number, list(row))
            for number, row in enumerate(csv.reader(io.StringIO(text, newline="")), start=1)
        ]
    except csv.Error:
        raise CreditError(
            "签到表格式有误（引号不成对？），请用 Excel 或 WPS 打开后重新保存。"
        ) from None
