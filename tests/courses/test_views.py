"""Studying through the web: lesson pages, marking lessons, media for phones."""

import pytest
from sqlalchemy import func, select

from school.archive.models import ArchiveEntry
from school.auth.models import User
from school.courses import services as courses
from school.courses.models import Lesson, LessonCompletion
from school.db import db
from school.forum.services import NewThread, create_thread
from tests.conftest import csrf_token, login, post
from tests.quizzes import factories as f


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(model.id)))


def test_member_studies_a_course_through_the_pages(app, client, world):
    login(client, "member")
    page = client.get("/courses/rules").get_data(as_text=True)
    assert "开始学习：课时 one" in page and "已完成 0/2" in page
    client.get("/courses/rules/one")
    response = post(client, "/courses/rules/one/complete")
    assert response.headers["Location"] == "/courses/rules/two"
    assert "已记录：《课时 one》，1 学时。" in client.get("/courses/rules/two").get_data(
        as_text=True
    )
    post(client, "/courses/rules/two/complete")
    page = client.get("/courses/rules").get_data(as_text=True)
    assert "恭喜！您已完成课程《课程 rules》" in page and "已完成 2/2" in page


def test_double_submit_and_a_second_tab_give_one_record(app, client, world):
    login(client, "member")
    client.get("/courses/rules/one")
    token = csrf_token(client)
    second_tab = app.test_client()
    login(second_tab, "member")
    second_tab.get("/courses/rules/one")
    for tab in (client, client, second_tab):
        response = tab.post(
            "/courses/rules/one/complete",
            data={"csrf_token": token if tab is client else csrf_token(tab)},
        )
        assert response.status_code == 302
    assert _count(app, LessonCompletion) == 1
    assert _count(app, ArchiveEntry) == 1


def test_marking_without_opening_the_lesson_is_refused(app, client, world):
    login(client, "member")
    response = post(client, "/courses/rules/one/complete")
    assert response.headers["Location"] == "/courses/rules/one"
    assert "请先阅读本课内容" in client.get("/courses/rules/one").get_data(as_text=True)
    assert _count(app, LessonCompletion) == 0


def test_expired_csrf_token_keeps_the_member_on_a_page_that_explains(app, client, world):
    login(client, "member")
    client.get("/courses/rules/one")
    response = client.post(
        "/courses/rules/one/complete",
        data={"csrf_token": "expired"},
        headers={"Referer": "http://localhost/courses/rules/one"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "页面已过期" in page and 'href="/courses/rules/one"' in page
    assert _count(app, LessonCompletion) == 0


def test_foreign_referer_is_not_offered_as_the_way_back(client, world):
    login(client, "member")
    response = client.post(
        "/courses/rules/one/complete",
        data={"csrf_token": "expired"},
        headers={"Referer": "https://evil.example/phish"},
    )
    assert "evil.example" not in response.get_data(as_text=True)


def _video_lesson(app, tmp_path) -> int:
    media = tmp_path / "media"
    media.mkdir(exist_ok=True)
    (media / "abc.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 40)
    with app.app_context():
        lesson = db.session.scalar(select(Lesson).where(Lesson.slug == "one"))
        lesson.kind, lesson.media_name, lesson.media_type = "video", "abc.mp4", "video/mp4"
        db.session.commit()
        return lesson.id


def test_video_is_served_with_range_requests_so_phones_can_seek(app, client, world, tmp_path):
    lesson_id = _video_lesson(app, tmp_path)
    login(client, "member")
    assert f'src="/media/lessons/{lesson_id}"' in client.get("/courses/rules/one").get_data(
        as_text=True
    )
    with client.get(f"/media/lessons/{lesson_id}", headers={"Range": "bytes=100-199"}) as response:
        assert response.status_code == 206
        assert response.headers["Content-Range"].startswith("bytes 100-199/")
        assert len(response.data) == 100
        assert response.headers["Accept-Ranges"] == "bytes"


def test_pdf_lesson_offers_its_file_with_its_size_and_opens_it_in_the_browser(
    app, client, world, tmp_path
):
    media = tmp_path / "media"
    media.mkdir(exist_ok=True)
    pdf = b"%PDF-1.4\n" + bytes(65 * 1024)
    (media / "abc.pdf").write_bytes(pdf)
    with app.app_context():
        lesson = db.session.scalar(select(Lesson).where(Lesson.slug == "one"))
        lesson.kind, lesson.media_name, lesson.media_type = "document", "abc.pdf", "application/pdf"
        db.session.commit()
        lesson_id = lesson.id
    login(client, "member")
    html = client.get("/courses/rules/one").get_data(as_text=True)
    assert (
        f'href="/media/lessons/{lesson_id}" target="_blank" rel="noopener">打开 PDF（65 KB）</a>'
        in (html)
    )
    assert f'href="/media/lessons/{lesson_id}" download=' in html
    with client.get(f"/media/lessons/{lesson_id}") as response:
        assert response.status_code == 200
        assert response.mimetype == "application/pdf"
        # Shown in the phone's PDF viewer, not pushed into its downloads.
        assert "attachment" not in response.headers.get("Content-Disposition", "")
        assert response.data == pdf


def test_media_of_a_draft_course_is_hidden_from_members(app, client, world, tmp_path):
    lesson_id = _video_lesson(app, tmp_path)
    with app.app_context():
        db.session.get(Lesson, lesson_id).course.status = "draft"
        db.session.commit()
    login(client, "member")
    assert client.get(f"/media/lessons/{lesson_id}").status_code == 404


def test_unknown_pages_answer_in_chinese_without_internals(client, world):
    response = client.get("/no/such/page")
    page = response.get_data(as_text=True)
    assert response.status_code == 404 and "页面不存在" in page
    assert "Traceback" not in page and "werkzeug" not in page.lower()


class TestServerError:
    @pytest.fixture
    def config_overrides(self):
        # Let the error handler answer instead of the test client re-raising the exception.
        return {"PROPAGATE_EXCEPTIONS": False}

    def test_crash_shows_a_chinese_page_and_no_internals(self, app, client, world):
        @app.get("/boom")
        def boom():
            raise RuntimeError("secret internal detail")

        response = client.get("/boom")
        page = response.get_data(as_text=True)
        assert response.status_code == 500 and "服务器出错了" in page
        assert "secret internal detail" not in page and "Traceback" not in page


def test_forbidden_page_is_in_chinese(client, world):
    login(client, "member")
    response = client.get("/manage/members/")
    assert response.status_code == 403 and "没有权限" in response.get_data(as_text=True)


def test_course_page_shows_its_quizzes_and_faq_from_the_features_that_add_them(app, client, world):
    """Quizzes and the FAQ come through the course page registry; the page title stays plain."""
    with app.app_context():
        course = courses.get_course("rules")
        member = db.session.get(User, world.member)
        unit = f.make_quiz([f.single()], course=course, title="单元小测", kind="practice")
        unit.module_id = course.modules[0].id
        exam = f.make_quiz(
            [f.single()], course=course, title="结业考试", kind="exam", required=True
        )
        question = NewThread(board="qa", title="学时怎么算", body="请问", public=True)
        thread = create_thread(member, question)
        thread.course_id, thread.faq = course.id, True
        # A private question flagged FAQ by mistake stays private.
        private = create_thread(member, NewThread(board="qa", title="我家的情况", body="私事"))
        private.course_id, private.faq = course.id, True
        db.session.commit()
        exam_id = exam.id
    login(client, "member")
    page = client.get("/courses/rules").get_data(as_text=True)
    assert "<title>课程 rules · 网上党校</title>" in page
    # Two required lessons and the required exam count towards completion; practice does not.
    assert "已完成 0/3" in page
    module = page[page.index("第一单元") : page.index("课程测验")]
    assert "单元小测" in module and "练习" in module
    course_level = page[page.index("课程测验") : page.index("常见问题")]
    assert "结业考试" in course_level and "（必考）" in course_level
    assert f"/quizzes/{exam_id}" in course_level
    assert "学时怎么算" in page[page.index("常见问题") :]
    assert "我家的情况" not in page


def test_lessons_numbered_alike_keep_one_order_on_every_page(app, client, world):
    """Two lesson files with the same number: the lesson pager, the course page and the redirect
    after marking a lesson all take them by position, then by id."""
    with app.app_context():
        for lesson in courses.get_course("rules").lessons:
            lesson.position = 1
        db.session.commit()
    login(client, "member")
    page = client.get("/courses/rules/two").get_data(as_text=True)
    assert "第 2/3 课" in page
    assert 'href="/courses/rules/one">‹ 上一课' in page
    assert 'href="/courses/rules/extra">下一课 ›' in page
    client.get("/courses/rules/one")
    assert post(client, "/courses/rules/one/complete").headers["Location"] == "/courses/rules/two"


def test_a_member_who_studied_a_lesson_since_retired_continues_the_course(app, client, world):
    login(client, "member")
    client.get("/courses/rules/one")
    post(client, "/courses/rules/one/complete")
    with app.app_context():
        next(les for les in courses.get_course("rules").lessons if les.slug == "one").retired = True
        db.session.commit()
    page = client.get("/courses/rules").get_data(as_text=True)
    assert "继续学习：课时 two" in page and '/courses/rules/one"' not in page


def test_a_retired_lesson_is_gone_from_the_pages(app, client, world):
    with app.app_context():
        next(les for les in courses.get_course("rules").lessons if les.slug == "two").retired = True
        db.session.commit()
    login(client, "member")
    assert client.get("/courses/rules/two").status_code == 404
    assert post(client, "/courses/rules/two/complete").status_code == 404
    page = client.get("/courses/rules/one").get_data(as_text=True)
    assert "第 1/2 课" in page and 'href="/courses/rules/extra">下一课 ›' in page
