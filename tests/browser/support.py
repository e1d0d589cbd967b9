"""Shared pieces of the browser tests: the demo school built by `flask`, Debian's Chromium."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import create_engine, select

from school import create_app
from school.auth.models import User
from school.cards import services as cards
from school.db import db, utcnow

PROJECT = Path(__file__).resolve().parents[2]
ARTIFACTS = PROJECT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
# Switches that stop Chromium from calling home: the CI machines and sandboxes have no network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

MEMBER = ("dangyuan", "dangxiao2026")  # made by `flask demo load`, published in the README
PHONE_WIDTH = 390


@dataclass
class Server:
    url: str
    log: Path
    database_url: str  # tests may reach past the app, e.g. to move a quiz deadline

    @contextmanager
    def log_on_failure(self) -> Iterator[None]:
        """Print the server's log when the block fails: a 500 only explains itself there."""
        try:
            yield
        except BaseException:
            print(f"--- server log ({self.log}) ---\n{self.log.read_text(errors='replace')}")
            raise


def flask(app: Flask, *args: str) -> None:
    """Run one `flask` command of the app as `make run` does; fail with its output if it fails."""
    result = app.test_cli_runner().invoke(args=list(args))
    if result.exit_code != 0:
        pytest.fail(
            f"flask {' '.join(args)} exited with {result.exit_code}: {result.exception!r}\n"
            f"{result.output}"
        )


def check_fits_phone(page: Page, what: str) -> None:
    # Measured once the style sheets have arrived: before, a page is as wide as its raw content.
    page.wait_for_load_state("load")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"{what} scrolls sideways: {width} px wide at {PHONE_WIDTH} px"


def screenshot(page: Page, name: str) -> None:
    """Save a full-page screenshot to test-artifacts/ for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


@contextmanager
def phone(browser: Browser, server: Server) -> Iterator[Page]:
    """A phone-sized page with its own cookies: one person's phone."""
    context = browser.new_context(
        base_url=server.url,
        viewport={"width": PHONE_WIDTH, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
    )
    # Every page is local and small: a missing element should fail in seconds, not 30.
    # (Playwright's expect() already gives up after 5 s.)
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def log_in(page: Page, server: Server, username: str = MEMBER[0]) -> None:
    """Log in through the login form as a demo account (they all have the published password)."""
    page.goto("/login")
    page.locator("#username").fill(username)
    page.locator("#password").fill(MEMBER[1])
    page.get_by_role("button", name="登录", exact=True).click()
    # Members land on their courses, staff on their workbench.
    expect(page).to_have_url(re.compile(rf"^{re.escape(server.url)}/(workbench/)?$"))
    # The address changes before the style sheets arrive; tests measure and tap what they draw.
    page.wait_for_load_state("load")


def nav_link(page: Page, name):
    """A place in the site's navigation: on a phone the everyday ones are in the bottom tab bar,
    the rest in the header. Right after a navigation, before the style sheet applies, the
    header's copy of a tab is still showing too: both lead to the same page, so take the first
    one showing (Playwright looks again until one is)."""
    return (
        page.locator("nav.site-nav, nav.tabbar")
        .get_by_role("link", name=name)
        .filter(visible=True)
        .first
    )


def card_link(server: Server, username: str) -> str:
    """What the QR code on the member's card says (signed with the server's key)."""
    app = create_app({"DATABASE_URL": server.database_url, "SECRET_KEY": "browser-test-secret"})
    with app.test_request_context(base_url=server.url):
        member = db.session.scalar(select(User).where(User.username == username))
        token = cards.sign_link(cards.current_card(member, utcnow()))
        db.session.rollback()
    app.extensions["school.db"].engine.dispose()
    return f"/card/v/{token}"


def in_database(server: Server, run):
    """``run(connection)`` in one transaction on the server's database, past the app: a test's
    setup or check of rows no page shows."""
    engine = create_engine(server.database_url)
    try:
        with engine.begin() as connection:
            return run(connection)
    finally:
        engine.dispose()


TARGET = 44  # px: WCAG 2.5.5 (AAA), the size the school promises older members
# Every visible control on the page that is smaller than TARGET in either direction, by name.
#
# Exempt, as WCAG 2.5.8 allows: an inline link inside running text (its height is the line's,
# and enlarging it would break the sentence), recognised as a link laid out inline whose block
# holds more text than the link itself. A radio button or checkbox inside a label is measured
# as its label, the target a finger actually taps.
_SMALL_TARGETS = """
(target) => {
  const inRunningText = (el) => {
    if (el.tagName !== "A" || getComputedStyle(el).display !== "inline") return false;
    let block = el.parentElement;
    while (block && getComputedStyle(block).display.startsWith("inline")) {
      block = block.parentElement;
    }
    const own = el.textContent.trim().length;
    return block !== null && block.textContent.trim().length > own;
  };
  const controls = document.querySelectorAll(
    "a[href], button, input:not([type=hidden]), select, textarea, summary"
  );
  const small = [];
  for (const el of controls) {
    let box = el;
    if (el.matches("input[type=radio], input[type=checkbox]") && el.closest("label")) {
      box = el.closest("label");
    }
    const rect = box.getBoundingClientRect();
    const style = getComputedStyle(box);
    const shown = rect.width > 0 && rect.height > 0 && style.visibility !== "hidden"
      && rect.right > 0 && rect.bottom > 0 && rect.left < document.documentElement.clientWidth;
    if (!shown || inRunningText(el)) continue;
    if (rect.width < target - 0.5 || rect.height < target - 0.5) {
      const name = (el.textContent || el.value || el.name || el.getAttribute("aria-label") || "")
        .trim().replace(/\\s+/g, " ").slice(0, 30);
      const cls = el.className && typeof el.className === "string" ? "." + el.className.trim()
        .split(/\\s+/).join(".") : "";
      small.push(`${el.tagName.toLowerCase()}${cls} "${name}" ` +
        `${Math.round(rect.width)}×${Math.round(rect.height)}`);
    }
  }
  return small;
}
"""


def small_targets(page: Page) -> list[str]:
    """Links, buttons and fields on the page smaller than TARGET × TARGET px (links inside
    running text excepted), each as "tag.class \"name\" W×H"."""
    return page.evaluate(_SMALL_TARGETS, TARGET)


AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
# axe.run limited to the WCAG 2.0 / 2.1 A and AA rules; only what fails is sent back.
_RUN_AXE = """
async () => {
  const results = await axe.run(document, {
    runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    resultTypes: ["violations"],
  });
  const violations = results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    targets: v.nodes.map((n) => n.target.join(" ")),
    summary: v.nodes.length ? (v.nodes[0].failureSummary || "") : "",
  }));
  // Whether the contrast rule looked at any text at all (passed, failed or left for review).
  return {violations, passed: results.passes.length, contrast: results.passes.concat(
    results.violations, results.incomplete).some((r) => r.id === "color-contrast")};
}
"""


def axe_violations(page: Page, name: str) -> list[dict]:
    """axe's violations on the page as it is now (axe injected with ``add_init_script``)."""
    results = page.evaluate(_RUN_AXE)
    # A scan that checked nothing (axe missing, the page blank) must not pass as a clean one.
    assert results["passed"] >= 5 and results["contrast"], f"axe checked little on {name}"
    return results["violations"]
