"""PostgreSQL full-text search over search_documents: the 'simple' configuration reads jieba's
words (title words weighted A, body words D), a GIN index finds them, ts_rank_cd ranks them."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, false, func, or_, select, true

from school.db import db
from school.search.documents import Scope
from school.search.models import SearchDocument as D
from school.search.whoosh_backend import Found


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
    words: list[str],
    phrases: list[list[str]],
    kind: str | None,
    page: int,
    per_page: int,
) -> Found:
    """Ranked (kind, object_id, score) for one page, the total and counts per kind."""
    query = tsquery(words, phrases)
    where = and_(D.tsv.op("@@")(query), visibility(scope))
    counts = {
        k: n
        for k, n in db.session.execute(
            select(D.kind, func.count()).where(where).group_by(D.kind)
        ).all()
    }
    total = counts.get(kind, 0) if kind else sum(counts.values())
    if kind:
        where = and_(where, D.kind == kind)
    # ts_rank_cd rewards words found close together: the phrase itself ranks first.
    rank = func.ts_rank_cd(D.tsv, query)
    rows = db.session.execute(
        select(D.kind, D.object_id, rank.label("rank"))
        .where(where)
        .order_by(rank.desc(), D.updated_at.desc(), D.kind, D.object_id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return Found([(r.kind, r.object_id, float(r.rank)) for r in rows], total, counts)
