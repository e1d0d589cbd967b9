"""Reading GIFT: blank-line separated blocks to questions, every problem with its line."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from school.formatting import decimal_text, shortest
from school.quizzes.formats.gift.syntax import (
    CATEGORY_PREFIX,
    DEFAULT_FORMAT,
    FORMATS,
    MARKER_RE,
    ONE,
    WEIGHT_LIKE_RE,
    ZERO,
    hide_escapes,
    reveal,
)
from school.quizzes.formats.parsed import (
    FormatError,
    FormatProblem,
    ParsedAnswer,
    ParsedQuestion,
)
from school.quizzes.formats.text import decode_text

BLANK = "_____"

_NUMBER_RE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_WEIGHT_RE = re.compile(r"%(-?[0-9]+(?:\.[0-9]*)?)%")


def _number(text: str) -> Decimal | None:
    # Decimal() alone would also take "NaN", "Infinity" and "1_000".
    text = text.strip()
    return Decimal(text) if _NUMBER_RE.fullmatch(text) else None


# --- problems ----------------------------------------------------------------------------------


@dataclass
class _Problems:
    """The problems of one question; each is reported at the question's first line by default."""

    line: int
    found: list[FormatProblem]
    count: int = 0

    def add(self, message: str, line: int | None = None) -> None:
        self.found.append(FormatProblem(line or self.line, message))
        self.count += 1


# --- questions ---------------------------------------------------------------------------------


@dataclass
class _Line:
    number: int
    text: str


def _blocks(text: str) -> Iterator[list[_Line]]:
    """Runs of non-blank lines: a blank line ends a question, as in Moodle."""
    block: list[_Line] = []
    for number, raw in enumerate(text.split("\n"), start=1):
        if raw.strip():
            block.append(_Line(number, raw.rstrip()))
        elif block:
            yield block
            block = []
    if block:
        yield block


def parse(data: bytes) -> list[ParsedQuestion]:
    """The questions of a GIFT file, or FormatError listing every problem in it."""
    reader = _Reader()
    for block in _blocks(decode_text(data)):
        reader.read_block(block)
    if reader.problems:
        raise FormatError(reader.problems)
    return reader.questions


@dataclass
class _Reader:
    category: str | None = None
    questions: list[ParsedQuestion] = field(default_factory=list)
    problems: list[FormatProblem] = field(default_factory=list)

    def read_block(self, block: list[_Line]) -> None:
        comments: list[str] = []
        content: list[_Line] = []
        for line in block:
            stripped = line.text.strip()
            if stripped.startswith("//"):
                comments.append(stripped)
            elif not content and stripped.startswith(CATEGORY_PREFIX):
                # Unescaped too (Moodle leaves its placeholders in the category name).
                path = reveal(hide_escapes(stripped[len(CATEGORY_PREFIX) :]))
                self.category = category_path(path)
                comments.clear()  # they described the category switch, not the next question
            else:
                content.append(line)
        if not content:
            return
        question = _read_question(content, _Problems(content[0].number, self.problems))
        if question is not None:
            question.category = self.category
            question.idnumber, question.tags = _idnumber_and_tags("\n".join(comments))
            self.questions.append(question)


def category_path(raw: str) -> str | None:
    """The category of a ``$CATEGORY:`` line without Moodle's context and top segments.

    "$course$/top/党章//党规/总纲" gives "党章//党规/总纲" ("//" is Moodle's literal slash).
    """
    names = [name.strip() for name in re.split(r"(?<!/)/(?!/)", raw.strip())]
    if names and re.fullmatch(r"\$[a-z]+\$", names[0]):
        names.pop(0)
    if names and names[0] == "top":
        names.pop(0)
    return "/".join(name for name in names if name) or None


# Moodle's patterns: the id may hold any characters but "]" and controls (write "\]" for "]"),
# a tag also no "<" or ">". The first [id:] counts; every [tag:] does.
_ID_RE = re.compile(r"\[id:((?:\\\]|[^\]\x00-\x1f\x7f])+)\]")
_TAG_RE = re.compile(r"\[tag:((?:\\\]|[^\]<>\x00-\x1f\x7f])+)\]")


def _idnumber_and_tags(comments: str) -> tuple[str | None, list[str]]:
    found = _ID_RE.search(comments)
    idnumber = found.group(1).replace("\\]", "]").strip() if found else ""
    tags = [t.replace("\\]", "]").strip() for t in _TAG_RE.findall(comments)]
    return idnumber or None, [t for t in tags if t]


@dataclass
class _Text:
    """A question's text with the escapes hidden, and where each of its offsets lies."""

    text: str
    lines: list[int]  # file line of each text line
    starts: list[int]  # offset where each text line starts

    @classmethod
    def join(cls, lines: list[_Line]) -> _Text:
        texts = [hide_escapes(line.text) for line in lines]
        starts, offset = [], 0
        for text in texts:
            starts.append(offset)
            offset += len(text) + 1
        return cls("\n".join(texts), [line.number for line in lines], starts)

    def line_at(self, offset: int) -> int:
        return self.lines[bisect_right(self.starts, offset) - 1]


def _read_question(lines: list[_Line], problems: _Problems) -> ParsedQuestion | None:
    source = _Text.join(lines)
    base = len(source.text) - len(source.text.lstrip())  # where ``text`` starts in the source
    text = source.text.strip()

    name = ""
    if text.startswith("::"):
        end = text.find("::", 2)
        if end < 0:
            problems.add("题目名称缺少结尾的 ::（名称写成 ::名称::）")
            return None
        name = reveal(text[2:end]).strip()
        rest = text[end + 2 :]
        base += end + 2 + len(rest) - len(rest.lstrip())
        text = rest.lstrip()

    block = _answer_block(text, problems, lambda offset: source.line_at(base + offset))
    if block is None:
        return None
    question_text, answer_text = block

    general_feedback = ""
    if answer_text is not None and (split := answer_text.rfind("####")) >= 0:
        general_feedback = answer_text[split + 4 :]
        answer_text = answer_text[:split].strip()

    text_format, question_text = _with_format(question_text, DEFAULT_FORMAT, problems)
    if not question_text:
        problems.add("题目内容不能为空")
    question = ParsedQuestion(
        qtype="description",
        text=question_text,
        name=name,
        text_format=text_format,
        general_feedback=_with_format(general_feedback, text_format, problems)[1],
        line=problems.line,
    )
    if answer_text is None:
        question.default_mark = ZERO  # nothing to answer, nothing to score (as in Moodle)
    else:
        question.qtype = _qtype(answer_text)
        question.answers = _ANSWER_READERS[question.qtype](answer_text, text_format, problems)
    return None if problems.count else question


def _answer_block(
    text: str, problems: _Problems, line_at: Callable[[int], int]
) -> tuple[str, str | None] | None:
    """The question text (block replaced) and the block's inside; None inside for no block."""
    start, end = text.find("{"), text.find("}")
    if start < 0 and end < 0:
        return text, None
    hint = "；文字中的花括号请写成 \\{ 和 \\}"
    if start < 0:
        problems.add("答案块缺少左花括号 {" + hint, line_at(end))
        return None
    if end < 0:
        problems.add("答案块缺少右花括号 }（答案块中间不能有空行）", line_at(start))
        return None
    if end < start:
        problems.add("右花括号 } 出现在左花括号 { 之前" + hint, line_at(end))
        return None
    after = text[end + 1 :]
    if "{" in after or "}" in after:
        problems.add("一道题只能有一个答案块 {…}" + hint, line_at(end + 1))
        return None
    # Text after the block means the missing-word layout: the block marks the blank.
    filler = BLANK if after else ""
    return text[:start] + filler + after, text[start + 1 : end].strip()


def _with_format(raw: str, default: str, problems: _Problems) -> tuple[str, str]:
    """The format a text names with a leading marker (else ``default``) and the bare text."""
    raw = raw.strip()
    marker = MARKER_RE.match(raw)
    if marker:
        word = marker.group(1)
        if word.lower() in FORMATS:
            return word.lower(), reveal(raw[marker.end() :]).strip()
        if len(word) > 1:
            problems.add(f"未知的格式标记 [{word}]（可用的有 [html] [moodle] [plain] [markdown]）")
    return default, reveal(raw).strip()


_TRUE, _FALSE = ("T", "TRUE"), ("F", "FALSE")


def _qtype(answer_text: str) -> str:
    # Moodle's order of tests matters: "~" wins over "->", and "#" first means numerical.
    if not answer_text:
        return "essay"
    if answer_text.startswith("#"):
        return "numerical"
    if "~" in answer_text:
        return "single" if "=" in answer_text else "multiple"
    if "=" in answer_text and "->" in answer_text:
        return "matching"
    if answer_text.partition("#")[0].strip().upper() in _TRUE + _FALSE:
        return "truefalse"
    return "fillin"


def _pieces(answer_text: str, separator: str) -> list[str]:
    pieces = [piece.strip() for piece in answer_text.split(separator)]
    # Text before the first separator is an answer only if there is some (Moodle).
    return pieces[1:] if pieces and not pieces[0] else pieces


def _weight(piece: str, default: Decimal, problems: _Problems) -> tuple[Decimal, str]:
    """A leading %50% as the fraction 0.5, and the rest of the answer."""
    found = _WEIGHT_RE.match(piece)
    if found:
        percent = Decimal(found.group(1))
        if not -100 <= percent <= 100:
            problems.add(f"权重超出 -100% 到 100% 的范围：{found.group(0)}")
        return shortest(percent / 100), piece[found.end() :]
    if bad := WEIGHT_LIKE_RE.match(piece):
        problems.add(f"权重不是数字：{reveal(bad.group(0))}（应写成 %50% 这样）")
    return default, piece


def _text_and_feedback(piece: str, text_format: str, problems: _Problems) -> tuple[str, str]:
    text, hash_sign, feedback = piece.partition("#")
    text = _with_format(text, text_format, problems)[1]
    return text, _with_format(feedback, text_format, problems)[1] if hash_sign else ""


def _choices(answer_text: str, text_format: str, problems: _Problems) -> list[ParsedAnswer]:
    single = "=" in answer_text
    answers = []
    for piece in _pieces(answer_text.replace("=", "~="), "~"):
        if piece.startswith("="):
            piece = piece[1:].lstrip()
            fraction = ONE
            if WEIGHT_LIKE_RE.match(piece):
                problems.add(
                    f"选项前的 = 表示完全正确，不能再加权重：{reveal(piece)}；"
                    "部分得分的选项请写成 ~%50%选项"
                )
        else:
            fraction, piece = _weight(piece, ZERO, problems)
        text, feedback = _text_and_feedback(piece, text_format, problems)
        if not text:
            problems.add("选择题的选项不能为空")
        answers.append(ParsedAnswer(text, fraction, feedback))
    if len(answers) < 2:
        problems.add("选择题至少需要两个选项")
    elif problems.count:
        pass  # the whole question is judged only once its options are sound
    elif not any(a.fraction > 0 for a in answers):
        problems.add("选择题没有正确答案（用 = 标出正确选项，或用 ~%50% 这样的权重）")
    elif not single:
        total = sum((a.fraction for a in answers if a.fraction > 0), ZERO)
        if abs(total - ONE) > Decimal("0.0001"):
            problems.add(
                f"多选题中正确选项的权重加起来应为 100%，现在是 {decimal_text(total * 100)}%"
            )
    return answers


def _matching(answer_text: str, text_format: str, problems: _Problems) -> list[ParsedAnswer]:
    answers = []
    for piece in _pieces(answer_text, "="):
        left, arrow, right = piece.partition("->")
        if not arrow:
            problems.add(f"匹配项缺少 ->：{reveal(piece)}（应写成 =左边 -> 右边）")
            continue
        match = reveal(right).strip()
        if not match:
            problems.add(f"匹配项的右边不能为空：{reveal(piece)}")
        answers.append(ParsedAnswer(_with_format(left, text_format, problems)[1], ONE, match=match))
    if not problems.count and sum(1 for a in answers if a.text) < 2:
        problems.add("匹配题至少需要两对有效的匹配项（左右两边都不为空）")
    return answers


def _truefalse(answer_text: str, text_format: str, problems: _Problems) -> list[ParsedAnswer]:
    value, *feedback = answer_text.split("#", 2)
    wrong, right = (_with_format(f, text_format, problems)[1] for f in [*feedback, "", ""][:2])
    is_true = value.strip().upper() in _TRUE
    return [
        ParsedAnswer("true", ONE if is_true else ZERO, right if is_true else wrong),
        ParsedAnswer("false", ZERO if is_true else ONE, wrong if is_true else right),
    ]


def _fillin(answer_text: str, text_format: str, problems: _Problems) -> list[ParsedAnswer]:
    answers = []
    for piece in _pieces(answer_text, "="):
        fraction, piece = _weight(piece, ONE, problems)
        text, feedback = _text_and_feedback(piece, text_format, problems)
        if not text:
            problems.add("填空题的答案不能为空")
        answers.append(ParsedAnswer(text, fraction, feedback))
    if not problems.count and not any(a.fraction == ONE for a in answers):
        problems.add("填空题至少需要一个完全正确（100%）的答案")
    return answers


def _numerical(answer_text: str, text_format: str, problems: _Problems) -> list[ParsedAnswer]:
    body, tilde, other = answer_text[1:].partition("~")
    answers = []
    for piece in _pieces(body, "="):
        fraction, piece = _weight(piece, ONE, problems)
        text, feedback = _text_and_feedback(piece, text_format, problems)
        value, tolerance = _numeric_value(text, problems)
        answers.append(ParsedAnswer(value, fraction, feedback, tolerance=tolerance))
    if not answers:
        problems.add("数值题没有答案（应写成 {#3} 或 {#3:0.5} 或 {#1..5}）")
    if tilde:
        # "~#反馈" is Moodle's answer for everything else: "*", no marks, that feedback.
        head, _, feedback = other.partition("#")
        if head.strip():
            problems.add(f"数值题 ~ 后面只能写 #反馈（表示其余所有答案）：~{reveal(other)}")
        feedback = _with_format(feedback, text_format, problems)[1]
        answers.append(ParsedAnswer("*", ZERO, feedback, tolerance=ZERO))
    if not problems.count and not any(a.fraction == ONE for a in answers):
        problems.add("数值题至少需要一个完全正确（100%）的答案")
    return answers


def _numeric_value(text: str, problems: _Problems) -> tuple[str, Decimal]:
    """An answer as (value, tolerance): "3:2" and "1..5" both give ("3", 2)."""
    if text == "*":
        return text, ZERO
    if not text:
        problems.add("数值题的答案不能为空")
        return text, ZERO
    if ".." in text[1:]:
        low, high = (_number(part) for part in text.split("..", 1))
        if low is None or high is None:
            problems.add(f"数值题的范围不是数字：{text}（应写成 1..5）")
            return text, ZERO
        if low > high:
            problems.add(f"数值题范围的下限大于上限：{text}")
        middle = (low + high) / 2
        return decimal_text(middle), shortest(high - middle)
    value_text, colon, tolerance_text = text.partition(":")
    value = _number(value_text)
    tolerance = _number(tolerance_text) if colon else ZERO
    if value is None:
        problems.add(f"数值题的答案不是数字：{value_text.strip() or text}")
    if tolerance is None:
        problems.add(f"数值题的误差不是数字：{tolerance_text.strip()}")
    elif tolerance < 0:
        problems.add(f"数值题的误差不能是负数：{tolerance_text.strip()}")
    if value is None or tolerance is None:
        return text, ZERO
    return decimal_text(value), shortest(tolerance)


def _no_answers(answer_text: str, text_format: str, problems: _Problems) -> list[ParsedAnswer]:
    return []


_ANSWER_READERS = {
    "essay": _no_answers,
    "numerical": _numerical,
    "single": _choices,
    "multiple": _choices,
    "matching": _matching,
    "truefalse": _truefalse,
    "fillin": _fillin,
}
