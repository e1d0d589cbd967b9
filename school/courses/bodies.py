"""Lesson bodies rendered once per worker, not once per page view.

Markdown to sanitised HTML costs milliseconds for a lesson (over ten for a long one), and members
read the same lessons all day. ``school.markdown`` caches by text, but its 512 places are shared
with forum posts, notices and quiz questions, so a busy forum pushes lessons out. Here each lesson
keeps one place of its own, stamped with a digest of the text it was rendered from: an edit (an
import, a restore) changes the text, and the next view renders it again in every worker, with
nothing to invalidate by hand. Keyed by lesson, an edited lesson replaces its old HTML at once
instead of leaving it to age out.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

from markupsafe import Markup

from school.markdown import render

# Lessons kept per worker, least recently read dropped first; a few MB at most.
SIZE = 256


class RenderedBodies:
    """Rendered HTML per lesson id, valid while the text it came from is unchanged."""

    def __init__(self, size: int = SIZE) -> None:
        self.size = size
        self._entries: OrderedDict[int, tuple[bytes, Markup]] = OrderedDict()
        # Threads of one worker share the cache; rendering itself happens outside the lock.
        self._lock = threading.Lock()

    def html(self, lesson_id: int, text: str) -> Markup:
        digest = hashlib.blake2b(text.encode(), digest_size=16).digest()
        with self._lock:
            entry = self._entries.get(lesson_id)
            if entry is not None and entry[0] == digest:
                self._entries.move_to_end(lesson_id)
                return entry[1]
        html = render(text)
        with self._lock:
            self._entries[lesson_id] = (digest, html)
            self._entries.move_to_end(lesson_id)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return html

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


lesson_bodies = RenderedBodies()
