"""Chart panel: the selected symbols over a range (1D … Max), line or candles, volume below,
a crosshair readout, and regulation events marked on the time axis.

1D/5D draw 5-minute bars on a gap-free index axis (see `chart_data`), with the previous close as
a dashed line; several symbols are compared as % change from the range start. Intraday times
(axis and readout) follow the "ui.timezone_display" preference, candles "ui.up_colours".

pyqtgraph costs ~400 ms to import, so the plot is built just after the window's first paint; the
panel shows a placeholder until then. Curves are created once and updated with `setData`.
"""

from __future__ import annotations

from PySide6.QtWidgets import (QButtonGroup, QHBoxLayout, QLabel, QSizePolicy, QStackedLayout, QToolButton,
                               QVBoxLayout, QWidget)

from briefing.domain import ranges
from briefing.domain.bar_time import day_ts
from briefing.domain.preferences import TIMEZONE_DISPLAY, UP_COLOURS, Preferences
from briefing.store import changes as topics
from briefing.ui.chart_data import ChartData, Series, display_zone, event_marks, event_ts, live_bar
from briefing.ui.chart_plot import ChartPlotMixin
from briefing.ui.chart_tools import ChartToolsMixin
from briefing.ui.event_turns import next_turn
from briefing.ui.panel import Panel

SCROLL_MARGIN_S = 75 * 86400  # scrolling to an event shows ~2.5 months either side
PALETTE = ("#2f6fdf", "#e07b00", "#1a9c4a", "#c2185b", "#6a4fb3", "#00838f")
INTRADAY_LOOKBACK_S = 14 * 86400  # 5 sessions of 5-minute bars, with holidays


class ChartPanel(ChartPlotMixin, ChartToolsMixin, Panel):
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
        self._marker_specs_shown: tuple | None = None
        self._volume_shown = False
        self._data: ChartData | None = None
        self._legend_names: tuple = ()
        self._xs: list = []  # where the crosshair snaps: the first series' points, or every merged-index position
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

    def on_store_changed(self, batch) -> None:
        """Reload for events, for bars or quotes of the symbols shown (the poller writes bars of
        every watched symbol, and most of them are not on the chart; a quote moves the last point
        with setData on the same curve), and for the time-zone and price-colour preferences."""
        def shown(c) -> bool:
            return c.key is None or c.key in self.symbols

        def concerns(c) -> bool:
            return (c.topic == topics.EVENTS or (c.topic in (topics.BARS, topics.QUOTES) and shown(c))
                    or (c.topic == topics.SETTINGS and c.key in (TIMEZONE_DISPLAY, UP_COLOURS)))

        if any(concerns(c) for c in batch):
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
        prefs = Preferences.of(self.store)
        data = ChartData(tuple(series), tuple(self.store.events.all()), normalised=len(series) > 1, range=code,
                         time_display=prefs.get(TIMEZONE_DISPLAY), red_up=prefs.get(UP_COLOURS) == "red-up")
        data.layout  # noqa: B018 - build the arrays here, off the GUI thread
        return data

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

    def _draw(self, data: ChartData) -> None:
        """Put `data` on the plot: the curves, items and axis built once are updated in place."""
        import numpy as np
        import pyqtgraph as pg

        from briefing.ui.chart_items import DOWN, UP

        lay = data.layout
        first = data.series[0] if data.series else None
        exchange_tz = first.listing.timezone if first is not None else "UTC"
        self.axis.set_zone(display_zone(data.time_display if data.indexed else "exchange", exchange_tz), lay.axis_ts)
        single = len(data.series) == 1 and bool(first.ts)
        candles = self.candles and single
        for i, (s, trace) in enumerate(zip(data.series, lay.traces)):
            if i >= len(self._curves):
                pen = pg.mkPen(PALETTE[i % len(PALETTE)], width=1)  # wider antialiased pens paint ~10x slower
                self._curves.append(self.plot.plot([], [], pen=pen, name=s.listing.symbol))
            curve = self._curves[i]
            curve.setData(trace.x, trace.y, connect=trace.connect)
            curve.setVisible(not candles)
        for curve in self._curves[len(data.series):]:
            if curve.isVisible():
                curve.setData([], [])
                curve.setVisible(False)
        names = tuple(s.listing.symbol for s in data.series) if data.normalised or not candles else ()
        if names != self._legend_names:  # rebuilding the legend costs ~10 ms: only when it changes
            self._legend_names = names
            self.legend.clear()
            for curve, name in zip(self._curves, names):
                self.legend.addItem(curve, name)
        if lay.axis_ts is not None and len(data.series) > 1:
            self._xs = np.arange(len(lay.axis_ts), dtype=float)  # compare: snap to any bar of the merged axis
        else:
            self._xs = lay.traces[0].x if first is not None else np.empty(0)
        if candles:
            up, down = (DOWN, UP) if data.red_up else (UP, DOWN)
            self.candle_item.set_data(self._xs, first.open, first.high, first.low, first.close, up, down)
        self.candle_item.setVisible(candles)
        self._draw_volume(data, self._volume_series(data))
        prev = first.previous_close if single and ranges.is_intraday(data.range) else None
        self.prev_close_line.setVisible(prev is not None)
        if prev is not None:
            self.prev_close_line.setValue(prev)
        self._draw_events(data)
        spans = [(t.x[0], t.x[-1]) for t in lay.traces if len(t.x)]
        if spans:  # clip-to-view keeps only points in view: move there before auto-ranging
            lo, hi = min(a for a, _ in spans), max(b for _, b in spans)
            (v0, v1), _ = self.plot.getViewBox().viewRange()
            if v1 < lo or v0 > hi or (v1 - v0) > 20 * max(hi - lo, 1):  # another scale (ts vs index)
                self.plot.setXRange(lo, hi if hi > lo else lo + 1, padding=0.02)
        self.plot.enableAutoRange()
        if not self._reach_back_for(data):
            self._scroll()

    @staticmethod
    def _volume_series(data: ChartData) -> Series | None:
        """The series whose volume is shown: one symbol's, in prices (not normalised)."""
        first = data.series[0] if data.series else None
        return first if len(data.series) == 1 and first.ts and not data.normalised else None

    def _draw_volume(self, data: ChartData, s: Series | None) -> None:
        """Volume bars of one symbol (hidden, and left alone, when comparing)."""
        import numpy as np

        if self.volume_plot is None:  # built in the next turn (build_volume), which draws it then
            return
        vol = np.nan_to_num(np.array(s.volume, dtype=float)) if s is not None and len(s.volume) else None
        if vol is None or not vol.any():
            if self.volume_plot.isVisible() or self._volume_shown:
                self.volume_bars.setOpts(x=[], height=[], width=0.7)
                self.volume_plot.setVisible(False)
                self.volume_plot.setXLink(None)  # hidden: not worth following every range change
                self._volume_shown = False
            return
        xs = self._xs
        width = (xs[1] - xs[0]) * 0.7 if len(xs) > 1 else 0.7
        if not self._volume_shown:
            self.volume_plot.setXLink(self.plot)
        self.volume_bars.setOpts(x=xs, height=vol, width=width)
        self.volume_plot.setVisible(True)
        self._volume_shown = True

    def _draw_events(self, data: ChartData) -> None:
        """Event lines in the range (one `EventLines` item), and the selected event's own line, red
        and labelled; redrawn only when they change."""
        specs = event_marks(data, self._highlight)
        if specs == self._marker_specs_shown:
            return
        self._marker_specs_shown = specs
        plain = [m for m in specs if not m[1]]
        self.event_lines.set_lines([m[0] for m in plain], [m[3] for m in plain])
        hot = next((m for m in specs if m[1]), None)
        self.hot_line.setVisible(hot is not None)
        if hot is not None:
            self.hot_line.setValue(hot[0])
            self.hot_line.label.setFormat(hot[2].replace("{", "{{").replace("}", "}}"))  # a format string
            self.hot_line.setToolTip(hot[3])

    def marker_positions(self) -> list[float]:
        """x of each event line drawn (the selected event's last)."""
        if self.plot is None:
            return []
        return self.event_lines.positions() + ([self.hot_line.value()] if self.hot_line.isVisible() else [])

    def marker_count(self) -> int:
        return len(self.marker_positions())

    def schedule_build(self) -> None:
        next_turn(self, self.build_plot)
