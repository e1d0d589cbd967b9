"""Queries over the organisation tree."""

from __future__ import annotations

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import aliased

from school.auth.models import User
from school.db import db
from school.orgs.models import Organisation


def create_org(name: str, kind: str, parent: Organisation | None = None, city: str | None = None):
    """Add an organisation under ``parent`` and give it its materialised path."""
    org = Organisation(name=name, kind=kind, parent=parent, city=city)
    db.session.add(org)
    db.session.flush()  # the id is part of the path
    org.path = f"{parent.path if parent else '/'}{org.id}/"
    db.session.flush()
    return org


def members_in_scope(viewer: User) -> Select[tuple[User]]:
    """Members whose home or host organisation lies in a subtree the viewer manages."""
    query = select(User).order_by(User.name, User.id)
    if viewer.is_admin:
        return query
    prefixes = [grant.org.path for grant in viewer.staff_grants]
    if not prefixes:
        return query.where(False)
    home, host = aliased(Organisation), aliased(Organisation)
    return (
        query.outerjoin(home, User.home_org_id == home.id)
        .outerjoin(host, User.host_org_id == host.id)
        .where(
            or_(
                *[home.path.startswith(p, autoescape=True) for p in prefixes],
                *[host.path.startswith(p, autoescape=True) for p in prefixes],
            )
        )
    )


def find_org(name: str) -> Organisation | None:
    """Look an organisation up by its exact name."""
    return db.session.scalar(select(Organisation).where(Organisation.name == name))
