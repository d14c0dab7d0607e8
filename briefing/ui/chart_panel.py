"""Chart panel: daily closes of the selected symbols with regulation events marked on the time axis.

pyqtgraph costs ~400 ms to import, so the plot is built just after the window's first paint; the
panel shows a placeholder until then. Curves are created once and updated with `setData`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, time as dtime
from zoneinfo import ZoneInfo

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QStackedLayout, QVBoxLayout, QWidget

from briefing.domain.models import Listing, RegulationEvent
from briefing.store import changes as topics
from briefing.ui.panel import Panel

ONE_YEAR_S = 366 * 86400
SCROLL_MARGIN_S = 75 * 86400  # scrolling to an event shows ~2.5 months either side
PALETTE = ("#2f6fdf", "#e07b00", "#1a9c4a", "#c2185b", "#6a4fb3", "#00838f")


@dataclass(frozen=True)
class Series:
    listing: Listing
    ts: list[int]
    close: list[float]
    source: str


@dataclass(frozen=True)
class ChartData:
    series: tuple[Series, ...]
    events: tuple[RegulationEvent, ...]
    normalised: bool  # several symbols: % change from the range start


def event_ts(e: RegulationEvent, tz: str = "UTC") -> int:
    d = e.key_date
    return int(datetime.combine(d, dtime(12), ZoneInfo(tz)).timestamp())


class ChartPanel(Panel):
    topics = (topics.BARS, topics.EVENTS)

    def __init__(self, store, runner, parent=None) -> None:
        super().__init__(store, runner, parent)
        self.symbols: list[str] = []
        self.plot = None  # pyqtgraph PlotWidget, built after the first paint
        self._curves: list = []
        self._markers: list = []
        self._data: ChartData | None = None
        self._highlight: str | None = None
        self._scroll_id: str | None = None  # the selected event: each draw keeps it in view
        self._reach_back: int | None = None  # read bars from here: an older event was selected
        self.placeholder = QLabel("Loading chart…", self)
        self.placeholder.setObjectName("chartPlaceholder")
        self._stack = QStackedLayout()
        host = QWidget(self)
        host.setLayout(self._stack)
        self._stack.addWidget(self.placeholder)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        self.title = QLabel("", self)
        layout.addWidget(self.title)
        layout.addWidget(host, 1)

    def build_plot(self) -> None:
        """Create the plot (imports pyqtgraph). Called once, after the first paint."""
        if self.plot is not None:
            return
        import pyqtgraph as pg

        pg.setConfigOptions(antialias=True, background=None, foreground=self.palette().text().color())
        axis = pg.DateAxisItem(orientation="bottom")
        self.plot = pg.PlotWidget(axisItems={"bottom": axis})
        self.plot.setObjectName("chartPlot")
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        self.plot.setClipToView(True)
        self.plot.setDownsampling(auto=True, mode="peak")
        self.legend = self.plot.addLegend(offset=(10, 10))
        self._stack.addWidget(self.plot)
        self._stack.setCurrentWidget(self.plot)
        if self._data is not None:
            self._draw(self._data)

    def set_symbols(self, symbols: list[str]) -> None:
        if symbols != self.symbols:
            self.symbols = list(symbols)
            self.reload()

    def highlight_event(self, event_id: str | None) -> None:
        """Mark the event (red) without moving the view."""
        self._highlight = event_id
        if event_id != self._scroll_id:
            self._scroll_id = None
        if self._data is not None and self.plot is not None:
            self._draw_events(self._data)

    def show_event(self, event_id: str | None) -> None:
        """Mark the event and scroll to it, reading older bars first if the chart does not reach it."""
        self._highlight = self._scroll_id = event_id
        if self._data is not None and self.plot is not None and not self._reach_back_for(self._data):
            self._draw_events(self._data)
            self._scroll()

    def _event_x(self, data: ChartData) -> int | None:
        event = next((e for e in data.events if e.id == self._scroll_id), None)
        return event_ts(event) if event is not None and event.key_date else None

    def _reach_back_for(self, data: ChartData) -> bool:
        """Reload from further back when the event to show is before the bars read (once per event)."""
        x = self._event_x(data)
        starts = [s.ts[0] for s in data.series if s.ts]
        if x is None or not starts or x - SCROLL_MARGIN_S >= min(starts):
            return False
        if self._reach_back is not None and self._reach_back <= x - SCROLL_MARGIN_S:
            return False  # already read from there: the cache has nothing older
        self._reach_back = x - 2 * SCROLL_MARGIN_S
        self.reload()
        return True

    def _scroll(self) -> None:
        data = self._data
        x = self._event_x(data) if data is not None else None
        spans = [(s.ts[0], s.ts[-1]) for s in data.series if s.ts] if data is not None else []
        if x is not None and self.plot is not None and spans \
                and min(a for a, _ in spans) - SCROLL_MARGIN_S <= x <= max(b for _, b in spans) + SCROLL_MARGIN_S:
            self.plot.setXRange(x - SCROLL_MARGIN_S, x + SCROLL_MARGIN_S, padding=0)
            self.plot.getViewBox().enableAutoRange(axis="y")
            self.plot.getViewBox().setAutoVisible(y=True)

    # worker thread
    def read(self) -> ChartData:
        end = int(time.time()) + 86400
        series = []
        for sym in self.symbols[:6]:
            listing = self.store.instruments.listing(sym)
            if listing is None:
                continue
            span = self.store.prices.bar_span(sym, "1d")
            start = (span[1] if span else end) - ONE_YEAR_S
            if self._reach_back is not None:
                start = min(start, self._reach_back)
            bars = self.store.prices.bars(sym, "1d", start=start)
            sources = self.store.prices.bar_sources(sym)
            series.append(Series(listing, [b.ts for b in bars], [b.close for b in bars], ",".join(sorted(sources))))
        return ChartData(tuple(series), tuple(self.store.events.all()), normalised=len(series) > 1)

    # GUI thread
    def show_data(self, data: ChartData) -> None:
        self._data = data
        if not data.series:
            self.title.setText("Select a symbol in the watchlist to chart it.")
        else:
            names = ", ".join(s.listing.symbol for s in data.series)
            unit = "% change over 1 year" if data.normalised else f"close, {data.series[0].listing.currency}, 1 year"
            demo = " · DEMO DATA" if any("demo" in s.source for s in data.series) else ""
            self.title.setText(f"{names} — {unit}{demo}")
        if self.plot is not None:
            self._draw(data)

    def _draw(self, data: ChartData) -> None:
        import pyqtgraph as pg

        for i, s in enumerate(data.series):
            ys = s.close
            if data.normalised and ys:
                base = ys[0]
                ys = [(y / base - 1.0) * 100.0 for y in ys]
            if i >= len(self._curves):
                pen = pg.mkPen(PALETTE[i % len(PALETTE)], width=2)
                self._curves.append(self.plot.plot([], [], pen=pen, name=s.listing.symbol))
            curve = self._curves[i]
            curve.setData(s.ts, ys)
            curve.setVisible(True)
            self.legend.removeItem(curve)
            self.legend.addItem(curve, s.listing.symbol)
        for curve in self._curves[len(data.series):]:
            curve.setVisible(False)
            self.legend.removeItem(curve)
        self._draw_events(data)
        self.plot.enableAutoRange()
        if not self._reach_back_for(data):
            self._scroll()

    def _draw_events(self, data: ChartData) -> None:
        import pyqtgraph as pg

        for m in self._markers:
            self.plot.removeItem(m)
        self._markers.clear()
        if not data.series or not data.series[0].ts:
            return
        lo, hi = min(s.ts[0] for s in data.series if s.ts), max(s.ts[-1] for s in data.series if s.ts)
        wanted = {c for s in data.series for c in ([s.listing.company_id] if s.listing.company_id else [])}
        for e in data.events:
            if e.key_date is None:
                continue
            x = event_ts(e)
            hot = e.id == self._highlight
            if not (lo <= x <= hi) or (not hot and wanted and e.companies and not wanted & set(e.companies)):
                continue
            line = pg.InfiniteLine(
                pos=x, angle=90, movable=False,
                pen=pg.mkPen("#d2323c" if hot else "#9e9e9e", width=2 if hot else 1,
                             style=pg.QtCore.Qt.PenStyle.SolidLine if hot else pg.QtCore.Qt.PenStyle.DashLine),
                label=e.title_en[:28] if hot else None, labelOpts={"position": 0.92, "color": "#d2323c"},
            )
            line.setToolTip(f"{e.key_date.isoformat()} · {e.body}\n{e.title_en}" + (f"\n{e.title_zh}" if e.title_zh else ""))
            line.setAcceptHoverEvents(True)
            self.plot.addItem(line)
            self._markers.append(line)

    def marker_count(self) -> int:
        return len(self._markers)

    def schedule_build(self) -> None:
        QTimer.singleShot(0, self.build_plot)

