"""Related terms for a search that found nothing, built only from what the viewer may see.

Every suggestion comes out of `service.search` run as the viewer, never from the raw index or
the document table: a word that only occurs in a help request or a private question must not
surface as a hint (that alone would tell a member it exists).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

from markupsafe import Markup

from school.auth.models import User
from school.search import service

# How many of the query's words are tried on their own, and how many hits each one reads.
MAX_WORDS = 5
HITS_READ = 10
MAX_FREQUENT = 6
# Function words that carry no meaning on their own: never offered as a search.
_STOPWORD_TEXT = """
    的 了 和 与 及 或 在 是 我 我们 你 你们 他 她 它 他们 这 那 这个 那个 有 也 就 都 而 等 对
    把 被 为 以 之 其 中 上 下 吗 呢 吧 啊 呀 如何 怎么 怎样 什么 哪些 一个 一些 没有 可以 进行
    已经 还是 但是 因为 所以 如果 以及 关于 通过 需要 应当 应该 能够 不是 不能 还有 其他 自己
    the a an of and or to in on for is are"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
QUOTES = "\"'“”‘’「」『』"


class _Hit(Protocol):
    title: Markup
    snippet: Markup


class _Results(Protocol):
    total: int
    hits: list


@dataclass(frozen=True)
class Related:
    """Words of the query that find something on their own, and words often found with them."""

    words: list[str] = field(default_factory=list)
    frequent: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.words or self.frequent)


def is_term(word: str, *, min_length: int = 1) -> bool:
    """A word worth offering: it has a letter or a Chinese character and is not a function word."""
    word = word.strip()
    if len(word) < min_length or word.lower() in STOPWORDS or word.isdigit():
        return False
    return any(char.isalnum() for char in word)


def query_words(query: str, segment: Callable[[str], list[str]]) -> list[str]:
    """The query's distinct words in order, quotes dropped (a phrase is tried word by word)."""
    plain = query.translate({ord(quote): " " for quote in QUOTES})
    seen: dict[str, str] = {}
    for word in segment(plain):
        word = word.strip()
        if is_term(word) and word.lower() not in seen:
            seen[word.lower()] = word
    return list(seen.values())


def frequent_words(
    hits: Iterable[_Hit], segment: Callable[[str], list[str]], exclude: set[str]
) -> list[str]:
    """Words of two or more characters that occur most often in the hits' titles and snippets."""
    counts: Counter[str] = Counter()
    for hit in hits:
        text = f"{hit.title.striptags()} {hit.snippet.striptags()}"
        for word in segment(text):
            word = word.strip()
            if is_term(word, min_length=2) and word.lower() not in exclude:
                counts[word] += 1
    # Counter.most_common keeps first-seen order among equal counts: stable, testable output.
    return [word for word, _ in counts.most_common(MAX_FREQUENT)]


def build_related(
    query: str,
    lookup: Callable[[str], _Results],
    segment: Callable[[str], list[str]],
) -> Related:
    """Related terms for `query`, with `lookup(word)` searching as the viewer."""
    words = query_words(query, segment)
    if not words:
        return Related()
    whole = query.strip().translate({ord(quote): None for quote in QUOTES}).lower()
    found: list[str] = []
    hits: list[_Hit] = []
    for word in words[:MAX_WORDS]:
        if word.lower() == whole:
            continue  # the query itself: it just found nothing
        results = lookup(word)
        if results.total > 0:
            found.append(word)
            hits.extend(results.hits[:HITS_READ])
    exclude = {word.lower() for word in words} | {whole}
    return Related(words=found, frequent=frequent_words(hits, segment, exclude))


def related_terms(viewer: User, query: str) -> Related:
    """Related terms for a query that found nothing, searched as `viewer` so nothing leaks."""
    return build_related(
        query,
        lambda word: service.search(viewer, word, per_page=HITS_READ),
        service.segment,
    )
