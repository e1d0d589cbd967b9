"""The migrations build exactly the schema the models describe, on both databases."""

import warnings
from datetime import UTC, datetime

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, column, inspect, select, table, text
from sqlalchemy.exc import SAWarning

from school import create_app
from school.archive import progress
from school.archive.models import CourseProgress, YearProgress
from school.auth.models import User
from school.cli import alembic_config
from school.db import Base, UTCDateTime, db, make_engine
from tests.conftest import app_config
from tests.databases import drop_database, new_database


def test_migrated_schema_matches_the_models(engine):
    with engine.connect() as connection, warnings.catch_warnings():
        # SQLAlchemy cannot reflect SQLite's indexes on expressions, so Alembic cannot compare
        # them (both say so and skip them); the next test checks those by name instead.
        warnings.filterwarnings(
            "ignore", "Skipped unsupported reflection of expression-based index", SAWarning
        )
        warnings.filterwarnings(
            "ignore", "autogenerate skipping metadata-specified expression-based index", UserWarning
        )
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_indexes_on_expressions_exist_after_upgrade(engine):
    """The indexes that reflection cannot see on SQLite are there, by name, on both databases."""
    expected = {
        index.name
        for table in Base.metadata.tables.values()
        for index in table.indexes
        if any(not isinstance(e, Column) for e in index.expressions)
    }
    assert expected  # the users' lower-cased username at least
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            found = set(
                connection.scalars(text("SELECT name FROM sqlite_master WHERE type = 'index'"))
            )
        else:
            found = set(connection.scalars(text("SELECT indexname FROM pg_indexes")))
    assert expected <= found


def test_every_table_exists_after_upgrade(engine):
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_upgrade_precomputes_progress_from_existing_history(backend, tmp_path):
    """A school upgraded with members' history already recorded gets the same progress rows
    that recomputing from scratch gives, and members who had a host are marked floating."""
    url = new_database(backend, tmp_path)
    try:
        command.upgrade(alembic_config(url), "51f860ff158d")
        engine = make_engine({"DATABASE_URL": url})
        with engine.begin() as conn:
            _history_before_reports(conn)
        engine.dispose()
        command.upgrade(alembic_config(url), "head")
        app = create_app(app_config(url, tmp_path))
        with app.app_context():
            migrated = _progress_rows()
            assert db.session.scalar(select(User.is_floating).where(User.username == "liudong"))
            progress.rebuild()
            assert _progress_rows() == migrated
            year = db.session.get(YearProgress, (1, 2026))
            # 17:30 UTC on 31 January is 1 February in China.
            assert (year.hours, year.m1, year.m2, year.courses_completed) == (2, 1, 1, 1)
            db.session.rollback()
        app.extensions["school.db"].engine.dispose()
    finally:
        drop_database(url)


def _history_before_reports(conn) -> None:
    def insert(table_name: str, /, **row) -> None:
        # Plain SQL tables typed by value: the models already describe the newer schema.
        columns = [
            column(key, UTCDateTime() if isinstance(value, datetime) else None)
            for key, value in row.items()
        ]
        conn.execute(table(table_name, *columns).insert().values(**row))

    jan, feb = datetime(2026, 1, 5, tzinfo=UTC), datetime(2026, 1, 31, 17, 30, tzinfo=UTC)
    stamp = {"created_at": jan}
    insert("organisations", id=1, name="市委", kind="city", path="/1/", **stamp)
    for uid, username, host in ((1, "dangyuan", None), (2, "liudong", 1)):
        insert(
            "users",
            id=uid,
            username=username,
            name=username,
            password_hash="",
            role="member",
            is_cadre=False,
            home_org_id=1,
            host_org_id=host,
            active=True,
            must_change_password=False,
            auth_version=1,
            **stamp,
        )
    insert("themes", id=1, slug="t", title="专题", summary="", position=0)
    insert(
        "courses",
        id=1,
        slug="c",
        title="课程",
        summary="",
        body_md="",
        theme_id=1,
        hours=20,
        position=0,
        status="published",
        created_at=jan,
        updated_at=jan,
    )
    insert("modules", id=1, course_id=1, title="单元", position=0)
    for lid, when in ((1, jan), (2, feb)):
        insert(
            "lessons",
            id=lid,
            course_id=1,
            module_id=1,
            slug=f"l{lid}",
            title=f"课时{lid}",
            kind="text",
            body_md="",
            hours=10,
            position=lid,
            required=True,
            retired=False,
        )
        insert("lesson_completions", id=lid, user_id=1, lesson_id=lid, completed_at=when)
        insert(
            "archive_entries",
            member_id=1,
            kind="lesson",
            source="online",
            title=f"课时{lid}",
            hours=10,
            completed_at=when,
            recorded_at=when,
            dedupe_key=f"lesson:{lid}",
            course_id=1,
            lesson_id=lid,
        )
    insert("course_completions", id=1, user_id=1, course_id=1, completed_at=feb)
    insert(
        "archive_entries",
        member_id=1,
        kind="course",
        source="online",
        title="课程",
        hours=0,
        completed_at=feb,
        recorded_at=feb,
        dedupe_key="course:1",
        course_id=1,
    )


def _progress_rows() -> tuple[list, list]:
    return (
        [tuple(r) for r in db.session.execute(select(CourseProgress.__table__))],
        [tuple(r) for r in db.session.execute(select(YearProgress.__table__))],
    )
