"""PostgreSQL full-text search over search_documents: the 'simple' configuration reads jieba's
words (title words weighted A, body words D), a GIN index finds them, ts_rank_cd ranks them."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, false, func, or_, select, true

from school.db import db
from school.search.candidates import Candidate, Found, rank
from school.search.documents import Scope
from school.search.models import SearchDocument as D
from school.search.parsing import Parsed


def visibility(scope: Scope) -> ColumnElement[bool]:
    """The viewer's visibility rule as SQL on the document columns."""
    if scope.everything:
        return true()
    below_grant = [D.org_path.startswith(g, autoescape=True) for g in sorted(scope.grant_paths)]
    own = D.author_id == scope.user_id
    org = [D.org_path.in_(sorted(scope.org_paths))] if scope.org_paths else []
    return or_(
        D.audience == "public",
        and_(D.audience == "org", or_(false(), *org, *below_grant)),
        and_(D.audience == "staff", or_(own, *below_grant)),
        and_(D.audience == "instructors", true() if scope.instructor else own),
        and_(D.audience == "course", or_(own, D.org_path.in_(sorted(scope.course_paths)))),
    )


def tsquery(words: list[str], phrases: list[list[str]]):
    """Every word (plainto_tsquery) and every phrase in order (phraseto_tsquery)."""
    parts = []
    if words:
        parts.append(func.plainto_tsquery("simple", " ".join(words)))
    parts += [func.phraseto_tsquery("simple", " ".join(p)) for p in phrases]
    query = parts[0]
    for part in parts[1:]:
        query = query.op("&&")(part)
    return query


def search(
    scope: Scope,
    parsed: Parsed,
    kind: str | None,
    page: int,
    per_page: int,
    candidates: int,
) -> Found:
    """Ranked (kind, object_id, score) for one page, the total and counts per kind, over at
    most ``candidates`` matches (see service.search)."""
    query = tsquery(parsed.words, parsed.phrases)
    where = and_(D.tsv.op("@@")(query), visibility(scope))

    def collect(only: str | None) -> tuple[list[Candidate], bool]:
        rows = _candidates(
            where if only is None else and_(where, D.kind == only), query, candidates
        )
        # In key order, so that equal ranks come out the same from one plan to the next.
        first = sorted(rows[:candidates], key=lambda row: (row.kind, row.object_id))
        found = [Candidate(float(r.rank), r.kind, (r.kind, r.object_id)) for r in first]
        return found, len(rows) > candidates

    ranked = rank(collect, kind, page, per_page)
    keys = [(*hit.ref, hit.score) for hit in ranked.page]
    return Found(keys, ranked.total, ranked.counts, ranked.capped)


def _candidates(where, query, candidates: int) -> list:
    """The first ``candidates`` + 1 matching rows in the table's order with their rank
    (ts_rank_cd rewards words found close together: the phrase itself ranks first).

    No ORDER BY, so that for a common word PostgreSQL stops after the first rows it finds
    instead of reading and sorting every match. And always through the GIN index: with a
    LIMIT the planner bets on a sequential scan meeting matches evenly, and for a word
    found only in later rows it reads most of the table to lose the bet.
    """
    first = select(D.kind, D.object_id, D.tsv).where(where).limit(candidates + 1).subquery()
    rank = func.ts_rank_cd(first.c.tsv, query).label("rank")
    session = db.session
    before = session.scalar(
        select(
            func.current_setting("enable_seqscan"), func.set_config("enable_seqscan", "off", True)
        )
    )
    try:
        return session.execute(select(first.c.kind, first.c.object_id, rank)).all()
    finally:
        session.execute(select(func.set_config("enable_seqscan", before, True)))
