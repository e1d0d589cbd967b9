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
"""

from __future__ import annotations

import io
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from school.quizzes.formats.parsed import (
    QTYPES,
    FormatError,
    FormatProblem,
    ParsedAnswer,
    ParsedQuestion,
)

SHEET = "题库"
HELP_SHEET = "说明"
LETTERS = "ABCDEFGH"
OPTION_COLUMNS = tuple(f"选项{letter}" for letter in LETTERS)
HEADERS = ("题型", "题干", *OPTION_COLUMNS, "答案", "解析", "分值", "考点")
REQUIRED = ("题型", "题干", "答案")
MAX_ROWS = 5000
MAX_MARK = Decimal(100)
# A zip bomb is refused before openpyxl inflates it; 5,000 honest rows are a few megabytes.
MAX_UNCOMPRESSED = 100 * 1024 * 1024
# Excel refuses longer cell texts.
MAX_CELL = 32767
# How far down a title row may push the header.
HEADER_SEARCH_ROWS = 5

TYPE_LABELS = {
    "single": "单选题",
    "multiple": "多选题",
    "truefalse": "判断题",
    "fillin": "填空题",
    "numerical": "数值题",
    "matching": "匹配题",
    "essay": "简答题",
    "description": "说明",
}
assert tuple(TYPE_LABELS) == QTYPES  # a new question type must get a label here

# Keys are compared after _compact() and with a trailing 题 removed.
_TYPE_ALIASES = {
    "单选": "single",
    "单项选择": "single",
    "多选": "multiple",
    "多项选择": "multiple",
    "不定项选择": "multiple",
    "判断": "truefalse",
    "是非": "truefalse",
    "填空": "fillin",
    "数值": "numerical",
    "匹配": "matching",
    "连线": "matching",
    "简答": "essay",
    "问答": "essay",
    "论述": "essay",
    "说明": "description",
    **{key.upper(): key for key in QTYPES},
}

_HEADER_ALIASES = {
    "题型": ("题型", "题目类型", "试题类型", "类型"),
    "题干": ("题干", "题目", "题目内容", "试题内容", "试题", "题干内容"),
    "答案": ("答案", "正确答案", "标准答案"),
    "解析": ("解析", "答案解析", "试题解析", "题目解析"),
    "分值": ("分值", "分数", "默认分值"),
    "考点": ("考点", "知识点", "标签"),
}
_HEADER_LOOKUP = {alias: canon for canon, aliases in _HEADER_ALIASES.items() for alias in aliases}

_TRUE_WORDS = frozenset({"对", "正确", "√", "✓", "✔", "T", "TRUE", "是", "Y", "YES", "真"})
_FALSE_WORDS = frozenset({"错", "错误", "×", "✗", "✘", "X", "F", "FALSE", "否", "N", "NO", "假"})

_NUMBER = r"[+-]?(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)"
_UNSIGNED = r"(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)"
_EXACT_RE = re.compile(rf"({_NUMBER})(?:(?:±|\+/?-)({_UNSIGNED}))?")
_RANGE_RE = re.compile(rf"({_NUMBER})(?:~|\.\.|至|到|—|–)({_NUMBER})")
_WEIGHT_RE = re.compile(r"\s*([0-9０-９.．]+)\s*[%％]\s*[:：]\s*(.*)", re.DOTALL)
_ALTERNATIVES_RE = re.compile(r"[|｜]")
_ARROW_RE = re.compile(r"[-－]+\s*[>＞]|[=＝]\s*[>＞]|→|⇒|⟶")
_TAG_SPLIT_RE = re.compile(r"[，,、;；]")
# Markdown that would show as stray characters once the text is read back as plain text.
# Underscores are left out: "______" is how every Chinese fill-in question marks its blank.
_MARKUP_RE = re.compile(r"[*`]|^\s*#|\]\(|<[a-zA-Z/!]", re.MULTILINE)
_SEVEN_PLACES = Decimal("0.0000001")
# Moodle exports fractions with 5 places; differences below this are not worth a warning.
_CLOSE = Decimal("0.00001")

_NOT_XLSX = (
    "不是有效的 Excel（.xlsx）文件，无法读取。请用 Excel 或 WPS 打开后"
    "“另存为” Excel 工作簿（.xlsx），再重新导入；也可以下载题库模板，把题目复制进去"
)
_OLE = (
    "这是旧版 Excel（.xls）文件或设置了打开密码的文件，无法直接读取。请用 Excel 或 WPS 打开后"
    "“另存为” Excel 工作簿（.xlsx）并取消打开密码，再重新导入"
)


# --- small helpers -------------------------------------------------------------------------


def _nfkc(text: str) -> str:
    """Full-width letters, digits and punctuation become their ASCII forms."""
    return unicodedata.normalize("NFKC", text)


def _compact(text: str) -> str:
    """For keywords (types, headers, letters): NFKC, no whitespace at all, upper case."""
    return re.sub(r"\s+", "", _nfkc(text)).upper()


def _cell_text(value: object) -> str:
    """A cell's value as the text the member typed, whatever type Excel stored it as."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # Excel stores 2 as 2.0 when it comes out of a formula; repr is the shortest exact form.
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, Decimal):
        return format(_plain(value), "f")
    if isinstance(value, datetime):
        # Excel turns "2024-7-1" into a date; give back what was typed, not a timestamp.
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()


def _decimal(text: str) -> Decimal | None:
    """A plain decimal number (no exponent, no thousands separators), or None."""
    text = _compact(text)
    if not re.fullmatch(_NUMBER, text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern only lets numbers through
        return None


def _plain(value: Decimal) -> Decimal:
    """One spelling per value, so that "2.0", "2" and "2.00" all read back as Decimal("2")."""
    if value == value.to_integral_value():
        # quantize instead of normalize: Decimal("10").normalize() is 1E+1. "+ 0" drops a -0.
        return value.quantize(Decimal(1)) + 0
    return value.normalize()


def _fixed(value: Decimal) -> str:
    return format(_plain(value), "f")


def _has_seven_places(value: Decimal) -> bool:
    return value == value.quantize(_SEVEN_PLACES)


def _close(a: Decimal, b: Decimal) -> bool:
    return abs(a - b) <= _CLOSE


def multiple_fractions(correct: list[bool]) -> list[Decimal]:
    """The anti-guessing fractions of a multiple-choice question, one per option.

    With k right options each right one is worth 1/k and each wrong one costs everything (-1);
    the last right option takes the rounding remainder so the right options sum to exactly 1.
    """
    k = sum(correct)
    if k == 0:
        return [Decimal(0)] * len(correct)
    share = (Decimal(1) / k).quantize(_SEVEN_PLACES)
    last = max(i for i, right in enumerate(correct) if right)
    remainder = Decimal(1) - share * (k - 1)
    return [
        _plain(remainder if i == last else share) if right else Decimal(-1)
        for i, right in enumerate(correct)
    ]


# --- reading -------------------------------------------------------------------------------


class _Row:
    """One data row: its cells by canonical column, and the problems found in it."""

    def __init__(self, number: int, cells: dict[str, str], headers: dict[str, str]) -> None:
        self.number = number
        self.cells = cells
        self.headers = headers
        self.problems: list[FormatProblem] = []
        self._columns: list[str] = []  # the canonical column of each problem

    def get(self, column: str) -> str:
        return self.cells.get(column, "")

    def bad(self, column: str, message: str) -> None:
        # Name the column the way the file does, so "正确答案" stays "正确答案".
        self.problems.append(FormatProblem(self.number, message, self.headers.get(column, column)))
        self._columns.append(column)

    def sorted_problems(self) -> list[FormatProblem]:
        """The problems left to right, the way the secretary reads the row."""
        order = {column: index for index, column in enumerate(HEADERS)}
        ranked = zip(self._columns, self.problems, strict=True)
        return [p for _, p in sorted(ranked, key=lambda pair: order.get(pair[0], len(HEADERS)))]

    def options(self) -> list[tuple[str, str]]:
        """(letter, text) from A to the last filled option; a gap is a problem."""
        filled = [letter for letter in LETTERS if self.get(f"选项{letter}")]
        if not filled:
            return []
        last = LETTERS.index(filled[-1])
        for letter in LETTERS[:last]:
            if not self.get(f"选项{letter}"):
                self.bad(
                    f"选项{letter}",
                    f"选项 {letter} 为空，但后面的选项 {filled[-1]} 有内容；"
                    "选项应从 A 开始连续填写",
                )
        return [(letter, self.get(f"选项{letter}")) for letter in LETTERS[: last + 1]]

    def no_options(self, label: str, hint: str = "") -> None:
        for column in OPTION_COLUMNS:
            if self.get(column):
                self.bad(column, f"{label}不使用选项列，选项A～选项H 应留空{hint}")
                return


def _qtype(text: str) -> str | None:
    key = _compact(text)
    if key.endswith("题") and len(key) > 1:
        key = key[:-1]
    return _TYPE_ALIASES.get(key)


def _truth(text: str) -> bool | None:
    key = _compact(text)
    if key in _TRUE_WORDS:
        return True
    if key in _FALSE_WORDS:
        return False
    return None


def _mark(row: _Row, qtype: str | None) -> Decimal:
    raw = row.get("分值")
    if qtype == "description":
        if raw:
            row.bad("分值", "说明不是题目，不计分，「分值」列应留空")
        return Decimal(0)
    if not raw:
        return Decimal(1)
    mark = _decimal(raw)
    if mark is None or not (0 < mark <= MAX_MARK) or not _has_seven_places(mark):
        row.bad("分值", f"分值“{raw}”无效，应为大于 0、不超过 100 的数，例如 2")
        return Decimal(1)
    return _plain(mark)


def _tags(raw: str) -> list[str]:
    tags: list[str] = []
    for part in _TAG_SPLIT_RE.split(raw):
        tag = part.strip()
        if tag and tag not in tags:
            tags.append(tag)
    return tags


def _choices(row: _Row, label: str) -> list[tuple[str, str]]:
    options = row.options()
    if len([text for _, text in options if text]) < 2:
        missing = "选项A" if not row.get("选项A") else "选项B"
        row.bad(missing, f"{label}至少需要两个选项（选项A、选项B）")
    seen: dict[str, str] = {}
    for letter, text in options:
        if text in seen:
            row.bad(f"选项{letter}", f"选项 {letter} 与选项 {seen[text]} 内容相同")
        elif text:
            seen[text] = letter
    return options


def _single(row: _Row) -> list[ParsedAnswer]:
    options = _choices(row, "单选题")
    raw = row.get("答案")
    key = _compact(raw)
    if not key:
        row.bad("答案", "答案为空；单选题的答案应为一个选项字母，例如 B")
        return []
    if not re.fullmatch(r"[A-H]", key):
        hint = "（有多个正确答案的请把题型改为多选题）" if re.fullmatch(r"[A-H,、;]+", key) else ""
        row.bad("答案", f"单选题的答案应为一个选项字母，例如 B{hint}")
        return []
    if key not in {letter for letter, text in options if text}:
        row.bad("答案", f"答案 {key} 对应的选项为空")
        return []
    return [
        ParsedAnswer(text, Decimal(1) if letter == key else Decimal(0)) for letter, text in options
    ]


def _multiple(row: _Row) -> list[ParsedAnswer]:
    options = _choices(row, "多选题")
    raw = row.get("答案")
    key = re.sub(r"[,;、/|]", "", _compact(raw))
    if not key:
        row.bad("答案", "答案为空；多选题的答案应为所有正确选项的字母，例如 ACD")
        return []
    if not re.fullmatch(r"[A-H]+", key):
        row.bad("答案", "多选题的答案应为选项字母，例如 ACD 或 A、C、D")
        return []
    letters = list(dict.fromkeys(key))
    filled = {letter for letter, text in options if text}
    missing = [letter for letter in letters if letter not in filled]
    if missing:
        row.bad("答案", f"答案 {'、'.join(missing)} 对应的选项为空")
        return []
    fractions = multiple_fractions([letter in letters for letter, _ in options])
    return [
        ParsedAnswer(text, fraction) for (_, text), fraction in zip(options, fractions, strict=True)
    ]


def _truefalse(row: _Row) -> list[ParsedAnswer]:
    # Some exam systems write 判断题 as two options "A 正确 / B 错误" and answer with a letter.
    options = row.options()
    for letter, text in options:
        if text and _truth(text) is None:
            row.bad(
                f"选项{letter}", "判断题不需要选项，选项列应留空，答案请在「答案」列填写 对 或 错"
            )
            break
    raw = row.get("答案")
    value = _truth(raw)
    key = _compact(raw)
    if value is None and re.fullmatch(r"[A-H]", key):
        value = _truth(dict(options).get(key, ""))
    if value is None:
        start = "答案为空；" if not raw else ""
        row.bad("答案", f"{start}判断题的答案应为 对 或 错（也可写 正确/错误、√/×、T/F、是/否）")
        return []
    return [
        ParsedAnswer("true", Decimal(1) if value else Decimal(0)),
        ParsedAnswer("false", Decimal(0) if value else Decimal(1)),
    ]


def _weighted(row: _Row, raw: str) -> Iterator[tuple[Decimal, str]]:
    """The "|"-separated alternatives of an answer cell with their fractions ("50%:x" is 0.5)."""
    for part in _ALTERNATIVES_RE.split(raw):
        part = part.strip()
        if not part:
            continue
        match = _WEIGHT_RE.fullmatch(part)
        if match is None:
            yield Decimal(1), part
            continue
        percent = _decimal(match[1])
        fraction = percent / 100 if percent is not None else None
        if fraction is None or not (0 < fraction <= 1) or not _has_seven_places(fraction):
            row.bad(
                "答案",
                f"“{part}”的得分比例无效，应在 0%～100% 之间，例如 50%:答案",
            )
            continue
        yield _plain(fraction), match[2].strip()


def _need_full_marks(row: _Row, answers: list[ParsedAnswer], raw: str) -> None:
    if answers and not any(answer.fraction == 1 for answer in answers):
        row.bad("答案", f"“{raw}”中至少要有一个满分答案（不带百分比的答案）")


def _fillin(row: _Row) -> list[ParsedAnswer]:
    row.no_options("填空题", "，答案请写在「答案」列")
    raw = row.get("答案")
    if not raw:
        row.bad("答案", "答案为空；填空题请填写可接受的答案，多个答案用 | 分隔，例如 1921|1921年")
        return []
    answers: list[ParsedAnswer] = []
    for fraction, text in _weighted(row, raw):
        if not text:
            row.bad("答案", f"“{raw}”中有一个答案只有比例没有内容")
        elif text in {answer.text for answer in answers}:
            row.bad("答案", f"答案“{text}”重复")
        else:
            answers.append(ParsedAnswer(text, fraction))
    _need_full_marks(row, answers, raw)
    return answers


def _numerical(row: _Row) -> list[ParsedAnswer]:
    row.no_options("数值题", "，答案请写在「答案」列")
    raw = row.get("答案")
    if not raw:
        row.bad("答案", "答案为空；数值题的答案应为数字，例如 3、3±0.5 或 1~5")
        return []
    answers: list[ParsedAnswer] = []
    for fraction, text in _weighted(row, raw):
        body = _compact(text)
        exact = _EXACT_RE.fullmatch(body)
        span = _RANGE_RE.fullmatch(body)
        if body == "*":
            answers.append(ParsedAnswer("*", fraction, tolerance=Decimal(0)))
        elif exact is not None:
            value = Decimal(exact[1])
            tolerance = Decimal(exact[2]) if exact[2] else Decimal(0)
            answers.append(ParsedAnswer(_fixed(value), fraction, tolerance=_plain(tolerance)))
        elif span is not None:
            low, high = Decimal(span[1]), Decimal(span[2])
            if low > high:
                row.bad("答案", f"范围“{text}”的下限大于上限")
                continue
            # A range is stored the Moodle way: its middle and half its width.
            answers.append(
                ParsedAnswer(_fixed((low + high) / 2), fraction, tolerance=_plain((high - low) / 2))
            )
        else:
            row.bad("答案", f"“{text}”不是数值题的答案，应为数字，例如 3、3±0.5 或 1~5")
    _need_full_marks(row, answers, raw)
    return answers


def _matching(row: _Row) -> list[ParsedAnswer]:
    if row.get("答案"):
        row.bad("答案", "匹配题的配对写在选项列中（每格一对“左项 -> 右项”），「答案」列应留空")
    pairs: list[ParsedAnswer] = []
    lefts: dict[str, str] = {}
    for letter, text in row.options():
        if not text:
            continue  # the gap is already reported
        column = f"选项{letter}"
        arrow = _ARROW_RE.search(text)
        if arrow is None:
            row.bad(column, f"选项 {letter} 应写成“左项 -> 右项”，例如 遵义会议 -> 1935年")
            continue
        left, right = text[: arrow.start()].strip(), text[arrow.end() :].strip()
        if not right:
            row.bad(column, f"选项 {letter} 的右项为空")
            continue
        if left and left in lefts:
            row.bad(column, f"选项 {letter} 的左项“{left}”与选项 {lefts[left]} 重复")
            continue
        if left:
            lefts[left] = letter
        pairs.append(ParsedAnswer(left, Decimal(1), match=right))
    if len(lefts) < 2:
        row.bad("选项A", "匹配题至少需要两对“左项 -> 右项”，每个选项格写一对")
    return pairs


def _essay(row: _Row) -> list[ParsedAnswer]:
    row.no_options("简答题")
    if row.get("答案"):
        row.bad("答案", "简答题由人工评分，「答案」列应留空；参考答案请写在「解析」列")
    return []


def _description(row: _Row) -> list[ParsedAnswer]:
    row.no_options("说明")
    if row.get("答案"):
        row.bad("答案", "说明不是题目，「答案」列应留空")
    return []


_ANSWERS: dict[str, Callable[[_Row], list[ParsedAnswer]]] = {
    "single": _single,
    "multiple": _multiple,
    "truefalse": _truefalse,
    "fillin": _fillin,
    "numerical": _numerical,
    "matching": _matching,
    "essay": _essay,
    "description": _description,
}


def _question(row: _Row) -> ParsedQuestion | None:
    """The row's question, or None with the reasons in row.problems."""
    for column, text in row.cells.items():
        if text.startswith("#") and text in ERROR_CODES:
            row.bad(column, f"单元格是公式的错误值 {text}，请改成实际内容")
    raw_type = row.get("题型")
    qtype = None
    if not raw_type:
        row.bad("题型", "题型为空，请从下拉列表中选择，例如 单选题")
    else:
        qtype = _qtype(raw_type)
        if qtype is None:
            row.bad("题型", f"未知题型“{raw_type}”，可选：{'、'.join(TYPE_LABELS.values())}")
    text = row.get("题干")
    if not text:
        row.bad("题干", "题干为空")
    mark = _mark(row, qtype)
    answers = _ANSWERS[qtype](row) if qtype else []
    if row.problems or qtype is None:
        return None
    return ParsedQuestion(
        qtype=qtype,
        text=text,
        text_format="plain",
        answers=answers,
        general_feedback=row.get("解析"),
        tags=_tags(row.get("考点")),
        default_mark=mark,
        line=row.number,
    )


def _header_key(text: str) -> str:
    # "答案（必填）", "*题型" and "选项 a" are the same headers as "答案", "题型", "选项A".
    key = _compact(text).replace("*", "")
    return re.sub(r"\(.*\)$", "", key)


class _Header:
    """Where each known column is: canonical name -> (0-based index, header as written)."""

    def __init__(self, values: tuple[object, ...]) -> None:
        self.columns: dict[str, tuple[int, str]] = {}
        self.duplicates: list[tuple[str, int]] = []
        self.extra_options: dict[str, int] = {}  # 选项I …: more options than we support
        for index, value in enumerate(values):
            written = _cell_text(value)
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


def _not_xlsx(data: bytes) -> FormatError:
    ole = data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
    return FormatError([FormatProblem(None, _OLE if ole else _NOT_XLSX)])


def _open(data: bytes) -> Workbook:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            size = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _not_xlsx(data) from None
    if size > MAX_UNCOMPRESSED:
        raise FormatError(
            [FormatProblem(None, "文件解压后超过 100 MB，不像是题库文件；请只保留题目后再导入")]
        )
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds (KeyError, InvalidFileException, XML errors)
        raise _not_xlsx(data) from None


def _rows(workbook: Workbook) -> tuple[str, Iterator[tuple[int, tuple[object, ...]]]]:
    """The sheet's name and its (row number, values) pairs."""
    sheet = workbook[SHEET] if SHEET in workbook.sheetnames else None
    if sheet is None:
        # A sheet called " 题库 " or "题库（2024）" is still the bank; otherwise take the first.
        named = [ws for ws in workbook.worksheets if _compact(ws.title).startswith(SHEET)]
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
            raise _not_xlsx(b"") from None
        yield values


def parse(data: bytes) -> list[ParsedQuestion]:
    """Read an .xlsx question bank; raise FormatError listing every problem (nothing imported)."""
    # Excel and WPS extensions (data validation lists, slicers) make openpyxl warn; harmless.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        workbook = _open(data)
        try:
            return _parse_workbook(workbook)
        finally:
            workbook.close()


def _parse_workbook(workbook: Workbook) -> list[ParsedQuestion]:
    title, rows = _rows(workbook)
    header: _Header | None = None
    header_line = 1
    first: _Header | None = None
    blank = True
    for number, values in rows:
        candidate = _Header(values)
        first = first or candidate
        blank = blank and not any(_cell_text(value) for value in values)
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
        cells = {canon: _cell_text(padded[index]) for canon, (index, _) in header.columns.items()}
        extra = {
            written: _cell_text(padded[index]) for written, index in header.extra_options.items()
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
        row = _Row(number, {k: v for k, v in cells.items() if v}, names)
        for written, text in extra.items():
            if text:
                row.bad(written, "最多支持 8 个选项（选项A～选项H），这一格的内容无法导入")
        question = _question(row)
        if question is None:
            problems.extend(row.sorted_problems())
        else:
            questions.append(question)
    if problems:
        raise FormatError(problems)
    return questions


# --- writing -------------------------------------------------------------------------------

_HEADER_FILL = PatternFill("solid", fgColor="C00000")
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_SECTION_FILL = PatternFill("solid", fgColor="F2DCDB")
_WRAP = Alignment(wrap_text=True, vertical="top")
_WIDTHS = {"题型": 10, "题干": 48, "答案": 14, "解析": 40, "分值": 8, "考点": 18}
_OPTION_WIDTH = 22
# Text starting with these is a formula to Excel once someone edits the cell (OWASP CSV list).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# The template's example rows, one per common type, on topics every party member studies.
EXAMPLES: tuple[dict[str, object], ...] = (
    {
        "题型": "单选题",
        "题干": "中国共产党的最高理想和最终目标是（　　）。",
        "选项A": "实现共产主义",
        "选项B": "全面建成小康社会",
        "选项C": "实现中华民族伟大复兴",
        "选项D": "建成社会主义现代化强国",
        "答案": "A",
        "解析": "党章总纲：党的最高理想和最终目标是实现共产主义。",
        "分值": 2,
        "考点": "党章、理想信念",
    },
    {
        "题型": "多选题",
        "题干": "“三会一课”中的“三会”是指（　　）。",
        "选项A": "支部党员大会",
        "选项B": "支部委员会会议",
        "选项C": "党小组会",
        "选项D": "民主生活会",
        "选项E": "职工代表大会",
        "答案": "ABC",
        "解析": "“三会一课”指定期召开支部党员大会、支部委员会会议、党小组会，按时上好党课。"
        "民主生活会是党员领导干部参加的组织生活形式，不属于“三会”。",
        "分值": 3,
        "考点": "组织生活、三会一课",
    },
    {
        "题型": "判断题",
        "题干": "预备党员的预备期为一年。",
        "答案": "对",
        "解析": "党章第七条规定：预备党员的预备期为一年。",
        "分值": 1,
        "考点": "党章、发展党员",
    },
    {
        "题型": "填空题",
        "题干": "中国共产党第一次全国代表大会于______年召开。",
        "答案": "1921|1921年",
        "解析": "1921 年 7 月，中国共产党第一次全国代表大会召开，宣告中国共产党正式成立。",
        "分值": 1,
        "考点": "党史",
    },
    {
        "题型": "匹配题",
        "题干": "请将下列会议与其历史意义对应起来。",
        "选项A": "中共一大 -> 宣告中国共产党正式成立",
        "选项B": "遵义会议 -> 在最危急关头挽救了党、挽救了红军、挽救了中国革命",
        "选项C": "党的十一届三中全会 -> 实现新中国成立以来党的历史上具有深远意义的伟大转折",
        "选项D": "-> 确立毛泽东思想为党的指导思想",
        "解析": "选项D 是干扰项：确立毛泽东思想为党的指导思想的是党的七大。",
        "分值": 3,
        "考点": "党史",
    },
    {
        "题型": "简答题",
        "题干": "结合自身实际，谈谈流动党员如何做到“离乡不离党、流动不流失”。",
        "解析": "参考要点：主动与流出地、流入地党组织保持联系；按时参加组织生活（可通过网上党校、"
        "线上组织生活等方式）；按期交纳党费；定期向党组织汇报思想和工作情况；"
        "在工作岗位上发挥先锋模范作用。",
        "分值": 10,
        "考点": "流动党员管理",
    },
)

_HELP_COLUMNS = (
    ("题型", "必填。从下拉列表选择；也可写简称，如“单选”“多选”“判断”。", "单选题"),
    ("题干", "必填。题目内容，单元格内可以换行（Alt+Enter）。", "预备党员的预备期为一年。"),
    (
        "选项A～选项H",
        "单选题、多选题的选项，从选项A开始连续填写，至少两个、最多八个；"
        "匹配题在这里填写配对；其他题型留空。",
        "实现共产主义",
    ),
    ("答案", "写法随题型不同，见下表。匹配题、简答题、说明留空。", "A"),
    ("解析", "选填。答题后显示给学员；简答题的参考答案也写在这里。", "党章总纲规定……"),
    ("分值", "选填，默认 1 分；大于 0、不超过 100。说明不计分，留空。", "2"),
    ("考点", "选填，多个考点用逗号、顿号或分号隔开。", "党章、理想信念"),
)

_HELP_TYPES = (
    ("单选题", "一个选项字母，大小写均可。", "B"),
    (
        "多选题",
        "所有正确选项的字母，可以连写，也可用逗号或顿号隔开。\n"
        "计分规则：错选不得分，漏选按比例得分。设正确选项有 k 个，"
        "只选了正确选项时，每选对一项得本题分值的 1/k；选了任何一个错误选项，本题得 0 分。\n"
        "例：5 个选项、正确答案 ACD、分值 3 分：选 ACD 得 3 分，选 AC 得 2 分，"
        "选 ACE 得 0 分。",
        "ACD 或 A、C、D",
    ),
    ("判断题", "对 或 错；也可写 正确/错误、√/×、T/F、是/否。", "对"),
    (
        "填空题",
        "可接受的答案，多个答案用 | 隔开；只得部分分的答案在前面写百分比和冒号。",
        "1921|1921年\n全心全意为人民服务|50%:为人民服务",
    ),
    (
        "数值题",
        "一个数；允许误差写在 ± 后（也可写 +-）；也可写范围 1~5。"
        "多个答案用 | 隔开，部分得分同填空题。",
        "2035\n3±0.5\n1~5",
    ),
    (
        "匹配题",
        "选项A～选项H 每格写一对“左项 -> 右项”（也可用 → 或 =>），至少两对；"
        "只写“-> 右项”的格是多出来的干扰项。「答案」列留空。\n"
        "Excel 会把以 -、=、+ 开头的内容当作公式：干扰项请写成“→ 右项”，"
        "或在前面加一个英文单引号，例如 '-> 右项。",
        "遵义会议 -> 挽救了党、挽救了红军、挽救了中国革命\n→ 确立毛泽东思想为党的指导思想",
    ),
    ("简答题", "由人工评分，「答案」列留空，参考答案写在「解析」列。", ""),
    ("说明", "不是题目，只显示一段文字，例如阅读材料；选项、答案、分值都留空。", ""),
)

_HELP_NOTES = (
    "文件必须是 .xlsx 格式；.xls、.csv 文件请用 Excel 或 WPS 打开后"
    "“另存为” Excel 工作簿（.xlsx）。",
    "导入时读取名为“题库”的工作表（没有时读取第一个工作表）；第 1 行是列标题，"
    "列的顺序可以调整，多出的列（如“序号”）会被忽略。",
    "每行一道题，空行会被跳过；一个文件最多 5000 道题。",
    "只要有一行有错，整个文件都不会导入；系统会列出所有出错的行和列，改正后重新上传即可。",
    "单元格里的公式按计算结果导入。",
)


def _clean(text: str, where: str, notes: list[str]) -> str:
    """Text Excel can store: no control characters, at most 32767 characters."""
    cleaned = ILLEGAL_CHARACTERS_RE.sub("", text)
    if cleaned != text:
        notes.append(f"「{where}」中的控制字符无法写入 Excel，已删除")
    if len(cleaned) > MAX_CELL:
        notes.append(f"「{where}」超过 Excel 单元格 {MAX_CELL} 个字符的上限，已截断")
        cleaned = cleaned[:MAX_CELL]
    return cleaned


def _put(sheet: Worksheet, row: int, column: int, value: object) -> None:
    if value is None or value == "":
        return
    cell = sheet.cell(row, column)
    cell.value = value
    if isinstance(value, str):
        # openpyxl makes "=…" a formula and "#N/A" an error value; a question is always text.
        cell.data_type = "s"
        if value.startswith(_FORMULA_STARTS):
            # Excel's own "'" prefix: the cell stays text even after someone edits it.
            cell.quotePrefix = True
    cell.alignment = _WRAP


def _write_row(sheet: Worksheet, row: int, cells: dict[str, object]) -> None:
    for column, name in enumerate(HEADERS, start=1):
        _put(sheet, row, column, cells.get(name))


def _new_workbook() -> Workbook:
    workbook = Workbook()
    workbook.properties.creator = "网上党校"
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)
    sheet.title = SHEET
    for column, name in enumerate(HEADERS, start=1):
        cell = sheet.cell(1, column, name)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center")
        width = _WIDTHS.get(name, _OPTION_WIDTH)
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "A2"
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
    sheet = workbook.create_sheet(HELP_SHEET)
    for column, width in zip("ABC", (16, 72, 40), strict=True):
        sheet.column_dimensions[column].width = width
    title = sheet.cell(1, 1, "题库导入说明")
    title.font = Font(bold=True, size=14)
    row = 3

    def section(*names: str) -> None:
        nonlocal row
        for column, name in enumerate(names, start=1):
            cell = sheet.cell(row, column, name)
            cell.font = Font(bold=True)
            cell.fill = _SECTION_FILL
        row += 1

    def lines(items: Iterable[tuple[str, ...]]) -> None:
        nonlocal row
        for item in items:
            for column, text in enumerate(item, start=1):
                _put(sheet, row, column, text)
            if len(item) == 1:  # a note spans the page instead of wrapping in a narrow column
                sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=3)
            row += 1
        row += 1

    section("列", "说明", "示例")
    lines(_HELP_COLUMNS)
    section("题型", "「答案」列的写法", "示例")
    lines(_HELP_TYPES)
    section("注意事项")
    lines((note,) for note in _HELP_NOTES)


def _save(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template() -> bytes:
    """The .xlsx a branch downloads, fills in and imports: example rows and a 说明 sheet."""
    workbook = _new_workbook()
    sheet = workbook[SHEET]
    for row, cells in enumerate(EXAMPLES, start=2):
        _write_row(sheet, row, cells)
    return _save(workbook)


# One writer per type: fills the option and 答案 cells, notes what the layout cannot hold.


def _percent(fraction: Decimal) -> str:
    return _fixed(fraction * 100)


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
        elif fraction == 1 and not _WEIGHT_RE.fullmatch(text):
            written.append(text)
        else:
            # "100%:" keeps an answer that itself looks like "50%:x" from being read as a weight.
            written.append(f"{_percent(fraction)}%:{text}")
    return "|".join(written)


def _dump_fillin(q: ParsedQuestion, cells: dict[str, object], notes: list[str]) -> None:
    parts = []
    for answer in q.answers:
        text = answer.text.strip()
        if _ALTERNATIVES_RE.search(text):
            notes.append(f"答案“{text}”含有分隔符 |，重新导入时会被拆成几个答案")
        parts.append((answer.fraction, text))
    if q.case_sensitive:
        notes.append("“区分大小写”的设置没有导出，重新导入后不区分大小写")
    cells["答案"] = _weighted_cell(parts, notes)


def _dump_numerical(q: ParsedQuestion, cells: dict[str, object], notes: list[str]) -> None:
    parts = []
    for answer in q.answers:
        text = answer.text.strip()
        value = _decimal(text)
        tolerance = abs(answer.tolerance or Decimal(0))
        if text == "*":
            body = "*"
        elif value is None:
            notes.append(f"数值答案“{text}”不是数字，没有导出")
            continue
        elif tolerance == 0:
            body = _fixed(value)
        else:
            body = f"{_fixed(value)}±{_fixed(tolerance)}"
        parts.append((answer.fraction, body))
    cells["答案"] = _weighted_cell(parts, notes)


def _dump_matching(q: ParsedQuestion, cells: dict[str, object], notes: list[str]) -> None:
    texts = []
    for answer in q.answers:
        left, right = answer.text.strip(), (answer.match or "").strip()
        if _ARROW_RE.search(left):
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
        cells["分值"] = _plain(q.default_mark)
    if q.tags:
        for tag in q.tags:
            if _TAG_SPLIT_RE.search(tag):
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


def _text(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def _same(original: ParsedQuestion, back: ParsedQuestion) -> bool:
    """Whether reading the row back gives the question (ignoring what is reported elsewhere)."""
    if (original.qtype, _text(original.text), _text(original.general_feedback)) != (
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
            same_text = a.text.strip() == b.text or _decimal(a.text) == _decimal(b.text)
            if not same_text or (a.tolerance or 0) != (b.tolerance or 0):
                return False
        elif _text(a.text) != b.text or _text(a.match or "") != (b.match or ""):
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
            texts = {column: _cell_text(value) for column, value in cells.items()}
            check = _Row(row, {k: v for k, v in texts.items() if v}, {})
            back = _question(check)
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
    return _save(workbook), found


def dump(questions: list[ParsedQuestion]) -> bytes:
    """The questions as an .xlsx in the template's layout (see dump_with_warnings)."""
    return dump_with_warnings(questions)[0]
