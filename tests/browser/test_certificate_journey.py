"""A certificate verifies: from the member's archive to a stranger's phone.

陈志强 attended last month's one-day class of the work committee in the demo school, which
certifies full attendance. On his phone (390 × 844) he finds the 培训证明 in his study archive,
opens it (name, class, 学时, issuer, verification code and QR) and sees it laid out for printing
on one A4 landscape page. Someone he shows it to, not signed in, opens the code's address and
reads 证书真实有效 with his name masked; typing the code by hand in lower case finds it too, and a
made-up code is not found. Every page fits the phone, its controls are at least 44 × 44 px, and
axe finds nothing serious. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import re
from urllib.parse import urlparse

from playwright.sync_api import Browser, Page, expect

from school.demo.classes import PAST_TITLE
from tests.browser.support import (
    AXE,
    Server,
    axe_violations,
    check_fits_phone,
    log_in,
    phone,
    screenshot,
    small_targets,
)

SERIOUS = {"serious", "critical"}
COMMITTEE = "青川市驻外流动党员工作委员会"


def _checked(page: Page, what: str) -> None:
    check_fits_phone(page, what)
    assert not small_targets(page), f"{what}: tap targets under 44×44 px: {small_targets(page)}"
    serious = [v for v in axe_violations(page, what) if v["impact"] in SERIOUS]
    assert not serious, f"{what}: {serious}"


def test_a_certificate_verifies(browser: Browser, page: Page, server: Server, backend: str):
    page.add_init_script(path=AXE)
    with server.log_on_failure():
        log_in(page, server, "liudong")
        page.goto("/archive/")
        link = page.get_by_role("link", name=re.compile(f"培训证明：{PAST_TITLE}"))
        expect(link).to_be_visible()
        _checked(page, "archive with a certificate")
        link.tap()
        certificate = page.locator("article.certificate")
        expect(certificate.get_by_role("heading")).to_have_text("培训证明")
        expect(certificate).to_contain_text("陈志强 同志")
        expect(certificate).to_contain_text(f"《{PAST_TITLE}》")
        expect(certificate).to_contain_text("出勤 1/1 场，计 8 学时")
        expect(certificate).to_contain_text(COMMITTEE)
        expect(certificate.locator("svg.qr")).to_be_visible()
        expect(page.get_by_role("link", name="下载 PDF")).to_be_visible()
        _checked(page, "certificate")
        screenshot(page, f"certificate-{backend}-phone")
        code = certificate.locator(".certificate-code").inner_text()
        assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", code), code
        verify_path = urlparse(certificate.locator(".certificate-url").inner_text()).path
        assert verify_path == f"/verify/{code}"

        # Printed: the buttons go, the certificate keeps to one A4 landscape page.
        page.emulate_media(media="print")
        expect(page.get_by_role("button", name="打印")).to_be_hidden()
        pdf = page.pdf(format="A4", landscape=True, prefer_css_page_size=True)
        assert len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf)) == 1
        page.emulate_media(media="screen")

        with phone(browser, server) as stranger:
            stranger.add_init_script(path=AXE)
            stranger.goto(verify_path)
            result = stranger.get_by_role("status")
            expect(result.get_by_role("heading")).to_have_text("证书真实有效")
            expect(result).to_contain_text("陈*强")
            expect(result).to_contain_text(PAST_TITLE)
            expect(stranger.locator("main")).not_to_contain_text("陈志强")
            _checked(stranger, "verification, genuine")
            screenshot(stranger, f"certificate-{backend}-verified")

            # Typed from the paper: lower case, without the dashes.
            stranger.goto("/verify")
            stranger.get_by_label("证书验证码").fill(code.lower().replace("-", ""))
            stranger.get_by_role("button", name="核验").tap()
            expect(stranger).to_have_url(re.compile(f"/verify/{code}$"))
            expect(stranger.get_by_role("heading", name="证书真实有效")).to_be_visible()

            stranger.get_by_label("证书验证码").fill("ABCD-2345-WXYZ")
            stranger.get_by_role("button", name="核验").tap()
            expect(stranger.get_by_role("heading", name="没有找到这份证书")).to_be_visible()
            expect(stranger.locator("main")).not_to_contain_text(PAST_TITLE)
            _checked(stranger, "verification, not found")
            screenshot(stranger, f"certificate-{backend}-not-found")
