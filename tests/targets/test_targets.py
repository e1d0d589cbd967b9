"""Target management: the scheme's rules, the automatic measures and the result, the member's
sheet and self-report, staff scoring by side, and the refusals (with nothing changed)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from school.archive.services import append_offline
from school.auth import services as accounts
from school.auth.models import User
from school.clock import current_year, local_today
from school.db import db, utcnow
from school.forum.models import Post, Thread
from school.honours import services as honours
from school.orgs.services import find_org
from school.targets import services
from school.targets.models import SelfReport, TargetIndicator, TargetScheme, TargetScore
from school.targets.services import IndicatorFields, TargetError
from tests.conftest import login, post
from tests.factories import make_user
from tests.honours.factories import open_round
from tests.targets.factories import host_scheme


def _user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _indicator(scheme: TargetScheme, title: str) -> TargetIndicator:
    return next(i for i in scheme.indicators if i.title == title)


def test_a_scheme_is_published_whole_and_then_frozen(app, world):
    with app.app_context():
        committee = _user("committee")
        scheme = host_scheme(publish=False)
        # Weights must add up to 100 and every dimension be present.
        services.remove_indicator(_indicator(scheme, "组织生活"))
        problems = services.publication_problems(scheme)
        assert any("组织观念" in p for p in problems) and any("85 分" in p for p in problems)
        with pytest.raises(TargetError):
            services.publish(scheme, committee)
        assert scheme.status == "draft"
        services.add_indicator(scheme, IndicatorFields("organisation", "组织生活", 15, "offline"))
        with pytest.raises(TargetError, match="分值"):
            services.add_indicator(scheme, IndicatorFields("role", "x", 0, "board"))
        with pytest.raises(TargetError, match="哪一方"):
            services.add_indicator(scheme, IndicatorFields("role", "x", 5, "manual"))
        services.publish(scheme, committee)
        assert scheme.status == "published" and scheme.total_weight == 100
        # Published: indicators are frozen.
        with pytest.raises(TargetError, match="新版本"):
            services.add_indicator(scheme, IndicatorFields("role", "x", 5, "board"))
        with pytest.raises(TargetError):
            services.update_indicator(
                scheme.indicators[0], IndicatorFields("role", "x", 5, "board")
            )
        with pytest.raises(TargetError):
            services.remove_indicator(scheme.indicators[0])
        # One scheme per organisation, side and year; a new version replaces it.
        with pytest.raises(TargetError):
            host_scheme()
        floating = db.session.get(User, world.floating)
        services.record_score(committee, _indicator(scheme, "岗位作用"), floating, 20, "好")
        copy = services.new_version(scheme, committee)
        assert (copy.version, copy.status, len(copy.indicators)) == (2, "draft", 6)
        with pytest.raises(TargetError):
            services.new_version(scheme, committee)
        services.publish(copy, committee)
        assert scheme.status == "superseded" and copy.status == "published"
        # The old scores stay; the new version starts unscored.
        assert _count(TargetScore) == 1
        assert services.result_for(floating, current_year()).scheme.id == copy.id


def test_automatic_measures_manual_scores_and_the_result(app, world):
    with app.app_context():
        committee = _user("committee")
        floating = db.session.get(User, world.floating)
        other = db.session.get(User, world.other_member)
        scheme = host_scheme()
        assert services.result_for(other, current_year()) is None  # not reached by any scheme
        now = utcnow()
        # 16 学时 of 32: half of 20 points. Two offline entries of 3: 10 of 15.
        for n in range(2):
            append_offline(
                floating,
                title=f"支部主题党日{n}",
                hours=Decimal(8),
                completed_at=now - timedelta(minutes=n + 1),
                recorded_by=committee,
            )
        # Board: one suggestion under his name, one anonymous (never counted), one reply on
        # another's item, one on his own: 2 of 2 needed, full 10 points.
        own = Thread(
            board="suggestion", title="建议", body_md="…", author_id=floating.id, state="submitted"
        )
        hidden_name = Thread(
            board="report",
            title="匿名反映",
            body_md="…",
            author_id=floating.id,
            state="submitted",
            anonymous=True,
        )
        others = Thread(board="qa", title="问题", body_md="…", author_id=other.id, state="pending")
        db.session.add_all([own, hidden_name, others])
        db.session.flush()
        db.session.add_all(
            [
                Post(thread_id=others.id, author_id=floating.id, body_md="答"),
                Post(thread_id=own.id, author_id=floating.id, body_md="补充"),
            ]
        )
        db.session.flush()
        result = services.result_for(floating, current_year())
        lines = {line.indicator.title: line for line in result.indicators}
        assert lines["理论学习"].points == Decimal(10)
        assert lines["专题教育"].points == Decimal(10)  # no campaign reached him: full
        assert lines["组织生活"].points == Decimal(10)
        assert lines["建言献策"].points == Decimal(10)
        assert "提问、建议和情况反映 1 条，回复 1 条" in lines["建言献策"].evidence
        assert lines["遵规守纪"].points is None and not result.complete
        assert (result.score, result.grade) == (Decimal(40), "不合格")
        # Scores: the latest counts, earlier ones stay.
        role = _indicator(scheme, "岗位作用")
        services.record_score(committee, role, floating, 10, "一般")
        services.record_score(committee, role, floating, 25, "突出")
        services.record_score(committee, _indicator(scheme, "遵规守纪"), floating, 20, "")
        result = services.result_for(floating, current_year())
        assert result.complete and (result.score, result.grade) == (Decimal(85), "合格")
        subtotals = {d.label: (d.points, d.weight) for d in result.dimensions}
        assert subtotals == {
            "政治思想": (Decimal(20), 30),
            "执行纪律": (Decimal(20), 20),
            "组织观念": (Decimal(10), 15),
            "发挥作用": (Decimal(35), 35),
        }
        assert result.link == ("targets.sheet", {"scheme_id": scheme.id, "member_id": floating.id})
        assert len(services.score_history(scheme, floating)[role.id]) == 2
        for bad in (-1, 26):
            with pytest.raises(TargetError, match="0 到 25"):
                services.record_score(committee, role, floating, bad, "")
        assert _count(TargetScore) == 3
        sheet = services.sheet(floating, scheme, local_today())
        assert [t.title for t in sheet.evidence.threads] == ["建议"]
        assert [t.title for t in sheet.evidence.replied] == ["问题"]
        assert len(sheet.evidence.offline) == 2 and sheet.editable
        assert [services.grade_for(Decimal(v)) for v in (90, 89.9, 70, 60, 59.9)] == [
            "优秀",
            "合格",
            "合格",
            "基本合格",
            "不合格",
        ]


def test_staff_score_by_side_and_are_refused_elsewhere(app, world):
    with app.app_context():
        scheme = host_scheme()
        sid, fid = scheme.id, world.floating
        home_item = _indicator(scheme, "遵规守纪").id
        host_item = _indicator(scheme, "岗位作用").id
        # The floating member's home branch (二支部) gets a secretary: the home side.
        home = make_user("home_secretary", "何书记", home_org=find_org("二支部"))
        accounts.grant_staff(home, find_org("二支部"), "secretary")
        db.session.commit()
    sheet_url = f"/manage/targets/{sid}/members/{fid}"
    score_url = sheet_url + "/score"

    committee = app.test_client()
    login(committee, "committee")
    page = committee.get(sheet_url).get_data(as_text=True)
    assert "陈流动的目标考核" in page and f'name="indicator" value="{host_item}"' in page
    assert f'name="indicator" value="{home_item}"' not in page
    assert committee.get(f"/manage/targets/{sid}/members").status_code == 200
    # Host side scores its own indicator; not the home side's, not above the weight.
    assert (
        post(
            committee, score_url, {"indicator": host_item, "points": 22, "comment": "好"}
        ).status_code
        == 302
    )
    # The same form sent twice: one score.
    twice = post(committee, score_url, {"indicator": host_item, "points": 22, "comment": "好"})
    assert twice.status_code == 302
    assert post(committee, score_url, {"indicator": home_item, "points": 10}).status_code == 403
    assert post(committee, score_url, {"indicator": host_item, "points": 26}).status_code == 400
    assert post(committee, score_url, {"indicator": host_item, "points": -1}).status_code == 400

    home_client = app.test_client()
    login(home_client, "home_secretary")
    # The home side reads the host committee's scheme for its members, and scores its part.
    assert home_client.get(sheet_url).status_code == 200
    listing = home_client.get(f"/manage/targets/{sid}/members").get_data(as_text=True)
    assert "陈流动" in listing
    assert "工委目标考核" in home_client.get("/manage/targets/").get_data(as_text=True)
    assert post(home_client, score_url, {"indicator": home_item, "points": 18}).status_code == 302
    assert post(home_client, score_url, {"indicator": host_item, "points": 1}).status_code == 403
    # Nor may the home side change the scheme.
    assert home_client.get(f"/manage/targets/{sid}/edit").status_code == 404

    # Staff of another subtree: as if nothing were there.
    stranger = app.test_client()
    login(stranger, "secretary")
    assert stranger.get(sheet_url).status_code == 404
    assert stranger.get(f"/manage/targets/{sid}/members").status_code == 404
    assert post(stranger, score_url, {"indicator": host_item, "points": 1}).status_code == 404
    assert post(stranger, f"/manage/targets/{sid}/new-version").status_code == 404

    with app.app_context():
        scores = db.session.execute(
            select(TargetScore.indicator_id, TargetScore.points, TargetScore.scored_by_id).order_by(
                TargetScore.id
            )
        ).all()
        assert [(i, p) for i, p, _ in scores] == [(host_item, 22), (home_item, 18)]
        assert db.session.scalar(select(func.count()).select_from(TargetScheme)) == 1


def test_the_member_sees_their_sheet_and_writes_the_self_report(app, world):
    with app.app_context():
        scheme = host_scheme()
        sid = scheme.id
        db.session.commit()
    report_url = f"/targets/{sid}/report"
    member = app.test_client()
    login(member, "floating")
    page = member.get("/targets/").get_data(as_text=True)
    assert "工委目标考核" in page and "理论学习" in page and "保存自评述职" in page
    assert "目标管理" in member.get("/profile/").get_data(as_text=True)
    # Two taps, or two tabs: one report, the last text.
    for text in ("今年坚持学习。", "今年坚持学习，积极参加组织生活。"):
        assert post(member, report_url, {"body": text}).status_code == 302
    # Too long: shown again with the text and an error, nothing saved.
    response = post(member, report_url, {"body": "学" * 1001})
    assert response.status_code == 400 and "最多 1000 个字" in response.get_data(as_text=True)
    # An expired token: the text comes back with a fresh token, one tap sends it.
    response = member.post(report_url, data={"body": "过期页面上写的"})
    assert response.status_code == 400 and "过期页面上写的" in response.get_data(as_text=True)
    with app.app_context():
        reports = db.session.scalars(select(SelfReport)).all()
        assert [r.body for r in reports] == ["今年坚持学习，积极参加组织生活。"]
        # The period has not begun yet: read only.
        scheme = db.session.get(TargetScheme, sid)
        scheme.period_start = local_today() + timedelta(days=1)
        scheme.period_end = local_today() + timedelta(days=2)
        db.session.commit()
    response = post(member, report_url, {"body": "期外"}, follow_redirects=True)
    assert "述职期内" in response.get_data(as_text=True)
    assert "保存自评述职" not in member.get("/targets/").get_data(as_text=True)
    with app.app_context():
        assert [r.body for r in db.session.scalars(select(SelfReport))] == [
            "今年坚持学习，积极参加组织生活。"
        ]

    # Another member: neither the sheet nor the scheme exists for them.
    other = app.test_client()
    login(other, "member")
    assert other.get(f"/targets/{sid}").status_code == 404
    assert other.get(f"/manage/targets/{sid}/members/{world.floating}").status_code == 404
    assert post(other, report_url, {"body": "冒名"}).status_code == 404
    assert "还没有发布面向您的" in other.get("/targets/").get_data(as_text=True)
    # The member cannot score himself either.
    with app.app_context():
        item = _indicator(db.session.get(TargetScheme, sid), "岗位作用").id
    own = post(
        member,
        f"/manage/targets/{sid}/members/{world.floating}/score",
        {"indicator": item, "points": 25},
    )
    assert own.status_code == 403
    with app.app_context():
        assert _count(SelfReport) == 1 and _count(TargetScore) == 0


def test_the_member_list_runs_the_same_statements_for_one_member_or_many(
    app, world, count_statements
):
    with app.app_context():
        scheme = host_scheme()
        sid = scheme.id
        floating = db.session.get(User, world.floating)
        services.record_score(_user("committee"), _indicator(scheme, "岗位作用"), floating, 5, "")
        db.session.commit()
    committee = app.test_client()
    login(committee, "committee")
    url = f"/manage/targets/{sid}/members"
    one, first = count_statements(committee, url)
    assert one.status_code == 200 and "陈流动" in one.get_data(as_text=True)
    with app.app_context():
        outbound, home = find_org("驻深圳支部"), find_org("二支部")
        committee_user = _user("committee")
        for n in range(6):
            member = make_user(f"f{n}", f"流动{n}", home_org=home, host_org=outbound)
            append_offline(
                member,
                title="学习",
                hours=Decimal(2),
                completed_at=utcnow(),
                recorded_by=committee_user,
            )
            services.record_score(committee_user, _indicator(scheme, "岗位作用"), member, 5, "")
        db.session.commit()
    many, second = count_statements(committee, url)
    assert "流动5" in many.get_data(as_text=True)
    assert len(second) == len(first), "\n".join(second)
    scored, _ = count_statements(committee, url + "?state=unscored")
    assert "陈流动" in scored.get_data(as_text=True)


def test_editing_a_published_scheme_over_http_changes_nothing(app, world):
    with app.app_context():
        scheme = host_scheme()
        sid, first = scheme.id, scheme.indicators[0].id
        db.session.commit()
    committee = app.test_client()
    login(committee, "committee")
    response = post(
        committee,
        f"/manage/targets/{sid}/indicators",
        {"dimension": "role", "title": "新指标", "weight": 5, "measure": "board"},
        follow_redirects=True,
    )
    assert "方案已发布" in response.get_data(as_text=True)
    post(committee, f"/manage/targets/indicators/{first}/delete")
    assert (
        post(
            committee,
            f"/manage/targets/indicators/{first}/edit",
            {"dimension": "role", "title": "改", "weight": 5, "measure": "board"},
        ).status_code
        == 200
    )
    with app.app_context():
        scheme = db.session.get(TargetScheme, sid)
        assert len(scheme.indicators) == 6 and scheme.indicators[0].title == "理论学习"


def test_a_nomination_shows_the_nominees_target_result_to_staff_who_read_the_sheet(app, world):
    with app.app_context():
        scheme = host_scheme()
        round_ = open_round(_user("committee"), "工委")
        nomination = honours.nominate(_user("committee"), round_, _user("floating"), "带头学习")
        result = services.result_for(_user("floating"), round_.year)
        nomination_id, scheme_id, score = nomination.id, scheme.id, result.score
        db.session.commit()
    staff = app.test_client()
    login(staff, "committee")
    page = staff.get(f"/manage/honours/nominations/{nomination_id}").get_data(as_text=True)
    assert "目标管理" in page and f"年度目标考核：{score} 分" in page and "尚有指标待评分" in page
    assert f"/manage/targets/{scheme_id}/members/" in page and "查看考核表" in page


def test_results_for_many_members_equal_each_members_own(app, world):
    with app.app_context():
        host = host_scheme()
        home = services.create_scheme(
            _user("secretary"),
            find_org("一支部"),
            services.SchemeFields(
                title="一支部目标考核",
                side="home",
                year=current_year(),
                period_start=local_today(),
                period_end=local_today() + timedelta(days=5),
            ),
        )
        for dimension in ("political", "discipline", "organisation", "role"):
            services.add_indicator(home, IndicatorFields(dimension, "学习", 25, "hours"))
        services.publish(home, _user("secretary"))
        members = db.session.scalars(select(User).order_by(User.id)).all()
        many = services.results_for(members, current_year())

        def seen(result):
            return None if result is None else (result.scheme.id, result.score, result.grade)

        own = {m.id: seen(services.result_for(m, current_year())) for m in members}
        assert {i: seen(r) for i, r in many.items()} == own
        # Both schemes are somebody's: the floating member's host, the branch's home members.
        assert {r[0] for r in own.values() if r} == {home.id, host.id}
