"""Aiken, the simplest question file: single-answer multiple choice only.

::

    中国共产党的根本宗旨是什么？        the question text (one or more lines)
    A. 全心全意为人民服务               options: a capital letter, "." or ")", the text
    B. 实现共产主义
    ANSWER: A                          the letter of the right option ends the question

Questions are separated by blank lines. Each becomes a "single" question whose right option has
fraction 1 and the others 0; there are no names, feedback or categories in the format.

Behaviour follows Moodle's qformat_aiken, with these choices:

* For Chinese typing, an option letter may be full-width ("Ａ") and followed by "．" "）" or
  "、" as well as "." or ")"; the answer line may be "答案：B" or "答案: B", "ANSWER" may be
  in any case, and so may the answer letter ("b" means B). A space after the option mark is
  optional, as in Moodle ("A)选项").
* The question text may run over several lines (Moodle takes one); they are joined with line
  breaks and the text format is "plain", since Aiken text is not markup (Moodle escapes it into
  HTML, which comes to the same). A blank line before options have been given ends the text, so
  a question that was never finished cannot silently merge into the next one.
* A line that looks like an option is always an option, so a question text cannot begin with,
  say, "A. " (as in Moodle).
* Errors: every problem is reported with its line in Chinese and nothing is imported, rather
  than Moodle's skipping of bad questions. The answer letter must be one of the options given,
  a question needs at least two options, and one right answer only (Aiken cannot say more).
  The name is left empty: the question bank names questions from their text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

from school.quizzes.formats.parsed import (
    FormatError,
    FormatProblem,
    ParsedAnswer,
    ParsedQuestion,
)
from school.quizzes.formats.text import decode_text

__all__ = ["parse"]

_OPTION_RE = re.compile(r"([A-ZＡ-Ｚ])[.．)）、]\s*(.*)")
_ANSWER_RE = re.compile(r"(?:ANSWER|答案)\s*[:：]\s*(.*)", re.IGNORECASE)
_LETTERS_RE = re.compile(r"[A-Z](?:[\s,，、;；/]*[A-Z])+")  # "A,C" or "AC": several answers
_EXCERPT = 20


def _letter(char: str) -> str:
    """ "Ａ" and "a" as "A"."""
    return unicodedata.normalize("NFKC", char).upper()


@dataclass
class _Option:
    letter: str
    text: str
    line: int


@dataclass
class _Draft:
    """A question being read: its text lines, then its options, until the ANSWER line."""

    line: int
    text: list[str]
    options: list[_Option] = field(default_factory=list)
    text_ended: bool = False  # a blank line came after the text

    def excerpt(self) -> str:
        text = " ".join(self.text)
        return text if len(text) <= _EXCERPT else text[:_EXCERPT] + "…"


@dataclass
class _Reader:
    questions: list[ParsedQuestion] = field(default_factory=list)
    problems: list[FormatProblem] = field(default_factory=list)
    draft: _Draft | None = None

    def problem(self, line: int, message: str) -> None:
        self.problems.append(FormatProblem(line, message))

    def read_line(self, number: int, raw: str) -> None:
        line = raw.strip()
        if not line:
            if self.draft and not self.draft.options:
                self.draft.text_ended = True
            return
        if option := _OPTION_RE.fullmatch(line):
            self.read_option(number, _letter(option.group(1)), option.group(2).strip())
        elif answer := _ANSWER_RE.fullmatch(line):
            self.read_answer(number, answer.group(1).strip())
        else:
            self.read_text(number, line)

    def read_text(self, number: int, line: str) -> None:
        draft = self.draft
        if draft and not draft.options and not draft.text_ended:
            draft.text.append(line)
            return
        if draft:
            self.unfinished(draft)  # a new question starts; the open one never got its answer
        self.draft = _Draft(number, [line])

    def read_option(self, number: int, letter: str, text: str) -> None:
        draft = self.draft
        if draft is None:
            self.problem(number, f"选项 {letter} 前面没有题目（题目文字应写在选项之前）")
            return
        if any(option.letter == letter for option in draft.options):
            self.problem(number, f"选项字母 {letter} 重复了")
        if not text:
            self.problem(number, f"选项 {letter} 没有内容")
        draft.options.append(_Option(letter, text, number))

    def read_answer(self, number: int, given: str) -> None:
        draft, self.draft = self.draft, None
        if draft is None:
            self.problem(number, "ANSWER 行前面没有题目和选项")
            return
        letters = {option.letter for option in draft.options}
        right = _letter(given.rstrip(".．)）、 ")) if given else ""
        failed = len(self.problems)
        if len(draft.options) < 2:
            self.problem(number, f"题目「{draft.excerpt()}」至少需要两个选项")
        elif not right:
            self.problem(number, "ANSWER 行没有写正确选项的字母（应写成 ANSWER: B）")
        elif _LETTERS_RE.fullmatch(right):
            self.problem(number, f"Aiken 格式每道题只能有一个正确答案：{given}")
        elif right not in letters:
            shown = "、".join(sorted(letters)) or "无"
            self.problem(number, f"答案 {given} 不在选项中（选项有 {shown}）")
        if len(self.problems) == failed:
            self.questions.append(_question(draft, right))

    def unfinished(self, draft: _Draft) -> None:
        if draft.options:
            message = f"题目「{draft.excerpt()}」缺少 ANSWER 行（如 ANSWER: B）"
        else:
            message = f"题目「{draft.excerpt()}」缺少选项和 ANSWER 行"
        self.problem(draft.line, message)


def _question(draft: _Draft, right: str) -> ParsedQuestion:
    return ParsedQuestion(
        qtype="single",
        text="\n".join(draft.text),
        text_format="plain",
        answers=[
            ParsedAnswer(option.text, Decimal(1) if option.letter == right else Decimal(0))
            for option in draft.options
        ],
        line=draft.line,
    )


def parse(data: bytes) -> list[ParsedQuestion]:
    """The questions of an Aiken file, or FormatError listing every problem in it."""
    reader = _Reader()
    for number, raw in enumerate(decode_text(data).split("\n"), start=1):
        reader.read_line(number, raw)
    if reader.draft:
        reader.unfinished(reader.draft)
    if reader.problems:
        raise FormatError(sorted(reader.problems, key=lambda p: p.line or 0))
    return reader.questions
