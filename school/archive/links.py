"""Where an archive entry leads: a higher feature registers a link for a kind of entry (the
result page of a quiz attempt), so the ledger links to pages it knows nothing about.

A link is a function of the viewer and the entry that returns a path on this site, or None when
that viewer may not open the page: the ledger never shows a link that would answer 404.
Registered from ``create_app``; a kind with no link registered shows no link.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from school.archive.models import ArchiveEntry

Link = Callable[[Any, ArchiveEntry], str | None]


class EntryLinks:
    """The link registered for each kind of entry."""

    def __init__(self) -> None:
        self._links: dict[str, Link] = {}

    def register(self, kind: str, link: Link) -> None:
        """Link entries of ``kind`` with ``link`` (registering a kind again replaces it)."""
        self._links[kind] = link

    def url(self, viewer: Any, entry: ArchiveEntry) -> str | None:
        """Where the entry leads for this viewer, or None."""
        link = self._links.get(entry.kind)
        return link(viewer, entry) if link is not None else None


entry_links = EntryLinks()
