"""Excel (.xlsx) question bank: a template to download, an importer and an exporter.

The layout is the one party branches already keep their question banks in: a sheet named
「题库」, column headers in row 1, one question per row, columns in this order::

    题型 | 题干 | 选项A … 选项H | 答案 | 解析 | 分值 | 考点

How each column is read:

* 题型: 单选题, 多选题, 判断题, 填空题, 数值题, 匹配题, 简答题, 说明 — with or without the 题
  suffix, a few common synonyms (单项选择题, 问答题 …), full-width characters and stray spaces.
* 选项A–选项H (or just A–H): the options of a choice question, filled from A without gaps; for
  a matching question each cell holds one pair "左项 -> 右项" ("→" and "=>" work too), and a
  cell with an empty left side ("-> 干扰项") is an extra distractor.
* 答案 depends on the type: one letter (单选), letters "ACD" / "A、C、D" (多选), 对/错 and its
  usual spellings (判断), accepted answers separated by "|" with an optional "50%:" weight
  (填空), a number, "3±0.5" or a range "1~5" (数值), and empty for 匹配, 简答 and 说明.
* 解析 is the general feedback, 分值 the default mark (default 1, at most 100), 考点 the tags.

Decisions:

* Headers are found by name, so columns may be reordered and unknown columns (序号, 难度 …)
  are ignored. The header is row 1; a title row or two above it (up to row 5) is tolerated,
  because many banks put the branch's name on top.
* Multiple choice uses the rule Chinese exams use and the 说明 sheet explains, 错选不得分、漏选
  按比例得分: with k right options each right option is worth 1/k and each wrong one costs the
  whole mark (-1), so any wrong tick scores 0 and guessing by ticking everything never pays.
  ``multiple_fractions`` is the one place to change should another rule be wanted. Fractions
  are quantized to 7 places like Moodle, and the last right option takes the remainder so the
  right options add up to exactly 1.
* Cells are plain text, so questions come back with ``text_format="plain"``; the sheet has no
  name, category or idnumber columns, so those stay empty and the bank decides them.
* A 说明 (description) row is not a question and carries no mark: its default_mark is 0.
* Nothing is imported when any row is wrong, and every problem is reported with its row, its
  column (the header as written in the file) and a Chinese reason, so a branch secretary can fix
  the whole file in one go.
* The exporter writes the same layout (plus the 说明 sheet) so an exported file can be edited
  and imported again; what the layout cannot hold is listed by ``dump_with_warnings``. It checks
  itself by reading every row it wrote back through the importer.
* Exported text starting with "=", "+", "-", "@" is stored as a typed string with Excel's quote
  prefix, never as a formula (openpyxl would otherwise turn "=…" into a formula). For the same
  reason Excel will not let a member type "-> 干扰项" as is; the 说明 sheet suggests "→ 干扰项"
  or a leading apostrophe.
* Formulas are read as the values Excel cached (``data_only``); numbers, booleans and dates in
  cells are turned back into the text the member typed (2.0 -> "2", a date -> "1949-10-01").
* Untrusted uploads: the workbook is streamed (``read_only``), an archive that inflates past
  100 MB is refused before openpyxl opens it, and more than 5,000 question rows are refused.
  openpyxl's warnings about unsupported Excel extensions are silenced; they are harmless.

The modules: ``layout`` (columns, type labels, answer notations, cell helpers, the template's
texts), ``rows`` (one row to a question, with its checks; the writer's self-check uses it too),
``reader`` (an opened workbook to questions) and ``writer`` (template and export). ``parse``
itself is here because it is the gate for untrusted bytes: ``MAX_UNCOMPRESSED`` is looked up in
this module, where it is documented and where the tests lower it.
"""

from __future__ import annotations

import io
import warnings
import zipfile

from openpyxl import Workbook, load_workbook

from school.quizzes.formats.excel.layout import (
    EXAMPLES,
    HEADERS,
    MAX_ROWS,
    TYPE_LABELS,
    multiple_fractions,
)
from school.quizzes.formats.excel.reader import not_xlsx, read_workbook

# The type spellings are tested through the package.
from school.quizzes.formats.excel.rows import _qtype as _qtype
from school.quizzes.formats.excel.writer import dump, dump_with_warnings, template
from school.quizzes.formats.parsed import FormatError, FormatProblem, ParsedQuestion

__all__ = [
    "EXAMPLES",
    "HEADERS",
    "MAX_ROWS",
    "MAX_UNCOMPRESSED",
    "TYPE_LABELS",
    "dump",
    "dump_with_warnings",
    "multiple_fractions",
    "parse",
    "template",
]

# A zip bomb is refused before openpyxl inflates it; 5,000 honest rows are a few megabytes.
MAX_UNCOMPRESSED = 100 * 1024 * 1024


def parse(data: bytes) -> list[ParsedQuestion]:
    """Read an .xlsx question bank; raise FormatError listing every problem (nothing imported)."""
    # Excel and WPS extensions (data validation lists, slicers) make openpyxl warn; harmless.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        workbook = _open(data)
        try:
            return read_workbook(workbook)
        finally:
            workbook.close()


def _open(data: bytes) -> Workbook:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            size = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise not_xlsx(data) from None
    if size > MAX_UNCOMPRESSED:
        raise FormatError(
            [FormatProblem(None, "文件解压后超过 100 MB，不像是题库文件；请只保留题目后再导入")]
        )
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds (KeyError, InvalidFileException, XML errors)
        raise not_xlsx(data) from None
