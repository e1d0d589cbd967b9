"""Domain events: each service sends its event once, after its write, in the same transaction."""

from contextlib import contextmanager
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from school import events
from school.archive import services as archive
from school.archive.models import ArchiveEntry, YearProgress
from school.auth.models import User
from school.classes import services as classes
from school.classes.services import ClassFields
from school.clock import local_today
from school.courses import services as courses
from school.courses.models import LessonCompletion
from school.db import db, utcnow
from school.forum import services as forum
from school.forum.models import Post
from school.honours.models import HonourRound
from school.honours.services import HonourError, revoke_honour
from school.members import flows
from school.members.models import FlowEvent
from school.notices import reads as notice_reads
from school.notices.services import NewsFields, create_notice
from school.orgs.services import find_org, merge_orgs
from school.quizzes import attempts
from tests.campaigns.factories import make_campaign
from tests.honours.publishing import publish_for
from tests.quizzes import factories as f


@contextmanager
def recording(signal):
    """Collect (sender, facts) for every send of ``signal`` inside the block."""
    sent: list[tuple[object, dict]] = []

    def receiver(sender, **facts):
        sent.append((sender, facts))

    with signal.connected_to(receiver):
        yield sent


def _user(user_id: int) -> User:
    return db.session.get(User, user_id)


def test_a_lesson_and_its_course_are_announced_once_each(app, world):
    when = datetime(2026, 5, 20, 3, tzinfo=UTC)
    with app.app_context():
        member = _user(world.member)
        course = courses.get_course(world.course)
        with (
            recording(events.lesson_completed) as lessons,
            recording(events.course_completed) as completed,
        ):
            for slug in ("one", "one", "two"):  # a repeat is not news
                courses.complete_lesson(member, courses.get_lesson(course, slug), now=when)
        assert [(s, facts["lesson"].slug, facts["at"]) for s, facts in lessons] == [
            (member, "one", when),
            (member, "two", when),
        ]
        assert completed == [(member, {"course": course, "at": when})]


def test_a_graded_attempt_is_announced_and_a_preview_is_not(app, world):
    with app.app_context():
        quiz = f.make_quiz([f.single()])
        with recording(events.attempt_graded) as graded:
            preview = attempts.start_attempt(_user(world.instructor), quiz, preview=True)
            attempts.finish_attempt(preview)
            attempt = attempts.start_attempt(_user(world.member), quiz)
            attempts.finish_attempt(attempt)
            attempts.finish_attempt(attempt)  # a second submit changes nothing
        assert graded == [(_user(world.member), {"attempt": attempt})]


def test_offline_study_is_announced_once(app, world):
    with app.app_context():
        member, secretary = _user(world.member), _user(world.secretary)
        with recording(events.offline_study_recorded) as recorded:
            for _ in range(2):
                archive.append_offline(
                    member,
                    title="春节返乡培训",
                    hours=Decimal(8),
                    completed_at=utcnow(),
                    recorded_by=secretary,
                )
        entry = db.session.scalar(select(ArchiveEntry))
        assert recorded == [(member, {"entry": entry, "by": secretary})]


def test_offline_study_of_a_batch_is_announced_once_for_the_members_credited(app, world):
    with app.app_context():
        member, other, secretary = (
            _user(world.member),
            _user(world.other_member),
            _user(world.secretary),
        )
        study = {
            "title": "党课",
            "hours": Decimal(2),
            "completed_at": utcnow(),
            "recorded_by": secretary,
            "dedupe_key": "group:party_lecture:1:2026-12-01",
        }
        archive.append_offline_many([member.id], **study)
        with (
            recording(events.group_study_recorded) as recorded,
            recording(events.offline_study_recorded) as one_by_one,
        ):
            archive.append_offline_many([member.id, other.id], **study)  # member had it already
            archive.append_offline_many([member.id, other.id], **study)  # both have it: no news
        assert recorded == [(secretary, {"member_ids": [other.id]})]
        assert one_by_one == []  # one event for the batch, not one per member


def test_attendance_and_a_launch_are_announced_once(app, world):
    with app.app_context():
        secretary, member = _user(world.secretary), _user(world.member)
        training_class = classes.create_class(
            secretary, find_org("一支部"), ClassFields(title="讲座", kind="lecture", place="会议室")
        )
        session = classes.add_session(
            secretary,
            training_class,
            title="第一讲",
            day=local_today(),
            start=time(9),
            end=time(11),
            hours=Decimal(2),
        )
        classes.enrol(training_class, member, secretary)
        with recording(events.session_attended) as attended:
            for method in ("qr", "hand"):  # scanned, then ticked: one attendance
                classes.check_in(session, member, secretary, method)
        assert attended == [(member, {"session": session})]
        with recording(events.campaign_launched) as launched:
            campaign = make_campaign(secretary, "一支部", "一支部", hours=Decimal(2))
        assert launched == [(campaign, {})]


def test_an_accepted_answer_is_announced_for_its_author(app, world):
    with app.app_context():
        asker, secretary = _user(world.member), _user(world.secretary)
        thread = forum.create_thread(
            asker, forum.NewThread(board="qa", title="学时怎么算", body="请问", public=True)
        )
        answer = forum.reply(secretary, thread, "一天培训记 8 学时。")
        with recording(events.answer_accepted) as accepted:
            forum.accept(asker, thread, answer)
        assert accepted == [(secretary, {"thread": thread, "post": answer, "by": asker})]
        assert db.session.get(Post, answer.id).accepted


def test_a_published_honour_is_announced_for_its_member(app, world):
    with app.app_context():
        admin, member = _user(world.admin), _user(world.member)
        with recording(events.honour_published) as published:
            (honour,) = publish_for(admin, member)
        published_at = db.session.get(HonourRound, honour.round_id).published_at
        assert published == [(member, {"honour": honour, "at": published_at})]
        assert honour.id is not None and honour.kind == "award"
        with recording(events.honour_revoked) as revoked:
            revocation = revoke_honour(admin, honour, "经核实不符合条件")
            with pytest.raises(HonourError):  # revoked once: a second try is refused
                revoke_honour(admin, honour, "再撤销一次")
        assert revoked == [
            (member, {"honour": honour, "revocation": revocation, "at": revocation.created_at})
        ]


def test_a_merge_is_announced_and_the_registry_records_each_members_flow(app, world):
    with app.app_context():
        source, target = find_org("二支部"), find_org("一支部")
        with recording(events.org_merged) as merged:
            merge_orgs(_user(world.admin), source, target)
        ((sender, facts),) = merged
        assert sender == source and facts["target"] == target
        assert facts["home_member_ids"] == [world.other_member, world.floating]
        assert facts["host_member_ids"] == []
        # The members' registry, subscribed in create_app, wrote one transfer per home member.
        flows = db.session.scalars(select(FlowEvent).order_by(FlowEvent.member_id)).all()
        assert [(e.member_id, e.kind, e.to_org_id) for e in flows] == [
            (world.other_member, "transfer", target.id),
            (world.floating, "transfer", target.id),
        ]


def test_a_recorded_flow_is_announced_with_its_event(app, world):
    with app.app_context():
        member, secretary = _user(world.member), _user(world.secretary)
        with recording(events.member_moved) as moved:
            flow = flows.record_flow(
                secretary, member, "flow_out", utcnow().date(), find_org("驻深圳支部")
            )
            with pytest.raises(flows.RegistryError):  # refused: nothing to announce
                flows.record_flow(secretary, member, "flow_out", utcnow().date())
        assert moved == [(member, {"flow": flow})]


def test_a_failing_subscriber_leaves_nothing_behind(app, world):
    """Receivers run in the sender's transaction: if one fails, the request records nothing."""

    def broken(sender, **facts):
        raise RuntimeError("subscriber failed")

    when = datetime(2026, 5, 20, 3, tzinfo=UTC)
    with app.app_context():
        member = _user(world.member)
        lesson = courses.get_lesson(courses.get_course(world.course), "one")
        with events.lesson_completed.connected_to(broken), pytest.raises(RuntimeError):
            courses.complete_lesson(member, lesson, now=when)
        db.session.rollback()
        for model in (LessonCompletion, ArchiveEntry, YearProgress):
            assert db.session.scalar(select(func.count()).select_from(model)) == 0


def test_a_notice_read_is_announced_once_on_the_first_receipt(app, world):
    with app.app_context():
        member = _user(world.member)
        deadline = local_today() + timedelta(days=3)
        notice = create_notice(
            _user(world.secretary),
            "必读",
            "请阅读。",
            find_org("一支部"),
            publish=True,
            news=NewsFields(required=True, deadline=deadline),
        )
        when = utcnow()
        with recording(events.notice_read) as sent:
            notice_reads.mark_read(member, notice, now=when)
            notice_reads.mark_read(member, notice, now=when)  # a second tab is not news
        assert sent == [(member, {"notice": notice, "at": when, "required": True, "on_time": True})]
