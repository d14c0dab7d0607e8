"""Charts and the watchlist: the app's redraw against bare pyqtgraph, and the model under ticks.

Printed side by side in one run (runs interleaved, who goes first alternating, medians; the
machine is noisy):
1. a compare redraw of 4 series x 10 years of daily bars, and a range switch (Max <-> 5Y) of the
   same 4 series, each through what the app does once the bars are read from the cache: a fresh
   `ChartData`, its numpy arrays (`layout`; `read()` builds them on the worker), then on the GUI
   thread `ChartPanel.show_data` (title, curves, legend, the 40 curated events as markers, axis,
   volume, ranges) and the paint. "app GUI" is the GUI thread's part, "+arrays" adds the arrays.
   The baseline is bare pyqtgraph on an equal-sized `PlotWidget` with the same clip-to-view / peak
   downsampling and pens: `setData` of the same arrays on 4 curves, `enableAutoRange`, the paint.
   It has no grid, date axis, legend, title or markers, so the ratio is the whole cost of the
   app's extras (goal <= 1.5x, and <= 16 ms).
2. live-update throughput of the watchlist model with 200 symbols ticking (`set_rows` in place), and
   the time a quote batch for 50 and 200 sorted rows takes to apply and paint in the panel.

    QT_QPA_PLATFORM=offscreen python bench/charts.py [--runs 30]
    BENCH_PROFILE=1 (or =redraw) ... prints a cProfile of the app's range switches (or redraws)
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


def make_series(rng: random.Random):
    from briefing.domain.bar_time import day_ts
    from briefing.domain.models import Listing
    from briefing.ui.chart_data import Series

    days = [date(2015, 1, 1) + timedelta(days=i) for i in range(3700)]
    days = [d for d in days if d.weekday() < 5][:2520]
    out = []
    for sym in ("9988.HK", "BABA", "BIDU", "0700.HK"):
        listing = Listing(sym, "XHKG", "HKD", "Asia/Hong_Kong")
        p, close = 100.0, []
        for _ in days:
            p *= 1 + rng.gauss(0, 0.02)
            close.append(p)
        ts = [day_ts(d, "Asia/Hong_Kong") for d in days]  # as `prices.columns` gives them: lists
        out.append(Series(listing, ts, close, "bench", tuple(close), tuple(close), tuple(close), (1000,) * len(ts)))
    return out


def last_years(s, years: int):
    from briefing.ui.chart_data import Series

    cut = s.ts[-1] - years * 365 * 86400
    i = next(k for k, t in enumerate(s.ts) if t >= cut)
    return Series(s.listing, s.ts[i:], s.close[i:], s.source, s.open[i:], s.high[i:], s.low[i:], s.volume[i:])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=30)
    args = ap.parse_args()

    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv)
    import numpy as np
    import pyqtgraph as pg

    from briefing.domain.models import Listing, Quote, WatchlistRow
    from briefing.domain.registry import load_curated_events_checked
    from briefing.ui.chart_data import ChartData
    from briefing.ui.chart_panel import PALETTE, ChartPanel
    from briefing.ui.watchlist_panel import WatchlistModel

    class _Runner:  # the panel never reads here: the data is handed to it
        def run(self, *a, **k):
            return 0

    rng = random.Random(4)
    full = make_series(rng)
    short = [last_years(s, 5) for s in full]
    events = tuple(load_curated_events_checked()[0])
    n_bars = len(full[0].ts)

    panel = ChartPanel(None, _Runner())
    panel.resize(900, 600)
    panel.show()
    panel.build_plot()
    bare = pg.PlotWidget()
    bare.resize(900, 600)
    bare.show()
    bare.setClipToView(True)
    bare.setDownsampling(auto=True, mode="peak")
    curves = [bare.plot([], [], pen=pg.mkPen(c, width=1)) for c, _ in zip(PALETTE, full)]  # the app's pens

    def arrays(series):  # what the bare plot is handed: the same numpy arrays the app draws
        return [(np.asarray(s.ts, dtype=float), (np.asarray(s.close) / s.close[0] - 1) * 100) for s in series]

    bare_full, bare_short = arrays(full), arrays(short)
    steps: dict[str, list[float]] = {"arrays (worker)": [], "show_data": [], "paint": []}

    def app_draw(series, code="Max") -> float:
        """What the app does once `read()` has the bars: build the arrays (on its worker), then on
        the GUI thread `show_data` (title, `_draw`) and the paint. Returns the GUI-thread ms."""
        t0 = time.perf_counter()
        data = ChartData(tuple(series), events, normalised=True, range=code)
        getattr(data, "layout", None)  # the numpy arrays: `read()` builds them on the worker (absent before)
        t1 = time.perf_counter()
        panel.show_data(data)
        t2 = time.perf_counter()
        app.processEvents()  # the paint
        t3 = time.perf_counter()
        for k, v in zip(steps, (t1 - t0, t2 - t1, t3 - t2)):
            steps[k].append(v * 1000)
        return (t3 - t1) * 1000

    def bare_draw(pairs) -> None:
        for c, (x, y) in zip(curves, pairs):
            c.setData(x, y)
        bare.enableAutoRange()
        app.processEvents()

    def timed(fn, *a) -> tuple[float, float]:
        """(whole ms, GUI-thread ms) of one draw."""
        t0 = time.perf_counter()
        gui = fn(*a)
        whole = (time.perf_counter() - t0) * 1000
        return whole, whole if gui is None else gui

    for _ in range(3):  # warm up both (first paints, caches)
        app_draw(full), bare_draw(bare_full), app_draw(short, "5Y"), bare_draw(bare_short)
    for v in steps.values():
        v.clear()
    if os.environ.get("BENCH_PROFILE"):
        import cProfile

        prof = cProfile.Profile()
        prof.enable()
        for _ in range(10):  # BENCH_PROFILE=redraw: the same range each time; else range switches
            if os.environ["BENCH_PROFILE"] == "redraw":
                app_draw(full), app_draw(full)
            else:
                app_draw(short, "5Y"), app_draw(full)
        prof.disable()
        prof.print_stats("cumtime")
        for v in steps.values():
            v.clear()

    rows = []
    for name in ("compare redraw", "range switch Max<->5Y"):
        gui_ms, whole_ms, bare_ms, gui_ratio, whole_ratio = [], [], [], [], []
        for k in range(args.runs):
            if name == "compare redraw":
                a, b = (full, "Max"), bare_full
            else:  # alternate: every draw changes the range, the ticks and the markers
                a, b = ((short, "5Y"), bare_short) if k % 2 == 0 else ((full, "Max"), bare_full)
            if k % 2:  # alternate who goes first, so drift hits both alike
                tb, _ = timed(bare_draw, b)
                ta, tg = timed(app_draw, *a)
            else:
                ta, tg = timed(app_draw, *a)
                tb, _ = timed(bare_draw, b)
            gui_ms.append(tg)
            whole_ms.append(ta)
            bare_ms.append(tb)
            gui_ratio.append(tg / tb)
            whole_ratio.append(ta / tb)
        med = statistics.median
        rows.append((name, med(gui_ms), med(whole_ms), med(bare_ms), med(gui_ratio), med(whole_ratio)))

    print(f"4 series x {n_bars} daily bars, {len(events)} curated events, {args.runs} interleaved runs (medians)")
    print(f"{'':23}{'app GUI':>9}{'+arrays':>9}{'bare':>8}{'ratio GUI':>11}{'+arrays':>9}   goal <= 1.5x, <= 16 ms")
    for name, g, w, b, rg, rw in rows:
        verdict = "ok" if rg <= 1.5 and g <= 16 else "MISSED"
        print(f"{name:23}{g:7.1f}ms{w:7.1f}ms{b:6.1f}ms{rg:10.2f}x{rw:8.2f}x   {verdict}")
    print("app steps (median ms): " + ", ".join(f"{k} {statistics.median(v):.2f}" for k, v in steps.items()))
    print("(app GUI: show_data + paint, what the GUI thread does after read(); +arrays adds building the numpy"
          " arrays, which read() does on the worker)")

    model = WatchlistModel()
    wrows = [WatchlistRow(Listing(f"S{i:03d}", "XHKG", "HKD", "Asia/Hong_Kong"), None,
                          Quote(f"S{i:03d}", 100.0, 0, "bench", previous_close=99.0), i) for i in range(200)]
    model.set_rows(wrows)
    ticks, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < 1.0:
        i = ticks % 200
        wrows[i] = replace(wrows[i], quote=replace(wrows[i].quote, last=100.0 + rng.random()))
        model.set_rows(wrows)
        ticks += 1
    print(f"watchlist model, 200 symbols: {ticks / (time.perf_counter() - t0):,.0f} ticks/s applied in place")
    for n in (50, 200):
        med, worst = panel_batches(app, n, rng)
        print(f"watchlist panel, {n} symbols sorted by % change, every quote new: a batch applied and painted in "
              f"{med:.1f} ms (median of 30), {worst:.1f} ms at worst")


def panel_batches(app, n: int, rng, batches: int = 30) -> tuple[float, float]:
    """What the GUI thread does when a quote batch for every row arrives: write the rows, let the
    sort proxy re-sort them, and paint the panel (1400 x 900, offscreen)."""
    from PySide6.QtCore import Qt

    from briefing.domain.models import Listing, Quote, WatchlistRow
    from briefing.ui.watchlist_panel import WatchlistPanel

    panel = WatchlistPanel(None, None)
    panel.resize(1400, 900)
    panel.show()
    rows = [WatchlistRow(Listing(f"S{i:03d}", "XHKG", "HKD", "Asia/Hong_Kong", name_en=f"Stock {i}"), None,
                         Quote(f"S{i:03d}", 100.0, 1_700_000_000, "bench", previous_close=99.0,
                               year_low=50.0, year_high=150.0), i) for i in range(n)]
    panel.model.set_rows(rows)
    panel.view.sortByColumn(panel.model.column_index("% Change"), Qt.SortOrder.DescendingOrder)
    app.processEvents()
    times = []
    for b in range(batches):
        rows = [replace(r, quote=replace(r.quote, last=100.0 * (1 + rng.uniform(-0.05, 0.05)),
                                         as_of=r.quote.as_of + 15 * (b + 1))) for r in rows]
        t = time.perf_counter()
        panel.model.set_rows(rows)
        app.processEvents()
        times.append((time.perf_counter() - t) * 1000)
    panel.close()
    return statistics.median(times), max(times)


if __name__ == "__main__":
    main()
