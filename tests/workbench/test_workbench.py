"""The staff workbench: staff land on it, every count matches the list it opens, and a member
or another branch's secretary sees nothing of it."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select

from school.archive import services as archive
from school.auth.models import User
from school.campaigns import progress
from school.campaigns import workbench as campaign_workbench
from school.clock import local_today
from school.courses import services as courses
from school.courses.models import Course
from school.db import db
from school.notices.models import Notice
from school.orgs.services import find_org
from school.reports import overdue
from school.reports.models import Bulletin
from school.reports.overdue import OverdueFilter
from tests.campaigns.factories import make_campaign
from tests.conftest import login, post
from tests.factories import PASSWORD, make_user


def _user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def _tiles(html: str) -> dict[str, tuple[int, str]]:
    """{label: (count, link)} of the workbench's tiles."""
    found = re.findall(
        r'<a class="tally[^"]*" href="([^"]+)"><span class="tally-count">(\d+)</span>'
        r'<span class="tally-label">([^<]+)</span>',
        html,
    )
    return {label: (int(count), url.replace("&amp;", "&")) for url, count, label in found}


def _done(html: str) -> list[str]:
    """Labels listed under 已经处理完的 (nothing waiting)."""
    part = html.split('id="clear-heading"', 1)
    pattern = r'<a class="tally-done" href="[^"]+"><span>([^<]+)</span><span class="meta">0</span>'
    return re.findall(pattern, part[1]) if len(part) > 1 else []


BEHIND = "今年学时落后或未开始的党员"


def test_staff_land_on_the_workbench_and_members_on_their_courses(app, world):
    client = app.test_client()
    response = login(client, "secretary")
    assert response.headers["Location"] == "/workbench/"
    page = client.get("/workbench/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "<h1>工作台</h1>" in text
    # The member side stays one tap away.
    assert 'href="/">我的学习（党员首页）' in text

    member = app.test_client()
    assert login(member, "member").headers["Location"] == "/"
    assert member.get("/workbench/").status_code == 403
    # A link the login was asked to return to still wins over the workbench.
    staff = app.test_client()
    response = post(staff, "/login?next=/archive/", {"username": "secretary", "password": PASSWORD})
    assert response.headers["Location"] == "/archive/"


def test_the_overdue_count_is_the_overdue_list(app, world):
    """Read from the rollups, the count equals the member scan behind the list it opens."""
    with app.app_context():
        secretary = _user("secretary")
        archive.append_offline(
            _user("member"),
            title="支部党课",
            hours=Decimal(40),
            completed_at=datetime.now(UTC),
            recorded_by=secretary,
        )
        make_user("newcomer", "周新人", home_org=find_org("一支部"))
        db.session.commit()
        branch = find_org("一支部")
        listing = overdue.overdue_page(secretary, branch, OverdueFilter())
        expected = listing.total
        branch_id = branch.id
    client = app.test_client()
    login(client, "secretary")
    tiles = _tiles(client.get("/workbench/").get_data(as_text=True))
    count, url = tiles[BEHIND]
    # 张党员 met the quota; 赵书记, 孙查看 and 周新人 have not started.
    assert count == expected == 3
    assert url == f"/reports/{branch_id}/overdue"
    assert client.get(url).status_code == 200


def test_counts_are_scoped_to_the_staff_members_own_subtree(app, world):
    with app.app_context():
        for i in range(3):
            make_user(f"b{i}", f"二支部党员{i}", home_org=find_org("二支部"))
        db.session.commit()
    client = app.test_client()
    login(client, "secretary")
    # 二支部's three new members are not 一支部's business: still the branch's own three.
    assert _tiles(client.get("/workbench/").get_data(as_text=True))[BEHIND][0] == 3
    admin = app.test_client()
    login(admin, "admin")
    # The whole school: every member who is not an administrator.
    with app.app_context():
        everyone = len(
            db.session.scalars(
                select(User.id).where(User.role != "admin", User.active.is_(True))
            ).all()
        )
    assert _tiles(admin.get("/workbench/").get_data(as_text=True))[BEHIND][0] == everyone


def test_an_open_campaign_counts_who_has_not_finished(app, world):
    with app.app_context():
        rules = db.session.scalar(select(Course).where(Course.slug == "rules"))
        campaign = make_campaign(
            _user("secretary"), "一支部", "一支部", courses=[(rules, True)], title="学党章"
        )
        for lesson in rules.lessons:
            courses.complete_lesson(_user("member"), lesson)
        db.session.commit()
        campaign_id, branch_id = campaign.id, find_org("一支部").id
    client = app.test_client()
    login(client, "secretary")
    count, url = _tiles(client.get("/workbench/").get_data(as_text=True))[
        "《学党章》还没有完成的党员"
    ]
    # 赵书记 and 孙查看 have not finished; 张党员 has.
    assert count == 2
    assert url == f"/campaigns/manage/{campaign_id}/report/{branch_id}"
    report = client.get(url).get_data(as_text=True)
    assert "学党章" in report
    # Another branch's secretary is not reached by the campaign: no tile.
    other = app.test_client()
    login(other, "committee")
    assert not any(
        "学党章" in label for label in _tiles(other.get("/workbench/").get_data(as_text=True))
    )


def test_unread_bulletins_and_draft_notices(app, world):
    with app.app_context():
        committee, branch = find_org("工委"), find_org("一支部")
        sender = _user("committee")
        today = local_today()
        for month in (1, 2):
            db.session.add(
                Bulletin(
                    host_org_id=committee.id,
                    home_org_id=branch.id,
                    period_label=f"{today.year}年{month}月",
                    period_start=today.replace(month=month, day=1),
                    period_end=today.replace(month=month, day=28),
                    body={},
                    member_count=1,
                    sent_by_id=sender.id,
                    read_at=datetime.now(UTC) if month == 1 else None,
                )
            )
        db.session.add(Notice(title="草稿", body_md="正文", org_id=branch.id, author_id=sender.id))
        db.session.add(
            Notice(
                title="支部草稿", body_md="正文", org_id=branch.id, author_id=_user("secretary").id
            )
        )
        db.session.commit()
        branch_id = branch.id
    client = app.test_client()
    login(client, "secretary")
    html = client.get("/workbench/").get_data(as_text=True)
    tiles = _tiles(html)
    assert tiles["未读的流入地通报"] == (1, f"/reports/{branch_id}/received")
    # Both drafts are for the branch the secretary manages, whoever wrote them.
    assert tiles["未发布的通知草稿"] == (2, "/notices/")
    # The committee secretary sent them; nothing is unread for the committee itself.
    committee_client = app.test_client()
    login(committee_client, "committee")
    assert "未读的流入地通报" in _done(committee_client.get("/workbench/").get_data(as_text=True))


def test_the_workbench_runs_the_same_statements_for_any_number_of_members(
    app, world, count_statements
):
    client = app.test_client()
    login(client, "secretary")
    counts = []
    for batch in range(2):
        with app.app_context():
            for i in range(10):
                make_user(f"m{batch}-{i}", f"党员{batch}{i}", home_org=find_org("一支部"))
            db.session.commit()
        response, statements = count_statements(client, "/workbench/")
        assert response.status_code == 200
        counts.append(len(statements))
    # The login check, the staff grants, board items waiting and supervised, transfers waiting,
    # the branch's children, four for the rollups' figures (members, years, the pace, and
    # members between two paces), bulletins, campaigns, drafts, accounts never activated (the
    # subtree's ids, then the count), the target schemes waiting for scores, and the
    # nominations and objections waiting (one statement for both), and the recommendation
    # ballots under way, and the appraisal rounds closed and waiting for grades, and the
    # hometown projects' interest not yet followed up.
    assert counts[0] == counts[1] <= 21, statements


def test_a_slow_campaign_count_is_reused_for_five_minutes_and_a_fast_one_never(
    app, world, monkeypatch
):
    with app.app_context():
        rules = db.session.scalar(select(Course).where(Course.slug == "rules"))
        campaign = make_campaign(_user("admin"), "市委", "市委", courses=[(rules, True)])
        city, today = find_org("市委"), local_today()
        counted = iter(range(100, 200))
        monkeypatch.setattr(progress, "unfinished", lambda *args: next(counted))
        ticks = []

        def clock(step: float):
            ticks.append(ticks[-1] + step if ticks else 1000.0)
            return ticks[-1]

        def count(after: float, taking: float) -> int:
            steps = iter((after, taking))
            return campaign_workbench.unfinished(
                campaign, city, today, clock=lambda: clock(next(steps))
            )

        # Counted in 0.2 s: kept and shown again within KEEP seconds, recounted after.
        assert count(0, 0.2) == 100
        assert count(60, 0) == 100
        assert count(campaign_workbench.KEEP, 0.01) == 101
        # That recount was fast: the next one counts again.
        assert count(1, 0.01) == 102
