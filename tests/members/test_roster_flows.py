"""Roster import: members created floating get the flow history an edit into floating gives."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from school.archive import rollups
from school.auth.models import User
from school.clock import local_today
from school.db import db
from school.members import roster, roster_sheet
from school.members.models import FlowEvent
from school.reports import queries
from school.reports.queries import Filters
from tests.archive.test_rollups import org, snapshot
from tests.conftest import login
from tests.members.test_roster import apply, csv_bytes, token_of, upload

HEADERS = [
    "党员编号",
    "姓名",
    "组织关系所在党组织",
    "流入地党组织",
    "是否流动党员",
    "现居城市",
    "外出日期",
]


def _events(number: str) -> list[FlowEvent]:
    member = db.session.scalar(select(User).where(User.membership_no == number))
    return list(
        db.session.scalars(
            select(FlowEvent).where(FlowEvent.member_id == member.id).order_by(FlowEvent.id)
        )
    )


def test_new_floating_members_get_their_flow_out_and_arrival(app, client, world):
    login(client, "secretary")
    rows = [
        ["N-1", "周流动", "一支部", "驻深圳支部", "是", "深圳", "2024-03-01"],
        ["N-2", "吴外出", "一支部", "", "是", "杭州", ""],
        ["N-3", "郑在家", "一支部", "", "", "", ""],
    ]
    response = apply(client, token_of(upload(client, csv_bytes(rows, HEADERS), "r.csv")))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "名册已导入" in page
    with app.app_context():
        today = local_today()
        hosted = _events("N-1")
        assert [(e.kind, e.from_org, e.to_org) for e in hosted] == [
            ("flow_out", org("一支部"), None),
            ("arrive", None, org("驻深圳支部")),
        ]
        # Flowed out on the date the file gives; arrived (was registered) on the import day.
        assert [e.occurred_on for e in hosted] == [date(2024, 3, 1), today]
        assert all(e.city == "深圳" and e.note == "名册导入" for e in hosted)
        assert all(e.recorded_by_id == world.secretary for e in hosted)
        [away] = _events("N-2")
        assert (away.kind, away.occurred_on, away.city, away.to_org) == (
            "flow_out",
            today,
            "杭州",
            None,
        )
        assert _events("N-3") == []
    # The result page counts these events with the rest.
    assert "<strong>3</strong> 条" in page


def test_the_same_events_as_a_member_edited_into_floating(app, world):
    """A newcomer imported floating and a settled member made floating by a file: one history."""
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.username == "admin"))
        db.session.get(User, world.member).membership_no = "OLD-1"
        row = ["一支部", "驻深圳支部", "是", "深圳", "2025-05-01"]
        sheet = roster_sheet.read_file(
            "r.csv",
            csv_bytes([["OLD-1", "张党员", *row], ["NEW-1", "钱新", *row]], HEADERS),
        )
        plan = roster.plan_import(admin, sheet, local_today())
        assert (plan.creates, plan.updates) == (1, 1)
        result = roster.apply_import(admin, plan, local_today())
        assert result.events == 4

        def shape(number: str) -> list[tuple]:
            return [
                (e.kind, e.occurred_on, e.from_org_id, e.to_org_id, e.city, e.note)
                for e in _events(number)
            ]

        assert shape("NEW-1") == shape("OLD-1")
        assert [kind for kind, *_ in shape("NEW-1")] == ["flow_out", "arrive"]


def test_rollups_equal_a_rebuild_after_importing_floating_members(app, world):
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.username == "admin"))
        today = local_today()
        rows = [
            ["F-1", "周流动", "一支部", "驻深圳支部", "是", "深圳", "2024-03-01"],
            ["F-2", "吴外出", "二支部", "", "是", "杭州", ""],
            ["F-3", "郑在家", "一支部", "", "否", "", ""],
        ]
        sheet = roster_sheet.read_file("r.csv", csv_bytes(rows, HEADERS))
        roster.apply_import(admin, roster.plan_import(admin, sheet, today), today)
        report = queries.overview(org("驻深圳支部"), Filters(year=today.year), today=today)
        assert report.total.members == 2  # 陈流动 and 周流动
        rollups.advance_pace(today)
        kept = snapshot()
        rollups.rebuild(today)
        assert snapshot() == kept
