"""The searchable kinds: one entry per model whose rows become search documents.

An entry says everything search knows of its model:

- how to build the document of one object (``document``; None: not searchable now). The
  document carries how a hit shows (title, url, and the body its snippet is cut from) and who
  may see it (audience, org_path, author_id): an entry never checks permissions itself, so every
  backend applies the same rule (documents.can_see, pg_backend.visibility, whoosh_query.Allowed)
  and nothing but these columns decides what a viewer is shown;
- the document kinds it writes (``writes``; their labels are search.models.KINDS);
- what makes its documents stale: its own model, the models it also shows (``watch``: a
  thread's posts), the parent whose fields it shows (``parent``: a lesson shows its course) and
  the organisation whose path it carries (``org``: a moved organisation moves it);
- how to load its objects to build many documents at once (``load``).

Order matters: a full reindex writes the entries in this order, and search ranks only the first
matches in the index (service.search) and, among equal scores, the earlier first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session, selectinload
from sqlalchemy.orm.interfaces import LoaderOption

from school.courses.models import Course, Lesson
from school.forum.models import Post, Thread
from school.notices.models import Notice
from school.search.documents import Document, course_key, plain_text

BODY_MAX = 60_000  # characters of plain text kept per document
_CHUNK = 500


@dataclass(frozen=True)
class Parent:
    """The entry whose object a document also shows: its changes make the children stale."""

    entry: SearchKind
    column: InstrumentedAttribute  # the child's foreign key to the parent
    # The parent's children, read before the parent is deleted (they are deleted with it).
    children: Callable[[Any], Iterable[Any]]


@dataclass(frozen=True)
class SearchKind:
    """One searchable model: how its documents are built and what makes them stale."""

    key: str  # names the entry in the pairs (key, object id) the hooks collect
    model: type
    writes: tuple[str, ...]
    document: Callable[[Any], Document | None]
    load: tuple[LoaderOption, ...] = ()
    # Other models shown in the documents: model -> the id of the object whose document it is
    # part of (None: not known yet).
    watch: dict[type, Callable[[Any], int | None]] = field(default_factory=dict)
    parent: Parent | None = None
    org: InstrumentedAttribute | None = None  # the column of the organisation whose path it has

    def follows(self, obj: object) -> bool:
        """Whether a change to ``obj`` can change this entry's documents."""
        return isinstance(obj, (self.model, *self.watch))

    def object_id(self, obj: object) -> int | None:
        """The id of the object whose document ``obj`` is part of (None: not known yet)."""
        if isinstance(obj, self.model):
            return obj.id
        return next(of(obj) for model, of in self.watch.items() if isinstance(obj, model))

    def build(self, session: Session, ids: Iterable[int]) -> dict[int, Document | None]:
        """The current document of each object (None: not searchable, or gone)."""
        ids = sorted(set(ids))
        found: dict[int, Document | None] = dict.fromkeys(ids)
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            query = select(self.model).where(self.model.id.in_(chunk)).options(*self.load)
            for obj in session.scalars(query):
                found[obj.id] = self.document(obj)
        return found


def _doc(kind: str, object_id: int, title: str, body: str, url: str, audience: str, **kw):
    return Document(kind, object_id, title.strip(), body[:BODY_MAX], url, audience, **kw)


# --- courses and lessons -----------------------------------------------------------------------


def course_document(course: Course) -> Document | None:
    """A published course: its title, summary and introduction, for everyone."""
    if course.status != "published":
        return None
    body = " ".join(filter(None, [course.summary, plain_text(course.body_md)]))
    url = f"/courses/{course.slug}"
    return _doc(
        "course", course.id, course.title, body, url, "public", changed_at=course.updated_at
    )


def lesson_document(lesson: Lesson) -> Document | None:
    """A current lesson of a published course, for everyone; drafts and retired ones never."""
    course = lesson.course
    if lesson.retired or course is None or course.status != "published":
        return None
    url = f"/courses/{course.slug}/{lesson.slug}"
    body = plain_text(lesson.body_md)
    return _doc(
        "lesson", lesson.id, lesson.title, body, url, "public", changed_at=course.updated_at
    )


COURSE = SearchKind(key="course", model=Course, writes=("course",), document=course_document)
LESSON = SearchKind(
    key="lesson",
    model=Lesson,
    writes=("lesson",),
    document=lesson_document,
    load=(selectinload(Lesson.course),),
    # A lesson is searchable while its course is published, and links by the course's slug.
    parent=Parent(COURSE, Lesson.course_id, lambda course: course.lessons),
)


# --- the boards --------------------------------------------------------------------------------


def thread_document(thread: Thread) -> Document | None:
    """A board item: public Q&A (or FAQ), a suggestion's published reply, or a staff ticket.

    Hidden, unapproved and withdrawn items are not searchable at all. Internal notes and hidden
    posts are never part of the text, nor is anybody's name.
    """
    if thread.hidden or not thread.approved or thread.state == "withdrawn":
        return None
    url = f"/forum/threads/{thread.id}"
    kw = {"changed_at": thread.last_activity_at}
    posts = [p for p in thread.posts if p.kind != "note" and not p.hidden]
    if thread.board == "qa" and thread.visibility == "public":
        body = " ".join([plain_text(thread.body_md), *(plain_text(p.body_md) for p in posts)])
        kind = "faq" if thread.faq else "qa"
        return _doc(
            kind, thread.id, thread.title, body, url, "public", author_id=thread.author_id, **kw
        )
    published = [p for p in posts if p.public_reply]
    if thread.board == "suggestion" and published:
        # Everyone reads the title and the published reply, never the member's own text.
        body = " ".join(plain_text(p.body_md) for p in published)
        return _doc("suggestion", thread.id, thread.title, body, url, "public", **kw)
    body = " ".join([plain_text(thread.body_md), *(plain_text(p.body_md) for p in posts)])
    if thread.org is not None:
        return _doc(
            "ticket",
            thread.id,
            thread.title,
            body,
            url,
            "staff",
            org_path=thread.org.path,
            author_id=thread.author_id,
            **kw,
        )
    # A private question goes to its course's instructors (forum.permissions.handles), or to
    # every instructor when it names no course.
    if thread.course_id is not None:
        return _doc(
            "ticket",
            thread.id,
            thread.title,
            body,
            url,
            "course",
            org_path=course_key(thread.course_id),
            author_id=thread.author_id,
            **kw,
        )
    return _doc(
        "ticket",
        thread.id,
        thread.title,
        body,
        url,
        "instructors",
        author_id=thread.author_id,
        **kw,
    )


def _thread_of(post: Post) -> int | None:
    if post.thread_id is not None:
        return post.thread_id
    return post.thread.id if post.thread is not None else None


THREAD = SearchKind(
    key="thread",
    model=Thread,
    writes=("qa", "faq", "suggestion", "ticket"),
    document=thread_document,
    load=(selectinload(Thread.posts), selectinload(Thread.org)),
    watch={Post: _thread_of},
    org=Thread.org_id,
)


# --- notices -----------------------------------------------------------------------------------


def notice_document(notice: Notice) -> Document | None:
    """A published notice: for its organisation's subtree (and staff above), or everyone.

    Laws and regulations are their own kind (法规库 links to a search of them alone); news of
    the other categories but plain 通知 is named before the title, so a hit says its column.
    """
    if notice.status != "published":
        return None
    body = plain_text(notice.body_md)
    url = f"/notices/{notice.id}"
    kw = {"changed_at": notice.published_at or notice.updated_at}
    kind = "law" if notice.category == "law" else "notice"
    plain = notice.category in ("law", "notice")
    title = notice.title if plain else f"【{notice.category_label}】{notice.title}"
    if notice.org is None:
        return _doc(kind, notice.id, title, body, url, "public", **kw)
    return _doc(kind, notice.id, title, body, url, "org", org_path=notice.org.path, **kw)


NOTICE = SearchKind(
    key="notice",
    model=Notice,
    writes=("notice", "law"),
    document=notice_document,
    load=(selectinload(Notice.org),),
    org=Notice.org_id,
)


SEARCH_KINDS: dict[str, SearchKind] = {e.key: e for e in (COURSE, LESSON, THREAD, NOTICE)}


def following(obj: object) -> SearchKind | None:
    """The entry whose documents a change to ``obj`` can change, if any."""
    return next((entry for entry in SEARCH_KINDS.values() if entry.follows(obj)), None)
