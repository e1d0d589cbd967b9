"""Whoosh's own phrase matcher and BM25F are the reference: ours must find the same documents
with the same scores (they only read positions and field lengths faster)."""

from __future__ import annotations

import random

import pytest
from whoosh import query as Q
from whoosh.filedb.filestore import RamStorage
from whoosh.scoring import BM25F

from school.search import whoosh_query
from school.search.whoosh_backend import schema

VOCABULARY = ["党员", "的", "流动", "管理", "学习", "档案", "参加", "情况", "反映", "支部"]


def _text(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choice(VOCABULARY) for _ in range(rng.randint(low, high)))


@pytest.fixture
def index():
    """Three segments of documents made of a few words (so phrases recur), some deleted."""
    rng = random.Random(20261204)
    ix = RamStorage().create_index(schema())
    number = 0
    for _segment in range(3):
        writer = ix.writer()
        for _ in range(60):
            writer.add_document(
                id=f"lesson:{number}",
                kind="lesson",
                title=_text(rng, 1, 4),
                body=_text(rng, 0, 40),
                audience="public",
            )
            number += 1
        writer.commit(merge=False)
    writer = ix.writer()
    for gone in (3, 70, 71, 150):
        writer.delete_by_term("id", f"lesson:{gone}")
    writer.commit(merge=False)
    assert len(ix.reader().leaf_readers()) == 3 and ix.doc_count() == 176
    return ix


def _matches(ix, q: Q.Query, weighting) -> dict[str, float]:
    with ix.searcher(weighting=weighting) as searcher:
        results = searcher.search(q, limit=None)
        return {hit["id"]: hit.score for hit in results}


PHRASES = [
    ["流动", "党员"],
    ["党员", "的", "党员"],  # a word twice
    ["参加", "情况", "反映"],
    ["档案", "学习"],
    ["支部", "支部"],
    ["的", "的", "的"],
    ["党员", "管理", "学习", "档案"],
]


@pytest.mark.parametrize("words", PHRASES, ids="".join)
@pytest.mark.parametrize("field", ["title", "body"])
def test_a_phrase_finds_what_whooshs_phrase_finds_with_the_same_scores(index, field, words):
    ours = _matches(index, whoosh_query.Phrase(field, words), BM25F())
    theirs = _matches(index, Q.Phrase(field, words), BM25F())
    assert ours.keys() == theirs.keys()
    assert ours == pytest.approx(theirs)
    if words == ["流动", "党员"] and field == "body":
        assert len(ours) > 10  # the comparison is not between two empty results


def test_a_phrase_needs_its_words_in_order_and_side_by_side():
    ix = RamStorage().create_index(schema())
    writer = ix.writer()
    for number, body in enumerate(["流动 党员 管理", "党员 流动 管理", "流动 的 党员", "流动"]):
        writer.add_document(id=f"qa:{number}", kind="qa", title="", body=body, audience="public")
    writer.commit()
    assert _matches(ix, whoosh_query.Phrase("body", ["流动", "党员"]), BM25F()).keys() == {"qa:0"}
    assert _matches(ix, whoosh_query.Phrase("body", ["流动", "外出"]), BM25F()) == {}


QUERIES = [
    ["党员"],
    ["流动", "管理"],
    ["参加", "情况", "反映"],
]


@pytest.mark.parametrize("words", QUERIES, ids="".join)
def test_scores_are_whooshs_bm25f_scores(index, words):
    q = whoosh_query.build_query(words, [])
    ours = _matches(index, q, whoosh_query.Scoring())
    assert ours == pytest.approx(_matches(index, q, BM25F()))
    assert len(ours) > 10


def test_a_document_added_later_is_scored_with_its_own_length(index):
    q = whoosh_query.build_query(["党员"], [])
    _matches(index, q, whoosh_query.Scoring())  # the first segments' lengths are now kept
    writer = index.writer()
    writer.add_document(id="qa:new", kind="qa", title="党员", body="党员 " * 30, audience="public")
    writer.delete_by_term("id", "lesson:5")
    writer.commit(merge=False)
    ours = _matches(index, q, whoosh_query.Scoring())
    assert "qa:new" in ours and "lesson:5" not in ours
    assert ours == pytest.approx(_matches(index, q, BM25F()))
