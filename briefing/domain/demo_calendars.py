"""The demo dataset's trading calendars: which sessions a listing trades, and the regular
trading windows of the last few (where its 5-minute bars go).

Exchanges come from `exchange_calendars` (TCEHY trades OTC: XNYS hours); HKD=X trades on
weekdays, the whole UTC day.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from briefing.domain.models import Listing

INTRADAY_SESSIONS = 5  # the last sessions that get 5-minute bars
# Calendars for exchanges exchange_calendars does not know by that name.
CALENDAR_ALIASES = {"OTC": "XNYS"}
FX_CALENDAR = "weekdays"


@dataclass(frozen=True)
class Calendar:
    sessions: list[date]  # in [start, end]
    # Regular trading windows of the last sessions, UTC seconds: [(open, close), ...] per session.
    windows: dict[date, list[tuple[int, int]]]


def session_calendar(code: str, start: date, end: date) -> Calendar:
    if code == FX_CALENDAR:
        sessions = [start + timedelta(days=i) for i in range((end - start).days + 1)]
        sessions = [d for d in sessions if d.weekday() < 5]
        windows = {}
        for d in sessions[-INTRADAY_SESSIONS:]:
            t0 = int(datetime.combine(d, time(), timezone.utc).timestamp())
            windows[d] = [(t0, t0 + 86_400)]
        return Calendar(sessions, windows)

    import exchange_calendars as xcals
    import pandas as pd

    with warnings.catch_warnings():  # exchange_calendars trips pandas deprecation warnings
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        cal = xcals.get_calendar(code, start=start - timedelta(days=10), end=end + timedelta(days=10))
        index = cal.sessions_in_range(pd.Timestamp(start), pd.Timestamp(end))
        sessions = [ts.date() for ts in index]
        sched = cal.schedule.loc[index[-INTRADAY_SESSIONS:]]
        windows = {}
        for label, row in sched.iterrows():
            opened, closed = int(row["open"].timestamp()), int(row["close"].timestamp())
            if pd.isna(row["break_start"]):
                windows[label.date()] = [(opened, closed)]
            else:
                windows[label.date()] = [(opened, int(row["break_start"].timestamp())),
                                         (int(row["break_end"].timestamp()), closed)]
    return Calendar(sessions, windows)


def calendar_code(listing: Listing) -> str:
    """Which trading calendar the demo uses for a listing."""
    if listing.kind == "fx":
        return FX_CALENDAR
    return CALENDAR_ALIASES.get(listing.exchange, listing.exchange)


def session_ts(d: date, tz: str) -> int:
    """A daily bar's `ts`: the session date at 00:00 in the exchange's time zone, as UTC seconds."""
    return int(datetime.combine(d, time(), ZoneInfo(tz)).timestamp())
