"""Required reading: receipts only from the members a notice is addressed to (once, two tabs
or not), the staff's read lists scoped to their subtrees, the export, reminders at most once a
day, and the required notices whose read rate is low."""

import io
import threading
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from school import events
from school.clock import local_today
from school.db import db
from school.notices import following, reads
from school.notices.models import Notice, NoticeRead, NoticeReminder
from school.notices.permissions import can_follow_reads, is_addressed
from school.notices.services import NoticeError
from school.notifications.models import Notification
from tests.conftest import post
from tests.factories import build_world, make_user
from tests.notices.news_helpers import client_as, news, user
from tests.test_events import recording


def _reads(app, notice_id: int) -> list[str]:
    with app.app_context():
        return sorted(
            db.session.scalars(
                select(NoticeRead.user_id).where(NoticeRead.notice_id == notice_id)
            ).all()
        )


def test_only_the_members_addressed_leave_a_receipt(app, world):
    with app.app_context():
        branch = db.session.get(Notice, news("secretary", "一支部", "必读", required=True))
        draft = db.session.get(Notice, news("secretary", "一支部", "草稿", publish=False))
        assert is_addressed(user("member"), branch)
        for username, notice in (
            ("other", branch),  # another branch's member
            ("committee", branch),  # staff elsewhere
            ("admin", branch),  # admins read everything and are addressed nothing
            ("member", draft),
        ):
            with recording(events.notice_read) as sent, pytest.raises(NoticeError):
                reads.mark_read(user(username), notice)
            assert sent == []
        assert db.session.scalar(select(func.count()).select_from(NoticeRead)) == 0


def test_a_receipt_is_refused_with_404_outside_the_audience(app, world):
    with app.app_context():
        notice_id = news("secretary", "一支部", "必读", required=True)
    other = client_as(app, "other")
    assert post(other, f"/notices/{notice_id}/read").status_code == 404
    assert other.get(f"/notices/{notice_id}").status_code == 404
    assert _reads(app, notice_id) == []


def test_staff_above_may_read_but_leave_no_receipt(app, world):
    with app.app_context():
        district = news("admin", "区委", "区委必读", required=True)
    admin = client_as(app, "admin")
    page = admin.get(f"/notices/{district}").get_data(as_text=True)
    assert "我已阅读" not in page
    response = post(admin, f"/notices/{district}/read", follow_redirects=True)
    assert "不需要回执" in response.get_data(as_text=True)
    assert _reads(app, district) == []


def test_the_first_receipt_is_announced_once_with_its_facts(app, world):
    with app.app_context():
        notice = db.session.get(Notice, news("secretary", "一支部", "必读", required=True))
        member = user("member")
        early = datetime.now(UTC)
        with recording(events.notice_read) as sent:
            assert reads.mark_read(member, notice, now=early) is True
            assert reads.mark_read(member, notice) is False  # a second tap is not news
        assert sent == [
            (member, {"notice": notice, "at": early, "required": True, "on_time": True})
        ]
        late = datetime.combine(notice.deadline + timedelta(days=2), datetime.min.time(), UTC)
        with recording(events.notice_read) as sent:
            reads.mark_read(user("viewer"), notice, now=late)
        assert sent[0][1]["on_time"] is False
        ordinary = db.session.get(Notice, news("secretary", "一支部", "普通"))
        with recording(events.notice_read) as sent:
            reads.mark_read(member, ordinary)
        assert (sent[0][1]["required"], sent[0][1]["on_time"]) == (False, False)


def test_opening_a_required_notice_waits_for_the_confirmation(app, world):
    with app.app_context():
        notice_id = news("secretary", "一支部", "必读", required=True)
        member_id = user("member").id
    member = client_as(app, "member")
    assert "我已阅读" in member.get(f"/notices/{notice_id}").get_data(as_text=True)
    assert _reads(app, notice_id) == []
    response = post(member, f"/notices/{notice_id}/read", follow_redirects=True)
    assert "已确认阅读" in response.get_data(as_text=True)
    assert "您已于" in member.get(f"/notices/{notice_id}").get_data(as_text=True)
    post(member, f"/notices/{notice_id}/read")
    assert _reads(app, notice_id) == [member_id]


def test_two_tabs_confirming_at_once_leave_one_receipt_and_one_event(committed_app):
    with committed_app.app_context():
        build_world()
        notice_id = news("secretary", "一支部", "必读", required=True)
    barrier = threading.Barrier(3)
    outcomes: list[bool] = []
    with recording(events.notice_read) as sent:

        def tab() -> None:
            barrier.wait(timeout=10)
            with committed_app.app_context():
                first = reads.mark_read(user("member"), db.session.get(Notice, notice_id))
                db.session.commit()
                outcomes.append(first)

        threads = [threading.Thread(target=tab) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert sorted(outcomes) == [False, False, True]
    assert len(sent) == 1
    with committed_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(NoticeRead)) == 1


def _names(page: str, *names: str) -> list[str]:
    return [name for name in names if name in page]


def test_the_read_list_is_cut_to_the_staff_members_subtree(app, world):
    with app.app_context():
        school = db.session.get(Notice, news("admin", None, "全校必读", required=True))
        reads.mark_read(user("member"), school)
        db.session.commit()
        assert can_follow_reads(user("secretary"), school)
        assert not can_follow_reads(user("viewer"), school)  # reads, does not manage
        assert not can_follow_reads(user("member"), school)
        school_id = school.id
    secretary = client_as(app, "secretary")
    page = secretary.get(f"/notices/{school_id}/readers").get_data(as_text=True)
    assert _names(page, "张党员", "孙查看", "赵书记", "李党员", "陈流动") == [
        "张党员",
        "孙查看",
        "赵书记",
    ]
    assert "已读 1" in page and "未读 2" in page
    unread = secretary.get(f"/notices/{school_id}/readers?show=unread").get_data(as_text=True)
    assert _names(unread, "张党员", "孙查看") == ["孙查看"]
    committee = client_as(app, "committee")
    page = committee.get(f"/notices/{school_id}/readers").get_data(as_text=True)
    assert _names(page, "张党员", "陈流动", "钱工委") == ["陈流动", "钱工委"]
    admin = client_as(app, "admin")
    page = admin.get(f"/notices/{school_id}/readers").get_data(as_text=True)
    assert len(_names(page, "张党员", "孙查看", "赵书记", "李党员", "陈流动", "王教员")) == 6


def test_staff_outside_the_scope_see_no_read_list(app, world):
    with app.app_context():
        notice_id = news("secretary", "一支部", "必读", required=True)
    for username, status in (("committee", 404), ("other", 404), ("viewer", 403), ("member", 403)):
        client = client_as(app, username)
        assert client.get(f"/notices/{notice_id}/readers").status_code == status, username
        assert client.get(f"/notices/{notice_id}/readers.xlsx").status_code == status, username
        assert post(client, f"/notices/{notice_id}/remind").status_code == status, username
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(NoticeReminder)) == 0


def test_the_read_list_pages_and_its_statements_do_not_grow(app, world, count_statements):
    with app.app_context():
        branch = user("member").home_org
        for n in range(60):
            make_user(f"bulk{n:02}", f"党员{n:02}", home_org=branch).membership_no = f"Q{n:04}"
        db.session.commit()
        notice_id = news("secretary", "一支部", "必读", required=True)
    secretary = client_as(app, "secretary")
    first, statements = count_statements(secretary, f"/notices/{notice_id}/readers")
    assert "第 1/2 页" in first.get_data(as_text=True)
    assert len(statements) <= 10, "\n".join(x[:150] for x in statements)
    second = secretary.get(f"/notices/{notice_id}/readers?page=2").get_data(as_text=True)
    assert "党员59" in second or "赵书记" in second


def test_the_export_is_the_whole_list_and_formula_safe(app, world):
    with app.app_context():
        member = user("member")
        member.name, member.membership_no = '=HYPERLINK("http://x")', "Q0001"
        notice = db.session.get(Notice, news("secretary", "一支部", "必读", required=True))
        reads.mark_read(member, notice)
        db.session.commit()
        notice_id = notice.id
    response = client_as(app, "secretary").get(f"/notices/{notice_id}/readers.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("党员编号", "姓名", "所在党组织", "是否已读", "阅读时间")
    assert len(rows) == 4  # 张党员, 孙查看, 赵书记
    read_row = next(row for row in rows if row[3] == "已读")
    assert read_row[0] == "Q0001" and read_row[4]
    cell = next(c for c in sheet["B"] if c.value and str(c.value).startswith("=HYP"))
    assert cell.data_type == "s" and cell.quotePrefix


def test_reminders_go_to_the_unread_once_a_day(app, world):
    with app.app_context():
        notice = db.session.get(Notice, news("secretary", "一支部", "必读", required=True))
        reads.mark_read(user("member"), notice)
        secretary = user("secretary")
        now = datetime.now(UTC)
        # 孙查看 only: 张党员 read it, and the sender is never reminded by themself.
        assert following.remind_unread(secretary, notice, now=now) == 1
        assert following.remind_unread(secretary, notice, now=now) == 0
        assert following.remind_unread(secretary, notice, now=now + timedelta(days=1)) == 1
        reminders = db.session.scalars(select(NoticeReminder)).all()
        assert {(r.user_id, r.sent_by) for r in reminders} == {(user("viewer").id, secretary.id)}
        assert len(reminders) == 2
        told = db.session.scalars(
            select(Notification.text).where(Notification.text.like("提醒：%"))
        ).all()
        assert len(told) == 2 and "必读" in told[0]


def test_only_required_notices_are_reminded(app, world):
    with app.app_context():
        notice = db.session.get(Notice, news("secretary", "一支部", "普通"))
        with pytest.raises(NoticeError):
            following.remind_unread(user("secretary"), notice)


def test_the_remind_button_answers_the_staff_member(app, world):
    with app.app_context():
        notice_id = news("secretary", "一支部", "必读", required=True)
    secretary = client_as(app, "secretary")
    page = post(secretary, f"/notices/{notice_id}/remind", follow_redirects=True)
    assert "已提醒 2 位未读的党员" in page.get_data(as_text=True)
    page = post(secretary, f"/notices/{notice_id}/remind", follow_redirects=True)
    assert "今天已提醒过所有未读的党员" in page.get_data(as_text=True)


def _published_days_ago(notice_id: int, days: int, deadline_in: int) -> None:
    notice = db.session.get(Notice, notice_id)
    notice.published_at = datetime.now(UTC) - timedelta(days=days)
    notice.deadline = local_today() + timedelta(days=deadline_in)
    db.session.commit()


def test_the_workbench_lists_required_notices_read_too_little(app, world):
    with app.app_context():
        behind = news("secretary", "一支部", "过半未读", required=True)
        _published_days_ago(behind, 10, 5)
        early = news("secretary", "一支部", "刚发布", required=True)
        _published_days_ago(early, 1, 10)
        overdue = news("secretary", "一支部", "已逾期", required=True)
        _published_days_ago(overdue, 20, -2)
        done = news("secretary", "一支部", "都读了", required=True)
        _published_days_ago(done, 10, 1)
        for username in ("member", "viewer", "secretary"):
            reads.mark_read(user(username), db.session.get(Notice, done))
        db.session.commit()
        items = {i.notice.title: i.low for i in following.required_notices(user("secretary"))}
        assert items == {"过半未读": True, "刚发布": False, "已逾期": True, "都读了": False}
        assert following.required_notices(user("committee")) == []
    secretary = client_as(app, "secretary")
    page = secretary.get("/workbench/").get_data(as_text=True)
    assert "阅读率偏低的必读通知" in page
    overview = secretary.get("/notices/required").get_data(as_text=True)
    assert overview.index("过半未读") < overview.index("刚发布")
    assert "100%" in overview


def test_the_home_page_lists_what_is_addressed_and_not_yet_read(app, world):
    with app.app_context():
        notice = db.session.get(Notice, news("admin", "区委", "区委必读", required=True))
        today = local_today()

        def to_do(username: str) -> list[str]:
            return [n.title for n in reads.home_part(user(username), today)["unread_notices"]]

        assert to_do("member") == ["区委必读"]
        # Admins may read it but are addressed nothing: never a to-do of theirs.
        assert to_do("admin") == []
        reads.mark_read(user("member"), notice)
        assert to_do("member") == []


def test_two_tabs_reminding_at_once_remind_each_member_once(committed_app):
    with committed_app.app_context():
        build_world()
        notice_id = news("secretary", "一支部", "必读", required=True)
    barrier = threading.Barrier(3)
    counts: list[int] = []

    def tab() -> None:
        barrier.wait(timeout=10)
        with committed_app.app_context():
            notice = db.session.get(Notice, notice_id)
            counts.append(following.remind_unread(user("secretary"), notice))
            db.session.commit()

    threads = [threading.Thread(target=tab) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(counts) == [0, 0, 2]  # 张党员 and 孙查看, once
    with committed_app.app_context():
        reminded = select(func.count(Notification.id)).where(Notification.text.like("提醒：%"))
        assert db.session.scalar(reminded) == 2
        assert db.session.scalar(select(func.count()).select_from(NoticeReminder)) == 2
