"""The archive page's link on an offline entry: 更正, for staff who manage its member."""

from __future__ import annotations

from typing import Any

from flask import url_for

from school.archive.models import ArchiveEntry
from school.auth.models import User
from school.credits.permissions import can_correct
from school.db import db


def correct_link(viewer: Any, entry: ArchiveEntry) -> str | None:
    """Where staff correct this entry, or None for anyone who may not."""
    # A member reading their own archive holds no grant: no link, and no query to find out.
    if not getattr(viewer, "is_authenticated", False) or not viewer.is_staff:
        return None
    member = db.session.get(User, entry.member_id)
    if member is None or not can_correct(viewer, entry, member):
        return None
    return url_for("credits.correct", entry_id=entry.id)
