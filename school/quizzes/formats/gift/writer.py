"""Writing GIFT that reads back to the same questions, or FormatError naming what cannot."""

from __future__ import annotations

from decimal import Decimal

from school.formatting import decimal_text
from school.quizzes.formats.gift.syntax import (
    CATEGORY_PREFIX,
    DEFAULT_FORMAT,
    FORMATS,
    MARKER_RE,
    ONE,
    WEIGHT_LIKE_RE,
    ZERO,
    escape,
)
from school.quizzes.formats.parsed import (
    FormatError,
    FormatProblem,
    ParsedAnswer,
    ParsedQuestion,
)

EXPORT_CATEGORY_ROOT = "$course$/top"


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
    return bool(MARKER_RE.match(text))


def _text(text: str, text_format: str, marked: bool) -> str:
    """Escaped text, after a format marker when ``marked`` or when its start would read as one."""
    if text_format not in FORMATS:
        raise _Unwritable(f"不支持的文字格式 {text_format}")
    marker = f"[{text_format}]" if marked or _looks_marked(text) else ""
    return marker + escape(text)


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
    name = f"::{escape(question.name)}::" if question.name or body.startswith("//") else ""
    writer = _ANSWER_WRITERS.get(question.qtype)
    if writer is None:
        raise _Unwritable(f"GIFT 不支持题型 {question.qtype}")
    lines.append(name + body + writer(question))
    return "\n".join(lines) + "\n"


def _answer(question: ParsedQuestion, text: str) -> str:
    """An answer, feedback or item text. It takes the question's format, so a marker is written
    only to protect a text that starts like a marker or a weight ("%50% 是文字")."""
    return _text(text, question.text_format, marked=bool(WEIGHT_LIKE_RE.match(text)))


def _feedback(question: ParsedQuestion, answer: ParsedAnswer) -> str:
    return "#" + _answer(question, answer.feedback) if answer.feedback else ""


def _weighted(fraction: Decimal, default: Decimal) -> str:
    return "" if fraction == default else f"%{decimal_text(fraction * 100)}%"


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
        value = escape(answer.text)
        if answer.tolerance:
            value += f":{decimal_text(answer.tolerance)}"
        weight = _weighted(answer.fraction, ONE)
        lines.append("=" + weight + value + _feedback(question, answer))
    return _block(question, lines, opening="{#") + "}"


def _write_matching(question: ParsedQuestion) -> str:
    lines = []
    for answer in question.answers:
        if "->" in answer.text:
            raise _Unwritable(f"匹配项左边含有 ->，GIFT 无法表示：{answer.text}")
        left = _answer(question, answer.text)
        lines.append(f"={left} -> {escape(answer.match or '')}")
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
