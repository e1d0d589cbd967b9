"""A member's own class page shows their attendance of each session: 已签到, 缺席 once a
session has ended without them, 未开始 before it begins."""

from __future__ import annotations

import re
from datetime import time, timedelta
from decimal import Decimal

from school.auth.models import User
from school.classes import services
from school.classes.models import ClassSession, TrainingClass
from school.clock import local_today
from school.db import db
from tests.classes.test_classes import _enrol, _make_class
from tests.conftest import login

STATE = re.compile(r'data-state="(\w+)">([^<]+)<')


def _class_over_three_days(app, world) -> tuple[int, list[int]]:
    """Sessions two days ago, yesterday and tomorrow."""
    with app.app_context():
        class_id, _ = _make_class(world, sessions=0)
        training_class = db.session.get(TrainingClass, class_id)
        secretary = db.session.get(User, world.secretary)
        ids = [
            services.add_session(
                secretary,
                training_class,
                title=f"第{n}讲",
                day=local_today() + timedelta(days=offset),
                start=time(9),
                end=time(11),
                hours=Decimal(2),
            ).id
            for n, offset in ((1, -2), (2, -1), (3, 1))
        ]
        db.session.commit()
    return class_id, ids


def test_the_member_sees_present_absent_and_upcoming_per_session(app, client, world):
    class_id, (first, _, _) = _class_over_three_days(app, world)
    _enrol(app, class_id, world.member)
    with app.app_context():
        session = db.session.get(ClassSession, first)
        organiser = session.training_class.organiser
        services.check_in(session, db.session.get(User, world.member), organiser, "hand")
        db.session.commit()
    login(client, "member")
    page = client.get(f"/classes/{class_id}").get_data(as_text=True)
    assert STATE.findall(page) == [
        ("present", "已签到"),
        ("absent", "缺席"),
        ("upcoming", "未开始"),
    ]


def test_a_member_on_the_waiting_list_sees_no_attendance(app, client, world):
    class_id, _ = _class_over_three_days(app, world)
    with app.app_context():
        db.session.get(TrainingClass, class_id).capacity = 1
        db.session.commit()
    _enrol(app, class_id, world.viewer, world.member)
    login(client, "member")
    page = client.get(f"/classes/{class_id}").get_data(as_text=True)
    assert "候补名单中" in page and STATE.findall(page) == []


def test_a_session_going_on_is_not_yet_an_absence(app, world):
    class_id, (first, _, _) = _class_over_three_days(app, world)
    _enrol(app, class_id, world.member)
    with app.app_context():
        session = db.session.get(ClassSession, first)
        during = session.starts_at + timedelta(minutes=30)
        states = services.member_session_states(
            session.training_class, db.session.get(User, world.member), during
        )
    assert states[first] == "ongoing"
    assert services.ATTENDANCE_STATES["ongoing"] == "进行中，未签到"


def test_others_attendance_does_not_show_on_a_members_page(app, client, world):
    class_id, (first, _, _) = _class_over_three_days(app, world)
    _enrol(app, class_id, world.member, world.viewer)
    with app.app_context():
        session = db.session.get(ClassSession, first)
        organiser = session.training_class.organiser
        services.check_in(session, db.session.get(User, world.viewer), organiser, "hand")
        db.session.commit()
    login(client, "member")
    page = client.get(f"/classes/{class_id}").get_data(as_text=True)
    assert STATE.findall(page)[0] == ("absent", "缺席")
