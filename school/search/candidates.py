"""What both backends do with the candidates they find: count them per kind, give a kind tab
candidates of its own past the cap, rank them best first and cut out one page (Found)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass
class Candidate:
    score: float
    kind: str
    ref: Any  # the backend's handle on the document (a Whoosh docnum, a (kind, id) key)


# collect(kind): at most the configured number of visible candidates in the backend's order
# (of that kind, or of every kind for None), and whether there were more.
Collect = Callable[[str | None], tuple[list[Candidate], bool]]


@dataclass(frozen=True)
class Found:
    """What a backend's search returns: one page of (kind, object_id, score), best first."""

    keys: list[tuple[str, int, float]]
    total: int
    counts: dict[str, int]
    # More matches than candidates: total and counts are lower bounds.
    capped: bool = False


@dataclass(frozen=True)
class Ranked:
    page: list[Candidate]
    total: int
    counts: dict[str, int]
    capped: bool


def rank(
    collect: Collect,
    kind: str | None,
    page: int,
    per_page: int,
    rerank: Callable[[list[Candidate]], None] | None = None,
    rerank_depth: int = 0,
) -> Ranked:
    """One page of candidates, best first (among equal scores the earlier found), with the
    total and counts per kind. ``rerank`` may raise the scores of the best ``rerank_depth``
    (at least the pages up to this one), which are then ordered again."""
    found, capped = collect(None)
    counts = dict(Counter(c.kind for c in found))
    if kind is not None:
        if capped:
            # The tab has candidates of its own beyond the ones of the whole query.
            found, capped = collect(kind)
            counts[kind] = max(counts.get(kind, 0), len(found))
        else:
            found = [c for c in found if c.kind == kind]
    position = {id(c): i for i, c in enumerate(found)}

    def order(c: Candidate) -> tuple[float, int]:
        return (-c.score, position[id(c)])

    ranked = sorted(found, key=order)
    if rerank is not None and ranked:
        top = ranked[: max(rerank_depth, page * per_page)]
        rerank(top)
        ranked[: len(top)] = sorted(top, key=order)
    return Ranked(ranked[(page - 1) * per_page : page * per_page], len(found), counts, capped)
