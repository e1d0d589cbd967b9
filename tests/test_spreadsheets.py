"""Spreadsheet cells the school writes never run as formulas, and the shared look holds."""

import csv
import io
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from school.spreadsheets import (
    XLSX_MIMETYPE,
    SheetError,
    add_help_sheet,
    csv_bytes,
    download,
    is_formula_like,
    neutralise,
    new_workbook,
    put_text,
    sheet_rows,
    streamed_cell,
    to_bytes,
    write_header,
    write_section,
)

HOSTILE = ['=HYPERLINK("http://evil.example/","点我")', "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]


@pytest.mark.parametrize("text", HOSTILE)
def test_formula_like_text_is_recognised_and_quoted(text):
    assert is_formula_like(text)
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("value", ["张党员", "a=b", "", 3, -1.5, None])
def test_other_values_are_left_as_they_are(value):
    assert not is_formula_like(value)
    assert neutralise(value) == value


def test_put_text_keeps_text_as_typed_and_never_a_formula():
    hostile = HOSTILE[:-1]  # XML reads a lone CR back as LF
    workbook, sheet = new_workbook("题库")
    for column, value in enumerate([*hostile, "#N/A", "正文", 1.5, ""], start=1):
        put_text(sheet, 1, column, value)
    back = load_workbook(io.BytesIO(to_bytes(workbook)))["题库"]
    row = back[1]
    for cell, value in zip(row, hostile, strict=False):
        assert (cell.value, cell.data_type, cell.quotePrefix) == (value, "s", True)
    assert (row[5].value, row[5].data_type, row[5].quotePrefix) == ("#N/A", "s", False)
    assert (row[6].value, row[6].quotePrefix) == ("正文", False)
    assert (row[7].value, row[7].data_type) == (1.5, "n")
    assert len(row) == 8  # the empty value wrote no cell
    assert row[6].alignment.wrap_text
    xml = zipfile.ZipFile(io.BytesIO(to_bytes(workbook))).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in xml


def test_streamed_cells_quote_formula_like_text_only():
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("报表")
    sheet.append([streamed_cell(sheet, value) for value in ["=1+1", "张", 3]])
    back = load_workbook(io.BytesIO(to_bytes(workbook))).active
    assert [c.value for c in back[1]] == ["'=1+1", "张", 3]
    assert back["A1"].data_type == "s"


def test_csv_has_a_byte_order_mark_crlf_lines_and_quoted_formulas():
    data = csv_bytes([["姓名", "学时"], ["=1+1", "1.5"]])
    assert data.startswith("\ufeff".encode())
    assert b"\r\n" in data
    assert list(csv.reader(io.StringIO(data.decode("utf-8-sig")))) == [
        ["姓名", "学时"],
        ["'=1+1", "1.5"],
    ]


def test_template_look_header_help_sheet_and_sections():
    workbook, sheet = new_workbook("名册")
    write_header(sheet, [("党员编号", 12), ("姓名", 20)])
    help_sheet = add_help_sheet(workbook, "说明", "导入说明", (20, 8))
    write_section(help_sheet, 3, ("列", "必填"))
    back = load_workbook(io.BytesIO(to_bytes(workbook)))
    header = back["名册"]
    assert back.properties.creator == "网上党校"
    assert [c.value for c in header[1]] == ["党员编号", "姓名"]
    assert header["A1"].font.bold and header["A1"].fill.fgColor.rgb.endswith("C00000")
    assert header.freeze_panes == "A2"
    assert header.column_dimensions["B"].width == 20
    explained = back["说明"]
    assert explained["A1"].value == "导入说明" and explained["A1"].font.sz == 14
    assert explained["B3"].value == "必填" and explained["B3"].fill.fgColor.rgb.endswith("F2DCDB")
    assert explained.column_dimensions["A"].width == 20


def test_a_download_is_an_attachment_named_in_utf8():
    response = download(b"PK", "roster-template.xlsx")
    assert response.mimetype == XLSX_MIMETYPE
    assert response.headers["Content-Disposition"] == (
        "attachment; filename*=UTF-8''roster-template.xlsx"
    )
    assert download(b"a", "x.csv", "text/csv").mimetype == "text/csv"


def test_sheets_are_read_alike_whatever_feature_sends_them():
    text = "党员编号,姓名\n\nA001,王明\n".encode("gb18030")
    assert sheet_rows(text, ".csv", what="签到表", max_unzipped=1) == [
        (1, ["党员编号", "姓名"]),
        (2, []),
        (3, ["A001", "王明"]),
    ]
    for data, suffix, message in (
        (b"PK\x03\x04 truncated", ".xlsx", "签到表不是有效的 Excel 工作簿"),
        (b"a\x00b", ".csv", "签到表不是文本格式的 CSV"),
        (b"\xff\xfe\xff\xfe\x81", ".csv", "签到表的编码无法识别"),
    ):
        with pytest.raises(SheetError, match=message):
            sheet_rows(data, suffix, what="签到表", max_unzipped=1024)
