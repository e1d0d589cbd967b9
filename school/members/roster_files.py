"""Roster files around the import: the template members fill in, and the upload kept between
the preview and the apply."""

from __future__ import annotations

import csv
import io
import json
import re
import secrets
import time
from pathlib import Path, PurePath

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from school.auth.models import User
from school.members.roster_sheet import (
    COLUMNS,
    EXTENSIONS,
    HEADERS,
    HELP_NOTES,
    HELP_SHEET,
    SHEET,
    UPLOAD_TTL_SECONDS,
)

# --- the template ------------------------------------------------------------------------------

_HEADER_FILL = PatternFill("solid", fgColor="C00000")
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_SECTION_FILL = PatternFill("solid", fgColor="F2DCDB")
_WRAP = Alignment(wrap_text=True, vertical="top")


def _put(sheet: Worksheet, row: int, column: int, value: str) -> None:
    if not value:
        return
    cell = sheet.cell(row, column)
    cell.value = value
    cell.data_type = "s"  # always text, never a formula
    cell.alignment = _WRAP


def template_xlsx() -> bytes:
    """The .xlsx to fill in: headers, one example row and a 说明 sheet for every column."""
    workbook = Workbook()
    workbook.properties.creator = "网上党校"
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)
    sheet.title = SHEET
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(1, index, column.header)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center")
        sheet.column_dimensions[get_column_letter(index)].width = max(12, len(column.header) * 2.4)
        _put(sheet, 2, index, column.example)
        # Text format for the whole column, so Excel keeps numbers and phone numbers as typed.
        sheet.column_dimensions[get_column_letter(index)].number_format = "@"
    sheet.freeze_panes = "A2"
    help_sheet = workbook.create_sheet(HELP_SHEET)
    for column, width in zip("ABCD", (20, 8, 70, 18), strict=True):
        help_sheet.column_dimensions[column].width = width
    title = help_sheet.cell(1, 1, "党员名册导入说明")
    title.font = Font(bold=True, size=14)
    for index, name in enumerate(("列", "必填", "说明", "示例"), start=1):
        cell = help_sheet.cell(3, index, name)
        cell.font = Font(bold=True)
        cell.fill = _SECTION_FILL
    row = 4
    for column in COLUMNS:
        _put(help_sheet, row, 1, column.header)
        _put(help_sheet, row, 2, "必填" if column.required else "选填")
        _put(help_sheet, row, 3, column.help)
        _put(help_sheet, row, 4, column.example)
        row += 1
    row += 1
    cell = help_sheet.cell(row, 1, "注意事项")
    cell.font = Font(bold=True)
    cell.fill = _SECTION_FILL
    for note in HELP_NOTES:
        row += 1
        _put(help_sheet, row, 1, note)
        help_sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=4)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_csv() -> bytes:
    """The .csv template: UTF-8 with a BOM (so Excel shows the Chinese), header and example."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADERS)
    writer.writerow([c.example for c in COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# --- keeping the upload between preview and apply ----------------------------------------------

_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{20,64}")


def store_upload(folder: Path, owner: User, filename: str, data: bytes) -> str:
    """Keep an upload for its apply; drop uploads older than a day. Returns the token."""
    folder.mkdir(parents=True, exist_ok=True)
    cutoff = time.time() - UPLOAD_TTL_SECONDS
    for old in folder.iterdir():
        if old.is_file() and old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(24)
    suffix = PurePath(filename).suffix.lower()
    (folder / f"{token}{suffix}").write_bytes(data)
    meta = {"owner": owner.id, "filename": PurePath(filename).name, "suffix": suffix}
    (folder / f"{token}.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return token


def load_upload(folder: Path, owner: User, token: str) -> tuple[str, bytes] | None:
    """The upload behind a token, only for the user who made it (anyone else finds nothing)."""
    if not _TOKEN_RE.fullmatch(token or ""):
        return None
    try:
        meta = json.loads((folder / f"{token}.json").read_text(encoding="utf-8"))
        if meta.get("owner") != owner.id or meta.get("suffix") not in EXTENSIONS:
            return None
        return meta["filename"], (folder / f"{token}{meta['suffix']}").read_bytes()
    except (OSError, ValueError, KeyError):
        return None
