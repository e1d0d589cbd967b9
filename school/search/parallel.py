"""jieba's segmentation for a full reindex, spread over worker processes.

jieba is pure Python and most of a reindex's time: with several CPUs, worker processes cut the
text while this one reads the next batch from the database and writes the previous one. Workers
get plain text and send back words, nothing else: they never touch the database, and they start
with "spawn", so no open connection or engine is inherited from this process.
"""

from __future__ import annotations

import logging
import math
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from types import TracebackType

from school.search.documents import Document, cut, segment

log = logging.getLogger(__name__)

# Batches smaller than this are cut here: starting workers and loading their dictionaries costs
# a second or two, more than cutting a few hundred short texts.
PARALLEL_MIN = 200
# Pieces per worker and batch: enough to share out uneven texts, few enough to keep the
# pickling overhead small.
PIECES_PER_WORKER = 2

Words = tuple[str, str]  # a document's title words and body words, joined by spaces


def cut_all(texts: Sequence[tuple[str, str]]) -> list[Words]:
    """The words of each (title, body), cut with the code's dictionary."""
    return [cut(title, body) for title, body in texts]


def pool(workers: int, initializer: Callable[[], object] | None = None) -> ProcessPoolExecutor:
    """Worker processes started afresh ("spawn"), never forked from this one: it holds
    database connections and threads that a child must not share."""
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=initializer,
    )


def _start_worker() -> None:
    segment("")  # loads jieba's dictionary once per worker, before the first piece arrives


class Batch:
    """The words of one batch of documents, being cut (or already cut)."""

    def __init__(self, docs: Sequence[Document], futures: list[Future] | None = None) -> None:
        self.docs = docs
        self._futures = futures

    def result(self) -> list[Words]:
        """Each document's words, in the order of the batch (waits for the workers)."""
        if self._futures is None:
            return cut_all([(doc.title, doc.body) for doc in self.docs])
        try:
            return [words for future in self._futures for words in future.result()]
        except BrokenProcessPool:
            log.warning("search: a segmentation worker died; cutting the words here")
            return cut_all([(doc.title, doc.body) for doc in self.docs])


class Segmenter:
    """Cuts batches of documents into words: in worker processes when there are several CPUs
    and batches worth it, else in this process. A context manager: leaving it stops the pool.

    ``workers``: None for one per CPU (from batches of PARALLEL_MIN documents on); 1 to cut
    everything here; more than 1 to use that many workers for every batch.
    """

    def __init__(self, workers: int | None = None) -> None:
        self.auto = workers is None
        self.workers = (os.cpu_count() or 1) if workers is None else max(1, workers)
        self._pool: ProcessPoolExecutor | None = None
        self._broken = False

    def __enter__(self) -> Segmenter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def submit(self, docs: Sequence[Document]) -> Batch:
        """Start cutting ``docs``; the returned Batch gives their words."""
        pool = self._pool_for(len(docs))
        if pool is None or not docs:
            return Batch(docs)
        size = math.ceil(len(docs) / (self.workers * PIECES_PER_WORKER))
        texts = [(doc.title, doc.body) for doc in docs]
        try:
            futures = [
                pool.submit(cut_all, texts[i : i + size]) for i in range(0, len(texts), size)
            ]
        except BrokenProcessPool:
            self._give_up()
            return Batch(docs)
        return Batch(docs, futures)

    def _pool_for(self, count: int) -> ProcessPoolExecutor | None:
        if self._pool is not None:
            return self._pool
        if self._broken or self.workers < 2 or not count:
            return None
        if self.auto and count < PARALLEL_MIN:
            return None
        try:
            self._pool = pool(self.workers, initializer=_start_worker)
        except (OSError, NotImplementedError, ValueError):
            log.warning("search: no worker processes; cutting the words here", exc_info=True)
            self._broken = True
        return self._pool

    def _give_up(self) -> None:
        log.warning("search: the segmentation workers stopped; cutting the words here")
        self.close()
        self._broken = True

    def close(self) -> None:
        """Stop the workers (after the pieces already given to them)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
