"""How each affected listing moved around an event: a small event study.

For each listing, day 0 is the first session of its own exchange on or after the announced date
(a weekend or holiday announcement lands on the next session). The return over [a, b] is the
close of session b over the close of session a, minus one; the abnormal return subtracts the
benchmark's return over the same two sessions (KWEB for US lines, 2800.HK for Hong Kong lines,
configurable). A missing close gives None, shown as "no data", never as 0%.

Closes are adjusted closes when the source has them (dividends would otherwise look like drops).
pandas and exchange_calendars are imported inside the functions: this runs on a worker thread,
never on the path to the first paint.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from briefing.domain import market_hours
from briefing.domain.models import Bar, Listing, RegulationEvent

DEFAULT_BENCHMARKS: dict[str, str] = {"US": "KWEB", "HK": "2800.HK"}
WINDOWS: tuple[tuple[int, int], ...] = ((-1, 1), (-1, 5))
CALENDAR_ALIASES = {"OTC": "XNYS"}  # TCEHY trades over the counter on New York's sessions
# How far around the event bars are read: enough for the widest window, plus holidays.
LOOKBACK_DAYS, LOOKAHEAD_DAYS = 20, 30

_sessions: dict[str, list[date]] = {}


def market_of(listing: Listing) -> str:
    """'HK' for Hong Kong lines, 'US' for the rest (NYSE, Nasdaq, OTC)."""
    return "HK" if listing.exchange == "XHKG" else "US"


def calendar_code(exchange: str) -> str:
    return CALENDAR_ALIASES.get(exchange, exchange)


def exchange_sessions(exchange: str) -> list[date]:
    """Every session of the exchange from 2000 to a few years ahead, as dates: the calendar
    `market_hours` builds once for the whole app; later look-ups are plain bisects."""
    code = calendar_code(exchange)
    sessions = _sessions.get(code)
    if sessions is None:  # two threads may both make the list (~2 ms): no lock to take in an order
        sessions = _sessions[code] = [date.fromordinal(d) for d in market_hours.schedule(code).days]
    return sessions


def sessions_around(exchange: str, day: date, before: int, after: int) -> tuple[list[date], int] | None:
    """The exchange's sessions and the position of day 0 (the first session on or after `day`);
    None when `before` sessions ahead of it or `after` sessions past it are outside the calendar."""
    sessions = exchange_sessions(exchange)
    if not sessions or day < sessions[0] or day > sessions[-1]:
        return None
    zero = bisect_left(sessions, day)
    if zero - before < 0 or zero + after >= len(sessions):
        return None
    return sessions, zero


def session_closes(bars: Sequence[Bar], tz: str):
    """Daily closes as a pandas Series indexed by session date (bar ts = 00:00 exchange time)."""
    import pandas as pd

    zone = ZoneInfo(tz)
    days = [datetime.fromtimestamp(b.ts, zone).date() for b in bars]
    values = [b.adj_close if b.adj_close is not None else b.close for b in bars]
    series = pd.Series(values, index=pd.Index(days, dtype=object), dtype="float64")
    return series[~series.index.duplicated(keep="last")]


def bar_range(day: date) -> tuple[date, date]:
    """Calendar days of bars a study of `day` reads."""
    return day - timedelta(days=LOOKBACK_DAYS + 14), day + timedelta(days=LOOKAHEAD_DAYS + 14)


@dataclass(frozen=True)
class WindowReturn:
    start: int
    end: int
    from_session: date | None
    to_session: date | None
    raw: float | None  # fraction: 0.05 is +5%
    benchmark: float | None

    @property
    def abnormal(self) -> float | None:
        return None if self.raw is None or self.benchmark is None else self.raw - self.benchmark

    @property
    def label(self) -> str:
        return f"[{self.start:+d},{self.end:+d}]"


@dataclass(frozen=True)
class ListingReaction:
    symbol: str
    exchange: str
    benchmark: str | None
    day0: date | None
    windows: tuple[WindowReturn, ...] = ()
    note: str = ""  # why there are no numbers, when there are none

    def window(self, start: int, end: int) -> WindowReturn | None:
        return next((w for w in self.windows if (w.start, w.end) == (start, end)), None)


@dataclass(frozen=True)
class EventStudy:
    event_id: str
    announced: date | None
    reactions: tuple[ListingReaction, ...] = field(default=())
    note: str = ""


def _ret(closes, a: date, b: date) -> float | None:
    x, y = closes.get(a), closes.get(b)
    if x is None or y is None or x != x or y != y or x <= 0:  # missing or NaN
        return None
    return float(y) / float(x) - 1.0


def react(listing: Listing, event_day: date, bars: Sequence[Bar], benchmark: Listing | None = None,
          benchmark_bars: Sequence[Bar] = (), windows: Sequence[tuple[int, int]] = WINDOWS) -> ListingReaction:
    """One listing's returns (and abnormal returns) over each window around `event_day`."""
    bench = benchmark.symbol if benchmark is not None and benchmark.symbol != listing.symbol else None
    before = max(-w[0] for w in windows)
    after = max(w[1] for w in windows)
    placed = sessions_around(listing.exchange, event_day, before, after)
    if placed is None:
        return ListingReaction(listing.symbol, listing.exchange, bench, None,
                               note="outside the exchange calendar: no data")
    sessions, zero = placed
    closes = session_closes(bars, listing.timezone)
    bench_closes = session_closes(benchmark_bars, benchmark.timezone) if bench else None
    out = []
    for a, b in windows:
        s_from, s_to = sessions[zero + a], sessions[zero + b]
        raw = _ret(closes, s_from, s_to)
        out.append(WindowReturn(a, b, s_from, s_to, raw,
                                _ret(bench_closes, s_from, s_to) if bench_closes is not None else None))
    note = "" if any(w.raw is not None for w in out) else f"no price data around {event_day.isoformat()}"
    return ListingReaction(listing.symbol, listing.exchange, bench, sessions[zero], tuple(out), note)


def study_event(event: RegulationEvent, listings: Sequence[Listing], bars: Mapping[str, Sequence[Bar]],
                benchmark_listings: Mapping[str, Listing] | None = None,
                windows: Sequence[tuple[int, int]] = WINDOWS) -> EventStudy:
    """Every affected listing's reaction to the event's announcement.

    `benchmark_listings` maps 'US' / 'HK' to the benchmark listing; `bars` holds the daily bars of
    the listings and benchmarks by symbol (at least `bar_range(event.announced)`).
    """
    day = event.announced or event.effective
    if day is None:
        return EventStudy(event.id, None, note="the event has no date")
    benchmark_listings = benchmark_listings or {}
    reactions = []
    for listing in listings:
        bench = benchmark_listings.get(market_of(listing))
        reactions.append(react(listing, day, bars.get(listing.symbol, ()), bench,
                               bars.get(bench.symbol, ()) if bench else (), windows))
    note = "" if event.announced else f"no announced date: measured around the effective date {day}"
    return EventStudy(event.id, day, tuple(reactions), note)


def percent(value: float | None, signed: bool = True) -> str:
    """0.0523 -> '+5.2%'; None -> 'no data' (never 0%)."""
    if value is None:
        return "no data"
    return f"{value * 100:+.1f}%" if signed else f"{value * 100:.1f}%"
