"""Fixtures: an app per module and backend, every test inside a transaction rolled back after.

Every test runs on SQLite and, when TEST_DATABASE_URL is set, again on PostgreSQL.
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, event

from school import create_app
from school.config import load as load_config
from school.db import db, make_engine
from tests.databases import BACKENDS, clone_database, drop_database, migrate, new_database
from tests.factories import PASSWORD, World, build_world

T = TypeVar("T")


def _compile_each_url_builder_once() -> None:
    """Every module and every test that changes the configuration makes an app, and Werkzeug
    compiles two Python functions for every URL rule of every new app: most of create_app's
    time. A builder
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


BROWSER_TESTS = "tests/browser"
# Files of few tests that take long (each test rebuilds, migrates, or starts and kills servers):
# ordered by their number of tests they would come last, and one process would finish them alone.
SLOW_FILES = (
    "tests/archive/test_rollups.py",
    "tests/test_reliability.py",
    "tests/search/test_reindex.py",
    "tests/notices/test_demo.py",
    "tests/classes/test_demo.py",
    "tests/backup/test_services.py",
    "tests/test_demo_generate.py",
    "tests/test_db_upgrade.py",
)
# A file renamed away would silently lose its place.
assert all((Path(__file__).parents[1] / name).is_file() for name in SLOW_FILES), SLOW_FILES


def _scope(nodeid: str) -> str:
    """A test's unit of work for `--dist loadfile`: its file. A browser file's tests stay in one
    process, which builds each database's demo school and starts Chromium once for all the
    browser files it is given; the files themselves spread over the processes (as one unit, or
    one per database, the browser tests ran alone for minutes after the rest had finished)."""
    return nodeid.split("::", 1)[0]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the longest units first, so that the last one to finish is short: the browser files
    (each test half a minute or more), the slow files, then the others by their number of tests."""
    sizes = Counter(_scope(item.nodeid) for item in items)

    def order(item: pytest.Item) -> tuple[bool, bool, int]:
        scope = _scope(item.nodeid)
        return not scope.startswith(f"{BROWSER_TESTS}/"), scope not in SLOW_FILES, -sizes[scope]

    items.sort(key=order)


def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """`--dist loadfile` with the units in the order above (xdist would otherwise start the files
    with the most tests first and the browser files last)."""
    if config.getoption("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class Scheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return _scope(nodeid)

    config.option.loadscopereorder = False
    return Scheduling(config, log)


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
def empty_database(
    migrated_template: str, built_once: BuiltOnce, tmp_path_factory
) -> tuple[str, Engine]:
    """One migrated database per backend for the whole run: tests roll back what they do."""

    def build() -> tuple[str, Engine]:
        url = clone_database(migrated_template, tmp_path_factory.mktemp("db"))
        return url, make_engine({"DATABASE_URL": url})

    return built_once.get(("empty", migrated_template), build, _dispose_and_drop)


@dataclass(frozen=True)
class WorldDatabase:
    url: str
    engine: Engine
    search_index: Path
    world: World


@pytest.fixture(scope="session")
def world_database(
    migrated_template: str, built_once: BuiltOnce, tmp_path_factory
) -> WorldDatabase:
    """A migrated database per backend with tests.factories.build_world committed in it, and
    the search index that build made, for the whole run: most tests start from this small
    school, and building it took a third of their time. Tests roll back what they do."""

    def build() -> WorldDatabase:
        folder = tmp_path_factory.mktemp("world")
        url = clone_database(migrated_template, folder)
        config = app_config(url, folder)
        builder = create_app(config)
        with builder.app_context():
            world = build_world()
        builder.extensions["school.db"].engine.dispose()
        return WorldDatabase(
            url, make_engine({"DATABASE_URL": url}), Path(config["SEARCH_INDEX_DIR"]), world
        )

    return built_once.get(
        ("world", migrated_template),
        build,
        lambda built: _dispose_and_drop((built.url, built.engine)),
    )


def _dispose_and_drop(built: tuple[str, Engine]) -> None:
    built[1].dispose()
    drop_database(built[0])


def _uses_built_world(request: pytest.FixtureRequest) -> bool:
    """Whether the test's app starts on the built world rather than an empty database: when it
    asks for ``world`` and keeps the configuration the world was built with."""
    return "world" in request.fixturenames and not request.getfixturevalue("config_overrides")


# database_url and engine name ``backend`` so that every test using them runs once per database
# (pytest_generate_tests); the databases themselves are picked when the test runs.
@pytest.fixture
def database_url(request: pytest.FixtureRequest, backend: str) -> str:
    """The database the test's app uses (the built world's or the empty one of its backend)."""
    if _uses_built_world(request):
        return request.getfixturevalue("world_database").url
    return request.getfixturevalue("empty_database")[0]


@pytest.fixture
def engine(request: pytest.FixtureRequest, backend: str) -> Engine:
    """The engine of database_url: the test's transaction and statement counts run on it."""
    if _uses_built_world(request):
        return request.getfixturevalue("world_database").engine
    return request.getfixturevalue("empty_database")[1]


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


class _SharedApp:
    """One app for the tests of a module that do not change its configuration, put back before
    each test to what create_app left: a fresh app per test cost about 45 ms of CPU (120 URL
    rules, and the templates compiled again on first use), several minutes over the suite."""

    def __init__(self, config: dict) -> None:
        self.app = create_app(config)
        self._config = dict(self.app.config)
        self._extensions = dict(self.app.extensions)

    def for_test(self, config: dict) -> Flask:
        """The app as create_app(config) would make it: the configuration again from the same
        loader (this test's own folders), and no extension state a previous test left behind
        (such as a once-per-app warning)."""
        app = self.app
        app.config.clear()
        app.config.update(self._config)
        app.config.from_mapping(load_config(app.instance_path, config))
        app.extensions.clear()
        app.extensions.update(self._extensions)
        return app

    def close(self) -> None:
        self.app.extensions["school.db"].engine.dispose()


@pytest.fixture(scope="module")
def _module_apps() -> Iterator[dict[str, _SharedApp]]:
    apps: dict[str, _SharedApp] = {}
    yield apps
    for shared in apps.values():
        shared.close()


@pytest.fixture
def app(
    request: pytest.FixtureRequest, engine, database_url, tmp_path, config_overrides, _module_apps
) -> Iterator[Flask]:
    """The app with its sessions bound to one transaction that is rolled back after the test.

    A test that overrides the configuration gets an app of its own; the others of the module
    share one (per database), reset before each test."""
    config = app_config(database_url, tmp_path, **config_overrides)
    if config_overrides:
        app = create_app(config)
    else:
        if database_url not in _module_apps:
            _module_apps[database_url] = _SharedApp(config)
        app = _module_apps[database_url].for_test(config)
    if _uses_built_world(request):
        # The index as the world's build left it, as if the build had run in this test.
        built: WorldDatabase = request.getfixturevalue("world_database")
        if built.search_index.exists():
            shutil.copytree(built.search_index, app.config["SEARCH_INDEX_DIR"], symlinks=True)
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
def world(app: Flask, request: pytest.FixtureRequest, tmp_path) -> World:
    """The small school of tests.factories.build_world: already in the test's database when
    the test keeps the configuration it was built with (see app), else built now in the
    test's transaction."""
    if _uses_built_world(request):
        return request.getfixturevalue("world_database").world
    with app.app_context():
        return build_world()


# The test transaction's savepoints: the session opens one per request because the app is bound
# to an open connection; a server runs none of them, so they are not the page's statements.
_SAVEPOINTS = re.compile(r"^\s*(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT)\b", re.I)


@pytest.fixture
def count_statements(engine):
    """Run one GET (or a POST of ``data``, with its CSRF token) with the test client and return
    the response and the SQL statements it ran on the app's engine (the login session's lookup
    included: it is one statement every time)."""

    def run(client: FlaskClient, url: str, data: dict | None = None, **kwargs):
        statements: list[str] = []

        def record(conn, cursor, statement, *args):
            if not _SAVEPOINTS.match(statement):
                statements.append(" ".join(statement.split()))

        event.listen(engine, "before_cursor_execute", record)
        try:
            response = client.get(url) if data is None else client.post(url, data=data, **kwargs)
        finally:
            event.remove(engine, "before_cursor_execute", record)
        return response, statements

    return run
