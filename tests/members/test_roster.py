"""Roster import: template, dry run, preview, apply; scope, idempotence and every error kind."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from school import config, uploads
from school.auth.models import User
from school.auth.passwords import verify_password
from school.db import db
from school.members import roster, roster_sheet
from school.members.models import FlowEvent
from school.orgs.models import Organisation
from school.orgs.services import create_org
from tests.conftest import csrf_token, login, post

HEADERS = ["党员编号", "姓名", "性别", "手机号", "入党日期", "组织关系所在党组织"]


def xlsx(rows: list[list[object]], headers: list[str] = HEADERS) -> bytes:
    """A workbook as a branch would fill it in; strings are text cells, never formulas."""
    workbook = Workbook()
    sheet = workbook.active
    for r, values in enumerate([headers, *rows], start=1):
        for c, value in enumerate(values, start=1):
            if value is None:
                continue
            cell = sheet.cell(r, c, value)
            if isinstance(value, str):
                cell.data_type = "s"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_bytes(rows: list[list[str]], headers: list[str] = HEADERS, encoding="utf-8-sig") -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out).writerows([headers, *rows])
    return out.getvalue().encode(encoding)


def upload(client, data: bytes, filename: str = "roster.xlsx"):
    return client.post(
        "/manage/roster/preview",
        data={"file": (io.BytesIO(data), filename), "csrf_token": csrf_token(client)},
        content_type="multipart/form-data",
    )


def token_of(response) -> str:
    match = re.search(r'name="token" value="([^"]+)"', response.get_data(as_text=True))
    assert match, response.get_data(as_text=True)
    return match.group(1)


def apply(client, token: str, only_good: bool = False):
    data = {"token": token}
    if only_good:
        data["only_good_rows"] = "1"
    return post(client, "/manage/roster/apply", data)


def users_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def member_by_no(number: str) -> User | None:
    return db.session.scalar(select(User).where(User.membership_no == number))


def plan_for(app, username: str, data: bytes, filename: str = "r.xlsx", today=None):
    with app.app_context():
        importer = db.session.scalar(select(User).where(User.username == username))
        sheet = roster_sheet.read_file(filename, data)
        return roster.plan_import(importer, sheet, today or date.today())


@pytest.fixture
def secretary(client, world):
    login(client, "secretary")
    return client


# --- templates --------------------------------------------------------------------------------


def test_xlsx_template_explains_every_column_and_imports_cleanly(app, secretary):
    response = secretary.get("/manage/roster/template.xlsx")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.data))
    sheet = workbook["名册"]
    assert [c.value for c in sheet[1]] == list(roster_sheet.HEADERS)
    assert sheet.max_row == 2  # header and one example row
    explained = {row[0] for row in workbook["说明"].iter_rows(values_only=True)}
    assert set(roster_sheet.HEADERS) <= explained

    preview = upload(secretary, response.data, "roster-template.xlsx")
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "将新建" in page and "错误（" not in page
    assert apply(secretary, token_of(preview)).status_code == 200
    with app.app_context():
        created = member_by_no("GZ2024-0001")
        assert created.name == "王明" and created.home_org.name == "一支部"


def test_csv_template_is_utf8_with_bom_and_imports_cleanly(app, secretary):
    response = secretary.get("/manage/roster/template.csv")
    assert response.status_code == 200
    assert response.data.startswith(b"\xef\xbb\xbf")
    header = response.data.decode("utf-8-sig").splitlines()[0]
    assert header.split(",") == list(roster_sheet.HEADERS)
    plan = plan_for(app, "secretary", response.data, "t.csv")
    assert plan.problems == [] and plan.creates == 1


# --- create, update, unchanged -------------------------------------------------------------


def test_import_creates_accounts_without_a_usable_password(app, secretary):
    data = xlsx([["A-001", "周新", "女", "13800138000", "2001-07-01", "一支部"]])
    response = apply(secretary, token_of(upload(secretary, data)))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "名册已导入" in page and "打印激活单" in page
    with app.app_context():
        user = member_by_no("A-001")
        assert (user.username, user.role, user.gender) == ("A-001", "member", "female")
        assert user.joined_party_on == date(2001, 7, 1) and user.phone == "13800138000"
        assert user.password_hash == "" and user.must_change_password
        assert not user.is_floating and user.host_org_id is None
        assert verify_password(user.password_hash, "") is False
    # Nobody can log in to the new account until staff hand out a one-time password.
    response = post(
        secretary.application.test_client(), "/login", {"username": "A-001", "password": ""}
    )
    assert response.status_code != 302


def test_reimport_is_idempotent_and_updates_only_what_changed(app, secretary):
    first = xlsx([["A-001", "周新", "女", "13800138000", "2001-07-01", "一支部"]])
    apply(secretary, token_of(upload(secretary, first)))
    before = users_count(app)

    again = upload(secretary, first)
    assert "没有变化</dt><dd><strong>1</strong>" in again.get_data(as_text=True)
    apply(secretary, token_of(again))
    assert users_count(app) == before

    changed = xlsx([["A-001", "周新", "女", "13900139000", "2001-07-01", "一支部"]])
    preview = upload(secretary, changed).get_data(as_text=True)
    assert "将更新</dt><dd><strong>1</strong>" in preview
    assert "手机号：13800138000 → 13900139000" in preview
    assert "姓名：" not in preview  # unchanged fields are not listed
    apply(secretary, token_of(upload(secretary, changed)))
    with app.app_context():
        assert member_by_no("A-001").phone == "13900139000"
    assert users_count(app) == before


def test_update_leaves_columns_absent_from_the_file_alone(app, secretary):
    apply(
        secretary,
        token_of(upload(secretary, xlsx([["A-1", "周新", "女", "13800138000", None, "一支部"]]))),
    )
    short = xlsx([["A-1", "周欣", "一支部"]], headers=["党员编号", "姓名", "组织关系所在党组织"])
    apply(secretary, token_of(upload(secretary, short)))
    with app.app_context():
        user = member_by_no("A-1")
        assert (user.name, user.phone, user.gender) == ("周欣", "13800138000", "female")


def test_apply_twice_creates_no_duplicates(app, secretary):
    preview = upload(secretary, xlsx([["A-1", "周新", None, None, None, "一支部"]]))
    token = token_of(preview)
    apply(secretary, token)
    before = users_count(app)
    second = apply(secretary, token).get_data(as_text=True)
    assert "新建</dt><dd><strong>0</strong>" in second
    assert "没有变化</dt><dd><strong>1</strong>" in second
    assert users_count(app) == before


# --- errors ---------------------------------------------------------------------------------


def test_every_bad_row_names_row_column_and_reason(app, world):
    with app.app_context():
        db.session.get(User, world.other_member).membership_no = "TAKEN-1"
        db.session.commit()
    future = (date.today() + timedelta(days=3)).isoformat()
    headers = [*HEADERS, "流入地党组织", "是否流动党员", "外出日期", "现居城市"]
    rows = [
        [None, "无编号", None, None, None, "一支部"],  # 2
        ["B 2", "坏编号", None, None, None, "一支部"],  # 3
        ["B-3", None, None, None, None, "一支部"],  # 4
        ["B-4", "性别错", "M", None, None, "一支部"],  # 5
        ["B-5", "电话错", None, "12345", None, "一支部"],  # 6
        ["B-6", "日期错", None, None, "2001-13-01", "一支部"],  # 7
        ["B-7", "将来", None, None, future, "一支部"],  # 8
        ["B-8", "无组织", None, None, None, "不存在支部"],  # 9
        ["B-9", "流动错", None, None, None, "一支部", "驻深圳支部", "否"],  # 10
        ["B-10", "是否错", None, None, None, "一支部", None, "也许"],  # 11
        ["B-11", "同组织", None, None, None, "一支部", "一支部", "是"],  # 12
        ["B-12", "重复一", None, None, None, "一支部"],  # 13
        ["B-12", "重复二", None, None, None, "一支部"],  # 14
        ["B-13", "超长", None, None, None, "一支部", None, None, None, "城" * 51],  # 15
        ["B-14", "范围外", None, None, None, "二支部"],  # 16
        ["TAKEN-1", "别人的", None, None, None, "一支部"],  # 17
        [None, None, None, None, None, None],  # 18: blank, ignored
        ["B-16", "外出日期错", None, None, None, "一支部", None, "是", "昨天"],  # 19
    ]
    plan = plan_for(app, "secretary", xlsx(rows, headers))
    got = {(p.row, p.column) for p in plan.problems}
    assert got == {
        (2, "党员编号"),
        (3, "党员编号"),
        (4, "姓名"),
        (5, "性别"),
        (6, "手机号"),
        (7, "入党日期"),
        (8, "入党日期"),
        (9, "组织关系所在党组织"),
        (10, "是否流动党员"),
        (11, "是否流动党员"),
        (12, "流入地党组织"),
        (14, "党员编号"),
        (15, "现居城市"),
        (16, "组织关系所在党组织"),
        (17, "党员编号"),
        (19, "外出日期"),
    }
    reasons = {(p.row, p.column): p.reason for p in plan.problems}
    assert "不能为空" in reasons[(2, "党员编号")]
    assert "晚于今天" in reasons[(8, "入党日期")]
    assert "与第 13 行重复" in reasons[(14, "党员编号")]
    assert "不在您管理的范围内" in reasons[(16, "组织关系所在党组织")]
    # Outside the importer's scope: nothing about that member is revealed.
    assert reasons[(17, "党员编号")] == "该党员不在您管理的范围内"
    assert all(re.search(r"[\u4e00-\u9fff]", p.reason) for p in plan.problems)
    assert plan.creates == 1 and plan.bad_rows == 16  # B-12's first row is good


def test_ambiguous_org_name_asks_for_the_code(app, world):
    with app.app_context():
        branch = db.session.scalar(select(Organisation).where(Organisation.name == "一支部"))
        branch.code = "ORG-A1"
        create_org("一支部", "branch", create_org("另一区委", "district"))
        db.session.commit()
    plan = plan_for(
        app,
        "admin",
        xlsx(
            [["C-1", "甲", None, None, None, "一支部"], ["C-2", "乙", None, None, None, "ORG-A1"]]
        ),
    )
    assert [(p.row, p.column) for p in plan.problems] == [(2, "组织关系所在党组织")]
    assert "组织代码" in plan.problems[0].reason
    assert plan.rows[0].values["home_org"].code == "ORG-A1"


def test_errors_in_preview_page_show_row_column_reason(secretary):
    page = upload(secretary, xlsx([["D-1", "甲", "未知", None, None, "一支部"]])).get_data(
        as_text=True
    )
    assert '<td class="num">2</td><td class="nowrap">性别</td>' in page
    assert "应填“男”或“女”" in page


def test_a_file_with_errors_changes_nothing(app, secretary):
    data = xlsx(
        [["E-1", "好", None, None, None, "一支部"], ["E-2", "坏", "X", None, None, "一支部"]]
    )
    before = users_count(app)
    response = apply(secretary, token_of(upload(secretary, data)))
    page = response.get_data(as_text=True)
    assert (
        response.status_code == 200 and "没有导入任何数据" in page and "只导入没有错误的行" in page
    )
    assert users_count(app) == before


def test_only_good_rows_imports_the_good_ones(app, secretary):
    data = xlsx(
        [["E-1", "好", None, None, None, "一支部"], ["E-2", "坏", "X", None, None, "一支部"]]
    )
    response = apply(secretary, token_of(upload(secretary, data)), only_good=True)
    assert "跳过（有错误）</dt><dd><strong>1</strong>" in response.get_data(as_text=True)
    with app.app_context():
        assert member_by_no("E-1") is not None and member_by_no("E-2") is None


def test_revalidated_at_apply_time(app, secretary):
    token = token_of(upload(secretary, xlsx([["F-1", "甲", None, None, None, "一支部"]])))
    with app.app_context():  # the branch closes between preview and apply
        branch = db.session.scalar(select(Organisation).where(Organisation.name == "一支部"))
        branch.closed_at = datetime(2026, 1, 1, tzinfo=UTC)
        db.session.commit()
    page = apply(secretary, token).get_data(as_text=True)
    assert "没有导入任何数据" in page and "已撤销" in page
    with app.app_context():
        assert member_by_no("F-1") is None


def test_out_of_scope_rows_refused_and_nothing_changes(app, world, secretary):
    with app.app_context():
        other = db.session.get(User, world.other_member)
        other.membership_no, other.phone = "OUT-1", "13700000000"
        db.session.commit()
    data = xlsx(
        [
            ["OUT-1", "改名", None, "13911112222", None, "一支部"],
            ["OUT-2", "新", None, None, None, "二支部"],
        ]
    )
    before = users_count(app)
    response = apply(secretary, token_of(upload(secretary, data)), only_good=True)
    assert response.status_code == 200
    with app.app_context():
        other = db.session.get(User, world.other_member)
        assert (other.name, other.phone, other.home_org.name) == ("李党员", "13700000000", "二支部")
        assert member_by_no("OUT-2") is None
    assert users_count(app) == before


def test_host_side_may_import_its_floating_members(app, world):
    with app.app_context():
        db.session.get(User, world.floating).membership_no = "FL-1"
        db.session.commit()
    headers = ["党员编号", "姓名", "组织关系所在党组织", "流入地党组织", "现居城市"]
    plan = plan_for(
        app, "committee", xlsx([["FL-1", "陈流动", "二支部", "驻深圳支部", "深圳"]], headers)
    )
    assert plan.problems == [] and plan.updates == 1


# --- file-level refusals ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        ("roster.xls", b"\xd0\xcf\x11\xe0 old excel", "请上传 .xlsx 或 .csv"),
        ("roster.txt", b"abc", "请上传 .xlsx 或 .csv"),
        ("roster.xlsx", b"PK\x03\x04 truncated", "不是有效的 Excel 工作簿"),
        ("roster.csv", b"\xff\xfe\xff\xfe\x81", "编码无法识别"),
        (
            "roster.csv",
            "党员编号,姓名,组织关系所在党组织,籍贯\n".encode(),
            "不认识的列标题：「籍贯」",
        ),
        ("roster.csv", "党员编号,组织关系所在党组织\n".encode(), "缺少必填列：「姓名」"),
        ("roster.csv", b"", "文件是空的"),
    ],
)
def test_unreadable_files_give_one_message_and_change_nothing(
    app, secretary, filename, data, message
):
    before = users_count(app)
    response = upload(secretary, data, filename)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and message in page and "没有导入任何数据" in page
    assert 'name="token"' not in page
    assert users_count(app) == before


def test_row_limit(app, world, monkeypatch):
    monkeypatch.setattr(roster_sheet, "MAX_ROWS", 2)
    rows = [[f"G-{i}", "甲", "", "", "", "一支部"] for i in range(3)]
    with pytest.raises(roster_sheet.RosterFileError, match="超过 2 行"):
        roster_sheet.read_file("r.csv", csv_bytes(rows))


def test_xlsx_row_limit(app, world, monkeypatch):
    monkeypatch.setattr(roster_sheet, "MAX_ROWS", 2)
    rows = [[f"G-{i}", "甲", None, None, None, "一支部"] for i in range(3)]
    with pytest.raises(roster_sheet.RosterFileError, match="超过 2 行"):
        roster_sheet.read_file("r.xlsx", xlsx(rows))
    assert len(roster_sheet.read_file("r.xlsx", xlsx(rows[:2])).rows) == 2


def test_new_number_taken_as_a_username_is_an_error(app, world):
    plan = plan_for(app, "secretary", xlsx([["Member", "甲", None, None, None, "一支部"]]))
    assert [(p.row, p.column) for p in plan.problems] == [(2, "党员编号")]
    assert "已被其他账号使用" in plan.problems[0].reason


def test_gbk_csv_from_chinese_excel(app, secretary):
    data = csv_bytes(
        [["H-1", "黄国强", "男", "0571-12345678", "2001/7/1", "一支部"]], encoding="gbk"
    )
    apply(secretary, token_of(upload(secretary, data, "名册.csv")))
    with app.app_context():
        user = member_by_no("H-1")
        assert (user.name, user.phone, user.joined_party_on) == (
            "黄国强",
            "0571-12345678",
            date(2001, 7, 1),
        )


def test_dates_as_excel_dates_and_chinese_text(app, world):
    rows = [
        ["I-1", "甲", None, None, datetime(2001, 7, 1), "一支部"],
        ["I-2", "乙", None, None, "2001年7月1日", "一支部"],
        ["I-3", "丙", None, None, "2001/7/1", "一支部"],
    ]
    plan = plan_for(app, "secretary", xlsx(rows))
    assert plan.problems == []
    assert {r.values["joined_party_on"] for r in plan.rows} == {date(2001, 7, 1)}


def test_formula_looking_cells_are_stored_as_text(app, secretary):
    data = csv_bytes(
        [["J-1", "=1+2", "", "", "", "一支部"], ["J-2", "@SUM(A1)", "", "", "", "一支部"]]
    )
    apply(secretary, token_of(upload(secretary, data, "r.csv")))
    with app.app_context():
        assert member_by_no("J-1").name == "=1+2" and member_by_no("J-2").name == "@SUM(A1)"


def test_whitespace_and_full_width_spaces_are_trimmed(app, world):
    rows = [["\u3000K-1 ", " 甲\u3000", None, None, None, " 一支部\u3000"]]
    plan = plan_for(app, "secretary", xlsx(rows, [" 党员编号", "姓名\u3000", *HEADERS[2:]]))
    assert plan.problems == [] and plan.rows[0].membership_no == "K-1"
    assert plan.rows[0].values["name"] == "甲"


# --- tokens and flow events ------------------------------------------------------------------


def test_someone_elses_token_is_refused(app, world, client):
    login(client, "secretary")
    token = token_of(upload(client, xlsx([["L-1", "甲", None, None, None, "一支部"]])))
    other = app.test_client()
    login(other, "admin")
    page = apply(other, token).get_data(as_text=True)
    assert "预览已失效" in page
    with app.app_context():
        assert member_by_no("L-1") is None


def test_host_change_writes_a_flow_event(app, world, secretary):
    with app.app_context():
        member = db.session.get(User, world.member)
        member.membership_no = "M-1"
        db.session.commit()
    headers = ["党员编号", "姓名", "组织关系所在党组织", "流入地党组织", "现居城市"]
    preview = upload(secretary, xlsx([["M-1", "张党员", "一支部", "驻深圳支部", "深圳"]], headers))
    assert "流入地党组织：（空） → 驻深圳支部" in preview.get_data(as_text=True)
    apply(secretary, token_of(preview))
    with app.app_context():
        member = db.session.get(User, world.member)
        assert member.is_floating and member.host_org.name == "驻深圳支部"
        events = db.session.scalars(
            select(FlowEvent).where(FlowEvent.member_id == world.member).order_by(FlowEvent.id)
        ).all()
        assert [e.kind for e in events] == ["flow_out", "arrive"]
        assert all(e.note == "名册导入" and e.recorded_by_id == world.secretary for e in events)
        assert events[1].to_org.name == "驻深圳支部" and events[1].city == "深圳"
    # Moving to another host is a change_host; going back home is a return.
    headers2 = [*headers, "是否流动党员"]
    apply(
        secretary,
        token_of(upload(secretary, xlsx([["M-1", "张党员", "一支部", "", "", "否"]], headers2))),
    )
    with app.app_context():
        kinds = db.session.scalars(
            select(FlowEvent.kind).where(FlowEvent.member_id == world.member).order_by(FlowEvent.id)
        ).all()
        assert kinds == ["flow_out", "arrive", "return"]
        assert not db.session.get(User, world.member).is_floating


def test_old_uploads_are_removed(app, world, tmp_path):
    import os
    import time

    folder = tmp_path / "roster"
    with app.app_context():
        owner = db.session.get(User, world.secretary)
        old = uploads.stage(folder, owner.id, "a.csv", b"x")
        stale = time.time() - 2 * 86400
        for path in folder.iterdir():
            os.utime(path, (stale, stale))
        new = uploads.stage(folder, owner.id, "b.csv", b"y")
        assert uploads.staged(folder, owner.id, old) is None
        assert uploads.staged(folder, owner.id, new) == ("b.csv", b"y")


def test_parallel_double_apply_creates_each_member_once(committed_app):
    import threading

    from tests.factories import build_world

    with committed_app.app_context():
        build_world()
    clients = [committed_app.test_client() for _ in range(2)]
    for client in clients:
        login(client, "secretary")
    rows = [[f"P-{i}", f"党员{i}", None, None, None, "一支部"] for i in range(50)]
    token = token_of(upload(clients[0], xlsx(rows)))
    tokens = [csrf_token(client) for client in clients]
    barrier = threading.Barrier(2)
    statuses: list[int] = []
    errors: list[BaseException] = []
    pages: list[str] = []

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            response = clients[index].post(
                "/manage/roster/apply", data={"token": token, "csrf_token": tokens[index]}
            )
            statuses.append(response.status_code)
            pages.append(response.get_data(as_text=True))
        except BaseException as exc:  # reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == [] and statuses == [200, 200]
    # One of them created everyone; the other found them unchanged or was told to confirm again.
    assert sum("新建</dt><dd><strong>50</strong>" in page for page in pages) == 1
    assert all("名册已导入" in page or "同时导入" in page for page in pages), pages
    with committed_app.app_context():
        count = db.session.scalar(
            select(func.count()).select_from(User).where(User.membership_no.like("P-%"))
        )
        assert count == 50


def test_roster_files_above_the_site_upload_limit_reach_the_roster_checks(app, secretary):
    """Other forms stop at 2 MB; a roster may be up to 10 MB and is judged by its own rules."""
    rows = [
        [f"QC{n:06d}", "张三", "男", "13800000000", "2001-07-01", "一支部"] for n in range(60_000)
    ]
    data = csv_bytes(rows)
    assert 2 * 1024 * 1024 < len(data) < config.DEFAULTS["ROSTER_MAX_MB"] * uploads.MB
    before = users_count(app)
    # Encoded in memory: for a large file the test client spools to a file it never closes.
    boundary, body = encode_multipart(
        {"file": FileStorage(io.BytesIO(data), "big.csv"), "csrf_token": csrf_token(secretary)}
    )
    response = secretary.post(
        "/manage/roster/preview",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 200
    assert f"文件超过 {roster_sheet.MAX_ROWS} 行" in response.get_data(as_text=True)
    assert users_count(app) == before


def test_other_forms_keep_the_site_upload_limit(client, world):
    login(client, "member")
    response = post(client, "/account/password", {"current": "x" * (3 * 1024 * 1024)})
    assert response.status_code == 413
