"""What members are told and what the audit log keeps: a member promoted from the waiting list
and a member whom staff enrolled get a notification linking to the class; staff enrolling in
bulk and checking in by hand leave one audit line each, with the count."""

from __future__ import annotations

from sqlalchemy import select

from school.auth.models import User
from school.classes import services
from school.classes.models import TrainingClass
from school.db import db
from school.notifications.models import Notification
from school.orgs.models import AuditEntry
from tests.classes.test_classes import _enrol, _make_class
from tests.conftest import login, post


def _notes(app) -> list[tuple[int, str, str, str]]:
    with app.app_context():
        return [
            (n.user_id, n.kind, n.text, n.url)
            for n in db.session.scalars(select(Notification).order_by(Notification.id))
        ]


def _audit(app) -> list[tuple[int | None, str, str, int | None]]:
    with app.app_context():
        return [
            (a.actor_id, a.action, a.detail, a.org_id)
            for a in db.session.scalars(
                select(AuditEntry)
                .where(AuditEntry.action.startswith("class."))
                .order_by(AuditEntry.id)
            )
        ]


def test_a_cancellation_tells_the_first_waiting_member_they_have_a_seat(app, client, world):
    with app.app_context():
        class_id, _ = _make_class(world, capacity=1)
    _enrol(app, class_id, world.member, world.viewer, world.secretary)
    assert _notes(app) == []  # enrolling oneself tells nobody
    login(client, "member")
    post(client, f"/classes/{class_id}/cancel")
    text = "培训班“春节返乡培训班”有了空余名额，您已从候补转为正式报名"
    assert _notes(app) == [(world.viewer, "class", text, f"/classes/{class_id}")]
    # The link opens the class, where the member now holds a seat.
    other = app.test_client()
    login(other, "viewer")
    page = other.get(f"/classes/{class_id}").get_data(as_text=True)
    assert "已报名" in page and "候补名单中" not in page


def test_staff_cancelling_a_seat_tells_the_member_promoted(app, client, world):
    with app.app_context():
        class_id, _ = _make_class(world, capacity=1)
    _enrol(app, class_id, world.member, world.viewer)
    login(client, "secretary")
    post(client, f"/manage/classes/{class_id}/members/{world.member}/cancel")
    assert [(n[0], n[3]) for n in _notes(app)] == [(world.viewer, f"/classes/{class_id}")]


def test_raising_the_capacity_tells_those_who_get_a_seat(app, world):
    with app.app_context():
        class_id, _ = _make_class(world, capacity=1)
    _enrol(app, class_id, world.member, world.viewer)
    with app.app_context():
        training_class = db.session.get(TrainingClass, class_id)
        fields = services.ClassFields(
            title=training_class.title,
            kind=training_class.kind,
            place=training_class.place,
            capacity=2,
            target_org=training_class.target_org,
        )
        services.update_class(db.session.get(User, world.secretary), training_class, fields)
        db.session.commit()
    assert [n[0] for n in _notes(app)] == [world.viewer]


def test_staff_enrolling_members_tells_each_of_them(app, client, world):
    with app.app_context():
        class_id, _ = _make_class(world, capacity=1)
    _enrol(app, class_id, world.secretary)  # the seat is taken
    login(client, "secretary")
    response = post(
        client,
        f"/manage/classes/{class_id}/enrol",
        {"member": [str(world.member), str(world.viewer), str(world.secretary)]},
    )
    assert response.status_code == 302
    url = f"/classes/{class_id}"
    waiting = "党组织已为您报名培训班“春节返乡培训班”，名额已满，您在候补名单中"
    assert sorted(_notes(app)) == sorted(
        [
            (world.member, "class", waiting, url),
            (world.viewer, "class", waiting, url),
        ]
    )
    # Enrolling them again changes nothing and tells nobody twice.
    post(client, f"/manage/classes/{class_id}/enrol", {"member": [str(world.member)]})
    assert len(_notes(app)) == 2


def test_a_single_staff_enrolment_tells_the_member(app, world):
    with app.app_context():
        class_id, _ = _make_class(world)
        services.enrol(
            db.session.get(TrainingClass, class_id),
            db.session.get(User, world.member),
            db.session.get(User, world.secretary),
        )
        db.session.commit()
    text = "党组织已为您报名培训班“春节返乡培训班”"
    assert _notes(app) == [(world.member, "class", text, f"/classes/{class_id}")]


def test_a_refused_bulk_enrolment_tells_nobody_and_logs_nothing(app, client, world):
    with app.app_context():
        class_id, _ = _make_class(world)
    login(client, "secretary")
    response = post(
        client,
        f"/manage/classes/{class_id}/enrol",
        {"member": [str(world.member)], "numbers": "NOPE-9"},
    )
    assert response.status_code == 400
    assert _notes(app) == [] and _audit(app) == []


def test_bulk_enrolment_writes_one_audit_line_with_the_count(app, client, world):
    with app.app_context():
        class_id, _ = _make_class(world, capacity=1)
        org_id = db.session.get(TrainingClass, class_id).org_id
    login(client, "secretary")
    post(
        client,
        f"/manage/classes/{class_id}/enrol",
        {"member": [str(world.member), str(world.viewer)]},
    )
    assert _audit(app) == [
        (
            world.secretary,
            "class.enrol",
            "培训班批量报名：“春节返乡培训班”，报名 1 人，候补 1 人",
            org_id,
        )
    ]
    # Nothing new to enrol: nothing to log.
    post(client, f"/manage/classes/{class_id}/enrol", {"member": [str(world.member)]})
    assert len(_audit(app)) == 1
    # The organisation's audit log shows it to its staff.
    assert "培训班批量报名" in client.get("/manage/orgs/audit").get_data(as_text=True)


def test_checking_in_by_hand_writes_one_audit_line_with_the_count(app, client, world):
    with app.app_context():
        class_id, (first, _) = _make_class(world)
    _enrol(app, class_id, world.member, world.viewer)
    login(client, "secretary")
    url = f"/manage/classes/sessions/{first}/attend"
    post(client, url, {"member": [str(world.member), str(world.secretary)]})  # refused
    assert _audit(app) == []
    post(client, url, {"member": [str(world.member), str(world.viewer)]})
    (entry,) = _audit(app)
    assert entry[:2] == (world.secretary, "class.attend")
    assert entry[2].startswith("培训班手工签到：春节返乡培训班 · 第1讲（")
    assert entry[2].endswith("），签到 2 人")
    post(client, url, {"member": [str(world.member)]})  # already present: nothing written
    assert len(_audit(app)) == 1
