"""Related terms: built only from what a search as the viewer returns.

These run the pure part with a stand-in search and segmenter; tests/search/test_views.py checks
the whole path (a secret word in a private help request is never suggested).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markupsafe import Markup

from school.search.suggest import Related, build_related, frequent_words, is_term, query_words


def segment(text: str) -> list[str]:
    """Words are what lies between spaces and punctuation: enough to test the logic."""
    return [word for word in re.split(r"[\s，。、“”\"'：:]+", text) if word]


@dataclass
class FakeHit:
    title: Markup
    snippet: Markup


@dataclass
class FakeResults:
    total: int
    hits: list = field(default_factory=list)


def hit(title: str, snippet: str) -> FakeHit:
    return FakeHit(Markup(title), Markup(snippet))  # noqa: S704 (trusted test text)


def searcher(index: dict[str, list[FakeHit]]):
    """A stand-in for service.search as one viewer: word -> the hits that viewer may see."""
    calls: list[str] = []

    def lookup(word: str) -> FakeResults:
        calls.append(word)
        hits = index.get(word, [])
        return FakeResults(total=len(hits), hits=hits)

    return lookup, calls


def test_words_that_find_something_alone_are_offered():
    lookup, calls = searcher({"党员": [hit("党员 权利", "<mark>党员</mark> 义务 权利")]})

    related = build_related("党员 火星", lookup, segment)

    assert related.words == ["党员"]
    assert calls == ["党员", "火星"]


def test_frequent_words_come_from_the_hits_the_viewer_got():
    lookup, _ = searcher(
        {
            "流动": [
                hit("流动 党员 管理", "<mark>流动</mark> 党员 活动证 管理"),
                hit("流动 党员 教育", "党员 教育 <mark>流动</mark>"),
            ],
        }
    )

    related = build_related("流动 火星", lookup, segment)

    assert related.words == ["流动"]
    # 党员 occurs four times, 管理 and 教育 twice; the query's own words are never offered.
    assert related.frequent[:3] == ["党员", "管理", "教育"]
    assert "流动" not in related.frequent and "火星" not in related.frequent


def test_nothing_visible_means_nothing_offered():
    """A word only in something the viewer may not see: the viewer's search finds nothing."""
    lookup, _ = searcher({})

    related = build_related("机密 求助", lookup, segment)

    assert related == Related()
    assert not related


def test_the_whole_query_is_not_searched_again():
    lookup, calls = searcher({})

    build_related("火星", lookup, segment)

    assert calls == []


def test_quotes_are_dropped_and_words_counted_once():
    assert query_words("“流动 党员” 党员 的", segment) == ["流动", "党员"]
    assert query_words('"流动 党员"', segment) == ["流动", "党员"]


def test_the_number_of_searches_is_bounded():
    lookup, calls = searcher({})

    build_related("一一 二二 三三 四四 五五 六六 七七", lookup, segment)

    assert len(calls) == 5


def test_function_words_numbers_and_punctuation_are_not_terms():
    assert not is_term("的")
    assert not is_term("如何")
    assert not is_term("2026")
    assert not is_term("，")
    assert not is_term("党", min_length=2)
    assert is_term("党")
    assert is_term("Flask")


def test_highlight_markup_is_not_read_as_words():
    words = frequent_words([hit("<mark>学习</mark> 档案", "学习 &lt;b&gt;")], segment, set())

    assert "mark" not in words
    assert words[0] == "学习"
