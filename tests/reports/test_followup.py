"""Following up: the overdue list, reminders, and periodic bulletins home (定期通报)."""

from __future__ import annotations

import secrets
import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event, func, select

from school.archive.models import CourseProgress, MemberMonth, YearProgress
from school.archive.rollups import MONTHS_KEPT, finished_months
from school.auth import services as accounts
from school.auth.models import User
from school.clock import local_today
from school.courses.models import Course
from school.db import db
from school.members.flows import record_flow
from school.members.models import ManagementNote
from school.notifications.models import Notification
from school.orgs.models import Organisation
from school.orgs.services import create_org, find_org
from school.reports import overdue, reminders
from school.reports.bulletins import bulletin_preview
from school.reports.models import Bulletin, Reminder
from school.reports.overdue import OverdueFilter
from school.reports.periods import BadPeriod, last_complete_month, parse_period, recent_periods
from tests.conftest import login, post
from tests.factories import build_world, make_course, make_user
from tests.reports.reminding import compose, remind_all

# Mid-June: a member should have about 14.6 of 32 学时 by now.
JUNE = datetime(2026, 6, 15, 4, 0, tzinfo=UTC)


def _user(user_id: int) -> User:
    return db.session.get(User, user_id)


def _org(name: str):
    return find_org(name)


def _year(member_id: int, year: int, hours, **months) -> None:
    db.session.add(
        YearProgress(
            member_id=member_id,
            year=year,
            hours=Decimal(str(hours)),
            courses_completed=months.pop("courses", 0),
            **{k: Decimal(str(v)) for k, v in months.items()},
        )
    )


def _campaign(slug: str, deadline: date) -> Course:
    course = make_course(slug)
    course.deadline = deadline
    db.session.flush()
    return course


def _complete(member_id: int, course: Course) -> None:
    db.session.add(
        CourseProgress(member_id=member_id, course_id=course.id, lessons_done=2, completed_at=JUNE)
    )


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _names(listing) -> list[str]:
    return [row.member.name for row in listing.rows]


def _remind(sender_id: int, org, filt: OverdueFilter, now=None) -> tuple[int, int]:
    """Everyone on the filtered list, in-app, with the default message, as a confirm would:
    (reminded, skipped)."""
    audience = reminders.Audience(filt)
    template = reminders.DEFAULT_TEMPLATE
    plan = reminders.plan(org, audience, template, "inapp", now)
    if not plan.count:
        return 0, plan.skipped
    batch = reminders.send(
        _user(sender_id),
        org,
        audience,
        template,
        "inapp",
        secrets.token_hex(16),
        plan.count,
        "/",
        now,
    )
    return batch.recipients, batch.skipped


# --- The overdue list -------------------------------------------------------------------------


def test_overdue_lists_behind_not_started_and_campaign_members(app, world):
    with app.app_context():
        past = _campaign("campaign-past", date(2026, 6, 1))
        soon = _campaign("campaign-soon", date(2026, 6, 20))
        _campaign("campaign-later", date(2026, 9, 1))  # not due yet: nobody is chased for it
        newbie = make_user("newbie", "吴新党员", home_org=_org("一支部"))
        _year(world.member, 2026, 2)  # behind
        _year(world.secretary, 2026, 60)  # met the cadre quota, but campaigns not done
        _year(world.viewer, 2026, 32)  # met, campaigns done: not listed
        _complete(world.viewer, past)
        _complete(world.viewer, soon)
        _complete(world.secretary, soon)
        db.session.flush()
        listing = overdue.overdue_page(
            _user(world.secretary), _org("一支部"), OverdueFilter(), now=JUNE
        )
        assert _names(listing) == [newbie.name, "张党员", "赵书记"]  # fewest 学时 first
        assert listing.total == 3
        rows = {row.member.name: row for row in listing.rows}
        assert rows["吴新党员"].status == "not_started"
        assert rows["张党员"].status == "behind" and rows["张党员"].short == Decimal(30)
        assert rows["赵书记"].status == "met" and rows["赵书记"].quota == 56
        assert [(c.title, c.past) for c in rows["赵书记"].missing] == [("课程 campaign-past", True)]
        assert [(c.past) for c in rows["张党员"].missing] == [True, False]  # overdue, 即将到期


def test_a_member_on_track_is_not_listed(app, world):
    with app.app_context():
        for user_id in (world.member, world.secretary, world.viewer):
            _year(user_id, 2026, 30)  # on track in June (cadre too), quota not met yet
        db.session.flush()
        listing = overdue.overdue_page(
            _user(world.secretary), _org("一支部"), OverdueFilter(), now=JUNE
        )
        assert listing.total == 0 and listing.rows == []


def test_host_side_sees_hosted_floating_members_with_full_phone(app, client, world):
    with app.app_context():
        floating = _user(world.floating)
        floating.is_floating, floating.phone, floating.current_city = True, "13812345678", "深圳"
        committee = _org("工委").id
        db.session.commit()
    login(client, "committee")
    html = client.get(f"/reports/{committee}/overdue?relation=host&floating=1").get_data(True)
    assert "陈流动" in html and "13812345678" in html and "深圳" in html
    assert "张党员" not in html  # not hosted by the work committee


def test_viewer_sees_the_list_with_masked_phones(app, client, world):
    with app.app_context():
        _user(world.member).phone = "13812345678"
        branch = _org("一支部").id
        db.session.commit()
    login(client, "viewer")
    html = client.get(f"/reports/{branch}/overdue").get_data(True)
    assert "张党员" in html and "138****5678" in html and "13812345678" not in html
    assert "一键提醒" not in html  # viewers may not remind: the button is hidden too


def test_overdue_list_is_paginated(app, client, world):
    with app.app_context():
        branch = _org("一支部")
        for i in range(overdue.PER_PAGE + 3):
            make_user(f"extra{i:02d}", f"党员{i:02d}", home_org=branch)
        db.session.commit()
        listing = overdue.overdue_page(_user(world.secretary), branch, OverdueFilter(), page=2)
        assert listing.pages == 2 and len(listing.rows) == listing.total - overdue.PER_PAGE


def _queries(engine, client, url: str) -> int:
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return len(statements)


def test_overdue_page_costs_the_same_queries_for_more_members(app, client, engine, world):
    with app.app_context():
        branch, host = _org("一支部"), _org("驻深圳支部")
        _campaign("campaign-past", date(2026, 1, 2))
        make_user("hosted", "卫流入", home_org=branch, host_org=host)
        db.session.commit()
        url = f"/reports/{branch.id}/overdue"
    login(client, "secretary")
    few = _queries(engine, client, url)
    with app.app_context():
        for i in range(12):
            extra = make_user(f"more{i:02d}", f"党员{i:02d}", home_org=_org("一支部"))
            extra.host_org_id = host.id if i % 2 else None
            extra.phone = "13900000000"
        db.session.commit()
    assert _queries(engine, client, url) == few


# --- Reminders --------------------------------------------------------------------------------


def _reminders(app) -> tuple[int, int]:
    with app.app_context():
        return _count(Reminder), _count(Notification)


def test_reminder_reaches_each_member_once_a_week(app, client, world):
    with app.app_context():
        _year(world.member, 2026, 2)
        branch = _org("一支部").id
        db.session.commit()
        expected = db.session.scalar(
            select(func.count()).select_from(
                overdue.overdue_select(
                    _org("一支部"),
                    OverdueFilter(),
                    local_today(),
                    overdue.due_campaigns(local_today()),
                    User.id,
                ).subquery()
            )
        )
    login(client, "secretary")
    response = remind_all(client, branch)
    assert f"已提醒 {expected} 人。" in response.get_data(True)
    with app.app_context():
        assert _count(Reminder) == expected
        texts = db.session.scalars(
            select(Notification.text).where(Notification.user_id == world.member)
        ).all()
        assert (
            len(texts) == 1
            and "距年度要求 32 学时" in texts[0]
            and texts[0].startswith("张党员同志：您今年已完成 ")
        )
    before = _reminders(app)
    again = compose(client, branch, scope="all").get_data(True)
    assert f"另有 {expected} 人 7 天内已提醒过" in again and "确认发送" not in again
    assert _reminders(app) == before
    html = client.get(f"/reports/{branch}/overdue").get_data(True)
    assert "未提醒" not in html  # every row shows when it was last reminded


def test_reminder_text_names_hours_and_campaigns(app, world):
    with app.app_context():
        _campaign("campaign-past", date(2026, 6, 1))
        _year(world.member, 2026, 12)
        db.session.flush()
        sent, _ = _remind(world.secretary, _org("一支部"), OverdueFilter(), now=JUNE)
        assert sent >= 1
        text = db.session.scalar(
            select(Notification.text).where(Notification.user_id == world.member)
        )
        assert text.startswith("张党员同志：您今年已完成 12 学时，距年度要求 32 学时还差 20 学时")
        assert "《课程 campaign-past》（2026-06-01 截止）" in text
        reminder = db.session.scalar(select(Reminder).where(Reminder.member_id == world.member))
        assert reminder.sent_by_id == world.secretary and reminder.sent_at == JUNE


def test_the_weekly_rule_holds_across_organisations(app, world):
    with app.app_context():
        host_side = _remind(world.committee_secretary, _org("工委"), OverdueFilter("host"), JUNE)
        assert host_side == (1, 0)  # 陈流动, hosted by the committee's branch
        home_side = _remind(world.admin, _org("二支部"), OverdueFilter("home"), JUNE)
        assert home_side == (1, 1)  # 李党员 only; 陈流动 skipped
        week_later = _remind(
            world.admin, _org("二支部"), OverdueFilter("home"), JUNE + timedelta(days=7, seconds=1)
        )
        assert week_later == (2, 0)


def test_viewer_cannot_remind_and_nothing_is_sent(app, client, world):
    with app.app_context():
        branch = _org("一支部").id
    before = _reminders(app)
    login(client, "viewer")
    assert post(client, f"/reports/{branch}/overdue/remind").status_code == 403
    assert _reminders(app) == before


def test_two_concurrent_reminders_send_once(committed_app):
    app = committed_app
    with app.app_context():
        world = build_world()
        branch_id = _org("一支部").id
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def run() -> None:
        try:
            barrier.wait(timeout=10)
            with app.app_context():
                _remind(world.secretary, db.session.get(Organisation, branch_id), OverdueFilter())
                db.session.commit()
        except reminders.CountChanged:
            pass  # the other one sent first: this one's confirm is shown again, nothing sent
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    with app.app_context():
        per_member = db.session.execute(
            select(Reminder.member_id, func.count()).group_by(Reminder.member_id)
        ).all()
        assert per_member and all(count == 1 for _, count in per_member)
        notified = db.session.scalar(
            select(func.count()).select_from(Notification).where(Notification.kind == "reminder")
        )
        assert notified == len(per_member)


# --- Periodic bulletins home ------------------------------------------------------------------


@pytest.fixture
def hosted(app, world):
    """陈流动 (home 二支部) and 周外出 (home 一支部), both hosted by 驻深圳支部 under 工委."""
    with app.app_context():
        outbound, branch_a, branch_b = _org("驻深圳支部"), _org("一支部"), _org("二支部")
        floating = _user(world.floating)
        floating.is_floating, floating.membership_no = True, "DY0001"
        away = make_user("away", "周外出", home_org=branch_a, host_org=outbound)
        away.is_floating = True
        _year(world.floating, 2025, 9, m3=2.5, m10=2, m11=3, m12=1.5, courses=2)
        _year(away.id, 2025, 1, m11=1)
        committee = _user(world.committee_secretary)
        for day, org, body in (
            (date(2025, 11, 10), outbound, "十一月参加流入地支部主题党日"),
            (date(2025, 12, 5), outbound, "十二月走访"),
            (date(2025, 11, 12), branch_b, "流出地电话联系"),  # the home side's own note
        ):
            db.session.add(
                ManagementNote(
                    member_id=world.floating,
                    org_id=org.id,
                    occurred_on=day,
                    body=body,
                    recorded_by_id=committee.id,
                )
            )
        home_secretary = make_user("homesec", "郑二支", home_org=branch_b)
        accounts.grant_staff(home_secretary, branch_b, "secretary")
        organiser = make_user("districtorg", "冯区委", home_org=_org("区委"))
        accounts.grant_staff(organiser, _org("区委"), "organiser")
        db.session.commit()
        return {
            "committee": _org("工委").id,
            "branch_a": branch_a.id,
            "branch_b": branch_b.id,
            "away": away.id,
            "home_secretary": home_secretary.id,
            "organiser": organiser.id,
        }


def test_preview_groups_by_home_org_with_period_hours_and_notes(app, world, hosted):
    with app.app_context():
        committee = _org("工委")
        quarter = bulletin_preview(committee, parse_period("2025-Q4", JUNE.date()))
        month = bulletin_preview(committee, parse_period("2025-11", JUNE.date()))
        assert [g.home_org.name for g in quarter] == ["一支部", "二支部"]
        chen = quarter[1].members[0]
        assert chen["name"] == "陈流动" and chen["membership_no"] == "DY0001"
        assert chen["period_hours"] == "6.5"  # October to December, not March
        assert chen["year_hours"] == "9" and chen["quota"] == 32 and chen["courses_completed"] == 2
        assert [n["body"] for n in chen["notes"]] == ["十一月参加流入地支部主题党日", "十二月走访"]
        chen_nov = month[1].members[0]
        assert chen_nov["period_hours"] == "3"
        assert [n["body"] for n in chen_nov["notes"]] == ["十一月参加流入地支部主题党日"]


def test_a_bulletin_sent_late_lists_members_where_they_were_then(app, world, hosted):
    with app.app_context():
        today = local_today()
        last_month = last_complete_month(today)
        oldest_kept = finished_months(today)[0]
        oldest = parse_period(f"{oldest_kept:%Y-%m}", today)
        committee, admin, chen = _org("工委"), _user(world.admin), _user(world.floating)

        def listed(org: Organisation, period) -> dict[str, str]:
            return {
                m["name"]: m["host_org"] for g in bulletin_preview(org, period) for m in g.members
            }

        # 陈流动 moves to a host outside 工委 today: last month's and older bulletins, sent
        # late, still count him at 驻深圳支部, and the new host's do not count him at all.
        east = create_org("城东流动党员支部", "branch", _org("区委"))
        record_flow(admin, chen, "change_host", today, to_org=east)
        db.session.flush()
        for period in (last_month, oldest):
            assert listed(committee, period) == {"陈流动": "驻深圳支部", "周外出": "驻深圳支部"}
            assert listed(east, period) == {}
        # Moving again keeps those months as the first move left them.
        west = create_org("城西流动党员支部", "branch", _org("区委"))
        record_flow(admin, chen, "change_host", today, to_org=west)
        db.session.flush()
        assert listed(committee, last_month)["陈流动"] == "驻深圳支部"
        assert listed(west, last_month) == {} and listed(east, last_month) == {}
        kept = db.session.scalars(
            select(MemberMonth.host_org_id).where(MemberMonth.member_id == chen.id)
        ).all()
        assert len(kept) == MONTHS_KEPT and set(kept) == {_org("驻深圳支部").id}


def test_preview_page_shows_the_numbers(app, client, world, hosted):
    login(client, "committee")
    html = client.get(f"/reports/{hosted['committee']}/bulletins/preview?period=2025-11").get_data(
        True
    )
    assert "陈流动" in html and "周外出" in html and "十一月参加流入地支部主题党日" in html
    assert "流出地电话联系" not in html and "发送给 2 个流出地党组织" in html


def test_send_creates_one_bulletin_per_home_org_and_refuses_a_resend(app, client, world, hosted):
    login(client, "committee")
    url = f"/reports/{hosted['committee']}/bulletins/send"
    response = post(client, url, {"period": "2025-11"}, follow_redirects=True)
    assert "已向 2 个党组织发送2025年11月定期通报" in response.get_data(True)
    with app.app_context():
        bulletins = db.session.scalars(select(Bulletin).order_by(Bulletin.home_org_id)).all()
        assert {b.home_org_id for b in bulletins} == {hosted["branch_a"], hosted["branch_b"]}
        to_b = next(b for b in bulletins if b.home_org_id == hosted["branch_b"])
        assert to_b.member_count == 1 and to_b.period_label == "2025年11月"
        assert to_b.body["members"][0]["name"] == "陈流动"
        assert to_b.body["members"][0]["period_hours"] == "3"
        recipients = set(
            db.session.scalars(select(Notification.user_id).where(Notification.kind == "bulletin"))
        )
        # 二支部's secretary, 区委's organiser (its parent) and 一支部's secretary.
        assert recipients == {hosted["home_secretary"], hosted["organiser"], world.secretary}
        counts = (_count(Bulletin), _count(Notification))
    again = post(client, url, {"period": "2025-11"}, follow_redirects=True)
    assert "本期通报已于" in again.get_data(True)
    with app.app_context():
        assert (_count(Bulletin), _count(Notification)) == counts


def test_home_side_reads_the_bulletin_in_its_inbox(app, client, world, hosted):
    login(client, "committee")
    post(client, f"/reports/{hosted['committee']}/bulletins/send", {"period": "2025-Q4"})
    with app.app_context():
        bulletin_id = db.session.scalar(
            select(Bulletin.id).where(Bulletin.home_org_id == hosted["branch_b"])
        )
    # The sender reads it too, but only the home side's opening counts as read.
    assert client.get(f"/reports/bulletins/{bulletin_id}").status_code == 200
    with app.app_context():
        assert db.session.get(Bulletin, bulletin_id).read_at is None
    home = app.test_client()
    login(home, "homesec")
    inbox = home.get(f"/reports/{hosted['branch_b']}/received").get_data(True)
    assert "工委" in inbox and "2025年第四季度" in inbox and "is-unread" in inbox
    page = home.get(f"/reports/bulletins/{bulletin_id}").get_data(True)
    assert "陈流动" in page and "十二月走访" in page
    with app.app_context():
        assert db.session.get(Bulletin, bulletin_id).read_at is not None
    assert "is-unread" not in home.get(f"/reports/{hosted['branch_b']}/received").get_data(True)
    # 一支部's secretary is on neither side of this bulletin.
    other = app.test_client()
    login(other, "secretary")
    assert other.get(f"/reports/bulletins/{bulletin_id}").status_code == 404
    with app.app_context():
        assert db.session.get(Bulletin, bulletin_id).read_at is not None


def test_empty_period_creates_nothing(app, client, world):
    with app.app_context():
        branch = _org("一支部").id
    login(client, "secretary")
    response = post(client, f"/reports/{branch}/bulletins/send", {"period": "2025-11"})
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(True)
    assert "没有流入的党员" in html
    with app.app_context():
        assert _count(Bulletin) == 0


@pytest.mark.parametrize("period", ["2025-13", "nonsense", "", "2999-01"])
def test_bad_or_unfinished_period_is_refused(app, client, world, hosted, period):
    login(client, "committee")
    response = post(
        client,
        f"/reports/{hosted['committee']}/bulletins/send",
        {"period": period},
        follow_redirects=True,
    )
    assert "通报" in response.get_data(True)
    with app.app_context():
        assert _count(Bulletin) == 0


def test_periods_offered_are_finished_ones():
    today = date(2026, 1, 10)
    periods = recent_periods(today)
    assert periods[0].key == "2025-12" and last_complete_month(today).key == "2025-12"
    assert [p.key for p in periods if "Q" in p.key] == ["2025-Q4", "2025-Q3", "2025-Q2", "2025-Q1"]
    assert parse_period("2025-Q4", today).end == date(2025, 12, 31)
    with pytest.raises(BadPeriod):
        parse_period("2026-01", today)


# --- Out of scope: 404 everywhere and nothing changes ------------------------------------------


def test_out_of_scope_secretary_gets_404_everywhere(app, client, world, hosted):
    sender = app.test_client()
    login(sender, "committee")
    post(sender, f"/reports/{hosted['committee']}/bulletins/send", {"period": "2025-11"})
    with app.app_context():
        bulletin_id = db.session.scalar(
            select(Bulletin.id).where(Bulletin.home_org_id == hosted["branch_b"])
        )
        before = (_count(Bulletin), _count(Reminder), _count(Notification))
    login(client, "secretary")  # 一支部 only
    org = hosted["committee"]
    for url in (
        f"/reports/{org}/overdue",
        f"/reports/{org}/bulletins",
        f"/reports/{org}/bulletins/preview?period=2025-12",
        f"/reports/{org}/received",
        f"/reports/{hosted['branch_b']}/received",
        f"/reports/bulletins/{bulletin_id}",
    ):
        assert client.get(url).status_code == 404, url
    for url in (f"/reports/{org}/overdue/remind", f"/reports/{org}/bulletins/send"):
        assert post(client, url, {"period": "2025-12"}).status_code == 404, url
    with app.app_context():
        assert (_count(Bulletin), _count(Reminder), _count(Notification)) == before
        assert db.session.get(Bulletin, bulletin_id).read_at is None


def test_a_branch_bulletin_carries_the_notes_its_committee_filed(app, world, hosted):
    """The work committee's staff file notes under the committee; its branch's bulletin has them."""
    with app.app_context():
        db.session.add(
            ManagementNote(
                member_id=world.floating,
                org_id=hosted["committee"],
                occurred_on=date(2025, 11, 20),
                body="工委走访慰问",
                recorded_by_id=world.committee_secretary,
            )
        )
        db.session.flush()
        groups = bulletin_preview(_org("驻深圳支部"), parse_period("2025-11", JUNE.date()))
        chen = next(m for g in groups for m in g.members if m["name"] == "陈流动")
        assert [n["body"] for n in chen["notes"]] == [
            "十一月参加流入地支部主题党日",
            "工委走访慰问",
        ]
