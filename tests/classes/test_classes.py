"""Training classes: enrolment and its waiting list, check-in by code, card and hand, the
archive entries attendance becomes, and the staff's pages; every refusal writes nothing."""

from __future__ import annotations

import io
import re
from datetime import time, timedelta
from decimal import Decimal

import pytest
from itsdangerous import URLSafeTimedSerializer
from openpyxl import load_workbook
from sqlalchemy import delete, func, select

from school.archive.models import ArchiveEntry
from school.auth.models import User
from school.cards import services as cards
from school.classes import services
from school.classes.models import Attendance, ClassSession, Enrolment, TrainingClass
from school.classes.services import ClassFields
from school.clock import local_today
from school.db import db, utcnow
from school.orgs.services import find_org
from tests.conftest import login, post

NUMBERS = {"member": "YZ001", "viewer": "YZ002", "other": "YZ003", "floating": "YZ004"}


def _make_class(
    world, *, capacity=None, enrolment="open", target="一支部", sessions=2, title="春节返乡培训班"
) -> tuple[int, list[int]]:
    secretary = db.session.get(User, world.secretary)
    for username, number in NUMBERS.items():
        db.session.scalar(select(User).where(User.username == username)).membership_no = number
    fields = ClassFields(
        title=title,
        kind="homecoming",
        place="南山镇党群服务中心",
        capacity=capacity,
        target_text="返乡流动党员",
        target_org=find_org(target) if target else None,
        enrolment=enrolment,
    )
    training_class = services.create_class(secretary, find_org("一支部"), fields)
    ids = []
    for n in range(sessions):
        ids.append(
            services.add_session(
                secretary,
                training_class,
                title=f"第{n + 1}讲",
                day=local_today() + timedelta(days=n),
                start=time(9),
                end=time(11, 30),
                hours=Decimal("2.5"),
            ).id
        )
    db.session.commit()
    return training_class.id, ids


@pytest.fixture
def klass(app, world):
    with app.app_context():
        return _make_class(world)


def _enrol(app, class_id: int, *user_ids: int) -> None:
    with app.app_context():
        training_class = db.session.get(TrainingClass, class_id)
        for user_id in user_ids:
            member = db.session.get(User, user_id)
            services.enrol(training_class, member, member)
        db.session.commit()


def _token(app, session_id: int, **sign) -> str:
    with app.app_context():
        return services.checkin_token(db.session.get(ClassSession, session_id), **sign)


def _entries(app, member_id: int) -> list[ArchiveEntry]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(ArchiveEntry)
                .where(ArchiveEntry.member_id == member_id, ArchiveEntry.source == "offline")
                .order_by(ArchiveEntry.id)
            )
        )


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _states(app, class_id: int) -> dict[int, str]:
    with app.app_context():
        return {
            e.member_id: e.state
            for e in db.session.scalars(select(Enrolment).where(Enrolment.class_id == class_id))
        }


# ---- enrolment and the waiting list ------------------------------------------------------


def test_a_member_enrols_and_a_full_class_puts_the_next_on_the_waiting_list(app, client, world):
    with app.app_context():
        class_id, _ = _make_class(world, capacity=1)
    login(client, "member")
    page = client.get("/classes/").get_data(as_text=True)
    assert "春节返乡培训班" in page and "可以报名的培训班" in page
    response = post(client, f"/classes/{class_id}/enrol", follow_redirects=True)
    assert "报名成功。" in response.get_data(as_text=True)

    other = app.test_client()
    login(other, "viewer")  # also a member of 一支部
    response = post(other, f"/classes/{class_id}/enrol", follow_redirects=True)
    assert "候补名单" in response.get_data(as_text=True)
    assert _states(app, class_id) == {world.member: "enrolled", world.viewer: "waiting"}

    # Enrolling twice takes no second place.
    post(client, f"/classes/{class_id}/enrol")
    assert _states(app, class_id) == {world.member: "enrolled", world.viewer: "waiting"}

    # The member cancels: the first on the waiting list takes the seat.
    post(client, f"/classes/{class_id}/cancel")
    assert _states(app, class_id) == {world.member: "cancelled", world.viewer: "enrolled"}

    # Enrolling again queues at the back of a full class.
    post(client, f"/classes/{class_id}/enrol")
    assert _states(app, class_id) == {world.member: "waiting", world.viewer: "enrolled"}


def test_a_member_outside_the_target_group_neither_sees_nor_enrols(app, client, world, klass):
    class_id, _ = klass
    login(client, "other")  # 二支部: the class is for 一支部
    assert "春节返乡培训班" not in client.get("/classes/").get_data(as_text=True)
    assert client.get(f"/classes/{class_id}").status_code == 404
    assert post(client, f"/classes/{class_id}/enrol").status_code == 404
    assert _states(app, class_id) == {}


def test_a_class_by_invitation_takes_no_self_enrolment(app, client, world):
    with app.app_context():
        class_id, _ = _make_class(world, enrolment="invite")
    login(client, "member")
    assert client.get(f"/classes/{class_id}").status_code == 404
    assert post(client, f"/classes/{class_id}/enrol").status_code == 404
    assert _states(app, class_id) == {}
    # Staff enrol the member: the class is then on their list and page.
    staff = app.test_client()
    login(staff, "secretary")
    response = post(staff, f"/manage/classes/{class_id}/enrol", {"member": str(world.member)})
    assert response.status_code == 302
    assert _states(app, class_id) == {world.member: "enrolled"}
    assert "已报名" in client.get(f"/classes/{class_id}").get_data(as_text=True)


def test_staff_enrol_in_bulk_by_ticking_and_pasting_numbers(app, client, world):
    with app.app_context():
        class_id, _ = _make_class(world, capacity=2)
    login(client, "secretary")
    page = client.get(f"/manage/classes/{class_id}/enrol").get_data(as_text=True)
    assert "张党员" in page and "李党员" not in page  # only 一支部's members to tick
    response = post(
        client,
        f"/manage/classes/{class_id}/enrol",
        {"member": [str(world.member)], "numbers": "YZ002\nYZ001，"},
        follow_redirects=True,
    )
    assert "已报名 2 人" in response.get_data(as_text=True)
    assert _states(app, class_id) == {world.member: "enrolled", world.viewer: "enrolled"}
    response = post(
        client,
        f"/manage/classes/{class_id}/enrol",
        {"member": [str(world.secretary)]},
        follow_redirects=True,
    )
    assert "候补 1 人" in response.get_data(as_text=True)
    assert _states(app, class_id)[world.secretary] == "waiting"


@pytest.mark.parametrize(
    ("numbers", "message"),
    [
        ("YZ001 NOPE-9", "党员编号“NOPE-9”不存在。"),
        # 二支部's member: refused without telling whose number it is.
        ("YZ001 YZ003", "有 1 名党员不在您管理的范围内。"),
        ("", "请勾选或填写要报名的党员。"),
    ],
)
def test_a_bulk_enrolment_with_a_bad_row_enrols_nobody(app, client, world, numbers, message):
    with app.app_context():
        class_id, _ = _make_class(world)
    login(client, "secretary")
    response = post(client, f"/manage/classes/{class_id}/enrol", {"numbers": numbers})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert "李党员" not in response.get_data(as_text=True)
    assert _states(app, class_id) == {}


# ---- check-in by phone -------------------------------------------------------------------


def test_an_enrolled_member_scanning_the_screen_is_checked_in_once(app, client, world, klass):
    class_id, (first, second) = klass
    _enrol(app, class_id, world.member)
    login(client, "member")
    token = _token(app, first)
    response = client.get(f"/classes/checkin/{token}")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "签到成功" in body
    assert "春节返乡培训班 · 第1讲" in body and "2.5 学时已记入您的学习档案" in body
    entries = _entries(app, world.member)
    assert [(e.title, e.hours, e.dedupe_key) for e in entries] == [
        ("春节返乡培训班 · 第1讲", Decimal("2.5"), f"class-session:{first}")
    ]
    with app.app_context():
        # Credited by the organiser who showed the code, dated when the session began.
        assert entries[0].recorded_by_id == world.secretary
        session = db.session.get(ClassSession, first)
        assert entries[0].completed_at == session.starts_at

    # Scanning again (the same code or a newer one) credits nothing twice.
    again = client.get(f"/classes/checkin/{_token(app, first)}")
    assert again.status_code == 200 and "您已签到" in again.get_data(as_text=True)
    assert len(_entries(app, world.member)) == 1
    assert _count(app, Attendance) == 1
    # The next session is a check-in of its own.
    client.get(f"/classes/checkin/{_token(app, second)}")
    assert len(_entries(app, world.member)) == 2
    # The archive page shows the class and session.
    assert "春节返乡培训班 · 第2讲" in client.get("/archive/").get_data(as_text=True)


def _forged(app, session_id: int) -> str:
    """A code made without the school's key: the right form, the wrong signature."""
    return URLSafeTimedSerializer("guessed-key", salt=services.SALT).dumps(session_id)


@pytest.mark.parametrize(
    ("make", "status", "message"),
    [
        # Photographed and sent on: a minute later it is worth nothing.
        (
            lambda app, sid: _token(app, sid, signed_at=utcnow() - timedelta(seconds=61)),
            400,
            "签到码已过期",
        ),
        (_forged, 400, "签到码无效"),
        (lambda app, sid: "not-a-code", 400, "签到码无效"),
        # A code signed for something else (a member card's link) is not a check-in code.
        (lambda app, sid: "member-card-token", 400, "签到码无效"),
        (
            lambda app, sid: _token(app, sid, signed_at=utcnow() + timedelta(minutes=5)),
            400,
            "签到码无效",
        ),
    ],
    ids=["expired", "forged", "garbage", "other-salt", "future"],
)
def test_a_bad_code_is_refused_and_writes_nothing(app, client, world, klass, make, status, message):
    class_id, (first, _) = klass
    _enrol(app, class_id, world.member)
    login(client, "member")
    token = make(app, first)
    if token == "member-card-token":
        with app.app_context():
            token = cards.sign_link(cards.current_card(db.session.get(User, world.member)))
            db.session.commit()
    response = client.get(f"/classes/checkin/{token}")
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert _entries(app, world.member) == []
    assert _count(app, Attendance) == 0


def test_a_member_not_enrolled_is_refused_and_told_how_to_enrol(app, client, world, klass):
    class_id, (first, _) = klass
    _enrol(app, class_id, world.viewer)
    with app.app_context():
        # 张党员 is on the waiting list of a full class: not a seat, not a check-in.
        db.session.get(TrainingClass, class_id).capacity = 1
        db.session.commit()
    _enrol(app, class_id, world.member)
    assert _states(app, class_id)[world.member] == "waiting"
    for username, user_id in (("member", world.member), ("other", world.other_member)):
        phone = app.test_client()
        login(phone, username)
        response = phone.get(f"/classes/checkin/{_token(app, first)}")
        body = response.get_data(as_text=True)
        assert response.status_code == 403
        assert "没有报名“春节返乡培训班”" in body and "报名" in body
        assert _entries(app, user_id) == []
    assert _count(app, Attendance) == 0


def test_checking_in_needs_a_login(app, client, world, klass):
    _, (first, _) = klass
    response = client.get(f"/classes/checkin/{_token(app, first)}")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert _count(app, Attendance) == 0


# ---- the organiser's side ----------------------------------------------------------------


def test_the_screen_shows_a_code_and_a_fresh_one_on_asking(app, client, world, klass):
    _, (first, _) = klass
    login(client, "secretary")
    page = client.get(f"/manage/classes/sessions/{first}/screen").get_data(as_text=True)
    assert "<svg" in page and "checkin-screen.js" in page
    url = re.search(r'data-url="([^"]+)"', page).group(1)
    assert "/classes/checkin/" in url
    code = client.get(f"/manage/classes/sessions/{first}/code").get_json()
    assert code["svg"].startswith("<svg") and "/classes/checkin/" in code["url"]
    with app.app_context():
        assert services.read_token(code["url"].rsplit("/", 1)[1]).id == first


def test_the_organiser_checks_in_by_card_once(app, client, world, klass):
    class_id, (first, _) = klass
    _enrol(app, class_id, world.member)
    with app.app_context():
        link = "https://school.example/card/v/" + cards.sign_link(
            cards.current_card(db.session.get(User, world.member))
        )
        db.session.commit()
    login(client, "secretary")
    url = f"/manage/classes/sessions/{first}/card"
    response = post(client, url, {"code": link}, follow_redirects=True)
    assert "张党员已签到。" in response.get_data(as_text=True)
    response = post(client, url, {"code": link}, follow_redirects=True)
    assert "此前已签到" in response.get_data(as_text=True)
    entries = _entries(app, world.member)
    assert len(entries) == 1 and entries[0].recorded_by_id == world.secretary
    with app.app_context():
        assert db.session.scalar(select(Attendance.method)) == "card"


def test_a_card_of_a_member_not_enrolled_checks_nobody_in(app, client, world, klass):
    _, (first, _) = klass
    with app.app_context():
        token = cards.sign_link(cards.current_card(db.session.get(User, world.member)))
        db.session.commit()
    login(client, "secretary")
    response = post(client, f"/manage/classes/sessions/{first}/card", {"code": token})
    assert response.status_code == 400
    assert "张党员没有报名" in response.get_data(as_text=True)
    response = post(client, f"/manage/classes/sessions/{first}/card", {"code": "nonsense"})
    assert response.status_code == 400 and "电子卡无效" in response.get_data(as_text=True)
    assert _count(app, Attendance) == 0 and _entries(app, world.member) == []


def test_ticking_names_by_hand_checks_in_all_or_none(app, client, world, klass):
    class_id, (first, _) = klass
    _enrol(app, class_id, world.member, world.viewer)
    login(client, "secretary")
    url = f"/manage/classes/sessions/{first}/attend"
    response = post(
        client, url, {"member": [str(world.member), str(world.secretary)]}, follow_redirects=True
    )
    assert "赵书记没有报名本培训班" in response.get_data(as_text=True)
    assert _count(app, Attendance) == 0
    response = post(
        client, url, {"member": [str(world.member), str(world.viewer)]}, follow_redirects=True
    )
    assert "已签到 2 人。" in response.get_data(as_text=True)
    assert len(_entries(app, world.member)) == 1 and len(_entries(app, world.viewer)) == 1
    post(client, url, {"member": [str(world.member)]})
    assert len(_entries(app, world.member)) == 1


def test_the_class_page_lists_attendance_no_shows_sheet_and_export(app, client, world, klass):
    class_id, (first, _) = klass
    _enrol(app, class_id, world.member, world.viewer)
    with app.app_context():
        session = db.session.get(ClassSession, first)
        # Begun an hour ago, whatever the time of day: no-shows are named once a session begins.
        length = session.ends_at - session.starts_at
        session.starts_at = utcnow() - timedelta(hours=1)
        session.ends_at = session.starts_at + length
        services.check_in(
            session, db.session.get(User, world.member), session.training_class.organiser, "hand"
        )
        db.session.commit()
    login(client, "secretary")
    page = client.get(f"/manage/classes/{class_id}").get_data(as_text=True)
    assert "到场 1 / 2 人" in page and "未到：孙查看" in page
    sheet = client.get(f"/manage/classes/{class_id}/sheet?session={first}").get_data(as_text=True)
    assert "张党员" in sheet and "孙查看" in sheet and "签名" in sheet
    assert client.get(f"/manage/classes/{class_id}/sheet?session=999999").status_code == 404
    response = client.get(f"/manage/classes/{class_id}/export.xlsx")
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("姓名", "党员编号", "所在党组织")
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name["张党员"][3:] == ("✓", "缺席", 1, 2.5)
    assert by_name["孙查看"][3:] == ("缺席", "缺席", 0, 0)


def test_a_viewer_reads_the_class_page_but_changes_nothing(app, client, world, klass):
    class_id, (first, _) = klass
    _enrol(app, class_id, world.member)
    login(client, "viewer")
    assert client.get(f"/manage/classes/{class_id}").status_code == 200
    assert (
        post(
            client, f"/manage/classes/sessions/{first}/attend", {"member": str(world.member)}
        ).status_code
        == 403
    )
    assert (
        post(client, f"/manage/classes/{class_id}/members/{world.member}/cancel").status_code == 403
    )
    assert _count(app, Attendance) == 0
    assert _states(app, class_id) == {world.member: "enrolled"}


def test_staff_create_a_class_and_add_a_session_through_the_forms(app, client, world):
    login(client, "secretary")
    response = post(
        client,
        "/manage/classes/new",
        {
            "title": "经营管理专题讲座",
            "kind": "management",
            "org": "",
            "place": "",
            "online": "y",
            "capacity": "",
            "target_text": "流动党员企业主",
            "target_org": "",
            "enrolment": "open",
            "status": "open",
            "description": "",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        training_class = db.session.scalar(select(TrainingClass))
        assert (training_class.title, training_class.org.name) == ("经营管理专题讲座", "一支部")
        class_id = training_class.id
    url = f"/manage/classes/{class_id}/sessions"
    form = {"title": "企业融资", "day": "2027-01-28", "start": "14:00", "end": "17:00"}
    bad = post(client, url, {**form, "end": "13:00", "hours": "3"})
    assert bad.status_code == 400 and "结束时间应晚于开始时间。" in bad.get_data(as_text=True)
    bad = post(client, url, {**form, "hours": "30"})
    assert bad.status_code == 400 and "学时应在 0 到 24 之间。" in bad.get_data(as_text=True)
    assert _count(app, ClassSession) == 0
    assert post(client, url, {**form, "hours": "3"}).status_code == 302
    with app.app_context():
        session = db.session.scalar(select(ClassSession))
        assert services.session_when(session) == "2027-01-28 14:00–17:00"


def test_a_class_without_place_or_online_is_refused(app, client, world):
    login(client, "secretary")
    response = post(
        client,
        "/manage/classes/new",
        {"title": "讲座", "kind": "lecture", "place": "", "enrolment": "open", "status": "open"},
    )
    assert "请填写培训地点，或勾选“线上举办”。" in response.get_data(as_text=True)
    assert _count(app, TrainingClass) == 0


def test_the_home_page_names_the_next_session(app, client, world, klass):
    class_id, (first, second) = klass
    _enrol(app, class_id, world.member)
    with app.app_context():
        now = utcnow()
        for session_id, start in (
            (first, now - timedelta(hours=3)),
            (second, now + timedelta(days=1)),
        ):
            session = db.session.get(ClassSession, session_id)
            session.starts_at, session.ends_at = start, start + timedelta(hours=2)
        db.session.commit()
    login(client, "member")
    page = client.get("/").get_data(as_text=True)
    todo = page[page.index("我的待办") :]
    assert "我报名的培训班" in todo and "春节返乡培训班" in todo
    assert "第2讲" in todo and "第1讲" not in todo
    assert 'href="/classes/">培训班与讲座' in page


def test_a_check_in_runs_a_fixed_few_statements(app, client, world, klass, count_statements):
    """The login, the session with its class and organiser, the enrolment, the attendance; the
    rest is the archive's (the entry and its running totals), one look for a campaign that
    gives a certificate and one for the points rule, the same for every check-in."""
    class_id, (first, _) = klass
    _enrol(app, class_id, world.member)
    login(client, "member")
    response, statements = count_statements(client, f"/classes/checkin/{_token(app, first)}")
    assert response.status_code == 200 and "签到成功" in response.get_data(as_text=True)
    ours = [s for s in statements if re.search(r"\b(class_\w+|training_classes)\b", s)]
    assert len(ours) == 3, "\n".join(ours)
    archive = [
        s for s in statements if re.search(r"\b(archive_entries|year_progress|rollup_\w+)\b", s)
    ]
    certificates = [s for s in statements if "campaigns.certificate" in s]
    assert len(certificates) == 1, "\n".join(certificates)
    # Points look for the rule of attending a session (none set here: nothing more).
    points = [s for s in statements if re.search(r"\bpoint_\w+", s)]
    assert len(points) == 1, "\n".join(points)
    rest = len(statements) - len(ours) - len(archive) - len(certificates) - len(points)
    assert rest <= 3, "\n".join(statements)


def test_a_check_in_as_its_session_is_deleted_is_refused_not_called_done(app, world, klass):
    """The organiser deletes a session (nobody checked in) as a member's scan arrives: the
    scan read the session, the delete commits first, and the member is not told 您已签到."""
    class_id, (first, _) = klass
    _enrol(app, class_id, world.member)
    with app.app_context():
        session = db.session.get(ClassSession, first)
        # Loaded, as the scan had them before the delete.
        organiser, member = session.training_class.organiser, db.session.get(User, world.member)
        db.session.execute(delete(ClassSession).where(ClassSession.id == first))
        with pytest.raises(services.CodeRefused, match="已被组织者删除"):
            services.check_in(session, member, organiser, "qr")
        entries = select(func.count(ArchiveEntry.id)).where(ArchiveEntry.member_id == world.member)
        assert db.session.scalar(entries) == 0
