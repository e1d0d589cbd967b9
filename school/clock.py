"""Local time: the school counts years and shows dates in its own time zone (TIMEZONE)."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def local_zone() -> ZoneInfo:
    return ZoneInfo(str(current_app.config["TIMEZONE"]))


def to_local(moment: datetime) -> datetime:
    return moment.astimezone(local_zone())


def current_year(now: datetime | None = None) -> int:
    return to_local(now or datetime.now(UTC)).year


def local_today(now: datetime | None = None) -> date:
    """Today's date in the school's time zone."""
    return to_local(now or datetime.now(UTC)).date()


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """The UTC instants where a local calendar year starts and the next one starts."""
    zone = local_zone()
    start = datetime(year, 1, 1, tzinfo=zone).astimezone(UTC)
    end = datetime(year + 1, 1, 1, tzinfo=zone).astimezone(UTC)
    return start, end
