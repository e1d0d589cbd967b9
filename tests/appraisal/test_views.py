"""Democratic appraisal pages: staff set up a round for the members of their subtree (2 to 100,
fixed then), participants write a self-appraisal and cast one secret peer ballot through a
confirm step, staff see the turnout during the round and, after the close, counts per peer
beside the target result and the self-grade, and record grades that the member then sees in the
round, on their list and in their archive. Every refusal leaves the database as it was."""

from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace

from sqlalchemy import func, select

from school.appraisal import parts, services
from school.appraisal.models import (
    AppraisalGrade,
    AppraisalParticipant,
    AppraisalRound,
    SelfAppraisal,
)
from school.auth.models import User
from school.ballots.models import BallotBox, BallotMark, BallotVoter
from school.clock import current_year, local_today, to_local
from school.db import db, utcnow
from school.notifications.models import Notification
from school.orgs.services import find_org
from school.targets.services import save_self_report
from tests.appraisal.factories import add_members, close, make_round, user
from tests.conftest import login, post
from tests.factories import make_user
from tests.targets.factories import host_scheme


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _local(app, moment) -> str:
    with app.app_context():
        return to_local(moment).strftime("%Y-%m-%dT%H:%M")


def _form(app, **overrides) -> dict:
    now = utcnow()
    return {
        "org": "一支部",
        "side": "home",
        "year": "2026",
        "title": "2026 年度民主评议党员",
        "opens_at": _local(app, now + timedelta(minutes=5)),
        "closes_at": _local(app, now + timedelta(days=3)),
        "min_turnout": "80",
        **overrides,
    }


def _client(app, username: str):
    client = app.test_client()
    login(client, username)
    return client


def test_staff_set_up_rounds_in_their_subtree_of_two_to_a_hundred(app, world, client):
    login(client, "secretary")
    outside = post(client, "/appraisal/manage/new", _form(app, org="工委"))
    assert outside.status_code == 200 and "您不能组织“工委”的民主评议" in outside.get_data(
        as_text=True
    )
    # 一支部 hosts nobody: a host-side round has no one to appraise.
    empty = post(client, "/appraisal/manage/new", _form(app, side="host"))
    assert "不足 2 人" in empty.get_data(as_text=True)
    with app.app_context():
        assert (_count(AppraisalRound), _count(BallotBox)) == (0, 0)
    created = post(client, "/appraisal/manage/new", _form(app))
    assert created.status_code == 302
    with app.app_context():
        appraisal = db.session.scalar(select(AppraisalRound))
        round_id = appraisal.id
        names = sorted(p.member.name for p in appraisal.participants)
        assert names == sorted(["张党员", "赵书记", "孙查看"])
        assert (appraisal.box.kind, appraisal.box.min_turnout, appraisal.box.min_group) == (
            "appraisal",
            80,
            5,
        )
        # Participants are fixed: a member joining the branch later is not added.
        add_members(1, prefix="late")
        db.session.commit()
        assert _count(AppraisalParticipant) == 3
    assert "2026 年度民主评议党员" in client.get("/appraisal/manage/").get_data(as_text=True)
    page = client.get(f"/appraisal/manage/{round_id}").get_data(as_text=True)
    assert "应投票 <strong>3</strong> 人" in page and "不少于 5 人" in page
    # Staff of another subtree and members: the round does not exist for them.
    committee = _client(app, "committee")
    assert committee.get(f"/appraisal/manage/{round_id}").status_code == 404
    assert "2026 年度民主评议党员" not in committee.get("/appraisal/manage/").get_data(as_text=True)
    assert _client(app, "other").get(f"/appraisal/manage/{round_id}").status_code == 404
    # Too large: a hundred and one members under 二支部 are refused, with the advice.
    with app.app_context():
        branch = find_org("二支部")
        db.session.add_all(
            User(username=f"big{i}", name=f"党员{i}", password_hash="-", home_org_id=branch.id)
            for i in range(100)
        )
        db.session.commit()
    admin = _client(app, "admin")
    large = post(admin, "/appraisal/manage/new", _form(app, org="二支部"))
    assert "超过 100 人" in large.get_data(as_text=True)
    assert "请按党支部分别组织" in large.get_data(as_text=True)
    with app.app_context():
        assert (_count(AppraisalRound), _count(BallotBox), _count(AppraisalParticipant)) == (
            1,
            1,
            3,
        )


def test_a_participant_appraises_self_and_peers_once_in_the_window(app, world):
    with app.app_context():
        appraisal = make_round()
        round_id = appraisal.id
        peers = {u: user(u).id for u in ("secretary", "viewer")}
        me = user("member").id
        later = make_round(opens_in=timedelta(days=1), closes_in=timedelta(days=2)).id
        db.session.commit()
    client = _client(app, "member")
    page = client.get(f"/appraisal/{round_id}").get_data(as_text=True)
    assert "赵书记" in page and "孙查看" in page and f'name="mark-{me}"' not in page
    # Self-appraisal: saved, changed, too long refused and left as it was.
    url = f"/appraisal/{round_id}/self"
    assert post(client, url, {"grade": "合格", "body": "认真学习。"}).status_code == 302
    assert post(client, url, {"grade": "优秀", "body": "带头学习。"}).status_code == 302
    too_long = post(client, url, {"grade": "不合格", "body": "长" * 501})
    assert too_long.status_code == 400 and "最多 500 个字" in too_long.get_data(as_text=True)
    post(client, url, {"grade": "特优", "body": "篡改的等次"})
    with app.app_context():
        mine = db.session.scalar(select(SelfAppraisal))
        assert (mine.grade, mine.body, _count(SelfAppraisal)) == ("优秀", "带头学习。", 1)
    # The confirm step names each peer with the grade given.
    full = {f"mark-{peers['secretary']}": "优秀", f"mark-{peers['viewer']}": "基本合格"}
    confirm = post(client, f"/appraisal/{round_id}/confirm", full).get_data(as_text=True)
    assert "赵书记：<strong>优秀</strong>" in confirm and "确认投票" in confirm
    vote_url = f"/appraisal/{round_id}/vote"
    refusals = [
        ({f"mark-{peers['secretary']}": "优秀"}, "请对全部 2 "),  # a peer missing
        ({**full, f"mark-{me}": "优秀"}, "请刷新页面后重新选择"),  # rating oneself
        ({**full, "mark-99999": "合格"}, "选票上没有您选的对象"),  # a tampered peer id
        ({**full, "mark-1x": "合格"}, "选票上没有您选的对象"),
        ({f"mark-{peers['secretary']}": "优秀", f"mark-{peers['viewer']}": "好"}, "没有这个选项"),
    ]
    for marks, message in refusals:
        for step in ("confirm", "vote"):
            answer = post(client, f"/appraisal/{round_id}/{step}", marks, follow_redirects=True)
            assert message in answer.get_data(as_text=True), (marks, step)
    with app.app_context():
        assert (_count(BallotVoter), _count(BallotMark)) == (0, 0)
    assert post(client, vote_url, full).status_code == 302
    again = post(client, vote_url, full, follow_redirects=True).get_data(as_text=True)
    assert "已经投过票" in again and "您已于" in again
    with app.app_context():
        assert (_count(BallotVoter), _count(BallotMark)) == (1, 2)
    # A second device (another session) is refused the same way.
    assert "已经投过票" in post(
        _client(app, "member"), vote_url, full, follow_redirects=True
    ).get_data(as_text=True)
    # Not a participant: the round does not exist, and nothing is written.
    stranger = _client(app, "other")
    assert stranger.get(f"/appraisal/{round_id}").status_code == 404
    assert post(stranger, vote_url, full).status_code == 404
    assert post(stranger, url, {"grade": "合格", "body": "x"}).status_code == 404
    # Before it opens: refused.
    early = post(client, f"/appraisal/{later}/vote", full, follow_redirects=True)
    assert "投票尚未开始" in early.get_data(as_text=True)
    with app.app_context():
        close(round_id)
    viewer = _client(app, "viewer")
    late = {f"mark-{me}": "合格", f"mark-{peers['secretary']}": "合格"}
    assert "投票已经结束" in post(viewer, vote_url, late, follow_redirects=True).get_data(
        as_text=True
    )
    shut = post(client, url, {"grade": "合格", "body": "改一下"}, follow_redirects=True)
    assert "自我评议不能再修改" in shut.get_data(as_text=True)
    with app.app_context():
        assert (_count(BallotVoter), _count(BallotMark)) == (1, 2)
        assert db.session.scalar(select(SelfAppraisal.body)) == "带头学习。"
        assert _count(Notification) == 0


def test_counts_after_close_grades_published_and_no_ballot_shown(app, world):
    with app.app_context():
        year = current_year()
        extra = add_members(3)
        appraisal = make_round()
        round_id = appraisal.id
        ids = {p.member.username: p.member_id for p in appraisal.participants}
        names = {p.member.username: p.member.name for p in appraisal.participants}
        # A known ballot: only 张党员 rates 测评人0号 不合格; everyone else gives 合格.
        for voter in ["member", "secretary", "viewer"] + [u.username for u in extra]:
            marks = {
                i: ("不合格" if voter == "member" and name == "peer0" else "合格")
                for name, i in ids.items()
                if name != voter
            }
            services.vote(user(voter), appraisal, marks, utcnow())
        db.session.commit()
    staff = _client(app, "secretary")
    manage = f"/appraisal/manage/{round_id}"
    during = staff.get(manage).get_data(as_text=True)
    assert "已投票 <strong>6</strong> 人" in during and "投票结束后才能看到结果" in during
    assert "票" not in re.sub(r"投票|不记名|测评票", "", during.split('id="turnout"')[1])
    grade_url = f"/appraisal/manage/{round_id}/grade/{ids['member']}"
    early = post(staff, grade_url, {"grade": "优秀", "comment": "好"}, follow_redirects=True)
    assert "评议结束后才能评定等次" in early.get_data(as_text=True)
    with app.app_context():
        assert (_count(AppraisalGrade), _count(Notification)) == (0, 0)
        close(round_id)
        assert services.ungraded_rounds(user("secretary"), utcnow()) == 1
        assert services.ungraded_rounds(user("committee"), utcnow()) == 0
    after = staff.get(manage).get_data(as_text=True)
    blocks = dict(
        re.findall(r'<li id="member-(\d+)" class="card">(.*?)</li>\s*(?=<li id|</ul>)', after, re.S)
    )
    assert len(blocks) == 6
    assert "不合格 1 票" in blocks[str(ids["peer0"])] and "合格 4 票" in blocks[str(ids["peer0"])]
    assert "合格 5 票" in blocks[str(ids["member"])]
    # Secrecy: each member's block names only that member, never who gave which grade.
    for username, block in blocks.items():
        others = [n for u, n in names.items() if str(ids[u]) != username]
        assert not any(name in block for name in others), block
    # Graded, then graded again: both kept, the newest in force, the member told each time.
    assert post(staff, grade_url, {"grade": "合格", "comment": "按时学习"}).status_code == 302
    assert post(staff, grade_url, {"grade": "优秀", "comment": "带头作用突出"}).status_code == 302
    bad = post(staff, grade_url, {"grade": "特优"}, follow_redirects=True)
    assert "请选择评定等次" in bad.get_data(as_text=True)
    outsider = f"/appraisal/manage/{round_id}/grade/{world.other_member}"
    assert "不在本次评议的参评名单中" in post(
        staff, outsider, {"grade": "合格"}, follow_redirects=True
    ).get_data(as_text=True)
    assert post(_client(app, "viewer"), grade_url, {"grade": "不合格"}).status_code == 403
    assert staff.post(grade_url, data={"grade": "不合格"}).status_code == 400  # no CSRF token
    assert post(_client(app, "committee"), grade_url, {"grade": "不合格"}).status_code == 404
    with app.app_context():
        rows = db.session.scalars(select(AppraisalGrade).order_by(AppraisalGrade.id)).all()
        assert [r.grade for r in rows] == ["合格", "优秀"]
        notes = db.session.scalars(select(Notification)).all()
        assert [n.user_id for n in notes] == [ids["member"]] * 2
        for note in notes:  # no name of anyone but the round's organisation in the text
            assert not any(name in note.text for name in names.values())
        member = user("member")
        evidence = parts.evidence_part(
            user("secretary"),
            SimpleNamespace(member=member, round=SimpleNamespace(year=year)),
        )["appraisal"]
        assert evidence.lines[0] == f"{year} 年度民主评议：优秀"
        assert (
            parts.evidence_part(
                user("committee"),
                SimpleNamespace(member=member, round=SimpleNamespace(year=year)),
            )
            == {}
        )
    graded = staff.get(manage).get_data(as_text=True)
    assert "评定记录" in graded and "带头作用突出" in graded
    # The member sees the grade in the round, on their list and in their archive (not 学时).
    member = _client(app, "member")
    assert "评定等次：<strong>优秀</strong>" in member.get(f"/appraisal/{round_id}").get_data(
        as_text=True
    )
    assert "评定等次：<strong>优秀</strong>" in member.get("/appraisal/").get_data(as_text=True)
    archive = member.get(f"/archive/?year={year}").get_data(as_text=True)
    assert f"{year} 年度民主评议" in archive and "优秀" in archive
    assert "年度民主评议" not in _client(app, "other").get(f"/archive/?year={year}").get_data(
        as_text=True
    )


def test_results_stay_hidden_for_a_small_group(app, world):
    with app.app_context():
        appraisal = make_round()
        round_id = appraisal.id
        ids = [p.member_id for p in appraisal.participants]
        for p in appraisal.participants:
            marks = {i: "优秀" for i in ids if i != p.member_id}
            services.vote(p.member, appraisal, marks, utcnow())
        db.session.commit()
        close(round_id)
    page = _client(app, "secretary").get(f"/appraisal/manage/{round_id}").get_data(as_text=True)
    assert "投票人数不足 5 人" in page and "优秀 2 票" not in page


def test_a_host_round_shows_the_target_result_and_waits_on_the_workbench(app, world):
    with app.app_context():
        make_user("hosted2", "吴流入", home_org=find_org("二支部"), host_org=find_org("驻深圳支部"))
        scheme = host_scheme()
        save_self_report(user("floating"), scheme, "今年在深圳坚持线上学习。", local_today())
        round_id = make_round(by="committee", org="工委", side="host").id
        year = current_year()
        floating, hosted = user("floating").id, user("hosted2").id
        db.session.commit()
    member = _client(app, "floating")
    page = member.get(f"/appraisal/{round_id}").get_data(as_text=True)
    assert "今年在深圳坚持线上学习。" in page and "吴流入" in page
    home = member.get("/").get_data(as_text=True)
    assert f"/appraisal/{round_id}" in home
    staff = _client(app, "committee")
    assert "待评定的民主评议" not in staff.get("/workbench/").get_data(as_text=True)
    with app.app_context():
        close(round_id)
    board = staff.get(f"/appraisal/manage/{round_id}").get_data(as_text=True)
    assert "建议等次" in board and "自评：未填写" in board
    assert "待评定的民主评议" in staff.get("/workbench/").get_data(as_text=True)
    for member_id in (floating, hosted):
        url = f"/appraisal/manage/{round_id}/grade/{member_id}"
        assert post(staff, url, {"grade": "合格"}).status_code == 302
    assert "待评定的民主评议" not in staff.get("/workbench/").get_data(as_text=True)
    # The home branch's secretary does not manage 工委's round.
    assert _client(app, "secretary").get(f"/appraisal/manage/{round_id}").status_code == 404
    printed = member.get(f"/archive/print?year={year}").get_data(as_text=True)
    assert "民主评议" in printed and "合格" in printed
