"""Handing a board item on to another organisation (转办) and supervised deadlines (督办).

The world's 一支部 (赵书记 its secretary, 孙查看 its viewer) handles the help requests of 刘流动,
a floating member whose home is 一支部 and whose host is 驻深圳支部 under the work committee
(钱工委 its secretary). 区委 (above 一支部) gets a secretary of its own here, 周区委.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from school.auth import services as accounts
from school.auth.models import User
from school.clock import local_today
from school.courses.models import Course
from school.db import db
from school.forum import forwarding, services
from school.forum.models import Forward, Post, Supervision, Thread, ThreadEvent
from school.forum.workbench import workbench_part
from school.notifications.models import Notification
from school.orgs.models import Organisation
from school.orgs.services import close_org, create_org, find_org
from school.search import service as search
from school.search.models import SearchDocument
from tests.conftest import login, post
from tests.factories import build_world, make_user
from tests.racing import race

REASON = "工资拖欠发生在深圳，需流入地协调劳动监察部门"


def _user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def _client(app, username: str):
    client = app.test_client()
    login(client, username)
    return client


def _people() -> None:
    """刘流动 (home 一支部, host 驻深圳支部), 周区委 (secretary of 区委), 吴二支 (secretary of
    二支部)."""
    make_user("liudong", "刘流动", home_org=find_org("一支部"), host_org=find_org("驻深圳支部"))
    district = make_user("quwei", "周区委", home_org=find_org("区委"), is_cadre=True)
    accounts.grant_staff(district, find_org("区委"), "secretary")
    other = make_user("erzhi", "吴二支", home_org=find_org("二支部"), is_cadre=True)
    accounts.grant_staff(other, find_org("二支部"), "secretary")


@pytest.fixture
def item(app, world) -> int:
    """刘流动's help request, sent to his home branch 一支部; its id."""
    with app.app_context():
        _people()
        thread = services.create_thread(
            _user("liudong"),
            services.NewThread("help", "工资被拖欠", "老板拖欠三个月工资。", help_category="wages"),
        )
        db.session.commit()
        return thread.id


def _org_id(app, name: str) -> int:
    with app.app_context():
        return find_org(name).id


def _forward(client, thread_id: int, to: int | str = "", reason: str = REASON, **extra):
    data = {"to": to, "reason": reason, **extra}
    return post(client, f"/forum/threads/{thread_id}/forward", data, follow_redirects=True)


def _snapshot(app, thread_id: int) -> tuple:
    """Everything a refused forward must leave as it was."""
    with app.app_context():
        thread = db.session.get(Thread, thread_id)
        hops = db.session.scalar(select(func.count(Forward.id)))
        supervisions = db.session.scalar(select(func.count()).select_from(Supervision))
        notes = db.session.scalar(select(func.count(Notification.id)))
        events = db.session.scalar(select(func.count(ThreadEvent.id)))
        return (
            thread.org_id,
            thread.state,
            thread.assignee_id,
            thread.routed_at,
            hops,
            supervisions,
            notes,
            events,
        )


def _notes(username: str) -> list[str]:
    return list(
        db.session.scalars(
            select(Notification.text)
            .join(User, User.id == Notification.user_id)
            .where(User.username == username)
        )
    )


# --- handing on -------------------------------------------------------------------------------


def test_the_branch_hands_a_help_request_to_the_host_side(app, item):
    secretary = _client(app, "secretary")
    page = secretary.get(f"/forum/threads/{item}").get_data(as_text=True)
    # The choices: the member's host organisation and every organisation above the branch.
    assert re.findall(r'<option value="\d+">([^<]+)</option>', page) == [
        "流入地：驻深圳支部",
        "上级：区委",
        "上级：市委",
    ]
    with app.app_context():
        services.assign(_user("secretary"), db.session.get(Thread, item), _user("secretary"))
        db.session.commit()
    host = _org_id(app, "驻深圳支部")
    page = _forward(secretary, item, host).get_data(as_text=True)
    assert "已转办" in page
    with app.app_context():
        thread = db.session.get(Thread, item)
        assert thread.org.name == "驻深圳支部"
        # A new item to the host side: waiting to be accepted, nobody assigned.
        assert (thread.state, thread.assignee_id, thread.first_reply_at) == (
            "submitted",
            None,
            None,
        )
        (hop,) = thread.forwards
        assert (hop.from_org.name, hop.to_org.name, hop.reason) == ("一支部", "驻深圳支部", REASON)
        assert hop.actor.name == "赵书记"
        assert _notes("committee") == ["一支部转来排忧解难：工资被拖欠"]
        assert "您的排忧解难“工资被拖欠”已转交驻深圳支部办理" in _notes("liudong")


def test_the_receiving_side_handles_it_and_the_forwarding_side_only_reads(app, item):
    _forward(_client(app, "secretary"), item, _org_id(app, "驻深圳支部"))
    committee = _client(app, "committee")
    assert "工资被拖欠" in committee.get("/forum/queue").get_data(as_text=True)
    page = committee.get(f"/forum/threads/{item}").get_data(as_text=True)
    assert f'action="/forum/threads/{item}/reply"' in page and "状态改为" in page
    assert "刘流动" in page and REASON in page  # who wrote it, and why it came
    with app.app_context():
        committee_user = _user("committee")
        thread = db.session.get(Thread, item)
        services.assign(committee_user, thread, committee_user)
        services.reply(committee_user, thread, "已联系深圳劳动监察大队。")
        services.reply(committee_user, thread, "已追回一个月工资。")
        db.session.commit()
        # Whoever handed it on hears of the first answer (once).
        assert _notes("secretary").count("您转办的“工资被拖欠”已由驻深圳支部答复") == 1

    secretary = _client(app, "secretary")
    page = secretary.get(f"/forum/threads/{item}").get_data(as_text=True)
    # The outcome, read but not acted on, and the page says so.
    assert "已联系深圳劳动监察大队。" in page and "已答复" in page
    assert "这个事项已转交<strong>驻深圳支部</strong>办理" in page
    assert "不能再答复、分派或更改状态" in page
    assert 'id="to"' not in page and 'id="assignee"' not in page and 'id="forward"' not in page
    assert f'action="/forum/threads/{item}/reply"' not in page
    assert REASON in page and "刘流动" in page
    assert "工资被拖欠" not in secretary.get("/forum/queue").get_data(as_text=True)
    handed = secretary.get("/forum/queue?forwarded=1").get_data(as_text=True)
    assert "工资被拖欠" in handed and "现由驻深圳支部办理" in handed
    # The branch's viewer reads it too.
    assert _client(app, "viewer").get(f"/forum/threads/{item}").status_code == 200

    before = _snapshot(app, item)
    for action, data in (
        ("reply", {"body": "我们再看看。", "client_token": ""}),
        ("state", {"to": "closed"}),
        ("assign", {"assignee": _user_id(app, "secretary")}),
        ("moderate", {"action": "lock"}),
        ("deadline", {"due_on": _due(app, 3)}),
    ):
        response = post(secretary, f"/forum/threads/{item}/{action}", data)
        assert response.status_code in (200, 302), action
    assert _snapshot(app, item) == before
    with app.app_context():
        assert db.session.scalar(select(func.count(Post.id)).where(Post.thread_id == item)) == 2
        assert not db.session.get(Thread, item).locked


def _user_id(app, username: str) -> int:
    with app.app_context():
        return _user(username).id


def test_the_member_is_told_where_it_went_but_not_why(app, item):
    _forward(_client(app, "secretary"), item, _org_id(app, "驻深圳支部"))
    page = _client(app, "liudong").get(f"/forum/threads/{item}").get_data(as_text=True)
    assert "经办：驻深圳支部" in page and "转交驻深圳支部办理" in page
    assert REASON not in page and "转办记录" not in page and "赵书记" not in page
    with app.app_context():
        assert all(REASON not in text for text in _notes("liudong"))


def test_outside_the_scope_the_item_stays_missing(app, item):
    _forward(_client(app, "secretary"), item, _org_id(app, "驻深圳支部"))
    for username in ("member", "erzhi", "floating", "instructor"):
        client = _client(app, username)
        assert client.get(f"/forum/threads/{item}").status_code == 404, username
        assert post(client, f"/forum/threads/{item}/forward", {"to": 1}).status_code == 404
        assert "工资被拖欠" not in client.get("/forum/queue?forwarded=1").get_data(as_text=True)


def test_up_the_tree_then_on_and_back_every_hop_is_kept(app, item):
    _forward(_client(app, "secretary"), item, _org_id(app, "区委"), reason="涉及跨区协调")
    district = _client(app, "quwei")
    page = district.get(f"/forum/threads/{item}").get_data(as_text=True)
    # From 区委: the member's home branch and host branch, and 市委 above.
    assert re.findall(r'<option value="\d+">([^<]+)</option>', page) == [
        "流出地：一支部",
        "流入地：驻深圳支部",
        "上级：市委",
    ]
    _forward(district, item, _org_id(app, "驻深圳支部"), reason="由流入地办理")
    _forward(_client(app, "committee"), item, _org_id(app, "一支部"), reason="当事人已返乡")
    with app.app_context():
        thread = db.session.get(Thread, item)
        assert thread.org.name == "一支部"
        assert [(h.from_org.name, h.to_org.name, h.actor.name) for h in thread.forwards] == [
            ("一支部", "区委", "赵书记"),
            ("区委", "驻深圳支部", "周区委"),
            ("驻深圳支部", "一支部", "钱工委"),
        ]
    # Back at the branch, its secretary acts again; every hop is on the page.
    page = _client(app, "secretary").get(f"/forum/threads/{item}").get_data(as_text=True)
    assert "状态改为" in page and "已转交<strong>" not in page
    assert all(r in page for r in ("涉及跨区协调", "由流入地办理", "当事人已返乡"))


def test_an_admin_hands_it_to_any_organisation_by_name_or_code(app, item):
    admin = _client(app, "admin")
    page = _forward(admin, item, to_code="二支部").get_data(as_text=True)
    assert "已转办" in page
    with app.app_context():
        assert db.session.get(Thread, item).org.name == "二支部"
    page = _forward(admin, item, to_code="没有这个支部").get_data(as_text=True)
    assert "找不到组织代码或全称为“没有这个支部”的党组织" in page


REFUSALS = [
    # (what is sent, the message)
    ({"to": "org:二支部"}, "只能转交上级党组织，或提交人的流出地、流入地党组织。"),
    ({"to": "org:一支部"}, "这个事项已经由一支部办理，请选择其他党组织。"),
    ({"to": "org:驻深圳支部", "reason": "  "}, "请填写转办理由。"),
    ({"to": "org:驻深圳支部", "reason": "长" * 201}, "转办理由最多 200 个字。"),
    ({"to": "999999"}, "请选择要转交的党组织。"),
    ({"to": "not-a-number"}, "请选择要转交的党组织。"),
    ({"to": ""}, "请选择要转交的党组织。"),
    ({"to": "org:驻深圳支部", "to_code": "二支部"}, "只有管理员可以转交给列表以外的党组织。"),
    ({"to": "org:驻深圳支部", "due_on": "yesterday"}, "请按“年-月-日”填写督办期限"),
    ({"to": "org:驻深圳支部", "due_on": "past"}, "督办期限不能早于今天。"),
    ({"to": "org:驻深圳支部", "due_on": "far"}, "督办期限最长一年。"),
]


@pytest.mark.parametrize(("sent", "message"), REFUSALS, ids=[m for _, m in REFUSALS])
def test_a_refused_forward_says_why_and_changes_nothing(app, item, sent, message):
    data = {"reason": REASON, **sent}
    if data["to"].startswith("org:"):
        data["to"] = _org_id(app, data["to"][4:])
    dates = {"past": _due(app, -1), "far": _due(app, 400)}
    if "due_on" in data:
        data["due_on"] = dates.get(data["due_on"], data["due_on"])
    before = _snapshot(app, item)
    response = post(
        _client(app, "secretary"),
        f"/forum/threads/{item}/forward",
        data,
        follow_redirects=True,
    )
    assert message in response.get_data(as_text=True)
    assert _snapshot(app, item) == before


def test_a_closed_organisation_is_refused(app, item):
    with app.app_context():
        closed = create_org("三支部", "branch", find_org("区委"))
        close_org(None, closed)
        db.session.commit()
        closed_id = closed.id
    before = _snapshot(app, item)
    admin = _client(app, "admin")
    page = _forward(admin, item, closed_id).get_data(as_text=True)
    assert "三支部已撤销，不能转交。" in page
    assert _snapshot(app, item) == before


@pytest.mark.parametrize("end", ["withdraw", "close"])
def test_a_finished_item_is_not_handed_on(app, item, end):
    with app.app_context():
        thread = db.session.get(Thread, item)
        if end == "withdraw":
            services.withdraw(_user("liudong"), thread)
        else:
            services.change_state(_user("secretary"), thread, "closed")
        db.session.commit()
    before = _snapshot(app, item)
    page = _forward(_client(app, "secretary"), item, _org_id(app, "驻深圳支部"))
    assert "事项已办结或已撤回，不能转办。" in page.get_data(as_text=True)
    assert "转办理由" not in page.get_data(as_text=True)  # and no form is offered
    assert _snapshot(app, item) == before


def test_viewers_and_the_member_may_not_hand_it_on(app, item):
    host = _org_id(app, "驻深圳支部")
    for username in ("viewer", "liudong"):
        before = _snapshot(app, item)
        page = _forward(_client(app, username), item, host).get_data(as_text=True)
        assert "您不能转办这个事项。" in page, username
        assert 'id="forward"' not in page
        assert _snapshot(app, item) == before


def test_a_course_question_goes_to_instructors_and_is_not_handed_on(app, world):
    with app.app_context():
        course = db.session.scalar(select(Course).where(Course.slug == "rules"))
        question = services.create_thread(
            _user("member"),
            services.NewThread("qa", "这一课", "不懂", course=course, lesson=course.lessons[0]),
        )
        db.session.commit()
        question_id, city = question.id, find_org("市委").id
    page = _forward(_client(app, "admin"), question_id, city).get_data(as_text=True)
    assert "只有交给党组织办理的事项可以转办。" in page
    with app.app_context():
        assert db.session.get(Thread, question_id).org_id is None


def test_the_same_form_sent_twice_hands_it_on_once(app, item):
    secretary = _client(app, "secretary")
    data = {"to": _org_id(app, "驻深圳支部"), "reason": REASON, "from": _org_id(app, "一支部")}
    first = post(secretary, f"/forum/threads/{item}/forward", data, follow_redirects=True)
    again = post(secretary, f"/forum/threads/{item}/forward", data, follow_redirects=True)
    assert "已转办" in first.get_data(as_text=True) and "已转办" in again.get_data(as_text=True)
    with app.app_context():
        assert len(db.session.get(Thread, item).forwards) == 1
        assert len(_notes("committee")) == 1


def test_a_form_shown_before_someone_else_handed_it_on_is_refused(app, item):
    branch = _org_id(app, "一支部")
    # The district takes the item over while the branch secretary's page is still open.
    _forward(_client(app, "quwei"), item, _org_id(app, "区委"))
    before = _snapshot(app, item)
    data = {"to": _org_id(app, "驻深圳支部"), "reason": REASON, "from": branch}
    page = post(
        _client(app, "secretary"), f"/forum/threads/{item}/forward", data, follow_redirects=True
    ).get_data(as_text=True)
    assert "这个事项刚刚已转交区委办理，请刷新页面后再看。" in page
    assert _snapshot(app, item) == before


def _hand_on(thread_id: int, username: str, to: str, from_name: str):
    def action():
        forwarding.forward(
            _user(username),
            db.session.get(Thread, thread_id),
            find_org(to),
            REASON,
            from_org_id=find_org(from_name).id,
        )
        return to

    return action


def test_two_staff_forwarding_at_once_hand_it_on_once(committed_app):
    with committed_app.app_context():
        build_world()
        _people()
        thread = services.create_thread(
            _user("liudong"),
            services.NewThread("help", "工资被拖欠", "拖欠工资", help_category="wages"),
        )
        db.session.commit()
        thread_id = thread.id
    results = race(
        committed_app,
        [
            _hand_on(thread_id, "secretary", "驻深圳支部", "一支部"),
            _hand_on(thread_id, "quwei", "区委", "一支部"),
        ],
    )
    refused = [r for r in results if isinstance(r, services.ForumError)]
    assert len(refused) == 1, results
    assert "刚刚已转交" in str(refused[0])
    (winner,) = [r for r in results if isinstance(r, str)]
    with committed_app.app_context():
        thread = db.session.get(Thread, thread_id)
        assert thread.org.name == winner
        assert [h.to_org.name for h in thread.forwards] == [winner]


# --- supervised deadlines ----------------------------------------------------------------------


def _due(app, days: int) -> str:
    """The date ``days`` from today, as a date field sends it."""
    with app.app_context():
        return (local_today() + timedelta(days=days)).isoformat()


def _overdue(app, thread_id: int) -> None:
    """Move the item's supervised deadline to yesterday (as if days went by)."""
    with app.app_context():
        db.session.get(Supervision, thread_id).due_on = local_today() - timedelta(days=1)
        db.session.commit()


def _tallies(app, username: str) -> dict:
    with app.test_request_context():
        return workbench_part(_user(username), local_today())


def test_a_deadline_set_when_forwarding_is_watched_by_the_forwarding_branch(app, item):
    _forward(_client(app, "secretary"), item, _org_id(app, "驻深圳支部"), due_on=_due(app, 5))
    with app.app_context():
        supervision = db.session.get(Supervision, item)
        assert (supervision.org.name, supervision.due_on.isoformat()) == ("一支部", _due(app, 5))
    # Not yet due: counted, not urgent.
    assert (_tallies(app, "secretary")["supervised"].count, 0) == (1, 0)
    _overdue(app, item)
    tally = _tallies(app, "secretary")["supervised"]
    assert (tally.label, tally.count, tally.urgent) == ("督办事项", 1, 1)
    assert tally.url == "/forum/queue?supervised=1"
    listed = _client(app, "secretary").get(tally.url).get_data(as_text=True)
    assert "工资被拖欠" in listed and "已过期限" in listed
    # The district above the branch sees it too; the host side has it waiting, late.
    assert _tallies(app, "quwei")["supervised"].urgent == 1
    waiting = _tallies(app, "committee")["board_items"]
    assert (waiting.count, waiting.urgent) == (1, 1)
    assert _tallies(app, "committee")["supervised"].count == 0
    page = _client(app, "committee").get(f"/forum/threads/{item}").get_data(as_text=True)
    assert "一支部督办" in page and "已过期限，尚未答复。" in page and "已超期" in page
    # Answered: off every list.
    with app.app_context():
        services.reply(_user("committee"), db.session.get(Thread, item), "已办理。")
        db.session.commit()
    assert _tallies(app, "secretary")["supervised"].count == 0
    assert _tallies(app, "committee")["board_items"].count == 0


def test_the_supervised_side_cannot_move_or_lift_the_deadline(app, item):
    _forward(_client(app, "secretary"), item, _org_id(app, "驻深圳支部"), due_on=_due(app, 5))
    before = _snapshot(app, item)
    committee = _client(app, "committee")
    for data in ({"due_on": _due(app, 30)}, {"lift": "1"}):
        page = post(
            committee, f"/forum/threads/{item}/deadline", data, follow_redirects=True
        ).get_data(as_text=True)
        assert "督办期限由一支部设定，只有其工作人员可以更改。" in page
        assert _snapshot(app, item) == before
    # The supervising branch moves it, then lifts it.
    secretary = _client(app, "secretary")
    page = post(
        secretary,
        f"/forum/threads/{item}/deadline",
        {"due_on": _due(app, 10)},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "督办期限已设定。" in page
    with app.app_context():
        assert db.session.get(Supervision, item).due_on.isoformat() == _due(app, 10)
    post(secretary, f"/forum/threads/{item}/deadline", {"lift": "1"})
    with app.app_context():
        assert db.session.get(Supervision, item) is None
        details = db.session.scalars(
            select(ThreadEvent.detail).where(
                ThreadEvent.thread_id == item, ThreadEvent.action == "deadline"
            )
        ).all()
        assert details == [
            f"督办：一支部，{_due(app, 5)} 前答复",
            f"督办：一支部，{_due(app, 10)} 前答复",
            "取消督办",
        ]


def test_a_deadline_set_later_is_watched_by_the_parent(app, item):
    secretary = _client(app, "secretary")
    post(secretary, f"/forum/threads/{item}/deadline", {"due_on": _due(app, 7)})
    with app.app_context():
        assert db.session.get(Supervision, item).org.name == "区委"
    # The branch set it, 区委 watches it: the branch can no longer lift it, 区委 can.
    page = post(
        secretary, f"/forum/threads/{item}/deadline", {"lift": "1"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "督办期限由区委设定" in page
    _overdue(app, item)
    assert _tallies(app, "quwei")["supervised"].urgent == 1
    assert _tallies(app, "secretary")["supervised"].count == 0  # 区委 is above the branch
    post(_client(app, "quwei"), f"/forum/threads/{item}/deadline", {"lift": "1"})
    with app.app_context():
        assert db.session.get(Supervision, item) is None


def test_a_deadline_needs_a_valid_date_and_staff_who_manage(app, item):
    before = _snapshot(app, item)
    for username, data, message in (
        ("secretary", {"due_on": ""}, "请填写督办期限。"),
        ("secretary", {"due_on": "12/31"}, "请按“年-月-日”填写督办期限"),
        ("secretary", {"due_on": _due(app, -1)}, "督办期限不能早于今天。"),
        ("viewer", {"due_on": _due(app, 3)}, "您不能为这个事项设定督办期限。"),
        ("liudong", {"due_on": _due(app, 3)}, "您不能为这个事项设定督办期限。"),
    ):
        page = post(
            _client(app, username), f"/forum/threads/{item}/deadline", data, follow_redirects=True
        ).get_data(as_text=True)
        assert message in page, (username, data)
        assert _snapshot(app, item) == before
    # The member never sees the deadline.
    post(_client(app, "secretary"), f"/forum/threads/{item}/deadline", {"due_on": _due(app, 3)})
    page = _client(app, "liudong").get(f"/forum/threads/{item}").get_data(as_text=True)
    assert "督办" not in page


def test_forwarding_keeps_a_deadline_the_forwarder_may_not_change(app, item):
    post(_client(app, "secretary"), f"/forum/threads/{item}/deadline", {"due_on": _due(app, 7)})
    page = _client(app, "secretary").get(f"/forum/threads/{item}").get_data(as_text=True)
    assert "这个事项由区委督办" in page and 'id="forward-due"' not in page
    before = _snapshot(app, item)
    page = _forward(
        _client(app, "secretary"), item, _org_id(app, "驻深圳支部"), due_on=_due(app, 3)
    ).get_data(as_text=True)
    assert f"这个事项已由区委督办（{_due(app, 7)} 前答复），转办时不能另设期限。" in page
    assert _snapshot(app, item) == before
    # Without a date of its own the forward goes through, and 区委 still watches the item.
    _forward(_client(app, "secretary"), item, _org_id(app, "驻深圳支部"))
    with app.app_context():
        assert db.session.get(Thread, item).org.name == "驻深圳支部"
        assert db.session.get(Supervision, item).org.name == "区委"


# --- the workbench -----------------------------------------------------------------------------


def test_the_workbench_counts_what_waits_for_the_organisations(app, item):
    tally = _tallies(app, "secretary")["board_items"]
    assert (tally.count, tally.urgent) == (1, 0)
    assert tally.url == "/forum/queue?unanswered=1"
    assert _tallies(app, "quwei")["board_items"].count == 1  # the branch is below 区委
    assert _tallies(app, "erzhi")["board_items"].count == 0
    assert _tallies(app, "member") == {}
    with app.app_context():
        thread = db.session.get(Thread, item)
        thread.routed_at -= timedelta(days=30)
        db.session.commit()
    assert _tallies(app, "secretary")["board_items"].urgent == 1
    listed = _client(app, "secretary").get(tally.url).get_data(as_text=True)
    assert "工资被拖欠" in listed and "已超期" in listed
    # Handed on, the clock starts again at the receiving side.
    _forward(_client(app, "secretary"), item, _org_id(app, "驻深圳支部"))
    assert _tallies(app, "secretary")["board_items"].count == 0
    waiting = _tallies(app, "committee")["board_items"]
    assert (waiting.count, waiting.urgent) == (1, 0)


# --- search ------------------------------------------------------------------------------------


def _found(app, username: str) -> list[str]:
    with app.app_context():
        return [h.url for h in search.search(_user(username), "老板拖欠").hits]


def test_search_follows_the_organisation_handling_the_item(app, item):
    url = f"/forum/threads/{item}"
    assert _found(app, "secretary") == [url] and _found(app, "committee") == []
    _forward(_client(app, "secretary"), item, _org_id(app, "驻深圳支部"))
    with app.app_context():
        document = db.session.get(SearchDocument, ("ticket", item))
        assert (document.audience, document.org_path) == ("staff", find_org("驻深圳支部").path)
    assert _found(app, "committee") == [url]
    assert _found(app, "liudong") == [url]  # the author, as before
    assert _found(app, "erzhi") == [] and _found(app, "member") == []
    # The branch that handed it on finds it in its 已转办 list, not in search: a document has
    # one audience, the organisation that handles the item now.
    assert _found(app, "secretary") == []


def test_organisation_ids_of_the_tree_are_what_the_form_sends(app, item):
    """The page's choices carry the organisations' ids (what the service checks again)."""
    page = _client(app, "secretary").get(f"/forum/threads/{item}").get_data(as_text=True)
    with app.app_context():
        ids = {o.name: o.id for o in db.session.scalars(select(Organisation))}
    assert f'<option value="{ids["驻深圳支部"]}">流入地：驻深圳支部</option>' in page
    assert f'name="from" value="{ids["一支部"]}"' in page
