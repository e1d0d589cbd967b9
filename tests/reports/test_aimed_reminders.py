"""Aimed reminders: pick members, write the message, preview, confirm, and the copies' delivery.

In the world 一支部 has three members behind (张党员, 赵书记, 孙查看, none has studied); its
secretary 赵书记 sends. 陈流动 belongs to 二支部, which 一支部's staff do not see.
"""

from __future__ import annotations

import logging
import secrets
import threading
from decimal import Decimal

import pytest
from sqlalchemy import event, func, select

from school import messaging
from school.archive.models import YearProgress
from school.auth.models import User
from school.clock import local_today
from school.db import db
from school.notifications.models import Notification
from school.orgs.models import Organisation
from school.orgs.services import find_org
from school.reports import reminders
from school.reports.models import Reminder, ReminderBatch, ReminderDelivery
from school.reports.overdue import OverdueFilter
from tests.conftest import login
from tests.factories import build_world, make_user
from tests.reports.reminding import compose, confirm, confirm_fields


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _state(app) -> tuple[int, int, int, int]:
    """Batches, reminders, notifications and email/SMS copies: what a refusal must not change."""
    with app.app_context():
        return (
            _count(ReminderBatch),
            _count(Reminder),
            _count(Notification),
            _count(ReminderDelivery),
        )


def _notified(app) -> set[str]:
    with app.app_context():
        return set(
            db.session.scalars(
                select(User.name)
                .join(Notification, Notification.user_id == User.id)
                .where(Notification.kind == "reminder")
            )
        )


@pytest.fixture
def branch(app, world) -> int:
    with app.app_context():
        return find_org("一支部").id


@pytest.fixture
def secretary(client, world):
    login(client, "secretary")
    return client


# --- Picking recipients ----------------------------------------------------------------------


def test_the_list_offers_ticks_and_all(app, secretary, branch, world):
    html = secretary.get(f"/reports/{branch}/overdue").get_data(True)
    assert f'name="member" value="{world.member}"' in html
    assert "提醒名单上全部 3 人" in html and "提醒下面勾选的党员" in html


def test_ticked_members_only_are_reminded(app, secretary, branch, world):
    page = compose(secretary, branch, scope="picked", member=[world.member, world.viewer])
    html = page.get_data(True)
    assert "确认发送：将提醒 2 人" in html
    response = confirm(secretary, branch, confirm_fields(html), follow_redirects=True)
    assert "已提醒 2 人。" in response.get_data(True)
    assert _notified(app) == {"张党员", "孙查看"}
    with app.app_context():
        batch = db.session.scalar(select(ReminderBatch))
        assert batch.picked and batch.recipients == 2 and batch.channel == "inapp"


def test_all_on_the_filtered_list_carries_the_filter_not_ids(app, secretary, branch, world):
    with app.app_context():
        for i in range(60):  # more than one page of the list
            make_user(f"extra{i:02d}", f"党员{i:02d}", home_org=find_org("一支部"))
        db.session.commit()
    html = compose(secretary, branch, scope="all").get_data(True)
    fields = confirm_fields(html)
    assert "确认发送：将提醒 63 人" in html
    assert ("scope", "all") in fields and not [v for k, v in fields if k == "member"]
    confirm(secretary, branch, fields)
    assert _state(app)[:3] == (1, 63, 63)


def test_floating_only_filter_is_kept(app, client, world):
    with app.app_context():
        floating = db.session.get(User, world.floating)
        floating.is_floating = True
        committee = find_org("工委").id
        db.session.commit()
    login(client, "committee")
    html = compose(client, committee, scope="all", relation="host", floating="1").get_data(True)
    assert "将提醒 1 人" in html and "发给 陈流动" in html
    confirm(client, committee, confirm_fields(html))
    assert _notified(app) == {"陈流动"}


def test_no_member_ticked_is_refused(app, secretary, branch):
    html = compose(secretary, branch, scope="picked").get_data(True)
    assert "请先勾选要提醒的党员" in html and "确认发送" not in html
    before = _state(app)
    fields = [("csrf_token", _token(secretary)), ("scope", "picked"), ("relation", "both")]
    fields += [("message", reminders.DEFAULT_TEMPLATE), ("channel", "inapp")]
    fields += [("token", "a" * 32), ("expected", "0")]
    response = confirm(secretary, branch, fields, follow_redirects=True)
    assert "请先勾选要提醒的党员" in response.get_data(True)
    assert _state(app) == before


def _token(client) -> str:
    from tests.conftest import csrf_token

    return csrf_token(client, "/profile/")


def test_forged_ids_outside_scope_are_refused_without_names(app, secretary, branch, world):
    html = compose(secretary, branch, scope="picked", member=[world.member, world.floating])
    text = html.get_data(True)
    assert "所选党员不在本组织的名单上" in text and "陈流动" not in text
    assert "确认发送" not in text
    before = _state(app)
    # A confirm form edited by hand: 张党员 plus someone from another organisation.
    fields = confirm_fields(compose(secretary, branch, scope="picked", member=world.member).text)
    fields.append(("member", str(world.floating)))
    response = confirm(secretary, branch, fields, follow_redirects=True)
    body = response.get_data(True)
    assert "所选党员不在本组织的名单上，未发送任何提醒" in body and "陈流动" not in body
    assert _state(app) == before


def test_a_ticked_member_no_longer_overdue_is_simply_not_counted(app, secretary, branch, world):
    with app.app_context():
        # 孙查看 catches up between ticking and confirming: met the year's quota.
        db.session.add(
            YearProgress(member_id=world.viewer, year=local_today().year, hours=Decimal(40))
        )
        db.session.commit()
    html = compose(secretary, branch, scope="picked", member=[world.member, world.viewer]).text
    assert "将提醒 1 人" in html and "不在本组织" not in html


# --- The message -----------------------------------------------------------------------------


def test_preview_renders_the_template_for_the_first_recipients(app, secretary, branch):
    html = compose(
        secretary,
        branch,
        scope="all",
        message="{姓名}：已学 {已获学时}/{要求学时}，差 {差额}。{组织}",
    ).get_data(True)
    assert "发给 孙查看" in html or "发给 张党员" in html
    assert "：已学 0/32，差 32。一支部" in html
    assert "：已学 0/56，差 56。一支部" in html  # 赵书记, a cadre


@pytest.mark.parametrize(
    ("message", "error"),
    [
        ("", "请填写提醒内容"),
        ("   ", "请填写提醒内容"),
        ("长" * (reminders.MESSAGE_LIMIT + 1), f"最多 {reminders.MESSAGE_LIMIT} 字"),
        ("{名字}同志，请学习{差额}学时", "无法识别的占位符：{名字}"),
    ],
)
def test_bad_messages_are_refused(app, secretary, branch, message, error):
    html = compose(secretary, branch, scope="all", message=message).get_data(True)
    assert error in html and "确认发送" not in html
    before = _state(app)
    fields = confirm_fields(compose(secretary, branch, scope="all").text)
    fields = [(k, message if k == "message" else v) for k, v in fields]
    response = confirm(secretary, branch, fields, follow_redirects=True)
    assert error in response.get_data(True)
    assert _state(app) == before


def test_the_message_limit_is_exact(app):
    assert reminders.check_template("长" * reminders.MESSAGE_LIMIT)
    with pytest.raises(reminders.ReminderError):
        reminders.check_template("长" * (reminders.MESSAGE_LIMIT + 1))


def test_nothing_is_sent_before_the_confirm(app, secretary, branch):
    before = _state(app)
    assert compose(secretary, branch, scope="all", channel="email").status_code == 200
    assert _state(app) == before


# --- Confirming ------------------------------------------------------------------------------


def test_confirm_states_the_count_and_the_skipped(app, secretary, branch, world):
    first = compose(secretary, branch, scope="picked", member=world.member).text
    confirm(secretary, branch, confirm_fields(first))
    html = compose(secretary, branch, scope="all").get_data(True)
    assert "确认发送：将提醒 2 人" in html and "另有 1 人 7 天内已提醒过，这次跳过" in html
    response = confirm(secretary, branch, confirm_fields(html), follow_redirects=True)
    assert "已提醒 2 人，另有 1 人 7 天内已提醒过，未重复提醒。" in response.get_data(True)


def test_a_stale_preview_is_shown_again_with_the_new_count(app, secretary, branch):
    fields = confirm_fields(compose(secretary, branch, scope="all").text)
    with app.app_context():
        make_user("late", "吴新来", home_org=find_org("一支部"))  # the list grew meanwhile
        db.session.commit()
    before = _state(app)
    response = confirm(secretary, branch, fields)
    html = response.get_data(True)
    assert response.status_code == 200
    assert "名单在预览后有变化，尚未发送。现在将提醒 4 人" in html
    assert _state(app) == before
    confirm(secretary, branch, confirm_fields(html))
    assert _notified(app) == {"张党员", "赵书记", "孙查看", "吴新来"}


def test_a_double_submit_sends_one_batch(app, secretary, branch):
    fields = confirm_fields(compose(secretary, branch, scope="all").text)
    confirm(secretary, branch, fields)
    after_first = _state(app)
    again = confirm(secretary, branch, fields, follow_redirects=True)
    assert "这次提醒已经发送过，没有重复发送" in again.get_data(True)
    assert _state(app) == after_first == (1, 3, 3, 0)


def test_two_tabs_remind_each_member_once(app, secretary, branch):
    tab1 = confirm_fields(compose(secretary, branch, scope="all").text)
    tab2 = confirm_fields(compose(secretary, branch, scope="all", channel="email").text)
    confirm(secretary, branch, tab1)
    after_first = _state(app)
    html = confirm(secretary, branch, tab2).get_data(True)
    assert "名单在预览后有变化，尚未发送。现在没有需要提醒的党员" in html
    assert "确认发送" not in html
    assert _state(app) == after_first


def test_an_expired_csrf_token_sends_nothing(app, secretary, branch):
    fields = confirm_fields(compose(secretary, branch, scope="all").text)
    fields = [(k, "expired" if k == "csrf_token" else v) for k, v in fields]
    before = _state(app)
    response = confirm(secretary, branch, fields)
    assert response.status_code == 400 and "页面已过期" in response.get_data(True)
    assert _state(app) == before


def test_the_viewer_may_not_compose_or_confirm(app, client, branch, world):
    login(client, "viewer")
    assert compose(client, branch, scope="all").status_code == 403
    before = _state(app)
    fields = [("csrf_token", _token(client)), ("scope", "all"), ("relation", "both")]
    fields += [("message", "请学习"), ("channel", "inapp"), ("token", "b" * 32)]
    fields += [("expected", "3")]
    assert confirm(client, branch, fields).status_code == 403
    assert _state(app) == before


# --- Channels and delivery -------------------------------------------------------------------


def test_email_copies_go_out_after_the_commit_and_are_listed(app, secretary, branch, world, caplog):
    with app.app_context():
        db.session.get(User, world.member).email = "zhang@example.cn"
        db.session.commit()
    html = compose(secretary, branch, scope="all", channel="email").get_data(True)
    assert "其中 2 人未登记电子邮箱，只收到站内消息" in html
    with caplog.at_level(logging.INFO, logger="school.messaging"):
        response = confirm(secretary, branch, confirm_fields(html), follow_redirects=True)
    page = response.get_data(True)
    assert "电子邮件：1 条已发送" in page
    assert any("zhang@example.cn" in r.getMessage() for r in caplog.records)
    with app.app_context():
        states = dict(
            db.session.execute(
                select(User.name, ReminderDelivery.state)
                .join(Reminder, Reminder.id == ReminderDelivery.reminder_id)
                .join(User, User.id == Reminder.member_id)
            ).all()
        )
        assert states == {"张党员": "sent", "赵书记": "failed", "孙查看": "failed"}
        assert _count(Notification) == 3  # in-app for everyone, whatever the email did
    assert "未登记电子邮箱" in page and "已发送 1" in page and "发送失败 2" in page


def test_large_batches_wait_for_the_deliver_command(app, secretary, branch, world):
    app.config["REMINDER_DELIVER_INLINE"] = 1
    with app.app_context():
        for user_id in (world.member, world.secretary, world.viewer):
            db.session.get(User, user_id).phone = "13800000000"
        db.session.commit()
    html = compose(secretary, branch, scope="all", channel="sms").text
    page = confirm(secretary, branch, confirm_fields(html), follow_redirects=True).text
    assert "短信：3 条已排队，稍后发送" in page and "待发送 3" in page
    result = app.test_cli_runner().invoke(args=["reminders", "deliver"])
    assert result.exit_code == 0 and "已发送 3 条，失败 0 条" in result.output
    with app.app_context():
        assert set(db.session.scalars(select(ReminderDelivery.state))) == {"sent"}
    again = app.test_cli_runner().invoke(args=["reminders", "deliver"])
    assert "已发送 0 条" in again.output  # nothing is sent twice


class _Broken:
    """An SMS provider that is down."""

    def __init__(self, config) -> None:
        pass

    def send(self, message) -> None:
        raise messaging.DeliveryError("短信网关无响应")

    def close(self) -> None:
        pass


def test_a_failing_sender_marks_the_copy_failed_with_its_reason(
    app, secretary, branch, world, monkeypatch
):
    monkeypatch.setitem(messaging.SENDERS["sms"], "broken", _Broken)
    app.config["SMS_SENDER"] = "broken"
    with app.app_context():
        db.session.get(User, world.member).phone = "13800000000"
        db.session.commit()
    html = compose(secretary, branch, scope="picked", member=world.member, channel="sms").text
    page = confirm(secretary, branch, confirm_fields(html), follow_redirects=True).text
    assert "短信：0 条已发送，1 条发送失败" in page and "短信网关无响应" in page
    with app.app_context():
        row = db.session.scalar(select(ReminderDelivery))
        assert (row.state, row.error, row.attempts) == ("failed", "短信网关无响应", 1)
        assert _count(Reminder) == 1  # the in-app reminder stands: the weekly rule counts it


def test_the_weekly_rule_holds_across_channels(app, secretary, branch, world):
    html = compose(secretary, branch, scope="picked", member=world.member, channel="sms").text
    confirm(secretary, branch, confirm_fields(html))
    again = compose(secretary, branch, scope="picked", member=world.member, channel="email").text
    assert "另有 1 人 7 天内已提醒过" in again and "确认发送" not in again


def test_batches_are_listed_for_the_organisation(app, secretary, branch):
    confirm(secretary, branch, confirm_fields(compose(secretary, branch, scope="all").text))
    html = secretary.get(f"/reports/{branch}/reminders").get_data(True)
    assert "赵书记 · 仅站内消息 · 提醒 3 人" in html


# --- Speed: bulk statements ------------------------------------------------------------------


def _statements(app, engine, sender_id: int, org_name: str) -> int:
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    with app.app_context():
        org = find_org(org_name)
        audience = reminders.Audience(OverdueFilter())
        template = reminders.DEFAULT_TEMPLATE
        count = reminders.plan(org, audience, template, "email").count
        event.listen(engine, "before_cursor_execute", record)
        try:
            reminders.send(
                db.session.get(User, sender_id),
                org,
                audience,
                template,
                "email",
                secrets.token_hex(16),
                count,
                "/",
            )
        finally:
            event.remove(engine, "before_cursor_execute", record)
        db.session.rollback()
    return len(seen)


def test_sending_costs_the_same_statements_for_more_members(app, engine, world):
    few = _statements(app, engine, world.secretary, "一支部")
    with app.app_context():
        for i in range(40):
            extra = make_user(f"bulk{i:02d}", f"党员{i:02d}", home_org=find_org("一支部"))
            extra.email = f"m{i}@example.cn" if i % 2 else None
        db.session.commit()
    assert _statements(app, engine, world.secretary, "一支部") == few


# --- The member's email address --------------------------------------------------------------


def test_a_member_sets_and_removes_their_email(app, client, world):
    login(client, "member")
    page = client.post(
        "/profile/email",
        data={"email": " zhang@example.cn ", "csrf_token": _token(client)},
        follow_redirects=True,
    ).get_data(True)
    assert "电子邮箱已保存" in page and 'value="zhang@example.cn"' in page
    client.post("/profile/email", data={"email": "", "csrf_token": _token(client)})
    with app.app_context():
        assert db.session.get(User, world.member).email is None


@pytest.mark.parametrize("bad", ["not-an-address", "a@b", "two@@example.cn", "x" * 250 + "@a.cn"])
def test_an_invalid_email_changes_nothing(app, client, world, bad):
    with app.app_context():
        db.session.get(User, world.member).email = "old@example.cn"
        db.session.commit()
    login(client, "member")
    page = client.post(
        "/profile/email", data={"email": bad, "csrf_token": _token(client)}, follow_redirects=True
    ).get_data(True)
    assert "请填写有效的电子邮箱地址" in page
    with app.app_context():
        assert db.session.get(User, world.member).email == "old@example.cn"


def test_the_batch_page_masks_contacts_for_viewers(app, client, secretary, branch, world):
    with app.app_context():
        db.session.get(User, world.member).phone = "13812345678"
        db.session.commit()
    html = compose(secretary, branch, scope="picked", member=world.member, channel="sms").text
    batch_url = confirm(secretary, branch, confirm_fields(html)).headers["Location"]
    assert "13812345678" in secretary.get(batch_url).get_data(True)
    viewer = app.test_client()
    login(viewer, "viewer")
    page = viewer.get(batch_url).get_data(True)
    assert "138****5678" in page and "13812345678" not in page and "短信已发送" in page


def test_masked_addresses():
    assert reminders.masked_address("email", "zhang@example.cn") == "z***@example.cn"
    assert reminders.masked_address("sms", "13812345678") == "138****5678"
    assert reminders.masked_address("sms", None) == ""


def test_a_long_message_is_cut_like_a_notification(app, secretary, branch, world):
    with app.app_context():
        db.session.get(User, world.member).email = "zhang@example.cn"
        db.session.commit()
    message = "{学习情况}" * 20  # 120 characters that say far more than 300
    html = compose(secretary, branch, scope="picked", member=world.member, channel="email")
    fields = [(k, message if k == "message" else v) for k, v in confirm_fields(html.text)]
    # The preview was of the default message: the count is the same, so this one is sent.
    confirm(secretary, branch, fields)
    with app.app_context():
        reminder = db.session.scalar(select(Reminder))
        note = db.session.scalar(select(Notification))
        copy = db.session.scalar(select(ReminderDelivery))
        assert len(reminder.reason) == 300 and reminder.reason.endswith("…")
        assert note.text == reminder.reason == copy.body


class _Down:
    """An SMS gateway that cannot be reached."""

    def __init__(self, config) -> None:
        pass

    def send(self, message) -> None:
        raise messaging.DeliveryError("无法连接短信网关", transient=True)

    def close(self) -> None:
        pass


def test_an_unreachable_server_leaves_copies_queued_then_gives_up(
    app, secretary, branch, world, monkeypatch
):
    monkeypatch.setitem(messaging.SENDERS["sms"], "down", _Down)
    app.config["SMS_SENDER"] = "down"
    with app.app_context():
        for user_id in (world.member, world.viewer):
            db.session.get(User, user_id).phone = "13800000000"
        db.session.commit()
    html = compose(secretary, branch, scope="all", channel="sms").text
    page = confirm(secretary, branch, confirm_fields(html), follow_redirects=True).text
    assert "短信：0 条已发送，2 条因无法连接服务器稍后重试" in page
    with app.app_context():
        rows = db.session.scalars(
            select(ReminderDelivery)
            .where(ReminderDelivery.state != "failed")
            .order_by(ReminderDelivery.id)
        ).all()
        # The first copy was tried; the second was not, once the gateway was known to be down.
        assert [(r.state, r.attempts) for r in rows] == [("queued", 1), ("queued", 0)]
        assert rows[0].error == "无法连接短信网关"
    for _ in range(reminders.MAX_ATTEMPTS):
        result = app.test_cli_runner().invoke(args=["reminders", "deliver"])
    assert "1 条因无法连接服务器仍在排队" in result.output
    with app.app_context():
        states = db.session.scalars(
            select(ReminderDelivery.state)
            .where(ReminderDelivery.address.is_not(None))
            .order_by(ReminderDelivery.id)
        ).all()
        assert states == ["failed", "queued"]  # the first gave up after its third try


def test_a_double_submit_racing_itself_sends_one_batch(committed_app):
    """The same confirm arriving twice at once (two workers): the tree's lock puts one behind
    the other, which then finds the first one's batch by its token."""
    app = committed_app
    with app.app_context():
        world = build_world()
        org_id = find_org("一支部").id
        audience = reminders.Audience(OverdueFilter())
        expected = reminders.plan(
            find_org("一支部"), audience, reminders.DEFAULT_TEMPLATE, "inapp"
        ).count
    token = secrets.token_hex(16)
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def run() -> None:
        try:
            barrier.wait(timeout=10)
            with app.app_context():
                reminders.send(
                    db.session.get(User, world.secretary),
                    db.session.get(Organisation, org_id),
                    audience,
                    reminders.DEFAULT_TEMPLATE,
                    "inapp",
                    token,
                    expected,
                    "/",
                )
                db.session.commit()
                outcomes.append("sent")
        except reminders.AlreadySent:
            outcomes.append("already")
        except BaseException as exc:  # reported below
            outcomes.append(repr(exc))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["already", "sent"]
    with app.app_context():
        assert _count(ReminderBatch) == 1 and _count(Reminder) == expected == 3
