"""How numbers and moments read on pages, in messages and in exported files.

学时, marks and weights are decimals written in their shortest form: 1, 0.5, 32, never 1.0 or
1E+1. Moments are stored in UTC and shown as dates and times of the school's time zone.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from school.clock import to_local

_ZERO, _ONE = Decimal(0), Decimal(1)


def shortest(value: Decimal) -> Decimal:
    """The shortest form of a value, without an exponent: 0.500 and 0.5 alike, 1E+1 as 10."""
    if value == 0:
        return _ZERO  # also turns -0 into 0
    value = value.normalize()
    exponent = value.as_tuple().exponent
    # normalize() writes whole tens as 1E+1; quantize puts the zeros back.
    return value.quantize(_ONE) if isinstance(exponent, int) and exponent > 0 else value


def decimal_text(value: Decimal) -> str:
    """A decimal in its shortest form as plain digits: "0.5", "10", "-2.25"."""
    return format(shortest(value), "f")


def format_hours(value: Decimal | int | float | None) -> str:
    """学时 without trailing zeros: 1, 0.5, 32 (none at all reads 0)."""
    if value is None:
        return "0"
    # Through str: a float's repr is the number as typed (0.1), its exact binary value is not.
    return decimal_text(Decimal(str(value)))


def local_date(moment: datetime | None) -> str:
    """A moment as the school's local date, 2025-05-01; nothing for no moment."""
    return to_local(moment).strftime("%Y-%m-%d") if moment else ""


def long_date(value: date | datetime) -> str:
    """A date as documents print it: 2026 年 12 月 7 日 (a moment as its local date)."""
    day = to_local(value).date() if isinstance(value, datetime) else value
    return f"{day.year} 年 {day.month} 月 {day.day} 日"


def local_datetime(moment: datetime | None) -> str:
    """A moment as the school's local date and time, 2025-05-01 14:30; nothing for no moment."""
    return to_local(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def size_text(size: int) -> str:
    """A byte count as members read it: 5 MB, 1.5 MB, 65 KB, 1.5 KB (one decimal below ten)."""
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= factor:
            value = size / factor
            if value >= 10 or value == int(value):
                return f"{round(value)} {unit}"
            return f"{value:.1f} {unit}"
    return f"{size} 字节"
