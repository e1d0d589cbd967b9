"""The member registry: profiles, phone masking, flow events, notes, scope and "who looked"."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event, func, select

from school.archive import services as archive
from school.archive.models import ArchiveAccess, ArchiveEntry
from school.auth.models import User
from school.cards.models import MemberCard
from school.clock import local_today
from school.db import db, utcnow
from school.members import flows, services
from school.members.models import FlowEvent, ManagementNote
from school.members.services import RegistryError, mask_phone
from school.orgs.services import create_org, find_org
from tests.conftest import login, post

PHONE = "13812345678"
MASKED = "138****5678"


def _client(app, username):
    client = app.test_client()
    login(client, username)
    return client


def _user(user_id: int) -> User:
    return db.session.get(User, user_id)


def _snapshot(user_id: int) -> dict:
    """The registry fields and organisations of a member, to prove a refusal changed nothing."""
    db.session.expire_all()
    user = _user(user_id)
    keys = [
        "name",
        "gender",
        "phone",
        "joined_party_on",
        "membership_no",
        "certificate_no",
        "current_city",
        "flowed_out_on",
        "flow_reason",
        "is_floating",
        "home_org_id",
        "host_org_id",
    ]
    return {key: getattr(user, key) for key in keys}


def _events(user_id: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(FlowEvent).where(FlowEvent.member_id == user_id)
    )


def _notes(user_id: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(ManagementNote).where(ManagementNote.member_id == user_id)
    )


def _float(user_id: int) -> None:
    """build_world gives 陈流动 a host but does not mark them floating."""
    user = _user(user_id)
    user.is_floating = True
    user.current_city = "深圳"
    db.session.commit()


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812345678", "138****5678"),
        (" 138 1234 5678 ", "138****5678"),
        ("0571-12345678", "0571-****5678"),
        ("021-1234", "021-****"),
        ("12345678", "123****5678"),
        ("12345", "****45"),
        ("123", "****"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_phone_hides_the_middle_and_never_the_length(phone, masked):
    assert mask_phone(phone) == masked


# Phone numbers: the member's own managing staff and the member see it; viewers and admins don't.


def test_phone_is_shown_to_the_managing_secretary_and_masked_for_viewer_and_admin(app, world):
    with app.app_context():
        _user(world.member).phone = PHONE
        db.session.commit()
    for username, full in (("secretary", True), ("viewer", False), ("admin", False)):
        client = _client(app, username)
        for url in (f"/manage/members/{world.member}", "/manage/members/?q=张党员"):
            page = client.get(url).get_data(as_text=True)
            assert (PHONE in page) is full, (username, url)
            assert (MASKED in page) is not full, (username, url)


def test_email_is_shown_by_the_phones_rule(app, world):
    with app.app_context():
        _user(world.member).email = "zhang.dangyuan@example.cn"
        db.session.commit()
    for username, full in (("secretary", True), ("viewer", False), ("admin", False)):
        page = _client(app, username).get(f"/manage/members/{world.member}").get_data(True)
        assert ("zhang.dangyuan@example.cn" in page) is full, username
        assert ("z***@example.cn" in page) is not full, username


@pytest.mark.parametrize(
    ("email", "masked"),
    [("zhang@example.cn", "z***@example.cn"), ("a@b.cn", "a***@b.cn"), (None, ""), ("", "")],
)
def test_mask_email_keeps_the_first_letter_and_the_domain(email, masked):
    assert services.mask_email(email) == masked


def test_member_sees_their_own_full_phone_on_the_profile(app, world):
    with app.app_context():
        _user(world.member).phone = PHONE
        db.session.commit()
    page = _client(app, "member").get("/profile/").get_data(as_text=True)
    assert PHONE in page and "张党员" in page and "一支部" in page


# Profile edits


def _profile(**overrides) -> dict:
    return {
        "name": "张党员",
        "gender": "female",
        "phone": PHONE,
        "joined_party_on": "2010-07-01",
        "membership_no": "DY-0001",
        "certificate_no": "LD-88",
        "current_city": "",
        "flowed_out_on": "",
        "flow_reason": "",
        **overrides,
    }


def test_secretary_edits_the_registry_entry(app, world):
    client = _client(app, "secretary")
    response = post(client, f"/manage/members/{world.member}/edit", _profile())
    assert response.status_code == 302
    assert response.headers["Location"] == f"/manage/members/{world.member}"
    with app.app_context():
        member = _user(world.member)
        assert (member.gender, member.phone, member.membership_no) == ("female", PHONE, "DY-0001")
        assert member.joined_party_on == date(2010, 7, 1) and member.certificate_no == "LD-88"
    assert "登记信息已保存" in client.get(f"/manage/members/{world.member}").get_data(as_text=True)


def test_landline_numbers_are_accepted(app, world):
    client = _client(app, "secretary")
    post(client, f"/manage/members/{world.member}/edit", _profile(phone="0571-12345678"))
    with app.app_context():
        assert _user(world.member).phone == "0571-12345678"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"phone": "12345"}, "电话号码格式不正确"),
        ({"phone": "23812345678"}, "电话号码格式不正确"),
        ({"membership_no": "TAKEN-1"}, "已被其他党员使用"),
        ({"joined_party_on": "2999-01-01"}, "入党日期不能晚于今天"),
        ({"joined_party_on": "不是日期"}, "日期格式不正确"),
        ({"gender": "other"}, "性别只能是男或女"),
        ({"name": "  "}, "请填写姓名"),
    ],
)
def test_profile_edit_refusals_change_nothing(app, world, overrides, message):
    with app.app_context():
        _user(world.other_member).membership_no = "TAKEN-1"
        db.session.commit()
        before = _snapshot(world.member)
    client = _client(app, "secretary")
    response = post(client, f"/manage/members/{world.member}/edit", _profile(**overrides))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page
    with app.app_context():
        assert _snapshot(world.member) == before


def test_viewer_may_look_but_not_edit(app, world):
    with app.app_context():
        before = _snapshot(world.member)
    client = _client(app, "viewer")
    assert client.get(f"/manage/members/{world.member}").status_code == 200
    assert client.get(f"/manage/members/{world.member}/edit").status_code == 403
    response = post(client, f"/manage/members/{world.member}/edit", _profile(name="改名"))
    assert response.status_code == 403
    assert (
        post(client, f"/manage/members/{world.member}/flow", _flow("flow_out")).status_code == 403
    )
    note = _note(1, "x")
    assert post(client, f"/manage/members/{world.member}/notes", note).status_code == 403
    page = client.get(f"/manage/members/{world.member}").get_data(as_text=True)
    assert "修改登记信息" not in page and "记录流动情况" not in page and "添加管理记录" not in page
    with app.app_context():
        assert _snapshot(world.member) == before
        assert _events(world.member) == 0 and _notes(world.member) == 0


# Scope: a guessed URL outside the secretary's subtree


def test_secretary_cannot_see_or_change_a_member_of_another_branch(app, world):
    with app.app_context():
        before = _snapshot(world.other_member)
    client = _client(app, "secretary")
    base = f"/manage/members/{world.other_member}"
    assert client.get(base).status_code == 404
    assert client.get(f"{base}/edit").status_code == 404
    assert post(client, f"{base}/edit", _profile(name="李改名")).status_code == 404
    assert post(client, f"{base}/flow", _flow("flow_out", city="北京")).status_code == 404
    note = _note(1, "越权")
    assert post(client, f"{base}/notes", note).status_code == 404
    listing = client.get("/manage/members/?q=李").get_data(as_text=True)
    assert "李党员" not in listing and "共 0 人" in listing
    with app.app_context():
        assert _snapshot(world.other_member) == before
        assert _events(world.other_member) == 0 and _notes(world.other_member) == 0


def test_members_and_instructors_have_no_registry(app, world):
    for username in ("member", "instructor"):
        client = _client(app, username)
        assert client.get(f"/manage/members/{world.member}").status_code == 403


# Flow events


def _flow(kind: str, on: str = "2024-03-01", org: str = "", city: str = "", note: str = "") -> dict:
    data = {"kind": kind, "occurred_on": on, "org": org, "city": city, "note": note}
    return {f"flow-{key}": value for key, value in data.items()}


def _note(org_id: int | str, body: str, on: str = "2024-04-01") -> dict:
    return {"note-org": str(org_id), "note-occurred_on": on, "note-body": body}


def test_flow_out_arrive_change_and_return_through_the_page(app, world):
    with app.app_context():
        guangzhou = create_org("驻广州支部", "outbound_branch", find_org("工委"), city="广州")
        guangzhou.code = "GZ-01"
        db.session.commit()
    client = _client(app, "secretary")
    url = f"/manage/members/{world.member}/flow"

    response = post(client, url, _flow("flow_out", "2024-03-01", city="深圳", note="务工"))
    assert response.status_code == 302
    with app.app_context():
        member = _user(world.member)
        assert member.is_floating and member.current_city == "深圳"
        assert member.flowed_out_on == date(2024, 3, 1) and member.flow_reason == "务工"
        assert member.host_org is None

    assert post(client, url, _flow("arrive", "2024-03-10", org="驻深圳支部")).status_code == 302
    with app.app_context():
        assert _user(world.member).host_org.name == "驻深圳支部"

    # By code: names such as 第一党支部 repeat across the tree, codes do not.
    assert post(client, url, _flow("change_host", "2024-06-01", org="GZ-01")).status_code == 302
    with app.app_context():
        member = _user(world.member)
        assert member.host_org.name == "驻广州支部" and member.current_city == "广州"

    assert post(client, url, _flow("return", "2024-12-20")).status_code == 302
    with app.app_context():
        member = _user(world.member)
        assert not member.is_floating and member.host_org is None
        assert member.current_city is None and member.home_org.name == "一支部"
        events = db.session.scalars(
            select(FlowEvent).where(FlowEvent.member_id == world.member).order_by(FlowEvent.id)
        ).all()
        assert [e.kind for e in events] == ["flow_out", "arrive", "change_host", "return"]
        assert [(e.from_org and e.from_org.name, e.to_org and e.to_org.name) for e in events] == [
            ("一支部", None),
            (None, "驻深圳支部"),
            ("驻深圳支部", "驻广州支部"),
            ("驻广州支部", "一支部"),
        ]
        assert {e.recorded_by_id for e in events} == {world.secretary}

    page = client.get(f"/manage/members/{world.member}").get_data(as_text=True)
    # Newest first.
    order = [
        page.index(label) for label in ("返回原籍", "变更流入地", "到达流入地报到", "外出流动")
    ]
    assert order == sorted(order)
    assert "驻广州支部 → 一支部" in page
    # The member sees the same history on their own page.
    own = _client(app, "member").get("/profile/").get_data(as_text=True)
    assert "变更流入地" in own and "驻深圳支部 → 驻广州支部" in own


def test_transfer_moves_the_membership_and_the_archive_follows(app, world):
    with app.app_context():
        member = _user(world.member)
        archive.append_offline(
            member,
            title="春节返乡培训",
            hours=Decimal(8),
            completed_at=utcnow(),
            recorded_by=_user(world.secretary),
        )
        db.session.commit()
    # An admin moves the member directly (a branch secretary would file a request to the other
    # branch: tests/members/test_transfers.py).
    client = _client(app, "admin")
    response = post(client, f"/manage/members/{world.member}/flow", _flow("transfer", org="二支部"))
    assert response.status_code == 302
    assert _client(app, "secretary").get(f"/manage/members/{world.member}").status_code == 404
    with app.app_context():
        member = _user(world.member)
        assert member.home_org.name == "二支部"
        event = db.session.scalar(select(FlowEvent).where(FlowEvent.member_id == world.member))
        assert (event.kind, event.from_org.name, event.to_org.name) == (
            "transfer",
            "一支部",
            "二支部",
        )
        entries = db.session.scalars(
            select(ArchiveEntry.title).where(ArchiveEntry.member_id == world.member)
        ).all()
        assert entries == ["春节返乡培训"]
    page = _client(app, "admin").get(f"/archive/members/{world.member}").get_data(as_text=True)
    assert "春节返乡培训" in page


def test_transfer_of_a_floating_member_to_their_host_ends_floating(app, world):
    with app.app_context():
        _float(world.floating)
        committee = _user(world.committee_secretary)
        member = _user(world.floating)
        flows.record_flow(committee, member, "transfer", date(2024, 5, 1), find_org("驻深圳支部"))
        db.session.commit()
        member = _user(world.floating)
        assert member.home_org.name == "驻深圳支部" and member.host_org is None
        assert not member.is_floating and member.current_city is None


def test_transfer_elsewhere_keeps_a_floating_member_floating(app, world):
    with app.app_context():
        _float(world.floating)
        member = _user(world.floating)
        flows.record_flow(
            _user(world.admin), member, "transfer", date(2024, 5, 1), find_org("一支部")
        )
        db.session.commit()
        member = _user(world.floating)
        assert member.home_org.name == "一支部" and member.host_org.name == "驻深圳支部"
        assert member.is_floating


@pytest.mark.parametrize(
    ("setup", "kind", "org", "message"),
    [
        ("settled", "arrive", "驻深圳支部", "不是流动党员"),
        ("settled", "change_host", "驻深圳支部", "不是流动党员"),
        ("settled", "return", None, "不是流动党员"),
        ("floating", "flow_out", None, "已是流动党员"),
        ("floating", "arrive", "工委", "已在“驻深圳支部”报到"),
        ("floating", "change_host", "驻深圳支部", "与当前流入地相同"),
        ("floating", "change_host", None, "请填写流入地党组织"),
        ("floating", "change_host", "二支部", "不能是流出地党组织本身"),
        ("floating", "transfer", "二支部", "相同"),
        ("floating", "transfer", None, "请填写转入的党组织"),
        ("floating", "transfer", "已撤销支部", "已撤销"),
        ("floating", "nonsense", None, "请选择流动类型"),
    ],
)
def test_impossible_flow_steps_are_refused_and_change_nothing(
    app, world, setup, kind, org, message
):
    with app.app_context():
        closed = create_org("已撤销支部", "branch", find_org("区委"))
        closed.closed_at = utcnow()
        if setup == "floating":
            _float(world.floating)
        db.session.commit()
        before = _snapshot(world.floating)
        target = find_org(org) if org else None
        with pytest.raises(RegistryError, match=message):
            flows.record_flow(
                _user(world.admin), _user(world.floating), kind, date(2024, 1, 1), target
            )
        db.session.rollback()
        assert _snapshot(world.floating) == before and _events(world.floating) == 0


def test_flow_dates_in_the_future_are_refused(app, world):
    with app.app_context(), pytest.raises(RegistryError, match="不能晚于今天"):
        flows.record_flow(
            _user(world.admin),
            _user(world.member),
            "flow_out",
            local_today() + timedelta(days=1),
        )


def test_a_refused_flow_on_the_page_shows_why_and_changes_nothing(app, world):
    with app.app_context():
        before = _snapshot(world.member)
    client = _client(app, "secretary")
    url = f"/manage/members/{world.member}/flow"
    for data, message in (
        (_flow("return"), "不是流动党员"),
        (_flow("transfer", org="一支部"), "相同"),
        (_flow("arrive", org="没有这个组织"), "找不到组织"),
        (_flow("flow_out", on=""), "请填写发生日期"),
    ):
        response = post(client, url, data)
        assert response.status_code == 200
        assert message in response.get_data(as_text=True), message
    with app.app_context():
        assert _snapshot(world.member) == before and _events(world.member) == 0


# The host side


def test_the_host_committee_sees_and_records_for_its_floating_member(app, world):
    with app.app_context():
        _float(world.floating)
        _user(world.floating).phone = PHONE
        create_org("驻广州支部", "outbound_branch", find_org("工委"), city="广州")
        db.session.commit()
    client = _client(app, "committee")
    page = client.get(f"/manage/members/{world.floating}").get_data(as_text=True)
    assert "陈流动" in page and PHONE in page and "二支部" in page and "驻深圳支部" in page
    listing = client.get("/manage/members/?relation=host&floating=1").get_data(as_text=True)
    assert "陈流动" in listing
    assert "陈流动" not in client.get("/manage/members/?relation=home").get_data(as_text=True)
    url = f"/manage/members/{world.floating}"
    assert post(client, f"{url}/flow", _flow("change_host", org="驻广州支部")).status_code == 302
    with app.app_context():
        note = _note(find_org("工委").id, "参加驻外支部主题党日。")
    assert post(client, f"{url}/notes", note).status_code == 302
    with app.app_context():
        member = _user(world.floating)
        assert member.host_org.name == "驻广州支部"
        saved = db.session.scalar(
            select(ManagementNote).where(ManagementNote.member_id == member.id)
        )
        assert (saved.org.name, saved.recorded_by_id) == ("工委", world.committee_secretary)
    # The home branch's staff would see the host's note on the member page as well.
    assert "参加驻外支部主题党日" in _client(app, "admin").get(url).get_data(as_text=True)


# Management notes


def test_notes_are_written_in_the_name_of_the_actors_own_organisation(app, world):
    with app.app_context():
        _float(world.floating)
        secretary, committee, admin = (
            _user(world.secretary),
            _user(world.committee_secretary),
            _user(world.admin),
        )
        member, floating = _user(world.member), _user(world.floating)
        assert [o.name for o in services.note_orgs(secretary, member)] == ["一支部"]
        assert services.note_orgs(secretary, floating) == []
        assert [o.name for o in services.note_orgs(committee, floating)] == ["工委"]
        # A viewer grant reaches the member but writes nothing.
        assert services.note_orgs(_user(world.viewer), member) == []
        with pytest.raises(RegistryError, match="党组织名义"):
            services.add_note(secretary, member, find_org("二支部"), date(2024, 1, 2), "越权")
        with pytest.raises(RegistryError, match="党组织名义"):
            services.add_note(secretary, floating, None, date(2024, 1, 2), "越权")
        # Admins write for the host organisation when there is one, else the home one.
        assert services.add_note(admin, floating, None, date(2024, 1, 2), "a").org.name == (
            "驻深圳支部"
        )
        assert services.add_note(admin, member, None, date(2024, 1, 2), "b").org.name == "一支部"
        note = services.add_note(secretary, member, None, date(2024, 1, 3), "  谈心谈话一次。 ")
        assert (note.org.name, note.body) == ("一支部", "谈心谈话一次。")
        with pytest.raises(RegistryError, match="不能晚于今天"):
            services.add_note(secretary, member, None, local_today() + timedelta(days=1), "明天")


def test_note_page_round_trip_and_refusal(app, world):
    with app.app_context():
        org_id = find_org("一支部").id
    client = _client(app, "secretary")
    url = f"/manage/members/{world.member}/notes"
    empty = post(client, url, _note(org_id, " "))
    assert empty.status_code == 200 and "请填写记录内容" in empty.get_data(as_text=True)
    with app.app_context():
        assert _notes(world.member) == 0
    data = _note(org_id, "<b>按时交纳党费</b>")
    assert post(client, url, data).status_code == 302
    page = client.get(f"/manage/members/{world.member}").get_data(as_text=True)
    assert "&lt;b&gt;按时交纳党费&lt;/b&gt;" in page and "赵书记" in page


# The member card's state on the member page


def test_card_state_is_shown_and_only_managers_get_the_revoke_button(app, world):
    client = _client(app, "secretary")
    assert "未申领" in client.get(f"/manage/members/{world.member}").get_data(as_text=True)
    with app.app_context():
        now = datetime.now(UTC)
        card = MemberCard(
            member_id=world.member, serial="s-1", issued_at=now, expires_at=now + timedelta(days=9)
        )
        db.session.add(card)
        db.session.commit()
        has_revoke = "cards.revoke" in app.view_functions
    revoke_url = f"/manage/members/{world.member}/card/revoke"
    page = client.get(f"/manage/members/{world.member}").get_data(as_text=True)
    assert "有效" in page
    assert (revoke_url in page) is has_revoke
    viewer_page = _client(app, "viewer").get(f"/manage/members/{world.member}")
    assert revoke_url not in viewer_page.get_data(as_text=True)
    with app.app_context():
        db.session.get(MemberCard, card.id).revoked_at = datetime.now(UTC)
        db.session.commit()
    page = client.get(f"/manage/members/{world.member}").get_data(as_text=True)
    assert "已撤销" in page and revoke_url not in page


# The list


def test_list_filters_by_name_number_and_floating(app, world):
    with app.app_context():
        _user(world.member).membership_no = "A-100"
        _float(world.floating)
        db.session.commit()
    admin = _client(app, "admin")
    by_number = admin.get("/manage/members/?q=A-1").get_data(as_text=True)
    assert "张党员" in by_number and "李党员" not in by_number
    floating = admin.get("/manage/members/?floating=1").get_data(as_text=True)
    assert "陈流动" in floating and "张党员" not in floating
    by_org = admin.get("/manage/members/?org=二支部").get_data(as_text=True)
    assert "李党员" in by_org and "陈流动" in by_org and "张党员" not in by_org
    unknown = admin.get("/manage/members/?org=火星支部").get_data(as_text=True)
    assert "找不到组织" in unknown
    # An organisation outside the secretary's subtree narrows to nothing, never widens.
    secretary = _client(app, "secretary")
    outside = secretary.get("/manage/members/?org=二支部").get_data(as_text=True)
    assert "李党员" not in outside and "陈流动" not in outside


def test_list_pages_by_fifty_in_name_order(app, world):
    with app.app_context():
        branch = find_org("一支部")
        for number in range(55):
            user = User(username=f"bulk{number:02d}", name=f"批量{number:02d}", password_hash="x")
            user.home_org = branch
            db.session.add(user)
        db.session.commit()
    client = _client(app, "secretary")
    first = client.get("/manage/members/?q=批量").get_data(as_text=True)
    assert "批量00" in first and "批量49" in first and "批量50" not in first
    assert "第 1/2 页" in first and "page=2" in first and "q=" in first
    second = client.get("/manage/members/?q=批量&page=2").get_data(as_text=True)
    assert "批量50" in second and "批量54" in second and "批量49" not in second


# Who looked at my archive


def test_member_sees_who_looked_at_their_archive(app, world):
    assert _client(app, "secretary").get(f"/archive/members/{world.member}").status_code == 200
    member = _client(app, "member")
    member.get("/archive/")  # looking at one's own archive is not logged
    page = member.get("/profile/").get_data(as_text=True)
    assert "谁查看了我的学习档案" in page
    assert "赵书记" in page and "一支部" in page and "共 1 次" in page
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(ArchiveAccess)
                .where(ArchiveAccess.member_id == world.member)
            )
            == 1
        )
    # Another member's profile page says nothing about it.
    assert "赵书记" not in _client(app, "other").get("/profile/").get_data(as_text=True)


def test_who_looked_is_newest_first_and_paginated(app, world):
    with app.app_context():
        start = datetime(2024, 1, 1, tzinfo=UTC)
        for n in range(25):
            viewer = world.secretary if n < 24 else world.viewer
            db.session.add(
                ArchiveAccess(
                    viewer_id=viewer, member_id=world.member, viewed_at=start + timedelta(hours=n)
                )
            )
        db.session.commit()
    client = _client(app, "member")
    first = client.get("/profile/").get_data(as_text=True)
    assert "共 25 次" in first and "第 1/2 页" in first
    assert first.index("孙查看") < first.index("赵书记")  # the latest look is the viewer's
    second = client.get("/profile/?page=2").get_data(as_text=True)
    assert "孙查看" not in second and "赵书记" in second


def test_profile_needs_a_login(client, world):
    response = client.get("/profile/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_list_loads_organisations_per_page_not_per_row(app, world, engine):
    statements = []

    def count(*_args):
        statements.append(1)

    def queries_for_list() -> int:
        client = _client(app, "secretary")
        statements.clear()
        event.listen(engine, "before_cursor_execute", count)
        try:
            assert client.get("/manage/members/").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(statements)

    def add_rows(start: int, n: int) -> None:
        with app.app_context():
            branch, host = find_org("一支部"), find_org("驻深圳支部")
            for number in range(start, start + n):
                user = User(username=f"row{number:02d}", name=f"行{number:02d}", password_hash="x")
                user.home_org, user.host_org, user.is_floating = branch, host, True
                db.session.add(user)
            db.session.commit()

    add_rows(0, 1)
    few = queries_for_list()
    add_rows(1, 30)
    assert queries_for_list() == few
