"""GIFT, Moodle's plain-text question format: reading (``parse``) and writing (``dump``).

A GIFT file is UTF-8 text; questions are separated by blank lines::

    // [id:dz-001] [tag:党章]               comment lines; [id:] and [tag:] are kept
    $CATEGORY: $course$/top/党章            the category of the questions that follow
    ::名称::[html]题目文字{=对 ~错 #反馈}     name, format marker, text, answer block

The answer block, between the first ``{`` and the first ``}``, decides the type:

=====================================  =============================================
``{}`` or ``{####总体反馈}``            essay
no braces at all                       description (no answers, default mark 0)
``{#3:2}`` ``{#1..5}`` ``{#=3 =%50%4}``  numerical (value:tolerance, min..max, weights)
contains ``~``                         multiple choice: "single" if any ``=`` marks a
                                       right option, otherwise "multiple" (weights)
contains ``=`` and ``->``              matching (``= -> 干扰项`` is an extra right side)
``T`` ``TRUE`` ``F`` ``FALSE``         true/false: ``{F#答错时反馈#答对时反馈}``
anything else                          short answer ("fillin"): ``{=北京 =%50%北平}``
=====================================  =============================================

``%50%`` weights an answer, ``#`` starts its feedback, ``####`` the general feedback, and
``\\: \\# \\= \\{ \\} \\~ \\\\ \\n`` write the special characters literally. When text follows the
block, the question uses the missing-word layout: the block becomes ``_____`` in the text.

Behaviour follows Moodle's qformat_gift and its tests; where we differ or had to choose:

* Errors. Moodle skips a bad question and imports the rest; we collect every problem (line and
  Chinese message) and raise one FormatError, so a file imports completely or not at all. Checks
  that Moodle leaves to saving (a right answer exists, multiple-choice weights add up to 100%,
  weights within ±100%, numbers are numbers) are made here, where the line is still known.
* Category. ``$CATEGORY: $course$/top/A/B`` gives "A/B": the ``$course$``-style context and
  the ``top`` root carry no meaning outside Moodle (Moodle itself files every path under its
  implicit top category, so "$course$/Default for New Features" is the category "Default for
  New Features" in the course). Names keep Moodle's ``//`` for a literal slash. ``dump`` writes
  ``$CATEGORY: $course$/top/A/B`` as Moodle exports it; a path of nothing but context and
  ``top`` means "no category". A ``$CATEGORY:`` line may be followed by a question in the same
  block (Moodle would swallow it into the category name).
* Format markers. ``[html]`` ``[moodle]`` ``[plain]`` ``[markdown]`` at the start of the
  question text set ``text_format`` (default "moodle", as in Moodle). Markers on answers,
  feedback, matching items and the general feedback are removed from the text, as Moodle does;
  their format is dropped because ParsedAnswer has no format field. Markers are matched without
  regard to case. A bracketed word of two or more ASCII letters that is not a format, such as
  ``[xyz]``, is reported as an unknown marker rather than kept as text (``[moodle][xyz]`` keeps
  it); ``[A]`` and ``[1]`` are ordinary text.
* True/false. ``T TRUE F FALSE`` are recognised in any case (Moodle: upper case only, so its
  ``{true}`` is a short answer "true"). The answers are always "true" then "false"; the first
  feedback is for a wrong response and the second for a right one, as in Moodle.
* Names. A question without ``::name::`` gets name "" (Moodle derives one from the text); the
  question bank names it, as it does for Aiken questions.
* Lines keep their indentation inside multi-line question text (code in ``<pre>``); Moodle's
  file reader strips it, its own unit test for ``<pre>`` keeps it.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from school.quizzes.formats.parsed import (
    FormatError,
    FormatProblem,
    ParsedAnswer,
    ParsedQuestion,
)

__all__ = ["category_path", "decode_text", "dump", "parse"]

ONE, ZERO = Decimal(1), Decimal(0)
FORMATS = ("moodle", "html", "plain", "markdown")
DEFAULT_FORMAT = "moodle"  # Moodle's FORMAT_MOODLE when a question has no marker
BLANK = "_____"
CATEGORY_PREFIX = "$CATEGORY:"
EXPORT_CATEGORY_ROOT = "$course$/top"

NOT_UTF8 = "文件不是 UTF-8 编码（本行有无法识别的字符），请在编辑器中“另存为”UTF-8 编码后重新导入"


# --- text files --------------------------------------------------------------------------------


def decode_text(data: bytes) -> str:
    """The text of an uploaded file: UTF-8 (a BOM is allowed), with line ends made "\\n".

    Anything else is refused as a whole rather than guessed at: a wrongly guessed encoding would
    import garbled questions. The problem names the line of the first byte that is not UTF-8.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise FormatError([FormatProblem(line, NOT_UTF8)]) from None
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


# --- escapes -----------------------------------------------------------------------------------

# While a question's structure is parsed, each escaped character is hidden as a code point from
# the end of the last private use plane (which no real text uses), so "\{" can never be taken for
# the opening brace; _reveal turns them back once the parts have been cut out.
_ESCAPED = "\\:#={}~n"
_HIDE = {char: chr(0x10FF00 + i) for i, char in enumerate(_ESCAPED)}
# "\n" stands for a new line, not the letter n.
_REVEAL = {ord(hidden): "\n" if char == "n" else char for char, hidden in _HIDE.items()}
_ESCAPE_RE = re.compile(r"\\([\\:#={}~n])")

# Written the way Moodle's exporter writes them; a line break becomes "\n" so that a question
# stays on its lines and can never produce the blank line that would end it.
_ESCAPE_TABLE = str.maketrans(
    {
        "\\": "\\\\",
        "#": "\\#",
        "=": "\\=",
        "~": "\\~",
        "{": "\\{",
        "}": "\\}",
        ":": "\\:",
        "\n": "\\n",
        "\r": "",
    }
)


def _hide_escapes(text: str) -> str:
    return _ESCAPE_RE.sub(lambda m: _HIDE[m.group(1)], text)


def _reveal(text: str) -> str:
    return text.translate(_REVEAL)


def _escape(text: str) -> str:
    return text.translate(_ESCAPE_TABLE)


# --- numbers -----------------------------------------------------------------------------------

_NUMBER_RE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_WEIGHT_RE = re.compile(r"%(-?[0-9]+(?:\.[0-9]*)?)%")
_WEIGHT_LIKE_RE = re.compile(r"%[^%\n]*%")


def _tidy(value: Decimal) -> Decimal:
    """The shortest form of a value, so 0.500 and 0.5 print alike, without exponents."""
    if value == 0:
        return ZERO  # also turns -0 into 0
    value = value.normalize()
    exponent = value.as_tuple().exponent
    return value.quantize(ONE) if isinstance(exponent, int) and exponent > 0 else value


def _plain(value: Decimal) -> str:
    return format(_tidy(value), "f")


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


# --- reading -----------------------------------------------------------------------------------


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
                path = _reveal(_hide_escapes(stripped[len(CATEGORY_PREFIX) :]))
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
        texts = [_hide_escapes(line.text) for line in lines]
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
        name = _reveal(text[2:end]).strip()
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


_MARKER_RE = re.compile(r"\[([A-Za-z]+)\]")


def _with_format(raw: str, default: str, problems: _Problems) -> tuple[str, str]:
    """The format a text names with a leading marker (else ``default``) and the bare text."""
    raw = raw.strip()
    marker = _MARKER_RE.match(raw)
    if marker:
        word = marker.group(1)
        if word.lower() in FORMATS:
            return word.lower(), _reveal(raw[marker.end() :]).strip()
        if len(word) > 1:
            problems.add(f"未知的格式标记 [{word}]（可用的有 [html] [moodle] [plain] [markdown]）")
    return default, _reveal(raw).strip()


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
        return _tidy(percent / 100), piece[found.end() :]
    if bad := _WEIGHT_LIKE_RE.match(piece):
        problems.add(f"权重不是数字：{_reveal(bad.group(0))}（应写成 %50% 这样）")
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
            if _WEIGHT_LIKE_RE.match(piece):
                problems.add(
                    f"选项前的 = 表示完全正确，不能再加权重：{_reveal(piece)}；"
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
            problems.add(f"多选题中正确选项的权重加起来应为 100%，现在是 {_plain(total * 100)}%")
    return answers


def _matching(answer_text: str, text_format: str, problems: _Problems) -> list[ParsedAnswer]:
    answers = []
    for piece in _pieces(answer_text, "="):
        left, arrow, right = piece.partition("->")
        if not arrow:
            problems.add(f"匹配项缺少 ->：{_reveal(piece)}（应写成 =左边 -> 右边）")
            continue
        match = _reveal(right).strip()
        if not match:
            problems.add(f"匹配项的右边不能为空：{_reveal(piece)}")
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
            problems.add(f"数值题 ~ 后面只能写 #反馈（表示其余所有答案）：~{_reveal(other)}")
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
        return _plain(middle), _tidy(high - middle)
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
    return _plain(value), _tidy(tolerance)


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


# --- writing -----------------------------------------------------------------------------------


def dump(questions: list[ParsedQuestion]) -> str:
    """GIFT text that ``parse`` reads back to the same questions (line numbers aside).

    A ``$CATEGORY:`` line is written before the first question and whenever the category
    changes; idnumber and tags go in a ``// [id:…] [tag:…]`` comment line. What GIFT cannot
    say raises FormatError naming the question: a matching left side or short answer with
    "->" in it, a true/false question without one right answer, an unknown type or format.
    General feedback of a description is not written (GIFT has no place for it).
    """
    problems: list[FormatProblem] = []
    chunks: list[str] = []
    category: str | None = None
    for number, question in enumerate(questions, start=1):
        if question.category != category:
            category = question.category
            path = EXPORT_CATEGORY_ROOT + (f"/{category}" if category else "")
            chunks.append(f"{CATEGORY_PREFIX} {path}\n")
        label = f"第 {number} 题「{question.name or question.text[:20]}」："
        try:
            chunks.append(_write_question(question))
        except _Unwritable as error:
            problems.append(FormatProblem(question.line, label + str(error)))
    if problems:
        raise FormatError(problems)
    return "\n".join(chunks)


class _Unwritable(ValueError):
    pass


def _looks_marked(text: str) -> bool:
    return bool(_MARKER_RE.match(text))


def _text(text: str, text_format: str, marked: bool) -> str:
    """Escaped text, after a format marker when ``marked`` or when its start would read as one."""
    if text_format not in FORMATS:
        raise _Unwritable(f"不支持的文字格式 {text_format}")
    marker = f"[{text_format}]" if marked or _looks_marked(text) else ""
    return marker + _escape(text)


def _bracket(value: str) -> str:
    return value.replace("]", "\\]")


def _write_question(question: ParsedQuestion) -> str:
    lines = []
    marks = [f"[id:{_bracket(question.idnumber)}]"] if question.idnumber else []
    marks += [f"[tag:{_bracket(tag)}]" for tag in question.tags]
    if marks:
        lines.append("// " + " ".join(marks))
    body = _text(question.text, question.text_format, question.text_format != DEFAULT_FORMAT)
    # Without a name a text starting "//" would read as a comment; "::::" is an empty name.
    name = f"::{_escape(question.name)}::" if question.name or body.startswith("//") else ""
    writer = _ANSWER_WRITERS.get(question.qtype)
    if writer is None:
        raise _Unwritable(f"GIFT 不支持题型 {question.qtype}")
    lines.append(name + body + writer(question))
    return "\n".join(lines) + "\n"


def _answer(question: ParsedQuestion, text: str) -> str:
    """An answer, feedback or item text. It takes the question's format, so a marker is written
    only to protect a text that starts like a marker or a weight ("%50% 是文字")."""
    return _text(text, question.text_format, marked=bool(_WEIGHT_LIKE_RE.match(text)))


def _feedback(question: ParsedQuestion, answer: ParsedAnswer) -> str:
    return "#" + _answer(question, answer.feedback) if answer.feedback else ""


def _weighted(fraction: Decimal, default: Decimal) -> str:
    return "" if fraction == default else f"%{_plain(fraction * 100)}%"


def _general_feedback(question: ParsedQuestion, indent: str = "\t") -> str:
    if not question.general_feedback:
        return ""
    text = "####" + _answer(question, question.general_feedback)
    return indent + text + "\n" if indent else text


def _block(question: ParsedQuestion, lines: list[str], opening: str = "{") -> str:
    return opening + "\n" + "".join(f"\t{line}\n" for line in lines) + _general_feedback(question)


def _write_description(question: ParsedQuestion) -> str:
    return ""


def _write_essay(question: ParsedQuestion) -> str:
    return "{" + _general_feedback(question, indent="") + "}"


def _write_truefalse(question: ParsedQuestion) -> str:
    by_text = {a.text: a for a in question.answers}
    if sorted(by_text) != ["false", "true"] or len(question.answers) != 2:
        raise _Unwritable("判断题需要 true 和 false 两个答案")
    is_true = by_text["true"].fraction == ONE
    right = by_text["true" if is_true else "false"].feedback
    wrong = by_text["false" if is_true else "true"].feedback
    text = "TRUE" if is_true else "FALSE"
    if wrong or right:
        text += "#" + _answer(question, wrong)
    if right:
        text += "#" + _answer(question, right)
    return "{" + text + _general_feedback(question, indent="") + "}"


def _write_choices(question: ParsedQuestion) -> str:
    lines = []
    for answer in question.answers:
        if question.qtype == "single" and answer.fraction == ONE:
            prefix = "="
        else:
            prefix = "~" + _weighted(answer.fraction, ZERO)
        lines.append(prefix + _answer(question, answer.text) + _feedback(question, answer))
    return _block(question, lines) + "}"


def _write_fillin(question: ParsedQuestion) -> str:
    lines = []
    for answer in question.answers:
        if "->" in answer.text or "->" in answer.feedback:
            raise _Unwritable("填空题的答案或反馈含有 ->，GIFT 会把它读成匹配题")
        weight = _weighted(answer.fraction, ONE)
        lines.append("=" + weight + _answer(question, answer.text) + _feedback(question, answer))
    return _block(question, lines) + "}"


def _write_numerical(question: ParsedQuestion) -> str:
    lines = []
    for index, answer in enumerate(question.answers):
        last = index == len(question.answers) - 1
        if answer.text == "*" and answer.fraction == ZERO and last:
            lines.append("~" + (_feedback(question, answer) or "#"))
            continue
        # The ":" of value:tolerance is structure, so only the value itself is escaped.
        value = _escape(answer.text)
        if answer.tolerance:
            value += f":{_plain(answer.tolerance)}"
        weight = _weighted(answer.fraction, ONE)
        lines.append("=" + weight + value + _feedback(question, answer))
    return _block(question, lines, opening="{#") + "}"


def _write_matching(question: ParsedQuestion) -> str:
    lines = []
    for answer in question.answers:
        if "->" in answer.text:
            raise _Unwritable(f"匹配项左边含有 ->，GIFT 无法表示：{answer.text}")
        left = _answer(question, answer.text)
        lines.append(f"={left} -> {_escape(answer.match or '')}")
    return _block(question, lines) + "}"


_ANSWER_WRITERS = {
    "description": _write_description,
    "essay": _write_essay,
    "truefalse": _write_truefalse,
    "single": _write_choices,
    "multiple": _write_choices,
    "fillin": _write_fillin,
    "numerical": _write_numerical,
    "matching": _write_matching,
}
