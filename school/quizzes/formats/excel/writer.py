"""Writing the template and exports in the layout the reader accepts, and saying what was lost.

Every written row is read back through the reader's row checks (``rows``), so an export that
would not import again is reported at once rather than when a branch uploads it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from school.formatting import decimal_text, shortest
from school.quizzes.formats.excel.layout import (
    ALTERNATIVES_RE,
    ARROW_RE,
    EXAMPLES,
    HEADERS,
    HELP_COLUMNS,
    HELP_NOTES,
    HELP_SHEET,
    HELP_TYPES,
    LETTERS,
    MAX_ROWS,
    OPTION_COLUMNS,
    SHEET,
    TAG_SPLIT_RE,
    TYPE_LABELS,
    WEIGHT_RE,
    cell_text,
    multiple_fractions,
    to_decimal,
)
from school.quizzes.formats.excel.rows import Row, read_question
from school.quizzes.formats.parsed import ParsedQuestion
from school.spreadsheets import (
    add_help_sheet,
    new_workbook,
    put_text,
    to_bytes,
    write_header,
    write_section,
)

# Excel refuses longer cell texts.
MAX_CELL = 32767
# Markdown that would show as stray characters once the text is read back as plain text.
# Underscores are left out: "______" is how every Chinese fill-in question marks its blank.
_MARKUP_RE = re.compile(r"[*`]|^\s*#|\]\(|<[a-zA-Z/!]", re.MULTILINE)
# Moodle exports fractions with 5 places; differences below this are not worth a warning.
_CLOSE = Decimal("0.00001")
_WIDTHS = {"题型": 10, "题干": 48, "答案": 14, "解析": 40, "分值": 8, "考点": 18}
_OPTION_WIDTH = 22


def _close(a: Decimal, b: Decimal) -> bool:
    return abs(a - b) <= _CLOSE


def _clean(text: str, where: str, notes: list[str]) -> str:
    """Text Excel can store: no control characters, at most 32767 characters."""
    cleaned = ILLEGAL_CHARACTERS_RE.sub("", text)
    if cleaned != text:
        notes.append(f"「{where}」中的控制字符无法写入 Excel，已删除")
    if len(cleaned) > MAX_CELL:
        notes.append(f"「{where}」超过 Excel 单元格 {MAX_CELL} 个字符的上限，已截断")
        cleaned = cleaned[:MAX_CELL]
    return cleaned


def _write_row(sheet: Worksheet, row: int, cells: dict[str, object]) -> None:
    for column, name in enumerate(HEADERS, start=1):
        put_text(sheet, row, column, cells.get(name))


def _new_workbook() -> Workbook:
    workbook, sheet = new_workbook(SHEET)
    write_header(sheet, [(name, _WIDTHS.get(name, _OPTION_WIDTH)) for name in HEADERS])
    # A warning rather than a stop: "单选" and the other short forms are accepted too.
    choices = DataValidation(
        type="list",
        formula1='"' + ",".join(TYPE_LABELS.values()) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="warning",
        errorTitle="题型",
        error="请从下拉列表中选择题型：" + "、".join(TYPE_LABELS.values()),
        showInputMessage=True,
        promptTitle="题型",
        prompt="请从下拉列表中选择；各题型答案的写法见“说明”工作表",
    )
    sheet.add_data_validation(choices)
    choices.add(f"A2:A{MAX_ROWS + 1}")
    _add_help(workbook)
    return workbook


def _add_help(workbook: Workbook) -> None:
    sheet = add_help_sheet(workbook, HELP_SHEET, "题库导入说明", (16, 72, 40))
    row = 3

    def section(*names: str) -> None:
        nonlocal row
        write_section(sheet, row, names)
        row += 1

    def lines(items: Iterable[tuple[str, ...]]) -> None:
        nonlocal row
        for item in items:
            for column, text in enumerate(item, start=1):
                put_text(sheet, row, column, text)
            if len(item) == 1:  # a note spans the page instead of wrapping in a narrow column
                sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=3)
            row += 1
        row += 1

    section("列", "说明", "示例")
    lines(HELP_COLUMNS)
    section("题型", "「答案」列的写法", "示例")
    lines(HELP_TYPES)
    section("注意事项")
    lines((note,) for note in HELP_NOTES)


def template() -> bytes:
    """The .xlsx a branch downloads, fills in and imports: example rows and a 说明 sheet."""
    workbook = _new_workbook()
    sheet = workbook[SHEET]
    for row, cells in enumerate(EXAMPLES, start=2):
        _write_row(sheet, row, cells)
    return to_bytes(workbook)


# One writer per type: fills the option and 答案 cells, notes what the layout cannot hold.


def _percent(fraction: Decimal) -> str:
    return decimal_text(fraction * 100)


def _option_cells(texts: list[str], cells: dict[str, object], notes: list[str]) -> None:
    if len(texts) > len(LETTERS):
        notes.append(f"有 {len(texts)} 个选项，Excel 题库最多 8 个，后 {len(texts) - 8} 个没有导出")
    for column, text in zip(OPTION_COLUMNS, texts, strict=False):
        cells[column] = text


def _dump_single(q: ParsedQuestion, cells: dict[str, object], notes: list[str]) -> None:
    answers = q.answers[: len(LETTERS)]
    _option_cells([a.text for a in q.answers], cells, notes)
    if not answers or max(a.fraction for a in answers) <= 0:
        notes.append("没有得分的选项，「答案」列留空")
        return
    best = max(range(len(answers)), key=lambda i: answers[i].fraction)
    standard = _close(answers[best].fraction, Decimal(1)) and all(
        _close(a.fraction, Decimal(0)) for i, a in enumerate(q.answers) if i != best
    )
    if not standard:
        notes.append(
            "单选题在 Excel 中只能有一个满分选项、其余 0 分，"
            f"已把得分最高的选项 {LETTERS[best]} 作为答案"
        )
    cells["答案"] = LETTERS[best]


def _dump_multiple(q: ParsedQuestion, cells: dict[str, object], notes: list[str]) -> None:
    answers = q.answers[: len(LETTERS)]
    _option_cells([a.text for a in q.answers], cells, notes)
    right = [a.fraction > 0 for a in answers]
    if not any(right):
        notes.append("没有得分的选项，「答案」列留空")
        return
    letters = "".join(letter for letter, ok in zip(LETTERS, right, strict=False) if ok)
    expected = multiple_fractions(right)
    if not all(_close(a.fraction, e) for a, e in zip(answers, expected, strict=True)):
        notes.append(
            "多选题各选项的得分不是“选对平分、选错倒扣”的规则，"
            f"已按该规则导出（正确选项 {letters}）"
        )
    cells["答案"] = letters


def _dump_truefalse(q: ParsedQuestion, cells: dict[str, object], notes: list[str]) -> None:
    fractions = {a.text: a.fraction for a in q.answers}
    true, false = fractions.get("true", Decimal(0)), fractions.get("false", Decimal(0))
    if set(fractions) != {"true", "false"} or len(q.answers) != 2:
        notes.append("判断题的答案不是“对”“错”两项，已按得分高的一项导出")
    elif not (_close(max(true, false), Decimal(1)) and _close(min(true, false), Decimal(0))):
        notes.append("判断题在 Excel 中只能是对的一项满分、另一项 0 分，已按得分高的一项导出")
    cells["答案"] = "正确" if true >= false else "错误"


def _weighted_cell(parts: list[tuple[Decimal, str]], notes: list[str]) -> str:
    written = []
    for fraction, text in parts:
        if not (0 < fraction <= 1):
            notes.append(
                f"答案“{text}”的得分比例为 {_percent(fraction)}%，Excel 题库只能保存 "
                "0%～100% 之间的比例，这个答案没有导出"
            )
        elif fraction == 1 and not WEIGHT_RE.fullmatch(text):
            written.append(text)
        else:
            # "100%:" keeps an answer that itself looks like "50%:x" from being read as a weight.
            written.append(f"{_percent(fraction)}%:{text}")
    return "|".join(written)


def _dump_fillin(q: ParsedQuestion, cells: dict[str, object], notes: list[str]) -> None:
    parts = []
    for answer in q.answers:
        text = answer.text.strip()
        if ALTERNATIVES_RE.search(text):
            notes.append(f"答案“{text}”含有分隔符 |，重新导入时会被拆成几个答案")
        parts.append((answer.fraction, text))
    if q.case_sensitive:
        notes.append("“区分大小写”的设置没有导出，重新导入后不区分大小写")
    cells["答案"] = _weighted_cell(parts, notes)


def _dump_numerical(q: ParsedQuestion, cells: dict[str, object], notes: list[str]) -> None:
    parts = []
    for answer in q.answers:
        text = answer.text.strip()
        value = to_decimal(text)
        tolerance = abs(answer.tolerance or Decimal(0))
        if text == "*":
            body = "*"
        elif value is None:
            notes.append(f"数值答案“{text}”不是数字，没有导出")
            continue
        elif tolerance == 0:
            body = decimal_text(value)
        else:
            body = f"{decimal_text(value)}±{decimal_text(tolerance)}"
        parts.append((answer.fraction, body))
    cells["答案"] = _weighted_cell(parts, notes)


def _dump_matching(q: ParsedQuestion, cells: dict[str, object], notes: list[str]) -> None:
    texts = []
    for answer in q.answers:
        left, right = answer.text.strip(), (answer.match or "").strip()
        if ARROW_RE.search(left):
            notes.append(f"左项“{left}”含有箭头，重新导入时会在箭头处断开")
        texts.append(f"{left} -> {right}" if left else f"-> {right}")
    _option_cells(texts, cells, notes)


def _dump_no_answers(q: ParsedQuestion, cells: dict[str, object], notes: list[str]) -> None:
    if q.answers:
        notes.append(f"{TYPE_LABELS[q.qtype]}的答案没有导出（Excel 中这类题的「答案」列留空）")


_DUMPERS: dict[str, Callable[[ParsedQuestion, dict[str, object], list[str]], None]] = {
    "single": _dump_single,
    "multiple": _dump_multiple,
    "truefalse": _dump_truefalse,
    "fillin": _dump_fillin,
    "numerical": _dump_numerical,
    "matching": _dump_matching,
    "essay": _dump_no_answers,
    "description": _dump_no_answers,
}


def _cells(q: ParsedQuestion, notes: list[str]) -> dict[str, object] | None:
    """The row for one question (canonical column -> value), or None when it has no row."""
    label = TYPE_LABELS.get(q.qtype)
    if label is None:
        notes.append(f"题型“{q.qtype}”无法写入 Excel 题库，这道题没有导出")
        return None
    cells: dict[str, object] = {"题型": label, "题干": q.text, "解析": q.general_feedback}
    if q.qtype != "description":
        cells["分值"] = shortest(q.default_mark)
    if q.tags:
        for tag in q.tags:
            if TAG_SPLIT_RE.search(tag):
                notes.append(f"考点“{tag}”含有逗号、顿号或分号，重新导入时会被拆开")
        cells["考点"] = "、".join(tag.strip() for tag in q.tags)
    texts = [q.text, q.general_feedback]
    if q.qtype in ("single", "multiple", "matching"):  # a fill-in "*" is an answer, not markup
        texts += [text for a in q.answers for text in (a.text, a.match or "")]
    if q.text_format in ("html", "moodle"):
        notes.append("题目是 HTML 格式，Excel 中按原文保存，重新导入后标签会作为文字显示")
    elif q.text_format == "markdown" and any(_MARKUP_RE.search(text) for text in texts):
        notes.append("题目中的 Markdown 格式（加粗、链接等）按原文保存，重新导入后按纯文本显示")
    if any(a.feedback for a in q.answers):
        notes.append("选项和答案的反馈没有导出（Excel 题库没有反馈列）")
    _DUMPERS[q.qtype](q, cells, notes)
    for column, value in cells.items():
        if isinstance(value, str):
            cells[column] = _clean(value, column, notes)
    return cells


def _same(original: ParsedQuestion, back: ParsedQuestion) -> bool:
    """Whether reading the row back gives the question (ignoring what is reported elsewhere)."""
    if (original.qtype, cell_text(original.text), cell_text(original.general_feedback)) != (
        back.qtype,
        back.text,
        back.general_feedback,
    ):
        return False
    if [t.strip() for t in original.tags if t.strip()] != back.tags:
        return False
    if original.qtype != "description" and original.default_mark != back.default_mark:
        return False
    if len(original.answers) != len(back.answers):
        return False
    for a, b in zip(original.answers, back.answers, strict=True):
        if original.qtype == "numerical":
            same_text = a.text.strip() == b.text or to_decimal(a.text) == to_decimal(b.text)
            if not same_text or (a.tolerance or 0) != (b.tolerance or 0):
                return False
        elif cell_text(a.text) != b.text or cell_text(a.match or "") != (b.match or ""):
            return False
        if original.qtype != "matching" and not _close(a.fraction, b.fraction):
            return False
    return True


def _label(number: int, q: ParsedQuestion) -> str:
    short = re.sub(r"\s+", " ", q.name.strip() or q.text.strip())
    if len(short) > 20:
        short = short[:20] + "…"
    return f"第 {number} 题「{short}」"


def dump_with_warnings(questions: list[ParsedQuestion]) -> tuple[bytes, list[str]]:
    """The questions as an .xlsx in the template's layout, and what it could not keep."""
    workbook = _new_workbook()
    sheet = workbook[SHEET]
    found: list[str] = []
    row = 2
    for number, question in enumerate(questions, start=1):
        notes: list[str] = []
        cells = _cells(question, notes)
        if cells is not None:
            _write_row(sheet, row, cells)
            # Read the row back the way parse() will, so no surprise waits at import time.
            texts = {column: cell_text(value) for column, value in cells.items()}
            check = Row(row, {k: v for k, v in texts.items() if v}, {})
            back = read_question(check)
            if back is None:
                notes.extend(
                    f"重新导入时会出错：{p.column}：{p.message}" for p in check.sorted_problems()
                )
            elif not notes and not _same(question, back):
                notes.append("有些内容无法在 Excel 中原样保存，导出的题目与原题略有不同")
            row += 1
        found.extend(f"{_label(number, question)}：{note}" for note in notes)

    named = sum(1 for q in questions if q.name.strip())
    if named:
        found.append(f"Excel 题库没有“名称”列，{named} 道题的名称没有导出")
    numbered = sum(1 for q in questions if q.idnumber)
    if numbered:
        found.append(f"Excel 题库没有“编号”列，{numbered} 道题的编号（idnumber）没有导出")
    categories = {q.category for q in questions if q.category}
    if len(categories) > 1:
        found.append(
            f"题目来自 {len(categories)} 个分类，Excel 题库不保存分类，重新导入时会放进同一个分类"
        )
    if row - 2 > MAX_ROWS:
        found.append(
            f"共导出 {row - 2} 道题，超过一次导入的上限 {MAX_ROWS} 道，重新导入前需要拆分文件"
        )
    return to_bytes(workbook), found


def dump(questions: list[ParsedQuestion]) -> bytes:
    """The questions as an .xlsx in the template's layout (see dump_with_warnings)."""
    return dump_with_warnings(questions)[0]
