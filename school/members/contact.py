"""How the school reaches a member outside the site: the optional email address."""

from __future__ import annotations

from school.auth.models import User
from school.db import db
from school.messaging import clean_email


class ContactError(ValueError):
    """An address that cannot be kept; the message is for the member."""


def set_email(member: User, raw: str | None) -> None:
    """Keep the member's email address (empty removes it); an invalid one changes nothing."""
    try:
        member.email = clean_email(raw)
    except ValueError as exc:
        raise ContactError(str(exc)) from exc
    db.session.flush()
