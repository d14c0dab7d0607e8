"""Charts and the watchlist: the app's redraw against bare pyqtgraph, and the model under ticks.

Printed side by side in one run:
1. a compare redraw of 4 series x 10 years of daily bars through `ChartPanel._draw` (normalising,
   legend, markers, axis, volume) vs a bare pyqtgraph `setData` of the same arrays on 4 curves
   (goal <= 1.5x, and within one 16 ms frame);
2. live-update throughput of the watchlist model with 200 symbols ticking (`set_rows` in place).

    QT_QPA_PLATFORM=offscreen python bench/charts.py [--runs 30]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from dataclasses import replace
from datetime import date, timedelta

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=30)
    args = ap.parse_args()

    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv)
    import pyqtgraph as pg

    from briefing.domain.bar_time import day_ts
    from briefing.domain.models import Listing, Quote, WatchlistRow
    from briefing.ui.chart_data import ChartData, Series
    from briefing.ui.chart_panel import PALETTE, ChartPanel
    from briefing.ui.watchlist_panel import WatchlistModel

    class _Runner:  # the panel never reads here: the data is handed to it
        def run(self, *a, **k):
            return 0

    rng = random.Random(4)
    days = [date(2015, 1, 1) + timedelta(days=i) for i in range(3700)]
    days = [d for d in days if d.weekday() < 5][:2520]
    series = []
    for sym in ("9988.HK", "BABA", "BIDU", "0700.HK"):
        listing = Listing(sym, "XHKG", "HKD", "Asia/Hong_Kong")
        p, close = 100.0, []
        for _ in days:
            p *= 1 + rng.gauss(0, 0.02)
            close.append(p)
        ts = [day_ts(d, "Asia/Hong_Kong") for d in days]
        series.append(Series(listing, ts, close, "bench", tuple(close), tuple(close), tuple(close), (1000,) * len(ts)))
    data = ChartData(tuple(series), (), normalised=True, range="Max")

    panel = ChartPanel(None, _Runner())
    panel.resize(900, 600)
    panel.show()
    panel.build_plot()
    panel._data = data
    bare = pg.PlotWidget()
    bare.resize(900, 600)
    bare.show()
    bare.setClipToView(True)
    bare.setDownsampling(auto=True, mode="peak")
    curves = [bare.plot([], [], pen=pg.mkPen(c, width=1)) for c, _ in zip(PALETTE, series)]  # the app's pens
    arrays = [(s.ts, [(c / s.close[0] - 1) * 100 for c in s.close]) for s in series]

    def time_it(fn) -> float:
        out = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            fn()
            app.processEvents()  # include the paint
            out.append((time.perf_counter() - t0) * 1000)
        return statistics.median(out)

    def app_draw():
        panel._draw(data)

    def bare_draw():
        for c, (x, y) in zip(curves, arrays):
            c.setData(x, y)
        bare.enableAutoRange()

    if os.environ.get("BENCH_PROFILE"):
        import cProfile
        cProfile.runctx("time_it(app_draw)", globals(), locals(), sort="cumtime")
    app_ms, bare_ms = time_it(app_draw), time_it(bare_draw)
    print(f"compare redraw, 4 x {len(days)} bars: app {app_ms:.1f} ms | bare setData {bare_ms:.1f} ms | "
          f"ratio {app_ms / bare_ms:.2f}x (goal <= 1.5x, <= 16 ms)")

    model = WatchlistModel()
    rows = [WatchlistRow(Listing(f"S{i:03d}", "XHKG", "HKD", "Asia/Hong_Kong"), None,
                         Quote(f"S{i:03d}", 100.0, 0, "bench", previous_close=99.0), i) for i in range(200)]
    model.set_rows(rows)
    ticks, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < 1.0:
        i = ticks % 200
        rows[i] = replace(rows[i], quote=replace(rows[i].quote, last=100.0 + rng.random()))
        model.set_rows(rows)
        ticks += 1
    print(f"watchlist model, 200 symbols: {ticks / (time.perf_counter() - t0):,.0f} ticks/s applied in place")


if __name__ == "__main__":
    main()
