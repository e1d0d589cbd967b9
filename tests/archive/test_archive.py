"""The study archive: year totals against the quota, year filter, print view, access log."""

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select

from school.archive import services
from school.archive.models import ArchiveAccess
from school.auth.models import User
from school.db import db
from tests.conftest import login


def _offline(app, member_id: int, title: str, hours, when: datetime, by: int) -> None:
    with app.app_context():
        services.append_offline(
            db.session.get(User, member_id),
            title=title,
            hours=Decimal(str(hours)),
            completed_at=when,
            recorded_by=db.session.get(User, by),
        )
        db.session.commit()


def test_year_total_counts_local_years_and_tenths_exactly(app, world):
    # 2025-12-31 17:00 UTC is already 2026-01-01 in China: it belongs to 2026.
    _offline(
        app,
        world.member,
        "跨年夜讲座",
        "0.5",
        datetime(2025, 12, 31, 17, 0, tzinfo=UTC),
        world.secretary,
    )
    _offline(
        app,
        world.member,
        "年末培训",
        "8",
        datetime(2025, 12, 31, 15, 0, tzinfo=UTC),
        world.secretary,
    )
    for lesson in range(3):
        _offline(
            app,
            world.member,
            f"夜校第{lesson + 1}讲",
            "0.1",
            datetime(2026, 3, 1, tzinfo=UTC),
            world.secretary,
        )
    with app.app_context():
        member = db.session.get(User, world.member)
        assert services.year_summary(member, 2025).hours == Decimal(8)
        assert services.year_summary(member, 2026).hours == Decimal("0.8")
        assert services.years_with_entries(member) == [2026, 2025]


def test_the_same_offline_study_recorded_twice_credits_its_hours_once(app, world):
    # 16:00 and 23:00 UTC on 1 March are 2 March at midnight and 7 am in China: one local day.
    first, again = datetime(2026, 3, 1, 16, tzinfo=UTC), datetime(2026, 3, 1, 23, tzinfo=UTC)
    with app.app_context():
        member = db.session.get(User, world.member)
        secretary = db.session.get(User, world.secretary)
        kept = services.append_offline(
            member,
            title="春节返乡培训",
            hours=Decimal(8),
            completed_at=first,
            recorded_by=secretary,
        )
        assert kept is not None
        repeat = services.append_offline(
            member,
            title="春节返乡培训",
            hours=Decimal(8),
            completed_at=again,
            recorded_by=secretary,
        )
        assert repeat is None
        # The same title on another day, or another title that day, is another study.
        services.append_offline(
            member,
            title="春节返乡培训",
            hours=Decimal(4),
            completed_at=datetime(2026, 3, 2, 16, tzinfo=UTC),
            recorded_by=secretary,
        )
        services.append_offline(
            member, title="专家讲座", hours=Decimal(2), completed_at=first, recorded_by=secretary
        )
        assert services.year_summary(member, 2026).hours == Decimal(14)
        assert len(services.entries(member, 2026)) == 3


def test_an_offline_study_with_its_own_key_is_recorded_once_whatever_its_title(app, world):
    when = datetime(2026, 4, 1, tzinfo=UTC)
    with app.app_context():
        member = db.session.get(User, world.member)
        secretary = db.session.get(User, world.secretary)
        for title in ("培训班第一次课", "培训班第一次课（更正）"):
            services.append_offline(
                member,
                title=title,
                hours=Decimal(4),
                completed_at=when,
                recorded_by=secretary,
                dedupe_key="session:17",
            )
        assert [e.title for e in services.entries(member, 2026)] == ["培训班第一次课"]
        assert services.year_summary(member, 2026).hours == Decimal(4)


def test_quota_is_56_for_cadres_and_32_for_members(app, world):
    with app.app_context():
        assert services.quota_for(db.session.get(User, world.secretary)) == 56
        assert services.quota_for(db.session.get(User, world.member)) == 32


def test_archive_page_shows_entries_total_and_quota_filtered_by_year(app, client, world):
    _offline(
        app, world.member, "春节返乡集中培训", 8, datetime(2025, 2, 1, tzinfo=UTC), world.secretary
    )
    _offline(app, world.member, "支部党课", 4, datetime(2026, 2, 1, tzinfo=UTC), world.secretary)
    login(client, "member")
    page = client.get("/archive/?year=2025").get_data(as_text=True)
    assert "春节返乡集中培训" in page and "支部党课" not in page
    assert "<strong>8</strong> / 32 学时" in page
    assert "还差 24 学时" in page
    printable = client.get("/archive/print?year=2025").get_data(as_text=True)
    assert "党员学习档案" in printable and "春节返乡集中培训" in printable
    assert "张党员" in printable and "一支部" in printable


def test_out_of_range_year_falls_back_to_this_year(client, world):
    login(client, "member")
    assert client.get("/archive/?year=99999").status_code == 200
    assert client.get("/archive/?year=abc").status_code == 200


def test_member_never_sees_another_members_archive_and_nothing_is_logged(app, client, world):
    _offline(
        app, world.other_member, "秘密标记-XYZ", 4, datetime(2026, 2, 1, tzinfo=UTC), world.admin
    )
    login(client, "member")
    for url in (
        f"/archive/members/{world.other_member}",
        f"/archive/members/{world.other_member}/print",
    ):
        response = client.get(url)
        assert response.status_code == 404
        assert "秘密标记-XYZ" not in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(ArchiveAccess)).all() == []


def test_staff_view_of_a_members_archive_is_logged(app, client, world):
    login(client, "secretary")
    page = client.get(f"/archive/members/{world.member}").get_data(as_text=True)
    assert "张党员的学习档案" in page and "本次查看已记录" in page
    with app.app_context():
        [access] = db.session.scalars(select(ArchiveAccess)).all()
        assert (access.viewer_id, access.member_id) == (world.secretary, world.member)


def test_host_organisation_staff_see_a_floating_members_archive(client, world):
    login(client, "committee")
    assert client.get(f"/archive/members/{world.floating}").status_code == 200
    assert client.get(f"/archive/members/{world.member}").status_code == 404
