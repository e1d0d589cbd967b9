"""Questions to FAQ: a private question becomes an anonymised FAQ copy; the asker may object."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from school.auth.models import User
from school.clock import to_local
from school.courses.models import Course
from school.db import db, utcnow
from school.forum import services
from school.forum.anonymise import findings
from school.forum.dashboard import dashboard_part
from school.forum.models import Post, Thread, ThreadEvent
from school.notifications.models import Notification
from school.search import service as search
from tests.conftest import login, post

ASKER = "张党员"  # the world's member
PHONE = "13812345678"


def _client(app, username: str):
    client = app.test_client()
    login(client, username)
    return client


def _user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def _answered(app, title="异地怎么交党费", body=None, **kwargs) -> int:
    """A private question of 张党员 (to 一支部) that 赵书记 answered; its id."""
    with app.app_context():
        _user("member").phone = PHONE
        body = body or f"我是{ASKER}，电话 {PHONE}，在深圳打工。"
        question = services.create_thread(
            _user("member"), services.NewThread("qa", title, body, **kwargs)
        )
        services.reply(_user("secretary"), question, "可以通过手机向所在党支部交纳。")
        db.session.commit()
        return question.id


def _form(question="在外地打工，党费怎么交？", answer="可以通过手机向所在党支部交纳。", **extra):
    return {
        "title": "在外地怎么交党费",
        "question": question,
        "answer": answer,
        "checked": "y",
        **extra,
    }


def _publish(app, question_id: int, username="secretary", **fields):
    return post(_client(app, username), f"/forum/threads/{question_id}/faq-copy", _form(**fields))


def _copy_id(app, question_id: int) -> int | None:
    with app.app_context():
        return db.session.scalar(select(Thread.id).where(Thread.faq_source_id == question_id))


def _snapshot(app, thread_id: int) -> tuple:
    """Everything about a thread its asker and handlers can see."""
    with app.app_context():
        thread = db.session.get(Thread, thread_id)
        posts = [(p.id, p.body_md, p.official, p.hidden) for p in thread.posts]
        return (
            thread.title,
            thread.body_md,
            thread.visibility,
            thread.state,
            thread.faq,
            thread.anonymous,
            thread.hidden,
            thread.locked,
            thread.last_activity_at,
            posts,
        )


def _notifications(app, username: str, kind: str = "faq") -> list[Notification]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(Notification)
                .join(User, User.id == Notification.user_id)
                .where(User.username == username, Notification.kind == kind)
                .order_by(Notification.id)
            )
        )


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


# --- publishing ------------------------------------------------------------------------------


def test_the_form_starts_from_the_question_and_answer_and_warns_of_what_identifies(app, world):
    question_id = _answered(app)
    page = _client(app, "secretary").get(f"/forum/threads/{question_id}/faq-copy")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "可以通过手机向所在党支部交纳。" in html  # the answer, ready to edit
    warning = html[html.index("可能识别出提问人") : html.index("</ul>")]
    assert f"提问人姓名：“{ASKER}”" in warning
    assert PHONE in warning


def test_the_copy_names_and_links_no_one_and_the_question_stays_as_it_was(app, world):
    question_id = _answered(app)
    before = _snapshot(app, question_id)
    response = _publish(app, question_id)
    copy_id = _copy_id(app, question_id)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/forum/threads/{copy_id}")

    # What members see: the question and answer as edited, no asker, no way back to the thread.
    for username in ("other", "floating", "instructor"):
        page = _client(app, username).get(f"/forum/threads/{copy_id}").get_data(as_text=True)
        assert "在外地打工，党费怎么交？" in page and "可以通过手机向所在党支部交纳。" in page
        assert ASKER not in page and PHONE not in page
        assert f"/forum/threads/{question_id}" not in page
        assert "整理自" not in page and "赵书记" in page  # the answer is signed, the source not
        assert "匿名党员" in page
        board = _client(app, username).get("/forum/qa/").get_data(as_text=True)
        assert "在外地怎么交党费" in board and ASKER not in board
        assert _client(app, username).get(f"/forum/threads/{question_id}").status_code == 404

    # The question is private and unchanged, and is still its asker's.
    assert _snapshot(app, question_id) == before
    asker_page = _client(app, "member").get(f"/forum/threads/{question_id}").get_data(as_text=True)
    assert "不同意公开" in asker_page

    # The handlers see who published it and from which question.
    staff = _client(app, "secretary").get(f"/forum/threads/{copy_id}").get_data(as_text=True)
    assert "整理自" in staff and f"/forum/threads/{question_id}" in staff and "公开中" in staff

    # The asker is told, with a link to their question, where they may object.
    (told,) = _notifications(app, "member")
    assert told.url == f"/forum/threads/{question_id}" and "不同意公开" in told.text
    assert "日前" in told.text and ASKER not in told.text


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"question": f"我是{ASKER}，党费怎么交？"}, "提问人姓名"),
        ({"question": f"{ASKER[0]} {ASKER[1:]}问：党费怎么交？"}, "提问人姓名"),
        ({"answer": "请拨打 138-1234-5678 联系。"}, "提问人的电话或证件号"),
        ({"answer": "身份证号 110101199003071234 已登记。"}, "身份证号"),
        ({"answer": "详见 /forum/threads/{question_id}"}, "指向原提问的链接"),
        ({"checked": ""}, "请逐项核对"),
        ({"answer": ""}, "请填写答复"),
    ],
)
def test_identifying_or_missing_text_is_refused_and_nothing_is_published(
    app, world, fields, message
):
    question_id = _answered(app)
    threads, posts = _count(app, Thread), _count(app, Post)
    fields = {k: v.format(question_id=question_id) for k, v in fields.items()}
    response = _publish(app, question_id, **fields)
    assert response.status_code == 200  # the form again, with what was typed
    assert message in response.get_data(as_text=True)
    assert (_count(app, Thread), _count(app, Post)) == (threads, posts)
    assert _notifications(app, "member") == []


def test_a_hotline_is_pointed_out_but_may_stay(app, world):
    question_id = _answered(app)
    response = _publish(app, question_id, answer="可以拨打组织部电话 0571-88889999 咨询。")
    assert response.status_code == 302
    page = _client(app, "other").get(response.headers["Location"]).get_data(as_text=True)
    assert "0571-88889999" in page


def test_a_question_is_published_once(app, world):
    question_id = _answered(app)
    assert _publish(app, question_id).status_code == 302
    again = _publish(app, question_id, username="admin")
    assert again.status_code == 302 and again.headers["Location"].endswith(
        f"/forum/threads/{question_id}"
    )
    with app.app_context():
        copies = db.session.scalar(
            select(func.count()).select_from(Thread).where(Thread.faq_source_id == question_id)
        )
        assert copies == 1
        question = db.session.get(Thread, question_id)
        with pytest.raises(services.ForumError, match="已设为常见问题"):
            services.publish_faq_copy(
                _user("secretary"), question, services.FaqDraft("标题", "问题", "答复")
            )


def test_editing_a_copy_cannot_bring_the_asker_back(app, world):
    question_id = _answered(app)
    _publish(app, question_id)
    copy_id = _copy_id(app, question_id)
    secretary = _client(app, "secretary")
    response = post(
        secretary,
        f"/forum/threads/{copy_id}/edit",
        {"title": "在外地怎么交党费", "body": f"{ASKER}问：党费怎么交？"},
    )
    assert response.status_code == 302
    with app.app_context():
        copy = db.session.get(Thread, copy_id)
        assert ASKER not in copy.body_md
        answer = copy.posts[0]
    post(secretary, f"/forum/posts/{answer.id}/edit", {"body": f"已告知 {PHONE}"})
    with app.app_context():
        assert PHONE not in db.session.get(Post, answer.id).body_md


# --- refusals --------------------------------------------------------------------------------


def test_who_may_not_publish_is_refused_and_nothing_changes(app, world):
    question_id = _answered(app)
    before, threads = _snapshot(app, question_id), _count(app, Thread)
    # The asker sees the question but is no handler; other branches and instructors do not see it.
    refused = (("member", 403), ("other", 404), ("committee", 404), ("instructor", 404))
    for username, status in refused:
        client = _client(app, username)
        assert client.get(f"/forum/threads/{question_id}/faq-copy").status_code == status
        response = post(client, f"/forum/threads/{question_id}/faq-copy", _form())
        assert response.status_code == status, username
    assert _count(app, Thread) == threads and _snapshot(app, question_id) == before
    assert _notifications(app, "member") == []


def test_an_unanswered_question_cannot_be_published(app, world):
    with app.app_context():
        question = services.create_thread(
            _user("member"), services.NewThread("qa", "还没人答", "请问")
        )
        db.session.commit()
        question_id = question.id
    response = _publish(app, question_id)
    assert response.status_code == 302
    assert _copy_id(app, question_id) is None
    page = _client(app, "secretary").get(f"/forum/threads/{question_id}").get_data(as_text=True)
    assert "不能设为常见问题：该问题尚未答复" in page


# --- the button says why ---------------------------------------------------------------------


def _faq_section(page: str) -> str:
    match = re.search(r"<h2>常见问题</h2>(.*?)</section>", page, re.S)
    return match.group(1) if match else ""


def test_the_faq_button_or_the_reason_it_is_missing(app, world):
    question_id = _answered(app)
    secretary = _client(app, "secretary")
    url = f"/forum/threads/{question_id}"
    assert "整理为匿名常见问题" in _faq_section(secretary.get(url).get_data(as_text=True))
    # Members never see the staff tools, not even on their own question.
    assert _faq_section(_client(app, "member").get(url).get_data(as_text=True)) == ""
    _publish(app, question_id)
    assert "已设为常见问题" in _faq_section(secretary.get(url).get_data(as_text=True))
    post(_client(app, "member"), f"{url}/faq-objection")
    assert "提问人不同意公开" in _faq_section(secretary.get(url).get_data(as_text=True))


def test_staff_who_do_not_answer_a_public_question_are_told_so(app, world):
    with app.app_context():
        question = services.create_thread(
            _user("member"), services.NewThread("qa", "公开的问题", "大家好", public=True)
        )
        db.session.commit()
        url = f"/forum/threads/{question.id}"
    # The instructor reads 一支部's public question but does not answer it.
    section = _faq_section(_client(app, "instructor").get(url).get_data(as_text=True))
    assert "您不是该问题的答复人" in section
    assert _faq_section(_client(app, "other").get(url).get_data(as_text=True)) == ""
    # Its handlers promote it as it is.
    assert "设为常见问题" in _faq_section(_client(app, "secretary").get(url).get_data(as_text=True))


# --- objection -------------------------------------------------------------------------------


def test_an_objection_withdraws_the_copy_at_once_and_tells_its_publisher(app, world):
    question_id = _answered(app)
    _publish(app, question_id)
    copy_id = _copy_id(app, question_id)
    before = _snapshot(app, question_id)
    asker = _client(app, "member")
    response = post(asker, f"/forum/threads/{question_id}/faq-objection", {"reason": "怕被认出"})
    assert response.status_code == 302

    # Members no longer see it, anywhere.
    other = _client(app, "other")
    assert other.get(f"/forum/threads/{copy_id}").status_code == 404
    assert "在外地怎么交党费" not in other.get("/forum/qa/").get_data(as_text=True)
    # Its handlers see it withdrawn, with the reason; the question is as it was.
    staff = _client(app, "secretary").get(f"/forum/threads/{copy_id}").get_data(as_text=True)
    assert "已撤下" in staff and "怕被认出" in staff
    assert _snapshot(app, question_id) == before
    (told,) = _notifications(app, "secretary")
    assert told.url == f"/forum/threads/{copy_id}" and ASKER not in told.text
    page = asker.get(f"/forum/threads/{question_id}").get_data(as_text=True)
    assert "您已表示不同意公开" in page

    # Objecting again changes nothing.
    events = _count(app, ThreadEvent)
    post(asker, f"/forum/threads/{question_id}/faq-objection", {"reason": "再说一次"})
    assert _count(app, ThreadEvent) == events
    assert len(_notifications(app, "secretary")) == 1


def test_only_the_asker_may_object(app, world):
    question_id = _answered(app)
    _publish(app, question_id)
    copy_id = _copy_id(app, question_id)
    for username, status in (("secretary", 403), ("admin", 403), ("other", 404)):
        response = post(_client(app, username), f"/forum/threads/{question_id}/faq-objection")
        assert response.status_code == status, username
    # Nor on the copy itself, whose author is its publisher.
    post(_client(app, "other"), f"/forum/threads/{copy_id}/faq-objection")
    assert _client(app, "other").get(f"/forum/threads/{copy_id}").status_code == 200
    assert _notifications(app, "secretary") == []


def test_an_objection_after_the_stated_period_still_withdraws(app, world):
    question_id = _answered(app)
    _publish(app, question_id)
    with app.app_context():
        copy = db.session.get(Thread, _copy_id(app, question_id))
        copy.created_at = utcnow() - timedelta(days=30)
        db.session.commit()
    post(_client(app, "member"), f"/forum/threads/{question_id}/faq-objection")
    copy_url = f"/forum/threads/{_copy_id(app, question_id)}"
    assert _client(app, "other").get(copy_url).status_code == 404


# --- search and the course page --------------------------------------------------------------


def test_the_copy_is_found_as_faq_and_the_question_by_nobody_else(app, world):
    question_id = _answered(app, body="我在深圳的工地，想问党费的缴纳办法。")
    _publish(app, question_id, question="外地党员党费的缴纳办法？")
    with app.app_context():
        found = search.search(_user("other"), "缴纳办法")
        assert [(h.kind, h.url) for h in found.hits] == [
            ("faq", f"/forum/threads/{_copy_id(app, question_id)}")
        ]
        assert search.search(_user("other"), "工地").total == 0
    post(_client(app, "member"), f"/forum/threads/{question_id}/faq-objection")
    with app.app_context():
        assert search.search(_user("other"), "缴纳办法").total == 0


def test_a_course_question_copy_is_on_the_course_page_until_the_asker_objects(app, world):
    with app.app_context():
        course = db.session.scalar(select(Course).where(Course.slug == "rules"))
        course.instructors.append(_user("instructor"))
        question = services.create_thread(
            _user("member"),
            services.NewThread("qa", "学时怎么算", "请问", course=course, lesson=course.lessons[0]),
        )
        services.reply(_user("instructor"), question, "每学一小时算一个学时。")
        db.session.commit()
        question_id = question.id
    response = _publish(app, question_id, username="instructor", answer="每学一小时算一个学时。")
    assert response.status_code == 302
    page = _client(app, "other").get("/courses/rules").get_data(as_text=True)
    assert "在外地怎么交党费" in page[page.index("常见问题") :]
    post(_client(app, "member"), f"/forum/threads/{question_id}/faq-objection")
    page = _client(app, "other").get("/courses/rules").get_data(as_text=True)
    assert "在外地怎么交党费" not in page


# --- the instructor's dashboard --------------------------------------------------------------


def test_the_dashboard_counts_questions_waiting_for_the_instructor(app, world):
    with app.app_context():
        instructor, member = _user("instructor"), _user("member")
        course = db.session.scalar(select(Course).where(Course.slug == "rules"))
        course.instructors.append(instructor)
        lesson = course.lessons[0]
        old = utcnow() - timedelta(days=30)
        for title, now in (("新问题", None), ("老问题", old)):
            services.create_thread(
                member,
                services.NewThread("qa", title, "请问", course=course, lesson=lesson),
                now=now,
            )
        answered = services.create_thread(
            member, services.NewThread("qa", "答过的问题", "请问", course=course, lesson=lesson)
        )
        services.reply(instructor, answered, "答复")
        # A ticket of 一支部 assigned to nobody waits for the branch, not for the instructor.
        services.create_thread(member, services.NewThread("suggestion", "建议", "内容"))
        db.session.commit()
    with app.test_request_context():
        tally = dashboard_part(_user("instructor"), utcnow().date())["questions"]
        assert (tally.count, tally.urgent) == (2, 1)
        assert tally.url == "/forum/queue?waiting=1"
        # An instructor who teaches nothing has nothing waiting.
        assert dashboard_part(_user("admin"), utcnow().date())["questions"].count == 0
    listed = _client(app, "instructor").get("/forum/queue?waiting=1").get_data(as_text=True)
    assert "新问题" in listed and "老问题" in listed and "答过的问题" not in listed


def test_items_assigned_to_someone_wait_for_them(app, world):
    with app.app_context():
        secretary = _user("secretary")
        ticket = services.create_thread(
            _user("member"), services.NewThread("help", "欠薪", "请帮忙", help_category="wages")
        )
        services.assign(secretary, ticket, secretary)
        db.session.commit()
    with app.test_request_context():
        assert dashboard_part(_user("secretary"), utcnow().date())["questions"].count == 1
        assert dashboard_part(_user("viewer"), utcnow().date())["questions"].count == 0


# --- what looks identifying ------------------------------------------------------------------


class _Asker:
    name = "王小明"
    phone = "139 0000 1111"
    membership_no = "DY20240001"
    certificate_no = None


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("王小明同志您好", ["name"]),
        ("王 小明", ["name"]),
        ("联系 13900001111", ["own_number"]),
        ("党员编号 DY20240001", ["own_number"]),
        ("１３８１２３４５６７８", ["phone"]),  # full-width digits
        ("身份证 11010119900307123X", ["id_number"]),
        ("见 /forum/threads/7#post-3", ["link"]),
        ("见 /forum/threads/70", []),
        ("2024年10月学习32学时，编号20241001", []),
    ],
)
def test_what_looks_identifying(text, kinds):
    assert [f.kind for f in findings(text, _Asker(), 7)] == kinds


def test_a_copy_has_no_workflow_to_move(app, world):
    question_id = _answered(app)
    _publish(app, question_id)
    copy_id = _copy_id(app, question_id)
    secretary = _client(app, "secretary")
    assert "状态改为" not in secretary.get(f"/forum/threads/{copy_id}").get_data(as_text=True)
    post(secretary, f"/forum/threads/{copy_id}/state", {"to": "answered"})
    with app.app_context():
        assert db.session.get(Thread, copy_id).state == "resolved"


@pytest.mark.parametrize("config_overrides", [{"FORUM_FAQ_OBJECTION_DAYS": 14}])
def test_the_period_stated_to_the_asker_is_configurable(app, world, config_overrides):
    question_id = _answered(app)
    _publish(app, question_id)
    with app.app_context():
        until = to_local(db.session.get(Thread, _copy_id(app, question_id)).created_at)
    until += timedelta(days=14)
    (told,) = _notifications(app, "member")
    assert f"{until.month} 月 {until.day} 日前" in told.text
    page = _client(app, "member").get(f"/forum/threads/{question_id}").get_data(as_text=True)
    assert f"{until.date().isoformat()} 前提出" in page
