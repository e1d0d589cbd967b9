"""Report rollups: members, statuses, 学时 and course completions per organisation.

Reports add up these rows instead of every member below an organisation (see
school/archive/rollups.py). The upgrade fills them from the members and their progress, so an
upgraded school's reports are right at once.

Revision ID: d7a3b9e2c1f5
Revises: c4d2e8f1a9b7
Create Date: 2026-12-06 12:00:00
"""

import os
from collections import defaultdict
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

import school.db

revision = "d7a3b9e2c1f5"
down_revision = "c4d2e8f1a9b7"
branch_labels = None
depends_on = None

SIDE_CHECK = "side IN ('home', 'host', 'both', 'same')"
MONTHS = [f"m{m}" for m in range(1, 13)]
COARSE_DEPTH = 2
STRIPES = 4


def _key_columns(table: str) -> list:
    return [
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("side", sa.String(length=4), nullable=False),
        sa.Column("stripe", sa.Integer(), nullable=False),
        sa.Column("is_floating", sa.Boolean(), nullable=False),
        sa.CheckConstraint(SIDE_CHECK, name=op.f(f"ck_{table}_side")),
    ]


def upgrade() -> None:
    op.create_table(
        "rollup_members",
        *_key_columns("rollup_members"),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.Column("cadres", sa.Integer(), nullable=False),
        # Level and organisation lead the keys: a report reads one level of one subtree.
        sa.PrimaryKeyConstraint(
            "level", "org_id", "side", "stripe", "is_floating", name=op.f("pk_rollup_members")
        ),
    )
    op.create_table(
        "rollup_years",
        sa.Column("year", sa.Integer(), nullable=False),
        *_key_columns("rollup_years"),
        sa.Column("met", sa.Integer(), nullable=False),
        sa.Column("on_track", sa.Integer(), nullable=False),
        sa.Column("behind", sa.Integer(), nullable=False),
        sa.Column("hours", school.db.Hours(), nullable=False),
        *[sa.Column(m, school.db.Hours(), nullable=False) for m in MONTHS],
        sa.PrimaryKeyConstraint(
            "year", "level", "org_id", "side", "stripe", "is_floating", name=op.f("pk_rollup_years")
        ),
    )
    op.create_table(
        "rollup_courses",
        *_key_columns("rollup_courses"),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("completed", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "level",
            "org_id",
            "course_id",
            "side",
            "stripe",
            "is_floating",
            name=op.f("pk_rollup_courses"),
        ),
    )
    op.create_table(
        "rollup_pace",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("due", sa.Integer(), nullable=False),
        sa.CheckConstraint("due BETWEEN 0 AND 1000", name=op.f("ck_rollup_pace_due")),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_rollup_pace")),
    )
    op.create_index("ix_year_progress_year_hours", "year_progress", ["year", "hours"])
    _fill()


def downgrade() -> None:
    op.drop_index("ix_year_progress_year_hours", table_name="year_progress")
    for table in ("rollup_pace", "rollup_courses", "rollup_years", "rollup_members"):
        op.drop_table(table)


# --- the fill: written out here rather than imported from the app, so the migration keeps doing
# what it did whatever the app's code becomes (the same rules as archive/rollups.py today).


def _due(year: int, today: date) -> int:
    if year < today.year:
        return 1000
    if year > today.year:
        return 0
    start = date(year, 1, 1)
    return int(((today - start).days + 1) / (date(year + 1, 1, 1) - start).days * 1000)


def _rows(paths: dict, home, host, floating: bool) -> list[tuple]:
    lines = {side: paths.get(org) for side, org in (("home", home), ("host", host))}
    spread = (home if home is not None else host or 0) % STRIPES
    sides = [(side, line) for side, line in lines.items() if line]
    if lines["home"] and lines["host"]:
        if home == host:
            sides.append(("same", lines["home"]))
        else:
            a, b, n = lines["home"], lines["host"], 0
            while n < len(a) and n < len(b) and a[n] == b[n]:
                n += 1
            if n:
                sides.append(("both", a[:n]))
    rows = []
    for side, line in sides:
        for level, depth in ((0, len(line)), (1, min(len(line), COARSE_DEPTH))):
            stripe = spread if depth <= COARSE_DEPTH else 0
            rows.append((line[depth - 1], level, side, stripe, bool(floating)))
    return rows


def _key(row: tuple) -> dict:
    return dict(zip(("org_id", "level", "side", "stripe", "is_floating"), row, strict=True))


def _fill() -> None:
    bind = op.get_bind()
    quota_member = int(os.environ.get("ANNUAL_QUOTA_HOURS", 32)) * 10
    quota_cadre = int(os.environ.get("CADRE_QUOTA_HOURS", 56)) * 10
    today = datetime.now(ZoneInfo(os.environ.get("TIMEZONE", "Asia/Shanghai"))).date()
    paths = {
        i: [int(p) for p in path.strip("/").split("/") if p]
        for i, path in bind.execute(sa.text("SELECT id, path FROM organisations"))
    }
    years = [y for (y,) in bind.execute(sa.text("SELECT DISTINCT year FROM year_progress"))]
    paces = {year: _due(year, today) for year in years}
    # The SQL below is built only from these constants and integers read from the database.
    true = "true" if bind.dialect.name == "postgresql" else "1"
    counted = f"u.active = {true} AND u.role <> 'admin'"

    members: dict = defaultdict(lambda: [0, 0])
    for home, host, floating, cadre, n in bind.execute(
        sa.text(
            "SELECT u.home_org_id, u.host_org_id, u.is_floating, u.is_cadre, COUNT(*) "  # noqa: S608
            f"FROM users u WHERE {counted} "
            "GROUP BY u.home_org_id, u.host_org_id, u.is_floating, u.is_cadre"
        )
    ):
        for row in _rows(paths, home, host, floating):
            members[row][0] += n
            members[row][1] += n if cadre else 0

    years_rows: dict = defaultdict(lambda: [0] * 16)
    due = " ".join(f"WHEN {int(y)} THEN {int(d)}" for y, d in paces.items())
    due = f"(CASE y.year {due} ELSE 0 END)" if paces else "0"
    quota = f"(CASE WHEN u.is_cadre = {true} THEN {quota_cadre} ELSE {quota_member} END)"
    status = (
        f"CASE WHEN y.hours <= 0 THEN 'not_started' WHEN y.hours >= {quota} THEN 'met' "
        f"WHEN y.hours * 1000 >= {quota} * {due} THEN 'on_track' ELSE 'behind' END"
    )
    sums = ", ".join(f"SUM(y.{m})" for m in MONTHS)
    query = (
        f"SELECT y.year, u.home_org_id, u.host_org_id, u.is_floating, {status} AS status, "  # noqa: S608
        f"COUNT(*), SUM(y.hours), {sums} "
        f"FROM year_progress y JOIN users u ON u.id = y.member_id WHERE {counted} "
        f"GROUP BY y.year, u.home_org_id, u.host_org_id, u.is_floating, {status}"
    )
    for year, home, host, floating, status_, n, hours, *months in bind.execute(sa.text(query)):
        values = [n * (status_ == s) for s in ("met", "on_track", "behind")]
        values += [int(hours or 0), *[int(m or 0) for m in months]]
        if not any(values):
            continue
        for row in _rows(paths, home, host, floating):
            vector = years_rows[(year, row)]
            for i, value in enumerate(values):
                vector[i] += value

    courses: dict = defaultdict(int)
    for course_id, home, host, floating, n in bind.execute(
        sa.text(
            "SELECT c.course_id, u.home_org_id, u.host_org_id, u.is_floating, COUNT(*) "  # noqa: S608
            "FROM course_progress c JOIN users u ON u.id = c.member_id "
            f"WHERE {counted} AND c.completed_at IS NOT NULL "
            "GROUP BY c.course_id, u.home_org_id, u.host_org_id, u.is_floating"
        )
    ):
        for row in _rows(paths, home, host, floating):
            courses[(course_id, row)] += n

    def key() -> list:
        return [
            sa.column("org_id", sa.Integer()),
            sa.column("level", sa.Integer()),
            sa.column("side", sa.String()),
            sa.column("stripe", sa.Integer()),
            sa.column("is_floating", sa.Boolean()),
        ]

    year_columns = ["met", "on_track", "behind", "hours", *MONTHS]
    tables = [
        (
            sa.table(
                "rollup_pace", sa.column("year", sa.Integer()), sa.column("due", sa.Integer())
            ),
            [{"year": y, "due": d} for y, d in paces.items()],
        ),
        (
            sa.table(
                "rollup_members",
                *key(),
                sa.column("members", sa.Integer()),
                sa.column("cadres", sa.Integer()),
            ),
            [{**_key(r), "members": m, "cadres": c} for r, (m, c) in members.items() if m],
        ),
        (
            sa.table(
                "rollup_years",
                sa.column("year", sa.Integer()),
                *key(),
                *[sa.column(c, sa.Integer()) for c in year_columns],
            ),
            [
                {"year": y, **_key(r), **dict(zip(year_columns, v, strict=True))}
                for (y, r), v in years_rows.items()
            ],
        ),
        (
            sa.table(
                "rollup_courses",
                sa.column("course_id", sa.Integer()),
                *key(),
                sa.column("completed", sa.Integer()),
            ),
            [{"course_id": c, **_key(r), "completed": n} for (c, r), n in courses.items() if n],
        ),
    ]
    for table, rows in tables:
        for start in range(0, len(rows), 5000):
            op.bulk_insert(table, rows[start : start + 5000])
    if bind.dialect.name == "postgresql":
        # Planner statistics now: without them the first reports join the rollups blindly.
        for table in ("rollup_members", "rollup_years", "rollup_courses", "rollup_pace"):
            op.execute(f"ANALYZE {table}")
