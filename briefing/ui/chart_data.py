"""What the chart panel reads (on a worker thread) and draws: series, events, the range, and the
arrays handed to the plot (`ChartData.layout`, built once per read, off the GUI thread).

Intraday ranges draw on an index axis: x is a position in a list of bar times, so nights,
weekends, holidays and the HKEX lunch take no room. In compare mode the list is the merged,
sorted set of every series' bar times: Hong Kong and New York sessions do not overlap, so a
shared clock axis would be half empty, while separate indexes would put 10:00 HKT beside 10:00
EST. On the merged index each series sits at its own bars' positions (its real times, in the
one axis zone), the axis has no empty stretch, and a series' line breaks where its own market
is closed: a straight line across the other market's session would draw a move nobody traded.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, time as dtime, tzinfo
from functools import cached_property
from textwrap import shorten

import numpy as np

from briefing.domain import ranges
from briefing.domain.bar_time import zone
from briefing.domain.models import Listing, RegulationEvent

SESSION_BREAK_S = 3 * 3600  # a longer pause between two of a series' bars ends its session (lunch is 65 min)


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
class Trace:
    """One series as drawn: x on the chart's axis, y in the chart's unit, and for each point
    whether the line goes on to the next one."""

    x: np.ndarray
    y: np.ndarray
    connect: np.ndarray | str = "auto"  # pyqtgraph's default: joins finite neighbours


@dataclass(frozen=True)
class EventMark:
    """An event within the bars' span, placed on the x axis. Placed with the arrays (on the worker):
    done on the GUI thread at every redraw, this was ~0.8 ms of a 4-series compare (cProfile)."""

    x: float
    event_id: str
    concerns: bool  # about a charted company, or about none in particular: drawn even when not selected
    title: str
    tip: str


@dataclass(frozen=True)
class Layout:
    """The plot's arrays: one trace per series, in index mode the UTC second of each x, and the
    events in the bars' span."""

    traces: tuple[Trace, ...]
    axis_ts: np.ndarray | None = None
    marks: tuple[EventMark, ...] = ()

    def x_at(self, ts: int) -> float:
        """Where a moment falls on the x axis (index mode: the first bar at or after it)."""
        if self.axis_ts is None:
            return float(ts)
        return float(np.searchsorted(self.axis_ts, ts))

    def ts_at(self, i: int, first: Series) -> int:
        """The UTC second of snap point `i` (a merged-index position, or a bar of the first series)."""
        return int(self.axis_ts[i]) if self.axis_ts is not None else int(first.ts[i])


@dataclass(frozen=True)
class ChartData:
    series: tuple[Series, ...]
    events: tuple[RegulationEvent, ...]
    normalised: bool  # several symbols: % change from the range start
    range: str = "1Y"
    time_display: str = "exchange"  # the "ui.timezone_display" preference: exchange / local / both
    red_up: bool = False  # the "ui.up_colours" preference is "red-up"

    @property
    def indexed(self) -> bool:
        """Intraday: x is a bar position (no nights, weekends, lunch breaks), for one symbol or several."""
        return ranges.is_intraday(self.range)

    @cached_property
    def layout(self) -> Layout:
        """The arrays to draw, as numpy (built once; `ChartPanel.read` builds them on the worker)."""
        return build_layout(self)


def pct_array(close) -> np.ndarray:
    """% change from the first value; empty for no values or a zero or missing start."""
    c = np.asarray(close, dtype=float)
    if not len(c) or not np.isfinite(c[0]) or c[0] == 0:
        return np.empty(0)
    return (c / c[0] - 1.0) * 100.0


def build_layout(data: ChartData) -> Layout:
    layout = _arrays(data)
    return replace(layout, marks=place_events(data, layout))


def _arrays(data: ChartData) -> Layout:
    drawn = [s for s in data.series if s.ts]
    ys = [pct_array(s.close) if data.normalised else np.asarray(s.close, dtype=float) for s in data.series]
    if not data.indexed:
        xs = [np.asarray(s.ts, dtype=float) for s in data.series]
        return Layout(tuple(_trace(x, y) for x, y in zip(xs, ys)))
    if len(drawn) <= 1:
        axis = np.asarray(drawn[0].ts if drawn else [], dtype=np.int64)
        return Layout(tuple(_trace(np.arange(len(s.ts), dtype=float), y) for s, y in zip(data.series, ys)), axis)
    axis = np.unique(np.concatenate([np.asarray(s.ts, dtype=np.int64) for s in drawn]))
    traces = []
    for s, y in zip(data.series, ys):
        ts = np.asarray(s.ts, dtype=np.int64)
        connect = np.ones(len(ts), dtype=bool)
        connect[:-1] = np.diff(ts) <= SESSION_BREAK_S
        traces.append(_trace(np.searchsorted(axis, ts).astype(float), y, connect))
    return Layout(tuple(traces), axis)


def _trace(x: np.ndarray, y: np.ndarray, connect: np.ndarray | str = "auto") -> Trace:
    """A trace, or an empty one when there is no y for the x (a series starting at zero or missing)."""
    if len(x) != len(y):
        return Trace(np.empty(0), np.empty(0))
    return Trace(x, y, connect)


def display_zone(mode: str, exchange_tz: str) -> tzinfo | None:
    """The zone times are written in: the exchange's, or None for the machine's own."""
    return None if mode == "local" else zone(exchange_tz)


def in_zone(ts: int, tz: tzinfo | None) -> datetime:
    """`ts` as an aware time in `tz`; None is the machine's zone (with its summer time)."""
    return datetime.fromtimestamp(ts, tz) if tz is not None else datetime.fromtimestamp(ts).astimezone()


def stamp(ts: int, exchange_tz: str, mode: str, intraday: bool) -> str:
    """The readout's time: a daily bar is its session date (an exchange date, whatever the zone);
    an intraday bar is written in the exchange zone, the machine's, or both."""
    if not intraday:
        return ranges.session_date(ts, exchange_tz).isoformat()
    fmt = "%Y-%m-%d %H:%M %Z"
    here = in_zone(ts, None).strftime(fmt)
    there = in_zone(ts, zone(exchange_tz)).strftime(fmt)
    return {"local": here, "both": f"{there} | {here}"}.get(mode, there)


def place_events(data: ChartData, layout: Layout) -> tuple[EventMark, ...]:
    """The events with a date within the bars' span (none when the first series has no bars)."""
    drawn = [s for s in data.series if s.ts]
    if not data.series or not data.series[0].ts:
        return ()
    lo, hi = min(s.ts[0] for s in drawn), max(s.ts[-1] for s in drawn)
    wanted = {s.listing.company_id for s in data.series if s.listing.company_id}
    out = []
    for e in data.events:
        if e.key_date is None:
            continue
        x = event_ts(e)
        if not lo <= x <= hi:
            continue
        concerns = not (wanted and e.companies and not wanted & set(e.companies))
        tip = f"{e.key_date.isoformat()} · {e.body}\n{e.title_en}" + (f"\n{e.title_zh}" if e.title_zh else "")
        out.append(EventMark(layout.x_at(x), e.id, concerns, e.title_en, tip))
    return tuple(out)


def event_marks(data: ChartData, highlight: str | None) -> tuple[tuple[float, bool, str, str], ...]:
    """(x, highlighted, label, tooltip) of each event line to draw: the events within the bars'
    span that concern a charted company (the highlighted one whatever its companies). Only the
    highlighted line shows a label: the others' is ""."""
    out = []
    for m in data.layout.marks:
        hot = m.event_id == highlight
        if hot or m.concerns:
            out.append((m.x, hot, shorten(m.title, width=36, placeholder="…") if hot else "", m.tip))
    return tuple(out)


def event_ts(e: RegulationEvent, tz: str = "UTC") -> int:
    d = e.key_date
    return int(datetime.combine(d, dtime(12), zone(tz)).timestamp())


def live_bar(bar_ts: int, quote_ts: int, interval: str, tz: str) -> bool:
    """Whether a quote falls inside the last bar (its session for daily bars, its 5 minutes intraday)."""
    if interval == "5m":
        return bar_ts <= quote_ts < bar_ts + 300
    return quote_ts >= bar_ts and ranges.session_date(quote_ts, tz) == ranges.session_date(bar_ts, tz)
