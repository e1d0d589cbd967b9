"""Fixtures: an app per test on each backend, every test inside a transaction rolled back after.

Every test runs on SQLite and, when TEST_DATABASE_URL is set, again on PostgreSQL.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import TypeVar

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from school import create_app
from school.db import db, make_engine
from tests.databases import BACKENDS, clone_database, drop_database, migrate, new_database

PASSWORD = "correct-horse-9"
T = TypeVar("T")


def _compile_each_url_builder_once() -> None:
    """Every test makes its own app, and Werkzeug compiles two Python functions for every URL
    rule of every new app: most of create_app's time, a good part of the suite's. A builder
    depends only on the rule, its defaults and the map's converters (the rule comes in as an
    argument), so each worker compiles each builder once and the apps share them. A Werkzeug
    without this private method is left alone (the suite is then only slower)."""
    from werkzeug.routing.rules import Rule

    compile_builder = getattr(Rule, "_compile_builder", None)
    if compile_builder is None or getattr(compile_builder, "shared_by_the_suite", False):
        return
    builders: dict[tuple, Callable] = {}

    def shared_builder(self: Rule, append_unknown: bool = True) -> Callable:
        key = (
            self.rule,
            self.host,
            self.subdomain,
            self.merge_slashes,
            self.map.host_matching,
            tuple(sorted(self.map.converters.items())),
            tuple((name, repr(value)) for name, value in (self.defaults or {}).items()),
            append_unknown,
        )
        if key not in builders:
            builders[key] = compile_builder(self, append_unknown)
        return builders[key]

    shared_builder.shared_by_the_suite = True  # type: ignore[attr-defined]
    Rule._compile_builder = shared_builder  # type: ignore[method-assign]


_compile_each_url_builder_once()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test once per database. Search tests once per database and search backend:
    Whoosh on each database, PostgreSQL full-text search on PostgreSQL only (the pair that
    cannot run is never generated rather than skipped)."""
    if "backend" not in metafunc.fixturenames:
        return
    if "search_backend" in metafunc.fixturenames:
        pairs = [(db_, "whoosh") for db_ in BACKENDS]
        pairs += [(db_, "postgres") for db_ in BACKENDS if db_ == "postgresql"]
        metafunc.parametrize(
            ("backend", "search_backend"),
            pairs,
            ids=[f"{db_}-{search}" for db_, search in pairs],
            indirect=True,
            scope="session",
        )
    else:
        metafunc.parametrize("backend", BACKENDS, indirect=True, scope="session")


@pytest.fixture(scope="session")
def backend(request) -> str:
    return request.param


class BuiltOnce:
    """Expensive things (a migrated database, the demo school) built once per run and key.

    Not session fixtures parametrized by backend: under ``--dist loadfile`` a worker runs one
    file's SQLite tests, then its PostgreSQL tests, then the next file's, and pytest tears a
    session fixture down and builds it again whenever its parameter changes, i.e. per file.
    """

    def __init__(self) -> None:
        self._built: dict[object, object] = {}
        self._cleanups: list[Callable[[], None]] = []

    def get(self, key: object, build: Callable[[], T], cleanup: Callable[[T], None]) -> T:
        if key not in self._built:
            value = build()
            self._built[key] = value
            self._cleanups.append(lambda: cleanup(value))
        return self._built[key]  # type: ignore[return-value]

    def close(self) -> None:
        while self._cleanups:
            self._cleanups.pop()()


@pytest.fixture(scope="session")
def built_once() -> Iterator[BuiltOnce]:
    cache = BuiltOnce()
    yield cache
    cache.close()


@pytest.fixture(scope="session")
def migrated_template(backend: str, built_once: BuiltOnce, tmp_path_factory) -> str:
    """A freshly migrated database per backend, migrated once per run (per xdist worker) and
    only ever copied (clone_database), never used, so that no one is connected to it."""

    def build() -> str:
        url = new_database(backend, tmp_path_factory.mktemp("template"))
        try:
            migrate(url)
        except BaseException:
            drop_database(url)
            raise
        return url

    return built_once.get(("migrated", backend), build, drop_database)


@pytest.fixture(scope="session")
def database_url(migrated_template: str, built_once: BuiltOnce, tmp_path_factory) -> str:
    """One migrated database per backend for the whole run: tests roll back what they do."""
    return built_once.get(
        ("shared", migrated_template),
        lambda: clone_database(migrated_template, tmp_path_factory.mktemp("db")),
        drop_database,
    )


@pytest.fixture(scope="session")
def engine(database_url: str):
    engine = make_engine({"DATABASE_URL": database_url})
    yield engine
    engine.dispose()


def app_config(database_url: str, tmp_path, **overrides) -> dict:
    return {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret",
        "MIN_STUDY_SECONDS": 0,
        "FAST_PASSWORD_HASHING": True,
        "RATELIMIT_ENABLED": False,
        "MEDIA_DIR": str(tmp_path / "media"),
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        # Never the project's own instance/ index: each app its own, thrown away with the test.
        "SEARCH_INDEX_DIR": str(tmp_path / "search-index"),
        "CONTENT_DIR": str(tmp_path / "content"),
        **overrides,
    }


@pytest.fixture
def config_overrides() -> dict:
    """Tests override this fixture to change the app's configuration."""
    return {}


@pytest.fixture
def app(engine, database_url, tmp_path, config_overrides) -> Iterator[Flask]:
    """The app with its sessions bound to one transaction that is rolled back after the test."""
    app = create_app(app_config(database_url, tmp_path, **config_overrides))
    connection = engine.connect()
    transaction = connection.begin()
    db.bind_to(app, connection)
    yield app
    transaction.rollback()
    connection.close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client: FlaskClient, page: str = "/login") -> str:
    """Read a CSRF token the way a browser gets one: from a form on a page."""
    response = client.get(page)
    if response.status_code == 302:  # logged in: /login redirects, use a page with a form
        response = client.get("/account/password")
    match = _TOKEN.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {page}"
    return match.group(1)


def post(client: FlaskClient, url: str, data: dict | None = None, **kwargs):
    """POST a form with a valid CSRF token."""
    return client.post(url, data={**(data or {}), "csrf_token": csrf_token(client)}, **kwargs)


def login(client: FlaskClient, username: str, password: str = PASSWORD):
    response = post(client, "/login", {"username": username, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


@pytest.fixture
def committed_app(migrated_template, tmp_path) -> Iterator[Flask]:
    """An app on its own freshly migrated database whose commits are real, for races."""
    url = clone_database(migrated_template, tmp_path)
    app = create_app(app_config(url, tmp_path))
    yield app
    with app.app_context():
        db.engine.dispose()
    drop_database(url)


@pytest.fixture
def world(app: Flask):
    from tests.factories import build_world

    with app.app_context():
        return build_world()


# The test transaction's savepoints: the session opens one per request because the app is bound
# to an open connection; a server runs none of them, so they are not the page's statements.
_SAVEPOINTS = re.compile(r"^\s*(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT)\b", re.I)


@pytest.fixture
def count_statements(engine):
    """Run one GET with the test client and return the response and the SQL statements it ran
    on the app's engine (the login session's lookup included: it is one statement every time)."""

    def run(client: FlaskClient, url: str):
        statements: list[str] = []

        def record(conn, cursor, statement, *args):
            if not _SAVEPOINTS.match(statement):
                statements.append(" ".join(statement.split()))

        event.listen(engine, "before_cursor_execute", record)
        try:
            response = client.get(url)
        finally:
            event.remove(engine, "before_cursor_execute", record)
        return response, statements

    return run
