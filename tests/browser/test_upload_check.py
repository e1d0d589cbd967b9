"""The page refuses a file over its limit before sending it; the typed text stays.

A member on a phone writes a suggestion and picks a 6 MB photo: static/upload-check.js says
"图片不能超过 5 MB" under the file input at once and clears the choice, the title and text stay
as typed, and a smaller picture goes through. The server's own check is tested without a
browser (tests/forum/test_upload_limits.py).
"""

from __future__ import annotations

import io
import re

from PIL import Image
from playwright.sync_api import Page, expect

from tests.browser.support import MEMBER, Server, check_fits_phone, screenshot

TITLE = "建议在流入地设立党员活动室"
BODY = "我们在深圳的流动党员有三十多人，希望能有固定的地方过组织生活。"


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(out, "PNG")
    return out.getvalue()


def test_a_photo_over_the_limit_is_refused_on_the_phone(page: Page, server: Server, backend):
    with server.log_on_failure():
        page.goto("/login")
        page.locator("#username").fill(MEMBER[0])
        page.locator("#password").fill(MEMBER[1])
        page.get_by_role("button", name="登录", exact=True).tap()
        expect(page).to_have_url(f"{server.url}/")

        page.goto("/forum/suggestion/new")
        page.locator("#title").fill(TITLE)
        page.locator("#body").fill(BODY)
        big = {"name": "photo.png", "mimeType": "image/png", "buffer": bytes(6 * 1024 * 1024)}
        page.locator("#image").set_input_files(big)

        expect(page.get_by_role("alert")).to_have_text(re.compile("图片不能超过 5 MB"))
        assert page.locator("#image").evaluate("input => input.files.length") == 0
        expect(page.locator("#title")).to_have_value(TITLE)
        expect(page.locator("#body")).to_have_value(BODY)
        check_fits_phone(page, "the new item form with the refusal")
        screenshot(page, f"upload-check-{backend}")

        small = {"name": "photo.png", "mimeType": "image/png", "buffer": _png()}
        page.locator("#image").set_input_files(small)
        expect(page.get_by_role("alert")).to_have_count(0)
        page.get_by_role("button", name="提交").tap()
        expect(page).to_have_url(re.compile(r"/forum/threads/\d+$"))
        expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
