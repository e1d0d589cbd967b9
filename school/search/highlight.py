"""Mark the query's words in a title or a snippet, for both backends alike.

Chinese has no spaces between words, so matching is by substring (case-insensitive), longest
word first; everything that is not a match is escaped.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from markupsafe import Markup, escape

SNIPPET_CHARS = 120
_LEAD = 20  # characters of context shown before the first match in a snippet


def _pattern(words: Iterable[str]) -> re.Pattern[str] | None:
    unique = sorted({w for w in words if w}, key=len, reverse=True)
    if not unique:
        return None
    return re.compile("|".join(re.escape(w) for w in unique), re.IGNORECASE)


def _marked(text: str, pattern: re.Pattern[str] | None) -> Markup:
    if pattern is None:
        return escape(text)
    out, pos = [], 0
    for match in pattern.finditer(text):
        out.append(escape(text[pos : match.start()]))
        out.append(Markup("<mark>%s</mark>") % match.group(0))
        pos = match.end()
    out.append(escape(text[pos:]))
    return Markup("").join(out)


def highlight(text: str, words: Iterable[str]) -> Markup:
    """The whole text with every occurrence of the words wrapped in <mark>."""
    return _marked(text, _pattern(words))


def snippet(text: str, words: Iterable[str], width: int = SNIPPET_CHARS) -> Markup:
    """About ``width`` characters around the densest cluster of matches, marked, with ellipses."""
    pattern = _pattern(words)
    text = " ".join(text.split())
    if len(text) <= width:
        return _marked(text, pattern)
    matches = list(pattern.finditer(text)) if pattern else []
    start = 0
    if matches:
        # A window of ``width`` slides from match to match (linear: a long lesson can hold
        # hundreds of matches); the best holds the most different words, then the most matches.
        best = (-1, -1, 0)
        inside: Counter[str] = Counter()
        end = 0
        for i, first in enumerate(matches):
            end = max(end, i)
            while end < len(matches) and matches[end].end() <= first.start() + width:
                inside[matches[end].group(0).lower()] += 1
                end += 1
            score = (len(inside), end - i)
            if score > best[:2]:
                best = (*score, first.start())
            if end > i:
                word = first.group(0).lower()
                inside[word] -= 1
                if not inside[word]:
                    del inside[word]
        start = max(0, min(best[2] - _LEAD, len(text) - width))
    end = min(len(text), start + width)
    # Never cut a match in half at either edge.
    for m in matches:
        if m.start() < start < m.end():
            start = m.start()
        if m.start() < end < m.end():
            end = m.end()
    parts = [Markup("…") if start > 0 else Markup(""), _marked(text[start:end], pattern)]
    if end < len(text):
        parts.append(Markup("…"))
    return Markup("").join(parts)
