"""Which dictionary the search documents were cut with (see school/search/dictionary.py)."""

from __future__ import annotations

import functools

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from school.db import utcnow
from school.search.dictionary import NONE, Dictionary, current, parse
from school.search.models import SearchDocument, SearchIndexState


def documents_dictionary(session: Session, claim: bool = False) -> Dictionary:
    """The dictionary the documents' words were cut with; ``claim``: about to write documents
    into an empty table, which then takes the code's dictionary (and records it)."""
    row = session.execute(
        select(SearchIndexState.dictionary_version, SearchIndexState.dictionary).where(
            SearchIndexState.id == 1
        )
    ).first()
    if row is not None:
        return current() if row.dictionary_version == current().version else _stored(row.dictionary)
    if session.scalar(select(SearchDocument.kind).limit(1)) is not None:
        return NONE  # written before there was a dictionary
    if claim:
        record(session, current())
    return current()


@functools.lru_cache(maxsize=4)
def _stored(text: str) -> Dictionary:
    return parse(text)


def record(session: Session, dictionary: Dictionary) -> None:
    """Note that the documents are now cut with ``dictionary`` (in the caller's transaction)."""
    session.execute(delete(SearchIndexState))
    session.execute(
        insert(SearchIndexState).values(
            id=1,
            dictionary_version=dictionary.version,
            dictionary=dictionary.text,
            reindexed_at=utcnow(),
        )
    )
