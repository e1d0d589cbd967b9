"""Hometown projects for tests. Call inside ``with app.app_context():``."""

from __future__ import annotations

from school.auth import services as accounts
from school.auth.models import User
from school.orgs.models import Organisation
from school.orgs.services import find_org
from school.projects import services
from school.projects.models import Project
from tests.factories import make_user


def fields(**changes: str) -> services.ProjectFields:
    """A project's form as staff fill it in, with ``changes``."""
    values = {
        "title": "红星村茶叶精深加工厂",
        "sector": "农业",
        "place": "南山镇红星村",
        "size": "3000",
        "description": "村集体茶园 **800 亩**，寻找加工合作方。",
        "contact_name": "王建国",
        "contact_phone": "13907310101",
        **changes,
    }
    return services.ProjectFields(**values)


def make_project(
    writer: User, org: Organisation | str, *, publish: bool = True, **changes: str
) -> Project:
    """A project of ``org`` (a name) by one of its managers, published unless asked not to."""
    if isinstance(org, str):
        org = find_org(org)
    return services.create_project(writer, org, fields(**changes), publish=publish)


def district_secretary() -> User:
    """A secretary of 区委 (above both branches): the county-level publisher of these tests."""
    user = make_user("county", "周县委", home_org=find_org("区委"), is_cadre=True)
    accounts.grant_staff(user, find_org("区委"), "secretary")
    return user
