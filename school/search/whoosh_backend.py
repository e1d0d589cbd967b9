"""The Whoosh index: jieba's words with positions, one writer at a time, rebuilt when broken.

Layout of SEARCH_INDEX_DIR::

    writer.lock        Whoosh's file lock (fcntl): the one writer across processes
    current -> gen-N   a symlink to the live index; a rebuild builds gen-M and swaps the link
    gen-N/             a Whoosh FileStorage
    gen-N/dictionary.txt   the dictionary its words were cut with (none: jieba's own alone)

Text is cut into words once, by school.search.documents.segment, when the document row is
written (its ``words`` column); the index reads those words with their positions, and queries
are cut by the same function, so index and query analysis always agree (also for phrases).
"""

from __future__ import annotations

import atexit
import gc
import logging
import math
import os
import shutil
import threading
import time
import warnings
from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager, suppress
from pathlib import Path

from flask import Flask
from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session, load_only
from whoosh import query as Q
from whoosh.analysis import SpaceSeparatedTokenizer
from whoosh.fields import ID, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.formats import Positions
from whoosh.util.filelock import FileLock
from whoosh.writing import SegmentWriter

from school.db import make_engine
from school.search import parallel
from school.search import whoosh_query as query
from school.search.candidates import Candidate, Found, rank
from school.search.dictionary import NONE, Dictionary, current, parse
from school.search.documents import Scope, split_words
from school.search.models import SearchDocument, SearchOutbox
from school.search.parsing import Parsed
from school.search.state import documents_dictionary

log = logging.getLogger(__name__)

BATCH = 500


class WordPositions(Positions):
    """Whoosh's Positions for text that is already words between single spaces: the same
    postings, counted with a dict instead of one token object per word (a reindex indexes
    tens of millions of words; Whoosh's tokenizer took a third of it)."""

    def word_values(self, value, analyzer, **kwargs):
        positions: dict[str, list[int]] = {}
        for position, word in enumerate(w for w in value.split(" ") if w):
            found = positions.get(word)
            if found is None:
                positions[word] = [position]
            else:
                found.append(position)
        boost = self.field_boost
        for word, found in positions.items():
            yield word, len(found), len(found) * boost, self.encode(found)


def _words(boost: float = 1.0) -> TEXT:
    field = TEXT(analyzer=SpaceSeparatedTokenizer(), field_boost=boost, phrase=True)
    field.format = WordPositions(field_boost=boost)
    return field


def schema() -> Schema:
    """The index's fields; title and body hold jieba's words (positions kept for phrases)."""
    return Schema(
        id=ID(unique=True, stored=True),
        kind=ID(sortable=True),
        title=_words(boost=2.0),
        body=_words(),
        audience=ID,
        org_path=ID,
        author_id=ID,
    )


class Rebuilding(Exception):
    """The index is missing or damaged; a rebuild has been started."""


# --- files and locks ---------------------------------------------------------------------------


def root(app: Flask) -> Path:
    return Path(str(app.config["SEARCH_INDEX_DIR"]))


def _current(app: Flask) -> Path | None:
    link = root(app) / "current"
    try:
        target = os.readlink(link)
    except OSError:
        return None
    path = root(app) / target
    return path if path.is_dir() else None


@contextmanager
def writer_lock(app: Flask, blocking: bool = False) -> Iterator[bool]:
    """Hold Whoosh's file lock for SEARCH_INDEX_DIR; yields False when another writer has it."""
    root(app).mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(root(app) / "writer.lock"))
    acquired = lock.acquire(blocking=blocking)
    try:
        yield acquired
    finally:
        if acquired:
            lock.release()


_thread_bind = threading.local()


def _session(app: Flask) -> Session:
    """A session of our own: short transactions beside (after) the request's."""
    bind = getattr(_thread_bind, "engine", None) or app.extensions["school.db"].bind
    return Session(bind=bind, join_transaction_mode="create_savepoint", expire_on_commit=False)


def _fields(doc: SearchDocument, dictionary: Dictionary) -> dict:
    title_words, body_words = split_words(doc.title, doc.words, dictionary)
    return {
        "id": f"{doc.kind}:{doc.object_id}",
        "kind": doc.kind,
        "title": title_words,
        "body": body_words,
        "audience": doc.audience,
        "org_path": doc.org_path or "",
        "author_id": str(doc.author_id) if doc.author_id is not None else "",
    }


class Damaged(Exception):
    """The index's files could not be read."""


DICTIONARY = "dictionary.txt"
_dictionaries: dict[str, Dictionary] = {}


def live_dictionary(app: Flask) -> Dictionary:
    """The dictionary the live index was cut with, which queries must be cut with too."""
    path = _current(app)
    if path is None:
        return current()  # no index to agree with: the rebuild will use the documents' one
    found = _dictionaries.get(str(path))
    if found is None:
        try:
            found = parse((path / DICTIONARY).read_text(encoding="utf-8"))
        except FileNotFoundError:
            found = NONE  # built before there was a dictionary
        _dictionaries[str(path)] = found
    return found


def _open(path: Path):
    """Open the index at ``path``; raises Damaged when its files cannot be read."""
    with warnings.catch_warnings():
        # Whoosh leaves the table of contents open when it cannot parse it: let the file close
        # here, quietly, instead of warning later from the garbage collector.
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            # Plain reads, not mmap: a file damaged or truncated under a mapped reader would
            # kill the worker with SIGBUS instead of raising an error we can recover from.
            return FileStorage(str(path), supports_mmap=False).open_index()
        except Exception as exc:
            reason = f"{type(exc).__name__}: {exc}"
        gc.collect()
    raise Damaged(reason)


# --- readers -----------------------------------------------------------------------------------

_broken: set[str] = set()
_rebuild_guard = threading.Lock()
_rebuild_thread: threading.Thread | None = None
# One open searcher per thread (its files stay open between searches), closed when the thread
# has gone, when the index moves, and at exit.
_readers_guard = threading.Lock()
_readers: dict[int, tuple[str, object, object]] = {}


def _close(searcher) -> None:
    # A damaged reader may fail to close; it is dropped anyway.
    with warnings.catch_warnings(), suppress(Exception):
        warnings.simplefilter("ignore", ResourceWarning)
        searcher.close()


def _searcher(app: Flask):
    """This thread's searcher on the live index, reopened when a writer committed."""
    path = _current(app)
    if path is None:
        raise Rebuilding("missing")
    if str(path) in _broken:
        raise Rebuilding("broken")
    me = threading.get_ident()
    with _readers_guard:
        held = _readers.pop(me, None)
        alive = {t.ident for t in threading.enumerate()}
        for ident in [i for i in _readers if i not in alive]:
            _close(_readers.pop(ident)[2])
    if held is not None and held[0] == str(path):
        _, ix, searcher = held
        if ix.latest_generation() != searcher.reader().generation():
            # A fresh reader, not Searcher.refresh(): reusing segment readers can keep
            # documents a writer has since deleted.
            _close(searcher)
            searcher = ix.searcher(weighting=query.Scoring())
    else:
        if held is not None:
            _close(held[2])
        ix = _open(path)
        searcher = ix.searcher(weighting=query.Scoring())
    with _readers_guard:
        _readers[me] = (str(path), ix, searcher)
    return searcher


def forget_readers(app: Flask | None = None) -> None:
    """Close this thread's open searcher (the next search opens the index afresh)."""
    with _readers_guard:
        held = _readers.pop(threading.get_ident(), None)
    if held is not None:
        _close(held[2])


@atexit.register
def _close_all() -> None:
    with _readers_guard:
        for _, _, searcher in _readers.values():
            _close(searcher)
        _readers.clear()


def search(
    app: Flask,
    scope: Scope,
    parsed: Parsed,
    kind: str | None,
    page: int,
    per_page: int,
    candidates: int,
) -> Found:
    """Ranked (kind, object_id, score) for one page, the total and counts per kind, over at
    most ``candidates`` matches (see service.search)."""
    try:
        searcher = _searcher(app)
        q = query.build_query(parsed.words, parsed.phrases)
        # Visibility is checked per match against a bitmap, not joined to the query: as a
        # conjunct it is walked in step with every match, as a Whoosh filter it is computed
        # over the whole index on each search.
        allowed = None if scope.everything else query.Allowed(str(_current(app)), scope)
        kinds = searcher.reader().column_reader("kind")

        def collect(only: str | None) -> tuple[list[Candidate], bool]:
            wanted = q
            if only is not None:
                wanted = Q.And([q, Q.ConstantScoreQuery(Q.Term("kind", only), 0.0)])
            found, more = query.collect(searcher, wanted, candidates, allowed)
            return [Candidate(score, kinds[docnum], docnum) for score, docnum in found], more

        def side_by_side(top: list[Candidate]) -> None:
            query.rank_side_by_side(searcher, top, parsed.near)

        ranked = rank(
            collect,
            kind,
            page,
            per_page,
            rerank=side_by_side if len(parsed.near) > 1 else None,
            rerank_depth=query.NEAR_RERANK,
        )
        keys = []
        for hit in ranked.page:
            doc_kind, object_id = searcher.stored_fields(hit.ref)["id"].split(":", 1)
            keys.append((doc_kind, int(object_id), float(hit.score)))
        return Found(keys, ranked.total, ranked.counts, ranked.capped)
    except Rebuilding:
        start_rebuild(app, in_request=True)
        raise
    except Exception as exc:
        log.exception("search index unreadable; rebuilding it")
        path = _current(app)
        if path is not None:
            _broken.add(str(path))
        forget_readers(app)
        start_rebuild(app, in_request=True)
        raise Rebuilding("broken") from exc


# --- writers -----------------------------------------------------------------------------------


def _open_for_writing(app: Flask):
    path = _current(app)
    if path is None or str(path) in _broken:
        return None
    try:
        return _open(path)
    except Exception:
        log.exception("search index unreadable; rebuilding it")
        _broken.add(str(path))
        return None


def _apply(app: Flask, ix) -> int:
    """Apply one batch of the outbox to the index; returns how many rows it took."""
    # Short transactions: on SQLite every transaction holds the database's write lock.
    with _session(app) as session, session.begin():
        rows = session.execute(
            select(SearchOutbox.id, SearchOutbox.kind, SearchOutbox.object_id)
            .order_by(SearchOutbox.id)
            .limit(BATCH)
        ).all()
        keys = {(r.kind, r.object_id) for r in rows}
        dictionary = documents_dictionary(session)
        docs = {
            (d.kind, d.object_id): _fields(d, dictionary)
            for d in session.scalars(
                select(SearchDocument).where(
                    SearchDocument.kind.in_({k for k, _ in keys}),
                    SearchDocument.object_id.in_({i for _, i in keys}),
                )
            )
        }
    if not rows:
        return 0
    writer = ix.writer(timeout=30)
    try:
        for key in sorted(keys):
            fields = docs.get(key)
            if fields is None:
                writer.delete_by_term("id", f"{key[0]}:{key[1]}")
            else:
                writer.update_document(**fields)
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    # A change committed after the read above has its own, newer outbox row.
    with _session(app) as session, session.begin():
        session.execute(delete(SearchOutbox).where(SearchOutbox.id.in_([r.id for r in rows])))
    return len(rows)


def _pending(app: Flask) -> bool:
    with _session(app) as session:
        return session.scalar(select(SearchOutbox.id).limit(1)) is not None


def drain(app: Flask) -> None:
    """Apply the outbox to the index. If another writer holds the lock, leave the rows to it:
    every writer checks the outbox again after letting go."""
    while True:
        with writer_lock(app) as acquired:
            if not acquired:
                return
            ix = _open_for_writing(app)
            if ix is not None:
                while _apply(app, ix):
                    pass
        if ix is None:
            # The rebuild reads every document, the queued ones included (after the lock is
            # released: it takes the lock itself).
            start_rebuild(app)
            return
        # A change committed while we held the lock found it taken and left its rows to us.
        if not _pending(app):
            return


# Up to this many documents a rebuild is quick enough to run in the request that found the
# index missing; beyond it, a background thread does it while search says it is rebuilding.
SYNC_REBUILD_MAX = 2000


def start_rebuild(app: Flask, in_request: bool = False) -> None:
    """Rebuild the index: at once when it is small (or the app's database is a single test
    connection that threads must not share), else in a background thread.

    A search (``in_request``) always leaves it to the thread: on SQLite the request's own
    transaction holds the database lock a rebuild in the same thread would wait for.
    """
    global _rebuild_thread
    single_connection = not isinstance(app.extensions["school.db"].bind, Engine)
    if single_connection or (not in_request and _small(app)):
        rebuild(app, only_if_broken=True)
        return
    with _rebuild_guard:
        if _rebuild_thread is not None and _rebuild_thread.is_alive():
            return
        _rebuild_thread = threading.Thread(
            target=_rebuild_quietly, args=(app,), name="search-rebuild", daemon=True
        )
        _rebuild_thread.start()


def _small(app: Flask) -> bool:
    with _session(app) as session:
        count = session.scalar(select(func.count()).select_from(SearchDocument)) or 0
    return count <= SYNC_REBUILD_MAX


def _rebuild_quietly(app: Flask) -> None:
    # An engine of the thread's own, closed when it is done: the app's pool may be disposed
    # (at shutdown, or by a test) while the rebuild runs.
    _thread_bind.engine = make_engine(app.config)
    try:
        rebuild(app, only_if_broken=True)
    except Exception:
        log.exception("search index rebuild failed")
    finally:
        _thread_bind.engine.dispose()
        _thread_bind.engine = None


def wait_for_rebuild(timeout: float = 60) -> None:
    """Wait for this process's background rebuild (tests and the CLI)."""
    thread = _rebuild_thread
    if thread is not None:
        thread.join(timeout)


def _healthy(app: Flask) -> bool:
    path = _current(app)
    if path is None or str(path) in _broken:
        return False
    try:
        with _open(path).searcher() as searcher:
            searcher.search(Q.Every(), limit=1)
        return True
    except Exception:
        _broken.add(str(path))
        return False


def rebuild(app: Flask, only_if_broken: bool = False, workers: int = 1) -> int:
    """Build a fresh index from search_documents beside the live one and swap it in, under the
    writer lock; returns the number of documents indexed."""
    # workers: processes building parts of it (see _parts). Only a full reindex asks for them;
    # a rebuild after damage, often in a web server's thread, builds it here.
    with writer_lock(app, blocking=True):
        if only_if_broken and _healthy(app):
            return 0  # another process rebuilt it while we waited for the lock
        base = root(app)
        fresh = base / f"gen-{time.time_ns()}-{os.getpid()}"
        fresh.mkdir(parents=True)
        ix = FileStorage(str(fresh), supports_mmap=False).create_index(schema())
        # Everything queued so far is in the documents read below; later rows stay queued.
        with _session(app) as session, session.begin():
            upto = session.scalar(select(func.max(SearchOutbox.id))) or 0
            dictionary = documents_dictionary(session)
        count = _fill(app, ix, fresh, _parts(app, workers), dictionary)
        (fresh / DICTIONARY).write_text(dictionary.text, encoding="utf-8")
        _swap(base, fresh)
        with _session(app) as session, session.begin():
            session.execute(delete(SearchOutbox).where(SearchOutbox.id <= upto))
        forget_readers(app)
        ix = _open_for_writing(app)
        if ix is not None:
            while _apply(app, ix):
                pass
    if _pending(app):
        drain(app)
    return count


def _parts(app: Flask, workers: int) -> int:
    """How many segments to build side by side: ``workers``, at most one per document."""
    if workers <= 1:
        return 1
    with _session(app) as session:
        count = session.scalar(select(func.count()).select_from(SearchDocument)) or 0
    return max(1, min(workers, count))


def _batches(app: Flask, dictionary: Dictionary) -> Iterator[list[dict]]:
    """Every document's index fields in (kind, object_id) order, BATCH at a time, each batch
    in a short transaction of its own (``dictionary``: the one the words were cut with)."""
    document = SearchDocument
    # Not the body nor the tsvector: the index takes the words.
    columns = load_only(
        document.kind,
        document.object_id,
        document.title,
        document.words,
        document.audience,
        document.org_path,
        document.author_id,
    )
    last = ("", 0)
    while True:
        with _session(app) as session, session.begin():
            batch = [
                _fields(doc, dictionary)
                for doc in session.scalars(
                    select(document)
                    .where(
                        (document.kind > last[0])
                        | ((document.kind == last[0]) & (document.object_id > last[1]))
                    )
                    .order_by(document.kind, document.object_id)
                    .limit(BATCH)
                    .options(columns)
                )
            ]
        if not batch:
            return
        yield batch
        kind, object_id = batch[-1]["id"].split(":", 1)
        last = (kind, int(object_id))


def _fill(app: Flask, ix, path: Path, parts: int, dictionary: Dictionary) -> int:
    """Add every document to the fresh index ``ix`` at ``path`` and commit it; returns how many.

    With several parts, worker processes each build one segment of consecutive documents, so
    the index keeps the order of a serial build (and so do results ranked by it).
    """
    if parts > 1:
        try:
            return _fill_in_parts(app, ix, path, parts, dictionary)
        except (BrokenProcessPool, OSError):
            log.warning("search index: parallel build failed; building it here", exc_info=True)
    count = 0
    writer = ix.writer(limitmb=128)
    try:
        for batch in _batches(app, dictionary):
            for fields in batch:
                writer.add_document(**fields)
            count += len(batch)
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    return count


def _fill_in_parts(app: Flask, ix, path: Path, parts: int, dictionary: Dictionary) -> int:
    with _session(app) as session:
        total = session.scalar(select(func.count()).select_from(SearchDocument)) or 0
    size = max(1, math.ceil(total / parts))
    count = 0
    with parallel.pool(parts) as workers:
        futures = []
        part: list[dict] = []
        for batch in _batches(app, dictionary):
            part.extend(batch)
            count += len(batch)
            while len(part) >= size and len(futures) < parts - 1:
                futures.append(workers.submit(_build_part, str(path), part[:size]))
                part = part[size:]
        if part:
            futures.append(workers.submit(_build_part, str(path), part))
        segments = [future.result() for future in futures]
    # A merge policy that lists the parts' segments, in order, as the whole index.
    ix.writer().commit(mergetype=lambda _writer, _segments: segments)
    return count


def _build_part(path: str, docs: list[dict]):
    """One segment of the fresh index at ``path`` (in a worker process), not yet listed in it."""
    ix = FileStorage(path, supports_mmap=False).open_index()
    # Like Whoosh's own multiprocess writer: no index lock (the parent holds the writer lock
    # and commits), and the finished segment goes back to the parent.
    writer = SegmentWriter(ix, _lk=False, limitmb=128)
    for fields in docs:
        writer.add_document(**fields)
    return writer._finalize_segment()


def _swap(base: Path, fresh: Path) -> None:
    """Point ``current`` at the fresh index in one rename; keep the previous one for readers
    still on it, remove older ones."""
    previous = _target(base)
    link = base / f"current.{os.getpid()}.tmp"
    link.unlink(missing_ok=True)
    os.symlink(fresh.name, link)
    os.replace(link, base / "current")
    for entry in base.iterdir():
        if (
            entry.is_dir()
            and entry.name.startswith("gen-")
            and entry.name
            not in (
                fresh.name,
                previous,
            )
        ):
            shutil.rmtree(entry, ignore_errors=True)
    # An index directory from before generations (or a damaged one) is never read again.


def _target(base: Path) -> str | None:
    try:
        return os.readlink(base / "current")
    except OSError:
        return None
