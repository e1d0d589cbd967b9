"""Reading an opened workbook: find the bank's sheet and its header row, then check every row.

Opening the uploaded bytes safely is the package's ``parse``; this module never sees raw data.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from school.quizzes.formats.excel.layout import MAX_ROWS, SHEET, cell_text, compact
from school.quizzes.formats.excel.rows import Row, read_question
from school.quizzes.formats.parsed import FormatError, FormatProblem, ParsedQuestion

REQUIRED = ("题型", "题干", "答案")
# How far down a title row may push the header.
HEADER_SEARCH_ROWS = 5

_HEADER_ALIASES = {
    "题型": ("题型", "题目类型", "试题类型", "类型"),
    "题干": ("题干", "题目", "题目内容", "试题内容", "试题", "题干内容"),
    "答案": ("答案", "正确答案", "标准答案"),
    "解析": ("解析", "答案解析", "试题解析", "题目解析"),
    "分值": ("分值", "分数", "默认分值"),
    "考点": ("考点", "知识点", "标签"),
}
_HEADER_LOOKUP = {alias: canon for canon, aliases in _HEADER_ALIASES.items() for alias in aliases}

_NOT_XLSX = (
    "不是有效的 Excel（.xlsx）文件，无法读取。请用 Excel 或 WPS 打开后"
    "“另存为” Excel 工作簿（.xlsx），再重新导入；也可以下载题库模板，把题目复制进去"
)
_OLE = (
    "这是旧版 Excel（.xls）文件或设置了打开密码的文件，无法直接读取。请用 Excel 或 WPS 打开后"
    "“另存为” Excel 工作簿（.xlsx）并取消打开密码，再重新导入"
)


def _header_key(text: str) -> str:
    # "答案（必填）", "*题型" and "选项 a" are the same headers as "答案", "题型", "选项A".
    key = compact(text).replace("*", "")
    return re.sub(r"\(.*\)$", "", key)


class _Header:
    """Where each known column is: canonical name -> (0-based index, header as written)."""

    def __init__(self, values: tuple[object, ...]) -> None:
        self.columns: dict[str, tuple[int, str]] = {}
        self.duplicates: list[tuple[str, int]] = []
        self.extra_options: dict[str, int] = {}  # 选项I …: more options than we support
        for index, value in enumerate(values):
            written = cell_text(value)
            key = _header_key(written)
            if not key:
                continue
            canon = _HEADER_LOOKUP.get(key)
            option = re.fullmatch(r"(?:选项)?([A-H])", key)
            if option:
                canon = f"选项{option[1]}"
            elif re.fullmatch(r"选项[I-Z]", key):
                self.extra_options[written] = index
                continue
            if canon is None:
                continue
            if canon in self.columns:
                self.duplicates.append((canon, index))
            else:
                self.columns[canon] = (index, written)

    @property
    def found(self) -> bool:
        return "题型" in self.columns and "题干" in self.columns

    @property
    def written(self) -> dict[str, str]:
        return {canon: written for canon, (_, written) in self.columns.items()}

    def problems(self, line: int) -> list[FormatProblem]:
        problems = []
        missing = [column for column in REQUIRED if column not in self.columns]
        if missing:
            problems.append(
                FormatProblem(
                    line,
                    f"缺少必需的列：{'、'.join(missing)}。第一行应为列标题："
                    "题型、题干、选项A～选项H、答案、解析、分值、考点（可下载题库模板对照）",
                )
            )
        for canon, index in self.duplicates:
            first = get_column_letter(self.columns[canon][0] + 1)
            problems.append(
                FormatProblem(
                    line,
                    f"「{canon}」列出现了两次（{first} 列和 {get_column_letter(index + 1)} 列），"
                    "请只保留一列",
                    self.columns[canon][1],
                )
            )
        return problems

    def width(self) -> int:
        indexes = [index for index, _ in self.columns.values()]
        return max([*indexes, *self.extra_options.values()]) + 1


def not_xlsx(data: bytes) -> FormatError:
    ole = data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
    return FormatError([FormatProblem(None, _OLE if ole else _NOT_XLSX)])


def _rows(workbook: Workbook) -> tuple[str, Iterator[tuple[int, tuple[object, ...]]]]:
    """The sheet's name and its (row number, values) pairs."""
    sheet = workbook[SHEET] if SHEET in workbook.sheetnames else None
    if sheet is None:
        # A sheet called " 题库 " or "题库（2024）" is still the bank; otherwise take the first.
        named = [ws for ws in workbook.worksheets if compact(ws.title).startswith(SHEET)]
        sheet = (named or workbook.worksheets or [None])[0]
    if sheet is None:
        raise FormatError([FormatProblem(None, "文件里没有工作表")])
    # Some programs write a wrong <dimension>; without this openpyxl would stop reading early.
    sheet.reset_dimensions()
    return sheet.title, enumerate(_guarded(sheet.iter_rows(values_only=True)), start=1)


def _guarded(rows: Iterable[tuple[object, ...]]) -> Iterator[tuple[object, ...]]:
    """The rows; a sheet damaged beyond reading is "not a valid .xlsx", not a crash.

    Read-only openpyxl parses the sheet's XML while iterating, so the damage shows up here,
    after load_workbook succeeded. Only the library's own reading is guarded, not our code.
    """
    iterator = iter(rows)
    while True:
        try:
            values = next(iterator)
        except StopIteration:
            return
        except Exception:  # XML, zip and value errors of every kind
            raise not_xlsx(b"") from None
        yield values


def read_workbook(workbook: Workbook) -> list[ParsedQuestion]:
    """The questions of the bank's sheet; raise FormatError listing every problem."""
    title, rows = _rows(workbook)
    header: _Header | None = None
    header_line = 1
    first: _Header | None = None
    blank = True
    for number, values in rows:
        candidate = _Header(values)
        first = first or candidate
        blank = blank and not any(cell_text(value) for value in values)
        if candidate.found:
            header, header_line = candidate, number
            break
        if number >= HEADER_SEARCH_ROWS:
            break
    if header is None:
        if first is None or blank:
            raise FormatError(
                [
                    FormatProblem(
                        None,
                        f"工作表「{title}」的前 {HEADER_SEARCH_ROWS} 行是空的，没有找到列标题；"
                        "第 1 行应为列标题：题型、题干、选项A～选项H、答案、解析、分值、考点",
                    )
                ]
            )
        header = first
    problems = header.problems(header_line)
    if problems:
        raise FormatError(problems)

    width = header.width()
    names = header.written
    questions: list[ParsedQuestion] = []
    count = 0
    for number, values in rows:
        padded = tuple(values[:width]) + (None,) * (width - len(values))
        cells = {canon: cell_text(padded[index]) for canon, (index, _) in header.columns.items()}
        extra = {
            written: cell_text(padded[index]) for written, index in header.extra_options.items()
        }
        if not any(cells.values()) and not any(extra.values()):
            continue
        count += 1
        if count > MAX_ROWS:
            raise FormatError(
                [
                    FormatProblem(
                        None,
                        f"一个文件最多导入 {MAX_ROWS} 道题，这个文件超过了 {MAX_ROWS} 道"
                        f"（到第 {number} 行为止）。请拆分成几个文件分批导入",
                    )
                ]
            )
        row = Row(number, {k: v for k, v in cells.items() if v}, names)
        for written, text in extra.items():
            if text:
                row.bad(written, "最多支持 8 个选项（选项A～选项H），这一格的内容无法导入")
        question = read_question(row)
        if question is None:
            problems.extend(row.sorted_problems())
        else:
            questions.append(question)
    if problems:
        raise FormatError(problems)
    return questions
