"""Helpers shared by the tests of the school's news: notices of a category, required reading."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from school.auth.models import User
from school.clock import local_today
from school.db import db
from school.notices import services
from school.notices.services import NewsFields
from school.orgs.services import find_org
from tests.conftest import login

BODY = "请各位党员认真学习。"


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def in_a_week() -> date:
    return local_today() + timedelta(days=7)


def news(
    username: str,
    org_name: str | None,
    title: str,
    *,
    category: str = "notice",
    required: bool = False,
    topic: str | None = None,
    publish: bool = True,
) -> int:
    """Inside an app context: a committed notice of ``category`` by ``username``."""
    fields = NewsFields(
        category=category,
        topic=topic,
        required=required,
        deadline=in_a_week() if required else None,
    )
    org = find_org(org_name) if org_name else None
    notice = services.create_notice(user(username), title, BODY, org, publish=publish, news=fields)
    db.session.commit()
    return notice.id


def client_as(app, username: str):
    """A fresh client logged in as ``username``."""
    client = app.test_client()
    login(client, username)
    return client
