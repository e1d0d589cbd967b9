"""Site-wide guards: the Host header, links that leave the site, caching, CSV, HSTS, cookies."""

import csv
import io
import logging
import re
from pathlib import Path

import pytest
from flask import url_for
from sqlalchemy import select

from school import config, qr
from school.auth.models import User
from school.cards import services as cards
from school.cards.models import MemberCard
from school.db import db
from school.notifications.models import Notification
from school.orgs.services import find_org
from tests.conftest import PASSWORD, login
from tests.reports.reminding import confirm, confirm_fields

SITE = "dangxiao.example.cn"
FORGED = "evil.example"
EXTERNAL = "https://school.example.cn"
BOM = b"\xef\xbb\xbf"
_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _token(client, base: str, page: str = "/login") -> str:
    match = _TOKEN.search(client.get(page, base_url=base).get_data(as_text=True))
    assert match, page
    return match.group(1)


def _login(client, base: str, username: str, **extra) -> None:
    data = {"username": username, "password": PASSWORD, "csrf_token": _token(client, base)}
    response = client.post("/login", base_url=base, data={**data, **extra})
    assert response.status_code == 302, response.get_data(as_text=True)


def _serials(app, member_id: int) -> list[str]:
    with app.app_context():
        query = select(MemberCard.serial).where(MemberCard.member_id == member_id)
        return list(db.session.scalars(query.order_by(MemberCard.id)))


def _branch(app) -> int:
    with app.app_context():
        return find_org("一支部").id


# The Host header ----------------------------------------------------------------------------------


class TestAllowedHosts:
    @pytest.fixture
    def config_overrides(self):
        return {"ALLOWED_HOSTS": f" {SITE}, 127.0.0.1 ", "EXTERNAL_URL": EXTERNAL}

    def test_listed_hosts_and_the_external_urls_host_are_served(self, client, world):
        for base in (f"http://{SITE}", "http://127.0.0.1:5000", EXTERNAL):
            assert client.get("/login", base_url=base).status_code == 200, base

    def test_an_unlisted_host_gets_a_400_page_in_chinese(self, client, world):
        response = client.get("/login", base_url=f"http://{FORGED}")
        assert response.status_code == 400
        html = response.get_data(as_text=True)
        assert "请求有误" in html and FORGED not in html

    def test_a_request_under_an_unlisted_host_changes_nothing(self, app, client, world):
        site = f"http://{SITE}"
        _login(client, site, "member")
        client.get("/card", base_url=site)  # issues the card
        token = _token(client, site, "/account/password")
        before = _serials(app, world.member)
        # The same browser session (its cookie copied to the forged name) with a valid token.
        cookie = client.get_cookie("session", domain=SITE)
        client.set_cookie("session", cookie.value, domain=FORGED)
        forged = client.post(
            "/card/reissue", base_url=f"http://{FORGED}", data={"csrf_token": token}
        )
        assert forged.status_code == 400 and "请求有误" in forged.get_data(as_text=True)
        assert _serials(app, world.member) == before
        # The very same request under the site's own name is accepted.
        done = client.post("/card/reissue", base_url=site, data={"csrf_token": token})
        assert done.status_code == 302 and len(_serials(app, world.member)) == len(before) + 1


def test_without_allowed_hosts_any_host_is_served(client, world):
    """Development (`make run`) answers whatever name the browser used."""
    assert client.get("/login", base_url=f"http://{FORGED}").status_code == 200


def test_allowed_hosts_and_server_name_become_flasks_trusted_hosts(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x")
    monkeypatch.setenv("ALLOWED_HOSTS", f"{SITE}, .Example.org,")
    monkeypatch.setenv("EXTERNAL_URL", f"https://{SITE}/")
    cfg = config.load(str(tmp_path), {"SERVER_NAME": "Other.example.cn:8443"})
    assert cfg["TRUSTED_HOSTS"] == [SITE, ".example.org", "other.example.cn:8443", SITE]
    assert cfg["EXTERNAL_URL"] == f"https://{SITE}"
    monkeypatch.delenv("ALLOWED_HOSTS")
    assert config.load(str(tmp_path))["TRUSTED_HOSTS"] is None  # any host, as in development


@pytest.mark.parametrize(
    "value",
    [
        f"{SITE}",
        f"ftp://{SITE}",
        f"https://{SITE}/school",
        f"https://{SITE}?a=1",
        "https://:80",
        f"https://user@{SITE}",
        f"https://{SITE}:port",
    ],
)
def test_an_external_url_that_is_not_an_address_stops_startup(tmp_path, monkeypatch, value):
    monkeypatch.setenv("SECRET_KEY", "x")
    monkeypatch.setenv("EXTERNAL_URL", value)
    with pytest.raises(ValueError, match="EXTERNAL_URL"):
        config.load(str(tmp_path))


# Links that leave the site ------------------------------------------------------------------------


@pytest.fixture
def qr_links(monkeypatch) -> list[str]:
    """The URLs the card page puts into QR codes."""
    links: list[str] = []
    draw = qr.svg

    def capture(url, label):
        links.append(url)
        return draw(url, label)

    monkeypatch.setattr(qr, "svg", capture)
    return links


@pytest.mark.parametrize("config_overrides", [{"EXTERNAL_URL": EXTERNAL}])
def test_card_qr_link_is_on_the_external_url_whatever_the_host_header(app, client, world, qr_links):
    forged = f"http://{FORGED}"
    _login(client, forged, "member")
    page = client.get("/card", base_url=forged)
    assert page.status_code == 200 and FORGED not in page.get_data(as_text=True)
    [link] = qr_links
    assert link.startswith(f"{EXTERNAL}/card/v/") and FORGED not in link
    token = link.rsplit("/", 1)[1]
    assert "党员身份电子卡有效" in client.get(f"/card/v/{token}").get_data(as_text=True)


@pytest.mark.parametrize(
    ("config_overrides", "origin"),
    [
        ({}, "http://127.0.0.1:5000"),
        ({"SERVER_NAME": SITE, "PREFERRED_URL_SCHEME": "https"}, f"https://{SITE}"),
    ],
)
def test_without_external_url_the_qr_link_uses_configuration_and_warns(
    app, client, world, qr_links, caplog, origin
):
    base = f"http://{SITE}"  # the only name served when SERVER_NAME is set
    _login(client, base, "member")
    with caplog.at_level(logging.WARNING, logger="school.urls"):
        client.get("/card", base_url=base)
        client.get("/card", base_url=base)
    assert [link.rsplit("/", 1)[0] for link in qr_links] == [f"{origin}/card/v"] * 2
    warnings = [r.getMessage() for r in caplog.records if r.name == "school.urls"]
    assert warnings == [f"EXTERNAL_URL is not set: full links (card QR codes, emails) use {origin}"]


@pytest.mark.parametrize("config_overrides", [{"EXTERNAL_URL": EXTERNAL}])
def test_a_reminder_sent_under_a_forged_host_links_to_the_site(app, client, world, caplog):
    with app.app_context():
        for user in db.session.scalars(select(User)):
            user.email = f"{user.username}@example.cn"
        db.session.commit()
    forged = f"http://{FORGED}"
    _login(client, forged, "secretary")
    page = client.get(
        f"/reports/{_branch(app)}/overdue/remind",
        base_url=forged,
        query_string={"scope": "all", "channel": "email"},
    )
    fields = confirm_fields(page.get_data(as_text=True))
    # A few copies go out within the request, through the default (logging) sender.
    with caplog.at_level(logging.INFO, logger="school.messaging"):
        response = confirm(client, _branch(app), fields, base_url=forged)
    assert response.status_code == 302
    emails = [r.getMessage() for r in caplog.records if r.name == "school.messaging"]
    with app.app_context():
        urls = set(
            db.session.scalars(select(Notification.url).where(Notification.kind == "reminder"))
        )
    with app.test_request_context():
        home = url_for("courses.catalogue")
    # The emails link to the site's own address, whatever Host the request came with.
    assert len(emails) == 3 and all(e.endswith(f"网上党校：{EXTERNAL}/") for e in emails), emails
    assert not any(FORGED in email for email in emails)
    assert urls == {home}  # in the site's own inbox a path is enough


# Caching ------------------------------------------------------------------------------------------


def _no_store(response) -> bool:
    """Kept by no cache at all: no-store, and nothing that would let some cache keep it."""
    header = response.headers.get("Cache-Control", "")
    directives = {d.strip().split("=")[0].lower() for d in header.split(",")}
    return "no-store" in directives and not directives & {"public", "max-age", "s-maxage"}


@pytest.mark.parametrize("route", ["members.xlsx", "grid.xlsx", "members.csv", "grid.csv"])
def test_exports_are_never_stored(app, client, world, route):
    login(client, "secretary")
    response = client.get(f"/reports/{_branch(app)}/{route}")
    assert response.status_code == 200 and _no_store(response)
    assert "attachment" in response.headers["Content-Disposition"]


def test_personal_pages_and_files_are_never_stored(app, client, world):
    photos = Path(app.config["UPLOAD_DIR"]) / "photos"
    photos.mkdir(parents=True)
    (photos / ("a" * 32 + ".jpg")).write_bytes(b"\xff\xd8 a face")
    with app.app_context():
        member = db.session.get(User, world.member)
        member.photo_name = "a" * 32 + ".jpg"
        token = cards.sign_link(cards.current_card(member))
        db.session.commit()
    login(client, "member")
    for url in ("/archive/", "/archive/print", f"/card/photo/{world.member}", "/card"):
        with client.get(url) as response:
            assert response.status_code == 200 and _no_store(response), url
    # The scan page, for anyone who scans (staff see the member) and for the anonymous.
    for username in ("secretary", None):
        scanner = app.test_client()
        if username:
            login(scanner, username)
        response = scanner.get(f"/card/v/{token}")
        assert response.status_code == 200 and _no_store(response), username
    # Before login too: the login form carries a CSRF token tied to this browser.
    assert _no_store(app.test_client().get("/login"))


def test_shared_files_stay_cacheable(client, world):
    with client.get("/static/cards.css") as response:
        assert response.status_code == 200 and "no-store" not in response.headers["Cache-Control"]


# CSV ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("route", ["members.csv", "grid.csv"])
def test_report_csv_has_one_charset_and_the_bom(app, client, world, route):
    login(client, "secretary")
    response = client.get(f"/reports/{_branch(app)}/{route}")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.data.startswith(BOM)
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][0] == "姓名"


def test_roster_template_csv_has_one_charset_and_the_bom(client, world):
    login(client, "secretary")
    response = client.get("/manage/roster/template.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.data.startswith(BOM) and _no_store(response)


# HSTS and cookies ---------------------------------------------------------------------------------


def _cookies(response) -> dict[str, str]:
    """Set-Cookie headers by cookie name."""
    return {c.split("=", 1)[0]: c for c in response.headers.getlist("Set-Cookie")}


def _attributes(cookie: str) -> set[str]:
    return {part.strip().split("=", 1)[0].lower() for part in cookie.split(";")[1:]}


@pytest.mark.parametrize("config_overrides", [{"SESSION_COOKIE_SECURE": True}])
def test_secure_mode_sends_hsts_and_host_prefixed_cookies(app, client, world):
    site = "https://localhost"
    data = {"username": "member", "password": PASSWORD, "remember": "y"}
    data["csrf_token"] = _token(client, site)
    # Over https Flask-WTF also wants the Referer of a page of this site, as a browser sends it.
    referer = {"Referer": f"{site}/login"}
    response = client.post("/login", base_url=site, data=data, headers=referer)
    assert response.status_code == 302
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    cookies = _cookies(response)
    assert set(cookies) == {"__Host-session", "__Host-remember_token"}
    for cookie in cookies.values():
        # What browsers demand of a __Host- cookie, or they drop it.
        assert {"secure", "path", "httponly"} <= _attributes(cookie)
        assert "domain" not in _attributes(cookie) and "Path=/;" in cookie + ";"
    # The renamed cookies are the ones read back: the member is logged in.
    assert client.get("/card", base_url=site).status_code == 200
    token = _token(client, site, "/account/password")
    logout = client.post("/logout", base_url=site, data={"csrf_token": token}, headers=referer)
    assert logout.status_code == 302
    # Deleting a __Host- cookie takes Secure too, or the browser keeps it after logout.
    deleted = _cookies(logout)["__Host-remember_token"]
    assert "Max-Age=0" in deleted and "secure" in _attributes(deleted)


def test_plain_mode_keeps_plain_cookie_names_and_no_hsts(client, world):
    data = {"username": "member", "password": PASSWORD, "remember": "y"}
    data["csrf_token"] = _token(client, "http://localhost")
    response = client.post("/login", data=data)
    assert response.status_code == 302
    assert "Strict-Transport-Security" not in response.headers
    cookies = _cookies(response)
    assert set(cookies) == {"session", "remember_token"}
    assert not any("secure" in _attributes(c) for c in cookies.values())
