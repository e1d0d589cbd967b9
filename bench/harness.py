"""What the benchmarks share: a throwaway database, gunicorn, wrk, percentiles, machine facts.

Every benchmark that serves the app over HTTP starts it the same way (``Server``): ``python -m
gunicorn --workers N wsgi:app`` from the project root on a free port of 127.0.0.1, with
``DATABASE_URL``, a fixed ``SECRET_KEY`` and ``RATELIMIT_ENABLED=false``. ``hello_server`` starts
``bench/hello.py`` (a bare Flask app) with the same settings, the yardstick a page is held
against. ``wrk`` measures a URL (``run_wrk``) and reports req/s and latency percentiles.
``Browser`` is the one HTTP client of the benchmarks: it logs in with the CSRF token, keeps
cookies, GETs and POSTs (forms, files) and times each request to the last byte.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import mimetypes
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
# Throwaway value for throwaway databases that are dropped at the end of a run.
SECRET_KEY = "bench-quiz-load-secret"  # noqa: S105


# --- databases ----------------------------------------------------------------------------------


def migrate(url: str) -> None:
    """Alembic to head, as ``flask db upgrade`` does."""
    from alembic import command

    from school.cli import alembic_config

    command.upgrade(alembic_config(url), "head")


def create_postgres(admin_url: str, name: str) -> str:
    """An empty database ``name`` on the server of ``admin_url`` (dropped first if left over)."""
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_postgres(admin_url: str, name: str) -> None:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@contextmanager
def fresh_database(
    sqlite: bool,
    admin_url: str,
    workdir: Path,
    prefix: str = "bench_load",
    upgrade: bool = True,
) -> Iterator[str]:
    """A database of its own (migrated unless ``upgrade=False``), dropped afterwards whatever
    happens: a SQLite file in ``workdir`` or ``<prefix>_<pid>`` on the PostgreSQL server."""
    if sqlite:
        url = f"sqlite:///{workdir / 'bench.db'}"
        if upgrade:
            migrate(url)
        yield url  # the file goes with workdir
        return
    name = f"{prefix}_{os.getpid()}"
    url = create_postgres(admin_url, name)
    try:
        if upgrade:
            migrate(url)
        yield url
    finally:
        drop_postgres(admin_url, name)


@contextmanager
def workdir(prefix: str) -> Iterator[Path]:
    """A temporary directory, removed at the end."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def server_version(url: str) -> str:
    """``SQLite 3.x`` or ``PostgreSQL 15.x`` for the database at ``url``."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                return "SQLite " + conn.scalar(text("select sqlite_version()"))
            return "PostgreSQL " + conn.scalar(text("show server_version")).split()[0]
    finally:
        engine.dispose()


# --- gunicorn -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def app_env(url: str | None, workdir: Path, extra: Mapping[str, str] | None = None) -> dict:
    """The environment the app runs with in a benchmark: its own files stay in ``workdir``."""
    env = {
        **os.environ,
        "SECRET_KEY": SECRET_KEY,
        "RATELIMIT_ENABLED": "false",
        "MIN_STUDY_SECONDS": "0",
        "MEDIA_DIR": str(workdir / "media"),
        # Forum images and the search index of a throwaway database stay with it.
        "UPLOAD_DIR": str(workdir / "uploads"),
        "SEARCH_INDEX_DIR": str(workdir / "search-index"),
    }
    if url is not None:
        env["DATABASE_URL"] = url
    env.update(extra or {})
    return env


class Server:
    """gunicorn serving ``app`` (``wsgi:app``) from the project root, as the README deploys it."""

    # %(D)s is the time the worker spent on the request, so the client's latency can be split
    # into service time and time waiting for a free worker.
    ACCESS_FORMAT = "%(m)s %(U)s %(s)s %(D)s"

    def __init__(
        self,
        url: str | None,
        workers: int,
        workdir: Path,
        access_format: str | None = ACCESS_FORMAT,
        *,
        app: str = "wsgi:app",
        probe: str = "/login",
        name: str = "",
        env: Mapping[str, str] | None = None,
        root: Path = ROOT,
    ) -> None:
        self.port = free_port()
        self.root = root
        self.probe = probe
        self.access_log = workdir / f"access{name}.log"
        self.error_log = workdir / f"error{name}.log"
        logging = (
            ["--access-logfile", str(self.access_log), "--access-logformat", access_format]
            if access_format
            else []
        )
        self.command = [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(workers),
            "--bind",
            f"{HOST}:{self.port}",
            *logging,
            "--error-logfile",
            str(self.error_log),
            # Its control socket lives at one path per user: runs side by side would share it.
            "--no-control-socket",
            app,
        ]
        self.env = app_env(url, workdir, env)
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    def __enter__(self) -> Server:
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and fixed arguments
            self.command,
            cwd=self.root,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.error_tail()}")
            conn = http.client.HTTPConnection(HOST, self.port, timeout=2)
            # Closed whatever happens: a worker still booting lets the probe time out.
            with suppress(OSError, http.client.HTTPException), closing(conn):
                conn.request("GET", self.probe)
                with conn.getresponse() as answer:
                    if answer.status == 200:
                        return self
            time.sleep(0.2)
        self.__exit__(None, None, None)
        raise RuntimeError(f"gunicorn did not answer within 30 s:\n{self.error_tail()}")

    def __exit__(self, *exc: object) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)  # graceful: workers finish their request
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def error_tail(self, lines: int = 30) -> str:
        if not self.error_log.exists():
            return ""
        return "\n".join(self.error_log.read_text(errors="replace").splitlines()[-lines:])

    def pids(self) -> set[int]:
        assert self.process is not None
        master = self.process.pid
        return {master} | {pid for pid, ppid, _ in processes() if ppid == master}

    def worker_cpu(self) -> float:
        """CPU seconds the workers have used so far (user plus system): a load's difference,
        divided by its requests, is what a request costs, whatever else the machine runs."""
        assert self.process is not None
        return sum(cpu_seconds(pid) for pid in self.pids() - {self.process.pid})


def hello_server(workers: int, workdir: Path, root: Path = ROOT) -> Server:
    """``bench/hello.py`` under the same gunicorn settings as the app: the yardstick."""
    return Server(
        None, workers, workdir, None, app="bench.hello:app", probe="/", name="-hello", root=root
    )


# --- wrk ----------------------------------------------------------------------------------------

# wrk's done() hook prints one line of JSON with the figures the reports need (latencies in µs).
WRK_REPORT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH-WRK {"requests": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d, '
    .. '"status": %d, "timeout": %d, "p50": %d, "p90": %d, "p99": %d, "max": %d}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
"""


@dataclass(frozen=True)
class WrkResult:
    requests: int
    seconds: float
    errors: int  # connect, read, write and timeout errors
    bad_status: int  # answers other than 2xx or 3xx
    p50: float  # seconds
    p90: float
    p99: float
    max: float

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def parse_wrk(output: str) -> WrkResult:
    """The figures of the ``BENCH-WRK`` line that ``WRK_REPORT`` makes wrk print."""
    match = re.search(r"^BENCH-WRK (\{.*\})$", output, re.MULTILINE)
    if match is None:
        raise ValueError(f"no BENCH-WRK line in wrk's output:\n{output}")
    v = json.loads(match.group(1))
    return WrkResult(
        requests=v["requests"],
        seconds=v["duration_us"] / 1e6,
        errors=v["connect"] + v["read"] + v["write"] + v["timeout"],
        bad_status=v["status"],
        p50=v["p50"] / 1e6,
        p90=v["p90"] / 1e6,
        p99=v["p99"] / 1e6,
        max=v["max"] / 1e6,
    )


def wrk_path() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise RuntimeError("wrk is not installed (Debian: apt-get install wrk)")
    return found


def run_wrk(
    url: str,
    seconds: float,
    connections: int = 4,
    threads: int = 1,
    headers: Mapping[str, str] | None = None,
    timeout: float = 10,
    method: str = "GET",
    body: str | None = None,
) -> WrkResult:
    """Load ``url`` with wrk for ``seconds``; ``headers`` (a session cookie) go with each request,
    and ``body`` (a urlencoded form) with each ``method`` request.

    A 3xx answer counts as an answer (wrk does not follow it), so a page that redirects when the
    session is gone would look fast: check the status once before measuring (``get_status``).
    """
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(f"wrk.method = {json.dumps(method)}\n")
        if body is not None:
            # A JSON string is a valid Lua string literal for the ASCII of a urlencoded form.
            script.write(f"wrk.body = {json.dumps(body)}\n")
        script.write(WRK_REPORT)
    try:
        command = [
            wrk_path(),
            f"--threads={threads}",
            f"--connections={connections}",
            f"--duration={max(1, round(seconds))}s",
            f"--timeout={max(1, round(timeout))}s",
            f"--script={script.name}",
        ]
        for name, value in (headers or {}).items():
            command += ["--header", f"{name}: {value}"]
        done = subprocess.run(  # noqa: S603 - wrk with our own arguments
            [*command, url], capture_output=True, text=True, timeout=seconds + 60, check=False
        )
    finally:
        os.unlink(script.name)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return parse_wrk(done.stdout)


def get_status(
    url: str,
    headers: Mapping[str, str] | None = None,
    method: str = "GET",
    body: str | None = None,
) -> int:
    """One request (a GET unless ``method`` says otherwise) with ``headers``; its status."""
    parts = url.split("/", 3)
    host, _, port = parts[2].partition(":")
    conn = http.client.HTTPConnection(host, int(port or 80), timeout=30)
    with closing(conn):
        path = "/" + (parts[3] if len(parts) > 3 else "")
        conn.request(method, path, body=body, headers=dict(headers or {}))
        with conn.getresponse() as answer:
            answer.read()
            return answer.status


# --- a browser ----------------------------------------------------------------------------------

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
# gunicorn's own worker timeout is 30 s: a request still waiting after that has failed anyway.
REQUEST_TIMEOUT = 35.0


@dataclass(frozen=True)
class Sample:
    """One request as the client saw it."""

    member: int  # the browser's index
    kind: str
    started: float  # the browser's clock when the request left
    latency: float  # seconds, from before the connection to the last byte of the answer
    status: int  # 0 when no answer came
    error: str


class Failed(Exception):
    """A request did not get the answer a browser would need to carry on."""


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    seconds: float  # from before the connection to the last byte

    def location(self) -> str:
        parts = urlsplit(self.headers.get("Location", ""))
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def text(self) -> str:
        return self.body.decode(errors="replace")


def multipart(
    fields: Sequence[tuple[str, str]],
    files: Sequence[tuple[str, str, bytes]],
    boundary: str | None = None,
) -> tuple[bytes, str]:
    """A multipart/form-data body of ``fields`` and ``files`` (name, file name, content), as a
    browser sends a form with a file input; returns the body and its Content-Type."""
    boundary = boundary or f"bench{secrets.token_hex(16)}"
    parts: list[bytes] = []
    for name, value in fields:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + value.encode()
            + b"\r\n"
        )
    for name, filename, content in files:
        kind = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        parts.append(
            f"--{boundary}\r\nContent-Disposition: form-data; "
            f'name="{name}"; filename="{filename}"\r\nContent-Type: {kind}\r\n\r\n'.encode()
            + content
            + b"\r\n"
        )
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), (
        f"multipart/form-data; boundary={boundary}"
    )


class _Forms(HTMLParser):
    """The fields each form of a page submits when its button is pressed without touching it."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, list[tuple[str, str]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append((a.get("action", ""), []))
        elif tag == "input" and self.forms and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("file", "submit", "button", "image", "reset"):
                self.forms[-1][1].append((a["name"], a.get("value", "on")))


def form_fields(html: str, action: str) -> list[tuple[str, str]]:
    """What the page's form posting to ``action`` sends as it stands: its hidden and filled-in
    inputs, checked boxes only (no file inputs, no textareas or selects)."""
    parser = _Forms()
    parser.feed(html)
    for target, fields in parser.forms:
        if target == action:
            return fields
    raise Failed(f"no form posting to {action} on the page")


class Browser:
    """One browser: its cookies and the CSRF token of the last page it read.

    A new connection per request: gunicorn's sync workers close it after every response anyway.
    Every request is kept in ``samples`` (latency to the last byte); ``Response.seconds`` is the
    same figure.
    """

    def __init__(
        self,
        port: int,
        *,
        index: int = 0,
        clock: Callable[[], float] = time.monotonic,
        timeout: float = REQUEST_TIMEOUT,
    ) -> None:
        self.port = port
        self.index = index
        self.clock = clock
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self.csrf = ""
        self.samples: list[Sample] = []

    def send(
        self,
        kind: str,
        method: str,
        path: str,
        form: Sequence[tuple[str, str]] | None = None,
        *,
        json_reply: bool = False,
        files: Sequence[tuple[str, str, bytes]] = (),
    ) -> Response:
        """One request; ``form`` is urlencoded, or sent as multipart/form-data with ``files``."""
        headers = {"User-Agent": "bench", "Accept": "text/html"}
        if json_reply:
            headers["Accept"] = "application/json"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if files:
            body, headers["Content-Type"] = multipart(form or (), files)
        elif form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        began = time.perf_counter()
        started = self.clock()
        try:
            conn = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
            try:
                conn.request(method, path, body=body, headers=headers)
                # Closed even when the body is cut off: its socket would otherwise stay open.
                with conn.getresponse() as raw:
                    status, message, data = raw.status, raw.msg, raw.read()
            finally:
                conn.close()
        except (OSError, http.client.HTTPException) as exc:
            latency = time.perf_counter() - began
            self.samples.append(Sample(self.index, kind, started, latency, 0, repr(exc)))
            raise Failed(f"{kind}: {exc!r}") from exc
        latency = time.perf_counter() - began
        for header in message.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel.value:
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        self.samples.append(Sample(self.index, kind, started, latency, status, ""))
        return Response(status, message, data, latency)

    def get(self, path: str, kind: str = "get", status: int | None = 200) -> Response:
        """GET ``path``; unless ``status`` is None, anything but that status fails."""
        response = self.send(kind, "GET", path)
        if status is not None:
            self.expect(response, status, f"GET {path}")
        return response

    def fail(self, what: str, detail: str) -> None:
        """Mark the last request failed (whatever its status) and stop this browser."""
        last = self.samples[-1]
        self.samples[-1] = Sample(
            last.member, last.kind, last.started, last.latency, last.status, detail
        )
        raise Failed(f"{what}: {detail}")

    def expect(self, response: Response, status: int, what: str) -> None:
        if response.status != status:
            self.fail(what, f"expected {status}, got {response.status} {response.location()}")

    def read_token(self, response: Response) -> None:
        match = CSRF.search(response.text())
        if match is None:
            raise Failed("no CSRF token on the page")
        self.csrf = match.group(1)

    def log_in(self, username: str, password: str) -> None:
        """GET ``/login``, POST it with the CSRF token; fails unless the login is accepted."""
        page = self.send("login", "GET", "/login")
        self.expect(page, 200, "login page")
        self.read_token(page)
        form = [("username", username), ("password", password), ("csrf_token", self.csrf)]
        done = self.send("login", "POST", "/login", form)
        self.expect(done, 302, "login")
        if done.location().startswith("/login"):
            self.fail("login", f"{username} refused")


def log_in_all(
    browsers: Sequence[Browser], log_in: Callable[[Browser], None], timeout: float = 300
) -> dict[int, str]:
    """Log every client in with ``log_in``, eight at a time (eight keep two workers busy, and
    argon2 makes each login about 0.1 s of CPU); returns {client index: why it failed}."""
    failures: dict[int, str] = {}
    pending = list(browsers)
    lock = threading.Lock()

    def work() -> None:
        while True:
            with lock:
                if not pending:
                    return
                browser = pending.pop()
            try:
                log_in(browser)
            except Failed as exc:
                failures[browser.index] = str(exc)

    threads = [threading.Thread(target=work, daemon=True) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return failures


def sequential(browser: Browser, path: str, runs: int, kind: str = "get") -> list[float]:
    """Seconds of ``runs`` GETs of ``path``, one at a time, each answered 200."""
    return [browser.get(path, kind).seconds for _ in range(runs)]


def hello_latency(hello: Server, runs: int) -> float:
    """Median seconds of sequential GETs of a running hello, after one to warm up: the cheapest
    request a sequential benchmark can make on this machine at this moment."""
    browser = Browser(hello.port)
    browser.get("/")
    return statistics.median(sequential(browser, "/", runs))


def log_offset(log: Path) -> int:
    """Where the next line of an access log will start: ``served_times`` reads from there."""
    return log.stat().st_size if log.exists() else 0


def served_times(log: Path, start: int = 0, path: str | None = None) -> list[float]:
    """Seconds the workers spent on the requests logged after byte ``start`` (``%(D)s`` in µs,
    the last field of ``Server.ACCESS_FORMAT``), only those to ``path`` if given. gunicorn
    writes a line after the answer is sent: wait a moment after the last request."""
    if not log.exists():
        return []
    with log.open() as lines:
        lines.seek(start)
        rows = [line.split() for line in lines if line.strip()]
    return [int(row[-1]) / 1e6 for row in rows if path is None or row[1] == path]


# --- numbers ------------------------------------------------------------------------------------


def last_served(server: Server, start: int, path: str) -> float | None:
    """The worker's own time for the last request to ``path`` logged since ``start``."""
    times = served_times(server.access_log, start, path)
    return times[-1] if times else None


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of sorted values."""
    if not values:
        return math.nan
    return values[max(0, math.ceil(q / 100 * len(values)) - 1)]


def spread(samples: Sequence[float]) -> tuple[float, float, float]:
    """Median, p95 (nearest rank) and maximum of some timings."""
    values = sorted(samples)
    return statistics.median(values), percentile(values, 95), values[-1]


def ms(seconds: float | None) -> str:
    """Seconds as milliseconds for a table; "–" for a step that was not measured."""
    if seconds is None:
        return "–"
    if math.isnan(seconds):
        return "-"
    value = seconds * 1000
    return f"{value:.1f}" if value < 10 else f"{value:.0f}"


# --- the machine --------------------------------------------------------------------------------

TICK = os.sysconf("SC_CLK_TCK")


def load_average(digits: int = 2) -> str:
    """The 1, 5 and 15 minute load averages, ``0.52, 0.61, 0.70``."""
    return ", ".join(f"{x:.{digits}f}" for x in os.getloadavg())


def now() -> str:
    return f"{datetime.now().astimezone():%Y-%m-%d %H:%M %Z}"


def utc_now() -> str:
    return f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"


def cpu_model() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "unknown CPU"


def memory() -> str:
    kib = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal:")
    )
    return f"{kib / 1024 / 1024:.1f} GiB"


def machine_facts(postgres_url: str | None = None) -> list[str]:
    """Date, cores, memory, Python, SQLite and (given a URL) PostgreSQL versions."""
    facts = [
        f"date: {now()}",
        f"cpus: {os.cpu_count()} (load generator on the same cores), memory: {memory()}",
        f"python {platform.python_version()}, sqlite {sqlite3.sqlite_version}",
    ]
    if postgres_url is not None:
        engine = create_engine(postgres_url)
        try:
            with engine.connect() as conn:
                facts.append(f"postgresql {conn.execute(text('SHOW server_version')).scalar()}")
        finally:
            engine.dispose()
    return facts


def served_tree(commit: str | None, work: Path) -> tuple[Path, str]:
    """Where gunicorn serves from, and the code version a result names: the working tree as it
    is, or ``commit`` exported under ``work`` (``--commit``)."""
    if not commit:
        return ROOT, code_version()
    root = work / "tree"
    return root, export_tree(commit, root) + " (exported)"


def database_option(parser: argparse.ArgumentParser) -> None:
    """``--database-url``: a PostgreSQL server to create the benchmark's database on."""
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", ""),
        help="a PostgreSQL server to create the benchmark's database on (default: SQLite)",
    )


def wants_postgres(parser: argparse.ArgumentParser, args: argparse.Namespace) -> bool:
    """Whether ``--database-url`` was given; stops with a message if it is not PostgreSQL."""
    if not args.database_url:
        return False
    if make_url(args.database_url).get_backend_name() != "postgresql":
        parser.error("--database-url names a PostgreSQL server; without it SQLite is used")
    return True


def server_options(parser: argparse.ArgumentParser) -> None:
    """The options of a benchmark that serves the school next to hello: ``--workers``,
    ``--hello-runs`` and ``--commit``."""
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (2)")
    parser.add_argument("--hello-runs", type=int, default=20, help="sequential GETs of hello")
    parser.add_argument("--commit", help="serve this commit (git archive), not the working tree")


def export_tree(rev: str, dest: Path) -> str:
    """The project's files at commit ``rev`` (``git archive``) in ``dest``; its short hash.

    Serving an exported commit (``Server(..., root=dest)``) measures that commit, whatever is
    being edited in the working tree meanwhile.
    """
    commit = subprocess.run(  # noqa: S603 - git with fixed arguments
        ["git", "rev-parse", "--short", "--verify", f"{rev}^{{commit}}"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    dest.mkdir(parents=True)
    with subprocess.Popen(  # noqa: S603 - git with fixed arguments
        ["git", "archive", "--format=tar", commit],  # noqa: S607
        cwd=ROOT,
        stdout=subprocess.PIPE,
    ) as archive:
        assert archive.stdout is not None
        with tarfile.open(fileobj=archive.stdout, mode="r|") as tar:
            tar.extractall(dest, filter="data")
    if archive.returncode != 0:
        raise RuntimeError(f"git archive {commit} failed")
    return commit


def code_version() -> str:
    """The commit the project's tree is at, and whether ``school/`` differs from it."""

    def git(*args: str) -> str:
        done = subprocess.run(  # noqa: S603 - git with fixed arguments
            ["git", *args],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD") or "unknown commit"
    changed = git("status", "--porcelain", "--", "school", "migrations", "content", "wsgi.py")
    return f"{commit} with uncommitted changes in the app" if changed else commit


def processes() -> Iterator[tuple[int, int, str]]:
    """(pid, parent pid, command name) of every process."""
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            with suppress(OSError):
                stat = Path(entry.path, "stat").read_text()
                name = stat[stat.index("(") + 1 : stat.rindex(")")]
                yield int(entry.name), int(stat[stat.rindex(")") + 2 :].split()[1]), name


def cpu_seconds(pid: int) -> float:
    """User plus system CPU of one process, 0 when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    total = sum(values[:8])  # without guest time, which is already counted in user
    return (total - idle) / TICK, total / TICK


def busy_percent(seconds: float = 3.0) -> float:
    """How busy the whole machine is over the next few seconds."""
    busy, total = machine_busy()
    time.sleep(seconds)
    busy2, total2 = machine_busy()
    return 100 * (busy2 - busy) / max(total2 - total, 1e-9)


def wait_for_quiet(limit: float) -> float:
    """Other jobs on a shared machine skew every number: give them a chance to finish."""
    deadline = time.monotonic() + limit
    quiet: list[float] = []
    while True:
        busy = busy_percent()
        # Nine quiet seconds in a row, not a lull between two test runs.
        quiet = [*quiet, busy] if busy < 20 else []
        if len(quiet) >= 3 or time.monotonic() > deadline:
            return max(quiet or [busy])
        print(f"machine {busy:.0f}% busy, waiting", file=sys.stderr)
