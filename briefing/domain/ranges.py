"""Chart ranges (1D … Max): which bars a range shows and its previous close.

Pure functions over UTC-second timestamps; no Qt. Intraday ranges (1D, 5D) use 5-minute bars
and count sessions, not calendar days, so a Monday 5D chart reaches back to the week before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Sequence

from briefing.domain.bar_time import day_ts, zone

RANGES = ("1D", "5D", "1M", "6M", "YTD", "1Y", "5Y", "Max")
INTRADAY_SESSIONS = {"1D": 1, "5D": 5}
CALENDAR_DAYS = {"1M": 31, "6M": 183, "1Y": 366, "5Y": 5 * 366 + 1}


def is_intraday(code: str) -> bool:
    return code in INTRADAY_SESSIONS


def interval_for(code: str) -> str:
    """The bar interval a range draws: 5-minute bars for 1D/5D, daily bars otherwise."""
    return "5m" if is_intraday(code) else "1d"


def session_date(ts: int, tz: str) -> date:
    return datetime.fromtimestamp(ts, zone(tz)).date()


def daily_start(code: str, last_ts: int, tz: str) -> int | None:
    """First daily-bar `ts` a range keeps, given the last bar's `ts`; None for Max (everything)."""
    if code == "Max":
        return None
    last = session_date(last_ts, tz)
    if code == "YTD":
        return day_ts(date(last.year, 1, 1), tz)
    return day_ts(last - timedelta(days=CALENDAR_DAYS[code]), tz)


@dataclass(frozen=True)
class IntradayCut:
    """The bars of the last n sessions, and the close of the session before (None if not held)."""

    start: int  # index into the bars of the first bar kept
    previous_close: float | None


def intraday_cut(ts: Sequence[int], close: Sequence[float], sessions: int, tz: str) -> IntradayCut:
    """Keep the last `sessions` sessions of intraday bars (sessions are exchange-zone dates)."""
    if not ts:
        return IntradayCut(0, None)
    days: list[date] = []
    start = len(ts)
    for i in range(len(ts) - 1, -1, -1):
        d = session_date(ts[i], tz)
        if not days or days[-1] != d:
            if len(days) == sessions:
                return IntradayCut(start, close[i])
            days.append(d)
        start = i
    return IntradayCut(0, None)


def gap_note(ts: Sequence[int], tz: str, max_gap_days: int = 10) -> str:
    """Describe a hole in daily bars longer than `max_gap_days` (suspension, missing data), or ''."""
    worst = 0
    at = 0
    for a, b in zip(ts, ts[1:]):
        if b - a > worst:
            worst, at = b - a, a
    days = worst // 86400
    if days > max_gap_days:
        return f"no bars for {days} days after {session_date(at, tz).isoformat()}"
    return ""
