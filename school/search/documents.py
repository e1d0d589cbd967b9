"""Search documents: their text as search cuts it, and the one rule for who may see them.

A document carries plain text (Markdown reduced to words), jieba's segmentation of it and the
columns that decide visibility (audience, org_path, author_id). Nothing else is ever consulted:
the backends filter on these columns only, and people's names are never part of the text. Each
searchable kind builds its documents in school/search/kinds.py.
"""

from __future__ import annotations

import functools
import html
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import literal, select, union_all

from school.auth.models import User
from school.courses.models import Course
from school.db import db
from school.markdown import render
from school.orgs.models import Organisation, StaffGrant
from school.search.dictionary import Dictionary, tokenizer


def tokens(text: str, dictionary: Dictionary | None = None) -> list[tuple[str, int, int]]:
    """jieba's search-mode words of ``text`` with their character offsets, lowercased.

    Search mode also yields the shorter words inside long ones (中华人民共和国 → 中华, 人民 ...),
    so a query for a part finds the whole. Punctuation and spaces are dropped. ``dictionary``:
    the one an index was cut with (default: the one this code ships, school/search/dictionary.txt).
    """
    out: list[tuple[str, int, int]] = []
    for word, start, end in tokenizer(dictionary).tokenize(text, mode="search"):
        word = _normal(word)
        if word:
            out.append((word, start, end))
    return out


@functools.lru_cache(maxsize=65_536)
def _normal(word: str) -> str:
    """``word`` as indexed, lowercased; "" for punctuation and spaces."""
    # Cached: a reindex meets the same few thousand words millions of times.
    word = word.strip().lower()
    return word if any(ch.isalnum() for ch in word) else ""


def segment(text: str, dictionary: Dictionary | None = None) -> list[str]:
    """The words of ``text`` as search sees them (the same cut for documents and queries)."""
    return [word for word, _, _ in tokens(text, dictionary)]


_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


def plain_text(markdown_text: str) -> str:
    """Markdown as plain text: rendered and sanitised, tags dropped, links and images as text."""
    if not markdown_text:
        return ""
    rendered = str(render(markdown_text))
    # An image keeps its description; block ends become spaces so words do not run together.
    rendered = re.sub(r'<img[^>]*\balt="([^"]*)"[^>]*>', r" \1 ", rendered)
    rendered = re.sub(r"</(p|li|h\d|tr|td|th|div|blockquote|pre)>|<br\s*/?>", " ", rendered)
    text = html.unescape(_TAG.sub("", rendered))
    return _SPACE.sub(" ", text).strip()


@dataclass(frozen=True)
class Document:
    """One row of search_documents, before it is written."""

    kind: str
    object_id: int
    title: str
    body: str
    url: str
    audience: str
    org_path: str | None = None
    author_id: int | None = None
    # When what it describes last changed (shown with the hit); None: when it is written.
    changed_at: datetime | None = None

    @property
    def key(self) -> tuple[str, int]:
        return (self.kind, self.object_id)


def cut(title: str, body: str, dictionary: Dictionary | None = None) -> tuple[str, str]:
    """The words of a document's title and of its body, each joined by spaces."""
    return " ".join(segment(title, dictionary)), " ".join(segment(body, dictionary))


def split_words(title: str, words: str, dictionary: Dictionary | None = None) -> tuple[str, str]:
    """A document's stored words split back into its title's and its body's (``dictionary``:
    the one they were cut with)."""
    count = len(segment(title, dictionary))
    parts = words.split(" ") if words else []
    return " ".join(parts[:count]), " ".join(parts[count:])


# --- who may see what -------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """What a viewer may see, in the terms of the document columns."""

    user_id: int
    everything: bool  # admins
    instructor: bool
    # audience "org": org_path equal to one of these (the viewer's orgs and every ancestor) ...
    org_paths: frozenset[str]
    # ... or below a staff grant; audience "staff": below a staff grant (or the viewer's own).
    grant_paths: frozenset[str]
    # audience "course": org_path one of these, the courses whose questions the viewer handles
    # (course_key of each course they teach, and of each course that names no instructor).
    course_paths: frozenset[str] = frozenset()


def _ancestors(path: str) -> set[str]:
    parts = [p for p in path.split("/") if p]
    return {"/" + "/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1)}


def scope_for(viewer: User) -> Scope:
    """The viewer's search scope, from their role, their organisations and staff grants."""
    # The home and host organisations' paths and the granted ones in one statement: loading
    # the relationships took one each, a sixth of a search's time on PostgreSQL.
    home_host = [i for i in (viewer.home_org_id, viewer.host_org_id) if i is not None]
    rows = db.session.execute(
        union_all(
            select(Organisation.path, literal(False)).where(Organisation.id.in_(home_host)),
            select(Organisation.path, literal(True))
            .join(StaffGrant, StaffGrant.org_id == Organisation.id)
            .where(StaffGrant.user_id == viewer.id),
        )
    ).all()
    grants = {path for path, granted in rows if granted}
    paths: set[str] = set()
    for path, _ in rows:
        paths |= _ancestors(path)
    courses: frozenset[str] = frozenset()
    if viewer.is_instructor and not viewer.is_admin:
        # As forum.permissions.handles: a course's questions go to its instructors, or to every
        # instructor when it names none.
        handled = select(Course.id).where(
            Course.instructors.any(User.id == viewer.id) | ~Course.instructors.any()
        )
        courses = frozenset(course_key(i) for i in db.session.scalars(handled))
    return Scope(
        user_id=viewer.id,
        everything=viewer.is_admin,
        instructor=viewer.is_instructor,
        org_paths=frozenset(paths),
        grant_paths=frozenset(grants),
        course_paths=courses,
    )


def course_key(course_id: int) -> str:
    """What a course question's document keeps in org_path: never an organisation's path (those
    start with "/"), so no staff grant reaches it."""
    return f"course:{course_id}"


def can_see(scope: Scope, audience: str, org_path: str | None, author_id: int | None) -> bool:
    """The one visibility rule, as a predicate; the backends express the same rule as queries."""
    if audience == "public" or scope.everything:
        return True
    below_grant = org_path is not None and any(org_path.startswith(g) for g in scope.grant_paths)
    if audience == "org":
        return org_path in scope.org_paths or below_grant
    if audience == "staff":
        return below_grant or (author_id is not None and author_id == scope.user_id)
    if audience == "instructors":
        return scope.instructor or (author_id is not None and author_id == scope.user_id)
    if audience == "course":
        return org_path in scope.course_paths or (
            author_id is not None and author_id == scope.user_id
        )
    return False
