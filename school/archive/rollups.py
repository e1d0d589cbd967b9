"""Report rollups: per-organisation members, statuses, 学时 and course completions.

A report adds up a few rows per organisation instead of reading every member below it. Each
member counted by the reports (active, not an administrator) adds to a handful of rows:

- ``home``: the rows of their home organisation;
- ``host``: the rows of their host organisation, when they have one;
- ``both``: the rows of the lowest organisation above both of them (``same`` when home and host
  are one organisation).

A subtree's figures are its ``home`` rows plus its ``host`` rows less its ``both`` and ``same``
rows: a member whose home and host both lie in the subtree is counted once, exactly like the
member scan (``orgs.scope.covers``) did. The cost is a few rows per organisation.

Each of those rows exists twice: at the organisation itself (level 0) and at its ancestor at
``COARSE_DEPTH`` (level 1, a district), so the city report reads a row per district. Rows of
the top two levels take the completions of many branches: they are spread over ``STRIPES`` rows
by the member's home organisation, so no row is updated by every completion of the city.

Statuses follow ``reports.status``: met (学时 at or above the quota), on track or behind (against
the share of the year gone by), not started (no 学时; not stored: members less the others). The
on-track/behind split is made against the year's pace in ``rollup_pace``; ``advance_pace`` moves
it to today (a daily job), and a report made on another day corrects the split with the few
members whose 学时 lie between the two paces.

A closed year keeps members where they were at its end. When a member's key changes, every
closed year since the school first knew them that has no ``member_years`` row yet gets one with
the old key (rows equal to the new key are dropped: nothing to keep). A year's 学时 and statuses
sit under that year's key; the member counts, not per year, sit under the current key and
``rollup_members_past`` adds, per closed year, the kept key less the current one. A member who
stops being counted leaves every year and their rows go; course completions follow the current
key. The current year always follows the current key.

Recent finished months keep members where they were too, for the periodic reports home
(定期通报) of a month or quarter that are sent after a member moved: a member whose organisations
change (or whose floating or cadre flag changes) gets a ``member_months`` row, with the old
organisations and flags, for each of the last ``MONTHS_KEPT`` finished months that has none yet.
A report of the current year "as of the end of" a finished month reads them too. These rows are
history and never change.

Everything here runs in the transaction of the change it follows: ``record`` for a new archive
entry (from ``progress.record_entry``), ``move`` for members whose organisations, flag or role
changed (session hooks for edits through the ORM, the org-merge event, the roster's bulk
update), and ``rebuild`` recomputes every row from the members and their progress. Moving an
organisation recounts the members of its subtree under the new paths.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import (
    Integer,
    and_,
    case,
    delete,
    event,
    func,
    insert,
    inspect,
    literal,
    or_,
    select,
    text,
    type_coerce,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

# The module, not the function: services imports progress, which imports this module.
from school.archive import services
from school.archive.models import (
    MONTHS,
    CourseProgress,
    MemberMonth,
    MemberYear,
    RollupCourse,
    RollupMembers,
    RollupMembersPast,
    RollupPace,
    RollupYear,
    YearProgress,
)
from school.auth.models import User
from school.clock import local_today, to_local
from school.db import db
from school.orgs.models import Organisation

COARSE_DEPTH = 2
STRIPES = 4
YEAR_COLUMNS = ("met", "on_track", "behind", "hours", *MONTHS)
STORED_STATUSES = ("met", "on_track", "behind")
# The member attributes a member's rollup rows depend on.
KEY_ATTRIBUTES = ("home_org_id", "host_org_id", "is_floating", "is_cadre", "active", "role")
BATCH = 1000


def elapsed_fraction(year: int, today: date) -> float:
    """How much of the year has passed: the share of the quota a member should have by now."""
    if year < today.year:
        return 1.0
    if year > today.year:
        return 0.0
    start = date(year, 1, 1)
    return ((today - start).days + 1) / ((date(year + 1, 1, 1) - start).days)


def due_permille(year: int, today: date) -> int:
    """The share of the year gone by, per mille, as the status rule compares it."""
    return int(elapsed_fraction(year, today) * 1000)


def status_of(hours: int, quota: int, due: int) -> str:
    """The status of 学时 ``hours`` against ``quota`` (tenths both) at pace ``due`` (per mille)."""
    if hours <= 0:
        return "not_started"
    if hours >= quota:
        return "met"
    return "on_track" if hours * 1000 >= quota * due else "behind"


def quota_tenths(cadre: bool) -> int:
    return services.quota_hours(cadre=cadre) * 10


# --- where a member is counted -------------------------------------------------------------------


@dataclass(frozen=True)
class Key:
    """What a member's rollup rows depend on; ``None`` stands for a member reports leave out."""

    home: int | None
    host: int | None
    floating: bool
    cadre: bool

    @classmethod
    def of(cls, values) -> Key | None:
        """The key of a member from their attributes (a User, a row or a mapping)."""
        get = values.get if isinstance(values, Mapping) else lambda name: getattr(values, name)
        if not get("active") or get("role") == "admin":
            return None
        if get("home_org_id") is None and get("host_org_id") is None:
            return None
        return cls(
            get("home_org_id"), get("host_org_id"), bool(get("is_floating")), bool(get("is_cadre"))
        )

    @classmethod
    def kept(cls, row) -> Key:
        """The key a ``member_years`` row (or its columns in a row) keeps for its year."""
        return cls(row.home_org_id, row.host_org_id, bool(row.is_floating), bool(row.is_cadre))


# Finished months a member's place is kept for when they move (``member_months``): a periodic
# report home may be sent for any of the last four finished quarters (reports.periods).
MONTHS_KEPT = 15


# A rollup row's key after the table's own leading column: org, level, side, stripe, floating.
RowKey = tuple[int, int, str, int, bool]


class Places:
    """Organisation paths, loaded once per operation, and the rollup rows a key adds to."""

    def __init__(self, paths: dict[int, str] | None = None) -> None:
        self.paths: dict[int, list[int]] = {}
        self.found: dict[Key, list[RowKey]] = {}
        if paths:
            self.paths.update({i: _ids(p) for i, p in paths.items()})

    def load(self, org_ids: Iterable[int | None]) -> None:
        missing = {i for i in org_ids if i is not None} - self.paths.keys()
        if missing:
            stmt = select(Organisation.id, Organisation.path).where(Organisation.id.in_(missing))
            self.paths.update({i: _ids(p) for i, p in db.session.execute(stmt)})

    def rows(self, key: Key) -> list[RowKey]:
        """The rollup rows (both levels) that a member with this key adds to."""
        found = self.found.get(key)
        if found is None:
            found = self.found[key] = self._rows(key)
        return found

    def _rows(self, key: Key) -> list[RowKey]:
        line_home = self.paths.get(key.home) if key.home is not None else None
        line_host = self.paths.get(key.host) if key.host is not None else None
        spread = (key.home if key.home is not None else key.host or 0) % STRIPES
        sides: list[tuple[str, list[int]]] = []
        if line_home:
            sides.append(("home", line_home))
        if line_host:
            sides.append(("host", line_host))
        if line_home and line_host:
            if key.home == key.host:
                sides.append(("same", line_home))
            else:
                common = _common(line_home, line_host)
                if common:  # organisations under different roots share no subtree
                    sides.append(("both", common))
        rows: list[RowKey] = []
        for side, line in sides:
            for level, depth in ((0, len(line)), (1, min(len(line), COARSE_DEPTH))):
                stripe = spread if depth <= COARSE_DEPTH else 0
                rows.append((line[depth - 1], level, side, stripe, key.floating))
        return rows


def _ids(path: str) -> list[int]:
    return [int(part) for part in path.strip("/").split("/") if part]


def _common(a: list[int], b: list[int]) -> list[int]:
    n = 0
    while n < len(a) and n < len(b) and a[n] == b[n]:
        n += 1
    return a[:n]


# --- what a member adds --------------------------------------------------------------------------


class Deltas:
    """Changes to rollup rows, added up per row before they are written."""

    def __init__(self) -> None:
        self.members: dict[RowKey, list[int]] = defaultdict(lambda: [0, 0])
        self.years: dict[tuple[int, RowKey], list[int]] = defaultdict(
            lambda: [0] * len(YEAR_COLUMNS)
        )
        self.courses: dict[tuple[int, RowKey], int] = defaultdict(int)
        self.past: dict[tuple[int, RowKey], list[int]] = defaultdict(lambda: [0, 0])

    def member(self, rows: list[RowKey], sign: int, cadre: bool) -> None:
        for row in rows:
            vector = self.members[row]
            vector[0] += sign
            vector[1] += sign * cadre

    def kept(
        self,
        year: int,
        was: list[RowKey],
        was_cadre: bool,
        now: list[RowKey],
        cadre: bool,
        sign: int,
    ) -> None:
        """A closed year's correction for a member counted then under ``was`` rows and now
        under ``now`` rows: that year's members are the current ones plus these."""
        for rows, n, c in ((was, sign, sign * was_cadre), (now, -sign, -sign * cadre)):
            for row in rows:
                vector = self.past[(year, row)]
                vector[0] += n
                vector[1] += c

    def year(self, rows: list[RowKey], year: int, values: Sequence[int], sign: int) -> None:
        """``values`` in YEAR_COLUMNS order."""
        if not any(values):
            return
        for row in rows:
            vector = self.years[(year, row)]
            for i, value in enumerate(values):
                if value:
                    vector[i] += sign * value

    def course(self, rows: list[RowKey], course_id: int, sign: int) -> None:
        for row in rows:
            self.courses[(course_id, row)] += sign

    def write(self) -> None:
        """Apply the changes: one upsert per table for all its changed rows."""
        _upsert(
            RollupMembers,
            [
                {**_key(row), "members": members, "cadres": cadres}
                for row, (members, cadres) in self.members.items()
                if members or cadres
            ],
        )
        _upsert(
            RollupYear,
            [
                {"year": year, **_key(row), **_year_columns(vector)}
                for (year, row), vector in self.years.items()
                if any(vector)
            ],
        )
        _upsert(
            RollupCourse,
            [
                {"course_id": course_id, **_key(row), "completed": n}
                for (course_id, row), n in self.courses.items()
                if n
            ],
        )
        _upsert(
            RollupMembersPast,
            [
                {"year": year, **_key(row), "members": members, "cadres": cadres}
                for (year, row), (members, cadres) in self.past.items()
                if members or cadres
            ],
        )


def _year_columns(vector: Sequence[int]) -> dict[str, int | Decimal]:
    """A year vector as column values: counts as they are, 学时 from tenths to hours."""
    counts = len(STORED_STATUSES)
    values: dict[str, int | Decimal] = dict(
        zip(YEAR_COLUMNS[:counts], vector[:counts], strict=True)
    )
    for name, tenths in zip(YEAR_COLUMNS[counts:], vector[counts:], strict=True):
        values[name] = Decimal(tenths) / 10
    return values


def _key(row: RowKey) -> dict:
    org_id, level, side, stripe, floating = row
    return {
        "org_id": org_id,
        "level": level,
        "side": side,
        "stripe": stripe,
        "is_floating": floating,
    }


def _upsert(model, rows: list[dict]) -> None:
    """Add each row's counts to its rollup row, creating the row where it is missing.

    One INSERT ... ON CONFLICT DO UPDATE run for all the rows (an executemany): a roster import
    changes thousands of rollup rows, and an UPDATE per row (with an INSERT where it found none)
    was a third of its time. Concurrent writers are safe on both databases; the rows go in key
    order, so two transactions lock shared rows in the same order and cannot deadlock.
    """
    if not rows:
        return
    keys = [c.name for c in model.__table__.primary_key.columns]
    counted = tuple(name for name in rows[0] if name not in keys)
    stmt = _upsert_statement(model, db.session.get_bind().dialect.name, counted)
    db.session.execute(stmt, sorted(rows, key=lambda row: tuple(row[k] for k in keys)))


@functools.cache
def _upsert_statement(model, dialect: str, counted: tuple[str, ...]):
    """The upsert for a rollup table, built once per worker: building ``excluded`` anew was
    about a fifth of recording one offline study (a check-in, a lesson) on SQLite."""
    table = model.__table__
    stmt = (pg_insert if dialect == "postgresql" else sqlite_insert)(table)
    return stmt.on_conflict_do_update(
        index_elements=[c.name for c in table.primary_key.columns],
        set_={name: table.c[name] + stmt.excluded[name] for name in counted},
    )


def year_values(hours: int, months: Sequence[int], status: str) -> list[int]:
    """A member's year row as rollup columns (status counts, 学时, months), in tenths."""
    return [
        status == "met",
        status == "on_track",
        status == "behind",
        hours,
        *months,
    ]


def _paces() -> dict[int, int]:
    return dict(db.session.execute(select(RollupPace.year, RollupPace.due)).all())


def _lock_paces() -> None:
    """PostgreSQL: hold off ``advance_pace`` until this transaction ends (a cheap table lock
    that concurrent completions share), so a status is never taken against a pace that is
    being changed. SQLite's writers already run one at a time."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("LOCK TABLE rollup_years IN ROW EXCLUSIVE MODE"))


# Where members were counted in closed years, when not where they are now: member -> year -> key.
Kept = dict[int, dict[int, Key]]


def _contributions(
    deltas: Deltas,
    places: Places,
    members: dict[int, Key],
    sign: int,
    paces: dict[int, int],
    kept: Kept,
) -> None:
    """Add (``sign`` 1) or take away (-1) everything these members count for under their keys:
    a closed year's 学时 and status under the key ``kept`` for it, if any."""
    ids = list(members)
    for member_id, key in members.items():
        now = places.rows(key)
        deltas.member(now, sign, key.cadre)
        for year, was in kept.get(member_id, {}).items():
            deltas.kept(year, places.rows(was), was.cadre, now, key.cadre, sign)
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        stmt = select(
            YearProgress.member_id,
            YearProgress.year,
            type_coerce(YearProgress.hours, Integer),
            *[type_coerce(getattr(YearProgress, m), Integer) for m in MONTHS],
        ).where(YearProgress.member_id.in_(chunk))
        for member_id, year, hours, *months in db.session.execute(stmt):
            key = kept.get(member_id, {}).get(year) or members[member_id]
            status = status_of(hours, quota_tenths(key.cadre), paces.get(year, 0))
            deltas.year(places.rows(key), year, year_values(hours, months, status), sign)
        done = select(CourseProgress.member_id, CourseProgress.course_id).where(
            CourseProgress.member_id.in_(chunk), CourseProgress.completed_at.is_not(None)
        )
        for member_id, course_id in db.session.execute(done):
            deltas.course(places.rows(members[member_id]), course_id, sign)


def move(
    before: dict[int, Key | None], after: dict[int, Key | None], today: date | None = None
) -> None:
    """Move members' counts from their old keys to their new ones (``None``: not counted).

    Closed years stay as they stood: a member counted before and after keeps their old key for
    every closed year since the school first knew them (``member_years``). A member who stops
    being counted leaves every year, as they always did; one who starts is counted everywhere
    under the new key.
    """
    changed = [i for i in before.keys() | after.keys() if before.get(i) != after.get(i)]
    if not changed:
        return
    today = today or local_today()
    _keep_months(before, after, changed, today)
    _lock_paces()
    paces = _paces()
    places = Places()
    old = {i: before[i] for i in changed if before.get(i) is not None}
    new = {i: after[i] for i in changed if after.get(i) is not None}
    staying = [i for i in old if i in new]
    kept_before = kept_of(old)  # only counted members have closed years kept
    kept_after = _kept_after(before, after, kept_before, staying, today)
    years = [k for found in (*kept_before.values(), *kept_after.values()) for k in found.values()]
    keys = (*old.values(), *new.values(), *years)
    places.load([k.home for k in keys])
    places.load([k.host for k in keys])
    deltas = Deltas()
    _contributions(deltas, places, old, -1, paces, kept_before)
    _contributions(deltas, places, new, 1, paces, kept_after)
    deltas.write()
    _write_kept(changed, kept_before, kept_after)


def finished_months(today: date) -> list[date]:
    """The first days of the last ``MONTHS_KEPT`` finished months, oldest first."""
    year, month = today.year, today.month
    months = []
    for _ in range(MONTHS_KEPT):
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        months.append(date(year, month, 1))
    return months[::-1]


def _keep_months(
    before: dict[int, Key | None], after: dict[int, Key | None], changed: list[int], today: date
) -> None:
    """Members whose organisations or flags change now keep where and as what they were at
    the end of each recent finished month that has no ``member_months`` row yet (an earlier
    change wrote those as they stood then). Before their account the school knows no other
    place for them than this."""
    moved = sorted(i for i in changed if before.get(i) is not None)
    if not moved:
        return
    months = finished_months(today)
    rows = []
    for start in range(0, len(moved), BATCH):
        chunk = moved[start : start + BATCH]
        have = set(
            db.session.execute(
                select(MemberMonth.member_id, MemberMonth.month).where(
                    MemberMonth.member_id.in_(chunk), MemberMonth.month >= months[0]
                )
            )
        )
        rows += [
            {
                "member_id": i,
                "month": m,
                "home_org_id": k.home,
                "host_org_id": k.host,
                "is_floating": k.floating,
                "is_cadre": k.cadre,
            }
            for i, k in ((i, before[i]) for i in chunk)
            for m in months
            if (i, m) not in have
        ]
    if rows:
        db.session.execute(insert(MemberMonth), rows)


def kept_of(member_ids: Iterable[int]) -> Kept:
    """The closed years in which these members were counted elsewhere than now, and where."""
    ids = sorted(member_ids)
    found: Kept = {}
    for start in range(0, len(ids), BATCH):
        stmt = select(MemberYear).where(MemberYear.member_id.in_(ids[start : start + BATCH]))
        for row in db.session.scalars(stmt):
            found.setdefault(row.member_id, {})[row.year] = Key.kept(row)
    return found


def _first_years(member_ids: list[int]) -> dict[int, int]:
    """The first year the school knows of each member: their account's, or their first 学时's
    when the archive goes back further."""
    first: dict[int, int] = {}
    for start in range(0, len(member_ids), BATCH):
        chunk = member_ids[start : start + BATCH]
        for member_id, created in db.session.execute(
            select(User.id, User.created_at).where(User.id.in_(chunk))
        ):
            first[member_id] = to_local(created).year
        studied = (
            select(YearProgress.member_id, func.min(YearProgress.year))
            .where(YearProgress.member_id.in_(chunk))
            .group_by(YearProgress.member_id)
        )
        for member_id, year in db.session.execute(studied):
            first[member_id] = min(year, first.get(member_id, year))
    return first


def _kept_after(
    before: dict[int, Key | None],
    after: dict[int, Key | None],
    kept: Kept,
    staying: list[int],
    today: date,
) -> Kept:
    """Where the members moving from ``before`` to ``after`` count in closed years after it:
    members still counted keep each closed year not kept yet under their old key; a year whose
    key is the new one needs no row."""
    first = _first_years(staying) if staying else {}
    result: Kept = {}
    for member_id in staying:
        was, now = before[member_id], after[member_id]
        years = dict(kept.get(member_id, {}))
        for year in range(first.get(member_id, today.year), today.year):
            years.setdefault(year, was)
        years = {y: k for y, k in years.items() if k != now}
        if years:
            result[member_id] = years
    return result


def _write_kept(changed: list[int], before: Kept, after: Kept) -> None:
    """Store the closed years' keys of the members that moved (rows only where they differ)."""
    gone = [i for i in changed if before.get(i, {}) != after.get(i, {}) and i in before]
    for start in range(0, len(gone), BATCH):
        db.session.execute(
            delete(MemberYear).where(MemberYear.member_id.in_(gone[start : start + BATCH]))
        )
    rows = [
        {
            "member_id": member_id,
            "year": year,
            "home_org_id": key.home,
            "host_org_id": key.host,
            "is_floating": key.floating,
            "is_cadre": key.cadre,
        }
        for member_id in changed
        if before.get(member_id, {}) != after.get(member_id, {})
        for year, key in sorted(after.get(member_id, {}).items())
    ]
    if rows:
        db.session.execute(insert(MemberYear), rows)


def keys_of(member_ids: Iterable[int]) -> dict[int, Key | None]:
    """The current keys of these members, read from the database."""
    ids = list(member_ids)
    found: dict[int, Key | None] = {}
    columns = [getattr(User, name) for name in KEY_ATTRIBUTES]
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        for row in db.session.execute(select(User.id, *columns).where(User.id.in_(chunk))):
            found[row.id] = Key.of(row._mapping)
    return found


# --- one archive entry -------------------------------------------------------------------------


def record(
    member_id: int,
    year: int,
    month: int,
    tenths: int,
    new_hours: int,
    course_id: int | None = None,
) -> None:
    """Count one archive entry: ``tenths`` 学时 in ``year``/``month`` taking the member's year to
    ``new_hours``, and a first completion of ``course_id`` if given. Runs after the entry's
    progress rows were written, in their transaction."""
    if not tenths and course_id is None:  # a quiz entry: no 学时, no status change
        return
    columns = [getattr(User, name) for name in KEY_ATTRIBUTES]
    stmt = _with_kept(select(User.id, *columns).where(User.id == member_id), year)
    if db.session.get_bind().dialect.name == "postgresql":
        # A concurrent move of this member waits for this entry, and the other way round.
        stmt = stmt.with_for_update(read=True, of=User)
    row = db.session.execute(stmt).one_or_none()
    current = Key.of(row._mapping) if row is not None else None
    if current is None:
        return
    key = _year_key(row, current)  # a closed year's 学时 go where the member was then
    _lock_paces()
    due = db.session.scalar(select(RollupPace.due).where(RollupPace.year == year)) or 0
    quota = quota_tenths(key.cadre)
    before = status_of(new_hours - tenths, quota, due)
    after = status_of(new_hours, quota, due)
    places = Places()
    places.load([key.home, key.host, current.home, current.host])
    rows = places.rows(key)
    deltas = Deltas()
    if tenths or before != after:
        months = [0] * 12
        months[month - 1] = tenths
        deltas.year(rows, year, year_values(0, [0] * 12, before), -1)
        deltas.year(rows, year, year_values(tenths, months, after), 1)
    if course_id is not None:  # completions are not per year: they count where the member is
        deltas.course(places.rows(current), course_id, 1)
    deltas.write()


def record_many(year: int, month: int, tenths: int, new_hours: Mapping[int, int]) -> None:
    """``record`` for many members at once, each credited the same ``tenths`` 学时 in
    ``year``/``month``: ``new_hours`` maps each member to their year's 学时 after it."""
    if not tenths or not new_hours:
        return
    ids = sorted(new_hours)
    columns = [getattr(User, name) for name in KEY_ATTRIBUTES]
    keys: dict[int, Key | None] = {}
    for start in range(0, len(ids), BATCH):
        stmt = _with_kept(
            select(User.id, *columns).where(User.id.in_(ids[start : start + BATCH])), year
        )
        if db.session.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(read=True, of=User)  # as in ``record``: a move waits
        for row in db.session.execute(stmt):
            current = Key.of(row._mapping)
            keys[row.id] = _year_key(row, current) if current is not None else None
    counted = {i: k for i, k in keys.items() if k is not None}
    if not counted:
        return
    _lock_paces()
    due = db.session.scalar(select(RollupPace.due).where(RollupPace.year == year)) or 0
    places = Places()
    places.load([k.home for k in counted.values()] + [k.host for k in counted.values()])
    months = [0] * 12
    months[month - 1] = tenths
    deltas = Deltas()
    for member_id, key in counted.items():
        quota = quota_tenths(key.cadre)
        after_hours = new_hours[member_id]
        before = status_of(after_hours - tenths, quota, due)
        after = status_of(after_hours, quota, due)
        rows = places.rows(key)
        deltas.year(rows, year, year_values(0, [0] * 12, before), -1)
        deltas.year(rows, year, year_values(tenths, months, after), 1)
    deltas.write()


def _with_kept(stmt, year: int):
    """``stmt`` on User with the member's ``member_years`` row of ``year`` joined, if any."""
    return stmt.add_columns(
        MemberYear.year.label("kept_year"),
        MemberYear.home_org_id.label("kept_home"),
        MemberYear.host_org_id.label("kept_host"),
        MemberYear.is_floating.label("kept_floating"),
        MemberYear.is_cadre.label("kept_cadre"),
    ).outerjoin(MemberYear, and_(MemberYear.member_id == User.id, MemberYear.year == year))


def _year_key(row, current: Key) -> Key:
    """The key a row of ``_with_kept`` counts under in its year."""
    if row.kept_year is None:
        return current
    return Key(row.kept_home, row.kept_host, bool(row.kept_floating), bool(row.kept_cadre))


# --- pace ----------------------------------------------------------------------------------------


def advance_pace(today: date | None = None) -> int:
    """Split on track / behind again against ``today`` for every year the rollups hold.

    Only members whose 学时 lie between the old and the new pace change sides; returns how many.
    """
    today = today or local_today()
    if db.session.get_bind().dialect.name == "postgresql":
        # Waits for completions under way and holds new ones back until this commits.
        db.session.execute(text("LOCK TABLE rollup_years IN SHARE ROW EXCLUSIVE MODE"))
    paces = _paces()
    years = set(db.session.scalars(select(RollupYear.year).distinct())) | paces.keys()
    moved = 0
    deltas = Deltas()
    places = Places()
    for year in sorted(years):
        old, new = paces.get(year, 0), due_permille(year, today)
        if old == new:
            continue
        low, high = min(old, new), max(old, new)
        # 学时 whose status can differ between the two paces, for either quota.
        lo = quota_tenths(False) * low // 1000
        hi = -(-quota_tenths(True) * high // 1000)
        hours = type_coerce(YearProgress.hours, Integer)
        stmt = _with_kept(
            select(
                User.id,
                *[getattr(User, name) for name in KEY_ATTRIBUTES],
                hours.label("tenths"),
            )
            .select_from(YearProgress)
            .join(User, User.id == YearProgress.member_id)
            .where(YearProgress.year == year, hours >= lo, hours <= hi),
            year,
        )
        keyed = []
        for r in db.session.execute(stmt):
            current = Key.of(r._mapping)
            keyed.append((_year_key(r, current) if current else None, r.tenths))
        places.load([k.home for k, _ in keyed if k] + [k.host for k, _ in keyed if k])
        for key, tenths in keyed:
            if key is None:
                continue
            quota = quota_tenths(key.cadre)
            before, after = status_of(tenths, quota, old), status_of(tenths, quota, new)
            if before != after:
                moved += 1
                rows = places.rows(key)
                deltas.year(rows, year, year_values(0, [0] * 12, before), -1)
                deltas.year(rows, year, year_values(0, [0] * 12, after), 1)
        _set_pace(year, new)
    deltas.write()
    return moved


def _set_pace(year: int, due: int) -> None:
    if not db.session.execute(
        update(RollupPace).where(RollupPace.year == year).values(due=due)
    ).rowcount:
        db.session.execute(insert(RollupPace).values(year=year, due=due))


# --- rebuild ---------------------------------------------------------------------------------


def rebuild(today: date | None = None) -> int:
    """Recompute every rollup row from the members and their progress; returns the rows written.

    The database groups members by (home, host, flags) and status, so the work here is per
    group, not per member; the pace of every year is set to ``today``.
    """
    today = today or local_today()
    for model in (RollupMembers, RollupMembersPast, RollupYear, RollupCourse, RollupPace):
        db.session.execute(delete(model))
    years = list(db.session.scalars(select(YearProgress.year).distinct()))
    paces = {year: due_permille(year, today) for year in years}
    if paces:
        db.session.execute(insert(RollupPace), [{"year": y, "due": d} for y, d in paces.items()])
    places = Places(dict(db.session.execute(select(Organisation.id, Organisation.path)).all()))
    counted = and_(User.active.is_(True), User.role != "admin")
    group = (User.home_org_id, User.host_org_id, User.is_floating)
    deltas = Deltas()

    stmt = (
        select(*group, User.is_cadre, func.count()).where(counted).group_by(*group, User.is_cadre)
    )
    for home, host, floating, cadre, n in db.session.execute(stmt):
        key = Key(home, host, bool(floating), bool(cadre))
        if key.home is not None or key.host is not None:
            deltas.member(places.rows(key), n, key.cadre)

    # Closed years kept elsewhere: that year's members are the current ones plus these.
    stmt = (
        select(
            MemberYear.year,
            MemberYear.home_org_id,
            MemberYear.host_org_id,
            MemberYear.is_floating,
            MemberYear.is_cadre,
            *group,
            User.is_cadre,
            func.count(),
        )
        .join(User, User.id == MemberYear.member_id)
        .where(counted)
        .group_by(MemberYear.year, *_kept_columns(MemberYear), *group, User.is_cadre)
    )
    for year, *was, home, host, floating, cadre, n in db.session.execute(stmt):
        then = Key(was[0], was[1], bool(was[2]), bool(was[3]))
        now = Key(home, host, bool(floating), bool(cadre))
        deltas.kept(year, places.rows(then), then.cadre, places.rows(now), now.cadre, n)

    # A year's 学时 count where the member was in that year.
    kept = and_(MemberYear.member_id == User.id, MemberYear.year == YearProgress.year)
    found = MemberYear.member_id.is_not(None)
    home, host, floating, cadre = (
        case((found, then), else_=now).label(now.key)
        for then, now in zip(
            _kept_columns(MemberYear),
            (User.home_org_id, User.host_org_id, User.is_floating, User.is_cadre),
            strict=True,
        )
    )
    hours = type_coerce(YearProgress.hours, Integer)
    quota = case((cadre.is_(True), quota_tenths(True)), else_=quota_tenths(False))
    due = (
        case(*[(YearProgress.year == y, d) for y, d in paces.items()], else_=0)
        if paces
        else literal(0)
    )
    status = case(
        (hours <= 0, "not_started"),
        (hours >= quota, "met"),
        (hours * 1000 >= quota * due, "on_track"),
        else_="behind",
    ).label("status")
    stmt = (
        select(
            YearProgress.year,
            home,
            host,
            floating,
            status,
            func.count(),
            func.sum(hours),
            *[func.sum(type_coerce(getattr(YearProgress, m), Integer)) for m in MONTHS],
        )
        .join(User, User.id == YearProgress.member_id)
        .outerjoin(MemberYear, kept)
        .where(counted, or_(User.home_org_id.is_not(None), User.host_org_id.is_not(None)))
        .group_by(YearProgress.year, home, host, floating, status)
    )
    for year, home, host, floating, status_, n, total, *months in db.session.execute(stmt):
        key = Key(home, host, bool(floating), False)
        values = [n * (status_ == s) for s in STORED_STATUSES]
        values += [total or 0, *[m or 0 for m in months]]
        deltas.year(places.rows(key), year, values, 1)

    stmt = (
        select(CourseProgress.course_id, *group, func.count())
        .join(User, User.id == CourseProgress.member_id)
        .where(counted, CourseProgress.completed_at.is_not(None))
        .group_by(CourseProgress.course_id, *group)
    )
    for course_id, home, host, floating, n in db.session.execute(stmt):
        key = Key(home, host, bool(floating), False)
        if key.home is not None or key.host is not None:
            deltas.course(places.rows(key), course_id, n)
    return _insert_all(deltas)


def _kept_columns(model) -> tuple:
    return (model.home_org_id, model.host_org_id, model.is_floating, model.is_cadre)


def _insert_all(deltas: Deltas) -> int:
    """Write freshly computed rows straight through the driver (the tables are empty): COPY on
    PostgreSQL, one prepared INSERT with executemany on SQLite. 学时 go in as stored, in tenths.
    """
    key = ("org_id", "level", "side", "stripe", "is_floating")
    tables = [
        (
            "rollup_members",
            (*key, "members", "cadres"),
            [(*row, m, c) for row, (m, c) in deltas.members.items() if m],
        ),
        (
            "rollup_years",
            ("year", *key, *YEAR_COLUMNS),
            [(year, *row, *vector) for (year, row), vector in deltas.years.items()],
        ),
        (
            "rollup_courses",
            ("course_id", *key, "completed"),
            [(course, *row, n) for (course, row), n in deltas.courses.items() if n],
        ),
        (
            "rollup_members_past",
            ("year", *key, "members", "cadres"),
            [(year, *row, m, c) for (year, row), (m, c) in deltas.past.items() if m or c],
        ),
    ]
    connection = db.session.connection()
    raw = connection.connection.driver_connection
    postgres = connection.dialect.name == "postgresql"
    cursor = raw.cursor()
    try:
        for name, columns, rows in tables:
            names = ", ".join(columns)
            if postgres:
                with cursor.copy(f"COPY {name} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" * len(columns))
                cursor.executemany(f"INSERT INTO {name} ({names}) VALUES ({marks})", rows)  # noqa: S608
    finally:
        cursor.close()
    return sum(len(rows) for _, _, rows in tables)


# --- following member changes ------------------------------------------------------------------

_registered = False


def register() -> None:
    """Follow member edits made through the session (once per process: the factory is shared).

    Bulk statements bypass the session: the org merge is followed through ``org_merged``
    (``on_org_merged``) and the roster import calls ``move`` itself.
    """
    global _registered
    if _registered:
        return
    event.listen(db.session, "after_flush", _after_flush)
    _registered = True


def _after_flush(session: Session, _context) -> None:
    """Move the counts of members whose key changed in this flush; redo all if orgs moved."""
    before: dict[int, Key | None] = {}
    after: dict[int, Key | None] = {}
    # Each of session.new/dirty/deleted builds a new set: read them once, not once per object
    # (a flush of 26,000 new organisations would otherwise take quadratic time).
    for obj in session.new:
        if isinstance(obj, User):
            before[obj.id], after[obj.id] = None, Key.of(obj)
    for obj in session.deleted:
        if isinstance(obj, User):
            before[obj.id], after[obj.id] = Key.of(obj), None
    moved: dict[int, int | None] = {}  # organisation -> its parent before this flush
    for obj in session.dirty:
        state = inspect(obj)
        if isinstance(obj, Organisation):
            history = state.attrs.parent_id.history
            if history.has_changes():
                moved[obj.id] = history.deleted[0] if history.deleted else None
            continue
        if not isinstance(obj, User):
            continue
        histories = {name: state.attrs[name].history for name in KEY_ATTRIBUTES}
        if not any(h.has_changes() for h in histories.values()):
            continue
        old = {name: _old(obj, name, h) for name, h in histories.items()}
        before[obj.id], after[obj.id] = Key.of(old), Key.of(obj)
    if not (before or moved):
        return
    with session.no_autoflush:
        move(before, after)
        for org_id, old_parent in moved.items():
            _moved_org(org_id, old_parent)


def _moved_org(org_id: int, old_parent: int | None) -> None:
    """Count the members of a moved subtree again under its new paths.

    Moving an organisation changes which district holds its subtree and which organisation lies
    above both sides of a floating member with one side inside it: their counts leave the rows
    of the old paths (rebuilt from the new ones and the old parent's) for those of the new.
    """
    new_prefix = db.session.scalar(select(Organisation.path).where(Organisation.id == org_id))
    parent_path = (
        db.session.scalar(select(Organisation.path).where(Organisation.id == old_parent))
        if old_parent is not None
        else "/"
    )
    old_prefix = f"{parent_path}{org_id}/"
    subtree = dict(
        db.session.execute(
            select(Organisation.id, Organisation.path).where(
                Organisation.path.startswith(new_prefix, autoescape=True)
            )
        ).all()
    )
    ids = set(
        db.session.scalars(
            select(User.id).where(or_(User.home_org_id.in_(subtree), User.host_org_id.in_(subtree)))
        )
    )
    ids.update(  # counted there in a closed year
        db.session.scalars(
            select(MemberYear.member_id).where(
                or_(MemberYear.home_org_id.in_(subtree), MemberYear.host_org_id.in_(subtree))
            )
        )
    )
    members = keys_of(ids)
    counted = {i: k for i, k in members.items() if k is not None}
    if not counted:
        return
    _lock_paces()
    paces = _paces()
    kept = kept_of(counted)
    keys = [*counted.values(), *(k for years in kept.values() for k in years.values())]
    old = Places({i: old_prefix + path[len(new_prefix) :] for i, path in subtree.items()})
    new = Places(subtree)
    for places in (old, new):
        places.load([k.home for k in keys] + [k.host for k in keys])
    deltas = Deltas()
    _contributions(deltas, old, counted, -1, paces, kept)
    _contributions(deltas, new, counted, 1, paces, kept)
    deltas.write()


def _old(obj: User, name: str, history) -> object:
    """An attribute's value before this flush."""
    if history.deleted:
        return history.deleted[0]
    return history.unchanged[0] if history.unchanged else getattr(obj, name)


def on_org_merged(
    source: Organisation,
    *,
    target: Organisation,
    home_member_ids: list[int],
    host_member_ids: list[int],
    **_facts,
) -> None:
    """Subscriber of ``org_merged``: the merge's bulk UPDATE moved these members to ``target``."""
    after = keys_of(set(home_member_ids) | set(host_member_ids))
    home_ids, host_ids = set(home_member_ids), set(host_member_ids)
    before: dict[int, Key | None] = {}
    for member_id, key in after.items():
        if key is None:
            before[member_id] = None
            continue
        before[member_id] = Key(
            source.id if member_id in home_ids else key.home,
            source.id if member_id in host_ids else key.host,
            key.floating,
            key.cadre,
        )
    move(before, after)
