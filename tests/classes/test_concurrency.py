"""Two members taking the last seat at once, and one member checked in twice at once."""

from datetime import time, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from school.archive.models import ArchiveEntry
from school.auth.models import User
from school.classes import services
from school.classes.models import Attendance, ClassSession, Enrolment, TrainingClass
from school.classes.services import ClassFields
from school.clock import local_today
from school.db import db
from school.orgs.services import find_org
from tests.factories import build_world
from tests.racing import race


def _setup(app, capacity: int | None) -> tuple[object, int, int]:
    with app.app_context():
        world = build_world()
        secretary = db.session.get(User, world.secretary)
        fields = ClassFields(title="返乡培训", kind="homecoming", place="镇党校", capacity=capacity)
        training_class = services.create_class(secretary, find_org("一支部"), fields)
        session = services.add_session(
            secretary,
            training_class,
            title="开班",
            day=local_today() + timedelta(days=1),
            start=time(9),
            end=time(12),
            hours=Decimal(3),
        )
        db.session.commit()
        return world, training_class.id, session.id


def _enrol(class_id: int, member_id: int):
    def action():
        member = db.session.get(User, member_id)
        enrolment = services.enrol(db.session.get(TrainingClass, class_id), member, member)
        return enrolment.state

    return action


def test_two_members_taking_the_last_seat_at_once_get_one_seat_and_one_wait(committed_app):
    world, class_id, _ = _setup(committed_app, capacity=1)
    results = race(committed_app, [_enrol(class_id, world.member), _enrol(class_id, world.viewer)])
    assert sorted(results) == ["enrolled", "waiting"], results
    with committed_app.app_context():
        states = db.session.scalars(
            select(Enrolment.state).where(Enrolment.class_id == class_id)
        ).all()
        assert sorted(states) == ["enrolled", "waiting"]


def test_a_cancellation_and_an_enrolment_at_once_never_overfill_the_class(committed_app):
    world, class_id, _ = _setup(committed_app, capacity=1)
    with committed_app.app_context():
        _enrol(class_id, world.member)()
        _enrol(class_id, world.viewer)()  # waiting
        db.session.commit()

    def cancel():
        member = db.session.get(User, world.member)
        return services.cancel(db.session.get(TrainingClass, class_id), member, member)

    race(committed_app, [cancel, _enrol(class_id, world.secretary)])
    with committed_app.app_context():
        states = dict(
            db.session.execute(
                select(Enrolment.member_id, Enrolment.state).where(Enrolment.class_id == class_id)
            ).all()
        )
        # The first on the waiting list took the freed seat; the newcomer waits.
        assert states[world.member] == "cancelled"
        assert states[world.viewer] == "enrolled"
        assert states[world.secretary] == "waiting"


def test_one_member_scanned_twice_at_once_is_credited_once(committed_app):
    world, class_id, session_id = _setup(committed_app, capacity=None)
    with committed_app.app_context():
        _enrol(class_id, world.member)()
        db.session.commit()

    def scan():
        session = db.session.get(ClassSession, session_id)
        member = db.session.get(User, world.member)
        return services.check_in(session, member, session.training_class.organiser, "qr")

    results = race(committed_app, [scan, scan])
    assert not [r for r in results if isinstance(r, BaseException)], results
    with committed_app.app_context():
        assert db.session.scalar(select(func.count(Attendance.id))) == 1
        keys = db.session.scalars(
            select(ArchiveEntry.dedupe_key).where(ArchiveEntry.member_id == world.member)
        ).all()
        assert keys == [f"class-session:{session_id}"]
