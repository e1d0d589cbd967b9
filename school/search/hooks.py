"""Keep search_documents in step with what they describe, in the same transaction.

Session events note every Course, Lesson, Thread, Post, Notice (and moved Organisation) that a
flush touches; just before the commit the documents of those objects are recomputed from the
database and written, with one search_outbox row per changed document. A rollback therefore
leaves neither documents nor outbox rows behind. After the commit the outbox is drained into the
Whoosh index (school.search.whoosh_backend.drain). Views, CLI commands and imports all go through
the session, so all of them are covered.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from types import SimpleNamespace

from flask import Flask, current_app
from sqlalchemy import and_, bindparam, delete, event, func, insert, literal_column, or_, select
from sqlalchemy.orm import Session, selectinload

from school.db import db, utcnow
from school.search.documents import (
    THREAD_KINDS,
    Document,
    course_document,
    lesson_document,
    notice_document,
    segment,
    thread_document,
)
from school.search.models import SearchDocument, SearchOutbox

log = logging.getLogger(__name__)

_KEYS = "search.keys"  # {(family, id)} touched in this transaction
_OBJECTS = "search.objects"  # objects seen before a flush, keyed once they have ids
_QUEUED = "search.queued"  # this transaction wrote outbox rows
FAMILY_KINDS = {
    "course": ("course",),
    "lesson": ("lesson",),
    "thread": THREAD_KINDS,
    "notice": ("notice",),
}
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


def _models() -> SimpleNamespace:
    from school.courses.models import Course, Lesson
    from school.forum.models import Post, Thread
    from school.notices.models import Notice
    from school.orgs.models import Organisation

    return SimpleNamespace(
        Course=Course, Lesson=Lesson, Thread=Thread, Post=Post, Notice=Notice, Org=Organisation
    )


def _key(obj) -> tuple[str, int] | None:
    """The (family, id) whose documents depend on ``obj``, once it has an id."""
    m = _models()
    if isinstance(obj, m.Course):
        return ("course", obj.id)
    if isinstance(obj, m.Lesson):
        return ("lesson", obj.id)
    if isinstance(obj, m.Thread):
        return ("thread", obj.id)
    if isinstance(obj, m.Post):
        if obj.thread_id is not None:
            return ("thread", obj.thread_id)
        return ("thread", obj.thread.id) if obj.thread is not None else None
    if isinstance(obj, m.Notice):
        return ("notice", obj.id)
    if isinstance(obj, m.Org):
        return ("org", obj.id)
    return None


def _relevant(obj) -> bool:
    m = _models()
    if isinstance(obj, m.Org):
        # Only a move changes paths below it (and so the org_path of documents there).
        return "parent_id" in _changed(obj)
    return isinstance(obj, m.Course | m.Lesson | m.Thread | m.Post | m.Notice)


def _changed(obj) -> set[str]:
    from sqlalchemy import inspect

    state = inspect(obj)
    return {a.key for a in state.attrs if a.history.has_changes()}


def _before_flush(session: Session, _context, _instances) -> None:
    objects = session.info.setdefault(_OBJECTS, [])
    keys = session.info.setdefault(_KEYS, set())
    for obj in list(session.new) + list(session.dirty):
        if _relevant(obj):
            objects.append(obj)
    course = _models().Course
    for obj in session.deleted:
        if not _relevant(obj):
            continue
        if isinstance(obj, course):  # its lessons go with it (ON DELETE CASCADE)
            keys.update(("lesson", lesson.id) for lesson in obj.lessons)
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
            from school.search import whoosh_backend

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
    """A course's documents include its lessons'; a moved organisation's, the items below it."""
    m = _models()
    out = {k for k in keys if k[0] in FAMILY_KINDS}
    course_ids = [i for f, i in keys if f == "course"]
    if course_ids:
        rows = session.execute(select(m.Lesson.id).where(m.Lesson.course_id.in_(course_ids)))
        out.update(("lesson", lesson_id) for (lesson_id,) in rows)
    for org_id in [i for f, i in keys if f == "org"]:
        org = session.get(m.Org, org_id)
        if org is None:
            continue
        below = select(m.Org.id).where(m.Org.path.startswith(org.path))
        threads = session.execute(select(m.Thread.id).where(m.Thread.org_id.in_(below)))
        out.update(("thread", i) for (i,) in threads)
        notices = session.execute(select(m.Notice.id).where(m.Notice.org_id.in_(below)))
        out.update(("notice", i) for (i,) in notices)
    return out


def build(session: Session, family: str, ids: Iterable[int]) -> dict[int, Document | None]:
    """The current document of each object (None: not searchable, or gone)."""
    m = _models()
    ids = sorted(set(ids))
    model, builder, options = {
        "course": (m.Course, course_document, ()),
        "lesson": (m.Lesson, lesson_document, (selectinload(m.Lesson.course),)),
        "thread": (
            m.Thread,
            thread_document,
            (selectinload(m.Thread.posts), selectinload(m.Thread.org)),
        ),
        "notice": (m.Notice, notice_document, (selectinload(m.Notice.org),)),
    }[family]
    found: dict[int, Document | None] = dict.fromkeys(ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for obj in session.scalars(select(model).where(model.id.in_(chunk)).options(*options)):
            found[obj.id] = builder(obj)
    return found


def sync(session: Session, keys: set[tuple[str, int]], queue: bool = True) -> int:
    """Bring the documents of ``keys`` up to date; returns how many changed (each queued for
    the Whoosh index when ``queue``)."""
    table = SearchDocument.__table__
    by_family: dict[str, set[int]] = {}
    for family, object_id in _expand(session, keys):
        by_family.setdefault(family, set()).add(object_id)
    stale: list[tuple[str, int]] = []
    fresh: list[Document] = []
    for family, ids in by_family.items():
        wanted = {d.key: d for d in build(session, family, ids).values() if d is not None}
        existing = {
            (row.kind, row.object_id): row
            for row in session.execute(
                select(
                    table.c.kind,
                    table.c.object_id,
                    table.c.title,
                    table.c.body,
                    table.c.url,
                    table.c.audience,
                    table.c.org_path,
                    table.c.author_id,
                ).where(table.c.kind.in_(FAMILY_KINDS[family]), table.c.object_id.in_(ids))
            )
        }
        for key, row in existing.items():
            doc = wanted.get(key)
            if doc is None or _differs(row, doc):
                stale.append(key)
        fresh.extend(d for k, d in wanted.items() if k not in existing or k in stale)
    changed = sorted(set(stale) | {d.key for d in fresh})
    if not changed:
        return 0
    remove(session, stale)
    write(session, fresh)
    if not queue:
        return len(changed)
    now = utcnow()
    session.execute(
        insert(SearchOutbox.__table__),
        [{"kind": k, "object_id": i, "queued_at": now} for k, i in changed],
    )
    return len(changed)


def _differs(row, doc: Document) -> bool:
    return (row.title, row.body, row.url, row.audience, row.org_path, row.author_id) != (
        doc.title,
        doc.body,
        doc.url,
        doc.audience,
        doc.org_path,
        doc.author_id,
    )


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
    session: Session, docs: Sequence[Document], words: Sequence[tuple[str, str]] | None = None
) -> None:
    """Insert documents; on PostgreSQL with their tsvector (title words weigh A, body words D)."""
    # words: each document's (title words, body words) when already cut, as a full reindex does
    # in worker processes.
    if not docs:
        return
    table = SearchDocument.__table__
    now = utcnow()
    rows = []
    if words is None:
        words = [(doc.title_words, doc.body_words) for doc in docs]
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


def split_words(title: str, words: str) -> tuple[str, str]:
    """A document's stored words split back into its title's and its body's."""
    count = len(segment(title))
    parts = words.split(" ") if words else []
    return " ".join(parts[:count]), " ".join(parts[count:])
