"""The neutral form every question file format reads into and writes from.

Formats know nothing of the database; the question bank turns ParsedQuestion into rows.
Fractions follow Moodle: 1 is full marks for that answer, 0.5 half, negative values penalise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

# The keys of the question type registry (school/quizzes/types.py).
QTYPES = (
    "single",
    "multiple",
    "truefalse",
    "fillin",
    "numerical",
    "matching",
    "essay",
    "description",
)


@dataclass
class ParsedAnswer:
    """One answer of a question; its meaning depends on the question type.

    single / multiple: an option (``text``) and its ``fraction``.
    truefalse: exactly two answers, ``text`` "true" and "false", one with fraction 1.
    fillin: an accepted answer (``text``, "*" matches anything) and its fraction.
    numerical: ``text`` is the value as a decimal string ("*" matches anything), ``tolerance``
        the allowed error (0 when exact); a range 1..5 is stored as value 3, tolerance 2.
    matching: ``text`` is the left side (empty for an extra distractor), ``match`` the right side;
        fraction is unused (1).
    """

    text: str
    fraction: Decimal = Decimal(0)
    feedback: str = ""
    match: str | None = None
    tolerance: Decimal | None = None


@dataclass
class ParsedQuestion:
    qtype: str
    text: str
    name: str = ""
    # The markup the text is written in: "markdown" (ours), "html", "plain" or "moodle".
    text_format: str = "markdown"
    answers: list[ParsedAnswer] = field(default_factory=list)
    general_feedback: str = ""
    # Category path from the file ("$CATEGORY: a/b" in GIFT), "/"-separated, or None.
    category: str | None = None
    tags: list[str] = field(default_factory=list)
    idnumber: str | None = None
    default_mark: Decimal = Decimal(1)
    case_sensitive: bool = False  # fillin only
    # Where the question starts in its file: a line (GIFT, Aiken) or a row (Excel), 1-based.
    line: int | None = None

    def as_json(self) -> dict:
        """The plain structure ``flask quiz import --json`` prints."""
        return {
            "type": self.qtype,
            "name": self.name,
            "text": self.text,
            "text_format": self.text_format,
            "category": self.category,
            "tags": self.tags,
            "idnumber": self.idnumber,
            "default_mark": str(self.default_mark),
            "general_feedback": self.general_feedback,
            "case_sensitive": self.case_sensitive,
            "line": self.line,
            "answers": [
                {
                    "text": a.text,
                    "fraction": str(a.fraction),
                    "feedback": a.feedback,
                    **({"match": a.match} if a.match is not None else {}),
                    **({"tolerance": str(a.tolerance)} if a.tolerance is not None else {}),
                }
                for a in self.answers
            ],
        }


@dataclass(frozen=True)
class FormatProblem:
    """A problem in a question file: a line of a text file or a row (and column) of a sheet."""

    line: int | None
    message: str
    column: str | None = None  # spreadsheets: the column's header, e.g. "答案"

    def __str__(self) -> str:
        if self.line is None:
            return self.message
        where = f"第 {self.line} 行" + (f"「{self.column}」列" if self.column else "")
        return f"{where}：{self.message}"


class FormatError(Exception):
    """The file cannot be imported; every problem found is listed. Nothing is imported."""

    def __init__(self, problems: list[FormatProblem]) -> None:
        super().__init__("\n".join(map(str, problems)))
        self.problems = problems
