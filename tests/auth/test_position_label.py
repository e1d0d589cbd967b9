"""The footer names what the signed-in person is: a secretary is not called a plain 党员."""

import re

import pytest
from sqlalchemy import select

from school.auth import services as accounts
from school.auth.models import User
from school.db import db
from school.orgs.services import find_org
from tests.conftest import login


def footer(client) -> str:
    page = client.get("/archive/").get_data(as_text=True)
    return re.search(r'<footer class="site-footer">\s*<span>([^<]+)</span>', page).group(1)


@pytest.mark.parametrize(
    ("username", "shown"),
    [
        ("member", "张党员（党员）"),
        ("secretary", "赵书记（党支部书记）"),
        ("committee", "钱工委（工委书记）"),
        ("viewer", "孙查看（查看员）"),
        ("instructor", "王教员（教员）"),
        ("admin", "管理员（管理员）"),
    ],
)
def test_the_footer_names_the_role_held(client, world, username, shown):
    login(client, username)
    assert footer(client) == shown


def test_the_highest_role_first_and_an_instructor_who_is_staff(app, client, world):
    with app.app_context():
        teacher = db.session.scalar(select(User).where(User.username == "instructor"))
        accounts.grant_staff(teacher, find_org("二支部"), "organiser")
        accounts.grant_staff(teacher, find_org("区委"), "secretary")
        db.session.commit()
    login(client, "instructor")
    assert footer(client) == "王教员（党委书记、组织委员、教员）"
