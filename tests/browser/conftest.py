"""Browser fixtures: one server per test module and backend, one Chromium, a phone page."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.browser.support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PROJECT,
    Server,
    flask,
    free_port,
    phone,
    wait_until_up,
)
from tests.conftest import BuiltOnce
from tests.databases import clone_database, drop_database, new_database


def _server_env(database_url: str, tmp: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "FLASK_APP": "wsgi.py",
        "DATABASE_URL": database_url,
        "SECRET_KEY": "browser-test-secret",
        # The browser clicks faster than a member reads; the wait itself is tested elsewhere.
        "MIN_STUDY_SECONDS": "0",
        "RATELIMIT_ENABLED": "false",
        "MEDIA_DIR": str(tmp / "media"),
        "UPLOAD_DIR": str(tmp / "uploads"),
        "SEARCH_INDEX_DIR": str(tmp / "search-index"),
        # Set explicitly so a CONTENT_DIR in the caller's environment cannot swap the courses.
        "CONTENT_DIR": str(PROJECT / "content"),
    }
    # A debugger or reloader would fork a second process that terminate() does not stop.
    env.pop("FLASK_DEBUG", None)
    return env


# What `make run` builds besides the database: copied with it for every server.
_FOLDERS = ("media", "uploads", "search-index")


@pytest.fixture(scope="session")
def demo_school(backend: str, built_once: BuiltOnce, tmp_path_factory) -> tuple[str, Path]:
    """`make run`'s demo school on this backend, built once per run (per xdist worker) with
    `make run`'s commands and then only copied: (database URL, folder of its files)."""

    def build() -> tuple[str, Path]:
        tmp = tmp_path_factory.mktemp(f"demo-school-{backend}")
        database_url = new_database(backend, tmp)
        try:
            env = _server_env(database_url, tmp)
            flask(env, "db", "upgrade")
            flask(env, "content", "import")
            flask(env, "demo", "load")
        except BaseException:
            drop_database(database_url)
            raise
        return database_url, tmp

    return built_once.get(("demo school", backend), build, lambda built: drop_database(built[0]))


@pytest.fixture(scope="module")
def server(demo_school: tuple[str, Path], backend: str, tmp_path_factory) -> Iterator[Server]:
    """`make run` on a fresh copy of the demo school of this backend, on a free local port."""
    tmp = tmp_path_factory.mktemp(f"server-{backend}")
    template_url, template_files = demo_school
    database_url = clone_database(template_url, tmp)
    for folder in _FOLDERS:
        if (template_files / folder).exists():
            # symlinks=True: the search index's `current` link is relative to its folder.
            shutil.copytree(template_files / folder, tmp / folder, symlinks=True)
    env = _server_env(database_url, tmp)
    log = tmp / "server.log"
    process = None
    try:
        url = f"http://127.0.0.1:{free_port()}"
        port = url.rsplit(":", 1)[1]
        with log.open("w") as log_file:
            process = subprocess.Popen(
                [sys.executable, "-m", "flask", "run", "--host", "127.0.0.1", "--port", port],
                cwd=PROJECT,
                env=env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        wait_until_up(url, process, log)
        yield Server(url=url, log=log, database_url=database_url)
    finally:
        if process is not None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        drop_database(database_url)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        # Not a skip: a browser test that silently does not run is worse than a red build.
        pytest.fail(f"{CHROMIUM} is missing; install Debian's chromium package to run this test")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser, server: Server) -> Iterator[Page]:
    with phone(browser, server) as page:
        yield page
