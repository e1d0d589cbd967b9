"""The organisation picker: organisations in the asker's own scope whose name or code matches.

Forms that take an organisation keep a plain text input (the code or the exact full name, as
``services.lookup_org`` reads it); ``static/org-picker.js`` offers these as suggestions.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from school.auth.models import User
from school.db import db
from school.orgs.models import Organisation
from school.orgs.scope import in_subtrees, read_roots

LIMIT = 20
QUERY_MAX = 50


@dataclass(frozen=True)
class Choice:
    """One suggestion: what to put in the field, and how to show it."""

    value: str
    name: str
    code: str
    parent: str


def search(viewer: User, text: str, *, managing: bool = True, limit: int = LIMIT) -> list[Choice]:
    """Open organisations in the subtrees the viewer manages (or, with ``managing=False``,
    reads) whose name contains ``text`` or whose code starts with it; higher levels first.

    An empty text gives the tops of the viewer's scope. The value is the code where there is
    one (names repeat: many branches are called 第一党支部), else the name.
    """
    text = (text or "").strip()[:QUERY_MAX]
    query = select(Organisation).where(Organisation.closed_at.is_(None))
    if not viewer.is_admin:
        roots = read_roots(viewer, managing=managing)
        if not roots:
            return []
        query = query.where(in_subtrees(Organisation.path, roots))
    if text:
        query = query.where(
            or_(
                Organisation.name.contains(text, autoescape=True),
                func.lower(Organisation.code).startswith(text.lower(), autoescape=True),
            )
        )
    # The level in the tree: the number of "/" in the path (both databases have replace()).
    depth = func.length(Organisation.path) - func.length(func.replace(Organisation.path, "/", ""))
    orgs = db.session.scalars(
        query.options(selectinload(Organisation.parent))
        .order_by(depth, Organisation.name, Organisation.id)
        .limit(limit)
    )
    return [
        Choice(
            value=org.code or org.name,
            name=org.name,
            code=org.code or "",
            parent=org.parent.name if org.parent else "",
        )
        for org in orgs
    ]
