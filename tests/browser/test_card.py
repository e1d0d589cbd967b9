"""The electronic member card on a phone, and what a stranger's phone learns by scanning it.

陈志强, a floating member of the demo school, adds a photo and opens his card: it fits a 390 × 844
screen as an ID card (photo, name, number, home and host organisation, validity, QR code) and its
clock ticks, also when the phone asks for reduced motion (the watermark then stands still). When
the card runs out while the page is open, it turns grey, says so and hides its QR code.

A phone that is not signed in scans his code: it sees his name, his photo and that the card is
valid, and nothing else. He reissues his card; the old code then shows his card revoked, in words.
Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import io
from datetime import timedelta

from PIL import Image
from playwright.sync_api import Browser, Locator, Page, expect
from sqlalchemy import select

from school import create_app
from school.auth.models import User
from school.cards import services as cards
from school.db import db, utcnow
from tests.browser.support import (
    PHONE_WIDTH,
    Server,
    card_link,
    check_fits_phone,
    log_in,
    phone,
    screenshot,
)

USERNAME, NAME = "liudong", "陈志强"
# What `flask demo load` records about him: for his own card and his staff, never for strangers.
NUMBER, PHONE = "QC0000104", "13907310104"
HOME, HOST = "南山镇红星村党支部", "驻深圳流动党员党支部"
PHONE_HEIGHT = 844


def _flash(page: Page) -> Locator:
    return page.locator("p.flash[role=status]")


def _shot(page: Page, backend: str, name: str) -> None:
    check_fits_phone(page, name)
    screenshot(page, f"card-{backend}-{name}")


def _upload_photo(page: Page) -> None:
    out = io.BytesIO()
    Image.new("RGB", (90, 120), (180, 40, 40)).save(out, "PNG")
    page.goto("/card")
    page.locator("#photo").set_input_files(
        {"name": "me.png", "mimeType": "image/png", "buffer": out.getvalue()}
    )
    page.get_by_role("button", name="上传照片").tap()
    expect(_flash(page)).to_have_text("照片已更新。")


def _shown(image: Locator) -> bool:
    """Whether the picture arrives and is decoded, not only its box drawn (waiting for it: the
    page is shown before its images have come)."""
    return image.evaluate(
        "img => (img.complete && img.naturalWidth > 0) || new Promise(done => {"
        " img.addEventListener('load', () => done(img.naturalWidth > 0));"
        " img.addEventListener('error', () => done(false)); })"
    )


def _expire_in(server: Server, username: str, seconds: int) -> None:
    """Make the member's card run out in a few seconds, as a year of waiting would."""
    app = create_app({"DATABASE_URL": server.database_url, "SECRET_KEY": "browser-test-secret"})
    with app.app_context():
        member = db.session.scalar(select(User).where(User.username == username))
        cards.latest_card(member).expires_at = utcnow() + timedelta(seconds=seconds)
        db.session.commit()
    app.extensions["school.db"].engine.dispose()


def _ticks(clock: Locator) -> None:
    """The clock's text changes within about two seconds."""
    before = clock.inner_text()
    expect(clock).not_to_have_text(before, timeout=2_500)


def test_the_card_fits_the_phone_and_is_live(page: Page, server: Server, backend: str) -> None:
    with server.log_on_failure():
        log_in(page, server, USERNAME)
        _upload_photo(page)

        card = page.locator("#id-card")
        expect(card.get_by_role("heading", name="党员身份电子卡")).to_be_visible()
        for text in (NAME, NUMBER, HOME, HOST, "有效期至", "✓ 有效"):
            expect(card).to_contain_text(text)
        assert _shown(card.locator("img.id-card-photo"))
        expect(page.locator("#card-qr svg")).to_be_visible()

        # An ID card on the screen: no wider than the phone, no taller than its screen.
        box = card.bounding_box()
        assert box is not None and box["x"] >= 0, box
        assert box["x"] + box["width"] <= PHONE_WIDTH, box
        assert box["height"] <= PHONE_HEIGHT, box
        _shot(page, backend, "member-card")

        # Live: the clock ticks, hidden from screen readers; the watermark drifts.
        clock = page.locator("#card-clock")
        expect(page.locator(".id-live")).to_have_attribute("aria-hidden", "true")
        _ticks(clock)
        watermark = page.locator(".id-watermark")
        assert watermark.evaluate("e => getComputedStyle(e).animationName") == "id-drift"

        # A phone that asks for less motion: the watermark stands still, the clock still ticks.
        page.emulate_media(reduced_motion="reduce")
        assert watermark.evaluate("e => getComputedStyle(e).animationName") == "none"
        _ticks(clock)

        # The card runs out while the page is open: grey, said in words, no code left to scan.
        # The page's clock runs the minute to the expiry at once.
        _expire_in(server, USERNAME, 60)
        page.clock.install()
        page.reload()
        expect(page.locator("#card-state")).to_have_text("✓ 有效")
        page.clock.run_for(61_000)
        expect(page.locator("#card-state")).to_have_text("✕ 已过期")
        expect(page.locator("#card-expired-note")).to_be_visible()
        expect(page.locator("#card-qr")).to_be_hidden()
        _shot(page, backend, "member-card-expired")


def test_a_stranger_scanning_sees_only_name_photo_and_state(
    browser: Browser, page: Page, server: Server, backend: str
) -> None:
    with server.log_on_failure():
        log_in(page, server, USERNAME)
        _upload_photo(page)
        link = card_link(server, USERNAME)

        with phone(browser, server) as stranger:
            stranger.goto(link)
            main = stranger.locator("main")
            expect(stranger.locator("h1")).to_have_text("党员身份电子卡有效")
            expect(main.locator(".holder-name")).to_have_text(NAME)
            expect(main).to_contain_text("电子卡状态：有效")
            assert _shown(main.get_by_role("img", name=f"{NAME}的照片"))
            for private in (NUMBER, PHONE, PHONE[-4:], HOME, HOST, "深圳", "学时", "学习"):
                expect(main).not_to_contain_text(private)
            _shot(stranger, backend, "scan-valid")

        # The member reissues his card: the old code now says revoked, in words, over his face.
        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_role("button", name="重新生成电子卡").tap()
        expect(_flash(page)).to_have_text("已重新生成电子卡，旧二维码已失效。")

        with phone(browser, server) as stranger:
            stranger.goto(link)
            main = stranger.locator("main")
            expect(stranger.locator("h1")).to_have_text("电子卡已作废")
            expect(main.locator(".holder-name")).to_have_text(NAME)
            expect(main).to_contain_text("电子卡状态：已作废")
            expect(main.locator(".holder-stamp")).to_have_text("已作废")
            for private in (NUMBER, PHONE, PHONE[-4:], HOME, HOST, "深圳", "学时", "学习"):
                expect(main).not_to_contain_text(private)
            _shot(stranger, backend, "scan-revoked")
