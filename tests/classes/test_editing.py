"""Editing a class's sessions: staff change a session's date, times, content and 学时, and delete
one nobody attended; a session with attendance is kept, and archive entries already written
stay as they were (the archive is a ledger)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from school.archive.models import ArchiveEntry
from school.auth.models import User
from school.classes import services
from school.classes.models import ClassSession, TrainingClass
from school.clock import to_local
from school.db import db
from tests.classes.test_classes import _enrol, _make_class
from tests.conftest import login, post

FORM = {"title": "乡村振兴政策解读", "day": "2027-01-29", "start": "14:00", "end": "17:30"}


def _session(app, session_id: int) -> tuple | None:
    with app.app_context():
        s = db.session.get(ClassSession, session_id)
        if s is None:
            return None
        return (s.title, services.session_when(s), s.hours)


def _check_in(app, session_id: int, member_id: int) -> None:
    with app.app_context():
        session = db.session.get(ClassSession, session_id)
        organiser = session.training_class.organiser
        services.check_in(session, db.session.get(User, member_id), organiser, "hand")
        db.session.commit()


def test_staff_change_a_session_through_the_form(app, client, world):
    with app.app_context():
        class_id, (first, _) = _make_class(world)
    login(client, "secretary")
    page = client.get(f"/manage/classes/sessions/{first}/edit").get_data(as_text=True)
    assert 'value="第1讲"' in page and 'value="09:00"' in page and 'value="2.5"' in page
    assert "已记入学习档案的记录不会随之改变" in page
    assert f"/manage/classes/sessions/{first}/edit" in client.get(
        f"/manage/classes/{class_id}"
    ).get_data(as_text=True)

    response = post(client, f"/manage/classes/sessions/{first}/edit", {**FORM, "hours": "3"})
    assert response.status_code == 302
    assert _session(app, first) == ("乡村振兴政策解读", "2027-01-29 14:00–17:30", Decimal(3))


def test_a_bad_session_edit_is_refused_and_changes_nothing(app, client, world):
    with app.app_context():
        _, (first, _) = _make_class(world)
    before = _session(app, first)
    login(client, "secretary")
    url = f"/manage/classes/sessions/{first}/edit"
    for data, message in (
        ({**FORM, "end": "13:00", "hours": "3"}, "结束时间应晚于开始时间。"),
        ({**FORM, "hours": "30"}, "学时应在 0 到 24 之间。"),
        ({**FORM, "title": "", "hours": "3"}, "请填写本场内容"),
    ):
        response = post(client, url, data)
        assert response.status_code == 400 and message in response.get_data(as_text=True)
        assert _session(app, first) == before


def test_changing_hours_after_check_in_leaves_archive_entries_as_they_were(app, client, world):
    with app.app_context():
        class_id, (first, _) = _make_class(world)
    _enrol(app, class_id, world.member)
    _check_in(app, first, world.member)
    login(client, "secretary")
    page = client.get(f"/manage/classes/sessions/{first}/edit").get_data(as_text=True)
    assert "本场已有 1 人签到" in page and "只增不改的台账" in page
    assert (
        post(client, f"/manage/classes/sessions/{first}/edit", {**FORM, "hours": "4"}).status_code
        == 302
    )
    assert _session(app, first)[2] == Decimal(4)
    with app.app_context():
        entries = db.session.execute(
            select(ArchiveEntry.title, ArchiveEntry.hours).where(
                ArchiveEntry.member_id == world.member
            )
        ).all()
    assert entries == [("春节返乡培训班 · 第1讲", Decimal("2.5"))]


def test_a_session_nobody_attended_is_deleted(app, client, world):
    with app.app_context():
        class_id, (first, second) = _make_class(world)
    login(client, "secretary")
    response = post(client, f"/manage/classes/sessions/{first}/delete", follow_redirects=True)
    assert "已删除场次“第1讲”。" in response.get_data(as_text=True)
    assert _session(app, first) is None
    with app.app_context():
        assert [s.id for s in db.session.get(TrainingClass, class_id).sessions] == [second]


def test_a_session_with_attendance_cannot_be_deleted(app, client, world):
    with app.app_context():
        class_id, (first, _) = _make_class(world)
    _enrol(app, class_id, world.member)
    _check_in(app, first, world.member)
    before = _session(app, first)
    login(client, "secretary")
    page = client.get(f"/manage/classes/sessions/{first}/edit").get_data(as_text=True)
    assert "本场已有签到记录，不能删除。" in page
    response = post(client, f"/manage/classes/sessions/{first}/delete", follow_redirects=True)
    assert "已有 1 人签到，学时已记入学习档案，不能删除" in response.get_data(as_text=True)
    assert _session(app, first) == before
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ArchiveEntry)) == 1


def test_a_viewer_can_neither_edit_nor_delete_a_session(app, client, world):
    with app.app_context():
        _, (first, _) = _make_class(world)
    before = _session(app, first)
    login(client, "viewer")
    assert client.get(f"/manage/classes/sessions/{first}/edit").status_code == 403
    url = f"/manage/classes/sessions/{first}/edit"
    assert post(client, url, {**FORM, "hours": "3"}).status_code == 403
    assert post(client, f"/manage/classes/sessions/{first}/delete").status_code == 403
    assert _session(app, first) == before


def test_a_session_edit_without_csrf_is_refused(app, client, world):
    with app.app_context():
        _, (first, _) = _make_class(world)
    before = _session(app, first)
    login(client, "secretary")
    response = client.post(f"/manage/classes/sessions/{first}/delete")
    assert response.status_code == 400
    response = client.post(f"/manage/classes/sessions/{first}/edit", data={**FORM, "hours": "3"})
    assert response.status_code == 400
    assert _session(app, first) == before


def test_editing_a_class_says_the_archive_is_kept(app, client, world):
    with app.app_context():
        class_id, _ = _make_class(world)
    login(client, "secretary")
    page = client.get(f"/manage/classes/{class_id}/edit").get_data(as_text=True)
    assert "不会改写已记入的记录" in page


def test_the_edit_form_shows_local_times(app, client, world):
    with app.app_context():
        _, (first, _) = _make_class(world)
        start = to_local(db.session.get(ClassSession, first).starts_at)
    login(client, "secretary")
    page = client.get(f"/manage/classes/sessions/{first}/edit").get_data(as_text=True)
    assert f'value="{start:%Y-%m-%d}"' in page


def _class_form(app, class_id: int, **changes) -> dict:
    with app.app_context():
        c = db.session.get(TrainingClass, class_id)
        form = {
            "title": c.title,
            "kind": c.kind,
            "place": c.place,
            "target_text": c.target_text,
            "enrolment": c.enrolment,
            "status": c.status,
            "description": c.description,
            "organiser": c.organiser.username,
        }
    return {**form, **changes}


def _organiser(app, class_id: int) -> str:
    with app.app_context():
        return db.session.get(TrainingClass, class_id).organiser.username


@pytest.mark.parametrize(
    ("username", "message"),
    [
        ("viewer", "账号“viewer”不是“一支部”或上级党组织的书记、组织委员"),  # reads, not manages
        ("committee", "账号“committee”不是“一支部”"),  # another subtree
        ("member", "账号“member”不是“一支部”"),
        ("nobody", "没有登录名为“nobody”的账号"),
    ],
)
def test_an_organiser_must_run_the_organisation(app, client, world, username, message):
    with app.app_context():
        class_id, _ = _make_class(world)
    login(client, "secretary")
    url = f"/manage/classes/{class_id}/edit"
    assert 'value="secretary"' in client.get(url).get_data(as_text=True)
    response = post(client, url, _class_form(app, class_id, organiser=username, title="新名称"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and message in page
    assert "孙查看" not in page and "张党员" not in page  # a login name tells no one's name
    with app.app_context():
        assert db.session.get(TrainingClass, class_id).title == "春节返乡培训班"
    assert _organiser(app, class_id) == "secretary"


def test_a_new_organiser_credits_the_check_ins_from_then_on(app, client, world):
    with app.app_context():
        class_id, (first, _) = _make_class(world)
    login(client, "secretary")
    url = f"/manage/classes/{class_id}/edit"
    assert post(client, url, _class_form(app, class_id, organiser="admin")).status_code == 302
    assert _organiser(app, class_id) == "admin"
    _enrol(app, class_id, world.member)
    member = app.test_client()
    login(member, "member")
    with app.app_context():
        token = services.checkin_token(db.session.get(ClassSession, first))
    assert "签到成功" in member.get(f"/classes/checkin/{token}").get_data(as_text=True)
    with app.app_context():
        entry = db.session.scalar(
            select(ArchiveEntry).where(ArchiveEntry.dedupe_key == f"class-session:{first}")
        )
        assert entry.recorded_by_id == world.admin
    # Left empty, the organiser stays who it is.
    assert post(client, url, _class_form(app, class_id, organiser="")).status_code == 302
    assert _organiser(app, class_id) == "admin"
