"""Chart panel: the selected symbols over a range (1D … Max), line or candles, volume below,
a crosshair readout, and regulation events marked on the time axis.

1D/5D draw 5-minute bars on a gap-free index axis labelled in the exchange's zone, with the
previous close as a dashed line; several symbols are compared as % change from the range start.

pyqtgraph costs ~400 ms to import, so the plot is built just after the window's first paint; the
panel shows a placeholder until then. Curves are created once and updated with `setData`.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QTimer
from PySide6.QtWidgets import (QButtonGroup, QHBoxLayout, QLabel, QSizePolicy, QStackedLayout, QToolButton,
                               QVBoxLayout, QWidget)

from briefing.domain import ranges
from briefing.domain.bar_time import day_ts
from briefing.store import changes as topics
from briefing.ui.chart_data import ChartData, Series, event_ts, live_bar  # noqa: F401 - event_ts: part of the API
from briefing.ui.chart_tools import ChartToolsMixin
from briefing.ui.panel import Panel

SCROLL_MARGIN_S = 75 * 86400  # scrolling to an event shows ~2.5 months either side
PALETTE = ("#2f6fdf", "#e07b00", "#1a9c4a", "#c2185b", "#6a4fb3", "#00838f")
INTRADAY_LOOKBACK_S = 14 * 86400  # 5 sessions of 5-minute bars, with holidays


class ChartPanel(ChartToolsMixin, Panel):
    """The selected symbols over a chosen range, with events on the time axis and a readout."""

    topics = (topics.BARS, topics.EVENTS)

    def __init__(self, store, runner, parent=None) -> None:
        super().__init__(store, runner, parent)
        self.symbols: list[str] = []
        self.range = "1Y"
        self.candles = False
        self.plot = None  # pyqtgraph PlotWidget, built after the first paint
        self.volume_plot = None
        self._curves: list = []
        self._markers: list = []
        self._data: ChartData | None = None
        self._legend_names: tuple = ()
        self._xs: list = []  # x of each point of the first series, as drawn
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
        toolbar = QWidget(self)  # may be clipped when narrow: never widens the window
        toolbar.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        bar = QHBoxLayout(toolbar)
        bar.setContentsMargins(0, 0, 0, 0)
        bar.setSpacing(1)
        self.range_buttons: dict[str, QToolButton] = {}
        group = QButtonGroup(self)
        for code in ranges.RANGES:
            b = QToolButton(self)
            b.setText(code)
            b.setCheckable(True)
            b.setAutoRaise(True)
            b.setChecked(code == self.range)
            b.clicked.connect(lambda _=False, c=code: self.set_range(c))
            group.addButton(b)
            bar.addWidget(b)
            self.range_buttons[code] = b
        bar.addStretch(1)
        self.candle_button = QToolButton(self)
        self.candle_button.setText("Candles")
        self.candle_button.setCheckable(True)
        self.candle_button.toggled.connect(self.set_candles)
        bar.addWidget(self.candle_button)
        layout.addWidget(toolbar)
        self.title = QLabel("", self)
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        layout.addWidget(self.title)
        layout.addWidget(host, 1)
        self.readout = QLabel("", self)
        self.readout.setObjectName("chartReadout")
        self.readout.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        layout.addWidget(self.readout)

    def build_plot(self) -> None:
        """Create the plot (imports pyqtgraph). Called once, after the first paint."""
        if self.plot is not None:
            return
        import pyqtgraph as pg

        from briefing.ui.chart_items import CandleItem, ExchangeTimeAxis, VolumeAxis

        pg.setConfigOptions(antialias=True, background=None, foreground=self.palette().text().color())
        self.axis = ExchangeTimeAxis(orientation="bottom")
        self.plot = pg.PlotWidget(axisItems={"bottom": self.axis})
        self.plot.setObjectName("chartPlot")
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        self.plot.setClipToView(True)
        self.plot.setDownsampling(auto=True, mode="peak")
        self.legend = self.plot.addLegend(offset=(10, 10))
        self.candle_item = CandleItem()
        self.plot.addItem(self.candle_item)
        dash = pg.mkPen("#888888", style=pg.QtCore.Qt.PenStyle.DashLine)
        self.prev_close_line = pg.InfiniteLine(angle=0, movable=False, pen=dash,
                                               label="prev close {value:.2f}", labelOpts={"position": 0.05})
        self.plot.addItem(self.prev_close_line, ignoreBounds=True)
        self.prev_close_line.setVisible(False)
        self.cross_v = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen("#808080"))
        self.cross_h = pg.InfiniteLine(angle=0, movable=False, pen=pg.mkPen("#808080"))
        for line in (self.cross_v, self.cross_h):
            line.setVisible(False)
            self.plot.addItem(line, ignoreBounds=True)
        self.plot.scene().sigMouseMoved.connect(self._mouse_moved)
        self.volume_plot = pg.PlotWidget(axisItems={"left": VolumeAxis(orientation="left")})
        self.volume_plot.setObjectName("chartVolume")
        self.volume_plot.setMaximumHeight(90)
        self.volume_plot.setXLink(self.plot)
        self.volume_plot.hideAxis("bottom")
        self.volume_plot.setMouseEnabled(x=False, y=False)
        self.volume_plot.getAxis("left").setWidth(self.plot.getAxis("left").width())
        self.volume_bars = pg.BarGraphItem(x=[], height=[], width=0.6, brush="#8a9bb0")
        self.volume_plot.addItem(self.volume_bars)
        for fmt in ("PNG", "SVG"):
            act = self.plot.getViewBox().menu.addAction(f"Save chart as {fmt}…")
            act.triggered.connect(lambda _=False, f=fmt: self._ask_export(f))
        host = QWidget(self)
        col = QVBoxLayout(host)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(0)
        col.addWidget(self.plot, 1)
        col.addWidget(self.volume_plot)
        self._stack.addWidget(host)
        self._stack.setCurrentWidget(host)
        if self._data is not None:
            self._draw(self._data)

    def changeEvent(self, event) -> None:
        """Follow a light/dark theme switch: axes and labels take the palette's text colour."""
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange) and self.plot:
            ink = self.palette().text().color()
            for plot in (self.plot, self.volume_plot):
                for side in ("left", "bottom"):
                    plot.getAxis(side).setPen(ink)
                    plot.getAxis(side).setTextPen(ink)

    def on_store_changed(self, batch) -> None:
        """Reload for events, and for bars or quotes of the symbols shown: the poller writes bars of
        every watched symbol, and most of them are not on the chart. A quote moves the last point
        (setData on the same curve)."""
        def shown(c) -> bool:
            return c.key is None or c.key in self.symbols

        if any(c.topic == topics.EVENTS or (c.topic in (topics.BARS, topics.QUOTES) and shown(c)) for c in batch):
            self.reload()

    def set_symbols(self, symbols: list[str]) -> None:
        if symbols != self.symbols:
            self.symbols = list(symbols)
            self.reload()

    def set_range(self, code: str) -> None:
        """Show 1D … Max (see `ranges.RANGES`)."""
        if code not in ranges.RANGES:
            raise ValueError(code)
        self.range_buttons[code].setChecked(True)
        if code != self.range:
            self.range = code
            self._reach_back = None
            self.reload()

    def set_candles(self, on: bool) -> None:
        self.candles = bool(on)
        self.candle_button.setChecked(self.candles)
        if self._data is not None and self.plot is not None:
            self._draw(self._data)

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
        if ranges.is_intraday(data.range) or x is None or not starts or x - SCROLL_MARGIN_S >= min(starts):
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
        if x is not None and self.plot is not None and spans and not data.indexed \
                and min(a for a, _ in spans) - SCROLL_MARGIN_S <= x <= max(b for _, b in spans) + SCROLL_MARGIN_S:
            self.plot.setXRange(x - SCROLL_MARGIN_S, x + SCROLL_MARGIN_S, padding=0)
            self.plot.getViewBox().enableAutoRange(axis="y")
            self.plot.getViewBox().setAutoVisible(y=True)

    # worker thread
    def read(self) -> ChartData:
        code = self.range
        series = [s for s in (self._read_one(sym, code) for sym in self.symbols[:6]) if s is not None]
        return ChartData(tuple(series), tuple(self.store.events.all()), normalised=len(series) > 1, range=code)

    def _read_one(self, sym: str, code: str) -> Series | None:
        listing = self.store.instruments.listing(sym)
        if listing is None:
            return None
        prices = self.store.prices
        source = ",".join(sorted(prices.bar_sources(sym)))
        interval = ranges.interval_for(code)
        span = prices.bar_span(sym, interval)
        if span is None:
            return Series(listing, [], [], source, note=f"no {'5-minute' if interval == '5m' else 'daily'} bars held")
        prev = None
        if ranges.is_intraday(code):
            cols = prices.columns(sym, interval, start=span[1] - INTRADAY_LOOKBACK_S)
            cut = ranges.intraday_cut(cols["ts"], cols["close"], ranges.INTRADAY_SESSIONS[code], listing.timezone)
            cols = {k: v[cut.start:] for k, v in cols.items()}
            prev = cut.previous_close
            if prev is None and cols["ts"]:  # the 5-minute bars start with the range: ask the daily bars
                first_day = ranges.session_date(cols["ts"][0], listing.timezone)
                before = prices.columns(sym, "1d", start=cols["ts"][0] - INTRADAY_LOOKBACK_S,
                                        end=day_ts(first_day, listing.timezone))
                prev = before["close"][-1] if before["close"] else None
        else:
            start = ranges.daily_start(code, span[1], listing.timezone)
            if self._reach_back is not None:
                start = self._reach_back if start is None else min(start, self._reach_back)
            cols = prices.columns(sym, interval, start=start)
        ts = list(cols["ts"])
        close, high, low = list(cols["close"]), list(cols["high"]), list(cols["low"])
        quote = prices.quotes([sym]).get(sym)
        if quote is not None and ts and live_bar(ts[-1], quote.as_of, interval, listing.timezone):
            close[-1] = quote.last  # the last bar follows the live quote
            high[-1] = max(h for h in (high[-1], quote.last) if h is not None)
            low[-1] = min(v for v in (low[-1], quote.last) if v is not None)
        note = "one bar only" if len(ts) == 1 else ("" if ranges.is_intraday(code) else ranges.gap_note(ts, listing.timezone))
        if listing.history_from and ts and not ranges.is_intraday(code) \
                and ranges.session_date(ts[0], listing.timezone) <= listing.history_from:
            note = (note + "; " if note else "") + f"history from {listing.history_from.isoformat()}"
        return Series(listing, ts, close, source, cols["open"], tuple(high), tuple(low), cols["volume"], prev, note)

    # GUI thread
    def show_data(self, data: ChartData) -> None:
        self._data = data
        drawn = [s for s in data.series if s.ts]
        if not data.series:
            self.title.setText("Select a symbol in the watchlist to chart it.")
        elif not drawn:
            self.title.setText(f"{', '.join(s.listing.symbol for s in data.series)}: no data for {data.range}"
                               f" ({data.series[0].note})")
        else:
            names = ", ".join(s.listing.symbol for s in drawn)
            unit = "% change" if data.normalised else f"{data.series[0].listing.currency}"
            demo = " · DEMO DATA" if any("demo" in s.source for s in data.series) else ""
            notes = "; ".join(f"{s.listing.symbol}: {s.note}" for s in data.series if s.note)
            self.title.setText(f"{names} — {unit}, {data.range}{demo}" + (f" ({notes})" if notes else ""))
        if self.plot is not None:
            self._draw(data)

    def x_values(self, data: ChartData, s: Series) -> list:
        return list(range(len(s.ts))) if data.indexed else s.ts

    def y_values(self, data: ChartData, s: Series) -> list:
        return ranges.pct_from_start(s.close) if data.normalised else list(s.close)

    def _draw(self, data: ChartData) -> None:
        import pyqtgraph as pg

        first = data.series[0] if data.series else None
        tz = first.listing.timezone if first is not None else "UTC"
        self.axis.set_zone(tz, first.ts[-1] if first and first.ts else None,
                           list(first.ts) if data.indexed and first else None)
        single = len(data.series) == 1 and bool(first.ts)
        candles = self.candles and single
        for i, s in enumerate(data.series):
            if i >= len(self._curves):
                pen = pg.mkPen(PALETTE[i % len(PALETTE)], width=1)  # wider antialiased pens paint ~10x slower
                self._curves.append(self.plot.plot([], [], pen=pen, name=s.listing.symbol))
            curve = self._curves[i]
            curve.setData(self.x_values(data, s), self.y_values(data, s))
            curve.setVisible(not candles)
        for curve in self._curves[len(data.series):]:
            curve.setData([], [])
            curve.setVisible(False)
        names = tuple(s.listing.symbol for s in data.series) if data.normalised or not candles else ()
        if names != self._legend_names:  # rebuilding the legend costs ~10 ms: only when it changes
            self._legend_names = names
            self.legend.clear()
            for curve, name in zip(self._curves, names):
                self.legend.addItem(curve, name)
        self._xs = self.x_values(data, first) if first else []
        if candles:
            self.candle_item.set_data(self._xs, first.open, first.high, first.low, first.close)
        self.candle_item.setVisible(candles)
        vol = [v or 0 for v in first.volume] if single and not data.normalised else []
        width = (self._xs[1] - self._xs[0]) * 0.7 if len(self._xs) > 1 and vol else 0.7
        self.volume_bars.setOpts(x=self._xs if vol else [], height=vol, width=width)
        self.volume_plot.setVisible(bool(vol) and any(vol))
        prev = first.previous_close if single and ranges.is_intraday(data.range) else None
        self.prev_close_line.setVisible(prev is not None)
        if prev is not None:
            self.prev_close_line.setValue(prev)
        self._draw_events(data)
        spans = [self.x_values(data, s) for s in data.series if s.ts]
        if spans:  # clip-to-view keeps only points in view: move there before auto-ranging
            lo, hi = min(x[0] for x in spans), max(x[-1] for x in spans)
            (v0, v1), _ = self.plot.getViewBox().viewRange()
            if v1 < lo or v0 > hi or (v1 - v0) > 20 * max(hi - lo, 1):  # another scale (ts vs index)
                self.plot.setXRange(lo, hi if hi > lo else lo + 1, padding=0.02)
        self.plot.enableAutoRange()
        if not self._reach_back_for(data):
            self._scroll()

    def _draw_events(self, data: ChartData) -> None:
        import bisect

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
            if data.indexed:
                x = bisect.bisect_left(data.series[0].ts, x)
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

    def marker_positions(self) -> list[float]:
        return [m.value() for m in self._markers]

    def schedule_build(self) -> None:
        QTimer.singleShot(0, self.build_plot)
