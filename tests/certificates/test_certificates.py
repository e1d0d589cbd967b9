"""Certificates: issued once when a course, a class or a campaign is completed; a printable page
and a PDF; a public verification that shows only what the certificate says; revocation by the
issuing organisation's managers; every refusal changes nothing."""

from __future__ import annotations

from datetime import time, timedelta
from decimal import Decimal

import pytest
from fpdf import FPDF
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from school.archive import services as archive
from school.auth.models import User
from school.certificates import pdf, services
from school.certificates.models import Certificate
from school.classes import services as classes
from school.classes.models import ClassSession, TrainingClass
from school.classes.services import ClassFields
from school.clock import local_today
from school.courses import services as courses
from school.courses.models import Course
from school.db import db, utcnow
from school.notifications.models import Notification
from school.orgs.models import AuditEntry
from school.orgs.services import find_org
from tests.campaigns.factories import make_campaign
from tests.conftest import login, post


def _user(world_id: int) -> User:
    return db.session.get(User, world_id)


def _rules() -> Course:
    return db.session.scalar(select(Course).where(Course.slug == "rules"))


def _count() -> int:
    return db.session.scalar(select(func.count(Certificate.id)))


def _finish(member: User, course: Course) -> None:
    for lesson in course.lessons:
        if lesson.required:
            courses.complete_lesson(member, lesson)


def _class(world, *, share: int | None, sessions: int = 2) -> tuple[int, list[int]]:
    secretary = _user(world.secretary)
    fields = ClassFields(
        title="春节返乡培训班",
        kind="homecoming",
        place="南山镇党群服务中心",
        certificate_share=share,
    )
    training_class = classes.create_class(secretary, find_org("一支部"), fields)
    ids = [
        classes.add_session(
            secretary,
            training_class,
            title=f"第{n + 1}讲",
            day=local_today() - timedelta(days=sessions - n),
            start=time(9),
            end=time(11, 30),
            hours=Decimal("2.5"),
        ).id
        for n in range(sessions)
    ]
    classes.enrol(training_class, _user(world.member), secretary)
    return training_class.id, ids


def _attend(world, session_id: int) -> None:
    classes.check_in(
        db.session.get(ClassSession, session_id),
        _user(world.member),
        _user(world.secretary),
        "hand",
    )


@pytest.fixture
def class_certificate(app, world) -> Certificate:
    """张党员 attended both sessions of a class that certifies full attendance."""
    with app.app_context():
        member = _user(world.member)
        member.membership_no, member.phone = "YZ0099", "13800001234"
        class_id, (first, second) = _class(world, share=100)
        _attend(world, first)
        _attend(world, second)
        db.session.commit()
        return services.valid_certificate(_user(world.member), "class", class_id).id


# --- issuing ---------------------------------------------------------------------------------


def test_a_class_certifies_attendance_once_it_reaches_the_share(app, world):
    with app.app_context():
        class_id, (first, second) = _class(world, share=100)
        _attend(world, first)
        assert _count() == 0  # one of two sessions is 50 %
        _attend(world, second)
        _attend(world, second)  # scanned again: nothing more
        certificate = services.valid_certificate(_user(world.member), "class", class_id)
        assert _count() == 1
        assert certificate.title == "春节返乡培训班"
        assert certificate.detail == "春节返乡培训，出勤 2/2 场"
        assert certificate.hours == Decimal(5)
        assert certificate.member_name == "张党员"
        assert certificate.issuer_name == "一支部"
        assert certificate.completed_on == local_today() - timedelta(days=1)
        # The member is told, with a link to it.
        [told] = db.session.scalars(
            select(Notification).where(
                Notification.user_id == world.member, Notification.kind == "certificate"
            )
        ).all()
        assert told.url == f"/certificates/{certificate.id}"
        assert "培训证明：春节返乡培训班" in told.text


def test_a_lower_share_certifies_sooner_and_no_share_never(app, world):
    with app.app_context():
        half_id, (first, _) = _class(world, share=50)
        none_id, (other, _) = _class(world, share=None)
        _attend(world, first)
        _attend(world, other)
        member = _user(world.member)
        assert services.valid_certificate(member, "class", half_id).hours == Decimal("2.5")
        assert services.valid_certificate(member, "class", none_id) is None


def test_a_course_that_gives_one_certifies_its_completion(app, world):
    with app.app_context():
        course = _rules()
        course.certificate = True
        member = _user(world.member)
        _finish(member, course)
        certificate = services.valid_certificate(member, "course", course.id)
        assert certificate is not None and certificate.title == course.title
        assert certificate.hours == course.hours
        assert certificate.issuer_name == "网上党校"  # a whole-school course
        # Another member completing a course that gives none gets nothing.
        course.certificate = False
        _finish(_user(world.secretary), course)
        assert _count() == 1


def test_a_campaign_certifies_those_who_finish_it(app, world):
    with app.app_context():
        course = _rules()
        make_campaign(
            _user(world.secretary), "一支部", "一支部", courses=[(course, True)], certificate=True
        )
        member = _user(world.member)
        assert _count() == 0
        _finish(member, course)
        campaign_certificates = db.session.scalars(
            select(Certificate).where(Certificate.kind == "campaign")
        ).all()
        assert [c.member_id for c in campaign_certificates] == [member.id]
        assert campaign_certificates[0].detail == "完成全部 1 项必修内容"
        assert campaign_certificates[0].hours == course.hours


def test_a_campaign_launched_after_the_work_was_done_certifies_at_once(app, world):
    with app.app_context():
        course = _rules()
        member = _user(world.member)
        _finish(member, course)
        make_campaign(
            _user(world.secretary), "一支部", "一支部", courses=[(course, True)], certificate=True
        )
        certificate = db.session.scalar(select(Certificate).where(Certificate.kind == "campaign"))
        assert certificate is not None and certificate.member_id == member.id
        # A campaign that gives none leaves nothing, finished or not.
        make_campaign(
            _user(world.secretary), "一支部", "一支部", courses=[(course, True)], title="另一项"
        )
        assert _count() == 1


def test_group_credit_that_finishes_a_campaign_certifies_in_one_go(app, world):
    with app.app_context():
        secretary = _user(world.secretary)
        make_campaign(secretary, "一支部", "一支部", hours=Decimal(2), certificate=True)
        members = [world.member, world.viewer, world.other_member]  # the last: 二支部
        archive.append_offline_many(
            members,
            title="三会一课：党课",
            hours=Decimal(2),
            completed_at=utcnow(),
            recorded_by=secretary,
            dedupe_key="group:test",
        )
        certified = db.session.scalars(
            select(Certificate.member_id).where(Certificate.kind == "campaign")
        ).all()
        # 二支部's member studied too, but the campaign is 一支部's.
        assert sorted(certified) == sorted([world.member, world.viewer])


def test_one_valid_certificate_per_member_and_source(app, world, class_certificate):
    with app.app_context():
        certificate = db.session.get(Certificate, class_certificate)
        twin = Certificate(
            code=services.new_code(),
            member_id=certificate.member_id,
            kind="class",
            source_id=certificate.source_id,
            member_name="张党员",
            title="x",
            hours=Decimal(1),
            completed_on=local_today(),
            issuer_name="x",
        )
        with pytest.raises(IntegrityError), db.session.begin_nested():
            db.session.add(twin)
        again = services.issue(
            _user(world.member),
            kind="class",
            source_id=certificate.source_id,
            title="x",
            detail="",
            hours=Decimal(1),
            completed_on=local_today(),
            issuer=None,
        )
        assert again is None and _count() == 1


# --- codes -----------------------------------------------------------------------------------


def test_codes_are_random_and_read_back_forgivingly():
    codes = {services.new_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(len(c) == 12 and set(c) <= set(services.ALPHABET) for c in codes)
    assert services.normalise_code(" abcd-efgh-jkmn ") == "ABCDEFGHJKMN"
    # O, I and L are read as the digits they look like (Crockford's base 32 has no such letters).
    assert services.normalise_code("ABCD-EFGH-JKMO") == "ABCDEFGHJKM0"
    assert services.normalise_code("IL00-0000-0000") == "110000000000"
    for bad in ("", "ABCD", "ABCD-EFGH-JKMN-P", "ABCD-EFGH-JKM!", "ABCD-EFGH-JKMU", "<script>"):
        assert services.normalise_code(bad) is None


def test_names_are_masked_for_the_public():
    assert services.masked_name("张党员") == "张*员"
    assert services.masked_name("欧阳晓明") == "欧**明"
    assert services.masked_name("王五") == "王*"
    assert services.masked_name("丁") == "丁"


# --- verification ------------------------------------------------------------------------------


def _code(app, certificate_id: int) -> str:
    with app.app_context():
        return db.session.get(Certificate, certificate_id).printed_code


def test_anyone_verifies_a_genuine_code_and_learns_only_what_it_certifies(
    app, client, class_certificate
):
    code = _code(app, class_certificate)
    response = client.get(f"/verify/{code}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "证书真实有效" in page
    assert "张*员" in page and "张党员" not in page
    assert "春节返乡培训班" in page and "5 学时" in page and "一支部" in page
    # Nothing else about the member: no membership number, phone or organisation.
    assert "YZ0099" not in page and "13800001234" not in page and "一支部的党员" not in page
    assert response.headers["Cache-Control"] == "no-store"
    # Typed by hand: lower case, no dashes, spaces.
    typed = client.get("/verify", query_string={"code": code.lower().replace("-", " ")})
    assert typed.status_code == 302 and typed.headers["Location"].endswith(f"/verify/{code}")


@pytest.mark.parametrize("forged", ["ABCD-2345-WXYZ", "not-a-code", "A" * 40, "<b>x"])
def test_a_forged_code_is_not_found(app, client, class_certificate, forged):
    response = client.get(f"/verify/{forged}")
    page = response.get_data(as_text=True)
    assert response.status_code == 404 and "没有找到这份证书" in page
    assert "春节返乡培训班" not in page and "<b>x" not in page


def test_a_revoked_certificate_verifies_as_revoked(app, client, world, class_certificate):
    code = _code(app, class_certificate)
    login(client, "secretary")
    response = post(client, f"/certificates/{class_certificate}/revoke", {"reason": "出勤记录有误"})
    assert response.status_code == 302
    with app.app_context():
        certificate = db.session.get(Certificate, class_certificate)
        assert certificate.is_revoked and certificate.revoke_reason == "出勤记录有误"
        assert certificate.revoked_by_id == world.secretary
        audit = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "certificate.revoke")
        )
        assert "出勤记录有误" in audit.detail and audit.user_id == world.member
    client.get("/logout")
    page = client.get(f"/verify/{code}").get_data(as_text=True)
    assert "这份证书已撤销" in page and "证书真实有效" not in page
    # The reason is for the school, not for whoever holds the code.
    assert "出勤记录有误" not in page


def test_after_a_revocation_a_new_certificate_can_be_issued(app, world, class_certificate):
    with app.app_context():
        old = db.session.get(Certificate, class_certificate)
        services.revoke(old, _user(world.secretary), "重新核定")
        training_class = db.session.get(TrainingClass, old.source_id)
        session = classes.add_session(
            _user(world.secretary),
            training_class,
            title="补课",
            day=local_today(),
            start=time(14),
            end=time(16),
            hours=Decimal(2),
        )
        _attend(world, session.id)
        new = services.valid_certificate(_user(world.member), "class", training_class.id)
        assert new is not None and new.id != old.id and new.code != old.code
        assert new.detail.endswith("出勤 3/3 场")


# --- revocation refusals -------------------------------------------------------------------------


def _state(app, certificate_id: int) -> tuple:
    with app.app_context():
        c = db.session.get(Certificate, certificate_id)
        audits = db.session.scalar(select(func.count(AuditEntry.id)))
        return c.revoked_at, c.revoked_by_id, c.revoke_reason, audits


@pytest.mark.parametrize(
    ("username", "status"),
    [("member", 403), ("viewer", 403), ("committee", 404), ("other", 404), ("instructor", 404)],
)
def test_who_may_not_revoke_changes_nothing(app, client, class_certificate, username, status):
    before = _state(app, class_certificate)
    login(client, username)
    response = post(client, f"/certificates/{class_certificate}/revoke", {"reason": "不对"})
    assert response.status_code == status
    assert _state(app, class_certificate) == before


def test_a_revocation_needs_a_reason_and_a_token_and_happens_once(app, client, class_certificate):
    before = _state(app, class_certificate)
    login(client, "secretary")
    url = f"/certificates/{class_certificate}/revoke"
    assert client.post(url, data={"reason": "没有令牌"}).status_code == 400
    response = post(client, url, {"reason": "  "}, follow_redirects=True)
    assert "请填写撤销原因" in response.get_data(as_text=True)
    assert _state(app, class_certificate) == before
    post(client, url, {"reason": "第一次"})
    revoked = _state(app, class_certificate)
    response = post(client, url, {"reason": "第二次"}, follow_redirects=True)
    assert response.status_code == 403  # the page no longer offers it: nothing to revoke
    assert _state(app, class_certificate) == revoked


# --- pages ----------------------------------------------------------------------------------------


def test_the_member_finds_it_in_the_archive_and_prints_it(app, client, world, class_certificate):
    login(client, "member")
    archive = client.get("/archive/").get_data(as_text=True)
    assert f'href="/certificates/{class_certificate}"' in archive
    assert "培训证明：春节返乡培训班" in archive
    page = client.get(f"/certificates/{class_certificate}")
    text = page.get_data(as_text=True)
    code = _code(app, class_certificate)
    assert page.status_code == 200 and "张党员 同志" in text and code in text
    assert f"/verify/{code}" in text and 'class="qr"' in text
    assert "撤销这份证书" not in text  # the member may not revoke
    assert "no-store" in page.headers["Cache-Control"]


def test_another_member_neither_sees_it_nor_finds_it(app, client, class_certificate):
    login(client, "other")
    assert client.get(f"/certificates/{class_certificate}").status_code == 404
    assert client.get(f"/certificates/{class_certificate}.pdf").status_code == 404


def test_the_class_page_counts_them_and_lists_them(app, client, world, class_certificate):
    with app.app_context():
        class_id = db.session.get(Certificate, class_certificate).source_id
    login(client, "secretary")
    staff = client.get(f"/manage/classes/{class_id}").get_data(as_text=True)
    assert "出勤达到 100% 颁发" in staff and "已颁发 1 份" in staff
    listing = client.get(f"/manage/certificates/class/{class_id}").get_data(as_text=True)
    assert "张党员" in listing and _code(app, class_certificate) in listing


def test_the_pdf_embeds_its_font(app, client, class_certificate):
    font = pdf.font_for(app.config["CERTIFICATE_FONT"])
    # Not a skip: a certificate test that silently does not run is worse than a red build.
    assert font is not None, "no font with Chinese characters: install fonts-noto-cjk"
    login(client, "member")
    page = client.get(f"/certificates/{class_certificate}").get_data(as_text=True)
    assert f"/certificates/{class_certificate}.pdf" in page
    response = client.get(f"/certificates/{class_certificate}.pdf")
    body = response.get_data()
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert body.startswith(b"%PDF-") and body.rstrip().endswith(b"%%EOF")
    assert b"/FontFile" in body  # the characters used travel with the file
    # The document's title (UTF-16, as PDF keeps text outside the page) names the code.
    assert _code(app, class_certificate).encode("utf-16-be").hex().upper().encode() in body.upper()
    assert "attachment" in response.headers["Content-Disposition"]


def test_without_a_chinese_font_the_page_prints_and_offers_no_pdf(
    app, client, class_certificate, tmp_path
):
    app.config["CERTIFICATE_FONT"] = str(tmp_path / "missing.ttf")
    login(client, "member")
    page = client.get(f"/certificates/{class_certificate}").get_data(as_text=True)
    assert "打印" in page and ".pdf" not in page
    assert client.get(f"/certificates/{class_certificate}.pdf").status_code == 404


def test_pdf_lines_keep_closing_punctuation_off_the_start_of_a_line(app):
    font = pdf.font_for(app.config["CERTIFICATE_FONT"])
    assert font is not None, "no font with Chinese characters: install fonts-noto-cjk"
    document = FPDF()
    document.add_font("cjk", "", font[0], collection_font_number=font[1])
    document.set_font("cjk", size=16)
    width = document.get_string_width("字" * 10)
    # Ten characters fit a line, the first line two fewer (its indent): the comma would open the
    # second line, so it hangs at the end of the first.
    lines = pdf._lines(document, "一二三四五六七八，九十甲乙丙丁戊己庚辛。", width)
    pdf.release_fonts(document)
    assert lines == ["一二三四五六七八，", "九十甲乙丙丁戊己庚辛。"]
    assert not any(line[0] in pdf.NO_LINE_START for line in lines)


@pytest.mark.parametrize("config_overrides", [{"RATELIMIT_ENABLED": True}])
def test_guessing_codes_is_rate_limited(app, client, class_certificate):
    """Sixty tries a minute from one address: 60 random bits are not found by guessing."""
    statuses = [client.get(f"/verify/ABCD-2345-WX{n:02d}").status_code for n in range(60)]
    assert statuses == [404] * 60
    assert client.get(f"/verify/{_code(app, class_certificate)}").status_code == 429
