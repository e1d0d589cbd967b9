"""Offline and installable, on the server's side: the manifest and its icons, the service worker
served from the root, and the rules a lesson page read offline meets when the connection returns
(school/courses/activity.py, "Offline"): offline time is not credited, and a "学完了" kept on the
phone is refused with a clear message until the credited time is there."""

import json
import re
from datetime import timedelta
from io import BytesIO

from PIL import Image
from sqlalchemy import func, select

from school.archive.models import ArchiveEntry
from school.auth.models import User
from school.courses import activity
from school.courses import services as courses
from school.courses.models import LessonCompletion
from school.db import db, utcnow
from tests.conftest import login, post

_VIEW = re.compile(r'data-view="([^"]+)"')


def _file(client, path: str) -> tuple[int, str, bytes]:
    """Status, type and body of a file, its response closed (files are streamed)."""
    with client.get(path) as response:
        return response.status_code, response.mimetype, response.get_data()


def test_the_manifest_names_the_site_and_its_icons(client):
    status, mimetype, body = _file(client, "/static/manifest.webmanifest")
    assert status == 200 and mimetype == "application/manifest+json"
    manifest = json.loads(body)
    assert manifest["name"] == "网上党校"
    assert manifest["start_url"] == "/" and manifest["display"] == "standalone"
    sizes = {}
    for icon in manifest["icons"]:
        status, mimetype, body = _file(client, icon["src"])
        assert status == 200 and mimetype == "image/png"
        width, height = Image.open(BytesIO(body)).size
        assert icon["sizes"] == f"{width}x{height}"
        sizes[icon["purpose"], width] = True
    assert {("any", 192), ("any", 512), ("maskable", 512)} <= set(sizes)


def test_every_page_links_the_manifest_and_the_worker(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'rel="manifest" href="/static/manifest.webmanifest"' in page
    assert 'src="/static/pwa.js"' in page


def test_the_service_worker_is_served_from_the_root_to_anyone(client):
    with client.get("/service-worker.js") as response:
        assert response.status_code == 200
        assert response.mimetype == "text/javascript"
        assert b"caches" in response.get_data()
        # Never kept by the browser's HTTP cache: a new version reaches every phone at once.
        assert response.headers["Cache-Control"] == "no-store"


def test_the_offline_page_and_everything_the_worker_keeps_exist(client):
    worker = _file(client, "/service-worker.js")[2].decode()
    kept = re.search(r"var PRECACHE = \[(.*?)\];", worker, re.S).group(1)
    for path in [*re.findall(r'"(/static/[^"]+)"', kept), "/static/offline.html"]:
        assert _file(client, path)[0] == 200, path
    offline = _file(client, "/static/offline.html")[2].decode()
    assert "当前没有网络连接" in offline and 'id="offline-lessons"' in offline


def test_offline_time_earns_at_most_one_heartbeat_when_the_connection_returns(app, world):
    with app.app_context():
        member = db.session.get(User, world.member)
        lesson = courses.get_lesson(courses.get_course("rules"), "one")
        opened = utcnow() - timedelta(minutes=30)
        view = activity.issue_view(member, lesson, opened)
        at = opened + timedelta(seconds=15)
        first = activity.heartbeat(member, lesson, activity.Beat(view=view, seq=1), now=at)
        assert first.credited == 15
        # Twenty minutes offline: the beats the page sent meanwhile never arrived (seq 2 to 81).
        # The first one that arrives earns what any heartbeat earns, never the time offline.
        back = activity.heartbeat(
            member, lesson, activity.Beat(view=view, seq=82), now=at + timedelta(minutes=20)
        )
        assert back.accepted and back.credited == activity.CAP
        assert back.active_seconds == 15 + activity.CAP
        # Whatever the page sends next at once is too soon: nothing more for the time offline.
        again = activity.heartbeat(
            member, lesson, activity.Beat(view=view, seq=83), now=at + timedelta(minutes=20)
        )
        assert not again.accepted and again.reason == "too_soon"
        assert activity.study_of(member, lesson).active_seconds == 15 + activity.CAP


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(model.id)))


def test_a_completion_kept_offline_gets_a_fresh_token_and_the_servers_refusal(app, client, world):
    app.config["MIN_STUDY_SECONDS"] = 600
    login(client, "member")
    page = client.get("/courses/rules/one").get_data(as_text=True)
    assert _VIEW.search(page)
    # The kept page has no CSRF token: a POST without one is answered with a fresh one.
    answer = client.post("/courses/rules/one/study", headers={"Accept": "application/json"})
    assert answer.status_code == 400 and answer.json["error"] == "csrf"
    token = answer.json["csrf_token"]
    # The completion posted with it is checked like any other: too little time, refused.
    refused = client.post(
        "/courses/rules/one/complete", data={"csrf_token": token}, follow_redirects=True
    )
    assert "还没有记录到足够的学习时间" in refused.get_data(as_text=True)
    assert _count(app, LessonCompletion) == 0 and _count(app, ArchiveEntry) == 0


def test_a_completion_kept_offline_counts_once_the_time_is_there(app, client, world):
    login(client, "member")
    client.get("/courses/rules/one")
    token = client.post("/courses/rules/one/study", headers={"Accept": "application/json"}).json[
        "csrf_token"
    ]
    done = client.post("/courses/rules/one/complete", data={"csrf_token": token})
    assert done.status_code == 302
    assert _count(app, LessonCompletion) == 1
    # Sent twice (two tabs, a retry): still one completion.
    post(client, "/courses/rules/one/complete")
    assert _count(app, LessonCompletion) == 1
