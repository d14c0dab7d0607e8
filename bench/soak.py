"""Whole-app soak: the real app, offscreen, fed by loopback replays of many symbols and feeds.

One run:
1. seeds a data dir through the store's API: N symbols x 10 years of daily bars (with their fetch
   coverage), M news items, a watchlist of the symbols, F feeds on a loopback server, and
   preferences that make it refresh fast (quotes every 5 s, feeds due every minute and checked
   every 30 s, no politeness pause, intraday bars every 30 s, daily check every 60 s; the request
   budget stays at the app's default 60 a minute unless --rpm says otherwise);
2. serves Yahoo (chart, v7 quote) for the symbols from a loopback replay server that counts every
   request, and the feeds (real ones from ../shared/data/rss/, with new items at every fetch);
3. runs `briefing --data-dir DIR` (the real entry point, in a subprocess, QT_QPA_PLATFORM=offscreen,
   BRIEFING_YAHOO_REPLAY=the replay server) through bench/soak_probe.py, which turns on the app's
   GUI-stall log (BRIEFING_STALL_LOG: a 10 ms QTimer), samples the GUI thread's stack during long
   calls and quits the app after --minutes. Phases: `start-up` until the first Yahoo request
   reaches the replay server (the price poller is running), then `steady`;
4. prints a table: peak RSS (VmHWM of the app's process), longest GUI-thread stall, Yahoo requests
   against the budget, cache size.

Symbols are put on the markets open when the run starts (HK and/or New York; currency pairs, quoted
around the clock on weekdays, when neither is), so quotes are polled all run; at weekends the poller
asks for quotes once and the table says so.

    python bench/soak.py [--minutes 10] [--symbols 50] [--feeds 30] [--news-items 100000]
                         [--rpm 60] [--data-dir DIR] [--seed-dir DIR] [--tracemalloc] [--json]

Also counted: descriptors the app holds open on the cache file (one per SQLite connection).

Goals (issue #8): peak RSS <= 300 MB with 50 symbols x 10 years + 100,000 news items; longest
GUI-thread stall <= 50 ms. The Yahoo requests must stay within the budget.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import soak_support as sup  # noqa: E402

MB = 1024 * 1024
RSS_GOAL_MB = 300
STALL_GOAL_MS = 50


def fast_settings(rpm: int) -> dict:
    return {
        "prices.quote_interval_s": 5.0,  # the preference's minimum
        "prices.fx_quote_interval_s": 5.0,  # when the soak runs on currency pairs (no exchange open)
        "prices.requests_per_minute": rpm,
        "news.check_every_s": 30.0,  # the preference's minimum
        "news.politeness_seconds": 0.0,
        "prices.intraday_every_s": 30.0,  # not user preferences: PriceSettings reads them from the store
        "prices.daily_check_s": 60.0,
    }


def run_soak(minutes: float = 10, n_symbols: int = 50, n_feeds: int = 30, news_items: int = 100_000, *,
             rpm: int = 60, data_dir: Path | None = None, seed_dir: Path | None = None,
             tracemalloc: bool = False, entries: bool = False, gc_census: bool = False, log=print) -> dict:
    """Seed, serve, run the app for `minutes`, measure; returns every figure (see `table`)."""
    work = Path(tempfile.mkdtemp(prefix="briefing-soak-"))
    data_dir = Path(data_dir) if data_dir else work / "profile"
    yahoo = sup.YahooReplayServer().start()
    feeds = sup.FeedServer(n_feeds).start()
    proc = None
    try:
        symbols, states = sup.soak_symbols(n_symbols)
        log(f"soak: {n_symbols} symbols ({', '.join(f'{k} {v}' for k, v in states.items())}), {n_feeds} feeds, "
            f"{news_items} news items, {minutes:g} min; data dir {data_dir}")
        settings = fast_settings(rpm)
        urls = [feeds.feed_url(i) for i in range(n_feeds)]
        key = hashlib.sha1(json.dumps([symbols, n_feeds, news_items, rpm, str(date.today())]).encode()).hexdigest()[:12]
        template = Path(seed_dir) / f"soak-seed-{key}.sqlite3" if seed_dir else None
        t = time.perf_counter()
        if template is not None and template.exists():
            cache_file = sup.reuse_seed(template, data_dir, urls)
            seed_s, bars_seeded = time.perf_counter() - t, None
            log(f"  reused the seeded cache {template}")
        else:
            seeded = sup.seed_profile(data_dir, symbols, urls, news_items, settings=settings, log=log)
            cache_file, seed_s, bars_seeded = Path(seeded["cache_file"]), seeded["seconds"], seeded["bars"]
            if template is not None:
                template.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(cache_file, template)
        cache_start = sup.cache_bytes(cache_file)
        counts_start = _rows(cache_file) or {}
        news_start = counts_start.get("news")
        bars_seeded = counts_start.get("bars", bars_seeded)

        probe_out, samples_out = work / "stall.json", work / "samples.json"
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", BRIEFING_YAHOO_REPLAY=yahoo.url,
                   SOAK_PROBE_OUT=str(probe_out), SOAK_SAMPLES_OUT=str(samples_out), SOAK_SECONDS=str(minutes * 60),
                   SOAK_TRACEMALLOC="1" if tracemalloc else "0", SOAK_ENTRIES="1" if entries else "0",
                   SOAK_GC_CENSUS="1" if gc_census else "0")
        env.pop("BRIEFING_DATA_DIR", None)
        # The feeds are fetched from 127.0.0.1 with the environment's proxies (Yahoo's replay ignores
        # them: LoopbackAdapter): a proxy would carry those fetches away from the loopback server.
        for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
            env.pop(var, None)
        out_log, err_log = open(work / "app.stdout", "w"), open(work / "app.stderr", "w")
        log("soak: starting the app")
        started = time.time()
        proc = subprocess.Popen([sys.executable, str(BENCH / "soak_probe.py"), "--data-dir", str(data_dir)],
                                env=env, stdout=out_log, stderr=err_log)
        rss: list[tuple[float, int]] = []  # (seconds since launch, VmRSS)
        handles: list[tuple[float, int]] = []  # (seconds since launch, open descriptors on the cache file)
        hwm = 0
        cache_peak = cache_start
        stalls = StallWatch(probe_out)
        deadline = started + minutes * 60 + 240  # start-up and shutdown, generously
        next_note = started + 60
        while proc.poll() is None:
            status = sup.proc_status(proc.pid)
            if status:
                hwm = max(hwm, status.get("VmHWM", 0))
                rss.append((time.time() - started, status.get("VmRSS", 0)))
            cache_peak = max(cache_peak, sup.cache_bytes(cache_file))
            stalls.read(min(yahoo.times(), default=None))
            if len(rss) % 10 == 1:  # SQLite connections: each holds the cache file open
                handles.append((time.time() - started, sup.open_handles(proc.pid, cache_file)))
            if time.time() > next_note:
                next_note += 60
                log(f"soak: {(time.time() - started) / 60:4.1f} min, RSS {rss[-1][1] / MB if rss else 0:.0f} MB, "
                    f"{len(yahoo.times())} Yahoo requests, {len(feeds.times('feed'))} feed fetches")
            if time.time() > deadline:
                proc.kill()
                break
            time.sleep(1.0)
        code = proc.wait(30)
        ended = time.time()
        out_log.close()
        err_log.close()
        stalls.read(min(yahoo.times(), default=None))
        probe = stalls.last
        sampled = json.loads(samples_out.read_text()) if samples_out.exists() else {}
        cache_end = sup.cache_bytes(cache_file)
        news_end = (_rows(cache_file) or {}).get("news")
        y_times = yahoo.times()
        span = (max(y_times) - min(y_times)) if y_times else 0.0
        windows = math.floor(span / 60) + 1
        stderr_tail = (work / "app.stderr").read_text(errors="replace")[-2000:]
    finally:
        if proc is not None and proc.poll() is None:
            proc.kill()
        yahoo.stop()
        feeds.stop()
    steady_at = None if stalls.steady_unix is None else stalls.steady_unix - started
    loop_at = None if not sampled.get("loop_started_unix") else sampled["loop_started_unix"] - started
    # RSS growth in steady state: the first minute after the poller was ready vs the last minute
    # (samples are a second apart; a shorter run compares its halves).
    steady_rss = [r for t, r in rss if r and steady_at is not None and t >= steady_at] or [r for _, r in rss if r]
    k = min(60, len(steady_rss) // 2)
    growth = (sum(steady_rss[-k:]) / k - sum(steady_rss[:k]) / k) / MB if k else None
    return {
        "minutes": minutes, "launched_unix": started, "symbols": n_symbols, "feeds": n_feeds, "news_items": news_items, "rpm": rpm,
        "markets": states, "exit_code": code, "ran_s": ended - started, "work_dir": str(work),
        "data_dir": str(data_dir), "seed_s": seed_s, "bars_seeded": bars_seeded,
        "peak_rss_mb": hwm / MB, "rss_end_mb": (rss[-1][1] / MB) if rss else None,
        "rss_growth_mb": growth,
        "stall_steady_ms": stalls.max_ms("steady"), "stall_startup_ms": stalls.max_ms("start-up"),
        "stalls_over_50": stalls.over(), "p99_ms": probe.get("p99_ms"), "p999_ms": probe.get("p999_ms"),
        "beats": probe.get("beats"), "loop_started_s": loop_at, "steady_s": steady_at,
        "worst_stalls": stalls.worst(sampled.get("samples", []), started), "probe_final": probe.get("final", False),
        "requests": len(y_times), "requests_by_kind": yahoo.counts(), "max_per_minute": sup.max_in_window(y_times),
        "budget": rpm * windows, "request_span_s": span,
        "feed_fetches": len(feeds.times("feed")), "news_start": news_start, "news_end": news_end,
        "cache_start_mb": cache_start / MB, "cache_end_mb": cache_end / MB, "cache_peak_mb": cache_peak / MB,
        "stderr_tail": stderr_tail, "heap_growth": sampled.get("heap_growth", []),
        "gui_entries": sampled.get("entries", []), "collections": sampled.get("collections", []),
        "long_entries": sampled.get("long_entries", []), "gc_census": sampled.get("gc_census", {}),
        "cache_handles": [(round(t), n) for t, n in handles[::3]],
        "cache_handles_max": max((n for _, n in handles), default=0),
        "cache_handles_last": handles[-1][1] if handles else 0,
        "rss_timeline_mb": [(round(t), round(r / MB)) for t, r in rss[::30]],
    }


class StallWatch:
    """Reads the app's stall log (BRIEFING_STALL_LOG) as the run goes: keeps every second's worst
    lateness and the stall count when the steady phase began, so both phases get their own figures."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.last: dict = {}
        self.per_second: dict[int, float] = {}
        self.steady_unix: float | None = None
        self.over_at_steady: int | None = None

    def read(self, steady_unix: float | None) -> None:
        try:
            self.last = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return
        for sec, ms in self.last.get("per_second_max_ms", []):
            self.per_second[sec] = max(ms, self.per_second.get(sec, 0.0))
        if steady_unix is not None and self.steady_unix is None:
            self.steady_unix = steady_unix
            self.over_at_steady = self.last.get("over_stall", 0)

    def _phase(self, at_unix: float) -> str:
        return "steady" if self.steady_unix is not None and at_unix >= self.steady_unix else "start-up"

    def max_ms(self, phase: str) -> float | None:
        t0 = self.last.get("started_unix")
        if t0 is None:
            return None
        # whole seconds inside the phase (the second of the change is left to the worst-stall list)
        seen = [ms for sec, ms in self.per_second.items()
                if self._phase(t0 + sec) == self._phase(t0 + sec + 1) == phase]
        seen += [w["ms"] for w in self.last.get("worst", []) if self._phase(t0 + w["at_s"]) == phase]
        return max(seen, default=None)

    def over(self) -> dict[str, int]:
        total = self.last.get("over_stall", 0)
        worst = self.last.get("worst", [])
        if total <= len(worst):  # every stall is listed with its time: exact
            t0 = self.last.get("started_unix", 0)
            steady = sum(self._phase(t0 + w["at_s"]) == "steady" for w in worst)
            return {"start-up": total - steady, "steady": steady}
        before = total if self.over_at_steady is None else self.over_at_steady
        return {"start-up": before, "steady": total - before}

    def worst(self, samples: list[dict], started: float) -> list[dict]:
        """The logged worst stalls, each with its phase and the stack sample taken during it, if any."""
        t0 = self.last.get("started_unix")
        out = []
        for w in self.last.get("worst", []):
            at = t0 + w["at_s"]
            # the sampled call began during the stall (the stall begins at the beat before that call)
            sample = next((s for s in samples if at - 0.05 <= s["since_unix"] <= at + w["ms"] / 1000), None)
            out.append({"at_s": round(at - started, 2), "ms": w["ms"], "phase": self._phase(at), "sample": sample})
        return out


def _rows(cache_file: Path) -> dict | None:
    from briefing.store import Store

    try:
        store = Store.open(cache_file)
    except Exception:  # noqa: BLE001
        return None
    try:
        return store.row_counts()
    finally:
        store.close()


def _n(value, fmt: str = "{:.0f}") -> str:
    return "n/a" if value is None else fmt.format(value)


def rows(r: dict) -> list[tuple[str, str, str, str]]:
    """(metric, measured, goal, ok?) for the table."""
    def ok(cond) -> str:
        return "n/a" if cond is None else ("yes" if cond else "NO")

    steady, startup = r["stall_steady_ms"], r["stall_startup_ms"]
    whole = None if steady is None and startup is None else max(x for x in (steady, startup) if x is not None)
    over = r["stalls_over_50"] or {}
    return [
        ("peak RSS of the app (VmHWM), MB", _n(r["peak_rss_mb"]), f"<= {RSS_GOAL_MB}",
         ok(r["peak_rss_mb"] <= RSS_GOAL_MB if r["peak_rss_mb"] else None)),
        ("RSS at the end, MB", _n(r["rss_end_mb"]), "", ""),
        ("RSS growth, steady: last vs first minute, MB", _n(r["rss_growth_mb"], "{:+.1f}"), "", ""),
        ("longest GUI stall, steady (poller ready), ms", _n(steady), f"<= {STALL_GOAL_MS}",
         ok(None if steady is None else steady <= STALL_GOAL_MS)),
        ("longest GUI stall, whole run (start-up too), ms", _n(whole), f"<= {STALL_GOAL_MS}",
         ok(None if whole is None else whole <= STALL_GOAL_MS)),
        ("stalls > 50 ms, steady / start-up", f"{over.get('steady', 0)} / {over.get('start-up', 0)}", "", ""),
        ("timer lateness p99 / p99.9, ms", f"{_n(r['p99_ms'])} / {_n(r['p999_ms'])}", "", ""),
        ("Yahoo requests (all, at the server)", str(r["requests"]), f"<= {r['budget']} ({r['rpm']}/min budget)",
         ok(r["requests"] <= r["budget"])),
        ("most Yahoo requests in any 60 s", str(r["max_per_minute"]), f"<= {r['rpm']}",
         ok(r["max_per_minute"] <= r["rpm"])),
        ("feed fetches (at the server)", str(r["feed_fetches"]), "", ""),
        ("news items in the cache, start -> end", f"{r['news_start']} -> {_n(r['news_end'])}", "", ""),
        ("cache size (db + wal + shm), start -> end, MB", f"{r['cache_start_mb']:.1f} -> {r['cache_end_mb']:.1f}",
         "", ""),
        ("cache size peak during the run, MB", f"{r['cache_peak_mb']:.1f}", "", ""),
        ("descriptors open on the cache file (SQLite connections), max / last", f"{r['cache_handles_max']} / "
         f"{r['cache_handles_last']}", "", ""),
    ]


def table(r: dict) -> str:
    head = ("metric", "measured", "goal", "ok?")
    body = rows(r)
    widths = [max(len(x[i]) for x in [head, *body]) for i in range(4)]
    line = lambda cells: "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"  # noqa: E731
    out = [line(head), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [line(x) for x in body]
    return "\n".join(out)


def _during(events: list[dict], at_unix: float, ms: float) -> list[dict]:
    """The logged events (each with its end and duration) that overlap a stall beginning at `at_unix`."""
    return [e for e in events if at_unix <= e["end_unix"] and e["end_unix"] - e["ms"] / 1000 <= at_unix + ms / 1000 + 0.02]


def notes(r: dict) -> str:
    lines = [
        f"run: {r['minutes']:g} min of event loop, {r['ran_s']:.0f} s from launch to exit (exit code {r['exit_code']}); "
        f"{r['symbols']} symbols ({', '.join(f'{k} {v}' for k, v in r['markets'].items())} at the start), "
        f"{r['feeds']} feeds, {r['news_start']} news items and {_n(r['bars_seeded'])} daily bars seeded "
        f"(seeding took {r['seed_s']:.0f} s)",
        f"event loop running {_n(r['loop_started_s'], '{:.1f}')} s after launch; first Yahoo request (steady "
        f"phase) at {_n(r['steady_s'], '{:.1f}')} s; {r['beats']} beats of a 10 ms timer",
        "stalls > 50 ms per phase: from the stall log's list of the 20 worst (exact) or, with more, from the count "
        "when the first request arrived (to about a second); the longest per phase from the log's per-second worst",
        f"Yahoo requests by kind: {json.dumps(r['requests_by_kind'], sort_keys=True)}; first to last request "
        f"{r['request_span_s']:.0f} s",
    ]
    lines.append("descriptors on the cache file every 30 s (s, n): "
                 + ", ".join(f"{t}:{n}" for t, n in r["cache_handles"]))
    lines.append("RSS every 30 s (s, MB): " + ", ".join(f"{t}:{m}" for t, m in r["rss_timeline_mb"]))
    if r["heap_growth"]:
        lines.append("Python heap growth from a minute into the steady phase to the end (tracemalloc):")
        lines += [f"  {g}" for g in r["heap_growth"]]
    if not r["probe_final"]:
        lines.append("warning: the app did not quit normally (the probe's final write is missing)")
    for w in r["worst_stalls"][:8]:
        s = w.get("sample") or {}
        where = " <- ".join((s.get("gui") or [])[:4]) or "(no sample: C++ work, or the GIL held elsewhere)"
        others = "; ".join(f"{k}: {v[0]}" for k, v in (s.get("others") or {}).items() if v)
        at = r["launched_unix"] + w["at_s"]
        gcs = _during(r["collections"], at, w["ms"])
        lines.append(f"stall {w['ms']:.0f} ms at {w['at_s']:.1f} s ({w['phase']}): GUI in {where}"
                     + (f" | busy: {others}" if others else "")
                     + "".join(f" | gc gen{c['gen']} {c['ms']:.0f} ms in {c['thread']}" for c in gcs)
                     + "".join(f" | GUI entry {e['ms']:.0f} ms {e['where']}" for e in _during(r["long_entries"], at, w["ms"])))
    census = r.get("gc_census") or {}
    if census:
        lines.append(f"objects a full collection scans (gc census): {census['tracked']} tracked, "
                     f"{census['frozen']} frozen; commonest: "
                     + ", ".join(f"{name} {n}" for name, n in census["top"]))
    if r["collections"]:
        long = [c for c in r["collections"] if c["ms"] >= 20]
        lines.append(f"garbage collections >= 5 ms: {len(r['collections'])}, >= 20 ms: {len(long)}, longest "
                     + ", ".join(f"{c['ms']:.0f} ms (gen{c['gen']}, {c['thread']})"
                                 for c in sorted(r["collections"], key=lambda c: -c["ms"])[:5]))
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--symbols", type=int, default=50)
    ap.add_argument("--feeds", type=int, default=30)
    ap.add_argument("--news-items", type=int, default=100_000)
    ap.add_argument("--rpm", type=int, default=60, help="the request budget (prices.requests_per_minute)")
    ap.add_argument("--data-dir", type=Path, help="seed and run here (default: a new temp dir)")
    ap.add_argument("--seed-dir", type=Path, help="keep the seeded cache here and reuse it in later runs "
                    "with the same symbols, feeds, news items and day (seeding 100,000 items takes minutes)")
    ap.add_argument("--tracemalloc", action="store_true", help="trace Python allocations in the app (slower) and "
                    "print where the heap grew after the first steady minute")
    ap.add_argument("--entries", action="store_true", help="count the GUI thread's calls from Qt into Python, by "
                    "function (each takes the GIL; slower) and print the most frequent")
    ap.add_argument("--gc-census", action="store_true", help="count, halfway (at most 120 s in), the objects "
                    "a full garbage collection scans, by type")
    ap.add_argument("--json", action="store_true", help="also print every figure as JSON")
    args = ap.parse_args()
    r = run_soak(args.minutes, args.symbols, args.feeds, args.news_items, rpm=args.rpm, data_dir=args.data_dir,
                 seed_dir=args.seed_dir, tracemalloc=args.tracemalloc, entries=args.entries,
                 gc_census=args.gc_census, log=lambda m: print(m, flush=True))
    print()
    print(table(r))
    print()
    print(notes(r))
    if r["gui_entries"]:
        print("\nGUI thread: calls from Qt into Python (whole run), most frequent first")
        for e in r["gui_entries"][:30]:
            print(f"  {e['calls']:>8}  {e['wall_ms']:>9.0f} ms  longest {e['longest_ms']:>6.0f} ms  {e['where']}")
    if args.json:
        print(json.dumps({k: v for k, v in r.items() if k != "stderr_tail"}))
    if r["exit_code"] != 0:
        print(f"app stderr (tail):\n{r['stderr_tail']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
