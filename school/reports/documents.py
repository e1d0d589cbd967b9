"""Reports as documents: what a printed page or an exported file says about itself (the
filters in words), the phone as the viewer may see it, and the whole overdue list.

A report file or print-out leaves the screen it was made on: it must say which organisation,
which day and which filters it shows, and carry no more than the viewer may see.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from types import SimpleNamespace

from school.auth.models import User
from school.clock import local_today
from school.courses.models import Course
from school.db import db
from school.members.services import shown_phone
from school.orgs.models import Organisation
from school.orgs.scope import RELATIONS
from school.reports import overdue
from school.reports.overdue import OverdueFilter, OverdueRow
from school.reports.queries import SORTS, Filters, MemberRow
from school.reports.status import STATUSES

# A print view lists at most this many members; the export has them all.
PRINT_LIMIT = 1000
BATCH = 1000


def filter_words(filters: Filters, courses: list[Course], with_rows: bool = True) -> list[str]:
    """The filters of a report, as a title row or a printed header says them."""
    words = [f"{filters.year} 年", f"党员范围：{RELATIONS[filters.relation]}"]
    if filters.as_of is not None:
        words.append(f"按 {filters.as_of.month} 月末所在组织统计")
    if filters.floating_only:
        words.append("只看流动党员")
    if filters.course_id is not None:
        title = next((c.title for c in courses if c.id == filters.course_id), "")
        words.append(f"课程：{title}")
    if with_rows:
        if filters.status:
            words.append(f"状态：{STATUSES[filters.status]}")
        words.append(f"按{SORTS[filters.sort]}{'降序' if filters.desc else '升序'}")
    return words


def overdue_words(filt: OverdueFilter, year: int) -> list[str]:
    """The overdue list's filters in words."""
    words = [f"{year} 年", f"党员范围：{RELATIONS[filt.relation]}"]
    if filt.floating_only:
        words.append("只看流动党员")
    words.append("按学时从少到多")
    return words


def heading(org: Organisation, what: str, words: list[str], today: date) -> str:
    """A file's title row: organisation, report, date made and the filters."""
    return f"{org.name} · {what} · {today:%Y-%m-%d} 导出 · {'；'.join(words)}"


class PhoneShown:
    """A member row's phone as ``shown_phone`` shows it to the viewer (in full to those who
    manage the member, masked to everyone else), exactly as on the pages."""

    def __init__(self, viewer: User) -> None:
        self.viewer = viewer

    def __call__(self, row: MemberRow) -> str:
        # shown_phone reads the member's id, phone and organisations: the row has them all.
        member = SimpleNamespace(
            id=row.id, phone=row.phone, home_org=row.home_org, host_org=row.host_org
        )
        return shown_phone(self.viewer, member)  # type: ignore[arg-type]


def iter_overdue(
    viewer: User, org: Organisation, filt: OverdueFilter, now: datetime | None = None
) -> tuple[int, Iterator[OverdueRow]]:
    """The year, and every member of the overdue list in its order (fewest 学时 first), in
    batches: for each, the campaigns done, the last reminder and the phone as the viewer sees it.
    """
    today = local_today(now)
    campaigns = overdue.due_campaigns(today)
    stmt = overdue.listed(org, filt, today, campaigns).execution_options(yield_per=BATCH)

    def rows() -> Iterator[OverdueRow]:
        for batch in db.session.execute(stmt).partitions():
            yield from overdue.overdue_rows(viewer, batch, campaigns, today)

    return today.year, rows()
