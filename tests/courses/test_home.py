"""The home page: 继续学习 at the top, 我的待办, campaign deadlines, and how a course counts."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from school.auth.models import User
from school.clock import local_today
from school.courses import home
from school.courses import services as courses
from school.courses.models import Course
from school.db import db, utcnow
from school.notices import services as notices
from school.notices.models import Notice, NoticeRead
from school.notifications.models import Notification
from school.notifications.services import notify
from school.orgs.services import find_org
from school.quizzes.models import Attempt
from tests.conftest import login, post
from tests.factories import make_course
from tests.quizzes import factories as f


def _member() -> User:
    return db.session.scalar(select(User).where(User.username == "member"))


def _course(slug: str) -> Course:
    return db.session.scalar(select(Course).where(Course.slug == slug))


def _study(slug: str, lesson: str, at) -> None:
    """Inside an app context: the member completes a lesson at ``at``."""
    les = courses.get_lesson(_course(slug), lesson)
    courses.complete_lesson(_member(), les, now=at)


def _section(page: str, css_class: str) -> str:
    match = re.search(rf'<section class="card {css_class}".*?</section>', page, re.S)
    return match.group(0) if match else ""


def _home(client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_continue_shows_the_latest_course_in_progress_with_its_next_lesson(app, client, world):
    with app.app_context():
        make_course("other")
        now = utcnow()
        _study("other", "one", now - timedelta(days=2))
        _study("rules", "one", now - timedelta(days=1))
        db.session.commit()
    login(client, "member")
    resume = _section(_home(client), "resume")
    # rules was studied last: 1 of its 2 required lessons, 50 %, and lesson two is next.
    assert "继续学习" in resume and "课程 rules" in resume
    assert 'href="/courses/rules/two"' in resume and "继续学习：课时 two" in resume
    assert '<span class="visually-hidden">已完成 </span>50%' in resume
    assert 'stroke-dasharray="50 100"' in resume
    # The resume card comes before every course card.
    page = _home(client)
    assert page.index('class="card resume"') < page.index('class="card course-card"')


def test_a_completed_course_is_not_offered_to_continue(app, client, world):
    with app.app_context():
        make_course("other")
        now = utcnow()
        _study("other", "one", now - timedelta(days=2))
        _study("rules", "one", now - timedelta(days=1))
        _study("rules", "two", now)  # rules complete: other is the one in progress
        db.session.commit()
    login(client, "member")
    resume = _section(_home(client), "resume")
    assert "课程 other" in resume and 'href="/courses/other/two"' in resume


def test_with_nothing_in_progress_the_next_campaign_is_offered_to_start(app, client, world):
    login(client, "member")
    assert _section(_home(client), "resume") == ""  # nothing started, no campaign
    with app.app_context():
        _course("rules").deadline = local_today() + timedelta(days=10)
        db.session.commit()
    resume = _section(_home(client), "resume")
    assert "开始学习：课时 one" in resume and 'href="/courses/rules/one"' in resume
    assert "还剩 10 天" in resume


def test_campaign_deadlines_show_on_the_home_page_the_card_and_the_course_page(app, client, world):
    with app.app_context():
        _course("rules").deadline = local_today() + timedelta(days=3)
        _course("draft-course").deadline = local_today() + timedelta(days=1)
        later = make_course("later")
        later.deadline = local_today() + timedelta(days=40)
        deadline = (local_today() + timedelta(days=3)).isoformat()
        db.session.commit()
    login(client, "member")
    todo = _section(_home(client), "todo")
    assert "集中学习" in todo
    # The nearest deadline first; a draft is nobody's to-do.
    assert todo.index("课程 rules") < todo.index("课程 later")
    assert "还剩 3 天" in todo and "还剩 40 天" in todo and "draft" not in todo
    card = re.search(r'<li class="card course-card">.*?课程 rules.*?</li>', _home(client), re.S)
    assert f"{deadline} 截止 · 还剩 3 天" in card.group(0)
    course_page = client.get("/courses/rules").get_data(as_text=True)
    assert f"{deadline} 截止 · 还剩 3 天" in course_page and "集中学习" in course_page


def test_campaigns_are_this_years_and_later_ones_not_complete(app, world):
    today = date(2026, 6, 15)
    with app.app_context():
        made = {}
        for slug, deadline in (
            ("last-year", date(2025, 12, 31)),
            ("late", date(2026, 6, 13)),
            ("today", today),
            ("soon", date(2026, 6, 20)),
            ("done", date(2026, 7, 1)),
            ("regular", None),
        ):
            made[slug] = make_course(slug)
            made[slug].deadline = deadline
        _study("done", "one", utcnow())
        _study("done", "two", utcnow())
        listed = list(made.values())
        due = home.campaigns(listed, courses.progress(_member(), listed), today)
        assert [(c.course.slug, c.days_left, c.overdue) for c in due] == [
            ("late", -2, True),
            ("today", 0, False),
            ("soon", 5, False),
        ]


def test_deadlines_read_as_days_left_today_or_days_late(app):
    today = date(2026, 6, 15)
    with app.app_context():
        note = app.jinja_env.get_template("macros.html").module.deadline_note
        assert "2026-06-20 截止 · 还剩 5 天" in str(note(date(2026, 6, 20), today))
        assert "今天截止" in str(note(today, today))
        late = str(note(date(2026, 6, 13), today))
        assert "已逾期 2 天" in late and "is-late" in late


def test_a_finished_campaign_leaves_the_to_dos(app, client, world):
    with app.app_context():
        _course("rules").deadline = local_today() + timedelta(days=3)
        _study("rules", "one", utcnow())
        _study("rules", "two", utcnow())
        db.session.commit()
    login(client, "member")
    page = _home(client)
    assert "集中学习" not in _section(page, "todo")
    assert "目前没有待办事项" in page


def test_quizzes_due_are_required_exams_of_started_courses_and_exams_closing(app, client, world):
    with app.app_context():
        rules = _course("rules")
        required = f.make_quiz([f.single()], course=rules, kind="exam", title="结业考试")
        f.make_quiz([f.single()], course=_course("rules"), kind="practice", title="随堂练习")
        closing = f.make_quiz(
            [f.single()], kind="exam", title="专项答题", close_at=utcnow() + timedelta(days=2)
        )
        closed = utcnow() - timedelta(days=1)
        f.make_quiz([f.single()], kind="exam", title="已关闭", close_at=closed)
        make_course("unstarted")
        f.make_quiz([f.single()], course=_course("unstarted"), kind="exam", title="未开课考试")
        _study("rules", "one", utcnow())
        db.session.commit()
        required_id, closing_id = required.id, closing.id
    login(client, "member")
    todo = _section(_home(client), "todo")
    assert "待完成的测验" in todo
    # The one closing first comes first; practice, closed and not-yet-started ones stay out.
    first, second = f'href="/quizzes/{closing_id}"', f'href="/quizzes/{required_id}"'
    assert todo.index(first) < todo.index(second)
    assert "关闭" in todo and "必考，尚未通过" in todo
    for absent in ("随堂练习", "已关闭", "未开课考试"):
        assert absent not in todo
    with app.app_context():
        db.session.add(
            Attempt(
                quiz_id=required_id,
                user_id=_member().id,
                number=1,
                state="finished",
                max_score=Decimal(1),
                score=Decimal(1),
                passed=True,
                finished_at=utcnow(),
            )
        )
        db.session.commit()
    assert f'href="/quizzes/{required_id}"' not in _section(_home(client), "todo")


def test_replies_waiting_are_unread_replies_until_opened(app, client, world):
    with app.app_context():
        member = _member()
        notify([member], "reply", "您的咨询答疑“组织关系”有了答复", "/forum/threads/1")
        notify([member], "faq", "您的提问被选为常见问题", "/forum/threads/1")
        db.session.commit()
        reply_id = db.session.scalar(select(Notification.id).where(Notification.kind == "reply"))
    login(client, "member")
    todo = _section(_home(client), "todo")
    assert "待读的答复" in todo and "“组织关系”有了答复" in todo
    assert f'href="/notifications/{reply_id}"' in todo
    assert "常见问题" not in todo
    client.get(f"/notifications/{reply_id}")
    assert "待读的答复" not in _section(_home(client), "todo")


def _publish(app, title: str, org: str | None = None) -> int:
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.username == "admin"))
        notice = notices.create_notice(admin, title, "正文", find_org(org) if org else None)
        notices.publish_notice(admin, notice)
        db.session.commit()
        return notice.id


def test_notices_to_read_are_recent_ones_not_yet_opened(app, client, world):
    first = _publish(app, "年度集中学习安排")
    second = _publish(app, "春节返乡培训报名")
    elsewhere = _publish(app, "二支部的通知", "二支部")
    login(client, "member")
    todo = _section(_home(client), "todo")
    assert "待读的通知" in todo
    assert f'href="/notices/{first}"' in todo and f'href="/notices/{second}"' in todo
    assert f'href="/notices/{elsewhere}"' not in todo  # it does not reach the member
    # Opening a notice (twice: the first opening counts) takes it off the list.
    for _ in range(2):
        assert client.get(f"/notices/{first}").status_code == 200
    todo = _section(_home(client), "todo")
    assert f'href="/notices/{first}"' not in todo and f'href="/notices/{second}"' in todo
    with app.app_context():
        reads = db.session.scalars(select(NoticeRead)).all()
        assert [(r.notice_id, r.user_id) for r in reads] == [(first, _member().id)]
    # Another member still has both to read.
    other = app.test_client()
    login(other, "other")
    assert f'href="/notices/{first}"' in _section(_home(other), "todo")


def test_old_notices_are_not_to_dos_and_show_in_their_own_card(app, client, world):
    notice_id = _publish(app, "去年的通知")
    with app.app_context():
        db.session.get(Notice, notice_id).published_at = utcnow() - timedelta(days=31)
        db.session.commit()
    login(client, "member")
    page = _home(client)
    assert "待读的通知" not in _section(page, "todo")
    assert "通知公告" in page and f'href="/notices/{notice_id}"' in page


def test_a_withdrawn_notice_leaves_the_to_dos(app, client, world):
    notice_id = _publish(app, "将撤回的通知")
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.username == "admin"))
        notices.unpublish_notice(admin, db.session.get(Notice, notice_id))
        db.session.commit()
    login(client, "member")
    assert f'href="/notices/{notice_id}"' not in _home(client)


def test_a_course_of_four_lessons_and_an_exam_says_four(app, client, world):
    with app.app_context():
        course = make_course(
            "four", lessons=[("a", 1, True), ("b", 1, True), ("c", 1, True), ("d", 1, True)]
        )
        f.make_quiz([f.single()], course=course, kind="exam", required=True)
        db.session.commit()
    login(client, "member")
    card = re.search(r'<li class="card course-card">.*?课程 four.*?</li>', _home(client), re.S)
    assert "4 学时 · 4 课时" in card.group(0) and "5 课时" not in card.group(0)
    # Completion still counts the exam: five items to do.
    assert "已完成 0/5 项" in card.group(0)
    course_page = client.get("/courses/four").get_data(as_text=True)
    assert "4 课时" in course_page and "5 课时" not in course_page


def test_optional_lessons_count_as_lessons_not_as_requirements(app, client, world):
    login(client, "member")
    card = re.search(r'<li class="card course-card">.*?课程 rules.*?</li>', _home(client), re.S)
    # rules: two required lessons and an optional one.
    assert "3 课时" in card.group(0) and "已完成 0/2 项" in card.group(0)


def test_the_reading_size_is_kept_and_applied_to_every_page(app, client, world):
    login(client, "member")
    assert '<html lang="zh-CN" class="font-normal">' in _home(client)
    response = post(client, "/profile/reading", {"font_size": "xlarge"})
    assert response.status_code == 302 and response.headers["Location"].endswith("#reading")
    for url in ("/", "/courses/rules", "/archive/", "/profile/"):
        assert 'class="font-xlarge"' in client.get(url).get_data(as_text=True), url
    # Another phone of the same member gets it too: it is kept with the account.
    other_phone = app.test_client()
    login(other_phone, "member")
    assert 'class="font-xlarge"' in _home(other_phone)
    with app.app_context():
        assert _member().font_size == "xlarge"


def test_an_unknown_reading_size_is_refused_and_changes_nothing(app, client, world):
    login(client, "member")
    post(client, "/profile/reading", {"font_size": "large"})
    response = post(client, "/profile/reading", {"font_size": "huge"}, follow_redirects=True)
    assert "请选择标准、大或特大。" in response.get_data(as_text=True)
    with app.app_context():
        assert _member().font_size == "large"


def test_the_reading_size_needs_a_csrf_token(app, client, world):
    login(client, "member")
    response = client.post("/profile/reading", data={"font_size": "large"})
    assert response.status_code in (302, 400)
    with app.app_context():
        assert _member().font_size == "normal"


def test_the_tab_bar_shows_the_unread_count(app, client, world):
    with app.app_context():
        notify([_member()], "reply", "有了答复", "/forum/threads/1")
        db.session.commit()
    login(client, "member")
    page = _home(client)
    tabbar = re.search(r'<nav class="tabbar".*?</nav>', page, re.S).group(0)
    for label in ("首页", "学习", "咨询", "消息", "我的"):
        assert f"<span>{label}</span>" in tabbar
    assert '<span class="nav-badge">1<span class="visually-hidden"> 条未读</span>' in tabbar
    assert re.search(r'<a href="/"\s+aria-current="page">', tabbar)
