"""Worker kill benchmark: SIGKILL gunicorn workers while members save answers and post.

The requirement: when a worker dies in the middle of requests (the kernel's out-of-memory killer,
a crash), every write the server acknowledged is in the database with the value acknowledged,
and nothing is half-written.

What one run does:

1. makes a fresh migrated database (``--sqlite``: a file in a temporary directory; ``--postgres``:
   a new database made through ``--admin-url`` and dropped at the end, even after an error) with
   a city committee, a district and a branch whose secretary handles the boards, ``--members``
   members of that branch and one published quiz of four questions on one page;
2. serves the app with gunicorn (2 sync workers, ``wsgi:app``) on a free port of 127.0.0.1;
3. logs every member in through the login form;
4. for ``--duration`` seconds every member, in a thread of its own, starts the quiz, saves its
   answers again and again as the page's autosave does (each save a new value for all four),
   submits after a few saves and starts again, files items on the four boards and replies to
   them. Meanwhile a worker that is serving a request gets SIGKILL, ``--kills`` times at random
   moments, and gunicorn's master starts a new one. A request cut off by a kill is sent again,
   the same form with the same tokens, as a phone does; a write counts as acknowledged only when
   the app said it succeeded (a save's JSON, the redirect to the thread and its 已发送 message);
5. stops gunicorn and checks the database directly (``verify``);
6. prints a summary. The exit status is 0 only when no acknowledged write is lost, nothing is
   half-written and no request failed except by being cut off by a kill.

Run from the project root: ``.venv/bin/python -m bench.kill_worker --sqlite`` (or ``--postgres``).
``tests/test_reliability.py`` runs a short form on every database the suite runs.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import selectinload
from whoosh.index import open_dir

from bench.harness import (
    ADMIN_URL,
    CSRF,
    SECRET_KEY,
    Browser,
    Failed,
    Response,
    Server,
    fresh_database,
    load_average,
    now,
    processes,
)
from bench.quiz_load import ATTEMPT, PASSWORD
from school import create_app
from school.archive.models import ArchiveEntry, YearProgress
from school.auth.models import User
from school.auth.services import create_user, grant_staff
from school.clock import to_local
from school.db import db
from school.forum.models import BOARDS, Post, Thread
from school.notifications.models import Notification
from school.orgs.services import create_org
from school.quizzes.models import Attempt, AttemptQuestion
from school.search.kinds import THREAD
from school.search.models import SearchDocument, SearchOutbox
from tests.quizzes import factories

WORKERS = 2
# A member whose request was cut off keeps sending it this long after the run's end, as a phone
# keeps retrying; the kills are over by then, so only a broken server makes it give up.
RETRY_GRACE = 20.0
# Kills fall in this part of the run, so that writes are still acknowledged after the last one.
KILL_WINDOW = (0.1, 0.8)
# The access log names the worker (%(p)s) that served each request: replacements must serve too.
ACCESS_FORMAT = "%(p)s %(m)s %(U)s %(s)s %(D)s"

THREAD_URL = re.compile(r"^/forum/threads/(\d+)$")
CLIENT_TOKEN = re.compile(r'name="client_token"[^>]*value="([^"]*)"')
FLASH = re.compile(r'class="flash flash-(\w+)"[^>]*>([^<]*)<')
SENT = "已发送。"  # the thread page's message after a reply was stored

# The quiz: one page of four questions; the k-th save of a member sends answers that only that
# save sends (the fill-in and numerical texts carry k), so the database shows which save it holds.
QTYPES = ("single", "truefalse", "fillin", "numerical")


def answer(qtype: str, k: int) -> tuple[list[str], dict]:
    """(form values the k-th save sends, the answer the app stores for them)."""
    if qtype == "single":
        return [str(k % 3)], {"choices": [k % 3]}
    if qtype == "truefalse":
        choice = "true" if k % 2 else "false"
        return [choice], {"choice": choice}
    text = f"党章{k}" if qtype == "fillin" else str(k)
    return [text], {"text": text}


@dataclass(frozen=True)
class Options:
    sqlite: bool
    members: int = 100
    kills: int = 10
    duration: float = 60.0
    think: float = 0.3  # mean seconds between a member's actions
    seed: int = 2026
    admin_url: str = ADMIN_URL


def parse_options(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(
        prog="python -m bench.kill_worker", description=__doc__.split("\n\n")[0]
    )
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--sqlite", action="store_true", help="temporary SQLite file database")
    where.add_argument("--postgres", action="store_true", help="new database on --admin-url")
    parser.add_argument("--members", type=int, default=100)
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    parser.add_argument("--think", type=float, default=0.3, help="mean seconds between actions")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--admin-url", default=ADMIN_URL, help="PostgreSQL server to use")
    args = parser.parse_args(argv)
    if args.postgres and make_url(args.admin_url).host not in (None, "127.0.0.1", "localhost"):
        parser.error("the benchmark only talks to a PostgreSQL server on this machine")
    return Options(
        sqlite=args.sqlite,
        members=args.members,
        kills=args.kills,
        duration=args.duration,
        think=args.think,
        seed=args.seed,
        admin_url=args.admin_url,
    )


# --- data ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dataset:
    quiz_id: int
    usernames: list[str]
    secretary_id: int


def populate(url: str, members: int, workdir: Path) -> Dataset:
    """An organisation tree, a secretary who handles the boards, the members and the quiz."""
    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": SECRET_KEY,
            "FAST_PASSWORD_HASHING": True,  # logins are not what this run is about
            "MEDIA_DIR": str(workdir / "media"),
            "UPLOAD_DIR": str(workdir / "uploads"),
            "SEARCH_INDEX_DIR": str(workdir / "search-index"),
        }
    )
    with app.app_context():
        city = create_org("测试市委", "city")
        district = create_org("测试区委", "district", city)
        branch = create_org("测试支部", "branch", district)
        secretary, _ = create_user(
            "bench-secretary", "测试书记", password=PASSWORD, home_org=branch, is_cadre=True
        )
        grant_staff(secretary, branch, "secretary")
        usernames = []
        for i in range(members):
            user, _ = create_user(
                f"kill{i:04d}", f"测试党员{i:04d}", password=PASSWORD, home_org=branch
            )
            usernames.append(user.username)
        quiz = factories.make_quiz(
            [getattr(factories, qtype)() for qtype in QTYPES],
            title="可靠性测试：党章知识",
            one_per_page=False,
        )
        db.session.commit()
        data = Dataset(quiz_id=quiz.id, usernames=usernames, secretary_id=secretary.id)
        db.engine.dispose()
    return data


# --- the members --------------------------------------------------------------------------------


class GaveUp(Exception):
    """A request was cut off again and again until the member stopped trying."""


@dataclass
class Save:
    attempt: int
    k: int
    acked: bool = False
    saved_at: datetime | None = None


@dataclass
class Item:
    """A new thread or a reply, as the member wrote it."""

    kind: str  # "thread" or "reply"
    token: str  # the form's client_token
    body: str
    title: str | None = None
    thread_id: int | None = None  # a reply's thread; a new thread's once acknowledged
    acked: bool = False


@dataclass
class MemberLog:
    username: str
    starts: int = 0  # times the member pressed "start" (each sent until the app answered)
    started: list[int] = field(default_factory=list)  # acknowledged attempt ids
    submitted: list[int] = field(default_factory=list)
    saves: list[Save] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    acked_at: list[float] = field(default_factory=list)  # monotonic time of each acknowledgement
    cut: Counter[str] = field(default_factory=Counter)  # requests cut off and sent again, by kind
    # Writes whose request was cut off and sent again: (kind, the attempt's or thread's id or the
    # reply's text, when it went again). Stored before that moment: the first try had committed.
    resent: list[tuple[str, int | str, datetime]] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    gave_up: str = ""
    logged_in: bool = False


class InFlight:
    """How many requests the members have on the wire right now."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.count = 0

    def __enter__(self) -> None:
        with self._lock:
            self.count += 1

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self.count -= 1


class Member:
    """One member's phone: cookies, the tokens of the last page, and what was acknowledged."""

    def __init__(
        self,
        username: str,
        browser: Browser,
        data: Dataset,
        *,
        seed: int,
        think: float,
        in_flight: InFlight,
    ) -> None:
        self.log = MemberLog(username)
        self.think = think
        self.browser = browser
        self.data = data
        self.rng = random.Random(seed)
        self.in_flight = in_flight
        self.give_up_at = float("inf")
        self.attempt: int | None = None
        self.saves_left = 0
        self.k = 0
        self.threads: list[int] = []
        self.resent_at: datetime | None = None

    def send(
        self,
        kind: str,
        method: str,
        path: str,
        form: list[tuple[str, str]] | None = None,
        *,
        json_reply: bool = False,
    ) -> Response:
        """Send until the app answers: a request cut off goes again, unchanged, after a pause.

        ``resent_at`` is then when it first went again (None if it got through at once).
        """
        delay = 0.1
        self.resent_at = None
        while True:
            try:
                with self.in_flight:
                    return self.browser.send(kind, method, path, form, json_reply=json_reply)
            except Failed as exc:
                self.log.cut[kind] += 1
                if time.monotonic() > self.give_up_at:
                    raise GaveUp(str(exc)) from None
                time.sleep(delay)
                delay = min(delay * 2, 2.0)
                self.resent_at = self.resent_at or datetime.now(UTC)

    def note_resent(self, kind: str, key: int | str) -> None:
        if self.resent_at is not None:
            self.log.resent.append((kind, key, self.resent_at))

    def page(self, kind: str, path: str) -> str:
        """GET a page, keep its CSRF token, return its HTML ('' when it did not come)."""
        response = self.send(kind, "GET", path)
        html = response.body.decode(errors="replace")
        if response.status != 200:
            self.unexpected(kind, f"GET {path}: {response.status} {response.location()}")
            return ""
        match = CSRF.search(html)
        if match:
            self.browser.csrf = match.group(1)
        return html

    def unexpected(self, kind: str, detail: str) -> None:
        self.log.unexpected.append(f"{kind}: {detail}")

    def acked(self) -> None:
        self.log.acked_at.append(time.monotonic())

    def log_in(self) -> None:
        """Through the login form, then the quiz's page; ``log.logged_in`` says if it worked."""
        self.give_up_at = time.monotonic() + 60
        try:
            self.log.logged_in = self._log_in()
        except GaveUp as exc:
            self.log.gave_up = str(exc)

    def _log_in(self) -> bool:
        if not self.page("login page", "/login"):
            return False
        form = [
            ("username", self.log.username),
            ("password", PASSWORD),
            ("csrf_token", self.browser.csrf),
        ]
        done = self.send("login", "POST", "/login", form)
        if done.status != 302 or done.location().startswith("/login"):
            self.unexpected("login", f"{done.status} {done.location()}")
            return False
        return bool(self.page("quiz page", f"/quizzes/{self.data.quiz_id}"))

    def run(self, until: float) -> None:
        """Act until ``until``; the action under way is finished, its requests retried until
        the grace ends."""
        self.give_up_at = until + RETRY_GRACE
        try:
            while time.monotonic() < until:
                roll = self.rng.random()
                if roll < 0.6:
                    self.save()
                elif roll < 0.75 or not self.threads:
                    self.new_thread()
                else:
                    self.reply()
                time.sleep(self.rng.uniform(0.5, 1.5) * self.think)
        except GaveUp as exc:
            self.log.gave_up = str(exc)
        except Exception as exc:  # a bug in the run itself must show, not hang the thread
            self.unexpected("member", repr(exc))

    # --- quiz ---

    def start(self) -> None:
        self.log.starts += 1
        form = [("csrf_token", self.browser.csrf)]
        started = self.send("start", "POST", f"/quizzes/{self.data.quiz_id}/start", form)
        match = ATTEMPT.match(started.location()) if started.status == 302 else None
        if match is None:
            self.unexpected("start", f"{started.status} {started.location()}")
            return
        self.attempt = int(match.group(1))
        self.note_resent("start", self.attempt)
        self.log.started.append(self.attempt)
        self.acked()
        self.page("attempt page", f"/attempts/{self.attempt}")
        self.saves_left = self.rng.randint(3, 8)

    def save(self) -> None:
        if self.attempt is None:
            self.start()
            if self.attempt is None:
                return
        self.k += 1
        record = Save(self.attempt, self.k)
        self.log.saves.append(record)
        positions = range(1, len(QTYPES) + 1)
        # What attempt.js sends: the whole form, every question listed in "present".
        fields = [("page", "1")] + [("present", str(p)) for p in positions]
        for position, qtype in zip(positions, QTYPES, strict=True):
            fields += [(f"q{position}", v) for v in answer(qtype, self.k)[0]]
        path = f"/attempts/{self.attempt}/save"
        for _ in range(3):
            form = [("csrf_token", self.browser.csrf), *fields]
            saved = self.send("save", "POST", path, form, json_reply=True)
            try:
                reply = json.loads(saved.body)
            except ValueError:
                reply = {}
            if saved.status == 400 and reply.get("error") == "csrf":
                # As attempt.js does: take the fresh token and send the same answers again.
                self.browser.csrf = reply["csrf_token"]
                continue
            break
        if saved.status == 200 and reply.get("ok") is True:
            record.acked = True
            record.saved_at = datetime.fromisoformat(reply["saved_at"])
            self.acked()
        else:
            self.unexpected("save", f"{saved.status} {saved.body[:200]!r}")
        self.saves_left -= 1
        if self.saves_left <= 0:
            self.submit()

    def submit(self) -> None:
        attempt, self.attempt = self.attempt, None
        form = [("csrf_token", self.browser.csrf)]
        done = self.send("submit", "POST", f"/attempts/{attempt}/submit", form)
        if done.status == 302 and done.location() == f"/attempts/{attempt}/result":
            self.note_resent("submit", attempt)
            self.log.submitted.append(attempt)
            self.acked()
        else:
            self.unexpected("submit", f"{done.status} {done.location()}")

    # --- boards ---

    def new_thread(self) -> None:
        board = self.rng.choice(sorted(BOARDS))
        html = self.page("form page", f"/forum/{board}/new")
        token = CLIENT_TOKEN.search(html)
        if token is None:
            self.unexpected("form page", f"no client_token on /forum/{board}/new")
            return
        n = len(self.log.items) + 1
        item = Item(
            "thread",
            token.group(1),
            title=f"{self.log.username} 的第 {n} 条{BOARDS[board]}",
            body=f"{self.log.username} 第 {n} 条：在外地如何参加组织生活？",
        )
        self.log.items.append(item)
        form = [
            ("csrf_token", self.browser.csrf),
            ("client_token", item.token),
            ("title", item.title or ""),
            ("body", item.body),
        ]
        if board == "help":
            form.append(("help_category", "other"))
        if board == "qa" and self.rng.random() < 0.5:
            form.append(("public", "y"))
        sent = self.send("new item", "POST", f"/forum/{board}/new", form)
        match = THREAD_URL.match(sent.location()) if sent.status == 302 else None
        if match is None:
            self.unexpected("new item", f"{sent.status} {self.flashes(sent)}")
            return
        item.thread_id = int(match.group(1))
        self.note_resent("thread", item.thread_id)
        item.acked = True
        self.acked()
        self.threads.append(item.thread_id)
        self.page("thread page", sent.location())  # the browser follows the redirect

    def reply(self) -> None:
        thread_id = self.rng.choice(self.threads)
        url = f"/forum/threads/{thread_id}"
        token = CLIENT_TOKEN.search(self.page("thread page", url))
        if token is None:
            self.unexpected("reply", f"no reply form on {url}")
            return
        n = len(self.log.items) + 1
        item = Item(
            "reply",
            token.group(1),
            body=f"{self.log.username} 第 {n} 条回复：补充一下情况。",
            thread_id=thread_id,
        )
        self.log.items.append(item)
        form = [
            ("csrf_token", self.browser.csrf),
            ("client_token", item.token),
            ("body", item.body),
        ]
        sent = self.send("reply", "POST", f"{url}/reply", form)
        self.note_resent("reply", item.body)
        if sent.status != 302 or sent.location() != url:
            self.unexpected("reply", f"{sent.status} {sent.location()}")
            return
        # The redirect comes whether or not the reply was stored: the message on the thread page
        # says which. A page cut off is loaded again; its message is still in the cookie.
        shown = self.send("thread page", "GET", url)
        messages = FLASH.findall(shown.body.decode(errors="replace"))
        if shown.status == 200 and ("success", SENT) in messages:
            item.acked = True
            self.acked()
        else:
            self.unexpected("reply", f"thread page {shown.status}: {messages}")

    def flashes(self, response: Response) -> list[tuple[str, str]]:
        return FLASH.findall(response.body.decode(errors="replace"))


# --- the killer ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kill:
    at: float  # seconds into the run
    pid: int
    serving: bool  # the worker held a client's connection: a request was under way in it
    in_flight: int  # requests the members had on the wire at that moment


def workers(server: Server) -> set[int]:
    """The gunicorn master's children: only our own workers are ever killed."""
    assert server.process is not None
    master = server.process.pid
    return {pid for pid, ppid, _ in processes() if ppid == master}


def serving_workers(server: Server) -> set[int]:
    """Workers that hold an accepted connection on the server's port, i.e. serve a request."""
    port = f":{server.port:04X}"
    connected = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        # local address, state 01 (established), socket inode
        if fields[1].endswith(port) and fields[3] == "01" and fields[9] != "0":
            connected.add(f"socket:[{fields[9]}]")
    busy = set()
    for pid in workers(server):
        with suppress(OSError), os.scandir(f"/proc/{pid}/fd") as fds:
            if any(_link(fd.path) in connected for fd in fds):
                busy.add(pid)
    return busy


def _link(path: str) -> str:
    try:
        return os.readlink(path)
    except OSError:  # the descriptor was closed meanwhile
        return ""


def kill_workers(
    server: Server,
    moments: list[float],
    began: float,
    stop: threading.Event,
    in_flight: InFlight,
    kills: list[Kill],
    rng: random.Random,
) -> None:
    """At each moment, SIGKILL a worker that is serving a request (waiting up to 2 s for one)."""
    # A killed worker takes a moment to exit, its sockets still listed: never kill one twice.
    killed: set[int] = set()
    for moment in moments:
        if stop.wait(max(0.0, began + moment - time.monotonic())):
            return
        deadline = time.monotonic() + 2.0
        busy = serving_workers(server) - killed
        while not busy and time.monotonic() < deadline and not stop.is_set():
            time.sleep(0.005)
            busy = serving_workers(server) - killed
        candidates = busy or workers(server) - killed
        if not candidates:
            continue
        pid = rng.choice(sorted(candidates))
        if pid not in workers(server):  # it exited meanwhile: its pid is no longer ours
            continue
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
            killed.add(pid)
            kills.append(Kill(time.monotonic() - began, pid, bool(busy), in_flight.count))


# --- the database check -------------------------------------------------------------------------


@dataclass
class Check:
    facts: list[str]
    problems: list[str]


def verify(url: str, data: Dataset, logs: list[MemberLog], workdir: Path) -> Check:
    """Read the database after the run: every acknowledged write there, nothing half-written."""
    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": SECRET_KEY,
            "MEDIA_DIR": str(workdir / "media"),
            "UPLOAD_DIR": str(workdir / "uploads"),
            "SEARCH_INDEX_DIR": str(workdir / "search-index"),
        }
    )
    check = Check([], [])
    with app.app_context():
        try:
            ids = dict(
                db.session.execute(
                    select(User.username, User.id).where(User.username.in_(data.usernames))
                ).all()
            )
            check_quiz(check, data, logs, ids)
            check_progress(check, set(ids.values()))
            check_boards(check, data, logs, ids)
            check_resent(check, logs, ids)
            check_index(check, workdir / "search-index")
        finally:
            db.session.remove()
            db.engine.dispose()
    return check


def check_quiz(check: Check, data: Dataset, logs: list[MemberLog], ids: dict[str, int]) -> None:
    """Every acknowledged start, save and submit is in the attempts, and no attempt is half
    started, half saved or half graded."""
    attempts = db.session.scalars(
        select(Attempt)
        .where(Attempt.quiz_id == data.quiz_id)
        .options(selectinload(Attempt.questions))
    ).all()
    entries = Counter(
        db.session.scalars(select(ArchiveEntry.dedupe_key).where(ArchiveEntry.kind == "quiz"))
    )
    scores = dict(
        db.session.execute(
            select(ArchiveEntry.dedupe_key, ArchiveEntry.score).where(ArchiveEntry.kind == "quiz")
        ).all()
    )
    orphans = db.session.scalar(
        select(func.count())
        .select_from(AttemptQuestion)
        .outerjoin(Attempt, Attempt.id == AttemptQuestion.attempt_id)
        .where(Attempt.id.is_(None))
    )
    problem = check.problems.append
    if orphans:
        problem(f"half-written: {orphans} attempt answers belong to no attempt")
    by_user: dict[int, list[Attempt]] = {}
    for attempt in attempts:
        by_user.setdefault(attempt.user_id, []).append(attempt)
    expected: dict[int, dict[int, dict]] = {}
    acked_saves = stored_acked = later = 0
    for log in logs:
        mine = {a.id: a for a in by_user.get(ids[log.username], [])}
        if len(mine) > log.starts:
            problem(f"duplicated: {log.username} has {len(mine)} attempts for {log.starts} starts")
        for attempt_id in log.started:
            if attempt_id not in mine:
                problem(f"lost: {log.username}'s acknowledged attempt {attempt_id}")
        for attempt_id in log.submitted:
            if attempt_id in mine and mine[attempt_id].state != "finished":
                problem(f"lost: {log.username}'s acknowledged submit of attempt {attempt_id}")
        for attempt in mine.values():
            saves = [s for s in log.saves if s.attempt == attempt.id]
            acked_saves += sum(s.acked for s in saves)
            outcome = check_answers(check, log.username, attempt, saves, expected)
            stored_acked += outcome == "acknowledged"
            later += outcome == "later"
            check_grading(check, attempt, entries, scores)
    check.facts.append(
        f"quiz: {len(attempts)} attempts ({sum(a.state == 'finished' for a in attempts)} "
        f"finished), {acked_saves} acknowledged saves of 4 answers; attempts holding their last "
        f"acknowledged save: {stored_acked}, a later save whose answer a kill cut off: {later}"
    )


def check_answers(
    check: Check,
    username: str,
    attempt: Attempt,
    saves: list[Save],
    expected: dict[int, dict[int, dict]],
) -> str:
    """Which save the attempt's answers are: the last acknowledged one, or one sent after it."""
    for save in saves:
        if save.k not in expected:
            expected[save.k] = {p: answer(q, save.k)[1] for p, q in enumerate(QTYPES, 1)}
    where = f"{username}'s attempt {attempt.id}"
    positions = [aq.position for aq in attempt.questions]
    if positions != list(range(1, len(QTYPES) + 1)):
        check.problems.append(f"half-written: {where} has questions {positions}")
        return "broken"
    if attempt.max_score != sum((aq.mark for aq in attempt.questions), Decimal(0)):
        check.problems.append(f"half-written: {where}'s max score is not the sum of its marks")
    stored = {aq.position: aq.answer for aq in attempt.questions}
    times = {aq.saved_at for aq in attempt.questions}
    last_acked = max((i for i, s in enumerate(saves) if s.acked), default=None)
    if all(value is None for value in stored.values()):
        if last_acked is not None:
            check.problems.append(f"lost: {where} has no answers, save {saves[last_acked].k} acked")
        return "none"
    holds = next((i for i, s in enumerate(saves) if expected[s.k] == stored), None)
    if holds is None:
        # One save writes all four answers at one moment: a mixture is a save half applied.
        check.problems.append(f"half-written: {where} holds answers of no single save: {stored}")
        return "broken"
    if len(times) != 1:
        check.problems.append(f"half-written: {where}'s answers were saved at {len(times)} times")
    if last_acked is not None and holds < last_acked:
        check.problems.append(
            f"lost: {where} holds save {saves[holds].k}, the app acknowledged save "
            f"{saves[last_acked].k}"
        )
        return "older"
    save = saves[holds]
    if save.acked and times != {save.saved_at}:
        check.problems.append(
            f"lost: {where} holds save {save.k} from {times}, acknowledged at {save.saved_at}"
        )
    return "acknowledged" if holds == last_acked else "later"


def check_grading(
    check: Check, attempt: Attempt, entries: Counter[str], scores: dict[str, Decimal]
) -> None:
    """A submit grades every answer, totals the score and archives it, all or nothing."""
    where = f"attempt {attempt.id}"
    key = f"attempt:{attempt.id}"
    if attempt.state == "open":
        if attempt.score is not None or entries[key]:
            check.problems.append(f"half-written: open {where} has a score or an archive entry")
        return
    fractions = [aq.fraction for aq in attempt.questions]
    if attempt.finished_at is None or None in fractions or attempt.score is None:
        check.problems.append(f"half-written: finished {where} is not fully graded")
        return
    total = sum((aq.score for aq in attempt.questions), Decimal(0))
    if attempt.score != total:
        check.problems.append(f"half-written: {where} scored {attempt.score}, answers {total}")
    if entries[key] != 1:
        check.problems.append(f"half-written: finished {where} has {entries[key]} archive entries")
    elif scores[key] != attempt.score:
        check.problems.append(f"half-written: {where}'s archive entry says {scores[key]}")


def check_progress(check: Check, member_ids: set[int]) -> None:
    """The precomputed year progress agrees with the archive entries it counts."""
    totals: dict[tuple[int, int], list] = {}
    for entry in db.session.scalars(
        select(ArchiveEntry).where(ArchiveEntry.member_id.in_(member_ids))
    ):
        key = (entry.member_id, to_local(entry.completed_at).year)
        hours, courses, last = totals.get(key, (Decimal(0), 0, entry.completed_at))
        totals[key] = [
            hours + entry.hours,
            courses + (entry.kind == "course"),
            max(last, entry.completed_at),
        ]
    rows = {
        (row.member_id, row.year): row
        for row in db.session.scalars(
            select(YearProgress).where(YearProgress.member_id.in_(member_ids))
        )
    }
    for key, (hours, courses, last) in totals.items():
        row = rows.get(key)
        if row is None or (row.hours, row.courses_completed, row.last_activity_at) != (
            hours,
            courses,
            last,
        ):
            check.problems.append(f"half-written: year progress of member {key[0]} disagrees")
    check.facts.append(f"year progress rows checked against the archive: {len(totals)}")


def check_boards(check: Check, data: Dataset, logs: list[MemberLog], ids: dict[str, int]) -> None:
    """Every acknowledged thread and reply is stored once, as written, with what goes with it."""
    member_ids = set(ids.values())
    threads = {
        t.id: t
        for t in db.session.scalars(
            select(Thread)
            .where(Thread.author_id.in_(member_ids))
            .options(selectinload(Thread.posts))
        )
    }
    posts = db.session.scalars(select(Post).where(Post.author_id.in_(member_ids))).all()
    orphans = db.session.scalar(
        select(func.count())
        .select_from(Post)
        .outerjoin(Thread, Thread.id == Post.thread_id)
        .where(Thread.id.is_(None))
    )
    problem = check.problems.append
    if orphans:
        problem(f"half-written: {orphans} posts belong to no thread")
    by_title = Counter((t.author_id, t.title) for t in threads.values())
    by_body = Counter((p.author_id, p.body_md) for p in posts)
    acked = Counter()
    written: set[tuple[int, str]] = set()
    for log in logs:
        user_id = ids[log.username]
        for item in log.items:
            key = (user_id, item.title if item.kind == "thread" else item.body)
            written.add(key)
            found = (by_title if item.kind == "thread" else by_body)[key]
            acked[item.kind] += item.acked
            if found > 1:
                problem(f"duplicated: {log.username}'s {item.kind} is stored {found} times")
            if item.acked and found == 0:
                problem(f"lost: {log.username}'s acknowledged {item.kind} {item.token}")
            if item.acked and item.kind == "thread":
                thread = threads.get(item.thread_id or 0)
                if thread is None or (thread.title, thread.body_md, thread.client_token) != (
                    item.title,
                    item.body,
                    item.token,
                ):
                    problem(f"lost: thread {item.thread_id} is not what {log.username} wrote")
    if strays := set(by_title) - written:
        problem(f"phantom: {len(strays)} threads nobody wrote")
    if strays := set(by_body) - written:
        problem(f"phantom: {len(strays)} posts nobody wrote")
    for thread in threads.values():
        posts_here = [p for p in thread.posts if p.kind != "note"]
        latest = max([thread.created_at, *(p.created_at for p in posts_here)])
        if thread.last_activity_at != latest:
            problem(f"half-written: thread {thread.id}'s last activity is not its latest post")
    check_notifications(check, data, threads)
    check_search(check, threads)
    check.facts.append(
        f"boards: {len(threads)} threads and {len(posts)} replies stored, "
        f"{acked['thread']} and {acked['reply']} of them acknowledged"
    )


def check_notifications(check: Check, data: Dataset, threads: dict[int, Thread]) -> None:
    """The secretary heard of every thread once and of every reply once, in the same commit."""
    heard = Counter(
        db.session.execute(
            select(Notification.url, Notification.kind).where(
                Notification.user_id == data.secretary_id
            )
        ).all()
    )
    for thread in threads.values():
        url = f"/forum/threads/{thread.id}"
        replies = sum(p.kind == "reply" for p in thread.posts)
        if heard[(url, "new")] != 1 or heard[(url, "reply")] != replies:
            check.problems.append(
                f"half-written: thread {thread.id} has {replies} replies, the secretary got "
                f"{heard[(url, 'new')]} new and {heard[(url, 'reply')]} reply notifications"
            )


def check_search(check: Check, threads: dict[int, Thread]) -> None:
    """Each thread's search document, written in its transaction, says what the thread says."""
    wanted = THREAD.build(db.session, threads)
    stored = {
        row.object_id: row
        for row in db.session.scalars(
            select(SearchDocument).where(
                SearchDocument.kind.in_(THREAD.writes),
                SearchDocument.object_id.in_(list(threads)),
            )
        )
    }
    stale = 0
    for thread_id, doc in wanted.items():
        row = stored.get(thread_id)
        if (doc is None) != (row is None) or (
            doc is not None and (row.kind, row.title, row.body) != (doc.kind, doc.title, doc.body)
        ):
            stale += 1
    if stale:
        check.problems.append(f"half-written: {stale} threads' search documents are stale")
    check.facts.append(f"search documents checked against their threads: {len(wanted)}")


def check_index(check: Check, index_dir: Path) -> None:
    """The Whoosh index is written after the commit: a worker killed in between leaves the
    change in the outbox for the next writer. So every document the index lacks, or holds but
    the database no longer has, must still be queued there."""
    documents = {
        f"{kind}:{object_id}"
        for kind, object_id in db.session.execute(
            select(SearchDocument.kind, SearchDocument.object_id)
        )
    }
    queued = {
        f"{kind}:{object_id}"
        for kind, object_id in db.session.execute(select(SearchOutbox.kind, SearchOutbox.object_id))
    }
    current = index_dir / "current"
    if current.exists():
        with open_dir(str(current.resolve())).searcher() as searcher:
            indexed = {fields["id"] for fields in searcher.all_stored_fields()}
    else:
        indexed = set()
    lost = (documents ^ indexed) - queued
    if lost:
        check.problems.append(f"half-written: {len(lost)} documents missing from the search index")
    check.facts.append(
        f"search index: {len(indexed)} documents for {len(documents)} in the database, "
        f"{len(queued)} changes still queued for it"
    )


def check_resent(check: Check, logs: list[MemberLog], ids: dict[str, int]) -> None:
    """Count the writes that had committed before their request was cut off: sending them again
    must have answered with the same row (the checks above found no second copy)."""
    resent = [r for log in logs for r in log.resent]
    attempts = {i for kind, i, _ in resent if kind in ("start", "submit")}
    threads = {i for kind, i, _ in resent if kind == "thread"}
    bodies = {b for kind, b, _ in resent if kind == "reply"}
    times: dict[tuple[str, int | str], datetime | None] = {}
    for row in db.session.execute(
        select(Attempt.id, Attempt.started_at, Attempt.finished_at).where(Attempt.id.in_(attempts))
    ):
        times[("start", row.id)], times[("submit", row.id)] = row.started_at, row.finished_at
    for row in db.session.execute(
        select(Thread.id, Thread.created_at).where(Thread.id.in_(threads))
    ):
        times[("thread", row.id)] = row.created_at
    for row in db.session.execute(
        select(Post.body_md, Post.created_at).where(
            Post.body_md.in_(bodies), Post.author_id.in_(list(ids.values()))
        )
    ):
        times[("reply", row.body_md)] = row.created_at
    done = Counter(
        kind for kind, key, at in resent if (stored := times.get((kind, key))) and stored < at
    )
    check.facts.append(
        f"writes sent again after a cut: {len(resent)}; of them already committed by the first "
        f"try and answered again without a second copy: {sum(done.values())}"
        + (f" ({', '.join(f'{k} {n}' for k, n in sorted(done.items()))})" if done else "")
    )


# --- the run ------------------------------------------------------------------------------------


@dataclass
class Result:
    backend: str
    problems: list[str]
    kills: list[Kill]
    acked: Counter[str]
    acked_after_last_kill: int
    cut: int
    restarted: int  # workers gunicorn's master started again (its log)
    served_by_replacements: int  # requests the restarted workers answered
    lines: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def run(opts: Options, workdir: Path | None = None) -> Result:
    """One run; the database and the server are gone when it returns."""
    own_dir = workdir is None
    workdir = workdir or Path(tempfile.mkdtemp(prefix="bench-kill-worker-"))
    try:
        return _run(opts, workdir)
    finally:
        if own_dir:
            shutil.rmtree(workdir, ignore_errors=True)


def _run(opts: Options, workdir: Path) -> Result:
    load = load_average().split(", ")
    with fresh_database(opts.sqlite, opts.admin_url, workdir, prefix="bench_kill") as url:
        data = populate(url, opts.members, workdir)
        drive = drive_members(url, data, opts, workdir)
        check = verify(url, data, drive.logs, workdir)
    return _result(opts, load, drive, check)


@dataclass
class Drive:
    """What happened while the members wrote and the workers were killed."""

    logs: list[MemberLog]
    kills: list[Kill]
    began: float  # monotonic time the members started writing
    ran: float  # seconds until the last member stopped
    waiting: int  # members still waiting for an answer at the end
    served: Counter[int]  # requests answered per worker pid
    first_workers: set[int]
    gunicorn_log: str


def drive_members(url: str, data: Dataset, opts: Options, workdir: Path) -> Drive:
    """Serve the app, log everyone in, then let the members write while workers are killed."""
    rng = random.Random(opts.seed)
    in_flight = InFlight()
    with Server(url, WORKERS, workdir, access_format=ACCESS_FORMAT) as server:
        first_workers = workers(server)
        members = [
            Member(
                name,
                Browser(server.port, index=i),
                data,
                seed=rng.randrange(2**32),
                think=opts.think,
                in_flight=in_flight,
            )
            for i, name in enumerate(data.usernames)
        ]
        # Everyone logs in first, before the kills: argon2 makes logins slow on purpose, and a
        # run spent mostly on logins would write little.
        logins = [threading.Thread(target=m.log_in, daemon=True) for m in members]
        for thread in logins:
            thread.start()
        for thread in logins:
            thread.join(timeout=90)
        moments = sorted(rng.uniform(*KILL_WINDOW) * opts.duration for _ in range(opts.kills))
        kills: list[Kill] = []
        stop = threading.Event()
        began = time.monotonic()
        until = began + opts.duration
        killer = threading.Thread(
            target=kill_workers,
            args=(server, moments, began, stop, in_flight, kills, random.Random(rng.random())),
            daemon=True,
        )
        threads = [
            threading.Thread(target=m.run, args=(until,), daemon=True)
            for m in members
            if m.log.logged_in
        ]
        killer.start()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=max(0.0, until - time.monotonic()) + RETRY_GRACE + 40)
        stop.set()
        killer.join(timeout=5)
        ran = time.monotonic() - began
        time.sleep(0.3)  # the workers' last access-log lines
    return Drive(
        logs=[m.log for m in members],
        kills=kills,
        began=began,
        ran=ran,
        waiting=sum(t.is_alive() for t in threads),
        served=_served_by(server.access_log),
        first_workers=first_workers,
        gunicorn_log=server.error_log.read_text(errors="replace"),
    )


def _result(opts: Options, load: list[str], drive: Drive, check: Check) -> Result:
    logs = drive.logs
    problems = list(check.problems)
    not_in = sum(not log.logged_in for log in logs)
    if not_in:
        problems.append(f"failed: {not_in} members could not log in")
    unexpected = Counter(u for log in logs for u in log.unexpected)
    if unexpected:
        problems.append(
            f"failed: {sum(unexpected.values())} requests got an unexpected answer: "
            + "; ".join(f"{n}× {u}" for u, n in unexpected.most_common(3))
        )
    gave_up = [log.gave_up for log in logs if log.gave_up]
    if gave_up:
        problems.append(f"failed: {len(gave_up)} members gave up retrying: {gave_up[0]}")
    if drive.waiting:
        problems.append(f"failed: {drive.waiting} members still waiting at the end")

    acked: Counter[str] = Counter()
    sent: Counter[str] = Counter()
    cut: Counter[str] = Counter()
    for log in logs:
        acked["start"] += len(log.started)
        acked["save"] += sum(s.acked for s in log.saves)
        acked["submit"] += len(log.submitted)
        sent["save"] += len(log.saves)
        for item in log.items:
            acked[item.kind] += item.acked
            sent[item.kind] += 1
        cut += log.cut
    kills = drive.kills
    last_kill = drive.began + kills[-1].at if kills else float("inf")
    after = sum(t > last_kill for log in logs for t in log.acked_at)
    restarted = drive.gunicorn_log.count("was sent SIGKILL")
    replacements = sum(n for pid, n in drive.served.items() if pid not in drive.first_workers)

    name = "SQLite" if opts.sqlite else "PostgreSQL"
    lines = [
        f"### {name}: {opts.members} members, {opts.duration:.0f} s, {opts.kills} kills ({now()})",
        "",
        f"- machine: {os.cpu_count()} cpus, load average {' '.join(load)} before the run",
        f"- kills at {', '.join(f'{k.at:.1f}' for k in kills) or '-'} s: "
        f"{sum(k.serving for k in kills)} of {len(kills)} hit a worker serving a request "
        f"(members had {', '.join(str(k.in_flight) for k in kills) or '-'} requests on the wire)",
        f"- gunicorn: {restarted} workers reported killed and replaced; the replacements "
        f"answered {replacements} of {sum(drive.served.values())} requests",
        f"- requests cut off by a kill and sent again: {cut.total()}"
        + (f" ({', '.join(f'{k} {n}' for k, n in sorted(cut.items()))})" if cut else "")
        + f"; members who gave up: {len(gave_up)}; unexpected answers: {unexpected.total()}",
        f"- acknowledged in {drive.ran:.0f} s: {acked['save']} of {sent['save']} saves, "
        f"{acked['start']} starts, {acked['submit']} submits, {acked['thread']} of "
        f"{sent['thread']} threads, {acked['reply']} of {sent['reply']} replies; "
        f"{after} acknowledgements after the last kill",
        *(f"- {fact}" for fact in check.facts),
        "",
        (
            "**No acknowledged write lost, nothing half-written.**"
            if not problems
            else "**PROBLEMS**:\n" + "\n".join(f"- {p}" for p in problems[:20])
        ),
        "",
    ]
    return Result(
        backend="sqlite" if opts.sqlite else "postgresql",
        problems=problems,
        kills=kills,
        acked=acked,
        acked_after_last_kill=after,
        cut=cut.total(),
        restarted=restarted,
        served_by_replacements=replacements,
        lines=lines,
    )


def _served_by(access_log: Path) -> Counter[int]:
    """Requests answered per worker pid, from the access log."""
    served: Counter[int] = Counter()
    if access_log.exists():
        for line in access_log.read_text(errors="replace").splitlines():
            pid = line.split(" ", 1)[0].strip("<>")
            if pid.isdigit():
                served[int(pid)] += 1
    return served


def main(argv: list[str] | None = None) -> int:
    result = run(parse_options(argv))
    print("\n".join(result.lines))
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
