"""A query as the backends take it: jieba's words, the whole ones, and quoted phrases."""

from __future__ import annotations

import re
from dataclasses import dataclass

from school.search.dictionary import Dictionary
from school.search.documents import tokens

_QUOTES = str.maketrans({"“": '"', "”": '"', "「": '"', "」": '"', "＂": '"'})
_PHRASE = re.compile(r'"([^"]*)"')


@dataclass(frozen=True)
class Parsed:
    """A query as the backends take it."""

    # Every one must match: jieba's whole words, not the parts search mode adds (中华人民共和国,
    # not also 中华 and 人民), which a document holding the whole word holds anyway.
    words: list[str]
    # The loose text's whole words with their positions among all its words (parts included,
    # as the index counts them): found side by side like this, they rank higher.
    near: list[tuple[int, str]]
    # Quoted phrases, each in order and side by side (parts included).
    phrases: list[list[str]]
    # Every word of the loose text, parts included.
    loose: list[str]

    @property
    def marked(self) -> list[str]:
        """Every word to mark in titles and snippets."""
        return list(dict.fromkeys(self.loose + self.words + [w for p in self.phrases for w in p]))


def _cut(text: str, dictionary: Dictionary | None) -> tuple[list[tuple[int, str]], list[str]]:
    """The whole words of ``text`` with their positions, and all its words (see Parsed)."""
    cut = tokens(text, dictionary)
    whole = [
        (position, word)
        for position, (word, start, end) in enumerate(cut)
        if not any(s <= start and end <= e and (s, e) != (start, end) for _, s, e in cut)
    ]
    return whole, [word for word, _, _ in cut]


def parse(query: str, dictionary: Dictionary | None = None) -> Parsed:
    """The query's loose words and its quoted phrases ("流动党员管理"), cut by jieba with the
    dictionary the index was cut with (default: the code's)."""
    text = query.translate(_QUOTES)
    phrases: list[list[str]] = []
    words: list[str] = []
    if text.count('"') >= 2:
        for chunk in _PHRASE.findall(text):
            whole, cut = _cut(chunk, dictionary)
            if len(whole) > 1:
                phrases.append(cut)
            else:
                words.extend(word for _, word in whole)
        text = _PHRASE.sub(" ", text)
    near, loose = _cut(text.replace('"', " "), dictionary)
    words = list(dict.fromkeys(words + [word for _, word in near]))
    return Parsed(words, near, phrases, loose)
