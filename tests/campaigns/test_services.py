"""Campaigns: launching and its refusals, who is targeted, where each member stands, the
report's counts against each member's own standing, and reminders (by staff and daily)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event, func, select

from school.archive import services as archive
from school.auth.models import User
from school.campaigns import progress, reminders, services
from school.campaigns.models import Campaign, CampaignItem, CampaignTarget
from school.campaigns.permissions import is_targeted
from school.campaigns.services import CampaignError
from school.clock import local_today, local_zone
from school.courses import services as courses
from school.courses.models import Course
from school.db import db, utcnow
from school.notifications.models import Notification
from school.orgs.services import find_org
from school.quizzes.models import Quiz
from school.reports.models import Reminder
from tests.campaigns.factories import make_campaign, pass_quiz
from tests.factories import make_course
from tests.quizzes import factories as f


def _user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _rules() -> Course:
    return db.session.scalar(select(Course).where(Course.slug == "rules"))


def _finish(member: User, course: Course) -> None:
    for lesson in course.lessons:
        if lesson.required:
            courses.complete_lesson(member, lesson)


def _targeted_ids(campaign: Campaign) -> set[int]:
    return set(db.session.scalars(select(User.id).where(progress.targeted(campaign))))


# --- launching and scope ------------------------------------------------------------------


def test_a_secretary_launches_for_their_branch_and_its_members_are_told(app, world):
    with app.app_context():
        secretary = _user("secretary")
        campaign = make_campaign(secretary, "一支部", "一支部", courses=[(_rules(), True)])
        assert campaign.status == "launched" and campaign.launched_by_id == secretary.id
        told = set(
            db.session.scalars(select(Notification.user_id).where(Notification.kind == "campaign"))
        )
        # 张党员 and 孙查看 (a member of 一支部 too); never the launcher, never another branch.
        assert told == {world.member, world.viewer}


@pytest.mark.parametrize(
    ("username", "org", "targets", "message"),
    [
        ("secretary", "一支部", "二支部", "不在您管理的范围内"),
        ("secretary", "一支部", "一支部\n市委", "第 2 行"),
        ("secretary", "区委", "一支部", "您不能以“区委”的名义发起活动"),
        ("viewer", "一支部", "一支部", "只有党组织书记"),
        ("member", "一支部", "一支部", "只有党组织书记"),
        ("committee", "工委", "驻深圳支部\n不存在的支部", "第 2 行：找不到"),
        ("secretary", "一支部", "一支部 流出地 多余", "第 1 行"),
    ],
)
def test_refused_campaigns_write_nothing(app, world, username, org, targets, message):
    with app.app_context():
        before = (_count(Campaign), _count(CampaignItem), _count(CampaignTarget))
        with pytest.raises(CampaignError, match=message):
            make_campaign(_user(username), org, targets, courses=[(_rules(), True)])
        db.session.rollback()
        assert (_count(Campaign), _count(CampaignItem), _count(CampaignTarget)) == before


def test_a_campaign_needs_something_required_and_sane_dates(app, world):
    with app.app_context():
        secretary, today = _user("secretary"), local_today()
        with pytest.raises(CampaignError, match="至少选一门必修"):
            make_campaign(secretary, "一支部", "一支部", courses=[(_rules(), False)])
        with pytest.raises(CampaignError, match="截止日期不能早于开始日期"):
            make_campaign(
                secretary,
                "一支部",
                "一支部",
                courses=[(_rules(), True)],
                start=today,
                deadline=today - timedelta(days=1),
            )
        draft = make_course("draft-two", status="draft")
        with pytest.raises(CampaignError, match="尚未发布"):
            make_campaign(secretary, "一支部", "一支部", courses=[(draft, True)])
        with pytest.raises(CampaignError, match="提醒时间"):
            services.parse_remind_days("14,七")


def test_launching_checks_the_launchers_scope_again(app, world):
    """A draft an admin saved for 一支部 with a city-wide target: 一支部's secretary manages the
    campaign's organisation but not the city, so the launch is refused and nothing changes."""
    with app.app_context():
        draft = make_campaign(
            _user("admin"), "一支部", "市委", courses=[(_rules(), True)], launch=False
        )
        db.session.commit()
        told = _count(Notification)
        with pytest.raises(CampaignError, match="市委"):
            services.launch(_user("secretary"), draft, "/campaigns/1")
        db.session.rollback()
        draft = db.session.get(Campaign, draft.id)
        assert draft.status == "draft" and draft.launched_at is None
        assert _count(Notification) == told


def test_only_a_draft_changes_and_a_campaign_launches_once(app, world):
    with app.app_context():
        secretary = _user("secretary")
        campaign = make_campaign(secretary, "一支部", "一支部", courses=[(_rules(), True)])
        db.session.commit()
        told = _count(Notification)
        with pytest.raises(CampaignError, match="已经发起过了"):
            services.launch(secretary, campaign, "/campaigns/1")
        data = services.CampaignInput(
            title="改名",
            org_text="一支部",
            start_on=campaign.start_on,
            deadline=campaign.deadline,
            items=[(_rules().id, None, True)],
            targets_text="一支部",
        )
        with pytest.raises(CampaignError, match="不能再修改"):
            services.save_draft(secretary, data, campaign)
        db.session.rollback()
        assert db.session.get(Campaign, campaign.id).title == "学习党章专题活动"
        assert _count(Notification) == told
        services.close(secretary, db.session.get(Campaign, campaign.id))
        with pytest.raises(CampaignError, match="只有进行中的活动"):
            services.close(secretary, db.session.get(Campaign, campaign.id))


def test_the_same_new_campaign_sent_twice_is_one_draft(app, world):
    with app.app_context():
        secretary = _user("secretary")
        first = make_campaign(
            secretary, "一支部", "一支部", courses=[(_rules(), True)], launch=False
        )
        second = make_campaign(
            secretary, "一支部", "一支部", courses=[(_rules(), True)], launch=False
        )
        assert first.id == second.id and _count(Campaign) == 1


# --- targeting ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("targets", "expected"),
    [
        ("一支部", {"member", "secretary", "viewer"}),
        ("区委", {"member", "secretary", "viewer", "other", "floating"}),
        ("区委 流出地 仅流动党员", {"floating"}),
        ("驻深圳支部 流出地", set()),
        ("驻深圳支部 流入地", {"floating"}),
        ("工委", {"committee", "floating"}),
        ("工委 流出地", {"committee"}),
        (
            "市委",
            {"member", "secretary", "viewer", "other", "floating", "committee", "instructor"},
        ),
    ],
)
def test_who_a_campaign_targets(app, world, targets, expected):
    """Subtrees, home or host side, floating members only: the SQL and the Python rule agree,
    and an admin account is never a learner."""
    with app.app_context():
        _user("floating").is_floating = True
        campaign = make_campaign(_user("admin"), "市委", targets, courses=[(_rules(), True)])
        names = {u.id: u.username for u in db.session.scalars(select(User))}
        assert {names[i] for i in _targeted_ids(campaign)} == expected
        for user in db.session.scalars(select(User)):
            assert is_targeted(user, campaign) == (user.username in expected), user.username


def test_a_member_moved_in_is_targeted_and_one_moved_out_keeps_their_archive(app, world):
    with app.app_context():
        campaign = make_campaign(_user("secretary"), "一支部", "一支部", courses=[(_rules(), True)])
        other, member = _user("other"), _user("member")
        assert other.id not in _targeted_ids(campaign)
        _finish(member, _rules())
        entries = archive.entries(member, local_today().year)
        other.home_org = find_org("一支部")
        member.home_org = find_org("二支部")
        db.session.flush()
        assert other.id in _targeted_ids(campaign) and member.id not in _targeted_ids(campaign)
        assert archive.entries(member, local_today().year) == entries and entries
        # The moved-in member starts from nothing; the one who left is on no list of it.
        rows = progress.all_members(campaign, find_org("一支部"), local_today())
        assert {r.member.username: r.state for r in rows} == {
            "other": "not_started",
            "secretary": "not_started",
            "viewer": "not_started",
        }


# --- where each member stands ----------------------------------------------------------------


@pytest.fixture
def campaign_with_everything(app, world):
    """区委's members on a campaign of a required course and exam, an optional course and 2 学时
    within the period: 张党员 finished, 李党员 in progress, the rest not started."""
    with app.app_context():
        rules, extra = _rules(), make_course("extra-course")
        exam = f.make_quiz([f.single()], title="党章测验", kind="exam")
        campaign = make_campaign(
            _user("admin"),
            "区委",
            "区委",
            courses=[(rules, True), (extra, False)],
            quizzes=[(exam, True)],
            hours=Decimal(2),
        )
        member, other = _user("member"), _user("other")
        _finish(member, rules)  # 2 学时 from the two required lessons
        pass_quiz(member, exam)
        courses.complete_lesson(other, extra.lessons[0])
        pass_quiz(other, exam, passed=False)
        db.session.commit()
        return campaign.id, exam.id


def _truth(campaign: Campaign, org_name: str, today) -> Counter:
    org = find_org(org_name)
    members = db.session.scalars(select(User).where(progress.targeted(campaign))).all()
    inside = [m for m in members if any(org.contains(o) for o in (m.home_org, m.host_org))]
    return Counter(progress.standing(m, campaign, today).state for m in inside)


def test_states_from_the_completion_data(app, campaign_with_everything):
    campaign_id, _ = campaign_with_everything
    with app.app_context():
        campaign = progress.load(campaign_id)
        today = local_today()
        states = {
            u: progress.standing(_user(u), campaign, today).state
            for u in ("member", "other", "secretary")
        }
        assert states == {"member": "finished", "other": "in_progress", "secretary": "not_started"}
        rows = progress.all_members(campaign, find_org("区委"), today)
        assert {r.member.username: r.state for r in rows} == {
            "member": "finished",
            "other": "in_progress",
            "secretary": "not_started",
            "viewer": "not_started",
            "floating": "not_started",
        }
        # After the deadline everyone not finished is overdue; finished stays finished.
        late = campaign.deadline + timedelta(days=1)
        late_rows = progress.all_members(campaign, find_org("区委"), late)
        assert Counter(r.state for r in late_rows) == {"overdue": 4, "finished": 1}
        assert progress.standing(_user("other"), campaign, late).state == "overdue"


def test_the_hours_target_counts_only_study_within_the_period(app, campaign_with_everything):
    campaign_id, exam_id = campaign_with_everything
    with app.app_context():
        campaign = progress.load(campaign_id)
        secretary, admin = _user("secretary"), _user("admin")
        _finish(secretary, _rules())
        pass_quiz(secretary, db.session.get(Quiz, exam_id))
        # The two lessons were credited today (1 学时 each): enough, so finished ...
        assert progress.standing(secretary, campaign, local_today()).state == "finished"
        # ... but a target of 3 needs one more, and a lecture the day before the start does not
        # count, while one on the deadline day does.
        campaign.hours_target = Decimal(3)
        before = datetime.combine(campaign.start_on - timedelta(days=1), time(12), local_zone())
        archive.append_offline(
            secretary, title="讲座一", hours=Decimal(1), completed_at=before, recorded_by=admin
        )
        assert progress.standing(secretary, campaign, local_today()).state == "in_progress"
        on_deadline = datetime.combine(campaign.deadline, time(23, 30), local_zone())
        archive.append_offline(
            secretary, title="讲座二", hours=Decimal(1), completed_at=on_deadline, recorded_by=admin
        )
        assert progress.standing(secretary, campaign, local_today()).state == "finished"
        row = next(
            r
            for r in progress.all_members(campaign, find_org("一支部"), local_today())
            if r.member.id == secretary.id
        )
        assert row.state == "finished" and row.hours == Decimal(3)


@pytest.mark.parametrize("late", [False, True], ids=["open", "past-deadline"])
def test_report_counts_equal_each_members_own_standing(app, engine, campaign_with_everything, late):
    """The report's figures per organisation are the members' standings counted one by one,
    in a fixed number of statements however many members there are."""
    campaign_id, _ = campaign_with_everything
    with app.app_context():
        campaign = progress.load(campaign_id)
        today = campaign.deadline + timedelta(days=1) if late else local_today()
        district = find_org("区委")
        statements: list[str] = []

        def record(conn, cursor, statement, *args):
            if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE")):
                statements.append(statement)

        event.listen(engine, "before_cursor_execute", record)
        try:
            report = progress.report(campaign, district, today)
        finally:
            event.remove(engine, "before_cursor_execute", record)
        # The subtree lookups of the target and of the organisation, the per-child counts, the
        # totals: four statements, none per member or per child.
        assert len(statements) == 4, "\n".join(statements)
        assert Counter(report.total.by_state) == _truth(campaign, "区委", today)
        for child in report.children:
            assert Counter(child.by_state) == _truth(campaign, child.org.name, today)
        assert {c.org.name for c in report.children} == {"一支部", "二支部"}
        # The member list's pages count the same members.
        page = progress.member_page(campaign, district, today)
        assert page.total == report.total.total
        for state in report.total.by_state:
            assert (
                progress.member_page(campaign, district, today, state).total == report.total[state]
            )


def test_the_unfinished_count_is_the_members_own_standings(app, campaign_with_everything):
    """The workbench's count reads the requirements set-based; it must agree with each member's
    standing, through every requirement a member can miss."""
    campaign_id, exam_id = campaign_with_everything
    with app.app_context():
        campaign = progress.load(campaign_id)
        today, exam = local_today(), db.session.get(Quiz, exam_id)

        def agree() -> int:
            for name in ("区委", "一支部", "二支部", "市委"):
                truth = _truth(campaign, name, today)
                assert progress.unfinished(campaign, find_org(name)) == (
                    truth.total() - truth["finished"]
                ), name
            truth = _truth(campaign, "区委", today)
            return truth["finished"]

        assert agree() == 1  # 张党员 only
        secretary = _user("secretary")
        _finish(secretary, _rules())
        assert agree() == 1  # the course, not yet the exam
        pass_quiz(secretary, exam)
        assert agree() == 2
        campaign.hours_target = Decimal(3)  # 2 学时 each so far: neither has enough now
        assert agree() == 0
        on_deadline = datetime.combine(campaign.deadline, time(23, 30), local_zone())
        archive.append_offline(
            secretary,
            title="讲座",
            hours=Decimal(1),
            completed_at=on_deadline,
            recorded_by=_user("admin"),
        )
        assert agree() == 1
        # Without any requirement left, everyone targeted has finished.
        campaign.hours_target = None
        for item in list(campaign.items):
            item.required = False
        assert agree() == len(
            db.session.scalars(select(User).where(progress.targeted(campaign))).all()
        )


def test_the_member_list_runs_a_fixed_number_of_statements(app, engine, campaign_with_everything):
    campaign_id, _ = campaign_with_everything
    with app.app_context():
        campaign = progress.load(campaign_id)
        for n in range(30):  # more members: the statement count does not move
            db.session.add(
                User(
                    username=f"extra{n}",
                    name=f"党员{n}",
                    password_hash="x",
                    home_org=find_org("二支部"),
                )
            )
        db.session.flush()
        district = find_org("区委")
        statements: list[str] = []

        def record(conn, cursor, statement, *args):
            if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE")):
                statements.append(statement)

        event.listen(engine, "before_cursor_execute", record)
        try:
            page = progress.member_page(campaign, district, local_today())
        finally:
            event.remove(engine, "before_cursor_execute", record)
        assert page.total == 35
        # The subtree lookups (target, organisation), the count, the page's ids by name, their
        # standings, and the members' home and host organisations.
        assert len(statements) == 7, "\n".join(statements)
        statements.clear()
        event.listen(engine, "before_cursor_execute", record)
        try:
            overdue = progress.member_page(campaign, district, local_today(), "not_started")
        finally:
            event.remove(engine, "before_cursor_execute", record)
        assert overdue.total == 33
        # Of one state: the lookups, the count, the page, the organisations.
        assert len(statements) == 6, "\n".join(statements)


# --- reminders ---------------------------------------------------------------------------------


def test_staff_reminders_reach_those_behind_at_most_once_a_week(app, campaign_with_everything):
    campaign_id, _ = campaign_with_everything
    with app.app_context():
        campaign = progress.load(campaign_id)
        secretary, branch = _user("secretary"), find_org("一支部")
        now = utcnow()
        # 孙查看 was reminded from the overdue list three days ago: the same weekly rule.
        db.session.add(
            Reminder(
                member_id=world_id("viewer"),
                org_id=branch.id,
                sent_by_id=secretary.id,
                reason="学时落后",
                sent_at=now - timedelta(days=3),
            )
        )
        result = reminders.remind(secretary, campaign, branch, "/campaigns/1", now=now)
        # 一支部's unfinished members are 赵书记 and 孙查看 (张党员 finished).
        assert (result.sent, result.skipped) == (1, 1)
        texts = db.session.scalars(
            select(Notification.text).where(Notification.kind == "reminder")
        ).all()
        assert len(texts) == 1 and "学习党章专题活动" in texts[0]
        again = reminders.remind(secretary, campaign, branch, "/campaigns/1", now=now)
        assert (again.sent, again.skipped) == (0, 2)
        week_later = reminders.remind(
            secretary, campaign, branch, "/campaigns/1", now=now + timedelta(days=7, minutes=1)
        )
        assert week_later.sent == 2


def world_id(username: str) -> int:
    return _user(username).id


def _at_local(day, hour: int = 8) -> datetime:
    return datetime.combine(day, time(hour), local_zone()).astimezone(UTC)


def test_the_daily_command_reminds_at_the_configured_points(app, campaign_with_everything):
    campaign_id, _ = campaign_with_everything
    with app.app_context():
        campaign = progress.load(campaign_id)
        deadline = campaign.deadline
        runner = app.test_cli_runner()

        def run(day) -> str:
            result = runner.invoke(
                args=["campaigns", "remind", "--now", _at_local(day).isoformat()]
            )
            assert result.exit_code == 0, result.output
            return result.output

        assert "没有需要提醒" in run(deadline - timedelta(days=13))
        output = run(deadline - timedelta(days=14))
        # 区委's four not finished (张党员 finished).
        assert "已提醒 4 人，0 人本周已提醒过" in output
        assert "已提醒 0 人，4 人本周已提醒过" in run(deadline - timedelta(days=14))
        assert "已提醒 4 人" in run(deadline - timedelta(days=7))
        # One day before is within a week of the last: the weekly rule holds them back.
        assert "已提醒 0 人，4 人本周已提醒过" in run(deadline - timedelta(days=1))
        assert _count(Reminder) == 8
        sent_by = set(db.session.scalars(select(Reminder.sent_by_id)))
        assert sent_by == {campaign.launched_by_id}
