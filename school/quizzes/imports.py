"""Reading question files in any supported format, for the CLI and the web import."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePath

from school.quizzes.formats import aiken, excel, gift
from school.quizzes.formats.parsed import FormatError, FormatProblem, ParsedQuestion

PARSERS: dict[str, Callable[[bytes], list[ParsedQuestion]]] = {
    "gift": gift.parse,
    "aiken": aiken.parse,
    "xlsx": excel.parse,
}
FORMAT_LABELS = {"gift": "GIFT（Moodle）", "aiken": "Aiken", "xlsx": "Excel 表格"}
_EXTENSIONS = {".gift": "gift", ".txt": "gift", ".aiken": "aiken", ".xlsx": "xlsx"}


def detect_format(filename: str) -> str | None:
    """The format a file name suggests: .xlsx is Excel, .aiken Aiken, .gift/.txt GIFT."""
    return _EXTENSIONS.get(PurePath(filename).suffix.lower())


def parse_file(filename: str, data: bytes, fmt: str | None = None) -> list[ParsedQuestion]:
    """Parse an uploaded or local question file; FormatError lists every problem.

    The size of a file sent through the site was checked as it came in (uploads.read_within);
    a local file read by the CLI has no limit.
    """
    fmt = fmt or detect_format(filename)
    if fmt not in PARSERS:
        message = "无法识别文件格式：请上传 .gift/.txt（GIFT）、.aiken 或 .xlsx 文件。"
        raise FormatError([FormatProblem(None, message)])
    if not data.strip():
        raise FormatError([FormatProblem(None, "文件是空的。")])
    questions = PARSERS[fmt](data)
    if not questions:
        raise FormatError([FormatProblem(None, "文件中没有找到题目。")])
    return questions
