"""Commendation from nomination to honour: scope, co-signers, review up the tree, the 公示 with
objections, publication into the archive and on the card, and every refusal leaving nothing."""

from __future__ import annotations

import io
from datetime import timedelta

from PIL import Image
from sqlalchemy import func, select

from school.archive.models import ArchiveEntry
from school.auth import services as accounts
from school.auth.models import User
from school.clock import local_today
from school.db import db
from school.honours import services
from school.honours.evidence import Evidence, nomination_evidence
from school.honours.models import Cosign, Honour, HonourRound, Nomination, NominationStep, Objection
from school.honours.services import HonourError
from school.notifications.models import Notification
from school.orgs.services import find_org
from tests.conftest import login, post
from tests.factories import make_user
from tests.honours.factories import open_round
from tests.uploading import send


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (2, 2), "red").save(out, "PNG")
    return out.getvalue()


def _page(response) -> str:
    return response.get_data(as_text=True)


def _district(app) -> None:
    """区委's secretary, and two more members of 一支部 to co-sign."""
    with app.app_context():
        district = make_user("district", "周区委", home_org=find_org("区委"), is_cadre=True)
        accounts.grant_staff(district, find_org("区委"), "secretary")
        make_user("fellow1", "吴同志", home_org=find_org("一支部"))
        make_user("fellow2", "郑同志", home_org=find_org("一支部"))
        db.session.commit()


def test_a_round_from_nomination_to_honour(app, world):
    _district(app)
    district, secretary, member, committee, other, viewer = (app.test_client() for _ in range(6))
    login(district, "district")
    login(secretary, "secretary")
    login(member, "member")
    login(committee, "committee")
    login(other, "other")
    login(viewer, "viewer")
    with app.app_context():
        today = local_today()
    deadline = today + timedelta(days=5)

    response = post(
        district,
        "/manage/honours/new",
        {
            "org": "0",
            "year": str(today.year),
            "title": "优秀共产党员",
            "quota": "2",
            "nomination_deadline": deadline.isoformat(),
            "notice_days": "3",
            "cosigners": "2",
        },
    )
    # An organisation not offered (a tampered form): the form again, in Chinese.
    assert "请选择您管理的党组织" in _page(response)
    with app.app_context():
        org_id = find_org("区委").id
    fields = {
        "org": str(org_id),
        "year": str(today.year),
        "title": "优秀共产党员",
        "quota": "2",
        "nomination_deadline": deadline.isoformat(),
        "notice_days": "3",
        "cosigners": "2",
    }
    response = post(district, "/manage/honours/new", fields)
    assert response.status_code == 302
    with app.app_context():
        round_id = db.session.scalar(select(HonourRound.id))
    base = f"/manage/honours/{round_id}"

    # Staff of another subtree: the round does not exist for them.
    assert committee.get(base).status_code == 404
    assert (
        post(committee, f"{base}/nominate", {"member": "member", "reasons": "x"}).status_code == 404
    )

    # A branch secretary nominates their member once; a second submission finds the first.
    nominate = {"member": "member", "reasons": "带头学习，服务群众", "evidence": "学时达标"}
    assert post(secretary, f"{base}/nominate", nominate).status_code == 302
    again = post(secretary, f"{base}/nominate", nominate)
    assert "已被推荐" in _page(again)
    # A member outside the secretary's branch: refused, nothing written.
    outside = post(secretary, f"{base}/nominate", {"member": "other", "reasons": "优秀"})
    assert "不在您管理的范围内" in _page(outside)
    with app.app_context():
        assert _count(Nomination) == 1
        branch = db.session.scalar(select(Nomination))
        assert (branch.kind, branch.state, branch.level_org.name) == ("branch", "review", "区委")
        branch_id = branch.id
        # 区委's secretary was told; the branch secretary's own queue does not hold it.
        assert _count(Notification, Notification.user_id == _user("district").id) == 1
        assert services.review_queue(_user("secretary")) == []

    # A member of another branch, by a tampered form: refused, nothing written.
    tampered = post(
        viewer,
        f"/honours/rounds/{round_id}/nominate",
        {"member": str(world.other_member), "reasons": "优秀"},
    )
    assert "请选择本支部的党员" in _page(tampered)
    # A peer nomination: 孙查看 proposes 赵书记 (both of 一支部); co-signers are checked.
    peer = post(
        viewer,
        f"/honours/rounds/{round_id}/nominate",
        {"member": str(world.secretary), "reasons": "热心帮助流动党员"},
    )
    assert peer.status_code == 302
    with app.app_context():
        peer_n = db.session.scalar(select(Nomination).where(Nomination.kind == "peer"))
        peer_id = peer_n.id
        assert peer_n.state == "gathering" and peer_n.origin_org.name == "一支部"
        assert _count(Nomination) == 2  # the tampered one left nothing
    cosign = f"/honours/nominations/{peer_id}/cosign"
    own = post(viewer, cosign, follow_redirects=True)
    assert "不能为自己提出的推荐联名" in _page(own)
    nominee = post(secretary, cosign, follow_redirects=True)
    assert "不能为推荐自己的提名联名" in _page(nominee)
    assert post(other, cosign).status_code == 404  # 二支部: not theirs to sign
    assert "已联名" in _page(post(member, cosign, follow_redirects=True))
    assert "已经联名过了" in _page(post(member, cosign, follow_redirects=True))
    with app.app_context():
        assert _count(Cosign) == 1
        n = db.session.get(Nomination, peer_id)
        # One signature short: in nobody's review queue.
        assert n.state == "gathering" and n.level_org_id is None
        assert services.review_queue(_user("secretary")) == []
        assert [r.id for r in services.cosign_requests(_user("fellow1"))] == [peer_id]
    fellow = app.test_client()
    login(fellow, "fellow1")
    assert "我同意联名" in _page(fellow.get("/honours/"))
    post(fellow, cosign)
    with app.app_context():
        n = db.session.get(Nomination, peer_id)
        assert (n.state, n.level_org.name) == ("review", "一支部")
        assert [q.id for q in services.review_queue(_user("secretary"))] == [peer_id]

    # Review up the tree: 一支部 approves, 区委 returns it with a reason, the nominator revises.
    review = f"/manage/honours/nominations/{peer_id}/review"
    page = secretary.get(f"/manage/honours/nominations/{peer_id}")
    assert "学习档案" in _page(page) and "学时" in _page(page)
    post(secretary, review, {"decision": "approve", "comment": "同意"})
    assert "退回时请写明理由" in _page(
        post(district, review, {"decision": "return", "comment": ""}, follow_redirects=True)
    )
    post(district, review, {"decision": "return", "comment": "请补充事迹"})
    with app.app_context():
        assert db.session.get(Nomination, peer_id).state == "returned"
    assert post(secretary, review, {"decision": "approve"}).status_code == 403
    revised = post(
        viewer,
        f"/honours/nominations/{peer_id}/revise",
        {"reasons": "热心帮助流动党员，组织学习", "evidence": "补充材料"},
    )
    assert revised.status_code == 302
    with app.app_context():
        n = db.session.get(Nomination, peer_id)
        assert (n.state, n.level_org.name) == ("review", "一支部")
        assert [s.action for s in n.steps] == [
            "submit",
            "cosign",
            "cosign",
            "approve",
            "return",
            "resubmit",
        ]

    # 区委 approves the branch's nomination: approved at the top.
    post(district, f"/manage/honours/nominations/{branch_id}/review", {"decision": "approve"})
    with app.app_context():
        assert db.session.get(Nomination, branch_id).state == "approved"
        assert services.workbench_counts(_user("district")) == (0, 0)

    # The 公示 waits for the deadline.
    assert "推荐截止后" in _page(post(district, f"{base}/notice", follow_redirects=True))
    with app.app_context():
        db.session.get(HonourRound, round_id).nomination_deadline = today - timedelta(1)
        db.session.commit()
    post(district, f"{base}/notice")
    with app.app_context():
        r = db.session.get(HonourRound, round_id)
        assert r.state == "notice" and r.notice_ends_on == today + timedelta(days=2)
    notice = f"/honours/rounds/{round_id}/notice"
    listed = _page(other.get(notice))
    assert "张党员" in listed and "带头学习" in listed and "赵书记" not in listed
    assert committee.get(notice).status_code == 404

    # Publishing before the period ends is refused.
    assert "公示期到" in _page(post(district, f"{base}/publish", follow_redirects=True))

    # An objection with an oversized image: refused in Chinese, nothing written.
    refused = send(
        other,
        f"/honours/rounds/{round_id}/object",
        {"nomination": str(branch_id), "body": "有不同意见"},
        {"image": (b"\x89PNG" + b"0" * (5 * 1024 * 1024 + 10), "big.png")},
    )
    assert refused.status_code == 200 and "图片不能超过 5 MB" in _page(refused)
    # Not on the notice (the peer nomination still in review): refused.
    unlisted = post(
        other,
        f"/honours/rounds/{round_id}/object",
        {"nomination": str(peer_id), "body": "有不同意见"},
    )
    assert "请选择公示名单中的党员" in _page(unlisted)
    with app.app_context():
        assert _count(Objection) == 0
    sent = send(
        other,
        f"/honours/rounds/{round_id}/object",
        {"nomination": str(branch_id), "body": "该同志今年两次缺席组织生活"},
        {"image": (_png(), "proof.png")},
    )
    assert sent.status_code == 302
    with app.app_context():
        objection = db.session.scalar(select(Objection))
        assert objection.file_name and objection.author_id == world.other_member
        told = db.session.scalars(
            select(Notification).where(Notification.user_id == _user("district").id)
        ).all()
        assert "异议" in told[-1].text and "李党员" not in told[-1].text
        assert services.workbench_counts(_user("district")) == (0, 1)
        objection_id = objection.id
    # The objector's name: the committee's staff see it, the branch's staff do not.
    assert "李党员" in _page(district.get(base))
    assert "李党员" not in _page(secretary.get(base))
    assert secretary.get(f"/manage/honours/objections/{objection_id}/image").status_code == 404
    with district.get(f"/manage/honours/objections/{objection_id}/image") as image:
        assert image.status_code == 200 and image.mimetype == "image/png"

    # The period over with an objection open: still no publication.
    with app.app_context():
        r = db.session.get(HonourRound, round_id)
        r.notice_starts_on -= timedelta(days=3)
        r.notice_ends_on -= timedelta(days=3)
        db.session.commit()
    assert "未处理的异议" in _page(post(district, f"{base}/publish", follow_redirects=True))
    # An objection after the period: refused, nothing written.
    late = post(
        other,
        f"/honours/rounds/{round_id}/object",
        {"nomination": str(branch_id), "body": "迟到的意见"},
        follow_redirects=True,
    )
    assert "不在公示期内" in _page(late)
    with app.app_context():
        assert _count(Objection) == 1
    post(
        district,
        f"/manage/honours/objections/{objection_id}/resolve",
        {"decision": "dismissed", "text": "经核实，两次均已请假"},
    )
    with app.app_context():
        assert db.session.get(Objection, objection_id).state == "dismissed"
        reply = db.session.scalars(
            select(Notification).where(Notification.user_id == world.other_member)
        ).all()
        assert "异议不成立" in reply[-1].text
        entries = _count(ArchiveEntry)

    assert "荣誉已记入" in _page(post(district, f"{base}/publish", follow_redirects=True))
    with app.app_context():
        honour = db.session.scalar(select(Honour))
        assert (honour.member_id, honour.title, honour.kind) == (
            world.member,
            "优秀共产党员",
            "award",
        )
        assert db.session.get(Nomination, branch_id).state == "honoured"
        # The peer nomination never approved: still in review, no honour.
        assert _count(Honour) == 1
        assert _count(ArchiveEntry) == entries  # an honour is not 学时
        assert (
            _count(
                Notification,
                Notification.user_id == world.member,
                Notification.text.contains("优秀共产党员"),
            )
            == 1
        )
    archive = _page(member.get("/archive/"))
    assert "年度荣誉" in archive and "优秀共产党员" in archive
    assert "优秀共产党员" in _page(member.get("/archive/print"))
    assert "优秀共产党员" in _page(member.get("/card"))
    assert "优秀共产党员" in _page(member.get("/honours/"))
    assert "优秀共产党员" not in _page(other.get("/archive/"))
    assert "表彰名单" in _page(other.get(notice)) and "已公布" in _page(district.get(base))


def test_committees_hosts_revocations_and_upheld_objections(app, world):
    _district(app)
    with app.app_context():
        admin, committee = _user("admin"), _user("committee")
        floating, member, other = _user("floating"), _user("member"), _user("other")
        city = open_round(admin, "市委", title="优秀流动党员", cosigners=0)
        # The work committee nominates the floating member it hosts; not a member of 一支部.
        hosted = services.nominate(committee, city, floating, "在深圳组织流动党员学习")
        assert (hosted.kind, hosted.origin_org.name, hosted.level_org.name) == (
            "branch",
            "工委",
            "市委",
        )
        try:
            services.nominate(committee, city, member, "优秀")
        except HonourError as exc:
            assert "不在您管理的范围内" in str(exc)
        else:
            raise AssertionError("nominated outside scope")
        assert _count(Nomination) == 1 and _count(NominationStep) == 1
        # The committee's own nomination needs nobody's review.
        own = services.nominate(admin, city, other, "服务发展")
        assert (own.kind, own.state) == ("committee", "approved")
        services.review(admin, hosted, approve=True, comment="同意")
        assert hosted.state == "approved"
        # Peers with no co-signers asked for go straight to their branch's review.
        peer = services.nominate(_user("fellow1"), city, _user("fellow2"), "乐于助人", peer=True)
        assert (peer.state, peer.level_org.name) == ("review", "一支部")

        # Too many approved for the places: the 公示 waits until some are returned.
        tomorrow = local_today() + timedelta(days=6)
        services.review(_user("secretary"), peer, approve=True, comment="")
        services.review(_user("district"), peer, approve=True, comment="")
        services.review(admin, peer, approve=True, comment="")
        try:
            services.start_notice(admin, city, today=tomorrow)
        except HonourError as exc:
            assert "超过名额" in str(exc)
        else:
            raise AssertionError("quota ignored")
        city.quota = 3
        services.start_notice(admin, city, today=tomorrow)
        objection = services.object_to(
            member, own, "此人另有问题", today=tomorrow + timedelta(days=1)
        )
        try:
            services.object_to(member, own, "再提一次", today=tomorrow + timedelta(days=3))
        except HonourError as exc:
            assert "不在公示期内" in str(exc)
        else:
            raise AssertionError("objection outside the period")
        services.resolve(admin, objection, upheld=True, text="情况属实")
        assert own.state == "withdrawn" and own.steps[-1].comment == "情况属实"
        try:
            services.publish(admin, city, today=tomorrow + timedelta(days=1))
        except HonourError as exc:
            assert "公示期到" in str(exc)
        honours = services.publish(admin, city, today=tomorrow + timedelta(days=3))
        assert sorted(h.member_id for h in honours) == sorted([floating.id, peer.member_id])
        award = next(h for h in honours if h.member_id == floating.id)
        revocation = services.revoke_honour(admin, award, "事迹失实")
        assert (revocation.kind, revocation.revokes_id) == ("revocation", award.id)
        try:
            services.revoke_honour(admin, award, "再撤一次")
        except HonourError as exc:
            assert "已经撤销" in str(exc)
        lines = services.honours_of(floating)
        assert len(lines) == 1 and lines[0].is_revoked and award.title == "优秀流动党员"
        db.session.commit()
    client = app.test_client()
    login(client, "floating")
    archive = _page(client.get("/archive/"))
    assert "优秀流动党员" in archive and "已撤销" in archive
    assert "优秀流动党员" not in _page(client.get("/card"))  # revoked: not on the card


def test_evidence_is_a_registry_other_features_add_to(app, world):
    _district(app)
    with app.app_context():
        round_ = open_round(_user("district"))
        nomination = services.nominate(_user("secretary"), round_, _user("member"), "带头学习")
        nomination_id = nomination.id
        db.session.commit()
    saved = dict(nomination_evidence._parts)
    nomination_evidence.register(
        "example", lambda viewer, n: {"example": Evidence("述职材料", ("四项目标全部完成",))}
    )
    try:
        client = app.test_client()
        login(client, "district")
        page = _page(client.get(f"/manage/honours/nominations/{nomination_id}"))
        assert "学习档案" in page and "述职材料" in page and "四项目标全部完成" in page
        assert page.index("学习档案") < page.index("述职材料")
        assert "待审核的评先评优推荐" in _page(client.get("/workbench/"))
    finally:
        nomination_evidence._parts.clear()
        nomination_evidence._parts.update(saved)
