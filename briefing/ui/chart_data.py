"""What the chart panel reads (on a worker thread) and draws: series, events, the range."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time as dtime
from zoneinfo import ZoneInfo

from briefing.domain import ranges
from briefing.domain.models import Listing, RegulationEvent


@dataclass(frozen=True)
class Series:
    listing: Listing
    ts: list[int]
    close: list[float]
    source: str
    open: tuple = ()
    high: tuple = ()
    low: tuple = ()
    volume: tuple = ()
    previous_close: float | None = None
    note: str = ""


@dataclass(frozen=True)
class ChartData:
    series: tuple[Series, ...]
    events: tuple[RegulationEvent, ...]
    normalised: bool  # several symbols: % change from the range start
    range: str = "1Y"

    @property
    def indexed(self) -> bool:
        """Intraday, one symbol: x is the bar number (no nights, weekends, lunch breaks)."""
        return ranges.is_intraday(self.range) and len(self.series) == 1


def event_ts(e: RegulationEvent, tz: str = "UTC") -> int:
    d = e.key_date
    return int(datetime.combine(d, dtime(12), ZoneInfo(tz)).timestamp())


def live_bar(bar_ts: int, quote_ts: int, interval: str, tz: str) -> bool:
    """Whether a quote falls inside the last bar (its session for daily bars, its 5 minutes intraday)."""
    if interval == "5m":
        return bar_ts <= quote_ts < bar_ts + 300
    return quote_ts >= bar_ts and ranges.session_date(quote_ts, tz) == ranges.session_date(bar_ts, tz)
