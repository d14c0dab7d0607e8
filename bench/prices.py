"""Prices: the cache against a raw select and against a fetch, and the GUI while 50 symbols refresh.

Printed side by side in one run:
1. opening 10 years of daily bars first, from SQLite, through the cache-first path
   (`PriceRefresher.read_bars`: coverage check, no network; the in-memory series cache emptied
   before each run) vs a raw `sqlite3` select of the same rows (goal <= 1.5x);
2. re-opening them (the series cache holds them: one version look-up in SQLite, then memory) vs
   fetching those bars through the replayed yfinance path (real yfinance code, the app's bounded
   session, an in-process replay adapter, conversion and upsert; goal >= 100x); the first open
   vs the fetch is printed too, so the cached ratio is not mistaken for SQLite's;
3. the longest GUI-thread stall (a 5 ms QTimer's worst lateness) while the app, offscreen, refreshes
   50 watched symbols from a loopback HTTP server that answers each request slowly (goal <= 50 ms).

    python bench/prices.py [--runs 25] [--delay 0.3] [--symbols 50] [--gui-only | --no-gui]
"""

from __future__ import annotations

import argparse
import gc
import http.server
import json
import os
import socketserver
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the replay helpers the tests use
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
YEARS_10 = int(10 * 365.25 * 86400)


def median_ms(*fns, runs: int) -> list[float]:
    """Median wall time of each function, run alternately (this machine is noisy), with the garbage
    collector paused as `timeit` does."""
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(runs):
        for fn, out in zip(fns, times):
            gc.collect()
            gc.disable()
            try:
                t = time.perf_counter()
                fn()
                out.append(time.perf_counter() - t)
            finally:
                gc.enable()
    return [statistics.median(t) * 1000 for t in times]


# ----- the slow loopback server (a subprocess, so it takes no CPU from the app's process) -----------
def calendar_of(symbol: str) -> str:
    return "XHKG" if symbol.endswith(".HK") else "XNYS"


def serve(port: int, delay: float) -> None:
    from yahoo_replay import CHART, QUOTE, chart_body, quote_body

    today = date.today()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            time.sleep(delay)
            u = urlsplit(self.path)
            q = {k: v[0] for k, v in parse_qs(u.query).items()}
            if u.path.startswith(CHART):
                symbol = u.path[len(CHART):]
                period = (int(q["period1"]), int(q["period2"])) if "period1" in q else None
                body = chart_body(symbol, calendar_of(symbol), today - timedelta(days=3700), today,
                                  q.get("interval", "1d"), 100.0, period)
                self._answer(200, body)
            elif u.path == QUOTE:
                self._answer(200, quote_body([s for s in q.get("symbols", "").split(",") if s]))
            else:
                self._answer(404, b"Not Found")

        def _answer(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
        daemon_threads = True

    with Server(("127.0.0.1", port), Handler) as httpd:
        print("ready", flush=True)
        httpd.serve_forever()


# ----- 1 and 2: cache vs raw select vs fetch ------------------------------------------------------
def bench_cache(runs: int, tmp: Path) -> dict:
    from yahoo_replay import ReplayAdapter, Reply, chart_body, replay_session, reset_yfinance

    from briefing.services.price_refresh import PriceRefresher
    from briefing.sources.budget import RequestBudget
    from briefing.sources.yahoo import YahooSource
    from briefing.store import Store
    from briefing.store.bootstrap import prepare

    reset_yfinance(tmp / "yf")
    store = Store.open(tmp / "cache.sqlite3")
    prepare(store)
    today = date.today()
    # Bodies made once (time the app, not the replay): 10 years for a bar request, one day for the
    # time-zone look-up (`range=1d`), as Yahoo answers them.
    body = chart_body("BENCH", "XNYS", today - timedelta(days=3700), today)
    small = chart_body("BENCH", "XNYS", today - timedelta(days=7), today)
    def answer(request) -> Reply:
        if "/v8/finance/chart/" not in request.url:
            return Reply(404, b"Not Found")  # cookie, crumb
        return Reply(200, small if "range=" in request.url else body)

    adapter = ReplayAdapter(default=answer)
    budget = RequestBudget(100_000)  # time the fetch, not the politeness
    refresher = PriceRefresher(store, YahooSource(replay_session(adapter, budget), budget=budget))
    now = int(time.time())
    refresher.ensure_bars("BABA", "1d", now - YEARS_10)
    rows = len(store.prices.columns("BABA", "1d", now - YEARS_10)["ts"])

    fetched = iter(range(10_000))

    def fetch_fresh() -> None:  # a symbol the cache has never seen: the whole path, every time
        symbol = f"F{next(fetched):04d}"
        out = refresher.ensure_bars(symbol, "1d", now - YEARS_10)
        assert out.ok and out.new_bars >= rows - 5, out

    cache = store.prices.cache

    def first_open() -> None:  # what opening a chart costs when the series is not in memory
        cache.invalidate()
        cols = refresher.read_bars("BABA", "1d", now - YEARS_10)
        assert len(cols["ts"]) == rows

    def reopen() -> None:  # switching back to a symbol: the series cache holds it
        cols = refresher.read_bars("BABA", "1d", now - YEARS_10)
        assert len(cols["ts"]) == rows

    raw_conn = sqlite3.connect(store.path)

    def raw_select() -> None:
        got = raw_conn.execute(
            "SELECT ts, open, high, low, close, adj_close, volume FROM bars WHERE symbol = ? AND interval = ? "
            "AND ts >= ? AND ts < ? ORDER BY ts", ("BABA", "1d", now - YEARS_10, 2**62)).fetchall()
        assert len(got) == rows

    fetch_fresh()  # warm: imports, yfinance's cookie and crumb
    sent = adapter.count()
    first_open()
    reopen()
    assert adapter.count() == sent, "re-opening touched the network"
    hits, misses = cache.hits, cache.misses
    raw, first, again = median_ms(raw_select, first_open, reopen, runs=runs)
    assert (cache.hits - hits, cache.misses - misses) == (runs, runs), "a first open hit, or a re-open missed"
    (fetch,) = median_ms(fetch_fresh, runs=max(5, runs // 3))
    result = {"rows": rows, "raw": raw, "first_open": first, "reopen": again, "fetch": fetch}
    raw_conn.close()
    store.close()
    return result


# ----- 3: the GUI while 50 symbols refresh --------------------------------------------------------
class StallSampler:
    """`--why`: a thread that samples the GUI thread's stack while a beat is overdue, to name the
    code behind each stall (sampling, so only stalls longer than a few ms are seen)."""

    def __init__(self, last: list, clock, overdue_ms: int = 25) -> None:
        import collections
        import threading

        self.samples = collections.Counter()
        self._last, self._clock, self._overdue = last, clock, overdue_ms
        self._main = threading.main_thread().ident
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        import traceback

        while not self._stop.wait(0.005):
            if self._clock.elapsed() - self._last[0] < self._overdue:
                continue
            frame = sys._current_frames().get(self._main)
            if frame is None:
                continue
            stack = traceback.extract_stack(frame)
            mine = [f for f in stack if "/briefing/" in f.filename] or stack
            key = " <- ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(mine[-3:]))
            leaf = stack[-1]
            self.samples[f"{Path(leaf.filename).name}:{leaf.lineno} {leaf.name} | {key}"] += 1

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def report(self) -> None:
        print("GUI-thread samples while a beat was overdue (5 ms each):")
        for where, n in self.samples.most_common(15):
            print(f"{n:5d}  {where}")


def bench_gui(n_symbols: int, delay: float, tmp: Path, why: bool = False) -> dict:
    from briefing import process_tuning

    process_tuning.shorten_gil_turns()  # as `briefing` runs (app.run_gui), which this builds by hand
    gc_long = []
    if why:
        import threading
        gc_start = {}

        def gc_watch(phase, info):
            if phase == "start":
                gc_start[threading.get_ident()] = time.perf_counter()
            else:
                took_ms = (time.perf_counter() - gc_start.pop(threading.get_ident(), time.perf_counter())) * 1000
                if took_ms > 10:
                    gc_long.append((round(took_ms), info["generation"], threading.current_thread().name))
        gc.callbacks.append(gc_watch)
    from PySide6.QtCore import QElapsedTimer, QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from briefing.domain.models import Listing
    from briefing.paths import Paths
    from briefing.services.price_poller import PricePoller
    from briefing.sources.budget import RequestBudget
    from briefing.sources.loopback import loopback_session
    from briefing.sources.yahoo import YahooSource
    from briefing.store import Store
    from briefing.store.bootstrap import prepare
    from briefing.ui.main_window import MainWindow

    port = 18000 + os.getpid() % 2000
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(port), "--delay", str(delay)],
                              stdout=subprocess.PIPE, text=True)
    assert server.stdout.readline().strip() == "ready"
    app = QApplication.instance() or QApplication([])
    paths = Paths(tmp / "gui", tmp / "gui" / "cache", tmp / "gui" / "logs")
    paths.ensure()
    store = Store.open(paths.cache_file)
    prepare(store)
    symbols = [f"{1000 + i}.HK" if i % 5 else f"SYM{i:02d}" for i in range(n_symbols)]
    store.instruments.upsert([], [Listing(s, "XHKG" if s.endswith(".HK") else "XNYS",
                                          "HKD" if s.endswith(".HK") else "USD",
                                          "Asia/Hong_Kong" if s.endswith(".HK") else "America/New_York",
                                          name_en=f"Bench {s}") for s in symbols])
    for w in store.watchlists.all():
        store.watchlists.delete(w.name)
    store.watchlists.create("Bench", pinned=True)
    store.watchlists.add("Bench", symbols)
    # measure the GUI, not the politeness: the most the settings allow (a larger value is refused)
    store.settings.set("prices.requests_per_minute", 600)

    window = MainWindow(store, QSettings(str(paths.ui_state_file), QSettings.Format.IniFormat))
    window.show()
    loaded = {"done": False}
    window.all_loaded.connect(lambda: loaded.update(done=True))
    window.start()
    while not loaded["done"]:
        app.processEvents()

    url = f"http://127.0.0.1:{port}"
    budget = RequestBudget(100_000)
    poller = PricePoller(store, lambda: YahooSource(loopback_session(url, budget), budget=budget,
                                                    cache_dir=paths.yfinance_cache_dir), parent=window)
    finished: set[str] = set()
    wanted = {"daily", "quotes"}

    def note(name: str, *_):
        finished.add(name)

    poller.scheduler.job_done.connect(note)
    poller.scheduler.job_failed.connect(note)
    gaps: list[float] = []
    clock = QElapsedTimer()
    clock.start()
    last = [clock.elapsed()]

    long_ones: list[tuple[float, float]] = []  # (seconds since the refresh started, stall ms)

    def beat():
        now = clock.elapsed()
        gaps.append(now - last[0] - 5)
        if gaps[-1] > 50:
            long_ones.append((round(time.perf_counter() - started, 2), gaps[-1]))
        last[0] = now

    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(beat)
    timer.start()
    started = time.perf_counter()
    stalls = StallSampler(last, clock) if why else None
    poller.start()

    def done() -> bool:
        return bool(poller.groups) and all(f"{k}:{c}" in finished for c in poller.groups for k in wanted)

    ready_at = None  # beats before it include the poller's start-up (its imports, once per run)
    while not done() and time.perf_counter() - started < 600:
        app.processEvents()
        if ready_at is None and poller.ready:
            ready_at = len(gaps)
        time.sleep(0.001)
    after_start = sorted(gaps[ready_at or 0:])
    if stalls is not None:
        stalls.stop()
        stalls.report()
        print(f"garbage collections over 10 ms (ms, generation, thread): {gc_long}")
        import collections
        old = gc.get_objects(generation=2)
        kinds = collections.Counter(type(o).__name__ for o in old)
        print(f"objects the collector tracks in its oldest generation: {len(old):,} (frozen: {gc.get_freeze_count():,});"
              f" most common: {kinds.most_common(8)}")
        del old
    took = time.perf_counter() - started
    timer.stop()
    bars = sum(1 for s in symbols if store.prices.bar_span(s, "1d"))
    poller.stop()
    window.close()
    window.runner.shutdown()
    store.close()
    server.terminate()
    server.wait(10)
    gaps.sort()
    return {"long": long_ones[:20], "max_refresh": after_start[-1] if after_start else 0.0,
            "max": gaps[-1] if gaps else 0.0, "p99": gaps[int(len(gaps) * 0.99)] if gaps else 0.0,
            "beats": len(gaps), "took": took, "with_bars": bars, "symbols": n_symbols, "delay": delay}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=25)
    ap.add_argument("--delay", type=float, default=0.3, help="seconds the loopback server waits per answer")
    ap.add_argument("--symbols", type=int, default=50)
    ap.add_argument("--why", action="store_true", help="sample the GUI thread's stack during stalls")
    ap.add_argument("--gui-only", action="store_true", help="skip the cache measurements")
    ap.add_argument("--no-gui", action="store_true", help="skip the GUI measurement (part 3)")
    ap.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        serve(args.serve, args.delay)
        return 0
    tmp = Path(tempfile.mkdtemp(prefix="briefing-bench-prices-"))
    os.environ["BRIEFING_DATA_DIR"] = str(tmp / "profile")
    g = None if args.no_gui else bench_gui(args.symbols, args.delay, tmp, why=args.why)
    if args.gui_only:
        print(json.dumps(g))
        return 0
    c = bench_cache(args.runs, tmp)
    print(f"10 years of daily bars ({c['rows']} rows), median of {args.runs} runs")
    print(f"{'':44}{'median ms':>10}")
    print(f"{'raw sqlite3 select':50}{c['raw']:10.3f}")
    print(f"{'first open: cache-first read from SQLite':50}{c['first_open']:10.3f}")
    print(f"{'re-open: cache-first read, series in memory':50}{c['reopen']:10.3f}")
    print(f"{'fetch via replayed yfinance (+ convert, upsert)':50}{c['fetch']:10.3f}")
    print(f"1. first open (SQLite) vs raw select: {c['first_open'] / c['raw']:.2f}x  (goal <= 1.5x)")
    print(f"2. re-open (memory) vs fetch: {c['fetch'] / c['reopen']:.0f}x faster  (goal >= 100x)")
    print(f"   first open (SQLite) vs fetch: {c['fetch'] / c['first_open']:.0f}x faster  (no goal: what a "
          f"symbol not opened since start-up, or written since, costs)")
    if g is None:
        print(json.dumps({"cache": c}))
        return 0
    print(f"GUI while {g['symbols']} symbols refresh from loopback ({g['delay'] * 1000:.0f} ms per answer): "
          f"longest stall {g['max_refresh']:.0f} ms once polling runs ({g['max']:.0f} ms counting its start-up "
          f"imports), p99 {g['p99']:.0f} ms over {g['beats']} beats  (goal <= 50 ms); "
          f"{g['with_bars']}/{g['symbols']} symbols got 10 years of bars in {g['took']:.1f} s")
    print(json.dumps({"cache": c, "gui": g}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
