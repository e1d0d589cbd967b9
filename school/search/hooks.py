"""Keep search_documents in step with what they describe, in the same transaction.

Session events note every object a flush touches that a searchable kind follows (see
school/search/kinds.py), and every moved Organisation; just before the commit the documents of
those objects are recomputed from the database and written, with one search_outbox row per
changed document. A rollback therefore leaves neither documents nor outbox rows behind. After the
commit the outbox is drained into the Whoosh index (school.search.whoosh_backend.drain). Views,
CLI commands and imports all go through the session, so all of them are covered.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from flask import Flask, current_app
from sqlalchemy import (
    Select,
    and_,
    bindparam,
    delete,
    event,
    func,
    insert,
    inspect,
    literal_column,
    or_,
    select,
)
from sqlalchemy.orm import Session

from school.db import db, utcnow
from school.orgs.models import Organisation
from school.search import whoosh_backend
from school.search.dictionary import Dictionary
from school.search.documents import Document, cut
from school.search.kinds import SEARCH_KINDS, following
from school.search.models import SearchDocument, SearchOutbox
from school.search.state import documents_dictionary

log = logging.getLogger(__name__)

# Keys are (entry, object id): an entry of SEARCH_KINDS, or "org" for a moved organisation.
_KEYS = "search.keys"  # {(entry, id)} touched in this transaction
_OBJECTS = "search.objects"  # objects seen before a flush, keyed once they have ids
_QUEUED = "search.queued"  # this transaction wrote outbox rows
_registered = False


def register(app: Flask) -> None:
    """Listen to the app's sessions (once per process: the session factory is shared)."""
    global _registered
    wanted = str(app.config.get("SEARCH_BACKEND") or "whoosh").lower()
    if wanted in ("postgres", "postgresql") and not is_postgres(app):
        app.logger.warning(
            "SEARCH_BACKEND=%s needs a PostgreSQL DATABASE_URL; search uses Whoosh instead", wanted
        )
    if _registered:
        return
    event.listen(db.session, "before_flush", _before_flush)
    event.listen(db.session, "after_flush", _after_flush)
    event.listen(db.session, "before_commit", _before_commit)
    event.listen(db.session, "after_commit", _after_commit)
    event.listen(db.session, "after_transaction_end", _after_transaction_end)
    _registered = True


def _key(obj) -> tuple[str, int] | None:
    """The (entry, id) whose documents depend on ``obj``, once it has an id."""
    if isinstance(obj, Organisation):
        return ("org", obj.id)
    entry = following(obj)
    if entry is None:
        return None
    object_id = entry.object_id(obj)
    return (entry.key, object_id) if object_id is not None else None


def _relevant(obj) -> bool:
    if isinstance(obj, Organisation):
        # Only a move changes paths below it (and so the org_path of documents there).
        return "parent_id" in _changed(obj)
    return following(obj) is not None


def _changed(obj) -> set[str]:
    state = inspect(obj)
    return {a.key for a in state.attrs if a.history.has_changes()}


def _before_flush(session: Session, _context, _instances) -> None:
    objects = session.info.setdefault(_OBJECTS, [])
    keys = session.info.setdefault(_KEYS, set())
    for obj in list(session.new) + list(session.dirty):
        if _relevant(obj):
            objects.append(obj)
    for obj in session.deleted:
        if not _relevant(obj):
            continue
        for entry in SEARCH_KINDS.values():
            parent = entry.parent
            # The children go with their parent (ON DELETE CASCADE).
            if parent is not None and isinstance(obj, parent.entry.model):
                keys.update((entry.key, child.id) for child in parent.children(obj))
        key = _key(obj)
        if key is not None:
            keys.add(key)


def _after_flush(session: Session, _context) -> None:
    objects = session.info.pop(_OBJECTS, [])
    keys = session.info.setdefault(_KEYS, set())
    for obj in objects:
        key = _key(obj)
        if key is not None and key[1] is not None:
            keys.add(key)


def _before_commit(session: Session) -> None:
    # Releasing a SAVEPOINT (session.begin_nested()) fires the commit events too: only the real
    # commit counts.
    if session.in_nested_transaction():
        return
    session.flush()  # the commit would flush anyway; do it first to see what changed
    keys = session.info.pop(_KEYS, set())
    if not keys:
        return
    try:
        with session.begin_nested():
            # Only Whoosh reads the outbox; PostgreSQL searches the documents themselves.
            queue = backend_name(current_app._get_current_object()) == "whoosh"
            changed = sync(session, keys, queue=queue)
    except Exception:
        # Never fail the user's change because of search: its documents stay as they were
        # until the next change to them or `flask search reindex`.
        log.exception("search documents not updated for %s", sorted(keys)[:10])
        return
    if changed and queue:
        session.info[_QUEUED] = True


def _after_commit(session: Session) -> None:
    if session.in_nested_transaction() or not session.info.pop(_QUEUED, False):
        return
    try:
        app = current_app._get_current_object()
        if backend_name(app) == "whoosh":
            whoosh_backend.drain(app)
    except Exception:
        # The outbox keeps the work; the next writer (or a reindex) catches up.
        log.exception("search index update failed; the outbox keeps the changes")


def _after_transaction_end(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_KEYS, None)
        session.info.pop(_OBJECTS, None)
        session.info.pop(_QUEUED, None)


def backend_name(app: Flask) -> str:
    """The backend in use: "postgres" only when asked for and the database is PostgreSQL."""
    wanted = str(app.config.get("SEARCH_BACKEND") or "whoosh").lower()
    if wanted in ("postgres", "postgresql") and is_postgres(app):
        return "postgres"
    return "whoosh"


def is_postgres(app: Flask) -> bool:
    return app.extensions["school.db"].engine.dialect.name == "postgresql"


# --- recomputing documents ---------------------------------------------------------------------


def _expand(session: Session, keys: set[tuple[str, int]]) -> set[tuple[str, int]]:
    """A parent's documents include its children's; a moved organisation's, the items below it."""
    out = {k for k in keys if k[0] in SEARCH_KINDS}
    for entry in SEARCH_KINDS.values():
        if entry.parent is None:
            continue
        parent_ids = [i for f, i in keys if f == entry.parent.entry.key]
        if parent_ids:
            column = entry.parent.column
            rows = session.execute(select(entry.model.id).where(column.in_(parent_ids)))
            out.update((entry.key, child_id) for (child_id,) in rows)
    for org_id in [i for f, i in keys if f == "org"]:
        org = session.get(Organisation, org_id)
        if org is None:
            continue
        below = select(Organisation.id).where(Organisation.path.startswith(org.path))
        for entry in SEARCH_KINDS.values():
            if entry.org is not None:
                rows = session.execute(select(entry.model.id).where(entry.org.in_(below)))
                out.update((entry.key, i) for (i,) in rows)
    return out


def sync(session: Session, keys: set[tuple[str, int]], queue: bool = True) -> int:
    """Bring the documents of ``keys`` up to date; returns how many changed (each queued for
    the Whoosh index when ``queue``)."""
    table = SearchDocument.__table__
    by_entry: dict[str, set[int]] = {}
    for entry_key, object_id in _expand(session, keys):
        by_entry.setdefault(entry_key, set()).add(object_id)
    stale: list[tuple[str, int]] = []
    fresh: list[Document] = []
    for entry_key, ids in by_entry.items():
        entry = SEARCH_KINDS[entry_key]
        wanted = {d.key: d for d in entry.build(session, ids).values() if d is not None}
        existing = {
            (row.kind, row.object_id): row
            for row in session.execute(
                stored_rows().where(table.c.kind.in_(entry.writes), table.c.object_id.in_(ids))
            )
        }
        for key, row in existing.items():
            doc = wanted.get(key)
            if doc is None or differs(row, doc):
                stale.append(key)
        fresh.extend(d for k, d in wanted.items() if k not in existing or k in stale)
    changed = sorted(set(stale) | {d.key for d in fresh})
    if not changed:
        return 0
    remove(session, stale)
    # Cut like the documents already there, so that the index and its queries keep agreeing
    # until a reindex cuts everything with the code's dictionary.
    write(session, fresh, dictionary=documents_dictionary(session, claim=True))
    if not queue:
        return len(changed)
    now = utcnow()
    session.execute(
        insert(SearchOutbox.__table__),
        [{"kind": k, "object_id": i, "queued_at": now} for k, i in changed],
    )
    return len(changed)


# What a document row shows, as ``differs`` compares it with a freshly built document.
_SHOWN = ("title", "body", "url", "audience", "org_path", "author_id")


def stored_rows(*extra: str) -> Select:
    """The stored rows' keys and what they show (and the ``extra`` columns), for ``differs``."""
    table = SearchDocument.__table__
    return select(*(table.c[name] for name in ("kind", "object_id", *_SHOWN, *extra)))


def differs(row, doc: Document) -> bool:
    """Whether a document row shows something else than ``doc``."""
    return any(getattr(row, name) != getattr(doc, name) for name in _SHOWN)


def remove(session: Session, keys: list[tuple[str, int]]) -> None:
    """Delete documents by (kind, object_id)."""
    table = SearchDocument.__table__
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        session.execute(
            delete(table).where(
                or_(*(and_(table.c.kind == k, table.c.object_id == i) for k, i in chunk))
            )
        )


def write(
    session: Session,
    docs: Sequence[Document],
    words: Sequence[tuple[str, str]] | None = None,
    dictionary: Dictionary | None = None,
) -> None:
    """Insert documents; on PostgreSQL with their tsvector (title words weigh A, body words D)."""
    # words: each document's (title words, body words) when already cut, as a full reindex does
    # in worker processes; else they are cut here with ``dictionary`` (default: the code's).
    if not docs:
        return
    table = SearchDocument.__table__
    now = utcnow()
    rows = []
    if words is None:
        words = [cut(doc.title, doc.body, dictionary) for doc in docs]
    for doc, (title_words, body_words) in zip(docs, words, strict=True):
        rows.append(
            {
                "kind": doc.kind,
                "object_id": doc.object_id,
                "title": doc.title,
                "body": doc.body,
                "words": f"{title_words} {body_words}".strip(),
                "url": doc.url,
                "audience": doc.audience,
                "org_path": doc.org_path,
                "author_id": doc.author_id,
                "updated_at": doc.changed_at or now,
                "title_words": title_words,
                "body_words": body_words,
            }
        )
    stmt = insert(table)
    if session.get_bind().dialect.name == "postgresql":
        title = func.setweight(
            func.to_tsvector("simple", bindparam("title_words")), literal_column("'A'")
        )
        body = func.setweight(
            func.to_tsvector("simple", bindparam("body_words")), literal_column("'D'")
        )
        stmt = stmt.values(tsv=title.op("||")(body))
    else:
        for row in rows:
            del row["title_words"], row["body_words"]
    for start in range(0, len(rows), 500):
        session.execute(stmt, rows[start : start + 500])
