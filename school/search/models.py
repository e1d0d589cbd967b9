"""What search knows: one row per searchable thing, kept in step with it in its transaction.

The row carries the text (already cut into words by jieba, for PostgreSQL's full-text search)
and who may see it, so no backend ever decides visibility from anything but these columns.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, Integer, String, Text
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from school.db import Base, UTCDateTime, utcnow

KINDS = {
    "course": "课程",
    "lesson": "课时",
    "qa": "问答",
    "faq": "常见问题",
    "suggestion": "建议答复",
    "notice": "通知公告",
    "law": "法律法规",
    "ticket": "经办事项",
}
AUDIENCES = {
    "public": "every member",
    "org": "members (and staff) of org_path's subtree, and staff above it",
    "staff": "staff of org_path's subtree and above, and the author",
    "instructors": "instructors and admins, and the author",
    "course": "the instructors of the course org_path names (every instructor if it names none), "
    "admins, and the author",
}


class TSVector(TypeDecorator):
    """PostgreSQL's tsvector; plain text (always NULL) on SQLite, where Whoosh does the work."""

    impl = Text
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "postgresql":
            return dialect.type_descriptor(TSVECTOR())
        return dialect.type_descriptor(Text())


class SearchDocument(Base):
    __tablename__ = "search_documents"
    # Only the GIN index: see migration 7c2e9a41b5d3 for why visibility has none.
    __table_args__ = (Index("ix_search_documents_tsv", "tsv", postgresql_using="gin"),)

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    object_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    # jieba's words of title and body joined by spaces: what PostgreSQL's 'simple' parser reads.
    words: Mapped[str] = mapped_column(Text)
    tsv: Mapped[str | None] = mapped_column(TSVector)
    url: Mapped[str] = mapped_column(String(300))
    audience: Mapped[str] = mapped_column(String(20))
    org_path: Mapped[str | None] = mapped_column(String(255))
    author_id: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SearchOutbox(Base):
    """Documents changed by a committed transaction that the Whoosh index has not taken yet.

    Written in the same transaction as the change, so a crash between commit and indexing loses
    nothing: the next writer (or `flask search reindex`) catches up.
    """

    __tablename__ = "search_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    object_id: Mapped[int] = mapped_column(Integer)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SearchIndexState(Base):
    """The dictionary the documents' words (and so PostgreSQL's tsvectors) were cut with.

    One row, written by a full reindex in the transaction that rewrites the documents; none yet:
    the documents were cut with jieba's main dictionary alone, or there are none (see
    school/search/dictionary.py).
    """

    __tablename__ = "search_index_state"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dictionary_version: Mapped[str] = mapped_column(String(16))
    # The entries themselves: queries are cut with them until a reindex with the code's
    # dictionary has finished, whatever the file says by then.
    dictionary: Mapped[str] = mapped_column(Text)
    reindexed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
