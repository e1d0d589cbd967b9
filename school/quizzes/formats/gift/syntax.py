"""The GIFT notation that reading and writing share: escapes, format markers and weights."""

from __future__ import annotations

import re
from decimal import Decimal

ONE, ZERO = Decimal(1), Decimal(0)
FORMATS = ("moodle", "html", "plain", "markdown")
DEFAULT_FORMAT = "moodle"  # Moodle's FORMAT_MOODLE when a question has no marker
CATEGORY_PREFIX = "$CATEGORY:"
# A leading [html], [plain] …; the writer marks text whose start would read as one.
MARKER_RE = re.compile(r"\[([A-Za-z]+)\]")


# --- escapes -----------------------------------------------------------------------------------

# While a question's structure is parsed, each escaped character is hidden as a code point from
# the end of the last private use plane (which no real text uses), so "\{" can never be taken for
# the opening brace; reveal turns them back once the parts have been cut out.
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


def hide_escapes(text: str) -> str:
    return _ESCAPE_RE.sub(lambda m: _HIDE[m.group(1)], text)


def reveal(text: str) -> str:
    return text.translate(_REVEAL)


def escape(text: str) -> str:
    return text.translate(_ESCAPE_TABLE)


# --- weights and numbers -----------------------------------------------------------------------

# Anything shaped like %50%: the reader reports one that is not a number, the writer protects
# text that starts like one.
WEIGHT_LIKE_RE = re.compile(r"%[^%\n]*%")
