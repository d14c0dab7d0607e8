"""The market table's figures and the event reactions, from daily bars (plain Python, no pandas).

Definitions (the briefing's footer repeats them; `tests/test_export_figures.py` recomputes them
independently with pandas):
- 1-day / 5-day change: the close against the close 1 / 5 sessions earlier.
- Month-to-date / year-to-date: the close against the last close before the month / year began.
- Volume vs 20-day average: the session's volume over the mean volume of the 20 sessions before it.
- 52-week position: where the close sits between the lowest low and the highest high of the
  sessions in the 365 days to the session (0 % = at the low, 100 % = at the high).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from briefing.domain.bar_time import ts_day
from briefing.domain.models import Bar

VOLUME_WINDOW = 20
YEAR_DAYS = 365


@dataclass(frozen=True)
class Session:
    day: date
    bar: Bar


def sessions(bars: list[Bar], tz: str) -> list[Session]:
    """Daily bars keyed by their session date in the exchange's zone, oldest first."""
    return [Session(ts_day(b.ts, tz), b) for b in bars]


def upto(series: list[Session], day: date) -> list[Session]:
    return [s for s in series if s.day <= day]


def pct(new: float | None, old: float | None) -> float | None:
    if new is None or not old:
        return None
    return (new / old - 1.0) * 100.0


def _d(day: date) -> str:
    return day.strftime("%d %b %Y").lstrip("0")


@dataclass(frozen=True)
class Figures:
    session: date | None = None
    close: float | None = None
    change_1d: float | None = None
    change_5d: float | None = None
    change_mtd: float | None = None
    change_ytd: float | None = None
    volume: int | None = None
    volume_avg20: float | None = None
    volume_ratio: float | None = None
    low_52w: float | None = None
    high_52w: float | None = None
    position_52w: float | None = None
    missing: tuple[str, ...] = ()


def figures(series: list[Session], expected: date | None) -> Figures:
    """The row's figures at the last session on or before `expected` (the market's last session).

    Whatever cannot be computed stays None and `missing` says why, in words.
    """
    if not series:
        return Figures(missing=("no prices in the cache",))
    if expected is None:
        expected = series[-1].day
    held = upto(series, expected)
    if not held:
        return Figures(missing=(f"no prices on or before {_d(expected)} (history starts {_d(series[0].day)})",))
    missing: list[str] = []
    last = held[-1]
    if last.day < expected:
        missing.append(f"no close for {_d(expected)} in the cache (latest {_d(last.day)})")
    close = last.bar.close
    closes = [s.bar.close for s in held]
    change_1d = pct(close, closes[-2]) if len(closes) >= 2 else None
    if change_1d is None:
        missing.append("1-day change (one session only)")
    change_5d = pct(close, closes[-6]) if len(closes) >= 6 else None
    if change_5d is None:
        missing.append("5-day change (fewer than 6 sessions)")

    def since(start: date, what: str) -> float | None:
        before = [s for s in held if s.day < start]
        if not before:
            missing.append(f"{what} (no close before {_d(start)})")
            return None
        return pct(close, before[-1].bar.close)

    change_mtd = since(last.day.replace(day=1), "month-to-date")
    change_ytd = since(date(last.day.year, 1, 1), "year-to-date")

    volume = last.bar.volume
    earlier = [s.bar.volume for s in held[-VOLUME_WINDOW - 1:-1]]
    avg = None
    if len(earlier) == VOLUME_WINDOW and all(v is not None for v in earlier):
        avg = sum(earlier) / VOLUME_WINDOW
    if volume is None:
        missing.append("volume")
    elif avg is None:
        missing.append("20-day average volume (fewer than 20 earlier sessions with volume)")
    ratio = volume / avg if volume is not None and avg else None

    year = [s for s in held if s.day > last.day - timedelta(days=YEAR_DAYS)]
    lows = [s.bar.low if s.bar.low is not None else s.bar.close for s in year]
    highs = [s.bar.high if s.bar.high is not None else s.bar.close for s in year]
    low, high = min(lows), max(highs)
    position = (close - low) / (high - low) * 100.0 if high > low else None
    if held[0].day > last.day - timedelta(days=YEAR_DAYS - 7):
        missing.append(f"52-week range covers only {_d(held[0].day)} onwards")
    return Figures(last.day, close, change_1d, change_5d, change_mtd, change_ytd, volume, avg, ratio,
                   low, high, position, tuple(missing))


def normalised(series: list[Session], start: date, end: date) -> tuple[list[Session], list[float]]:
    """The sessions in [start, end] and their closes as % change from the first of them."""
    window = [s for s in series if start <= s.day <= end]
    if not window:
        return [], []
    base = window[0].bar.close
    return window, [(s.bar.close / base - 1.0) * 100.0 for s in window]
