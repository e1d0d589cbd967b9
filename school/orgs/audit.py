"""The audit log: one function that every feature writes it through."""

from __future__ import annotations

from typing import TYPE_CHECKING

from school.db import db
from school.orgs.models import AUDIT_ACTIONS, AuditEntry

if TYPE_CHECKING:
    from school.auth.models import User
    from school.orgs.models import Organisation


def record(
    actor: User | None,
    action: str,
    detail: str,
    *,
    org: Organisation | None = None,
    user: User | None = None,
) -> AuditEntry:
    """Append an entry; ``actor`` None is the command line, ``org`` decides who may read it."""
    if action not in AUDIT_ACTIONS:
        raise ValueError(action)
    entry = AuditEntry(
        actor_id=actor.id if actor else None,
        action=action,
        org_id=org.id if org else None,
        user_id=user.id if user else None,
        detail=detail[:500],
    )
    db.session.add(entry)
    return entry


def account(actor: User | None, action: str, user: User, note: str = "") -> AuditEntry:
    """An entry about an account ("停用账号：张三（zhangsan），原因：…"), filed under the
    account's home organisation, else its host one, so that its staff read it."""
    detail = f"{AUDIT_ACTIONS[action]}：{user.name}（{user.username}）{note}"
    return record(actor, action, detail, org=user.home_org or user.host_org, user=user)
