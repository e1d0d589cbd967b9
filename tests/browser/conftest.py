"""Browser fixtures: one server per test module and backend, one Chromium, a phone page."""

from __future__ import annotations

import logging
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from werkzeug.serving import WSGIRequestHandler, make_server

from school import create_app
from tests.browser.support import CHROMIUM, CHROMIUM_ARGS, PROJECT, Server, flask, phone
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
        # The check-in screen's new code is awaited by a test: 4 s, not a member's 20.
        "CHECKIN_ROTATE_SECONDS": "4",
        "MEDIA_DIR": str(tmp / "media"),
        "UPLOAD_DIR": str(tmp / "uploads"),
        "SEARCH_INDEX_DIR": str(tmp / "search-index"),
        # Set explicitly so a CONTENT_DIR in the caller's environment cannot swap the courses.
        "CONTENT_DIR": str(PROJECT / "content"),
    }
    # A debugger or reloader would fork a second process that terminate() does not stop.
    env.pop("FLASK_DEBUG", None)
    return env


# Settings no environment variable reaches: passwords hashed with the suite's light argon2
# profile (as everywhere else in the tests), so that a hundred logins and the demo's accounts do
# not each spend a production hash's 0.1-0.3 s of CPU. What the pages do is the same.
_TEST_ONLY = {"FAST_PASSWORD_HASHING": True}

# What `make run` builds besides the database: copied with it for every server.
_FOLDERS = ("media", "uploads", "search-index")


@pytest.fixture(scope="session")
def demo_school(backend: str, built_once: BuiltOnce, tmp_path_factory) -> tuple[str, Path]:
    """`make run`'s demo school on this backend, built once per run (per xdist worker) with
    `make run`'s commands and then only copied: (database URL, folder of its files).

    The commands run in this process, through the app's own CLI, with the environment `make run`
    would give them: a `flask` process per command imported the whole app again each time."""

    def build() -> tuple[str, Path]:
        tmp = tmp_path_factory.mktemp(f"demo-school-{backend}")
        database_url = new_database(backend, tmp)
        app = None
        try:
            with _environment(_server_env(database_url, tmp)):
                app = create_app(_TEST_ONLY)
                for command in (["db", "upgrade"], ["content", "import"], ["demo", "load"]):
                    flask(app, *command)
        except BaseException:
            drop_database(database_url)
            raise
        finally:
            if app is not None:
                app.extensions["school.db"].engine.dispose()
        return database_url, tmp

    return built_once.get(("demo school", backend), build, lambda built: drop_database(built[0]))


@contextmanager
def _environment(env: dict[str, str]) -> Iterator[None]:
    """os.environ as the server's process would have it, for the app's configuration to read."""
    with pytest.MonkeyPatch.context() as patch:
        for name in set(os.environ) - set(env):
            patch.delenv(name)
        for name, value in env.items():
            patch.setenv(name, value)
        yield


@contextmanager
def _logged_to(log: Path) -> Iterator[None]:
    """Everything logged meanwhile (Werkzeug's request lines, the app's errors) also goes to
    ``log``, as a server process's output would."""
    handler = logging.FileHandler(log, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)
        handler.close()


class _Body:
    """A response body closed once, by Werkzeug or else at the end of its request."""

    def __init__(self, body, closed: Callable[[], None]) -> None:
        self._body = body
        self._closed: Callable[[], None] | None = closed

    def __iter__(self):
        return iter(self._body)

    def close(self) -> None:
        closed, self._closed = self._closed, None
        if closed is None:
            return
        try:
            close = getattr(self._body, "close", None)
            if close is not None:
                close()
        finally:
            closed()


class _Bodies:
    """The app's response bodies, each closed by the end of its request on every path, and a
    wait for the requests still being answered.

    When the browser drops a connection (a page closed while an image is still coming),
    Werkzeug's `run_wsgi` reads what is left of the request in a `finally` before it calls the
    body's `close()`; if that read raises the connection reset, `close()` is skipped and a file
    opened by `send_file` is left to the garbage collector. Gunicorn closes the body on every
    path; the handler below gives the test server the same. And the app's engine is disposed
    only once no request is being answered: a connection that a late request returns after
    `dispose()` is left to the garbage collector too. Either one's ResourceWarning, which the
    suite turns into an error, would fail whichever test happened to run then.
    """

    def __init__(self) -> None:
        self._open = threading.local()  # this request thread's bodies not closed yet
        self._answering = 0
        self._changed = threading.Condition()

    def _leave(self) -> None:
        with self._changed:
            self._answering -= 1
            self._changed.notify_all()

    def app(self, app):
        """The WSGI app that counts its requests and keeps their bodies to be closed."""

        def served(environ, start_response):
            with self._changed:
                self._answering += 1
            try:
                body = app(environ, start_response)
            except BaseException:
                self._leave()
                raise
            closing = _Body(body, self._leave)
            self._open.bodies = [*getattr(self._open, "bodies", ()), closing]
            return closing

        return served

    def close_this_threads(self) -> None:
        """Close the bodies of the requests this thread answered that Werkzeug did not."""
        bodies, self._open.bodies = getattr(self._open, "bodies", ()), []
        for body in bodies:
            body.close()

    def handler(self) -> type[WSGIRequestHandler]:
        """Werkzeug's request handler, closing what the request left open when it ends."""
        bodies = self

        class Handler(WSGIRequestHandler):
            def run_wsgi(self) -> None:
                try:
                    super().run_wsgi()
                finally:
                    bodies.close_this_threads()

        return Handler

    def wait_until_idle(self, timeout: float) -> None:
        with self._changed:
            self._changed.wait_for(lambda: self._answering == 0, timeout)


@pytest.fixture(scope="module")
def server(demo_school: tuple[str, Path], backend: str, tmp_path_factory) -> Iterator[Server]:
    """`make run`'s app on a fresh copy of the demo school of this backend, configured from the
    environment as `flask run` configures it and served by the server `flask run` uses
    (Werkzeug's, one thread per request), in a thread of this process on a free local port.

    Not a `flask run` process per module: starting one imported the whole app again, seconds of
    CPU each time, and on a busy machine it missed its 20 s to answer."""
    tmp = tmp_path_factory.mktemp(f"server-{backend}")
    template_url, template_files = demo_school
    database_url = clone_database(template_url, tmp)
    for folder in _FOLDERS:
        if (template_files / folder).exists():
            # symlinks=True: the search index's `current` link is relative to its folder.
            shutil.copytree(template_files / folder, tmp / folder, symlinks=True)
    log = tmp / "server.log"
    app = None
    bodies = _Bodies()
    try:
        with _environment(_server_env(database_url, tmp)):
            app = create_app(_TEST_ONLY)
        http = make_server(
            "127.0.0.1", 0, bodies.app(app), threaded=True, request_handler=bodies.handler()
        )
        thread = threading.Thread(target=http.serve_forever, name="browser-test-server")
        with _logged_to(log):
            thread.start()
            try:
                yield Server(
                    url=f"http://127.0.0.1:{http.server_port}", log=log, database_url=database_url
                )
            finally:
                http.shutdown()
                thread.join()
                http.server_close()
                bodies.wait_until_idle(timeout=30)
    finally:
        if app is not None:
            app.extensions["school.db"].engine.dispose()
        drop_database(database_url)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One Chromium per process for all browser tests; each test opens its own contexts."""
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
