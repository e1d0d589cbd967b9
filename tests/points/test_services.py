"""Awarding under the rule in force: once per source, within the caps, each entry naming the
rule version it was earned under; rule versions and staff corrections."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from school.archive.models import ArchiveEntry, YearProgress
from school.auth.models import User
from school.clock import local_today
from school.courses import services as courses
from school.db import db
from school.orgs.models import AuditEntry
from school.points import services
from school.points.models import PointDay, PointEntry, PointRule, PointYear
from school.points.services import PointsError, RuleFields
from tests.points.factories import set_rules

NOON = datetime(2026, 5, 20, 4, tzinfo=UTC)  # 12:00 in Shanghai
DAY = date(2026, 5, 20)


def _user(user_id: int) -> User:
    return db.session.get(User, user_id)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _entries(member_id: int) -> list[tuple[str, int, str]]:
    rows = db.session.scalars(
        select(PointEntry).where(PointEntry.member_id == member_id).order_by(PointEntry.id)
    )
    return [(e.action, e.points, e.source) for e in rows]


def test_an_award_names_its_rule_and_raises_the_running_totals(app, world):
    with app.app_context():
        rules = set_rules()
        entry_id = services.award(world.member, "course", "course:1", "课程：党章", NOON)
        entry = db.session.get(PointEntry, entry_id)
        assert (entry.points, entry.rule_id, entry.day, entry.reason) == (
            5,
            rules["course"].id,
            DAY,
            "课程：党章",
        )
        assert services.day_points(world.member, DAY) == {"course": 5}
        assert services.year_total(world.member, 2026) == 5
        assert services.year_total(world.member, 2025) == 0


def test_the_same_source_twice_awards_once(app, world):
    with app.app_context():
        set_rules()
        assert services.award(world.member, "course", "course:1", "课程", NOON) is not None
        assert services.award(world.member, "course", "course:1", "课程", NOON) is None
        # Even delivered on another day (a replay), the source has had its points.
        later = NOON + timedelta(days=3)
        assert services.award(world.member, "course", "course:1", "课程", later) is None
        assert _entries(world.member) == [("course", 5, "course:1")]
        assert services.year_total(world.member, 2026) == 5


def test_the_daily_cap_stops_awards_and_cuts_the_last_one(app, world):
    with app.app_context():
        set_rules(answer=(2, 5, None))
        for n in range(4):
            services.award(world.member, "answer", f"answer:{n}", "答疑", NOON)
        assert [p for _, p, _ in _entries(world.member)] == [2, 2, 1]  # 5 is the cap
        assert services.day_points(world.member, DAY) == {"answer": 5}
        # The next day starts again.
        services.award(world.member, "answer", "answer:9", "答疑", NOON + timedelta(days=1))
        assert services.year_total(world.member, 2026) == 7


def test_the_yearly_cap_holds_across_days_and_a_new_year_starts_again(app, world):
    with app.app_context():
        set_rules(lesson=(1, None, 2))
        for n in range(3):
            services.award(world.member, "lesson", f"lesson:{n}", "课时", NOON + timedelta(n))
        assert services.year_total(world.member, 2026) == 2
        services.award(world.member, "lesson", "lesson:7", "课时", datetime(2027, 1, 2, tzinfo=UTC))
        assert services.year_total(world.member, 2027) == 1


def test_a_rule_not_set_or_switched_off_awards_nothing(app, world):
    with app.app_context():
        assert services.award(world.member, "lesson", "lesson:1", "课时", NOON) is None
        set_rules(lesson=(0, None, None))
        assert services.award(world.member, "lesson", "lesson:1", "课时", NOON) is None
        assert _count(PointEntry) == 0 and _count(PointDay) == 0


def test_entries_keep_the_version_they_were_earned_under(app, world):
    with app.app_context():
        old = set_rules()["lesson"]
        admin = _user(world.admin)
        new = services.set_rule(admin, "lesson", RuleFields(4, 8, None, DAY), today=DAY)
        before = db.session.get(
            PointEntry,
            services.award(world.member, "lesson", "lesson:1", "课时", NOON - timedelta(1)),
        )
        after = db.session.get(
            PointEntry, services.award(world.member, "lesson", "lesson:2", "课时", NOON)
        )
        assert (before.rule_id, before.points) == (old.id, 1)
        assert (after.rule_id, after.points) == (new.id, 4)
        assert services.rule_on("lesson", DAY - timedelta(1)) == old
        lines = {line.action: line for line in services.rules_on(DAY - timedelta(1))}
        assert (lines["lesson"].current, lines["lesson"].upcoming) == (old, new)
        assert "积分规则“学习一节课”：每次 4 分，每日上限 8" in db.session.scalar(
            select(AuditEntry.detail).where(AuditEntry.action == "points.rule")
        )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (RuleFields(3, 2, None, DAY), "每日上限不能小于每次积分"),
        (RuleFields(3, 5, 4, DAY), "每年上限不能小于"),
        (RuleFields(-1, None, None, DAY), "每次积分应在"),
        (RuleFields(1, None, None, DAY - timedelta(1)), "生效日期不能早于今天"),
        (RuleFields(1, None, None, date(2000, 1, 1)), "生效日期不能早于今天"),
    ],
)
def test_a_bad_rule_is_refused_and_changes_nothing(app, world, fields, message):
    with app.app_context():
        set_rules()
        with pytest.raises(PointsError, match=message):
            services.set_rule(_user(world.admin), "lesson", fields, today=DAY)
        assert _count(PointRule) == 9 and _count(AuditEntry) == 0


def test_only_admins_set_rules_and_one_version_a_day(app, world):
    with app.app_context():
        fields = RuleFields(2, None, None, DAY)
        with pytest.raises(PointsError, match="只有管理员"):
            services.set_rule(_user(world.secretary), "lesson", fields, today=DAY)
        with pytest.raises(PointsError, match="没有这项"):
            services.set_rule(_user(world.admin), "nap", fields, today=DAY)
        services.set_rule(_user(world.admin), "lesson", fields, today=DAY)
        with pytest.raises(PointsError, match="已有一个版本"):
            services.set_rule(_user(world.admin), "lesson", fields, today=DAY)
        assert _count(PointRule) == 1


def test_a_correction_is_a_new_entry_with_its_reason_and_an_audit_line(app, world):
    with app.app_context():
        set_rules()
        services.award(world.member, "honour", "honour:1", "表彰", datetime.now(UTC))
        secretary, member = _user(world.secretary), _user(world.member)
        entry = services.correct(secretary, member, -5, "表彰记录有误", "k1")
        assert (entry.action, entry.points, entry.rule_id, entry.recorded_by_id) == (
            "correction",
            -5,
            None,
            world.secretary,
        )
        assert services.year_total(world.member, local_today().year) == 15
        assert [a for a, _, _ in _entries(world.member)] == ["honour", "correction"]
        audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "points.correct"))
        assert (
            "张党员" in audit.detail and "-5 分" in audit.detail and "表彰记录有误" in audit.detail
        )
        # The same form sent twice records it once.
        with pytest.raises(PointsError, match="已经记录过了"):
            services.correct(secretary, member, -5, "表彰记录有误", "k1")
        assert _count(PointEntry) == 2


@pytest.mark.parametrize(
    ("actor", "points", "reason", "message"),
    [
        ("secretary", 5, "  ", "请写明更正理由"),
        ("secretary", 0, "多记", "不能为 0"),
        ("secretary", 10001, "多记", "之间"),
        ("committee_secretary", 5, "多记", "您不能更正"),  # 张党员 is not in 工委's subtree
        ("member", 5, "自己加分", "您不能更正"),
        ("viewer", 5, "多记", "您不能更正"),  # reads the branch, does not manage it
    ],
)
def test_a_refused_correction_changes_nothing(app, world, actor, points, reason, message):
    with app.app_context():
        with pytest.raises(PointsError, match=message):
            services.correct(_user(getattr(world, actor)), _user(world.member), points, reason, "k")
        assert _count(PointEntry) == 0 and _count(PointYear) == 0 and _count(AuditEntry) == 0


def test_the_ledger_refuses_to_be_rewritten(app, world):
    with app.app_context():
        set_rules()
        services.award(world.member, "course", "course:1", "课程", NOON)
        db.session.flush()
        for statement in ("UPDATE point_entries SET points = 100", "DELETE FROM point_entries"):
            with pytest.raises(DBAPIError, match="append-only"), db.session.begin_nested():
                db.session.execute(text(statement))
        assert _entries(world.member) == [("course", 5, "course:1")]


def test_points_never_touch_the_archive_or_its_hours(app, world):
    with app.app_context():
        set_rules()
        member = _user(world.member)
        course = courses.get_course(world.course)
        for slug in ("one", "two"):
            courses.complete_lesson(member, courses.get_lesson(course, slug), now=NOON)
        assert services.year_total(world.member, 2026) == 2 + 5
        assert _count(ArchiveEntry) == 3  # two lessons and the course, as without points
        assert db.session.scalar(select(YearProgress.hours)) == 2


def test_an_award_runs_few_statements(app, world, engine):
    """Awarding adds a bounded, small number of statements to the action that earns it."""
    from sqlalchemy import event

    with app.app_context():
        set_rules()
        db.session.flush()
        statements: list[str] = []

        def record(conn, cursor, statement, *args):
            if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE")):
                statements.append(statement)

        event.listen(engine, "before_cursor_execute", record)
        try:
            services.award(world.member, "lesson", "lesson:1", "课时", NOON)
        finally:
            event.remove(engine, "before_cursor_execute", record)
        # The rule, two running rows made if missing, one lock, the entry, two raises.
        assert len(statements) == 7, "\n".join(statements)
