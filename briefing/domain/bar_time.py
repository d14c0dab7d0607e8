"""The one rule for dating bars, whatever the machine's own time zone.

A daily bar's `ts` is midnight of its session date in the listing's time zone, as UTC seconds
(the XHKG session of 2025-01-02 is 2025-01-01T16:00Z); an intraday bar's `ts` is its UTC start.
Nothing here reads the local clock or the local zone.
"""

from __future__ import annotations

from datetime import date, datetime, time, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

DAILY_INTERVALS = ("1d", "1wk")


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def day_ts(day: date, tz: str) -> int:
    """UTC seconds of midnight of `day` in `tz`: the `ts` of that session's daily bar."""
    return int(datetime.combine(day, time(0), zone(tz)).timestamp())


def ts_day(ts: int, tz: str) -> date:
    """The session date a daily bar's `ts` stands for (the inverse of `day_ts`)."""
    return datetime.fromtimestamp(ts, zone(tz)).date()


def utc_ts(when: datetime) -> int:
    """An aware datetime as UTC seconds; a naive one is taken as UTC, never as local time."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return int(when.timestamp())


def is_daily(interval: str) -> bool:
    return interval in DAILY_INTERVALS
