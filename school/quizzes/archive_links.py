"""What quizzes add to the study archive: a quiz entry links to its attempt's result page.
Registered with the archive from ``create_app``."""

from __future__ import annotations

from flask import url_for

from school.archive.models import ArchiveEntry
from school.auth.models import User
from school.quizzes.permissions import can_see_attempts_of


def result_link(viewer: User, entry: ArchiveEntry) -> str | None:
    """The result page of the attempt a quiz entry records, for whoever may open it."""
    if entry.attempt_id is None or not can_see_attempts_of(viewer, entry.member_id):
        return None
    return url_for("quizzes.result", attempt_id=entry.attempt_id)
