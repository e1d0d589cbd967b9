"""One row of the 题库 sheet read into a question, with every problem found in it.

The reader runs every data row through here, and the writer runs every row it wrote, so an
exported file is checked by exactly the rules that will judge it at import.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from decimal import Decimal

from openpyxl.cell.cell import ERROR_CODES

from school.formatting import decimal_text, shortest
from school.quizzes.formats.excel.layout import (
    ALTERNATIVES_RE,
    ARROW_RE,
    EXACT_RE,
    HEADERS,
    LETTERS,
    OPTION_COLUMNS,
    RANGE_RE,
    TAG_SPLIT_RE,
    TYPE_LABELS,
    WEIGHT_RE,
    compact,
    has_seven_places,
    multiple_fractions,
    to_decimal,
)
from school.quizzes.formats.parsed import QTYPES, FormatProblem, ParsedAnswer, ParsedQuestion

MAX_MARK = Decimal(100)

# Keys are compared after compact() and with a trailing 题 removed.
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

_TRUE_WORDS = frozenset({"对", "正确", "√", "✓", "✔", "T", "TRUE", "是", "Y", "YES", "真"})
_FALSE_WORDS = frozenset({"错", "错误", "×", "✗", "✘", "X", "F", "FALSE", "否", "N", "NO", "假"})


class Row:
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
    key = compact(text)
    if key.endswith("题") and len(key) > 1:
        key = key[:-1]
    return _TYPE_ALIASES.get(key)


def _truth(text: str) -> bool | None:
    key = compact(text)
    if key in _TRUE_WORDS:
        return True
    if key in _FALSE_WORDS:
        return False
    return None


def _mark(row: Row, qtype: str | None) -> Decimal:
    raw = row.get("分值")
    if qtype == "description":
        if raw:
            row.bad("分值", "说明不是题目，不计分，「分值」列应留空")
        return Decimal(0)
    if not raw:
        return Decimal(1)
    mark = to_decimal(raw)
    if mark is None or not (0 < mark <= MAX_MARK) or not has_seven_places(mark):
        row.bad("分值", f"分值“{raw}”无效，应为大于 0、不超过 100 的数，例如 2")
        return Decimal(1)
    return shortest(mark)


def _tags(raw: str) -> list[str]:
    tags: list[str] = []
    for part in TAG_SPLIT_RE.split(raw):
        tag = part.strip()
        if tag and tag not in tags:
            tags.append(tag)
    return tags


def _choices(row: Row, label: str) -> list[tuple[str, str]]:
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


def _single(row: Row) -> list[ParsedAnswer]:
    options = _choices(row, "单选题")
    raw = row.get("答案")
    key = compact(raw)
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


def _multiple(row: Row) -> list[ParsedAnswer]:
    options = _choices(row, "多选题")
    raw = row.get("答案")
    key = re.sub(r"[,;、/|]", "", compact(raw))
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


def _truefalse(row: Row) -> list[ParsedAnswer]:
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
    key = compact(raw)
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


def _weighted(row: Row, raw: str) -> Iterator[tuple[Decimal, str]]:
    """The "|"-separated alternatives of an answer cell with their fractions ("50%:x" is 0.5)."""
    for part in ALTERNATIVES_RE.split(raw):
        part = part.strip()
        if not part:
            continue
        match = WEIGHT_RE.fullmatch(part)
        if match is None:
            yield Decimal(1), part
            continue
        percent = to_decimal(match[1])
        fraction = percent / 100 if percent is not None else None
        if fraction is None or not (0 < fraction <= 1) or not has_seven_places(fraction):
            row.bad(
                "答案",
                f"“{part}”的得分比例无效，应在 0%～100% 之间，例如 50%:答案",
            )
            continue
        yield shortest(fraction), match[2].strip()


def _need_full_marks(row: Row, answers: list[ParsedAnswer], raw: str) -> None:
    if answers and not any(answer.fraction == 1 for answer in answers):
        row.bad("答案", f"“{raw}”中至少要有一个满分答案（不带百分比的答案）")


def _fillin(row: Row) -> list[ParsedAnswer]:
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


def _numerical(row: Row) -> list[ParsedAnswer]:
    row.no_options("数值题", "，答案请写在「答案」列")
    raw = row.get("答案")
    if not raw:
        row.bad("答案", "答案为空；数值题的答案应为数字，例如 3、3±0.5 或 1~5")
        return []
    answers: list[ParsedAnswer] = []
    for fraction, text in _weighted(row, raw):
        body = compact(text)
        exact = EXACT_RE.fullmatch(body)
        span = RANGE_RE.fullmatch(body)
        if body == "*":
            answers.append(ParsedAnswer("*", fraction, tolerance=Decimal(0)))
        elif exact is not None:
            value = Decimal(exact[1])
            tolerance = Decimal(exact[2]) if exact[2] else Decimal(0)
            answers.append(
                ParsedAnswer(decimal_text(value), fraction, tolerance=shortest(tolerance))
            )
        elif span is not None:
            low, high = Decimal(span[1]), Decimal(span[2])
            if low > high:
                row.bad("答案", f"范围“{text}”的下限大于上限")
                continue
            # A range is stored the Moodle way: its middle and half its width.
            answers.append(
                ParsedAnswer(
                    decimal_text((low + high) / 2), fraction, tolerance=shortest((high - low) / 2)
                )
            )
        else:
            row.bad("答案", f"“{text}”不是数值题的答案，应为数字，例如 3、3±0.5 或 1~5")
    _need_full_marks(row, answers, raw)
    return answers


def _matching(row: Row) -> list[ParsedAnswer]:
    if row.get("答案"):
        row.bad("答案", "匹配题的配对写在选项列中（每格一对“左项 -> 右项”），「答案」列应留空")
    pairs: list[ParsedAnswer] = []
    lefts: dict[str, str] = {}
    for letter, text in row.options():
        if not text:
            continue  # the gap is already reported
        column = f"选项{letter}"
        arrow = ARROW_RE.search(text)
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


def _essay(row: Row) -> list[ParsedAnswer]:
    row.no_options("简答题")
    if row.get("答案"):
        row.bad("答案", "简答题由人工评分，「答案」列应留空；参考答案请写在「解析」列")
    return []


def _description(row: Row) -> list[ParsedAnswer]:
    row.no_options("说明")
    if row.get("答案"):
        row.bad("答案", "说明不是题目，「答案」列应留空")
    return []


_ANSWERS: dict[str, Callable[[Row], list[ParsedAnswer]]] = {
    "single": _single,
    "multiple": _multiple,
    "truefalse": _truefalse,
    "fillin": _fillin,
    "numerical": _numerical,
    "matching": _matching,
    "essay": _essay,
    "description": _description,
}


def read_question(row: Row) -> ParsedQuestion | None:
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
