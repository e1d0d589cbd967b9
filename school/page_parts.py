"""Page parts: what higher features add to a lower feature's page, without being imported by it.

A lower feature keeps one ``PageParts`` per page (the course page, a member's registry page).
Higher features register a part from ``create_app``: a function of the viewer and the page's
object that returns template variables. The page's view merges them into its context, and its
template gives each variable a default, so a part that is not registered leaves its section out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Part = Callable[[Any, Any], dict[str, object]]


@dataclass(frozen=True)
class Tally:
    """A count on a dashboard: what is waiting, how many, and the list behind it.

    A dashboard's parts return ``{name: Tally}``; the dashboard shows each one as a tile that
    opens ``url``. ``urgent`` is how many of them are overdue, shown apart when there are any.
    """

    label: str
    count: int
    url: str
    urgent: int = 0


class PageParts:
    """The parts registered for one page, merged in registration order."""

    def __init__(self) -> None:
        self._parts: dict[str, Part] = {}

    def register(self, name: str, part: Part) -> None:
        """Show ``part`` on the page (registering the same name again replaces it)."""
        self._parts[name] = part

    def context(self, viewer: Any, subject: Any) -> dict[str, object]:
        """The template variables of every registered part for this viewer and object."""
        context: dict[str, object] = {}
        for part in self._parts.values():
            context.update(part(viewer, subject))
        return context
