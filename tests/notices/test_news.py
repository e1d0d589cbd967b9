"""The school's news: categories as tabs, the writer's checks, category mutes and the
notification of new notices (set-based, muted categories left out unless required), 法规库 and
search."""

from datetime import timedelta

import pytest
from sqlalchemy import event, func, insert, select

from school.auth.models import User
from school.clock import local_today
from school.db import db
from school.notices import mutes, services
from school.notices.models import Notice, NoticeMute
from school.notices.services import NewsFields, NoticeError
from school.notifications.models import Notification
from school.orgs.services import find_org
from school.search.models import SearchDocument
from tests.conftest import post
from tests.notices.news_helpers import BODY, client_as, in_a_week, news, user


def _told(app, notice_id: int) -> list[str]:
    with app.app_context():
        return sorted(
            db.session.scalars(
                select(User.username)
                .join(Notification, Notification.user_id == User.id)
                .where(Notification.url == f"/notices/{notice_id}")
            )
        )


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Notice.id)))


def test_each_category_is_a_tab_and_old_notices_are_notices(app, world):
    with app.app_context():
        law = news("secretary", "一支部", "新修订的条例", category="law")
        home = news("secretary", "一支部", "家乡茶园项目", category="hometown")
        plain = news("secretary", "一支部", "主题党日安排")
        assert db.session.get(Notice, plain).category == "notice"
    member = client_as(app, "member")
    page = member.get("/notices/?category=law").get_data(as_text=True)
    assert "新修订的条例" in page and "家乡茶园项目" not in page and "主题党日安排" not in page
    assert 'aria-current="page">法律法规' in page
    everything = member.get("/notices/").get_data(as_text=True)
    assert all(t in everything for t in ("新修订的条例", "家乡茶园项目", "主题党日安排"))
    # An unknown category shows everything rather than an error.
    assert member.get("/notices/?category=bogus").status_code == 200
    assert law and home


def _form(**fields) -> dict:
    base = {
        "title": "学习通知",
        "org": "一支部",
        "body": BODY,
        "category": "notice",
        "action": "publish",
    }
    return {**base, **fields}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"required": "y"}, "必读通知请填写阅读截止日期"),
        (
            {"required": "y", "deadline": "2020-01-01"},
            "阅读截止日期不能早于今天",
        ),
        ({"category": "news", "video_url": "http://video.intra/a.mp4"}, "只有“专题片”栏目"),
        ({"category": "video", "video_url": "javascript:alert(1)"}, "视频地址应以 http://"),
        (
            {"category": "video", "video_url": "http://v.intra;script-src *@x/a.mp4"},
            "视频地址应以 http://",
        ),
        (
            {"category": "video", "video_url": "http://user:pw@v.intra/a.mp4"},
            "视频地址应以 http://",
        ),
        ({"category": "nonsense"}, "Not a valid choice"),
        ({"deadline": "明天"}, "日期格式不正确"),
    ],
)
def test_a_bad_notice_form_is_refused_and_creates_nothing(app, world, fields, message):
    client = client_as(app, "secretary")
    response = post(client, "/notices/new", _form(**fields))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page or message.replace("“", "&#34;") in page
    assert _count(app) == 0
    with app.app_context():
        assert db.session.scalar(select(func.count(Notification.id))) == 0


def test_a_required_notice_is_written_with_its_deadline(app, world):
    client = client_as(app, "secretary")
    with app.app_context():
        deadline = in_a_week()
    response = post(
        client,
        "/notices/new",
        _form(required="y", deadline=deadline.isoformat(), category="requirement"),
    )
    assert response.status_code == 302
    with app.app_context():
        notice = db.session.scalar(select(Notice))
        assert (notice.required, notice.deadline, notice.category) == (
            True,
            deadline,
            "requirement",
        )
        # The members of 一支部 (not its publisher): 张党员 and 孙查看, and how many it reached.
        assert notice.audience_count == 3
        texts = set(db.session.scalars(select(Notification.text)))
    assert texts == {f"必读：学习通知（请于{deadline.month}月{deadline.day}日前阅读）"}


def test_a_published_notice_cannot_become_required_afterwards(app, world):
    with app.app_context():
        notice_id = news("secretary", "一支部", "普通通知")
        notice = db.session.get(Notice, notice_id)
        with pytest.raises(NoticeError, match="不能再改为必读"):
            services.edit_notice(
                user("secretary"),
                notice,
                notice.title,
                BODY,
                notice.org,
                NewsFields(required=True, deadline=in_a_week()),
            )


def test_an_old_deadline_may_stay_when_the_text_is_corrected(app, world):
    with app.app_context():
        notice_id = news("secretary", "一支部", "必读", required=True)
        notice = db.session.get(Notice, notice_id)
        notice.deadline = local_today() - timedelta(days=3)
        db.session.flush()
        fields = NewsFields(required=True, deadline=notice.deadline)
        services.edit_notice(user("secretary"), notice, "必读（更正）", BODY, notice.org, fields)
        assert notice.title == "必读（更正）"


def test_muted_categories_are_not_told_but_required_reading_is(app, world):
    with app.app_context():
        mutes.set_muted(user("member"), ["news"])
        db.session.commit()
        ordinary = news("secretary", "一支部", "党建动态一则", category="news")
        other = news("secretary", "一支部", "通知一则")
        required = news("secretary", "一支部", "必读动态", category="news", required=True)
    assert _told(app, ordinary) == ["viewer"]
    assert _told(app, other) == ["member", "viewer"]
    assert _told(app, required) == ["member", "viewer"]


def test_the_member_mutes_categories_on_their_own_page(app, world):
    client = client_as(app, "member")
    page = client.get("/profile/").get_data(as_text=True)
    assert "通知提醒" in page and "必读通知无论是否勾选都会提醒您" in page
    response = post(client, "/notices/mutes", {"muted": ["news", "law"]})
    assert response.status_code == 302 and response.headers["Location"].endswith("#notice-mutes")
    with app.app_context():
        assert mutes.muted(user("member")) == {"news", "law"}
    page = client.get("/profile/").get_data(as_text=True)
    assert 'value="news" checked' in page and 'value="hometown" checked' not in page
    # An unknown category is refused and changes nothing; unchecking all clears them.
    post(client, "/notices/mutes", {"muted": ["news", "bogus"]})
    with app.app_context():
        assert mutes.muted(user("member")) == {"news", "law"}
    post(client, "/notices/mutes", {})
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(NoticeMute)) == 0


def test_saving_the_same_mutes_twice_keeps_one_row_each(app, world):
    with app.app_context():
        member = user("member")
        mutes.set_muted(member, ["law"])
        mutes.set_muted(member, ["law", "video"])
        db.session.commit()
        rows = db.session.scalars(
            select(NoticeMute.category).where(NoticeMute.user_id == member.id)
        ).all()
        assert sorted(rows) == ["law", "video"]


def _publish_statements(app, engine, members: int) -> list[str]:
    """The statements publishing a news notice to 一支部 runs when it has ``members`` more
    members, half of whom muted its category."""
    with app.app_context():
        branch = find_org("一支部")
        rows = [
            {
                "password_hash": "",
                "home_org_id": branch.id,
                "username": f"m{members}-{n}",
                "name": "党员",
            }
            for n in range(members)
        ]
        db.session.execute(insert(User), rows)
        ids = db.session.scalars(select(User.id).where(User.username.like(f"m{members}-%"))).all()
        db.session.execute(
            insert(NoticeMute), [{"user_id": i, "category": "news"} for i in ids[::2]]
        )
        notice = services.create_notice(
            user("secretary"), "动态", BODY, branch, news=NewsFields(category="news")
        )
        db.session.flush()
        statements: list[str] = []

        def record(conn, cursor, statement, *args):
            if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE")):
                statements.append(statement)

        event.listen(engine, "before_cursor_execute", record)
        try:
            services.publish_notice(user("secretary"), notice)
        finally:
            event.remove(engine, "before_cursor_execute", record)
        told = db.session.scalar(
            select(func.count(Notification.id)).where(Notification.url == f"/notices/{notice.id}")
        )
        assert told == members - len(ids[::2]) + 2  # and 张党员, 孙查看
        db.session.rollback()
        return statements


def test_notifying_runs_the_same_statements_for_ten_members_or_two_thousand(app, world, engine):
    few = _publish_statements(app, engine, 10)
    many = _publish_statements(app, engine, 2000)
    assert len(few) == len(many)
    assert sum(s.lstrip().upper().startswith("INSERT INTO NOTIFICATIONS") for s in many) == 1


def test_laws_stay_browsable_by_topic_and_text(app, world):
    with app.app_context():
        news("secretary", "一支部", "中国共产党纪律处分条例", category="law", topic="党内法规")
        news("secretary", "一支部", "劳动合同法要点", category="law", topic="国家法律")
        news("secretary", "一支部", "主题党日", category="news")
        news("admin", "二支部", "二支部的法规学习", category="law", topic="党内法规")
    member = client_as(app, "member")
    page = member.get("/notices/laws").get_data(as_text=True)
    assert "纪律处分条例" in page and "劳动合同法" in page
    assert "主题党日" not in page and "二支部的法规学习" not in page
    page = member.get("/notices/laws?topic=国家法律").get_data(as_text=True)
    assert "劳动合同法" in page and "纪律处分条例" not in page
    page = member.get("/notices/laws?q=纪律").get_data(as_text=True)
    assert "纪律处分条例" in page and "劳动合同法" not in page
    # A percent sign is text, not a wildcard.
    assert "没有找到相关的法律法规" in member.get("/notices/laws?q=%25").get_data(as_text=True)


def test_search_shows_the_category(app, world):
    with app.app_context():
        law = news("secretary", "一支部", "信访工作条例", category="law")
        home = news("secretary", "一支部", "返乡创业政策", category="hometown")
        plain = news("secretary", "一支部", "开会通知")
        docs = {
            d.object_id: (d.kind, d.title)
            for d in db.session.scalars(
                select(SearchDocument).where(SearchDocument.kind.in_(["law", "notice"]))
            )
        }
    assert docs[law] == ("law", "信访工作条例")
    assert docs[home] == ("notice", "【家乡发展】返乡创业政策")
    assert docs[plain] == ("notice", "开会通知")


@pytest.mark.parametrize(
    "url", ["/notices/?category=law", "/notices/laws?q=条例", "/notices/laws?topic=党内法规"]
)
def test_the_members_pages_run_few_statements(app, world, count_statements, url):
    with app.app_context():
        for n in range(8):
            news("secretary", "一支部", f"条例{n}", category="law", topic="党内法规")
    member = client_as(app, "member")
    response, statements = count_statements(member, url)
    assert response.status_code == 200
    assert len(statements) <= 6, statements


def test_a_notice_page_runs_few_statements(app, world, count_statements):
    with app.app_context():
        notice_id = news("secretary", "一支部", "必读", required=True)
    member = client_as(app, "member")
    response, statements = count_statements(member, f"/notices/{notice_id}")
    assert response.status_code == 200 and "我已阅读" in response.get_data(as_text=True)
    assert len(statements) <= 8, statements


def test_search_restricted_to_laws_finds_only_laws(app, world):
    with app.app_context():
        news("secretary", "一支部", "信访工作条例", category="law")
        news("secretary", "一支部", "信访接待日安排", category="news")
    page = client_as(app, "member").get("/search/?q=信访&kind=law").get_data(as_text=True)
    assert "信访工作条例" in page.replace("<mark>", "").replace("</mark>", "")
    assert "接待日" not in page
