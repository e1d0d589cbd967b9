"""Units (modules) change like lessons: at once in a draft, after review in a published course."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from school.auth.models import User
from school.courses import services as courses
from school.courses.models import Course, Module
from school.db import db
from school.studio import building, review, revisions
from school.studio.models import ContentRevision, Review
from tests.conftest import login, post
from tests.quizzes import factories as f

IMPORTED = "从课程文件导入的版本"


def _course(slug: str) -> Course:
    return db.session.scalar(select(Course).where(Course.slug == slug))


def _two_units(app, world, slug: str = "rules") -> tuple[int, int]:
    """The course taught by the instructor, with a second unit holding the lesson "extra";
    returns the units' ids (first, second)."""
    with app.app_context():
        course = _course(slug)
        course.instructors.append(db.session.get(User, world.instructor))
        first = course.modules[0]
        second = Module(title="第二单元", position=1)
        course.modules.append(second)
        db.session.flush()
        courses.get_lesson(course, "extra").module_id = second.id
        db.session.commit()
        return first.id, second.id


def _clients(app):
    instructor, member, admin = app.test_client(), app.test_client(), app.test_client()
    login(instructor, "instructor")
    login(member, "member")
    login(admin, "admin")
    return instructor, member, admin


def _rows(app, slug: str) -> list[tuple[str, int]]:
    with app.app_context():
        course = _course(slug)
        return [(m.title, m.position) for m in sorted(course.modules, key=lambda m: m.position)]


def _approve(app, instructor, admin, slug: str = "rules") -> None:
    assert (
        post(instructor, f"/studio/courses/{slug}/submit", {"submit-note": ""}).status_code == 302
    )
    with app.app_context():
        review_id = db.session.scalar(select(Review.id).where(Review.state == "pending"))
    decided = post(admin, f"/studio/reviews/{review_id}/decide", {"decision": "approve"})
    assert decided.status_code == 302


def test_in_a_draft_adding_renaming_and_moving_a_unit_apply_at_once(app, world):
    first, second = _two_units(app, world, "draft-course")
    instructor, _, _ = _clients(app)
    base = "/studio/courses/draft-course/modules"
    post(instructor, f"{base}/{first}/rename", {"title": "学习党章"})
    post(instructor, f"{base}/{second}/move", {"step": "up"})
    post(instructor, base, {"module-title": "第三单元"})
    assert _rows(app, "draft-course") == [("第二单元", 0), ("学习党章", 1), ("第三单元", 2)]
    with app.app_context():
        course = _course("draft-course")
        newest = revisions.latest(course, None)
        assert newest.note == "新增单元“第三单元”"
        assert [title for _, title in newest.data["units"]] == ["第二单元", "学习党章", "第三单元"]
        # Nothing waits for a reviewer: a draft goes whole when it is sent.
        assert [r.note for r in revisions.history(course, None)] == [
            "新增单元“第三单元”",
            "单元“第二单元”上移",
            "单元改名：第一单元 → 学习党章",
            "原有版本",
        ]


def test_unit_changes_in_a_published_course_reach_members_only_when_approved(app, world):
    first, second = _two_units(app, world)
    instructor, member, admin = _clients(app)
    base = "/studio/courses/rules/modules"
    assert post(instructor, f"{base}/{first}/rename", {"title": "学习党章"}).status_code == 302
    assert post(instructor, f"{base}/{second}/move", {"step": "up"}).status_code == 302
    assert post(instructor, base, {"module-title": "第三单元"}).status_code == 302
    with app.app_context():
        third = db.session.scalar(select(Module.id).where(Module.title == "第三单元"))
    added = post(
        instructor,
        "/studio/courses/rules/lessons/new",
        {"title": "新增的课时", "kind": "text", "module": third, "hours": "1"},
    )
    assert added.status_code == 302

    # The studio shows the units as they will be; members still see what was approved.
    studio = instructor.get("/studio/courses/rules").get_data(as_text=True)
    assert studio.index("第二单元") < studio.index("学习党章") < studio.index("第三单元")
    assert "第一单元" not in studio
    choices = instructor.get("/studio/courses/rules/lessons/new").get_data(as_text=True)
    assert "学习党章" in choices and "第一单元" not in choices
    page = member.get("/courses/rules").get_data(as_text=True)
    assert page.index("第一单元") < page.index("第二单元")
    assert "学习党章" not in page and "第三单元" not in page and "新增的课时" not in page
    assert _rows(app, "rules") == [("第一单元", 0), ("第二单元", 1), ("第三单元", 2)]

    _approve(app, instructor, admin)
    page = member.get("/courses/rules").get_data(as_text=True)
    assert page.index("第二单元") < page.index("学习党章") < page.index("第三单元")
    assert "第一单元" not in page and "新增的课时" in page
    assert _rows(app, "rules") == [("第二单元", 0), ("学习党章", 1), ("第三单元", 2)]


def test_the_review_page_reads_a_rename_as_the_old_title_out_and_the_new_one_in(app, world):
    first, _ = _two_units(app, world)
    instructor, _, admin = _clients(app)
    post(instructor, f"/studio/courses/rules/modules/{first}/rename", {"title": "学习党章"})
    pending = instructor.get("/studio/courses/rules").get_data(as_text=True)
    assert "单元改名：第一单元 → 学习党章" in pending
    post(instructor, "/studio/courses/rules/submit", {"submit-note": ""})
    with app.app_context():
        review_id = db.session.scalar(select(Review.id).where(Review.state == "pending"))
    page = admin.get(f"/studio/reviews/{review_id}").get_data(as_text=True)
    units = page[page.index("<h3>单元</h3>") :]
    units = units[: units.index("</pre>")]
    assert "原来：</span>- 第一单元" in units and "现在：</span>+ 学习党章" in units
    assert "  第二单元" in units  # unchanged, unmarked
    # Titles, not the version's data.
    assert f"[[{first}, " not in page


def test_a_rename_after_sending_withdraws_the_request(app, world):
    first, _ = _two_units(app, world)
    with app.app_context():
        course = _course("rules")
        instructor = db.session.get(User, world.instructor)
        admin = db.session.get(User, world.admin)
        module = db.session.get(Module, first)
        building.rename_module(course, module, instructor, "学习党章")
        request = review.submit(course, instructor)
        building.rename_module(course, module, instructor, "学习党章（修订）")
        assert request.state == "withdrawn"
        with pytest.raises(review.ReviewClosed):
            review.approve(request, course, admin)
        assert module.title == "第一单元"


def _placed(course: Course, what: str) -> list[tuple[object, int]]:
    """The course's units (id or title) with their positions, in order."""
    ordered = sorted(course.modules, key=lambda m: (m.position, m.id))
    return [(getattr(m, what), m.position) for m in ordered]


def _count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def test_a_unit_with_a_lesson_in_it_now_or_after_review_cannot_be_deleted(app, world):
    first, second = _two_units(app, world)
    with app.app_context():
        course = _course("rules")
        instructor = db.session.get(User, world.instructor)
        new = building.add_module(course, instructor, "第三单元")
        # Lesson "one" goes to the new unit, "extra" leaves the second: both wait for review.
        for slug, unit in (("one", new.id), ("extra", first)):
            lesson = courses.get_lesson(course, slug)
            revisions.save(course, lesson, instructor, {"module_id": unit}, base=None)
        counts = (_count(Module), _count(ContentRevision))
        for unit in (new, db.session.get(Module, second)):
            with pytest.raises(building.BuildError):
                building.delete_module(course, unit, instructor)
        assert (_count(Module), _count(ContentRevision)) == counts


def test_an_empty_unit_members_never_saw_is_deleted_at_once_without_review(app, world):
    _two_units(app, world)
    with app.app_context():
        course = _course("rules")
        instructor = db.session.get(User, world.instructor)
        empty = Module(title="空单元", position=2)
        course.modules.append(empty)
        db.session.commit()
        empty_id = empty.id
        building.delete_module(course, empty, instructor)
        assert db.session.get(Module, empty_id) is None
        newest = revisions.latest(course, None)
        assert newest.note == "删除单元“空单元”" and newest.published_at is not None
        assert [title for _, title in newest.data["units"]] == ["第一单元", "第二单元"]
        assert review.pending_items(course) == []


def test_deleting_a_unit_added_while_a_request_waits_withdraws_it(app, world):
    first, _ = _two_units(app, world)
    with app.app_context():
        course = _course("rules")
        instructor = db.session.get(User, world.instructor)
        admin = db.session.get(User, world.admin)
        building.rename_module(course, db.session.get(Module, first), instructor, "学习党章")
        added = building.add_module(course, instructor, "多余的单元")
        request = review.submit(course, instructor)
        building.delete_module(course, added, instructor)
        assert request.state == "withdrawn"
        review.approve(review.submit(course, instructor), course, admin)
        assert _placed(course, "title") == [("学习党章", 0), ("第二单元", 1)]


def test_approving_a_list_naming_a_unit_removed_since_applies_the_rest(app, world):
    first, second = _two_units(app, world)
    with app.app_context():
        course = _course("rules")
        instructor = db.session.get(User, world.instructor)
        admin = db.session.get(User, world.admin)
        added = building.add_module(course, instructor, "第三单元")
        building.move_module(course, db.session.get(Module, second), instructor, -1)
        request = review.submit(course, instructor)
        # Removed outside the studio (a database repair): the version still names it.
        course.modules.remove(added)
        db.session.flush()
        review.approve(request, course, admin)
        assert _placed(course, "id") == [(second, 0), (first, 1)]


def _old_style_first_version(course: Course) -> ContentRevision:
    """Version 1 as the studio wrote it before units were versioned: no "units"."""
    data = revisions.current_data(course, None)
    del data["units"]
    now = datetime(2026, 11, 1, tzinfo=UTC)
    first = ContentRevision(
        course_id=course.id, lesson_id=None, number=1, data=data, created_at=now, published_at=now
    )
    db.session.add(first)
    db.session.flush()
    return first


def test_a_version_from_before_units_were_versioned_is_no_import(app, world):
    _two_units(app, world)
    with app.app_context():
        course = _course("rules")
        instructor = db.session.get(User, world.instructor)
        _old_style_first_version(course)
        # Saving nothing new writes nothing; a real edit is version 2, and it knows the units.
        assert revisions.save(course, None, instructor, {}, base=1).number == 1
        saved = revisions.save(course, None, instructor, {"summary": "新简介"}, base=1)
        assert saved.number == 2 and saved.note == ""
        assert [title for _, title in saved.data["units"]] == ["第一单元", "第二单元"]
        assert IMPORTED not in [r.note for r in revisions.history(course, None)]


def test_a_unit_renamed_by_an_import_is_still_recorded_as_imported(app, world):
    first, _ = _two_units(app, world)
    with app.app_context():
        course = _course("rules")
        instructor = db.session.get(User, world.instructor)
        revisions.baseline(course, None, datetime(2026, 11, 1, tzinfo=UTC))
        db.session.get(Module, first).title = "导入的单元名"
        db.session.flush()
        saved = revisions.save(course, None, instructor, {"summary": "新简介"}, base=None)
        imported = revisions.version(course, None, 2)
        assert (imported.note, saved.number) == (IMPORTED, 3)
        assert imported.published_at is not None
        assert [title for _, title in imported.data["units"]] == ["导入的单元名", "第二单元"]


def test_restoring_the_course_text_keeps_the_units_where_they_are(app, world):
    first, second = _two_units(app, world, "draft-course")
    with app.app_context():
        course = _course("draft-course")
        instructor = db.session.get(User, world.instructor)
        revisions.save(course, None, instructor, {"summary": "第二版简介"}, base=None)
        building.rename_module(course, db.session.get(Module, first), instructor, "学习党章")
        building.move_module(course, db.session.get(Module, second), instructor, -1)
        restored = revisions.restore(course, None, instructor, 1)
        assert restored.data["summary"] == ""
        assert [title for _, title in restored.data["units"]] == ["第二单元", "学习党章"]
        assert _placed(course, "title") == [("第二单元", 0), ("学习党章", 1)]


def test_members_see_no_unit_without_a_lesson_they_may_study(app, world):
    """A unit added to a published course is unnamed to members until a lesson in it is
    approved; a quiz placed in it shows with the course's own quizzes."""
    _two_units(app, world)
    with app.app_context():
        course = _course("rules")
        instructor = db.session.get(User, world.instructor)
        added = building.add_module(course, instructor, "待审核的单元")
        building.new_lesson(
            course, added, instructor, title="待审核的课时", kind="text", hours=Decimal(1)
        )
        quiz = f.make_quiz([f.single()], course=course, title="新单元小测", kind="practice")
        quiz.module_id = added.id
        db.session.commit()
    _, member, _ = _clients(app)
    page = member.get("/courses/rules").get_data(as_text=True)
    assert "待审核的单元" not in page and "待审核的课时" not in page
    assert "新单元小测" in page[page.index("课程测验") :]
