"""Membership transfers both sides agree to: request, accept, return, withdraw, and refusals."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from school.archive import rollups
from school.archive import services as archive
from school.auth import services as accounts
from school.auth.models import User
from school.clock import local_today
from school.db import db, utcnow
from school.members import flows, transfers
from school.members.models import FlowEvent, Transfer
from school.members.services import RegistryError
from school.notifications.models import Notification
from school.orgs import services as orgs
from school.orgs.services import create_org, find_org
from tests.archive.test_rollups import snapshot
from tests.conftest import login, post
from tests.factories import make_user


def _client(app, username):
    client = app.test_client()
    login(client, username)
    return client


def _user(user_id: int) -> User:
    return db.session.get(User, user_id)


@pytest.fixture
def sides(app, world):
    """二支部 gets a secretary (李书记) and 工委 a second out-of-town branch (驻深圳二支部); the
    member sent is 张党员 of 一支部, whose secretary is 赵书记."""
    with app.app_context():
        branch_b = find_org("二支部")
        second = create_org("驻深圳二支部", "outbound_branch", find_org("工委"))
        receiver = make_user("receiver", "李书记", home_org=branch_b)
        accounts.grant_staff(receiver, branch_b, "secretary")
        db.session.commit()
        return {"second": second.id, "receiver": receiver.id}


def _state(member_id: int) -> tuple:
    """The member's organisations, flow events and transfer rows: proof nothing changed."""
    db.session.expire_all()
    member = _user(member_id)
    events = db.session.scalar(
        select(func.count()).select_from(FlowEvent).where(FlowEvent.member_id == member_id)
    )
    rows = db.session.execute(
        select(Transfer.id, Transfer.state, Transfer.decided_at, Transfer.placed_org_id)
        .where(Transfer.member_id == member_id)
        .order_by(Transfer.id)
    ).all()
    return member.home_org_id, member.host_org_id, events, [tuple(r) for r in rows]


def _request(app, world, to: str = "工委", reason: str = "工作调动到深圳") -> int:
    """The branch secretary files a request for 张党员 through the page; returns its id."""
    with app.app_context():
        to_id = find_org(to).id
    client = _client(app, "secretary")
    response = post(
        client, f"/manage/transfers/new/{world.member}", {"to_org": str(to_id), "reason": reason}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _notified(user_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(Notification.text)
            .where(Notification.user_id == user_id, Notification.kind == "transfer")
            .order_by(Notification.id)
        )
    )


def test_request_accept_moves_the_member_and_both_sides_see_it(app, world, sides):
    secretary = _client(app, "secretary")
    # The picker: a search by part of the name finds the receiving organisation with its line.
    page = secretary.get(f"/manage/transfers/new/{world.member}?q=深圳").get_data(as_text=True)
    assert "驻深圳支部" in page and "市委 › 工委 › 驻深圳支部" in page
    transfer_id = _request(app, world)
    with app.app_context():
        transfer = db.session.get(Transfer, transfer_id)
        assert (transfer.state, transfer.from_org.name, transfer.to_org.name) == (
            "pending",
            "一支部",
            "工委",
        )
        # Nothing moves before the receiving side accepts.
        assert _user(world.member).home_org.name == "一支部"
        assert _notified(world.committee_secretary) == [
            "一支部申请将党员张党员的组织关系转入工委，请接收或退回。"
        ]
        assert _notified(world.member) == ["一支部已为您申请转接组织关系：转往工委，待对方接收。"]
        assert _notified(world.secretary) == []  # not told of their own step
    # The receiving side's list, its workbench count, and the page with the branch to choose.
    committee = _client(app, "committee")
    listing = committee.get("/manage/transfers/").get_data(as_text=True)
    assert "张党员" in listing and "接收或退回" in listing
    with app.test_request_context():
        tally = transfers.workbench_part(_user(world.committee_secretary), local_today())
        assert (tally["transfers"].count, tally["transfers"].urgent) == (1, 0)
        assert tally["transfers"].url == "/manage/transfers/#incoming"
        assert (
            transfers.workbench_part(_user(world.secretary), local_today())["transfers"].count == 0
        )
    detail = committee.get(f"/manage/transfers/{transfer_id}").get_data(as_text=True)
    assert "工委 › 驻深圳二支部" in detail
    response = post(
        committee,
        f"/manage/transfers/{transfer_id}/accept",
        {"accept-placed": str(sides["second"]), "accept-note": "欢迎"},
    )
    assert response.status_code == 302
    with app.app_context():
        member = _user(world.member)
        assert member.home_org.name == "驻深圳二支部"
        transfer = db.session.get(Transfer, transfer_id)
        assert (transfer.state, transfer.placed_org.name, transfer.decided_by_id) == (
            "accepted",
            "驻深圳二支部",
            world.committee_secretary,
        )
        # The move went through the flow service: the event names both ends.
        event = db.session.get(FlowEvent, transfer.flow_event_id)
        assert (event.kind, event.from_org.name, event.to_org.name, event.recorded_by_id) == (
            "transfer",
            "一支部",
            "驻深圳二支部",
            world.committee_secretary,
        )
        assert event.occurred_on == local_today()
        assert "驻深圳二支部已接收党员张党员的组织关系。" in _notified(world.secretary)
        assert _notified(world.member)[-1] == "您的组织关系已由一支部转入驻深圳二支部。"
        # The rollups followed the move exactly as a rebuild computes them.
        kept = snapshot()
        rollups.rebuild(local_today())
        assert snapshot() == kept
    # Both sides still see the request; the sender no longer sees the member's page.
    assert "已接收" in secretary.get(f"/manage/transfers/{transfer_id}").get_data(as_text=True)
    assert secretary.get(f"/manage/members/{world.member}").status_code == 404
    member_page = committee.get(f"/manage/members/{world.member}").get_data(as_text=True)
    assert "一支部 → 工委" in member_page and "已接收" in member_page
    own = _client(app, "member").get("/profile/").get_data(as_text=True)
    assert "已转入：驻深圳二支部" in own and "工作调动到深圳" in own
    # The member sees the organisations and reasons, not which staff took each step.
    assert "赵书记" not in own and "钱工委" not in own


def test_return_needs_a_reason_and_leaves_the_member_where_they_are(app, world, sides):
    transfer_id = _request(app, world)
    committee = _client(app, "committee")
    url = f"/manage/transfers/{transfer_id}/return"
    with app.app_context():
        before = _state(world.member)
    response = post(committee, url, {"return-reason": "  "})
    assert response.status_code == 200 and "请填写退回原因。" in response.get_data(as_text=True)
    with app.app_context():
        assert _state(world.member) == before
    assert post(committee, url, {"return-reason": "本组织不接收外地党员"}).status_code == 302
    with app.app_context():
        transfer = db.session.get(Transfer, transfer_id)
        assert (transfer.state, transfer.decision_note) == ("returned", "本组织不接收外地党员")
        assert _user(world.member).home_org.name == "一支部"
        assert _notified(world.secretary) == [
            "工委退回了党员张党员的组织关系转接申请：本组织不接收外地党员"
        ]
        assert "被退回：本组织不接收外地党员" in _notified(world.member)[-1]
    # A new request may follow once the first is decided.
    assert _request(app, world, to="二支部") != transfer_id


def test_the_sender_withdraws_a_pending_request_only(app, world, sides):
    transfer_id = _request(app, world)
    secretary = _client(app, "secretary")
    url = f"/manage/transfers/{transfer_id}/withdraw"
    assert post(secretary, url, {"withdraw-note": "党员改变主意"}).status_code == 302
    with app.app_context():
        transfer = db.session.get(Transfer, transfer_id)
        assert (transfer.state, transfer.decision_note) == ("withdrawn", "党员改变主意")
        assert _notified(world.committee_secretary)[-1] == (
            "一支部撤回了党员张党员的组织关系转接申请。"
        )
        before = _state(world.member)
    # Withdrawn: neither a second withdrawal nor an acceptance does anything.
    again = post(secretary, url, {})
    assert again.status_code == 200 and "已被转出方撤回" in again.get_data(as_text=True)
    committee = _client(app, "committee")
    accept = post(
        committee, f"/manage/transfers/{transfer_id}/accept", {"accept-placed": sides["second"]}
    )
    assert accept.status_code == 200 and "已被转出方撤回" in accept.get_data(as_text=True)
    with app.app_context():
        assert _state(world.member) == before
    # The receiving side may not withdraw, the sender may not accept.
    second = _request(app, world)
    assert post(committee, f"/manage/transfers/{second}/withdraw", {}).status_code == 403
    assert (
        post(
            secretary,
            f"/manage/transfers/{second}/accept",
            {"accept-placed": sides["second"]},
        ).status_code
        == 403
    )


def test_a_double_click_accepts_once(app, world, sides):
    transfer_id = _request(app, world)
    committee = _client(app, "committee")
    url = f"/manage/transfers/{transfer_id}/accept"
    assert post(committee, url, {"accept-placed": sides["second"]}).status_code == 302
    with app.app_context():
        after = _state(world.member)
    again = post(committee, url, {"accept-placed": sides["second"]})
    assert again.status_code == 200 and "该申请已被接收" in again.get_data(as_text=True)
    with app.app_context():
        assert _state(world.member) == after


def test_one_pending_request_per_member(app, world, sides):
    _request(app, world)
    with app.app_context():
        before = _state(world.member)
        to_id = find_org("二支部").id
    response = post(
        _client(app, "secretary"),
        f"/manage/transfers/new/{world.member}",
        {"to_org": str(to_id), "reason": "再申请一次"},
    )
    assert response.status_code == 200
    assert "已有一份待接收的转接申请" in response.get_data(as_text=True)
    with app.app_context():
        assert _state(world.member) == before
        # The schema holds the rule too, whatever gets past the service.
        with pytest.raises(IntegrityError), db.session.begin_nested():
            db.session.add(
                Transfer(
                    member_id=world.member,
                    from_org_id=find_org("一支部").id,
                    to_org_id=to_id,
                    reason="绕过检查",
                )
            )
            db.session.flush()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"reason": "调动"}, "请先搜索并选择接收党组织。"),
        ({"to_org": "一支部", "reason": "调动"}, "请先搜索并选择接收党组织。"),
        ({"to_org": "{home}", "reason": "调动"}, "与当前组织关系所在党组织相同"),
        ({"to_org": "{other}", "reason": " "}, "请填写转出原因。"),
        ({"to_org": "{other}", "reason": "长" * 201}, "转出原因最多 200 个字。"),
        ({"to_org": "{closed}", "reason": "调动"}, "“已撤销支部”已撤销，不能再转入。"),
    ],
)
def test_a_refused_request_says_why_and_files_nothing(app, world, data, message):
    with app.app_context():
        closed = create_org("已撤销支部", "branch", find_org("区委"))
        closed.closed_at = utcnow()
        db.session.commit()
        ids = {
            "home": find_org("一支部").id,
            "other": find_org("二支部").id,
            "closed": closed.id,
        }
        before = _state(world.member)
    data = {key: value.format(**ids) for key, value in data.items()}
    response = post(_client(app, "secretary"), f"/manage/transfers/new/{world.member}", data)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert _state(world.member) == before


def test_a_member_moved_meanwhile_cannot_be_accepted(app, world, sides):
    transfer_id = _request(app, world)
    with app.app_context():
        # The sending side's own admin moves the member elsewhere in the meantime (a merge).
        admin = _user(world.admin)
        orgs.merge_orgs(admin, find_org("一支部"), find_org("二支部"))
        db.session.commit()
        before = _state(world.member)
    response = post(
        _client(app, "committee"),
        f"/manage/transfers/{transfer_id}/accept",
        {"accept-placed": sides["second"]},
    )
    assert response.status_code == 200
    assert "已不在“一支部”（现在：二支部），申请已失效" in response.get_data(as_text=True)
    with app.app_context():
        assert _state(world.member) == before


def test_a_receiving_organisation_merged_meanwhile_is_refused(app, world, sides):
    transfer_id = _request(app, world, to="驻深圳支部")
    with app.app_context():
        orgs.merge_orgs(_user(world.admin), find_org("驻深圳支部"), find_org("驻深圳二支部"))
        db.session.commit()
        before = _state(world.member)
        placed = find_org("驻深圳支部").id
    response = post(
        _client(app, "committee"),
        f"/manage/transfers/{transfer_id}/accept",
        {"accept-placed": str(placed)},
    )
    assert response.status_code == 200
    assert "接收党组织“驻深圳支部”已合并，不能再转入。" in response.get_data(as_text=True)
    with app.app_context():
        transfer = db.session.get(Transfer, transfer_id)
        with pytest.raises(transfers.TransferError, match="“驻深圳支部”已合并"):
            transfers.accept_transfer(_user(world.committee_secretary), transfer, transfer.to_org)
        db.session.rollback()
        assert _state(world.member) == before


def test_acceptance_only_into_the_receiving_subtree(app, world, sides):
    transfer_id = _request(app, world)
    with app.app_context():
        transfer = db.session.get(Transfer, transfer_id)
        before = _state(world.member)
        with pytest.raises(transfers.TransferError, match="只能转入“工委”或其下级党组织"):
            transfers.accept_transfer(_user(world.admin), transfer, find_org("二支部"))
        db.session.rollback()
        assert _state(world.member) == before


def test_a_large_receiving_subtree_is_searched(app, world, sides, monkeypatch):
    monkeypatch.setattr(transfers, "PLACEMENT_LIMIT", 2)
    transfer_id = _request(app, world)
    committee = _client(app, "committee")
    url = f"/manage/transfers/{transfer_id}"
    page = committee.get(url).get_data(as_text=True)
    # 工委 itself, and one of its two branches.
    assert "只列出了前 2 个党组织，请搜索" in page and page.count(">工委 › 驻深圳") == 1
    found = committee.get(f"{url}?q=二支部").get_data(as_text=True)
    assert ">工委 › 驻深圳二支部<" in found and ">工委 › 驻深圳支部<" not in found
    # Outside the receiving subtree: refused whatever is posted.
    with app.app_context():
        before = _state(world.member)
        elsewhere = find_org("二支部").id
    refused = post(committee, f"{url}/accept", {"accept-placed": str(elsewhere)})
    assert "只能转入“工委”或其下级党组织" in refused.get_data(as_text=True)
    unchosen = post(committee, f"{url}/accept", {})
    assert "请选择党员转入的党组织。" in unchosen.get_data(as_text=True)
    with app.app_context():
        assert _state(world.member) == before
    accepted = post(committee, f"{url}/accept", {"accept-placed": str(sides["second"])})
    assert accepted.status_code == 302


def test_only_the_home_side_may_request(app, world, sides):
    # The host committee manages 陈流动 day to day but does not keep the membership.
    committee = _client(app, "committee")
    assert committee.get(f"/manage/transfers/new/{world.floating}").status_code == 403
    assert _client(app, "viewer").get(f"/manage/transfers/new/{world.member}").status_code == 403
    assert committee.get(f"/manage/transfers/new/{world.member}").status_code == 404


def test_a_direct_move_stays_inside_the_subtree_the_editor_manages(app, world, sides):
    with app.app_context():
        third = create_org("一支部第一党小组", "branch", find_org("一支部"))
        db.session.commit()
        third_id = third.id
        before = _state(world.member)
        today = local_today().isoformat()
    secretary = _client(app, "secretary")
    url = f"/manage/members/{world.member}/flow"
    # Elsewhere: refused, pointing at the request.
    outside = post(
        secretary,
        url,
        {"flow-kind": "transfer", "flow-occurred_on": today, "flow-org": "二支部"},
    )
    assert outside.status_code == 200
    assert "“二支部”不在您管理的范围内：请在党员页面发起组织关系转接申请" in outside.get_data(
        as_text=True
    )
    with app.app_context():
        assert _state(world.member) == before
    # Between two of their own organisations: direct.
    inside = post(
        secretary,
        url,
        {"flow-kind": "transfer", "flow-occurred_on": today, "flow-org": "一支部第一党小组"},
    )
    assert inside.status_code == 302
    with app.app_context():
        assert _user(world.member).home_org_id == third_id


def test_the_host_side_cannot_pull_the_membership_directly(app, world):
    with app.app_context():
        member = _user(world.floating)
        with pytest.raises(RegistryError, match="只有党员组织关系所在的党组织可以转出"):
            flows.check_direct_move(
                _user(world.committee_secretary), "transfer", member, find_org("驻深圳支部")
            )


def test_a_direct_transfer_waits_for_a_pending_request(app, world, sides):
    _request(app, world)
    with app.app_context():
        before = _state(world.member)
        with pytest.raises(RegistryError, match="待接收的组织关系转接申请"):
            flows.record_flow(
                _user(world.admin),
                _user(world.member),
                "transfer",
                local_today(),
                find_org("二支部"),
            )
        db.session.rollback()
        assert _state(world.member) == before


def test_overdue_requests_are_urgent_on_the_workbench(app, world, sides):
    transfer_id = _request(app, world)
    with app.test_request_context():
        transfer = db.session.get(Transfer, transfer_id)
        transfer.requested_at = utcnow() - timedelta(days=transfers.OVERDUE_DAYS + 2)
        db.session.commit()
        tally = transfers.workbench_part(_user(world.committee_secretary), local_today())
        assert (tally["transfers"].count, tally["transfers"].urgent) == (1, 1)
        # Admins decide anywhere; members and viewers get no tile.
        assert transfers.workbench_part(_user(world.admin), local_today())["transfers"].count == 1
        assert transfers.workbench_part(_user(world.member), local_today()) == {}
        assert transfers.workbench_part(_user(world.viewer), local_today()) == {}


def test_history_is_not_shown_to_other_branches(app, world, sides):
    transfer_id = _request(app, world)
    # 李书记 of 二支部 is neither side of this request.
    assert _client(app, "receiver").get(f"/manage/transfers/{transfer_id}").status_code == 404
    listing = _client(app, "receiver").get("/manage/transfers/").get_data(as_text=True)
    assert "张党员" not in listing


def test_last_years_reports_keep_the_member_at_the_sending_branch(app, world, sides):
    with app.app_context():
        today = local_today()
        last = today.year - 1
        archive.append_offline(
            _user(world.member),
            title="集中学习",
            hours=Decimal("40"),
            completed_at=datetime(last, 6, 10, 4, tzinfo=UTC),
            recorded_by=_user(world.admin),
        )
        db.session.commit()
        branch_a, committee_id = find_org("一支部").id, find_org("工委").id
    transfer_id = _request(app, world)
    response = post(
        _client(app, "committee"),
        f"/manage/transfers/{transfer_id}/accept",
        {"accept-placed": str(sides["second"]), "accept-note": ""},
    )
    assert response.status_code == 302
    sender, receiver = _client(app, "secretary"), _client(app, "committee")

    def listed(client, org_id: int, year: int) -> tuple[bool, str]:
        page = client.get(f"/reports/{org_id}/members?year={year}").get_data(as_text=True)
        return "张党员" in page, page

    # Last year: the sending branch still lists the member, with that year's 学时 met.
    shown, page = listed(sender, branch_a, last)
    assert shown and "已达标" in page
    # The archive is the receiving side's to open now: the name leads nowhere it would refuse.
    archive_url = f"/archive/members/{world.member}"
    assert f'href="{archive_url}?' not in page and "现不在您的管理范围内" in page
    assert sender.get(archive_url).status_code == 404
    grid = sender.get(f"/reports/{branch_a}/grid?year={last}").get_data(as_text=True)
    assert "张党员" in grid and f'href="{archive_url}?' not in grid
    export = sender.get(f"/reports/{branch_a}/members.csv?year={last}").data.decode("utf-8-sig")
    assert "张党员" in export and "一支部" in export
    assert not listed(receiver, committee_id, last)[0]
    # This year: the receiving side's.
    assert not listed(sender, branch_a, today.year)[0]
    shown, page = listed(receiver, committee_id, today.year)
    assert shown and f'href="{archive_url}?' in page
    assert receiver.get(archive_url).status_code == 200
