"""Report rollups: kept in step with every change, they equal a rebuild from the members."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from school.archive import rollups
from school.archive import services as archive
from school.archive.models import (
    ArchiveEntry,
    MemberYear,
    RollupCourse,
    RollupMembers,
    RollupMembersPast,
    RollupPace,
    RollupYear,
    YearProgress,
)
from school.auth import services as accounts
from school.auth.models import User
from school.clock import local_today
from school.courses import services as courses
from school.courses.models import Course
from school.db import db
from school.members import roster, roster_sheet
from school.members.flows import record_flow
from school.orgs import services as orgs
from school.orgs.models import Organisation
from school.reports import queries
from school.reports.queries import Filters
from tests.factories import make_user


def org(name: str) -> Organisation:
    return db.session.scalar(select(Organisation).where(Organisation.name == name))


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def study(username: str, hours: str, when: datetime) -> None:
    archive.append_offline(
        user(username),
        title=f"集中学习 {when:%m%d}",
        hours=Decimal(hours),
        completed_at=when,
        recorded_by=user("admin"),
    )


def complete_course(username: str, slug: str = "rules") -> None:
    course = db.session.scalar(select(Course).where(Course.slug == slug))
    now = datetime.now(UTC)
    for lesson in course.lessons:
        courses.complete_lesson(user(username), lesson, now)


def snapshot() -> dict:
    """Every rollup row that counts something, by table and key."""
    rows = {}
    for model in (RollupMembers, RollupMembersPast, RollupYear, RollupCourse, RollupPace):
        columns = [c.key for c in model.__table__.columns]
        keys = [c.key for c in model.__table__.primary_key.columns]
        for obj in db.session.scalars(select(model)):
            values = {c: getattr(obj, c) for c in columns if c not in keys}
            if any(values.values()) or model is RollupPace:
                rows[(model.__tablename__, *(getattr(obj, k) for k in keys))] = values
    return rows


def summary(report) -> tuple:
    """What a report shows: the totals, each sub-organisation, the courses and the trend."""
    tally = report.total
    return (
        tally.members,
        tally.floating,
        tally.hours_tenths,
        tally.quota_tenths,
        tally.statuses,
        tally.months_tenths,
        [
            (s.org.name if s.org else None, s.tally.members, s.tally.statuses)
            for s in report.suborgs
        ],
        [(c.course.slug, c.completed) for c in report.courses],
    )


def reports(today: date, year: int | None = None, lists: bool = True) -> dict:
    """Every report's summary for ``year`` (this year unless given); each member list counts
    the members its summary counts, by status too (unless ``lists`` is false: the lists scan
    the members, not the rollups, so after a rebuild of the rollups or a move of their pace
    only the summaries can change)."""
    found = {}
    for name in ("市委", "区委", "一支部", "二支部", "工委", "驻深圳支部", "驻广州支部"):
        if org(name) is None:
            continue
        for relation in ("both", "home", "host"):
            for floating in (False, True):
                filters = Filters(
                    year=year or today.year, relation=relation, floating_only=floating
                )
                report = queries.overview(org(name), filters, today=today)
                found[(name, relation, floating)] = summary(report)
                if not lists:
                    continue
                listed = queries.member_rows(org(name), filters, today=today)
                assert listed.total == report.total.members, (name, relation, floating)
                for status, n in report.total.statuses.items():
                    page = queries.member_rows(
                        org(name), replace(filters, status=status), today=today
                    )
                    assert page.total == n, (name, relation, floating, status)
    return found


def test_increments_equal_a_rebuild_after_completions_moves_and_merges(app, world):
    with app.app_context():
        today = local_today()
        this_year = datetime(today.year, 1, 5, 4, tzinfo=UTC)
        last_year = datetime(today.year - 1, 6, 10, 4, tzinfo=UTC)
        admin = user("admin")
        guangzhou = orgs.create_org("驻广州支部", "outbound_branch", org("工委"))
        township = orgs.create_org("某街道党委", "township", org("区委"))
        # Completions and offline study, this year and last, on both sides of the quota.
        complete_course("member")
        complete_course("floating")
        study("other", "40", this_year)
        study("floating", "10", this_year)
        study("secretary", "20", last_year)
        # Last year's study of members who move this year: that year keeps them where they were.
        study("member", "40", last_year)
        study("floating", "12", last_year)
        study("viewer", "8", last_year)
        study("secretary", "5", this_year)
        study("viewer", "0.5", this_year)
        # Moves: a transfer, a change of host, a member flowing out, one coming back.
        on = today - timedelta(days=1)
        record_flow(admin, user("member"), "transfer", on, to_org=org("二支部"))
        record_flow(admin, user("floating"), "flow_out", on, to_org=guangzhou)
        record_flow(admin, user("viewer"), "flow_out", on, to_org=org("驻深圳支部"))
        # Accounts: a new member, one disabled, one made an administrator, a new cadre.
        newcomer = make_user("newcomer", "新党员", home_org=org("一支部"))
        accounts.disable_account(admin, user("other"), "调离")
        accounts.set_role(admin, user("instructor"), "admin")
        user("member").is_cadre = True
        db.session.flush()
        study("newcomer", "33", this_year)
        # A merge moves home and host members in one UPDATE.
        orgs.merge_orgs(admin, org("驻深圳支部"), guangzhou)
        rollups.advance_pace(today)
        kept, shown, past = snapshot(), reports(today), reports(today, today.year - 1)
        rollups.rebuild(today)
        assert snapshot() == kept
        assert reports(today, lists=False) == shown
        assert reports(today, today.year - 1, lists=False) == past
        # A branch moves under a township (the rollups are recomputed), and more study after.
        orgs.move_org(admin, org("一支部"), township)
        study("secretary", "2", this_year)
        # Across districts: its members' district rows and a floating member's common
        # organisation with the host change.
        record_flow(admin, user("secretary"), "flow_out", on, to_org=guangzhou)
        orgs.move_org(admin, org("一支部"), org("工委"))
        study("floating", "3", this_year)
        study("viewer", "12", this_year)
        record_flow(admin, user("viewer"), "return", today)
        study("committee", "60", this_year)
        # A batch for several members at once, and a correction taking one entry back.
        credited = archive.append_offline_many(
            [user(n).id for n in ("member", "floating", "newcomer", "committee")],
            title="党课",
            hours=Decimal("4"),
            completed_at=this_year,
            recorded_by=admin,
            dedupe_key="group:rollups",
        )
        archive.append_correction(
            db.session.get(ArchiveEntry, credited[user("committee").id]),
            reason="记错了人",
            recorded_by=admin,
        )
        newcomer_entry = db.session.scalar(
            select(ArchiveEntry).where(
                ArchiveEntry.member_id == newcomer.id, ArchiveEntry.hours == 33
            )
        )
        archive.append_correction(newcomer_entry, reason="学时记错", recorded_by=admin)
        rollups.advance_pace(today)
        kept, shown, past = snapshot(), reports(today), reports(today, today.year - 1)
        rollups.rebuild(today)
        assert snapshot() == kept
        assert reports(today, lists=False) == shown
        assert reports(today, today.year - 1, lists=False) == past
        # Sanity: the numbers are there at all.
        city = shown[("市委", "both", False)]
        assert city[0] == db.session.scalar(
            select(func.count(User.id)).where(User.active.is_(True), User.role != "admin")
        )
        assert city[7] == [("rules", 2)]
        moved_since = db.session.scalars(
            select(MemberYear.member_id).where(MemberYear.year == today.year - 1)
        )
        # The viewer came back where they were: no row needed.
        assert {user(n).id for n in ("member", "floating", "secretary")} == set(moved_since)
        assert user("newcomer").id == newcomer.id


def test_a_report_on_another_day_moves_members_between_on_track_and_behind(app, world):
    with app.app_context():
        today = local_today()
        for username, hours in (("member", "4"), ("other", "12"), ("floating", "20")):
            study(username, hours, datetime(today.year, 1, 5, 4, tzinfo=UTC))
        rollups.advance_pace(date(today.year, 1, 1))
        days = [date(today.year, m, 1) for m in (2, 5, 9, 12)]
        before = {day: reports(day) for day in days}
        for day in days:
            rollups.advance_pace(day)
            # The lists read the members against the day itself, not the rollups' pace.
            assert reports(day, lists=False) == before[day]
        # Against 1 December, 20 of 32 学时 is behind; against 1 February all three are on track.
        district = before[days[-1]][("区委", "both", False)][4]
        assert district["behind"] >= 3
        assert before[days[0]][("区委", "both", False)][4]["behind"] == 0


def test_rebuild_counts_what_the_members_scan_counts(app, world):
    with app.app_context():
        today = local_today()
        study("floating", "40", datetime(today.year, 2, 5, 4, tzinfo=UTC))
        complete_course("floating")
        rollups.rebuild(today)
        for name, members, floating in (("市委", 7, 0), ("驻深圳支部", 1, 0), ("二支部", 2, 0)):
            report = queries.overview(org(name), Filters(year=today.year), today=today)
            assert (report.total.members, report.total.floating) == (members, floating), name
            assert report.total.statuses["met"] == 1
            assert [c.completed for c in report.courses] == [1]


def test_roster_import_adds_and_moves_members_in_the_rollups(app, world):
    headers = ["党员编号", "姓名", "性别", "手机号", "入党日期", "组织关系所在党组织"]

    def run(rows: list[list[str]]) -> None:
        out = io.StringIO(newline="")
        csv.writer(out).writerows([headers, *rows])
        sheet = roster_sheet.read_file("r.csv", out.getvalue().encode("utf-8-sig"))
        plan = roster.plan_import(user("admin"), sheet, local_today())
        roster.apply_import(user("admin"), plan, local_today())

    with app.app_context():
        today = local_today()
        run(
            [
                ["A-001", "周新", "女", "13800138000", "2001-07-01", "一支部"],
                ["A-002", "吴新", "男", "13800138001", "2002-07-01", "一支部"],
            ]
        )
        newcomer = db.session.scalar(select(User).where(User.membership_no == "A-001"))
        study(newcomer.username, "40", datetime(today.year, 1, 5, 4, tzinfo=UTC))
        run([["A-001", "周新", "女", "13800138000", "2001-07-01", "二支部"]])
        report = queries.overview(org("二支部"), Filters(year=today.year), today=today)
        assert report.total.members == 3 and report.total.statuses["met"] == 1
        rollups.advance_pace(today)
        kept = snapshot()
        rollups.rebuild(today)
        assert snapshot() == kept


def test_a_closed_year_counts_a_transferred_member_where_they_were(app, world):
    with app.app_context():
        today = local_today()
        last, this = today.year - 1, today.year
        study("member", "40", datetime(last, 6, 10, 4, tzinfo=UTC))
        study("member", "2", datetime(this, 1, 5, 4, tzinfo=UTC))
        rollups.advance_pace(today)
        member = user("member")
        archive_before = db.session.execute(
            select(YearProgress.year, YearProgress.hours).where(YearProgress.member_id == member.id)
        ).all()

        def counted(name: str, year: int) -> tuple[int, int, list[str]]:
            filters = Filters(year=year)
            report = queries.overview(org(name), filters, today=today)
            names = [r.name for r in queries.member_rows(org(name), filters, today=today).rows]
            return report.total.members, report.total.statuses["met"], names

        before = {(n, y): counted(n, y) for n in ("一支部", "二支部", "区委") for y in (last, this)}
        assert "张党员" in before[("一支部", last)][2]
        record_flow(user("admin"), member, "transfer", today, to_org=org("二支部"))

        # Last year stands as it was: the sending branch still counts the member, 学时 and all.
        assert counted("一支部", last) == before[("一支部", last)]
        assert counted("二支部", last) == before[("二支部", last)]
        assert counted("区委", last) == before[("区委", last)]
        row = next(
            r
            for r in queries.member_rows(org("一支部"), Filters(year=last), today=today).rows
            if r.id == member.id
        )
        assert (row.home_org.name, row.hours, row.status) == ("一支部", Decimal(40), "met")
        # This year the member is the receiving branch's.
        members, _, names = counted("一支部", this)
        assert members == before[("一支部", this)][0] - 1 and "张党员" not in names
        members, _, names = counted("二支部", this)
        assert members == before[("二支部", this)][0] + 1 and "张党员" in names
        # The archive follows the member, unchanged.
        assert (
            db.session.execute(
                select(YearProgress.year, YearProgress.hours).where(
                    YearProgress.member_id == member.id
                )
            ).all()
            == archive_before
        )

        # Last year's 学时 recorded late still go to the branch the member was in then.
        def hours(name: str) -> int:
            return queries.overview(org(name), Filters(year=last), today=today).total.hours_tenths

        sending, receiving = hours("一支部"), hours("二支部")
        study("member", "1", datetime(last, 11, 10, 4, tzinfo=UTC))
        assert (hours("一支部"), hours("二支部")) == (sending + 10, receiving)
        kept = snapshot()
        rollups.rebuild(today)
        assert snapshot() == kept
        # A member who leaves is no longer counted in any year, as before.
        accounts.disable_account(user("admin"), member, "调离")
        assert counted("一支部", last)[0] == before[("一支部", last)][0] - 1
        assert db.session.scalar(select(func.count()).where(MemberYear.member_id == member.id)) == 0
        kept = snapshot()
        rollups.rebuild(today)
        assert snapshot() == kept


def test_a_report_as_of_a_months_end_counts_members_where_and_as_they_were(app, world, monkeypatch):
    # A fixed day, so that the year has finished months whatever the calendar says: moves write
    # their kept months against it, and every report is made on it.
    with app.app_context():
        today = date(local_today().year - 1, 11, 20)
    monkeypatch.setattr(rollups, "local_today", lambda now=None: today)
    october = date(today.year, 10, 1)
    with app.app_context():
        rollups.rebuild(today)
        study("member", "5", datetime(today.year, 3, 10, 4, tzinfo=UTC))
        study("member", "3", datetime(today.year, 10, 8, 4, tzinfo=UTC))
        study("floating", "2", datetime(today.year, 9, 1, 4, tzinfo=UTC))
        complete_course("member")
        rollups.advance_pace(today)
        now = reports(today)

        def summaries(day: date, as_of: date | None = None) -> dict:
            return {
                key: summary(
                    queries.overview(
                        org(key[0]),
                        Filters(
                            year=today.year, relation=key[1], floating_only=key[2], as_of=as_of
                        ),
                        today=day,
                    )
                )
                for key in now
            }

        # Nobody has moved yet: a month's end is now.
        assert summaries(today, as_of=october) == now
        later = date(today.year, 12, 28)
        before_later = summaries(later)

        # In November 张党员 moves to 二支部 and becomes a floating member hosted in Shenzhen;
        # 陈流动 comes home and stops floating.
        admin, member, floating = user("admin"), user("member"), user("floating")
        record_flow(admin, member, "transfer", today, to_org=org("二支部"))
        member.is_floating, member.host_org = True, org("驻深圳支部")
        floating.is_floating, floating.host_org = False, None
        db.session.flush()
        moved = reports(today)
        assert moved[("一支部", "both", False)][0] == now[("一支部", "both", False)][0] - 1
        assert moved[("驻深圳支部", "both", True)] != now[("驻深圳支部", "both", True)]

        # As of October's end every report stands as it did then, 学时, statuses, sub-
        # organisations, trend and course completions alike; and each member list of that
        # month lists the members its overview counts, status by status.
        def month_reports() -> dict:
            found = {}
            for name, relation, floating_only in now:
                filters = Filters(
                    year=today.year,
                    relation=relation,
                    floating_only=floating_only,
                    as_of=october,
                )
                report = queries.overview(org(name), filters, today=today)
                found[(name, relation, floating_only)] = summary(report)
                listed = queries.member_rows(org(name), filters, today=today)
                assert listed.total == report.total.members, (name, relation, floating_only)
                for status, n in report.total.statuses.items():
                    page = queries.member_rows(
                        org(name), replace(filters, status=status), today=today
                    )
                    assert page.total == n, (name, relation, floating_only, status)
            return found

        assert month_reports() == now
        row = next(
            r
            for r in queries.member_rows(
                org("一支部"), Filters(year=today.year, as_of=october), today=today
            ).rows
            if r.id == member.id
        )
        assert (row.home_org.name, row.host_org, row.hours) == ("一支部", None, Decimal(8))

        # Another day's pace moves members of the month between on track and behind as it
        # moved them before they left.
        assert summaries(later, as_of=october) == before_later
        rollups.rebuild(today)  # the lists read no rollups: the summaries are what can change
        assert summaries(today, as_of=october) == now
