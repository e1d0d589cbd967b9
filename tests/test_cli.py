"""The command line: accounts, demo data."""

from sqlalchemy import func, select

from school.archive.models import ArchiveEntry
from school.auth.models import User
from school.certificates.models import Certificate
from school.credits.models import CreditBatch
from school.db import db
from school.orgs.models import Organisation
from tests.conftest import login


def _run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_users_create_with_a_one_time_password(app, client, world):
    result = _run(app, "users", "create", "newbie", "--name", "新党员", "--org", "一支部")
    assert result.exit_code == 0, result.output
    assert "一次性密码：" in result.output
    one_time = result.output.split("一次性密码：")[1].split("（")[0]
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "newbie"))
        assert user.must_change_password and user.home_org.name == "一支部"
    response = login(client, "newbie", one_time)
    assert response.headers["Location"] == "/account/password"


def test_users_create_refuses_a_taken_name_or_unknown_org(app, world):
    assert "已被使用" in _run(app, "users", "create", "Member", "--name", "x").output
    result = _run(app, "users", "create", "x1", "--name", "x", "--org", "不存在的支部")
    assert result.exit_code != 0 and "找不到组织代码或全称" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id)).where(User.username == "x1")) == 0


def test_set_role_grant_and_reset_password(app, client, world):
    assert _run(app, "users", "set-role", "member", "instructor").exit_code == 0
    assert _run(app, "users", "grant", "member", "二支部", "--role", "organiser").exit_code == 0
    result = _run(app, "users", "reset-password", "member")
    one_time = result.output.split("一次性密码：")[1].split("（")[0]
    with app.app_context():
        user = db.session.get(User, world.member)
        assert user.role == "instructor"
        assert [(g.org.name, g.role) for g in user.staff_grants] == [("二支部", "organiser")]
    login(client, "member", one_time)


def test_demo_load_creates_the_tree_and_accounts_once(app, tmp_path):
    first = _run(app, "demo", "load")
    assert first.exit_code == 0, first.output
    assert "跳过" in _run(app, "demo", "load").output
    with app.app_context():
        kinds = set(db.session.scalars(select(Organisation.kind)))
        assert kinds == {
            "city",
            "district",
            "township",
            "branch",
            "work_committee",
            "outbound_branch",
        }
        roles = {u.username: u for u in db.session.scalars(select(User))}
        assert {"admin", "jiaoyuan", "shuji", "gongwei", "dangyuan", "liudong"} <= set(roles)
        assert roles["liudong"].host_org is not None
        assert roles["shuji"].staff_grants and roles["shuji"].is_cadre
        # Beside the branch's group credit: 陈志强's training recorded by hand, and last
        # month's class he attended (with its 培训证明).
        group = ArchiveEntry.dedupe_key.like("group:%")
        assert db.session.scalar(select(func.count(ArchiveEntry.id)).where(~group)) == 2
        certificate = db.session.scalar(select(Certificate).where(Certificate.kind == "class"))
        assert certificate.member_id == roles["liudong"].id
        # One 三会一课 batch: every member of 红星村党支部 (host members too), by its secretary.
        batch = db.session.scalar(select(CreditBatch))
        assert (batch.kind, batch.org.name, batch.recorded_by.username) == (
            "party_lecture",
            "南山镇红星村党支部",
            "shuji",
        )
        assert batch.credited == db.session.scalar(select(func.count(ArchiveEntry.id)).where(group))
        assert batch.credited == 8


def test_demo_load_refuses_a_database_with_real_accounts(app, world):
    result = _run(app, "demo", "load")
    assert result.exit_code != 0 and "不加载演示数据" in result.output
