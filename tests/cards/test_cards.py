"""The electronic member card: issuing, the QR link, what a scan shows to whom, staff records."""

import io
import re
import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from school.archive.models import ArchiveAccess, ArchiveEntry, YearProgress
from school.archive.services import append_offline
from school.auth.models import User
from school.cards import services as cards
from school.cards.models import MemberCard
from school.clock import current_year, to_local
from school.db import Base, db, utcnow
from school.formatting import local_date
from school.images import store_image
from school.members.models import ManagementNote
from school.orgs.services import find_org
from tests.conftest import login, post
from tests.factories import build_world

MEMBERSHIP_NO = "GD2019000123"
PHONE = "13812345678"
FLOATING_NO = "GD2015000777"
FLOATING_PHONE = "13999887766"


@pytest.fixture
def people(app, world):
    """The world, with registry details that must never leak to the wrong scanner."""
    with app.app_context():
        member = db.session.get(User, world.member)
        member.membership_no, member.phone, member.gender = MEMBERSHIP_NO, PHONE, "female"
        member.current_city = "广州"
        floating = db.session.get(User, world.floating)
        floating.membership_no, floating.phone = FLOATING_NO, FLOATING_PHONE
        floating.is_floating, floating.current_city = True, "深圳"
        db.session.commit()
    return world


def _token(app, member_id: int, **sign) -> str:
    with app.app_context():
        card = cards.current_card(db.session.get(User, member_id))
        token = cards.sign_link(card, **sign)
        db.session.commit()
        return token


def _cards(app, member_id: int) -> list[MemberCard]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(MemberCard).where(MemberCard.member_id == member_id).order_by(MemberCard.id)
            )
        )


def _access_count(app, member_id: int) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count(ArchiveAccess.id)).where(ArchiveAccess.member_id == member_id)
        )


def _year(app) -> int:
    with app.app_context():
        return current_year()


def _html(response) -> str:
    return response.get_data(as_text=True)


def _main(response) -> str:
    """The page's own part, without the site's header and footer (a scanner's own name)."""
    html = _html(response)
    return html[html.index('<main id="main"') : html.index("</main>")]


# Never on the page of someone who may not read the member's card.
ORG_NAMES = ("市委", "区委", "一支部", "二支部", "工委", "驻深圳支部")
STUDY_WORDS = ("学时", "学习情况", "学习档案", "完成课程", "最近学习")


# Issuing ------------------------------------------------------------------------------------


def test_card_is_issued_once(app, world, client):
    with app.app_context():
        member = db.session.get(User, world.member)
        first = cards.current_card(member)
        again = cards.current_card(member)
        assert first.id == again.id
        assert len(first.serial) == 32
        assert first.expires_at - first.issued_at == timedelta(days=365)
        db.session.commit()
    login(client, "member")
    assert client.get("/card").status_code == 200
    assert client.get("/card").status_code == 200
    assert len(_cards(app, world.member)) == 1


def test_parallel_first_views_issue_one_card(committed_app):
    with committed_app.app_context():
        member_id = build_world().member
    barrier = threading.Barrier(4)
    serials, errors = [], []

    def run() -> None:
        try:
            barrier.wait(timeout=10)
            with committed_app.app_context():
                serials.append(cards.current_card(db.session.get(User, member_id)).serial)
                db.session.commit()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == [] and len(set(serials)) == 1
    assert len(_cards(committed_app, member_id)) == 1


def test_card_page_shows_member_and_an_inline_qr_code(app, people, client):
    login(client, "member")
    html = _html(client.get("/card"))
    assert "张党员" in html and MEMBERSHIP_NO in html and "一支部" in html
    assert "刷新二维码" in html and "旧二维码将立即失效" in html
    assert "cards.js" in html and "<script>" not in html
    svg = re.search(r"<svg .*?</svg>", html, re.S).group(0)
    assert 'class="qr"' in svg and "<path" in svg
    assert "<?xml" not in html
    # Nothing the browser would fetch: no links, images or scripts, only the SVG namespace.
    assert not re.search(r"href|src=|<image|<script|url\(", svg)
    assert re.findall(r"https?://[^\"' ]+", svg) == ["http://www.w3.org/2000/svg"]


def test_card_page_is_an_id_card_with_a_live_clock(app, people, client):
    login(client, "floating")
    with app.app_context():
        before = utcnow()
    html = _html(client.get("/card"))
    card = _cards(app, people.floating)[0]
    face = html[html.index('<div class="id-face">') : html.index('<div id="card-qr"')]
    for shown in ("陈流动", FLOATING_NO, "流动党员", "二支部", "驻深圳支部", "有效期至"):
        assert shown in face, shown
    with app.app_context():
        assert f"<dd>{local_date(card.expires_at)}</dd>" in face
    state = re.search(r"<p id=\"card-state\" class=\"id-state id-state-valid\">(.*?)</p>", face)
    state = state.group(1)
    assert re.sub(r"<[^>]+>", "", state) == "✓ 有效"  # a mark and a word, not a colour alone
    assert f'data-expires-ms="{int(card.expires_at.timestamp() * 1000)}"' in html
    # The clock ticks on the server's time in the school's zone; screen readers are spared it.
    live = re.search(r'<p class="id-live" aria-hidden="true">.*?</p>', face, re.S).group(0)
    clock = re.search(r'data-now-ms="(\d+)" data-zone="Asia/Shanghai">([\d: -]+)<', live)
    assert clock, live
    assert before.timestamp() * 1000 - 1000 <= int(clock.group(1)) <= utcnow().timestamp() * 1000
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", clock.group(2))
    assert '<div class="id-watermark" aria-hidden="true">' in face
    # Phone, gender, city and study are for the staff who scan, not printed on the card.
    for private in (FLOATING_PHONE, "学时", "深圳</dd>"):
        assert private not in face


def test_card_page_link_verifies(app, people):
    with app.test_request_context():
        card = cards.current_card(db.session.get(User, people.member))
        scan = cards.scan(cards.sign_link(card))
        assert (scan.state, scan.card.id, scan.fresh) == ("valid", card.id, True)


# What a scan shows ----------------------------------------------------------------------------


def test_branch_staff_see_identity_and_study_summary(app, people, client):
    with app.app_context():
        member = db.session.get(User, people.member)
        secretary = db.session.get(User, people.secretary)
        append_offline(
            member, title="党课", hours=Decimal("3.5"), completed_at=utcnow(), recorded_by=secretary
        )
        db.session.commit()
    token = _token(app, people.member)
    login(client, "secretary")
    response = client.get(f"/card/v/{token}")
    html = _html(response)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "党员身份电子卡有效" in html
    for shown in ("张党员", MEMBERSHIP_NO, PHONE, "女", "一支部", "广州"):
        assert shown in html
    assert "已学 3.5 / 32 学时" in html and f"{_year(app)} 年学习情况" in html
    assert "添加记录" in html
    assert _access_count(app, people.member) == 1


def test_viewer_sees_the_phone_masked(app, people, client):
    token = _token(app, people.member)
    login(client, "viewer")
    html = _html(client.get(f"/card/v/{token}"))
    assert "张党员" in html and PHONE not in html and "5678" in html
    assert "添加记录" not in html  # viewers read, they do not write


def test_host_side_sees_the_floating_member(app, people, client):
    token = _token(app, people.floating)
    login(client, "committee")
    html = _html(client.get(f"/card/v/{token}"))
    assert "陈流动" in html and FLOATING_NO in html and "驻深圳支部" in html and "深圳" in html
    assert _access_count(app, people.floating) == 1


@pytest.mark.parametrize(
    ("scanner", "owner"),
    [
        (None, "member"),  # a phone camera, not logged in
        ("other", "member"),  # another member
        ("member", "member"),  # the member scanning their own card learns nothing new either
        ("secretary", "floating"),  # 一支部's secretary; 陈流动 is home 二支部, host 驻深圳支部
        ("committee", "member"),  # 工委 staff, outside 一支部
        ("instructor", "floating"),
    ],
)
def test_everyone_else_sees_only_what_an_id_card_shows(app, people, client, scanner, owner):
    owner_id = getattr(people, owner)
    token = _token(app, owner_id)
    if scanner:
        login(client, scanner)
    response = client.get(f"/card/v/{token}")
    html = _main(response)
    assert response.status_code == 200
    assert "党员身份电子卡有效" in html and "电子卡状态：有效" in html
    name = "张党员" if owner == "member" else "陈流动"
    assert f'<p class="holder-name">{name}</p>' in html
    number, phone = (MEMBERSHIP_NO, PHONE) if owner == "member" else (FLOATING_NO, FLOATING_PHONE)
    for secret in (number, phone, phone[-4:], *ORG_NAMES, *STUDY_WORDS, "广州", "深圳", "添加记录"):
        assert secret not in html, secret
    assert "/card/photo/" not in html  # the staff's photo address; no photo uploaded here
    assert _access_count(app, owner_id) == 0


def test_anonymous_scan_is_not_sent_to_login(app, people, client):
    token = _token(app, people.member)
    response = client.get(f"/card/v/{token}")
    assert response.status_code == 200
    assert "登录</a>后再次扫码" in _html(response)


def test_expired_card_shows_expired(app, people, client):
    token = _token(app, people.member)
    with app.app_context():
        card = db.session.scalar(select(MemberCard).where(MemberCard.member_id == people.member))
        card.expires_at = utcnow() - timedelta(days=1)
        db.session.commit()
    html = _html(client.get(f"/card/v/{token}"))
    assert "电子卡已过期" in html and "电子卡状态：已过期" in html


def test_revoked_card_shows_revoked(app, people, client):
    token = _token(app, people.member)
    with app.app_context():
        member = db.session.get(User, people.member)
        cards.revoke(member, db.session.get(User, people.secretary))
        db.session.commit()
    html = _html(client.get(f"/card/v/{token}"))
    assert "电子卡已作废" in html and "党员身份电子卡有效" not in html
    assert "电子卡状态：已作废" in html


# What a scan without rights shows, whatever became of the card --------------------------------


def _give_photo(app, member_id: int) -> bytes:
    """Store a photo for the member as an upload would; returns the stored file's bytes."""
    out = io.BytesIO()
    Image.new("RGB", (30, 40), "blue").save(out, "PNG")
    with app.app_context():
        stored = store_image(out.getvalue(), "me.png", Path(app.config["UPLOAD_DIR"]) / "photos")
        db.session.get(User, member_id).photo_name = stored.name
        db.session.commit()
        return (Path(app.config["UPLOAD_DIR"]) / "photos" / stored.name).read_bytes()


def _expire(app, member_id: int) -> None:
    with app.app_context():
        card = cards.latest_card(db.session.get(User, member_id))
        card.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()


def _revoke(app, member_id: int) -> None:
    with app.app_context():
        secretary = db.session.scalar(select(User).where(User.username == "secretary"))
        cards.revoke(db.session.get(User, member_id), secretary)
        db.session.commit()


CARD_CHANGES = {"valid": lambda app, member_id: None, "expired": _expire, "revoked": _revoke}
STATE_LABELS = {"valid": "有效", "expired": "已过期", "revoked": "已作废"}


def _database(app) -> dict[str, list[tuple]]:
    """Every row of every table: what a look at a card must leave as it found it."""
    with app.app_context():
        return {
            table.name: [
                tuple(row)
                for row in db.session.execute(
                    select(table).order_by(*table.primary_key.columns)
                ).all()
            ]
            for table in Base.metadata.sorted_tables
        }


@pytest.mark.parametrize("state", ["valid", "expired", "revoked"])
@pytest.mark.parametrize("scanner", [None, "other"])
def test_a_scan_without_rights_shows_name_photo_and_state_and_changes_nothing(
    app, people, client, scanner, state
):
    photo = _give_photo(app, people.member)
    token = _token(app, people.member)
    CARD_CHANGES[state](app, people.member)
    if scanner:
        login(client, scanner)
    before = _database(app)

    response = client.get(f"/card/v/{token}")
    with client.get(f"/card/v/{token}/photo") as image:
        assert image.status_code == 200 and image.data == photo
        assert image.headers["Cache-Control"] == "no-store"

    assert _database(app) == before
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    html = _main(response)
    assert '<p class="holder-name">张党员</p>' in html
    assert f"电子卡状态：{STATE_LABELS[state]}" in html
    assert f'src="/card/v/{token}/photo"' in html and 'alt="张党员的照片"' in html
    if state != "valid":  # said over the photo too, in words
        assert f'<span class="holder-stamp" aria-hidden="true">{STATE_LABELS[state]}</span>' in html
    for secret in (MEMBERSHIP_NO, PHONE, PHONE[-4:], "女", "广州", *ORG_NAMES, *STUDY_WORDS):
        assert secret not in html, secret
    assert "/card/photo/" not in html and "添加记录" not in html


@pytest.mark.parametrize("state", ["valid", "expired", "revoked"])
def test_an_old_link_names_nobody(app, people, client, state):
    """A code copied off an old screenshot says what became of the card, not whose it is."""
    _give_photo(app, people.member)
    token = _token(app, people.member, signed_at=utcnow() - timedelta(minutes=11))
    CARD_CHANGES[state](app, people.member)
    html = _main(client.get(f"/card/v/{token}"))
    heading = {"valid": "二维码已过期", "expired": "电子卡已过期", "revoked": "电子卡已作废"}
    assert heading[state] in html
    assert "张党员" not in html and "holder" not in html and "/photo" not in html
    assert client.get(f"/card/v/{token}/photo").status_code == 404


def test_the_holder_photo_needs_a_fresh_link_and_a_photo(app, people, client):
    token = _token(app, people.member)
    assert client.get(f"/card/v/{token}/photo").status_code == 404  # no photo uploaded
    html = _main(client.get(f"/card/v/{token}"))
    assert '<span class="holder-photo holder-photo-empty">暂无照片</span>' in html
    assert "/photo" not in html
    photo = _give_photo(app, people.member)
    with client.get(f"/card/v/{token}/photo") as response:
        assert response.status_code == 200 and response.data == photo
    for bad in ("x", token[:-2] + ("AA" if token[-2:] != "AA" else "BB")):
        assert client.get(f"/card/v/{bad}/photo").status_code == 404


def test_scan_says_whether_the_link_is_fresh(app, people):
    with app.app_context():
        member = db.session.get(User, people.member)
        card = cards.current_card(member)
        now = utcnow().replace(microsecond=0)  # links carry whole seconds
        live = cards.sign_link(card, signed_at=now - timedelta(minutes=10))
        old = cards.sign_link(card, signed_at=now - timedelta(minutes=10, seconds=1))
        scan = cards.scan(live, now)
        assert (scan.state, scan.card.id, scan.fresh, scan.shows_holder) == (
            "valid",
            card.id,
            True,
            True,
        )
        scan = cards.scan(old, now)
        assert (scan.state, scan.fresh, scan.shows_holder) == ("link_expired", False, False)
        cards.revoke(member, db.session.get(User, people.secretary), now)
        assert (cards.scan(live, now).state, cards.scan(live, now).shows_holder) == (
            "revoked",
            True,
        )
        assert (cards.scan(old, now).state, cards.scan(old, now).shows_holder) == (
            "revoked",
            False,
        )
        nothing = cards.scan("x", now)
        assert (nothing.state, nothing.card, nothing.shows_holder) == ("invalid", None, False)


def test_tampered_token_is_invalid(app, people, client):
    token = _token(app, people.member)
    with app.app_context():
        other = cards.current_card(db.session.get(User, people.other_member))
        db.session.commit()
        # Another card's payload under this link's timestamp and signature.
        other_payload = cards.sign_link(other).split(".", 1)[0]
    forged = other_payload + "." + token.split(".", 1)[1]
    for bad in (forged, token[:-2] + ("AA" if token[-2:] != "AA" else "BB"), "x", "a.b.c"):
        response = client.get(f"/card/v/{bad}")
        assert response.status_code == 200
        assert "无法识别的二维码" in _html(response)


def test_expired_link_asks_for_a_refresh(app, people, client):
    old = utcnow() - timedelta(minutes=11)
    token = _token(app, people.member, signed_at=old)
    html = _html(client.get(f"/card/v/{token}"))
    assert "二维码已过期" in html and "刷新电子卡页面" in html and "张党员" not in html
    fresh = _token(app, people.member, signed_at=utcnow() - timedelta(minutes=9))
    assert "党员身份电子卡有效" in _html(client.get(f"/card/v/{fresh}"))


def test_verify_states_follow_the_clock(app, people):
    with app.app_context():
        card = cards.current_card(db.session.get(User, people.member))
        token = cards.sign_link(card)
        now = utcnow()
        assert cards.scan(token, now).state == "valid"
        assert cards.scan(token, now + timedelta(minutes=11)).state == "link_expired"
        assert cards.scan(token, now + timedelta(days=366)).state == "expired"


def test_reissue_makes_the_old_link_show_revoked(app, people, client):
    old_token = _token(app, people.member)
    login(client, "member")
    response = post(client, "/card/reissue")
    assert response.status_code == 302
    rows = _cards(app, people.member)
    assert len(rows) == 2 and rows[0].revoked_by_id == people.member and rows[1].revoked_at is None
    assert "电子卡已作废" in _html(client.get(f"/card/v/{old_token}"))
    new_token = _token(app, people.member)
    assert "党员身份电子卡有效" in _html(client.get(f"/card/v/{new_token}"))


def test_expired_card_is_replaced_when_the_member_opens_it(app, people, client):
    old_token = _token(app, people.member)
    with app.app_context():
        card = db.session.scalar(select(MemberCard).where(MemberCard.member_id == people.member))
        card.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    login(client, "member")
    assert client.get("/card").status_code == 200
    rows = _cards(app, people.member)
    assert len(rows) == 2 and rows[1].revoked_at is None and rows[1].expires_at > utcnow()
    # The old card was set aside for expiry, not revoked by anyone: a scan still says so.
    assert "电子卡已过期" in _html(client.get(f"/card/v/{old_token}"))


def test_staff_revoke_a_card(app, people, client):
    token = _token(app, people.member)
    login(client, "secretary")
    response = post(client, f"/manage/members/{people.member}/card/revoke")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/manage/members/{people.member}"
    (card,) = _cards(app, people.member)
    assert card.revoked_at is not None and card.revoked_by_id == people.secretary
    assert "电子卡已作废" in _html(client.get(f"/card/v/{token}"))


@pytest.mark.parametrize(("username", "status"), [("viewer", 403), ("committee", 404)])
def test_refused_revoke_changes_nothing(app, people, client, username, status):
    token = _token(app, people.member)
    login(client, username)
    assert post(client, f"/manage/members/{people.member}/card/revoke").status_code == status
    (card,) = _cards(app, people.member)
    assert card.revoked_at is None
    assert "党员身份电子卡有效" in _html(client.get(f"/card/v/{token}"))


# Records through the card -------------------------------------------------------------------


def _today(app) -> str:
    with app.app_context():
        return to_local(utcnow()).date().isoformat()


def test_staff_add_a_management_note(app, people, client):
    token = _token(app, people.member)
    login(client, "secretary")
    data = {"kind": "management", "occurred_on": _today(app), "text": "参加主题党日，表现积极。"}
    response = post(client, f"/card/v/{token}/record", data)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/card/v/{token}"
    with app.app_context():
        (note,) = db.session.scalars(select(ManagementNote)).all()
        assert note.member_id == people.member and note.recorded_by_id == people.secretary
        assert note.org_id == find_org("一支部").id and note.body == "参加主题党日，表现积极。"


def test_host_committee_note_is_filed_under_its_grant(app, people, client):
    token = _token(app, people.floating)
    login(client, "committee")
    data = {"kind": "management", "occurred_on": _today(app), "text": "已到流入地报到。"}
    assert post(client, f"/card/v/{token}/record", data).status_code == 302
    with app.app_context():
        (note,) = db.session.scalars(select(ManagementNote)).all()
        assert note.org_id == find_org("工委").id and note.member_id == people.floating


def test_one_scan_is_one_look_in_the_members_access_log(app, people, client):
    """Scanning, adding a record and opening the full archive from the card is one visit."""
    token = _token(app, people.member)
    login(client, "secretary")
    client.get(f"/card/v/{token}")
    data = {"kind": "management", "occurred_on": _today(app), "text": "按时参加组织生活。"}
    post(client, f"/card/v/{token}/record", data, follow_redirects=True)
    client.get(f"/archive/members/{people.member}")
    assert _access_count(app, people.member) == 1
    with app.app_context():
        access = db.session.scalar(select(ArchiveAccess))
        access.viewed_at -= timedelta(minutes=31)  # a scan next time is a new look
        db.session.commit()
    client.get(f"/card/v/{token}")
    assert _access_count(app, people.member) == 2


def test_staff_add_an_education_record(app, people, client):
    token = _token(app, people.floating)
    login(client, "committee")
    data = {
        "kind": "education",
        "occurred_on": _today(app),
        "text": "返乡党员培训班",
        "hours": "2.5",
    }
    assert post(client, f"/card/v/{token}/record", data).status_code == 302
    with app.app_context():
        (entry,) = db.session.scalars(select(ArchiveEntry)).all()
        assert (entry.member_id, entry.kind, entry.title) == (
            people.floating,
            "offline",
            "返乡党员培训班",
        )
        assert entry.hours == Decimal("2.5") and entry.recorded_by_id == people.committee_secretary
        local = to_local(entry.completed_at)
        assert (local.date().isoformat(), local.hour) == (_today(app), 12)
        progress = db.session.get(YearProgress, (people.floating, current_year()))
        assert progress.hours == Decimal("2.5")
    html = _html(client.get(f"/card/v/{token}"))
    assert "已学 2.5 / 32 学时" in html


def test_the_same_education_record_posted_twice_credits_once_and_says_so(app, people, client):
    """A double-submitted form, or the host and home side both recording one lecture."""
    token = _token(app, people.floating)
    data = {"kind": "education", "occurred_on": _today(app), "text": "返乡党员培训班", "hours": "4"}
    login(client, "committee")
    assert post(client, f"/card/v/{token}/record", data).status_code == 302
    response = post(client, f"/card/v/{token}/record", {**data, "hours": "8"})
    assert response.status_code == 200
    assert f"{_today(app)} 的“返乡党员培训班”已经记入档案，学时不会重复计入。" in _html(response)
    with app.app_context():
        assert db.session.scalar(select(func.count(ArchiveEntry.id))) == 1
        progress = db.session.get(YearProgress, (people.floating, current_year()))
        assert progress.hours == Decimal(4)


def test_education_record_on_an_earlier_day_is_dated_that_day(app, people):
    with app.app_context():
        member = db.session.get(User, people.member)
        secretary = db.session.get(User, people.secretary)
        entry = cards.add_education_record(
            member, secretary, occurred_on=date(2024, 2, 10), title="春节培训", hours=Decimal(8)
        )
        assert entry.completed_at == datetime(2024, 2, 10, 4, tzinfo=UTC)  # noon in Shanghai


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "education", "text": "培训", "hours": "25"}, "学时应在 0 到 24 之间"),
        ({"kind": "education", "text": "培训", "hours": "-1"}, "学时应在 0 到 24 之间"),
        ({"kind": "education", "text": "培训", "hours": "1.25"}, "最多保留一位小数"),
        ({"kind": "education", "text": "培训", "hours": ""}, "教育记录请填写学时"),
        ({"kind": "education", "text": "培" * 201, "hours": "1"}, "最多 200 个字"),
        ({"kind": "management", "text": "  "}, "请填写内容"),
        ({"kind": "management", "text": "说明", "occurred_on": "2099-01-01"}, "不能晚于今天"),
        ({"kind": "management", "text": "说明", "occurred_on": "昨天"}, "请填写日期"),
        ({"kind": "other", "text": "说明"}, "Not a valid choice"),
    ],
)
def test_bad_record_is_refused_and_changes_nothing(app, people, client, data, message):
    token = _token(app, people.member)
    login(client, "secretary")
    response = post(client, f"/card/v/{token}/record", {"occurred_on": _today(app), **data})
    assert response.status_code == 200
    html = _html(response)
    assert message in html or (message == "Not a valid choice" and 'class="error"' in html)
    with app.app_context():
        assert db.session.scalar(select(func.count(ArchiveEntry.id))) == 0
        assert db.session.scalar(select(func.count(ManagementNote.id))) == 0
        assert db.session.get(YearProgress, (people.member, current_year())) is None


@pytest.mark.parametrize(
    ("username", "owner", "status"),
    [
        (None, "floating", 302),
        ("secretary", "floating", 404),  # out of scope: the member is hidden
        ("other", "floating", 404),
        ("floating", "floating", 404),  # nobody writes their own records
        ("viewer", "member", 403),  # in scope, but a viewer grant is read-only
    ],
)
def test_record_by_anyone_else_is_refused(app, people, client, username, owner, status):
    owner_id = getattr(people, owner)
    token = _token(app, owner_id)
    if username:
        login(client, username)
    for data in (
        {"kind": "management", "occurred_on": _today(app), "text": "越权记录"},
        {"kind": "education", "occurred_on": _today(app), "text": "越权", "hours": "4"},
    ):
        assert post(client, f"/card/v/{token}/record", data).status_code == status
    with app.app_context():
        assert db.session.scalar(select(func.count(ArchiveEntry.id))) == 0
        assert db.session.scalar(select(func.count(ManagementNote.id))) == 0
        assert db.session.get(YearProgress, (owner_id, current_year())) is None


# Photo --------------------------------------------------------------------------------------


def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (30, 40), "red")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {2: (22.0, 32.0, 0.0)}  # GPS latitude
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def _upload(client, data: bytes, name: str = "me.jpg"):
    return post(
        client,
        "/card/photo",
        {"photo": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def _photo_name(app, member_id: int) -> str | None:
    with app.app_context():
        return db.session.get(User, member_id).photo_name


def test_photo_is_reencoded_and_shown_only_to_allowed_viewers(app, people, client, tmp_path):
    raw = _jpeg_with_gps()
    assert b"PhoneMaker" in raw
    login(client, "member")
    assert _upload(client, raw).status_code == 302
    name = _photo_name(app, people.member)
    stored = Path(app.config["UPLOAD_DIR"]) / "photos" / name
    assert stored.is_file() and b"PhoneMaker" not in stored.read_bytes()
    with Image.open(stored) as image:
        assert image.size == (30, 40) and not image.getexif()
    with client.get(f"/card/photo/{people.member}") as own:
        assert own.status_code == 200 and own.data == stored.read_bytes()
    assert f"/card/photo/{people.member}" in _html(client.get("/card"))

    token = _token(app, people.member)
    for username, status in (
        ("secretary", 200),
        ("viewer", 200),
        ("admin", 200),
        ("other", 404),
        ("committee", 404),
    ):
        other = app.test_client()
        login(other, username)
        with other.get(f"/card/photo/{people.member}") as response:
            assert response.status_code == status
        page = _html(other.get(f"/card/v/{token}"))
        assert (f"/card/photo/{people.member}" in page) == (status == 200)
    anonymous = app.test_client()
    assert anonymous.get(f"/card/photo/{people.member}").status_code == 302
    page = _html(anonymous.get(f"/card/v/{token}"))
    # The scanner of a fresh code sees the face through the code, as on a shown ID card.
    assert "/card/photo/" not in page and f"/card/v/{token}/photo" in page


def test_new_photo_replaces_the_old_file_and_delete_removes_it(app, people, client):
    login(client, "member")
    _upload(client, _jpeg_with_gps())
    first = Path(app.config["UPLOAD_DIR"]) / "photos" / _photo_name(app, people.member)
    _upload(client, _jpeg_with_gps())
    second = Path(app.config["UPLOAD_DIR"]) / "photos" / _photo_name(app, people.member)
    assert second != first and second.is_file() and not first.exists()
    assert post(client, "/card/photo/delete").status_code == 302
    assert _photo_name(app, people.member) is None and not second.exists()
    with client.get(f"/card/photo/{people.member}") as response:
        assert response.status_code == 404


def test_a_file_that_is_not_a_picture_is_refused(app, people, client):
    login(client, "member")
    response = _upload(client, b"<svg onload='alert(1)'></svg>", "me.png")
    assert response.status_code == 302
    assert "只能上传 JPG、PNG、GIF 或 WebP 图片" in _html(client.get("/card"))
    assert _photo_name(app, people.member) is None
    folder = Path(app.config["UPLOAD_DIR"]) / "photos"
    assert not folder.exists() or not any(folder.iterdir())


@pytest.mark.parametrize("config_overrides", [{"RATELIMIT_ENABLED": True}])
def test_scans_are_rate_limited(app, people, client):
    token = _token(app, people.member)
    statuses = [client.get(f"/card/v/{token}").status_code for _ in range(61)]
    assert statuses[:60] == [200] * 60 and statuses[60] == 429


def test_permissions_refuse_anonymous_and_keep_viewers_read_only(app, people):
    from flask_login import AnonymousUserMixin

    from school.cards.permissions import (
        can_add_record,
        can_read_card,
        can_revoke_card,
        can_view_photo,
    )

    with app.app_context():
        member = db.session.get(User, people.member)
        viewer = db.session.get(User, people.viewer)
        anonymous = AnonymousUserMixin()
        for predicate in (can_read_card, can_add_record, can_revoke_card, can_view_photo):
            assert predicate(anonymous, member) is False
        assert can_read_card(viewer, member) and can_view_photo(viewer, member)
        assert not can_add_record(viewer, member) and not can_revoke_card(viewer, member)
        assert can_view_photo(member, member) and not can_read_card(member, member)


def test_note_org_prefers_the_host_side(app, people):
    with app.app_context():
        admin = db.session.get(User, people.admin)
        floating = db.session.get(User, people.floating)
        member = db.session.get(User, people.member)
        assert cards.note_org(admin, floating).name == "驻深圳支部"
        assert cards.note_org(admin, member).name == "一支部"
        assert cards.note_org(db.session.get(User, people.secretary), member).name == "一支部"
        assert cards.note_org(db.session.get(User, people.viewer), member) is None
