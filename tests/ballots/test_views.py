"""Recommendation ballot pages: a secretary sets one up and may change or cancel it only before
it opens; members it reaches vote once, on a phone, through a confirm step, and then see only
when they voted; staff audit the turnout and, after the close, the counts; nothing on any page
or export ties a voter to a ballot."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from openpyxl import load_workbook
from sqlalchemy import func, select

from school.auth.models import User
from school.ballots.models import (
    BallotMark,
    BallotVoter,
    Candidate,
    Recommendation,
    RecommendationLog,
)
from school.ballots.permissions import is_eligible
from school.ballots.services import eligible_clause
from school.clock import to_local
from school.db import db, utcnow
from school.notifications.models import Notification
from school.orgs.services import find_org
from school.search.models import SearchOutbox
from tests.ballots.factories import make_recommendation, user
from tests.conftest import login, post
from tests.factories import make_user


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _local(app, moment) -> str:
    with app.app_context():
        return to_local(moment).strftime("%Y-%m-%dT%H:%M")


def _form(app, **overrides) -> dict:
    now = utcnow()
    return {
        "title": "推荐区党代会代表候选人",
        "kind": "party_congress",
        "org": "一支部",
        "description": "请推荐两名候选人。",
        "candidates": "候选甲 | 一支部党员 | member\n候选乙 | 二支部党员\n候选丙",
        "max_choices": "2",
        "targets": "一支部",
        "opens_at": _local(app, now + timedelta(days=1)),
        "closes_at": _local(app, now + timedelta(days=2)),
        **overrides,
    }


def test_set_up_change_only_before_opening_and_cancel(app, world, client):
    login(client, "secretary")
    # A candidate linked to a member outside the secretary's scope is refused, nothing saved.
    refused = post(client, "/ballots/manage/new", _form(app, candidates="候选甲 | 简介 | floating"))
    assert refused.status_code == 200 and "管理范围内" in refused.get_data(as_text=True)
    too_many = post(client, "/ballots/manage/new", _form(app, max_choices="4"))
    assert "每人可选人数" in too_many.get_data(as_text=True)
    outside = post(client, "/ballots/manage/new", _form(app, targets="工委"))
    assert "不在您管理的范围内" in outside.get_data(as_text=True)
    with app.app_context():
        assert _count(Recommendation) == 0
    created = post(client, "/ballots/manage/new", _form(app))
    assert created.status_code == 302
    with app.app_context():
        rec = db.session.scalar(select(Recommendation))
        rec_id = rec.id
        assert [c.name for c in rec.candidates] == ["候选甲", "候选乙", "候选丙"]
        assert rec.candidates[0].member_id == world.member
    edited = post(client, f"/ballots/manage/{rec_id}/edit", _form(app, title="改过的名称"))
    assert edited.status_code == 302
    page = client.get(f"/ballots/manage/{rec_id}").get_data(as_text=True)
    assert "改过的名称" in page and "赵书记 创建" in page and "赵书记 修改" in page
    # The member cannot see a ballot that has not opened on the home page.
    with app.app_context():
        rec = db.session.get(Recommendation, rec_id)
        rec.box.opens_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    late = post(client, f"/ballots/manage/{rec_id}/edit", _form(app, title="开始后再改"))
    assert late.status_code == 302
    assert post(client, f"/ballots/manage/{rec_id}/cancel").status_code == 302
    with app.app_context():
        rec = db.session.get(Recommendation, rec_id)
        assert rec.title == "改过的名称" and rec.status == "active"
        assert [e.action for e in rec.log] == ["created", "changed"]
    # A second one, cancelled before it opens: members no longer see it.
    post(client, "/ballots/manage/new", _form(app, title="待取消"))
    with app.app_context():
        second = db.session.scalar(select(Recommendation).where(Recommendation.title == "待取消"))
        second_id = second.id
    assert post(client, f"/ballots/manage/{second_id}/cancel").status_code == 302
    with app.app_context():
        second = db.session.get(Recommendation, second_id)
        assert second.status == "cancelled"
        assert [e.action for e in second.log] == ["created", "cancelled"]
        assert _count(RecommendationLog) == 4
    member = app.test_client()
    login(member, "member")
    assert member.get(f"/ballots/{second_id}").status_code == 404


def test_members_vote_once_through_a_confirm_step_and_see_only_when(app, world, client):
    with app.app_context():
        rec = make_recommendation(max_choices=1)
        other = make_recommendation(title="另一次投票")
        rec_id, other_candidate = rec.id, other.candidates[0].id
        first, second = (c.id for c in rec.candidates[:2])
        before = (_count(Notification), _count(SearchOutbox))
        db.session.commit()
    login(client, "member")
    home = client.get("/").get_data(as_text=True)
    assert "推荐投票" in home and f"/ballots/{rec_id}" in home
    page = client.get(f"/ballots/{rec_id}").get_data(as_text=True)
    assert 'method="post"' in page and f'value="{first}"' in page and "最多 1 人" in page
    # More than K, a candidate of another ballot, a made-up id: refused, nothing written.
    for chosen in ([first, second], [other_candidate], ["abc"], ["²"], [999999]):
        answer = post(client, f"/ballots/{rec_id}/confirm", {"candidate": chosen})
        assert answer.status_code == 302
        answer = post(client, f"/ballots/{rec_id}/vote", {"candidate": chosen})
        assert answer.status_code == 302
    with app.app_context():
        assert (_count(BallotVoter), _count(BallotMark)) == (0, 0)
    confirm = post(client, f"/ballots/{rec_id}/confirm", {"candidate": [first]})
    assert confirm.status_code == 200 and "确认投票" in confirm.get_data(as_text=True)
    voted = post(client, f"/ballots/{rec_id}/vote", {"candidate": [first]}, follow_redirects=True)
    text = voted.get_data(as_text=True)
    assert "您已于" in text and "候选甲" not in text and 'name="candidate"' not in text
    # A second device of the same member: refused, the first ballot stands alone.
    phone = app.test_client()
    login(phone, "member")
    again = post(phone, f"/ballots/{rec_id}/vote", {"candidate": [second]}, follow_redirects=True)
    assert "已经投过票" in again.get_data(as_text=True)
    assert "您已于" in client.get("/ballots/").get_data(as_text=True)
    assert f"/ballots/{rec_id}" not in client.get("/").get_data(as_text=True)
    with app.app_context():
        assert (_count(BallotVoter), _count(BallotMark)) == (1, 1)
        assert db.session.scalar(select(BallotMark.subject_id)) == first
        # Nobody is told, nothing is queued for search.
        assert (_count(Notification), _count(SearchOutbox)) == before
    # Not eligible (二支部), and outside the window: refused.
    stranger = app.test_client()
    login(stranger, "other")
    assert stranger.get(f"/ballots/{rec_id}").status_code == 404
    assert post(stranger, f"/ballots/{rec_id}/vote", {"candidate": [first]}).status_code == 404
    with app.app_context():
        db.session.get(Recommendation, rec_id).box.closes_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    late = app.test_client()
    login(late, "viewer")
    closed = post(late, f"/ballots/{rec_id}/vote", {"candidate": [first]}, follow_redirects=True)
    assert "投票已经结束" in closed.get_data(as_text=True)
    with app.app_context():
        assert _count(BallotVoter) == 1


def test_floating_members_vote_from_where_they_live(app, world):
    with app.app_context():
        user("floating").is_floating = True
        hosted = make_recommendation(by="committee", org="工委", targets="工委 流入地 仅流动党员")
        home_side = make_recommendation(by="admin", org="区委", targets="二支部 流出地")
        floating, member = user("floating"), user("member")
        assert is_eligible(floating, hosted) and is_eligible(floating, home_side)
        assert not is_eligible(member, hosted) and not is_eligible(user("other"), hosted)
        for rec in (hosted, home_side):  # the SQL and the Python agree
            ids = set(db.session.scalars(select(User.id).where(eligible_clause(rec))))
            every = db.session.scalars(select(User)).all()
            assert ids == {u.id for u in every if is_eligible(u, rec)}
        hosted_id, candidate = hosted.id, hosted.candidates[0].id
        db.session.commit()
    client = app.test_client()
    login(client, "floating")
    post(client, f"/ballots/{hosted_id}/vote", {"candidate": [candidate]})
    with app.app_context():
        assert _count(BallotVoter) == 1


def test_staff_audit_shows_turnout_then_counts_and_never_a_voter(app, world):
    with app.app_context():
        rec = make_recommendation(max_choices=2)
        voters = [make_user(f"v{i}", f"投票人{i}号", home_org=find_org("一支部")) for i in range(5)]
        voter_names = [v.name for v in voters] + ["张党员"]
        voter_names += [u.name for u in (user("viewer"),)]
        rec_id = rec.id
        a, b, c = (x.id for x in rec.candidates)
        db.session.commit()
    picks = {"member": [a], "viewer": [a, b]} | {f"v{i}": [a] for i in range(5)}
    picks["v4"] = [c]
    for username, chosen in picks.items():
        voter = app.test_client()
        login(voter, username)
        post(voter, f"/ballots/{rec_id}/vote", {"candidate": chosen})
    staff = app.test_client()
    login(staff, "secretary")
    during = staff.get(f"/ballots/manage/{rec_id}").get_data(as_text=True)
    assert "已投票 <strong>7</strong> 人" in during and "投票结束后才能看到结果" in during
    with app.app_context():
        db.session.get(Recommendation, rec_id).box.closes_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    after = staff.get(f"/ballots/manage/{rec_id}").get_data(as_text=True)
    assert "<td>候选甲</td><td>6</td>" in after and "<td>候选丙</td><td>1</td>" in after
    export = staff.get(f"/ballots/manage/{rec_id}/results.xlsx")
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(export.data)).active
    cells = [str(v) for row in sheet.iter_rows(values_only=True) for v in row if v is not None]
    assert cells[:6] == ["候选人", "简介", "推荐票数", "候选甲", "一支部党员", "6"]
    for page in (during, after, " ".join(cells)):
        assert not any(name in page for name in voter_names)
    # Other staff and members: the audit and its export do not exist for them.
    for username, status in (("committee", 404), ("member", 404), ("viewer", 200)):
        other = app.test_client()
        login(other, username)
        assert other.get(f"/ballots/manage/{rec_id}").status_code == status
        assert other.get(f"/ballots/manage/{rec_id}/results.xlsx").status_code == status
    with app.app_context():
        # The candidate a member is linked to is not a voter link: no column refers to a voter.
        assert {col.name for col in Candidate.__table__.columns} >= {"member_id"}
        assert not any(fk.column.table.name == "users" for fk in BallotMark.__table__.foreign_keys)


def test_results_stay_hidden_for_a_small_group(app, world):
    with app.app_context():
        rec = make_recommendation()
        rec_id, first = rec.id, rec.candidates[0].id
        db.session.commit()
    voter = app.test_client()
    login(voter, "member")
    post(voter, f"/ballots/{rec_id}/vote", {"candidate": [first]})
    with app.app_context():
        db.session.get(Recommendation, rec_id).box.closes_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    staff = app.test_client()
    login(staff, "secretary")
    page = staff.get(f"/ballots/manage/{rec_id}").get_data(as_text=True)
    assert "不足 5 人" in page and "<td>候选甲</td>" not in page
    sheet = load_workbook(io.BytesIO(staff.get(f"/ballots/manage/{rec_id}/results.xlsx").data))
    values = [v for row in sheet.active.iter_rows(values_only=True) for v in row]
    assert "推荐票数" in values and not any(isinstance(v, int) and v > 0 for v in values[3:6])


def test_the_ballot_page_and_the_vote_run_a_few_statements(app, world, client, count_statements):
    with app.app_context():
        # Over the district: the member's own branch is not among the loaded organisations.
        rec = make_recommendation(by="admin", org="区委", targets="区委")
        rec_id, first = rec.id, rec.candidates[0].id
        db.session.commit()
    login(client, "member")
    page, statements = count_statements(client, f"/ballots/{rec_id}")
    assert page.status_code == 200
    # The login, the ballot (itself, candidates, targets), the member's branch, voted or not.
    assert len(statements) == 6, statements
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True))
    data = {"csrf_token": token.group(1), "candidate": [first]}
    voted, statements = count_statements(client, f"/ballots/{rec_id}/vote", data)
    assert voted.status_code == 302
    # The same five to load, the voter's row and the ballot's marks.
    assert len(statements) == 7, statements
