"""``flask users create``: the organisations are named by code or by full name, as on the site."""

from sqlalchemy import select

from school.auth.models import User
from school.db import db
from school.orgs.services import create_org, find_org


def _run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_users_create_takes_an_organisation_code(app, world):
    with app.app_context():
        create_org("第一党支部", "branch", find_org("一支部"), code="QC0101")
        create_org("第一党支部", "branch", find_org("二支部"), code="QC0201")
        db.session.commit()
    result = _run(
        app,
        "users",
        "create",
        "zhou",
        "--name",
        "周新",
        "--org",
        "QC0201",
        "--host-org",
        "驻深圳支部",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "zhou"))
        assert user.home_org.code == "QC0201" and user.home_org.parent.name == "二支部"
        assert user.host_org.name == "驻深圳支部"
    # A name two organisations share asks for the code and creates nothing.
    result = _run(app, "users", "create", "wu", "--name", "吴新", "--org", "第一党支部")
    assert result.exit_code != 0 and "请改填组织代码" in result.output
    with app.app_context():
        assert db.session.scalar(select(User).where(User.username == "wu")) is None
