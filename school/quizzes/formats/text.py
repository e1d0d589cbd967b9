"""Uploaded text files (GIFT, Aiken): the one accepted encoding and line ends."""

from __future__ import annotations

from school.quizzes.formats.parsed import FormatError, FormatProblem

NOT_UTF8 = "文件不是 UTF-8 编码（本行有无法识别的字符），请在编辑器中“另存为”UTF-8 编码后重新导入"


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
