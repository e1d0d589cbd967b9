"""``flask demo generate``: the city-scale data set is what the app itself would have written."""

from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from school.archive import progress
from school.archive.models import ArchiveEntry, CourseProgress, YearProgress
from school.auth.models import User
from school.courses.models import Course, CourseCompletion, Lesson, LessonCompletion
from school.db import db
from school.orgs.models import Organisation
from tests.conftest import login

MONTHS = [f"m{m}" for m in range(1, 13)]


def _generate(app, *args):
    return app.test_cli_runner().invoke(args=["demo", "generate", "--members", "300", *args])


def _progress_rows():
    courses = {
        (r.member_id, r.course_id): (r.lessons_done, r.started_at, r.completed_at)
        for r in db.session.scalars(select(CourseProgress))
    }
    years = {
        (r.member_id, r.year): (
            r.hours,
            *(getattr(r, m) for m in MONTHS),
            r.courses_completed,
            r.last_activity_at,
        )
        for r in db.session.scalars(select(YearProgress))
    }
    return courses, years


def test_generate_builds_a_small_city(app):
    result = _generate(app, "--seed", "7")
    assert result.exit_code == 0, result.output
    assert "完成" in result.output
    with app.app_context():
        members = db.session.scalars(select(User).where(User.membership_no.is_not(None))).all()
        assert len(members) == 300
        assert len({m.membership_no for m in members}) == 300
        assert all(m.username == m.membership_no and m.password_hash == "" for m in members)
        assert all(m.name and m.phone and m.joined_party_on and m.gender for m in members)

        orgs = db.session.scalars(select(Organisation)).all()
        kinds = Counter(o.kind for o in orgs)
        assert kinds["city"] == 1 and kinds["work_committee"] == 1
        assert kinds["district"] >= 2 and kinds["branch"] >= 2 and kinds["outbound_branch"] >= 2
        assert all(o.code for o in orgs) and len({o.code for o in orgs}) == len(orgs)
        assert all(o.path.endswith(f"/{o.id}/") for o in orgs)
        assert all(m.home_org.kind == "branch" for m in members)

        floating = [m for m in members if m.is_floating]
        assert len(floating) == 23  # 7.7 % of 300, as in the city (8,618 of 112,000)
        for member in floating:
            host = member.host_org
            assert host is not None and member.flowed_out_on and member.current_city
            assert host.kind == "outbound_branch" or (
                host.kind == "branch"
                and host.path.split("/")[2] != member.home_org.path.split("/")[2]
            )
        assert all(m.host_org_id is None for m in members if not m.is_floating)

        courses = db.session.scalars(select(Course)).all()
        assert len(courses) == 40 and all(c.status == "published" for c in courses)
        assert 0 < sum(c.deadline is not None for c in courses) < 10
        assert db.session.scalar(select(func.count(Lesson.id)).where(Lesson.hours == 1)) == 320
        assert db.session.scalar(select(func.count(LessonCompletion.id))) > 300 * 10


def test_archive_and_progress_agree_with_the_completions(app):
    assert _generate(app).exit_code == 0
    with app.app_context():
        entries = db.session.execute(
            select(
                ArchiveEntry.member_id, ArchiveEntry.kind, func.sum(ArchiveEntry.hours)
            ).group_by(ArchiveEntry.member_id, ArchiveEntry.kind)
        ).all()
        hours = Counter()
        for member_id, _, total in entries:
            hours[member_id] += total
        years = {y.member_id: y for y in db.session.scalars(select(YearProgress))}
        assert years and set(years) == set(hours)
        for member_id, year in years.items():
            assert year.hours == hours[member_id]
            assert sum(getattr(year, m) for m in MONTHS) == year.hours

        # One lesson entry per lesson completion, one course entry per course completion.
        kinds = Counter()
        for _, kind, _ in entries:
            kinds[kind] += 1
        lesson_count = db.session.scalar(select(func.count(LessonCompletion.id)))
        course_count = db.session.scalar(select(func.count(CourseCompletion.id)))
        assert (
            db.session.scalar(
                select(func.count(ArchiveEntry.id)).where(ArchiveEntry.kind == "lesson")
            )
            == lesson_count
        )
        assert (
            db.session.scalar(
                select(func.count(ArchiveEntry.id)).where(ArchiveEntry.kind == "course")
            )
            == course_count
            > 0
        )

        done = {
            (user_id, course_id): count
            for user_id, course_id, count in db.session.execute(
                select(LessonCompletion.user_id, Lesson.course_id, func.count())
                .join(Lesson, Lesson.id == LessonCompletion.lesson_id)
                .group_by(LessonCompletion.user_id, Lesson.course_id)
            )
        }
        completed = set(
            db.session.execute(select(CourseCompletion.user_id, CourseCompletion.course_id)).all()
        )
        rows = db.session.scalars(select(CourseProgress)).all()
        assert len(rows) == len(done)
        for row in rows:
            assert row.lessons_done == done[(row.member_id, row.course_id)]
            assert (row.completed_at is not None) == ((row.member_id, row.course_id) in completed)

        # The strongest check: rebuilding the progress from the ledger changes nothing.
        before = _progress_rows()
        progress.rebuild()
        db.session.expire_all()
        assert _progress_rows() == before


def test_generate_prints_logins_that_work(app):
    result = _generate(app)
    assert result.exit_code == 0, result.output
    password = result.output.strip().splitlines()[-1].rsplit("：", 1)[1]
    assert len(password) >= 12 and password not in result.output.strip().splitlines()[:-1]
    with app.app_context():
        logins = db.session.scalars(
            select(User).where(User.membership_no.is_(None)).order_by(User.id)
        ).all()
        usernames = [u.username for u in logins]
        assert all(f"  {name}  " in result.output for name in usernames)
        assert usernames[0] == "jc-admin" and logins[0].role == "admin"
        districts = db.session.scalars(
            select(Organisation).where(Organisation.kind == "district")
        ).all()
        secretaries = {g.org.kind for u in logins[1:] for g in u.staff_grants}
        assert secretaries == {"district", "branch", "outbound_branch"}
        assert len(logins) == 1 + len(districts) + 2
        host = aliased(Organisation)
        busiest = db.session.execute(
            select(host.id, func.count(User.id))
            .join(User, User.host_org_id == host.id)
            .where(host.kind == "outbound_branch", User.membership_no.is_not(None))
            .group_by(host.id)
            .order_by(func.count(User.id).desc())
        ).first()
        outbound = next(u for u in logins if u.username == "jc-outbound")
        assert outbound.staff_grants[0].org_id == busiest[0]
    for username in ("jc-admin", "jc-district-01", "jc-branch", "jc-outbound"):
        login(app.test_client(), username, password)


def _counts():
    return [db.session.scalar(select(func.count(m.id))) for m in (User, Organisation, Course)]


def test_generate_refuses_a_database_with_members(app, world):
    with app.app_context():
        before = _counts()
    result = _generate(app)
    assert result.exit_code != 0 and "--force" in result.output
    with app.app_context():
        assert _counts() == before


def test_force_adds_the_city_once(app, world):
    with app.app_context():
        users = db.session.scalar(select(func.count(User.id)))
    result = _generate(app, "--force")
    assert result.exit_code == 0, result.output
    again = _generate(app, "--force")
    assert again.exit_code != 0 and "已生成过" in again.output
    with app.app_context():
        host = aliased(Organisation)
        assert (
            db.session.scalar(select(func.count(User.id)).where(User.membership_no.like("JC%")))
            == 300
        )
        logins = db.session.scalar(select(func.count(User.id)).where(User.username.like("jc-%")))
        assert db.session.scalar(select(func.count(User.id))) == users + 300 + logins
        assert (
            db.session.scalar(
                select(func.count(User.id))
                .join(host, User.host_org_id == host.id)
                .where(User.is_floating.is_(True))
            )
            == 23
        )
