"""Search as the rest of the school sees it: search(), reindex() and segment()."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import click
from flask import Flask, current_app
from markupsafe import Markup
from sqlalchemy import Engine, and_, delete, or_, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import load_only

from school.auth.models import User
from school.db import db
from school.search import dictionary, hooks, pg_backend, whoosh_backend
from school.search.dictionary import Dictionary
from school.search.documents import can_see, scope_for
from school.search.documents import segment as _segment
from school.search.highlight import highlight, snippet
from school.search.kinds import SEARCH_KINDS
from school.search.models import KINDS, SearchDocument, SearchOutbox
from school.search.parallel import Segmenter
from school.search.parsing import parse
from school.search.state import documents_dictionary, record

QUERY_MAX = 100


@dataclass(frozen=True)
class Hit:
    kind: str
    object_id: int
    title: Markup
    snippet: Markup
    url: str
    updated_at: datetime
    score: float


@dataclass(frozen=True)
class Results:
    query: str
    kind: str | None
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    page: int = 1
    pages: int = 0
    # More matches than a search ranks: total and counts are "at least".
    capped: bool = False
    rebuilding: bool = False
    words: list[str] = field(default_factory=list)


def segment(text: str) -> list[str]:
    """jieba's words of ``text`` as search cuts them (dictionary loaded once per process)."""
    return _segment(text)


def search(
    viewer: User, query: str, *, kind: str | None = None, page: int = 1, per_page: int = 20
) -> Results | None:
    """Hits the viewer may see, best first, with marked titles and snippets; None: no such kind.

    At most SEARCH_CANDIDATES matches are ranked, the first in the index (a full reindex
    writes courses and lessons first): a word found in most of the school's texts says little
    about which one the member wants, and ranking every match costs seconds at 50,000
    documents. Such a result is ``capped``: its counts are lower bounds and the page asks for
    a narrower query.
    """
    if kind is not None and kind not in KINDS:
        return None
    query = (query or "").strip()
    if not query or len(query) > QUERY_MAX:
        return Results(query=query, kind=kind)
    app = current_app._get_current_object()
    parsed = parse(query, live_dictionary(app))
    all_words = parsed.marked
    if not all_words:
        return Results(query=query, kind=kind)
    page, per_page = max(1, page), max(1, min(per_page, 100))
    scope = scope_for(viewer)
    candidates = int(app.config["SEARCH_CANDIDATES"])
    if hooks.backend_name(app) == "postgres":
        found = pg_backend.search(scope, parsed, kind, page, per_page, candidates)
    else:
        try:
            found = whoosh_backend.search(app, scope, parsed, kind, page, per_page, candidates)
        except whoosh_backend.Rebuilding:
            return Results(query=query, kind=kind, rebuilding=True, words=all_words)
    rows = _rows([(k, i) for k, i, _ in found.keys])
    hits = []
    for doc_kind, object_id, score in found.keys:
        row = rows.get((doc_kind, object_id))
        # The row is the truth: a document deleted or restricted since the index was written
        # is never shown.
        if row is None or not can_see(scope, row.audience, row.org_path, row.author_id):
            continue
        hits.append(
            Hit(
                kind=row.kind,
                object_id=row.object_id,
                title=highlight(row.title, all_words),
                snippet=snippet(row.body, all_words),
                url=row.url,
                updated_at=row.updated_at,
                score=score,
            )
        )
    return Results(
        query=query,
        kind=kind,
        hits=hits,
        total=found.total,
        counts=found.counts,
        page=page,
        pages=math.ceil(found.total / per_page),
        capped=found.capped,
        words=all_words,
    )


def live_dictionary(app: Flask) -> Dictionary:
    """The dictionary the index being searched was cut with: queries are cut with it too."""
    if hooks.backend_name(app) == "postgres":
        # Read in the search's own transaction: the tsvectors it searches were cut with it.
        return documents_dictionary(db.session)
    return whoosh_backend.live_dictionary(app)


def stale(app: Flask) -> list[str]:
    """Why the index is not cut with the code's dictionary (empty: it is)."""
    code = dictionary.current().version
    reasons = []
    documents = documents_dictionary(db.session).version
    if documents != code:
        reasons.append(f"搜索文档按词典 {documents} 分词，当前词典为 {code}")
    if hooks.backend_name(app) == "whoosh":
        if whoosh_backend.root(app).joinpath("current").exists():
            index = whoosh_backend.live_dictionary(app).version
            if index != code:
                reasons.append(f"Whoosh 索引按词典 {index} 分词，当前词典为 {code}")
        elif documents == code:
            reasons.append("还没有 Whoosh 索引")
    return reasons


def warm(app: Flask) -> None:
    """Load jieba's dictionaries when a web worker starts, not in its first request (where on
    SQLite a board post waited a second for it, holding the database's write lock); say when
    the index needs a reindex for the code's dictionary.

    Command-line runs other than ``flask run`` and tests load it when they first cut a word.
    """
    command = click.get_current_context(silent=True)
    if app.testing or (command is not None and command.info_name != "run"):
        return
    dictionary.tokenizer()
    try:
        with app.app_context():
            live = live_dictionary(app)
            reasons = stale(app)
    except SQLAlchemyError:
        app.logger.warning("搜索：读不到索引的词典版本（数据库还没有升级？）", exc_info=True)
        return
    if reasons:
        # Searching goes on with the index's own dictionary meanwhile.
        dictionary.tokenizer(live)
        app.logger.warning(
            "搜索索引需要按当前词典重建（%s）：请运行 flask search reindex --if-stale；"
            "重建完成前，搜索仍用现有的索引和它的词典。",
            "；".join(reasons),
        )


def _rows(keys: list[tuple[str, int]]) -> dict[tuple[str, int], SearchDocument]:
    if not keys:
        return {}
    cond = or_(*(and_(SearchDocument.kind == k, SearchDocument.object_id == i) for k, i in keys))
    # Not the words nor the tsvector: they are many times the size of what a hit shows.
    shown = load_only(
        SearchDocument.title,
        SearchDocument.body,
        SearchDocument.url,
        SearchDocument.audience,
        SearchDocument.org_path,
        SearchDocument.author_id,
        SearchDocument.updated_at,
    )
    rows = db.session.scalars(select(SearchDocument).where(cond).options(shown))
    return {(d.kind, d.object_id): d for d in rows}


def reindex(
    echo: Callable[[str], None] | None = None,
    workers: int | None = None,
    parts: int = 1,
    recut: bool = False,
) -> int:
    """Rebuild every document from the database, then the backend's index; returns the count.

    jieba is most of a reindex's time: a document whose text has not changed keeps its words
    when they were cut with the code's dictionary. After a dictionary change (or when the
    documents' dictionary is not known, or with ``recut``) every document is cut anew.
    """
    # workers: processes cutting words (parallel.Segmenter); None: one per CPU when there is
    # enough text, 1: none. parts: Whoosh index segments built side by side; one segment is
    # slower to build and faster to search (measured at 50,000 documents: bench/RESULTS.md).
    say = echo or (lambda _text: None)
    session = db.session
    keep = not recut and documents_dictionary(session).version == dictionary.current().version
    if not keep:
        session.execute(delete(SearchDocument))
    session.execute(delete(SearchOutbox))
    counts: dict[str, int] = {}
    built: dict[str, set[int]] = {kind: set() for kind in KINDS}
    cut = 0
    with Segmenter(workers) as segmenter:
        # One batch ahead: the workers cut it while this process reads and renders the next
        # one and writes the one before.
        cutting = None
        for entry in SEARCH_KINDS.values():
            model = entry.model
            last = 0
            while True:
                batch = session.scalars(
                    select(model)
                    .where(model.id > last)
                    .order_by(model.id)
                    .limit(500)
                    .options(*entry.load)
                ).all()
                if not batch:
                    break
                docs = [d for d in map(entry.document, batch) if d is not None]
                for doc in docs:
                    counts[doc.kind] = counts.get(doc.kind, 0) + 1
                    built[doc.kind].add(doc.object_id)
                if keep:
                    docs = _changed(session, docs)
                cut += len(docs)
                previous, cutting = cutting, segmenter.submit(docs)
                if previous is not None:
                    hooks.write(session, previous.docs, previous.result())
                last = batch[-1].id
                session.expunge_all()
        if cutting is not None:
            hooks.write(session, cutting.docs, cutting.result())
    if keep:
        _remove_all_but(session, built)
    # In the same transaction: readers see the old words with the old dictionary, or the new
    # ones with the new.
    record(session, dictionary.current())
    session.commit()
    if session.get_bind().dialect.name == "postgresql":
        _vacuum(session)
    total = sum(counts.values())
    for kind, label in KINDS.items():
        if counts.get(kind):
            say(f"{label}：{counts[kind]} 条")
    say(f"分词 {cut} 条，沿用未变内容已切好的词 {total - cut} 条。")
    app = current_app._get_current_object()
    if hooks.backend_name(app) == "whoosh":
        whoosh_backend.rebuild(app, workers=parts)
        say(f"已重建 Whoosh 索引，共 {total} 条文档。")
    else:
        say(f"已更新 PostgreSQL 全文索引，共 {total} 条文档。")
    return total


def _changed(session, docs: list) -> list:
    """The documents whose row is missing or differs (those rows are deleted here)."""
    table = SearchDocument.__table__
    keys = {doc.key for doc in docs}
    rows = {
        (row.kind, row.object_id): row
        for row in session.execute(
            hooks.stored_rows("updated_at").where(
                table.c.kind.in_({kind for kind, _ in keys}),
                table.c.object_id.in_({object_id for _, object_id in keys}),
            )
        )
        if (row.kind, row.object_id) in keys
    }
    changed = [
        doc
        for doc in docs
        if doc.key not in rows
        or hooks.differs(rows[doc.key], doc)
        or (doc.changed_at is not None and rows[doc.key].updated_at != doc.changed_at)
    ]
    hooks.remove(session, [doc.key for doc in changed if doc.key in rows])
    return changed


def _remove_all_but(session, built: dict[str, set[int]]) -> None:
    """Delete the documents of objects that are gone or no longer searchable."""
    table = SearchDocument.__table__
    rows = session.execute(select(table.c.kind, table.c.object_id))
    hooks.remove(session, [(k, i) for k, i in rows if i not in built.get(k, ())])


def _vacuum(session) -> None:
    """After every row is rewritten: clear the old rows out of the table and its GIN index
    (a search would otherwise visit each dead row too) and give the planner fresh statistics
    (the last ones describe another table, so it misjudges which words are common)."""
    bind = session.get_bind()
    if not isinstance(bind, Engine):
        # A connection someone else holds in a transaction (tests): VACUUM cannot run inside
        # one, ANALYZE can.
        session.execute(text("ANALYZE search_documents"))
        session.commit()
        return
    with bind.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE search_documents"))
