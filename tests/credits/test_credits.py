"""Group credit through the pages: each way of choosing members, the dry run, the dedupe
message, evidence, scope and corrections. Every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from openpyxl import Workbook
from PIL import Image
from sqlalchemy import func, select

from school.archive import services as archive
from school.archive.models import ArchiveEntry, YearProgress
from school.auth.models import User
from school.clock import local_today
from school.credits.models import CreditBatch, CreditBatchMember
from school.db import db
from school.orgs.models import AuditEntry
from school.orgs.services import find_org
from tests.conftest import csrf_token, login, post
from tests.factories import make_user

NUMBERS = {"member": "A001", "secretary": "A002", "viewer": "A003", "other": "B001"}


@pytest.fixture
def numbered(app, world):
    """Membership numbers for 一支部's members and 二支部's 李党员."""
    with app.app_context():
        for username, number in NUMBERS.items():
            db.session.scalar(select(User).where(User.username == username)).membership_no = number
        db.session.commit()
    return world


def _as(app, username: str):
    """A client of its own, logged in (logging in again on one client keeps the first user)."""
    client = app.test_client()
    login(client, username)
    return client


def _day() -> date:
    return local_today() - timedelta(days=1)


def _form(org: str = "一支部", **extra) -> dict:
    with_org = {
        "kind": "party_lecture",
        "title": "学习党章",
        "held_on": _day().isoformat(),
        "hours": "2",
        "note": "支部书记讲党课",
    }
    return {**with_org, **extra, "org_id": str(find_org(org).id)}


def _preview(client, app, org: str = "一支部", **extra):
    with app.app_context():
        data = _form(org, **extra)
    return post(client, "/manage/credits/preview", data, content_type="multipart/form-data")


def _token(response) -> str:
    match = re.search(r'name="token" value="([^"]+)"', response.get_data(as_text=True))
    assert match, response.get_data(as_text=True)
    return match.group(1)


def _confirm(client, token: str):
    return post(client, "/manage/credits/confirm", {"token": token})


def _ids(app, *usernames: str) -> list[int]:
    with app.app_context():
        return [
            db.session.scalar(select(User.id).where(User.username == name)) for name in usernames
        ]


def _counts(app) -> tuple[int, int, int, int]:
    with app.app_context():
        return (
            db.session.scalar(select(func.count(ArchiveEntry.id))),
            db.session.scalar(select(func.count(CreditBatch.id))),
            db.session.scalar(select(func.count(CreditBatchMember.batch_id))),
            db.session.scalar(select(func.count(AuditEntry.id))),
        )


def _hours(app, username: str) -> Decimal:
    with app.app_context():
        member_id = _ids(app, username)[0]
        row = db.session.get(YearProgress, (member_id, _day().year))
        return row.hours if row else Decimal(0)


def _credited(app) -> dict[str, list[str]]:
    """Who holds a group entry, by username, with the name of who recorded it."""
    with app.app_context():
        rows = db.session.execute(
            select(User.username, ArchiveEntry.recorded_by_id)
            .join(ArchiveEntry, ArchiveEntry.member_id == User.id)
            .where(ArchiveEntry.dedupe_key.like("group:%"))
        ).all()
        return {
            name: [db.session.get(User, by).name for n, by in rows if n == name] for name, _ in rows
        }


def test_ticked_members_are_credited_once_with_one_audit_line(app, client, numbered):
    client = _as(app, "secretary")
    member, viewer = _ids(app, "member", "viewer")
    before = _counts(app)
    response = _preview(client, app, how="tick", member_ids=[str(member), str(viewer)])
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "确认记入 2 人" in page and "张党员" in page and "孙查看" in page
    assert _counts(app) == before  # the preview writes nothing
    response = _confirm(client, _token(response))
    assert response.status_code == 302
    assert _credited(app) == {"member": ["赵书记"], "viewer": ["赵书记"]}
    assert _hours(app, "member") == Decimal(2)
    entries, batches, members, audits = _counts(app)
    assert (entries, batches, members, audits) == (before[0] + 2, 1, 2, before[3] + 1)
    with app.app_context():
        batch = db.session.scalar(select(CreditBatch))
        assert (batch.credited, batch.kind, batch.org.name) == (2, "party_lecture", "一支部")
        audit = db.session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()))
        assert audit.action == "credit.batch" and "记入 2 人" in audit.detail
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已记入 2 名党员的学时" in page and "张党员" in page and "孙查看" in page
    # The member's archive says who credited it and when.
    client = _as(app, "member")
    page = client.get("/archive/").get_data(as_text=True)
    assert "三会一课·党课：学习党章（一支部）" in page
    with app.app_context():
        today = local_today().isoformat()
    assert f"由 赵书记 于 {today} 记入" in page


def test_a_whole_branch_is_credited_from_the_branch_choice(app, client, numbered):
    client = _as(app, "secretary")
    with app.app_context():
        branch = str(find_org("一支部").id)
    response = _preview(client, app, how="branch", branch_id=branch)
    assert "确认记入 3 人" in response.get_data(as_text=True)  # 张党员, 赵书记, 孙查看
    assert _confirm(client, _token(response)).status_code == 302
    assert sorted(_credited(app)) == ["member", "secretary", "viewer"]


def test_pasted_numbers_separated_by_lines_commas_and_spaces(app, client, numbered):
    client = _as(app, "secretary")
    response = _preview(client, app, how="numbers", numbers="A001，A002\n A003 ")
    assert "确认记入 3 人" in response.get_data(as_text=True)
    assert _confirm(client, _token(response)).status_code == 302
    assert sorted(_credited(app)) == ["member", "secretary", "viewer"]


def _xlsx(rows: list[list[str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_attendance_spreadsheet_credits_its_rows(app, client, numbered):
    client = _as(app, "secretary")
    data = _xlsx([["姓名", "党员编号"], ["张党员", "A001"], [None, None], ["孙查看", "A003"]])
    response = _preview(client, app, how="sheet", sheet=(io.BytesIO(data), "签到表.xlsx"))
    assert "确认记入 2 人" in response.get_data(as_text=True)
    assert _confirm(client, _token(response)).status_code == 302
    assert sorted(_credited(app)) == ["member", "viewer"]


def test_every_row_error_is_named_and_nothing_is_written(app, client, numbered):
    with app.app_context():
        gone = make_user("gone", "离开", home_org=find_org("一支部"))
        gone.membership_no, gone.active = "A009", False
        db.session.commit()
    client = _as(app, "secretary")
    sheet = (
        "党员编号,姓名\n"
        "A001,张党员\n"  # row 2: fine
        "Z999,某某\n"  # row 3: unknown number
        "A003,王五\n"  # row 4: name does not match
        "B001,李党员\n"  # row 5: 二支部, outside the secretary's organisations
        "A001,张党员\n"  # row 6: twice
        ",孤名\n"  # row 7: no number
        "A009,离开\n"  # row 8: a disabled account
    ).encode()
    before = _counts(app)
    response = _preview(client, app, how="sheet", sheet=(io.BytesIO(sheet), "sign-in.csv"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    for expected in (
        "第 3 行：党员编号 Z999 不存在",
        "第 4 行：姓名“王五”与党员编号 A003 的党员不符",
        "第 5 行：党员编号 B001 的党员不在您管理的党组织内",
        "第 6 行：党员编号 A001 重复（与第 2 行相同）",
        "第 7 行：缺少党员编号",
        "第 8 行：党员编号 A009 的账号已停用",
    ):
        assert expected in page
    assert "不会记入任何学时" in page and "确认记入" not in page
    # A confirmation of this preview (a forged button) writes nothing either.
    token = re.search(r"/manage/credits/confirm", page)
    assert token is None
    with app.app_context():
        staged = list(
            (
                app.config["UPLOAD_DIR"]
                and __import__("pathlib").Path(app.config["UPLOAD_DIR"]) / "credits-staging"
            ).glob("*.upload")
        )
    assert len(staged) == 1
    response = _confirm(client, staged[0].stem)
    assert response.status_code == 409 and "没有记入任何学时" in response.get_data(as_text=True)
    assert _counts(app) == before


def test_a_member_credited_before_is_named_with_who_recorded_it_and_skipped(app, client, numbered):
    client = _as(app, "secretary")
    member = _ids(app, "member")[0]
    first = _preview(client, app, how="tick", member_ids=[str(member)])
    assert _confirm(client, _token(first)).status_code == 302
    client = _as(app, "admin")
    response = _preview(client, app, how="numbers", numbers="A001 A003")
    page = response.get_data(as_text=True)
    assert "已由 赵书记 于" in page and "记录，不重复记入" in page
    assert "确认记入 1 人" in page and "只记入其余 1 人" in page
    assert _confirm(client, _token(response)).status_code == 302
    assert _credited(app) == {"member": ["赵书记"], "viewer": ["管理员"]}
    assert _hours(app, "member") == Decimal(2)
    # Everyone already has it: nothing to confirm, and a forged confirmation writes nothing.
    again = _preview(client, app, how="numbers", numbers="A001\nA003")
    assert "都已记录过这次学习" in again.get_data(as_text=True)
    before = _counts(app)
    staged = re.search(r'name="token"', again.get_data(as_text=True))
    assert staged is None
    assert _counts(app) == before


def test_confirming_twice_credits_once(app, client, numbered):
    client = _as(app, "secretary")
    member = _ids(app, "member")[0]
    token = _token(_preview(client, app, how="tick", member_ids=[str(member)]))
    assert _confirm(client, token).status_code == 302
    before = _counts(app)
    response = _confirm(client, token)
    assert response.status_code == 410 and "预览已失效" in response.get_data(as_text=True)
    assert _counts(app) == before


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, "PNG")
    return out.getvalue()


def test_evidence_is_re_encoded_and_a_file_that_is_not_an_image_is_refused(app, client, numbered):
    client = _as(app, "secretary")
    member = _ids(app, "member")[0]
    before = _counts(app)
    response = _preview(
        client,
        app,
        how="tick",
        member_ids=[str(member)],
        evidence=(io.BytesIO(b"%PDF-1.4 not a photo"), "sheet.jpg"),
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "凭证照片：只能上传 JPG、PNG、GIF 或 WebP 图片" in page and "学习党章" in page
    assert _counts(app) == before
    response = _preview(
        client, app, how="tick", member_ids=[str(member)], evidence=(io.BytesIO(_png()), "a.png")
    )
    location = _confirm(client, _token(response)).headers["Location"]
    page = client.get(location).get_data(as_text=True)
    assert "凭证照片" in page
    with client.get(f"{location}/evidence") as photo:
        assert photo.status_code == 200 and photo.mimetype == "image/png"
        assert photo.data != _png()  # re-encoded, not the bytes sent


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("kind", "dance", "请选择学习类别"),
        ("title", " ", "请填写学习内容"),
        ("hours", "0", "学时应大于 0、不超过 24"),
        ("hours", "1.25", "最多保留一位小数"),
        ("held_on", "2999-01-01", "日期不能晚于今天"),
    ],
)
def test_a_wrong_field_is_named_and_nothing_is_staged(app, client, numbered, field, value, message):
    client = _as(app, "secretary")
    member = _ids(app, "member")[0]
    response = _preview(client, app, how="tick", member_ids=[str(member)], **{field: value})
    assert response.status_code == 422 and message in response.get_data(as_text=True)


def test_scope_refusals_write_nothing(app, client, numbered):
    client = _as(app, "secretary")
    other, member = _ids(app, "other", "member")
    before = _counts(app)
    # A study held by another branch.
    response = _preview(client, app, org="二支部", how="tick", member_ids=[str(member)])
    assert response.status_code == 422 and "请选择您管理的党组织" in response.get_data(as_text=True)
    # A member of another branch slipped into the ticked list.
    response = _preview(client, app, how="tick", member_ids=[str(member), str(other)])
    page = response.get_data(as_text=True)
    assert "第 2 人：该党员不在您管理的党组织内" in page and "确认记入" not in page
    # All of another branch.
    with app.app_context():
        branch = str(find_org("二支部").id)
    response = _preview(client, app, how="branch", branch_id=branch)
    assert response.status_code == 422 and "请选择您管理的支部" in response.get_data(as_text=True)
    assert _counts(app) == before
    # Viewers read but do not credit.
    client = _as(app, "viewer")
    assert _preview(client, app, how="tick", member_ids=[str(member)]).status_code == 403
    assert _counts(app) == before


def test_a_correction_takes_the_hours_back_in_every_total_and_keeps_the_entry(
    app, client, numbered
):
    client = _as(app, "secretary")
    member, viewer = _ids(app, "member", "viewer")
    location = _confirm(
        client, _token(_preview(client, app, how="tick", member_ids=[str(member), str(viewer)]))
    ).headers["Location"]
    with app.app_context():
        entry = db.session.scalar(
            select(ArchiveEntry).where(
                ArchiveEntry.member_id == member, ArchiveEntry.kind == "offline"
            )
        )
        entry_id, title = entry.id, entry.title
    url = f"/manage/credits/entries/{entry_id}/correct"
    before = _counts(app)
    response = post(client, url, {"reason": "  "})
    assert response.status_code == 422 and "请填写更正原因" in response.get_data(as_text=True)
    assert _counts(app) == before
    response = post(client, url, {"reason": "当天请假，未参加"})
    assert response.status_code == 302 and response.headers["Location"] == location
    assert _hours(app, "member") == 0 and _hours(app, "viewer") == Decimal(2)
    with app.app_context():
        original = db.session.get(ArchiveEntry, entry_id)
        assert (original.kind, original.hours, original.title) == ("offline", 2, title)
        correction = archive.correction_of(original)
        assert (correction.hours, correction.reason) == (-2, "当天请假，未参加")
        assert archive.year_summary(db.session.get(User, member), _day().year).hours == 0
        audit = db.session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()))
        assert audit.action == "credit.correct" and "当天请假，未参加" in audit.detail
    # At most one correction.
    again = post(client, url, {"reason": "再来一次"})
    assert "已于" in again.get_data(as_text=True) or "已经更正过" in again.get_data(as_text=True)
    assert _hours(app, "member") == 0
    # The batch and the member's archive show it struck through, with the reason.
    assert "已更正：当天请假，未参加" in client.get(location).get_data(as_text=True)
    page = client.get(f"/archive/members/{member}").get_data(as_text=True)
    assert f"<del>{title}</del>" in page and "已更正，不计学时：当天请假，未参加" in page
    # The committee does not manage 张党员: the entry is not theirs to correct.
    client = _as(app, "committee")
    assert post(client, url, {"reason": "越权"}).status_code == 404


def test_online_entries_are_not_corrected(app, client, numbered):
    with app.app_context():
        from school.courses import services as courses

        member = db.session.get(User, _ids(app, "member")[0])
        course = courses.get_course("rules")
        courses.complete_lesson(member, courses.get_lesson(course, "one"))
        db.session.commit()
        entry_id = db.session.scalar(select(ArchiveEntry.id).where(ArchiveEntry.kind == "lesson"))
    client = _as(app, "secretary")
    response = post(client, f"/manage/credits/entries/{entry_id}/correct", {"reason": "错"})
    assert response.status_code == 422 and "只能更正线下学习记录" in response.get_data(as_text=True)


def test_the_archive_offers_correction_to_staff_who_manage_the_member_only(app, client, numbered):
    client = _as(app, "secretary")
    member = _ids(app, "member")[0]
    _confirm(client, _token(_preview(client, app, how="tick", member_ids=[str(member)])))
    assert "/correct" in client.get(f"/archive/members/{member}").get_data(as_text=True)
    client = _as(app, "viewer")
    assert "/correct" not in client.get(f"/archive/members/{member}").get_data(as_text=True)
    client = _as(app, "member")
    assert "/correct" not in client.get("/archive/").get_data(as_text=True)


def test_the_list_of_batches_follows_scope(app, client, numbered):
    client = _as(app, "secretary")
    member = _ids(app, "member")[0]
    _confirm(client, _token(_preview(client, app, how="tick", member_ids=[str(member)])))
    assert "学习党章" in client.get("/manage/credits/").get_data(as_text=True)
    assert "集体学习记录" in client.get("/manage/credits/new").get_data(as_text=True)
    client = _as(app, "committee")
    assert "学习党章" not in client.get("/manage/credits/").get_data(as_text=True)


def test_crediting_runs_the_same_statements_for_few_members_or_many(
    app, numbered, count_statements
):
    """The write is set-based: confirming a batch of 40 members runs exactly the statements a
    batch of 3 runs (one insert of entries, one upsert of year rows, one per rollup table ...)."""

    def confirm(kind: str) -> list[str]:
        client = _as(app, "secretary")
        token = _token(_preview(client, app, how="branch", branch_id=branch_id, kind=kind))
        response, statements = count_statements(
            client, "/manage/credits/confirm", {"token": token, "csrf_token": csrf_token(client)}
        )
        assert response.status_code == 302
        return statements

    with app.app_context():
        branch = find_org("一支部")
        branch_id = str(branch.id)
    few = confirm("party_lecture")
    with app.app_context():
        for i in range(37):
            make_user(f"extra{i}", f"党员{i}", home_org=find_org("一支部"))
        db.session.commit()
    many = confirm("theme_day")
    with app.app_context():
        credited = db.session.scalars(select(CreditBatch.credited).order_by(CreditBatch.id))
        assert list(credited) == [3, 40]
    assert len(many) == len(few), (few, many)
