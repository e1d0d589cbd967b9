"""Versions and review: what members see changes only when a reviewer approves it."""

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from school.archive.models import ArchiveEntry
from school.auth.models import User
from school.courses import services as courses
from school.courses.models import Course, Lesson, Theme
from school.db import db
from school.studio import building, review, revisions
from school.studio.models import ContentRevision, Review
from tests.factories import make_user


def _users(world):
    instructor = db.session.get(User, world.instructor)
    admin = db.session.get(User, world.admin)
    return instructor, admin


def _published_course(world) -> tuple[Course, Lesson]:
    course = courses.get_course("rules")
    instructor, _ = _users(world)
    course.instructors.append(instructor)
    db.session.flush()
    return course, courses.get_lesson(course, "one")


def _revision_count() -> int:
    return db.session.scalar(select(func.count(ContentRevision.id)))


def test_a_new_course_is_a_draft_that_goes_live_only_when_approved(app, world):
    with app.app_context():
        instructor, admin = _users(world)
        theme = db.session.scalars(select(Theme)).first()
        course = building.create_course(instructor, title="新课程", theme=theme)
        module = course.modules[0]
        lesson = building.new_lesson(
            course, module, instructor, title="第一课", kind="text", hours=Decimal("1.5")
        )
        revisions.save(course, lesson, instructor, {"body_md": "# 正文"}, base=1)
        # A draft's rows follow each save, so instructors preview what they wrote.
        assert (lesson.body_md, lesson.retired, course.hours) == ("# 正文", False, Decimal("1.5"))
        assert course.status == "draft" and not courses.get_course(course.slug).is_published

        request = review.submit(course, instructor)
        assert course.status == "in_review" and request.first_publication
        with pytest.raises(review.OwnRequest):
            review.approve(request, course, instructor)
        assert course.status == "in_review" and request.state == "pending"

        review.approve(request, course, admin, "可以发布")
        assert course.status == "published"
        assert (request.state, request.decided_by_id, request.comment) == (
            "approved",
            admin.id,
            "可以发布",
        )
        newest = revisions.latest(course, lesson)
        assert newest.number == 2 and newest.published_at is not None


def test_an_edit_of_a_published_lesson_waits_for_review(app, world):
    with app.app_context():
        instructor, admin = _users(world)
        course, lesson = _published_course(world)
        revisions.save(
            course, lesson, instructor, {"body_md": "新的正文", "hours": Decimal(2)}, base=1
        )
        # Members still read the approved text and hours.
        assert (lesson.body_md, lesson.hours) == ("正文 one", Decimal(1))
        [item] = review.pending_items(course)
        assert item.lesson is lesson and item.published.number == 1

        request = review.submit(course, instructor, "改了正文")
        assert course.status == "published" and not request.first_publication
        review.approve(request, course, admin)
        assert (lesson.body_md, lesson.hours) == ("新的正文", Decimal(2))
        # The course's 学时 are its lessons' sum: 2 + 1 + 0.5.
        assert course.hours == Decimal("3.5")
        assert review.pending_items(course) == []
        with pytest.raises(review.NothingToReview):
            review.submit(course, instructor)


def test_a_save_after_sending_withdraws_the_request_and_approving_it_changes_nothing(app, world):
    with app.app_context():
        instructor, admin = _users(world)
        course, lesson = _published_course(world)
        revisions.save(course, lesson, instructor, {"body_md": "送审的版本"}, base=1)
        request = review.submit(course, instructor)
        revisions.save(course, lesson, instructor, {"body_md": "送审后又改"}, base=2)
        assert request.state == "withdrawn"
        with pytest.raises(review.ReviewClosed):
            review.approve(request, course, admin)
        assert lesson.body_md == "正文 one"
        assert all(r.published_at is None for r in revisions.history(course, lesson)[:2])


def test_sending_back_needs_a_comment_and_leaves_members_view_alone(app, world):
    with app.app_context():
        instructor, admin = _users(world)
        theme = db.session.scalars(select(Theme)).first()
        course = building.create_course(instructor, title="待退回", theme=theme)
        building.new_lesson(
            course, course.modules[0], instructor, title="课", kind="text", hours=Decimal(1)
        )
        request = review.submit(course, instructor)
        with pytest.raises(review.ReviewError):
            review.send_back(request, course, admin, "  ")
        assert request.state == "pending" and course.status == "in_review"
        review.send_back(request, course, admin, "第二节的日期有误")
        assert (request.state, course.status) == ("returned", "draft")


def test_a_course_without_lessons_cannot_be_sent(app, world):
    with app.app_context():
        instructor, _ = _users(world)
        theme = db.session.scalars(select(Theme)).first()
        course = building.create_course(instructor, title="空课程", theme=theme)
        with pytest.raises(review.NothingToReview):
            review.submit(course, instructor)
        assert course.status == "draft"
        assert db.session.scalar(select(func.count(Review.id))) == 0


def test_two_editors_saving_the_same_version_the_second_gets_a_conflict(app, world):
    with app.app_context():
        instructor, admin = _users(world)
        course, lesson = _published_course(world)
        revisions.save(course, lesson, admin, {"body_md": "管理员的修改"}, base=1)
        before = _revision_count()
        with pytest.raises(revisions.EditConflict) as caught:
            revisions.save(course, lesson, instructor, {"body_md": "教员的修改"}, base=1)
        assert caught.value.latest.number == 2
        assert caught.value.latest.data["body_md"] == "管理员的修改"
        assert _revision_count() == before
        # Knowing the other version, the second editor saves over it deliberately.
        third = revisions.save(course, lesson, instructor, {"body_md": "合并后"}, base=2)
        assert third.number == 3


def test_restoring_an_old_version_adds_a_new_one(app, world):
    with app.app_context():
        instructor, _ = _users(world)
        course, lesson = _published_course(world)
        revisions.save(course, lesson, instructor, {"body_md": "第二版"}, base=1)
        restored = revisions.restore(course, lesson, instructor, 1)
        assert restored.number == 3 and restored.note == "恢复自第 1 版"
        assert restored.data["body_md"] == "正文 one"
        assert [r.number for r in revisions.history(course, lesson)] == [3, 2, 1]


def test_a_lesson_added_to_a_published_course_is_hidden_until_approved(app, world):
    with app.app_context():
        instructor, admin = _users(world)
        course, _ = _published_course(world)
        member = db.session.get(User, world.member)
        lesson = building.new_lesson(
            course, course.modules[0], instructor, title="新增课时", kind="text", hours=Decimal(1)
        )
        assert lesson.retired
        assert lesson not in [each for each, _ in courses.outline(member, course)]
        review.approve(review.submit(course, instructor), course, admin)
        assert not lesson.retired
        assert lesson in [each for each, _ in courses.outline(member, course)]


def test_an_approved_edit_never_rewrites_the_archive(app, world):
    with app.app_context():
        instructor, admin = _users(world)
        course, lesson = _published_course(world)
        member = db.session.get(User, world.member)
        courses.complete_lesson(member, lesson)
        revisions.save(
            course, lesson, instructor, {"title": "改名的课时", "hours": Decimal(3)}, base=1
        )
        review.approve(review.submit(course, instructor), course, admin)
        [entry] = db.session.scalars(
            select(ArchiveEntry).where(ArchiveEntry.member_id == member.id)
        )
        assert (entry.title, entry.hours) == ("课时 one", Decimal(1))


def test_moving_a_lesson_in_a_published_course_is_a_change_to_review(app, world):
    with app.app_context():
        instructor, admin = _users(world)
        course, lesson = _published_course(world)
        two = courses.get_lesson(course, "two")
        building.move_lesson(course, two, instructor, -1)
        assert lesson.position < two.position  # members' order unchanged
        review.approve(review.submit(course, instructor), course, admin)
        assert two.position < lesson.position


def test_co_instructors_are_instructor_accounts_and_the_last_one_stays(app, world):
    with app.app_context():
        instructor, _ = _users(world)
        course, _ = _published_course(world)
        member = db.session.get(User, world.member)
        with pytest.raises(building.BuildError):
            building.add_instructor(course, member)
        colleague = make_user("colleague", "刘教员", role="instructor")
        building.add_instructor(course, colleague)
        building.remove_instructor(course, instructor)
        with pytest.raises(building.BuildError):
            building.remove_instructor(course, colleague)
        assert [each.id for each in course.instructors] == [colleague.id]


def test_comparing_versions_lists_changed_fields_and_lines():
    older = {"title": "旧", "body_md": "一\n二\n三"}
    newer = {"title": "新", "body_md": "一\n贰\n三"}
    comparison = revisions.compare(older, newer)
    assert [(c.label, c.before, c.after) for c in comparison.fields] == [("标题", "旧", "新")]
    assert comparison.lines == [(" ", "一"), ("-", "二"), ("+", "贰"), (" ", "三")]
    assert revisions.compare(older, dict(older)).same


def test_a_version_from_before_a_setting_existed_says_nothing_about_it():
    older = {"title": "课", "deadline": None}
    assert revisions.compare(older, {**older, "certificate": False}).same
    [change] = revisions.compare(older, {**older, "certificate": True}).fields
    assert (change.label, change.before, change.after) == ("结业证书", None, True)


def test_archiving_takes_a_course_from_members_and_reopening_brings_it_back(app, world):
    with app.app_context():
        course, lesson = _published_course(world)
        member = db.session.get(User, world.member)
        courses.complete_lesson(member, lesson)
        review.archive(course)
        assert course.status == "archived"
        assert course not in [c for _, cs in courses.catalogue(member) for c in cs]
        with pytest.raises(review.ReviewError):
            review.archive(course)
        # The member's record of it stays as it was.
        assert (
            db.session.scalar(
                select(func.count(ArchiveEntry.id)).where(ArchiveEntry.member_id == member.id)
            )
            == 1
        )
        review.reopen(course)
        assert course.status == "published"
        assert course in [c for _, cs in courses.catalogue(member) for c in cs]
