"""Whoosh queries: the visibility rule, the words and phrases, and ranking a bounded set of
candidates (school.search.whoosh_backend opens the index and calls these)."""

from __future__ import annotations

import threading
from array import array

from whoosh import query as Q
from whoosh.matching import IntersectionMatcher, NullMatcher
from whoosh.scoring import BM25F, BM25FScorer
from whoosh.util import make_binary_tree

from school.search.candidates import Candidate
from school.search.documents import Scope


def _or(subqueries: list[Q.Query]) -> Q.Or:
    """A union walked in step with the rest of the query (Whoosh's default for small indexes
    preloads an array per clause and segment, which costs more than the search itself)."""
    union = Q.Or(subqueries)
    union.matcher_type = Q.Or.DEFAULT_MATCHER
    return union


def visibility(scope: Scope, own: bool = True) -> Q.Query | None:
    """The viewer's visibility rule as a Whoosh query (None: admins see everything); without
    ``own``, the part that does not depend on who the viewer is (see Allowed)."""
    if scope.everything:
        return None
    below_grant = [Q.Prefix("org_path", g) for g in sorted(scope.grant_paths)]
    mine = [Q.Term("author_id", str(scope.user_id))] if own else []
    parts: list[Q.Query] = [Q.Term("audience", "public")]
    org = [Q.Term("org_path", p) for p in sorted(scope.org_paths)] + below_grant
    if org:
        parts.append(Q.And([Q.Term("audience", "org"), _or(org)]))
    if below_grant or mine:
        parts.append(Q.And([Q.Term("audience", "staff"), _or(below_grant + mine)]))
    if scope.instructor:
        parts.append(Q.Term("audience", "instructors"))
    elif mine:
        parts.append(Q.And([Q.Term("audience", "instructors"), _or(mine)]))
    courses = [Q.Term("org_path", p) for p in sorted(scope.course_paths)]
    if courses or mine:
        parts.append(Q.And([Q.Term("audience", "course"), _or(courses + mine)]))
    return _or(parts)


class Phrase(Q.Phrase):
    """Whoosh's phrase (its words one after another in one field), matched and scored the same
    way, with the words' positions compared as sets of numbers: Whoosh makes an object per
    position and walks them in Python, which made quoted phrases of common words the slowest
    searches (bench/RESULTS.md)."""

    def matcher(self, searcher, context=None):
        reader = searcher.reader()
        terms = []
        for word in self.words:
            if (self.fieldname, word) not in reader:
                return NullMatcher()
            terms.append(Q.Term(self.fieldname, word))
        return _InOrder([t.matcher(searcher, context) for t in terms])


class _InOrder(Q.SpanWrappingMatcher):
    """The documents of an intersection of words where the words stand one after another."""

    def __init__(self, words: list) -> None:
        self.words = words
        super().__init__(make_binary_tree(IntersectionMatcher, words))

    def copy(self) -> _InOrder:
        return _InOrder([m.copy() for m in self.words])

    def replace(self, minquality=0):
        return self if self.is_active() else NullMatcher()

    def _get_spans(self) -> set[int]:
        # Every word's matcher stands on the intersection's current document.
        starts = set(self.words[0].value_as("positions"))
        for offset, word in enumerate(self.words[1:], 1):
            if not starts:
                break
            starts.intersection_update(p - offset for p in word.value_as("positions"))
        return starts


def build_query(words: list[str], phrases: list[list[str]]) -> Q.Query:
    """Every word in the title or body, every phrase in order."""
    required: list[Q.Query] = [
        _or([Q.Term("title", w), Q.Term("body", w)]) for w in dict.fromkeys(words)
    ]
    required += [_or([Phrase("title", p), Phrase("body", p)]) for p in phrases]
    return Q.And(required) if len(required) > 1 else required[0]


# Entries kept by each per-segment cache below (visibility bitmaps, field lengths).
_SEGMENT_CACHE_MAX = 256

# Visibility per index segment and viewer scope, as a bitmap of the segment's documents: the
# part of the rule shared by everybody with the same organisations and grants is kept (a
# segment never changes once written), the viewer's own items are looked up per search.
_allowed_guard = threading.Lock()
_allowed: dict[tuple, bytearray] = {}


class Allowed:
    """Which documents of each segment a viewer may see."""

    def __init__(self, index_path: str, scope: Scope) -> None:
        self.key = (
            index_path,
            scope.org_paths,
            scope.grant_paths,
            scope.instructor,
            scope.course_paths,
        )
        self.shared = visibility(scope, own=False)
        self.own = Q.Term("author_id", str(scope.user_id))

    def segment(self, subsearcher) -> tuple[bytearray, set[int]]:
        """The segment's bitmap for the scope and the viewer's own documents in it."""
        key = (*self.key, subsearcher.reader().segment().segment_id())
        with _allowed_guard:
            bits = _allowed.get(key)
        if bits is None:
            bits = bytearray(subsearcher.reader().doc_count_all() // 8 + 1)
            for docnum in subsearcher.docs_for_query(self.shared):
                bits[docnum >> 3] |= 1 << (docnum & 7)
            with _allowed_guard:
                if len(_allowed) >= _SEGMENT_CACHE_MAX:
                    _allowed.pop(next(iter(_allowed)))
                _allowed[key] = bits
        return bits, set(subsearcher.docs_for_query(self.own))


# Field lengths per index segment and field (a segment never changes once written): BM25 needs
# the length of every document it scores, and Whoosh reads each from the index file with a seek
# and a read of its own (about a tenth of a search's time at 50,000 documents).
_lengths_guard = threading.Lock()
_lengths: dict[tuple[str, str], array] = {}


def _field_lengths(searcher, fieldname: str) -> array:
    """Every document's length in ``fieldname`` for this segment's searcher, read once."""
    reader = searcher.reader()
    key = (reader.segment().segment_id(), fieldname)
    with _lengths_guard:
        lengths = _lengths.get(key)
    if lengths is None:
        # Whoosh gives None for a document with no words in the field; such a document never
        # matches a word of the field, so its length is never asked for.
        lengths = array(
            "I",
            (reader.doc_field_length(d, fieldname) or 0 for d in range(reader.doc_count_all())),
        )
        with _lengths_guard:
            if len(_lengths) >= _SEGMENT_CACHE_MAX:
                _lengths.pop(next(iter(_lengths)))
            _lengths[key] = lengths
    return lengths


class Scoring(BM25F):
    """Whoosh's BM25F, with field lengths from memory instead of the index file."""

    def scorer(self, searcher, fieldname, text, qf=1):
        scorer = super().scorer(searcher, fieldname, text, qf=qf)
        if isinstance(scorer, BM25FScorer):
            scorer.dfl = _field_lengths(searcher, fieldname).__getitem__
        return scorer


def collect(
    searcher, q: Q.Query, limit: int, allowed: Allowed | None
) -> tuple[list[tuple[float, int]], bool]:
    """Up to ``limit`` visible matches of ``q`` with their scores, in index order; True when
    there are more."""
    context = searcher.context(needs_current=True)
    found: list[tuple[float, int]] = []
    for subsearcher, offset in searcher.leaf_searchers():
        bits, own = allowed.segment(subsearcher) if allowed is not None else (None, set())
        matcher = q.matcher(subsearcher, context)
        while matcher.is_active():
            docnum = matcher.id()
            if bits is None or bits[docnum >> 3] >> (docnum & 7) & 1 or docnum in own:
                if len(found) == limit:
                    return found, True
                found.append((matcher.score(), offset + docnum))
            matcher.next()
    return found, False


def side_by_side(reader, docnums: list[int], near: list[tuple[int, str]]) -> set[int]:
    """The documents (of this segment) whose title or body has the query's whole words at the
    same distances as in the query (``near``: (position, word))."""
    found: set[int] = set()
    for field in ("title", "body"):
        positions: list[dict[int, set[int]]] = []
        for _, word in near:
            at: dict[int, set[int]] = {}
            if (field, word) in reader:
                postings = reader.postings(field, word)
                for docnum in docnums:
                    if not postings.is_active():
                        break
                    if postings.id() < docnum:
                        postings.skip_to(docnum)
                    if postings.is_active() and postings.id() == docnum:
                        at[docnum] = set(postings.value_as("positions"))
            positions.append(at)
        first = near[0][0]
        for docnum in docnums:
            if docnum in found or any(docnum not in at for at in positions):
                continue
            starts = positions[0][docnum]
            for (position, _), at in zip(near[1:], positions[1:], strict=True):
                starts = {p for p in starts if p + position - first in at[docnum]}
            if starts:
                found.add(docnum)
    return found


def rank_side_by_side(searcher, ranked: list[Candidate], near: list[tuple[int, str]]) -> None:
    """Move the candidates (Whoosh docnums) whose text has the query's words side by side
    ahead of the others (by adding the best score to theirs)."""
    bonus = max(c.score for c in ranked)
    leaves = searcher.leaf_searchers()
    for i, (subsearcher, offset) in enumerate(leaves):
        end = leaves[i + 1][1] if i + 1 < len(leaves) else offset + subsearcher.doc_count_all()
        mine = [c for c in ranked if offset <= c.ref < end]
        if not mine:
            continue
        close = side_by_side(subsearcher.reader(), sorted(c.ref - offset for c in mine), near)
        for c in mine:
            if c.ref - offset in close:
                c.score += bonus


# Matches ranked again with the query's words side by side: enough for the pages people read.
NEAR_RERANK = 40
