"""The periods a bulletin covers: finished calendar months (2026-11) and quarters (2026-Q4)."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta


class BadPeriod(ValueError):
    """The period is not a finished month (2026-11) or quarter (2026-Q4); shown to the user."""


_PERIOD = re.compile(r"(\d{4})-(?:(0?[1-9]|1[0-2])|[Qq]([1-4]))")
_QUARTERS = "一二三四"


@dataclass(frozen=True)
class Period:
    """A calendar month or quarter that a bulletin covers."""

    key: str
    label: str
    start: date
    end: date

    @property
    def months(self) -> range:
        return range(self.start.month, self.end.month + 1)


def month_period(year: int, month: int) -> Period:
    """The calendar month as a period."""
    last = calendar.monthrange(year, month)[1]
    return Period(
        f"{year}-{month:02d}", f"{year}年{month}月", date(year, month, 1), date(year, month, last)
    )


def quarter_period(year: int, quarter: int) -> Period:
    """The calendar quarter as a period."""
    first = 3 * quarter - 2
    end = month_period(year, first + 2).end
    return Period(
        f"{year}-Q{quarter}", f"{year}年第{_QUARTERS[quarter - 1]}季度", date(year, first, 1), end
    )


def parse_period(text: str | None, today: date) -> Period:
    """A finished month (2026-11) or quarter (2026-Q4) from its key."""
    match = _PERIOD.fullmatch((text or "").strip())
    if not match:
        raise BadPeriod("请选择通报期间：月份如 2026-11，季度如 2026-Q4。")
    year = int(match[1])
    if year < 2000:
        raise BadPeriod("通报期间的年份不正确。")
    period = month_period(year, int(match[2])) if match[2] else quarter_period(year, int(match[3]))
    if period.end >= today:
        raise BadPeriod(f"{period.label}尚未结束，只能通报已结束的月份或季度。")
    return period


def last_complete_month(today: date) -> Period:
    """The month before this one: the default period of a bulletin."""
    previous = today.replace(day=1) - timedelta(days=1)
    return month_period(previous.year, previous.month)


def recent_periods(today: date) -> list[Period]:
    """The last twelve finished months and the last four finished quarters, newest first."""
    months, day = [], today.replace(day=1)
    for _ in range(12):
        day = day - timedelta(days=1)
        months.append(month_period(day.year, day.month))
        day = day.replace(day=1)
    quarters, year, quarter = [], today.year, (today.month - 1) // 3
    for _ in range(4):
        if quarter == 0:
            year, quarter = year - 1, 4
        quarters.append(quarter_period(year, quarter))
        quarter -= 1
    return months + quarters
