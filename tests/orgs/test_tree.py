"""Managing the organisation tree and staff grants: rules, refusals, audit, permissions."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from school.archive import services as archive
from school.archive.models import ArchiveEntry
from school.auth.models import User
from school.db import db
from school.members.models import FlowEvent
from school.orgs import services
from school.orgs.models import AuditEntry, Organisation, StaffGrant
from school.orgs.services import OrgError, find_org
from school.orgs.tree_permissions import can_grant_at, can_grant_to, can_manage_tree, can_revoke
from tests.conftest import login, post
from tests.factories import make_user


def _org(name: str) -> Organisation:
    return find_org(name)


def _user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def _audit(action: str) -> list[AuditEntry]:
    return db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
    ).all()


def _snapshot() -> dict:
    """Everything a refused tree change must leave alone."""
    return {
        "orgs": sorted(
            db.session.execute(
                select(
                    Organisation.id,
                    Organisation.name,
                    Organisation.code,
                    Organisation.parent_id,
                    Organisation.path,
                    Organisation.closed_at,
                )
            ).all()
        ),
        "members": sorted(db.session.execute(select(User.id, User.home_org_id, User.host_org_id))),
        "grants": sorted(
            db.session.execute(select(StaffGrant.user_id, StaffGrant.org_id, StaffGrant.role))
        ),
        "events": db.session.scalar(select(func.count(FlowEvent.id))),
        "audit": db.session.scalar(select(func.count(AuditEntry.id))),
    }


# Services -----------------------------------------------------------------------------------


def test_rename_changes_name_and_code_and_is_audited(app, world):
    with app.app_context():
        admin, branch = _user("admin"), _org("一支部")
        services.rename_org(admin, branch, "第一党支部", "QC-001")
        db.session.commit()
        assert (branch.name, branch.code) == ("第一党支部", "QC-001")
        entry = _audit("org.rename")[-1]
        assert entry.actor_id == admin.id and entry.org_id == branch.id
        assert (
            "更名：一支部 → 第一党支部" in entry.detail and "组织代码：无 → QC-001" in entry.detail
        )


def test_code_clash_and_empty_name_are_refused_and_change_nothing(app, world):
    with app.app_context():
        admin = _user("admin")
        services.rename_org(admin, _org("二支部"), "二支部", "QC-002")
        db.session.commit()
        before = _snapshot()
        with pytest.raises(OrgError, match="已被“二支部”使用"):
            services.rename_org(admin, _org("一支部"), "一支部", "QC-002")
        with pytest.raises(OrgError, match="名称"):
            services.rename_org(admin, _org("一支部"), "  ", None)
        with pytest.raises(OrgError, match="已被“二支部”使用"):
            services.create(admin, "新支部", "branch", _org("区委"), code="QC-002")
        db.session.rollback()
        assert _snapshot() == before


def test_move_rewrites_the_whole_subtree_path(app, world):
    with app.app_context():
        admin = _user("admin")
        district, committee = _org("区委"), _org("工委")
        group = services.create(admin, "一支部第一党小组", "branch", _org("一支部"))
        services.move_org(admin, district, committee)
        db.session.commit()
        db.session.expire_all()
        district, committee = _org("区委"), _org("工委")
        assert district.parent_id == committee.id
        assert district.path == f"{committee.path}{district.id}/"
        branch = _org("一支部")
        assert branch.path == f"{district.path}{branch.id}/"
        assert db.session.get(Organisation, group.id).path == f"{branch.path}{group.id}/"
        assert _org("二支部").path.startswith(district.path)
        # The subtree moved, nothing else did.
        assert _org("驻深圳支部").path == f"{committee.path}{_org('驻深圳支部').id}/"
        entry = _audit("org.move")[-1]
        assert entry.org_id == district.id and entry.detail == "调整隶属：市委 → 工委"
        # Scope follows the new tree: the work committee now sees the member in 一支部.
        from school.members.permissions import can_view_member

        assert can_view_member(_user("committee"), _user("member"))


def test_move_under_itself_a_descendant_or_a_closed_parent_is_refused(app, world):
    with app.app_context():
        admin = _user("admin")
        closed = services.create(admin, "旧支部", "branch", _org("工委"))
        services.close_org(admin, closed)
        db.session.commit()
        before = _snapshot()
        district = _org("区委")
        with pytest.raises(OrgError, match="下级组织"):
            services.move_org(admin, district, district)
        with pytest.raises(OrgError, match="下级组织"):
            services.move_org(admin, district, _org("一支部"))
        with pytest.raises(OrgError, match="已撤销"):
            services.move_org(admin, _org("一支部"), closed)
        with pytest.raises(OrgError, match="已经隶属"):
            services.move_org(admin, _org("一支部"), district)
        db.session.rollback()
        assert _snapshot() == before


def test_merge_moves_members_staff_and_children_and_keeps_archives(app, world):
    with app.app_context():
        admin = _user("admin")
        source, target = _org("二支部"), _org("一支部")
        child = services.create(admin, "二支部党小组", "branch", source)
        other, floating = _user("other"), _user("floating")
        archive.append_offline(
            other,
            title="春节返乡培训",
            hours=Decimal("4"),
            completed_at=datetime(2026, 2, 1, tzinfo=UTC),
            recorded_by=admin,
        )
        # A secretary at the source who is a viewer at the target keeps the stronger role;
        # the viewer of the target who organises the source becomes its organiser.
        boss = make_user("boss", "吴书记", home_org=source)
        services.grant(admin, boss, source, "secretary")
        services.grant(admin, boss, target, "viewer")
        services.grant(admin, _user("viewer"), source, "organiser")
        services.grant(admin, _user("committee"), source, "viewer")
        db.session.commit()
        archive_before = sorted(db.session.execute(select(ArchiveEntry.__table__)).all())
        services.merge_orgs(admin, source, target)
        db.session.commit()
        db.session.expire_all()
        source, target = _org("二支部"), _org("一支部")
        assert source.closed_at is not None and source.merged_into_id == target.id
        assert _user("other").home_org_id == target.id
        assert _user("floating").home_org_id == target.id
        assert _user("floating").host_org_id == _org("驻深圳支部").id
        assert db.session.get(Organisation, child.id).parent_id == target.id
        assert db.session.get(Organisation, child.id).path == f"{target.path}{child.id}/"
        grants = {
            (g.user_id, g.org_id): g.role
            for g in db.session.scalars(select(StaffGrant)).all()
            if g.org_id in (source.id, target.id)
        }
        assert grants[(boss.id, target.id)] == "secretary"
        assert grants[(world.viewer, target.id)] == "organiser"
        assert grants[(world.committee_secretary, target.id)] == "viewer"
        assert not [key for key in grants if key[1] == source.id]
        events = db.session.scalars(select(FlowEvent).order_by(FlowEvent.member_id)).all()
        assert {(e.member_id, e.kind) for e in events} == {
            (other.id, "transfer"),
            (floating.id, "transfer"),
            (boss.id, "transfer"),
        }
        assert all(
            e.note == "组织合并" and (e.from_org_id, e.to_org_id) == (source.id, target.id)
            for e in events
        )
        assert sorted(db.session.execute(select(ArchiveEntry.__table__)).all()) == archive_before
        merge = _audit("org.merge")[-1]
        assert merge.org_id == source.id and merge.detail.startswith("合并：二支部 → 一支部")
        assert any(e.org_id == child.id for e in _audit("org.move"))


def test_merging_a_host_moves_hosted_members_with_a_change_host_event(app, world):
    with app.app_context():
        admin = _user("admin")
        source = _org("驻深圳支部")
        target = services.create(admin, "驻深圳第二支部", "outbound_branch", _org("工委"))
        target.city = "深圳"
        services.merge_orgs(admin, source, target)
        db.session.commit()
        floating = _user("floating")
        assert floating.host_org_id == target.id and floating.home_org.name == "二支部"
        event = db.session.scalar(select(FlowEvent).where(FlowEvent.member_id == floating.id))
        assert (event.kind, event.note, event.city) == ("change_host", "组织合并", "深圳")


def test_merge_into_itself_a_descendant_or_a_closed_org_is_refused(app, world):
    with app.app_context():
        admin = _user("admin")
        closed = services.create(admin, "旧支部", "branch", _org("区委"))
        services.close_org(admin, closed)
        db.session.commit()
        before = _snapshot()
        with pytest.raises(OrgError, match="自己"):
            services.merge_orgs(admin, _org("一支部"), _org("一支部"))
        with pytest.raises(OrgError, match="下级组织"):
            services.merge_orgs(admin, _org("区委"), _org("一支部"))
        with pytest.raises(OrgError, match="已撤销"):
            services.merge_orgs(admin, _org("二支部"), closed)
        with pytest.raises(OrgError, match="已撤销"):
            services.merge_orgs(admin, closed, _org("二支部"))
        db.session.rollback()
        assert _snapshot() == before


def test_close_refuses_while_anything_remains_and_names_the_counts(app, world):
    with app.app_context():
        admin = _user("admin")
        before = _snapshot()
        with pytest.raises(OrgError) as refused:
            services.close_org(admin, _org("一支部"))
        message = str(refused.value)
        assert "3 名党员" in message and "2 个管理角色" in message
        with pytest.raises(OrgError, match="2 个未撤销的下级组织"):
            services.close_org(admin, _org("区委"))
        db.session.rollback()
        assert _snapshot() == before
        empty = services.create(admin, "空支部", "branch", _org("区委"))
        services.close_org(admin, empty)
        db.session.commit()
        assert empty.closed_at is not None and not empty.is_open
        assert _audit("org.close")[-1].detail == "撤销：空支部"
        with pytest.raises(OrgError, match="已撤销"):
            services.rename_org(admin, empty, "新名字", None)


def test_every_change_is_audited_with_who_what_and_whom(app, world):
    with app.app_context():
        admin, member = _user("admin"), _user("member")
        org = services.create(admin, "新支部", "branch", _org("区委"), code="NEW-1", city="青川")
        grant = services.grant(admin, member, org, "viewer")
        services.grant(admin, member, org, "organiser")
        services.revoke(admin, grant)
        db.session.commit()
        entries = db.session.scalars(
            select(AuditEntry).where(AuditEntry.org_id == org.id).order_by(AuditEntry.id)
        ).all()
        assert [(e.action, e.detail) for e in entries] == [
            ("org.create", "新建：新支部（党支部），隶属：区委"),
            ("staff.grant", "授予：张党员 新支部 查看员"),
            ("staff.grant", "调整：张党员 在新支部 查看员 → 组织委员"),
            ("staff.revoke", "撤销：张党员 新支部 组织委员"),
        ]
        assert all(e.actor_id == admin.id for e in entries)
        assert [e.user_id for e in entries[1:]] == [member.id] * 3
        assert db.session.get(User, member.id).staff_grants == []


def test_lookup_by_code_then_by_unique_name(app, world):
    with app.app_context():
        admin = _user("admin")
        services.create(admin, "第一党支部", "branch", _org("区委"), code="A1")
        services.create(admin, "第一党支部", "branch", _org("工委"), code="B1")
        assert services.lookup_org("B1").parent.name == "工委"
        assert services.lookup_org("一支部").name == "一支部"
        with pytest.raises(OrgError, match="有 2 个党组织都叫“第一党支部”"):
            services.lookup_org("第一党支部")
        with pytest.raises(OrgError, match="找不到"):
            services.lookup_org("没有这个支部")


def test_tree_permissions(app, world):
    with app.app_context():
        secretary, viewer, committee = _user("secretary"), _user("viewer"), _user("committee")
        admin, member = _user("admin"), _user("member")
        branch, district = _org("一支部"), _org("区委")
        sub = services.create(admin, "一支部党小组", "branch", branch)
        assert can_manage_tree(admin) and not can_manage_tree(secretary)
        assert can_grant_at(secretary, branch) and can_grant_at(secretary, sub)
        assert not can_grant_at(secretary, district)  # above their own grant
        assert not can_grant_at(secretary, _org("二支部"))
        assert not can_grant_at(viewer, branch)
        assert can_grant_at(committee, _org("驻深圳支部"))
        assert can_grant_to(secretary, member, sub)
        assert not can_grant_to(secretary, admin, sub)
        viewer_grant = viewer.staff_grants[0]
        assert can_revoke(secretary, viewer_grant, viewer)
        assert not can_revoke(secretary, secretary.staff_grants[0], secretary)
        assert not can_revoke(viewer, viewer_grant, viewer)


# Views --------------------------------------------------------------------------------------


def test_admin_renames_moves_and_creates_through_the_pages(app, client, world):
    with app.app_context():
        branch_id, committee = _org("一支部").id, _org("工委")
        committee.code = "GW"
        db.session.commit()
    login(client, "admin")
    response = post(
        client, f"/manage/orgs/{branch_id}/rename", {"name": "第一党支部", "code": "C1"}
    )
    assert response.status_code == 302
    assert post(client, f"/manage/orgs/{branch_id}/move", {"new_parent": "GW"}).status_code == 302
    page = client.get(f"/manage/orgs/new?parent={branch_id}").get_data(as_text=True)
    assert 'value="C1"' in page
    response = post(
        client,
        "/manage/orgs/new",
        {"name": "第一党小组", "kind": "branch", "parent": "C1", "code": "", "city": ""},
    )
    assert response.status_code == 302
    with app.app_context():
        branch = db.session.get(Organisation, branch_id)
        assert (branch.name, branch.code, branch.parent.name) == ("第一党支部", "C1", "工委")
        assert _org("第一党小组").parent_id == branch_id
    audit = client.get("/manage/orgs/audit").get_data(as_text=True)
    assert "更名：一支部 → 第一党支部" in audit and "调整隶属：区委 → 工委" in audit
    assert "管理员" in audit


def test_unknown_or_ambiguous_targets_are_explained_and_change_nothing(app, client, world):
    with app.app_context():
        admin = _user("admin")
        services.create(admin, "同名支部", "branch", _org("区委"))
        services.create(admin, "同名支部", "branch", _org("工委"))
        db.session.commit()
        branch_id = _org("一支部").id
        before = _snapshot()
    login(client, "admin")
    page = post(client, f"/manage/orgs/{branch_id}/move", {"new_parent": "同名支部"})
    assert page.status_code == 200 and "请改填组织代码" in page.get_data(as_text=True)
    page = post(
        client,
        f"/manage/orgs/{branch_id}/merge",
        {"merge_target": "无此支部", "confirm_merge": "y"},
    )
    assert page.status_code == 200 and "找不到组织代码或全称" in page.get_data(as_text=True)
    page = post(client, f"/manage/orgs/{branch_id}/close", follow_redirects=True)
    assert "3 名党员" in page.get_data(as_text=True)
    with app.app_context():
        assert _snapshot() == before


def test_secretary_cannot_manage_the_tree(app, client, world):
    with app.app_context():
        branch_id, committee_id = _org("一支部").id, _org("工委").id
        before = _snapshot()
    login(client, "secretary")
    assert post(client, f"/manage/orgs/{branch_id}/rename", {"name": "改名"}).status_code == 403
    assert post(client, f"/manage/orgs/{branch_id}/move", {"new_parent": "工委"}).status_code == 403
    assert (
        post(client, f"/manage/orgs/{branch_id}/merge", {"merge_target": "二支部"}).status_code
        == 403
    )
    assert post(client, f"/manage/orgs/{branch_id}/close").status_code == 403
    assert client.get("/manage/orgs/new").status_code == 403
    assert post(client, f"/manage/orgs/{committee_id}/rename", {"name": "x"}).status_code == 404
    page = client.get(f"/manage/orgs/{branch_id}").get_data(as_text=True)
    assert "授予或调整管理角色" in page and "调整隶属" not in page
    with app.app_context():
        assert _snapshot() == before


def test_secretary_grants_and_revokes_in_their_subtree_only(app, client, world):
    with app.app_context():
        branch, admin = _org("一支部"), _user("admin")
        sub_id = services.create(admin, "一支部党小组", "branch", branch).id
        make_user("admin2", "郑管理", role="admin", home_org=branch)  # in the branch, still admin
        db.session.commit()
        branch_id, other_id = branch.id, _org("二支部").id
        viewer_grant = _user("viewer").staff_grants[0].id
    login(client, "secretary")
    response = post(
        client, f"/manage/orgs/{sub_id}/grant", {"username": "member", "role": "organiser"}
    )
    assert response.status_code == 302
    # Never for an admin, never outside the subtree.
    page = post(client, f"/manage/orgs/{sub_id}/grant", {"username": "admin2", "role": "viewer"})
    assert page.status_code == 200 and "不能为管理员" in page.get_data(as_text=True)
    page = post(client, f"/manage/orgs/{sub_id}/grant", {"username": "other", "role": "viewer"})
    assert "找不到用户 other" in page.get_data(as_text=True)
    grant = {"username": "other", "role": "viewer"}
    assert post(client, f"/manage/orgs/{other_id}/grant", grant).status_code == 404
    assert post(client, f"/manage/orgs/{branch_id}/grants/{viewer_grant}/revoke").status_code == 302
    with app.app_context():
        member = _user("member")
        assert [(g.org_id, g.role) for g in member.staff_grants] == [(sub_id, "organiser")]
        assert _user("admin2").staff_grants == [] and _user("other").staff_grants == []
        assert _user("viewer").staff_grants == []
        granted, revoked = _audit("staff.grant")[-1], _audit("staff.revoke")[-1]
        assert granted.actor_id == world.secretary and granted.user_id == member.id
        assert revoked.actor_id == world.secretary and revoked.user_id == world.viewer


def test_viewer_cannot_grant_or_revoke(app, client, world):
    with app.app_context():
        branch_id = _org("一支部").id
        own = _user("secretary").staff_grants[0].id
        before = _snapshot()
    login(client, "viewer")
    grant = {"username": "member", "role": "secretary"}
    assert post(client, f"/manage/orgs/{branch_id}/grant", grant).status_code == 403
    assert post(client, f"/manage/orgs/{branch_id}/grants/{own}/revoke").status_code == 403
    assert "授予或调整管理角色" not in client.get(f"/manage/orgs/{branch_id}").get_data(
        as_text=True
    )
    with app.app_context():
        assert _snapshot() == before


def test_tree_page_counts_members_and_scopes_staff(app, client, world):
    login(client, "admin")
    page = client.get("/manage/orgs/").get_data(as_text=True)
    assert "市委" in page and "驻深圳支部" in page
    assert "党员 3" in page and "流入 1" in page  # 一支部: 3 at home; 驻深圳支部 hosts one
    client = app.test_client()
    login(client, "secretary")
    page = client.get("/manage/orgs/").get_data(as_text=True)
    assert "一支部" in page and "二支部" not in page and "工委" not in page
    response = client.get("/manage/orgs/?q=工委")
    assert response.status_code == 200 and "找不到组织代码或全称为“工委”" in response.get_data(
        as_text=True
    )
    assert client.get("/manage/orgs/?q=一支部").status_code == 302


def test_audit_log_is_scoped_filtered_and_newest_first(app, client, world):
    with app.app_context():
        admin = _user("admin")
        services.create(admin, "一支部党小组", "branch", _org("一支部"))
        services.create(admin, "驻广州支部", "outbound_branch", _org("工委"))
        services.grant(admin, _user("member"), _org("一支部"), "viewer")
        db.session.commit()
    login(client, "secretary")
    page = client.get("/manage/orgs/audit").get_data(as_text=True)
    assert "一支部党小组" in page and "驻广州支部" not in page
    assert page.index("授予：张党员") < page.index("新建：一支部党小组")
    page = client.get("/manage/orgs/audit?action=org.create").get_data(as_text=True)
    assert "新建：一支部党小组" in page and "授予：张党员" not in page
    client = app.test_client()
    login(client, "admin")
    page = client.get("/manage/orgs/audit?org=工委").get_data(as_text=True)
    # Created under 工委, the entry belongs to the new branch: 工委 itself has none.
    assert "驻广州支部" not in page and "没有符合条件的记录" in page
    page = client.get("/manage/orgs/audit?org=驻广州支部").get_data(as_text=True)
    assert "新建：驻广州支部" in page and "一支部党小组" not in page


def test_audit_log_pages_by_fifty(app, client, world):
    with app.app_context():
        admin, org = _user("admin"), _org("一支部")
        for n in range(55):
            services.rename_org(admin, org, f"一支部{n}", None)
        db.session.commit()
    login(client, "admin")
    first = client.get("/manage/orgs/audit?action=org.rename").get_data(as_text=True)
    assert "共 55 条" in first and "一支部53 → 一支部54" in first and "第 1/2 页" in first
    second = client.get("/manage/orgs/audit?action=org.rename&page=2").get_data(as_text=True)
    assert "一支部 → 一支部0" in second and "一支部53 → 一支部54" not in second


# Command line -------------------------------------------------------------------------------


def test_cli_grant_and_revoke_write_the_audit_log(app, world):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "grant", "member", "二支部", "--role", "organiser"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        entry = _audit("staff.grant")[-1]
        assert entry.actor_id is None and entry.user_id == world.member
        assert entry.detail == "授予：张党员 二支部 组织委员"
    result = runner.invoke(args=["users", "revoke", "member", "二支部"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["users", "revoke", "member", "二支部"])
    assert result.exit_code != 0 and "没有管理角色" in result.output
    with app.app_context():
        assert _user("member").staff_grants == []
        assert _audit("staff.revoke")[-1].detail == "撤销：张党员 二支部 组织委员"


def test_merge_page_needs_confirmation_then_merges(app, client, world):
    with app.app_context():
        source_id, target_id = _org("二支部").id, _org("一支部").id
        before = _snapshot()
    login(client, "admin")
    page = post(client, f"/manage/orgs/{source_id}/merge", {"merge_target": "一支部"})
    assert page.status_code == 200 and "请勾选确认" in page.get_data(as_text=True)
    with app.app_context():
        assert _snapshot() == before
    data = {"merge_target": "一支部", "confirm_merge": "y"}
    response = post(client, f"/manage/orgs/{source_id}/merge", data)
    assert response.headers["Location"] == f"/manage/orgs/{target_id}"
    with app.app_context():
        assert _user("other").home_org_id == target_id
        assert db.session.get(Organisation, source_id).merged_into_id == target_id
    page = client.get(f"/manage/orgs/{source_id}").get_data(as_text=True)
    assert "已合并" in page and "调整隶属" not in page
    assert "已合并" in client.get("/manage/orgs/").get_data(as_text=True)


def test_tree_page_stops_at_three_levels_and_links_to_the_rest(app, client, world):
    """Thousands of branches do not fit one phone page: deeper levels are one tap away."""
    with app.app_context():
        township = services.create_org("城关镇党委", "township", _org("区委"))
        services.create_org("城关镇第九党支部", "branch", township)
        db.session.commit()
        township_id = township.id
    login(client, "admin")
    html = client.get("/manage/orgs/").get_data(as_text=True)
    assert "城关镇党委" in html and "城关镇第九党支部" not in html
    assert f'href="/manage/orgs/{township_id}">下级 1 个组织' in html
    detail = client.get(f"/manage/orgs/{township_id}").get_data(as_text=True)
    assert "城关镇第九党支部" in detail
