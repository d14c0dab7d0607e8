"""Helpers for bench/soak.py: the loopback servers it feeds the app from, and the profile it seeds.

- `YahooReplayServer`: answers Yahoo's chart and v7 quote paths with the bodies the tests and
  bench/prices.py use (`tests/yahoo_replay.py`: real sessions of each calendar, HK bodies built
  there); fc.yahoo.com answers 404 with an A3 cookie for .yahoo.com, as live (yfinance keeps it and
  does not ask again), 404 for the crumb, which yfinance tolerates. Every request is counted.
- `FeedServer`: serves N feeds, each a real feed from ../shared/data/rss/ (the well-formed RSS 2.0,
  RSS 1.0 and Atom fixtures), with a few new items injected at every fetch so items keep arriving.
- `seed_profile`: a data dir through the store's public API: symbols x 10 years of daily bars (with
  their fetch coverage, as if fetched), news items, one watchlist, the feeds, fast preferences.

Loopback only: both servers bind 127.0.0.1.
"""

from __future__ import annotations

import csv
import http.server
import os
import random
import socketserver
import sys
import threading
import time
from datetime import date, datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RSS_DIR = ROOT.parent / "shared" / "data" / "rss"
for p in (str(ROOT / "tests"), str(BENCH)):
    if p not in sys.path:
        sys.path.insert(0, p)

from feeds import headline, summary  # noqa: E402  (bench/feeds.py: the same headline generator)
from prices import calendar_of  # noqa: E402  (bench/prices.py)

DAY = 86400


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class _Base:
    """A threaded loopback HTTP server in the background, counting requests."""

    def __init__(self) -> None:
        self.hits: list[tuple[float, str]] = []  # (time.time(), kind)
        self._lock = threading.Lock()
        self.httpd = _Server(("127.0.0.1", 0), self._handler())
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True, name=type(self).__name__)

    def start(self):
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def note(self, kind: str) -> None:
        with self._lock:
            self.hits.append((time.time(), kind))

    def times(self, kind: str | None = None) -> list[float]:
        with self._lock:
            return [t for t, k in self.hits if kind is None or k == kind]

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        with self._lock:
            for _, k in self.hits:
                out[k] = out.get(k, 0) + 1
        return out

    def _handler(self):
        raise NotImplementedError


def max_in_window(times: list[float], window: float = 60.0) -> int:
    """The most requests that fell in any `window` seconds (the budget is a sliding minute)."""
    ts = sorted(times)
    best, lo = 0, 0
    for hi, t in enumerate(ts):
        while ts[lo] <= t - window:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


# ----- Yahoo ----------------------------------------------------------------------------------------
class YahooReplayServer(_Base):
    """Chart bodies for any symbol (10 years of daily sessions, 7 days of intraday), v7 quotes."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.today = date.today()
        super().__init__()

    def _handler(self):
        from yahoo_replay import CHART, QUOTE, chart_body, quote_body

        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):  # noqa: N802
                u = urlsplit(self.path)
                q = {k: v[0] for k, v in parse_qs(u.query).items()}
                if server.delay:
                    time.sleep(server.delay)
                if u.path.startswith(CHART):
                    symbol = u.path[len(CHART):]
                    interval = q.get("interval", "1d")
                    kind = "chart " + ("range" if "range" in q else interval)
                    server.note(kind)
                    period = (int(q["period1"]), int(q["period2"])) if "period1" in q else None
                    lo = server.today - timedelta(days=3700 if interval == "1d" else 7)
                    body = chart_body(symbol, calendar_of(symbol), lo, server.today, interval, 100.0, period)
                    self._answer(200, body)
                elif u.path == QUOTE:
                    server.note("quote")
                    self._answer(200, quote_body([s for s in q.get("symbols", "").split(",") if s]))
                else:  # fc.yahoo.com (cookie), getcrumb, anything else: 404 as bench/prices.py answers
                    host = self.headers.get("X-Original-Host", "")
                    server.note(f"other {host}{u.path}")
                    self._answer(404, b"Not Found", cookie=host == "fc.yahoo.com")

            def _answer(self, status: int, body: bytes, cookie: bool = False) -> None:
                self.send_response(status)
                if cookie:  # a year, as fc.yahoo.com sets it (yfinance reads an expiry past 2033 as ms)
                    self.send_header("Set-Cookie", "A3=d=AQABBsoak&S=AQAAAsoak; Max-Age=31557600; Domain=.yahoo.com; "
                                     "Path=/; Secure; HttpOnly; SameSite=None")
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        return Handler


# ----- feeds ----------------------------------------------------------------------------------------
def real_feeds() -> list[Path]:
    """The real-world fixtures of ../shared/data/rss that parse as XML (RSS 2.0, RSS 1.0, Atom)."""
    out = []
    with open(RSS_DIR / "INDEX.tsv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            if (row["path"].startswith("feed-rs_fixtures/") and row["stdlib_xml_parse"] == "well-formed"
                    and row["root"] in ("rss", "feed", "RDF")):
                out.append(RSS_DIR / row["path"])
    if not out:
        raise RuntimeError(f"no usable feeds in {RSS_DIR}")
    return out


def _close_tag(body: bytes) -> bytes:
    for tag in (b"</channel>", b"</rdf:RDF>", b"</feed>"):
        if body.rfind(tag) >= 0 and (tag != b"</channel>" or b"<rdf:RDF" not in body):
            return tag
    raise ValueError("no place for new items")


class FeedServer(_Base):
    """`/feed/N.xml`: a real feed plus `new_per_fetch` new items (current dates) at each fetch."""

    def __init__(self, n_feeds: int, new_per_fetch: int = 3, seed: int = 5) -> None:
        files = real_feeds()
        self.bodies = [files[i % len(files)].read_bytes() for i in range(n_feeds)]
        self.atom = [b"</feed>" == _close_tag(b) for b in self.bodies]
        self.new_per_fetch = new_per_fetch
        self.fetches = [0] * n_feeds
        self.rng = random.Random(seed)
        self.n = n_feeds
        super().__init__()

    def feed_url(self, i: int) -> str:
        return f"{self.url}/feed/{i}.xml"

    def body(self, i: int) -> bytes:
        with self._lock:
            self.fetches[i] += 1
            k = self.fetches[i]
        base = self.bodies[i]
        tag = _close_tag(base)
        new = []
        now = datetime.now(timezone.utc)
        for j in range(self.new_per_fetch):
            n = (i * 100_000 + k * 100 + j)
            title = headline(self.rng, n)
            text = summary(self.rng, n, title)[:300]
            link = f"https://soak.example.com/{i}/{k}/{j}"
            stamp = now - timedelta(seconds=j)
            if self.atom[i]:
                new.append(f"<entry><title>{escape(title)}</title><link href=\"{link}\"/><id>soak-{i}-{k}-{j}</id>"
                           f"<updated>{stamp.isoformat()}</updated><summary>{escape(text)}</summary></entry>")
            else:
                new.append(f"<item><title>{escape(title)}</title><link>{link}</link><guid>soak-{i}-{k}-{j}</guid>"
                           f"<pubDate>{format_datetime(stamp)}</pubDate><description>{escape(text)}</description>"
                           "</item>")
        # ASCII with character references: fits feeds declared ISO-8859-1 as well as UTF-8.
        extra = "".join(new).encode("ascii", "xmlcharrefreplace")
        at = base.rfind(tag)
        return base[:at] + extra + base[at:]

    def _handler(self):
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):  # noqa: N802
                path = urlsplit(self.path).path
                try:
                    i = int(path.removeprefix("/feed/").removesuffix(".xml"))
                    assert 0 <= i < server.n
                except (ValueError, AssertionError):
                    server.note("other")
                    body, status = b"Not Found", 404
                else:
                    server.note("feed")
                    body, status = server.body(i), 200
                self.send_response(status)
                self.send_header("Content-Type", "application/rss+xml" if status == 200 else "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        return Handler


# ----- the profile ----------------------------------------------------------------------------------
def soak_symbols(n: int, now: float | None = None) -> tuple[list[str], dict[str, str]]:
    """`n` synthetic symbols on the markets open at `now`, so the app polls their quotes all run.

    HK and/or New York when one is open; otherwise currency pairs ("SOAKAB=X": quoted around the
    clock on weekdays), which the poller treats like any listing; all HK at weekends (then the
    poller asks for quotes once). Returns the symbols and the state of each market for the report."""
    from briefing.domain import market_hours

    now = time.time() if now is None else now
    states = {code: market_hours.market_state(probe, now).state
              for code, probe in (("XHKG", "1000.HK"), ("XNYS", "SOAKA"), ("FX", "SOAKA=X"))}
    hk = states["XHKG"] == "open"
    us = states["XNYS"] == "open"
    fx = not (hk or us) and states["FX"] == "open"
    out = []
    for i in range(n):
        letters = f"{chr(65 + i // 26 % 26)}{chr(65 + i % 26)}"
        if fx:
            out.append(f"SOAK{letters}=X")
        elif us and (not hk or i % 5 == 0):  # both open: one in five in New York, as bench/prices.py
            out.append(f"SOAK{letters}")
        else:
            out.append(f"{1000 + i}.HK")
    return out, states


def _listing(symbol: str):
    from briefing.domain.models import Listing

    if symbol.endswith("=X"):
        return Listing(symbol, "FX", "USD", "UTC", name_en=f"Soak {symbol}", kind="fx")
    hk = symbol.endswith(".HK")
    return Listing(symbol, "XHKG" if hk else "XNYS", "HKD" if hk else "USD",
                   "Asia/Hong_Kong" if hk else "America/New_York", name_en=f"Soak {symbol}")


def seed_profile(data_dir: Path, symbols: list[str], feed_urls: list[str], news_items: int, *,
                 settings: dict, feed_minutes: int = 1, years: int = 10, log=print) -> dict:
    """Fill `data_dir` (as `briefing --data-dir`) through the store's API; returns what it wrote."""
    from yahoo_replay import price_path

    from briefing import paths as paths_mod
    from briefing.domain import market_hours
    from briefing.domain.models import Bar, Feed
    from briefing.domain.news_identity import canonical_url, title_tokens
    from briefing.domain.news_records import FeedEntry
    from briefing.domain.preferences import BY_KEY, Preferences
    from briefing.domain.tagging import default_tagger
    from briefing.store import Store
    from briefing.store.bootstrap import prepare

    paths = paths_mod.resolve(data_dir)
    paths.ensure()
    store = Store.open(paths.cache_file)
    t0 = time.perf_counter()
    try:
        prepare(store)  # registry, curated events, first-run defaults (replaced below)
        for w in store.watchlists.all():
            store.watchlists.delete(w.name)
        for f in store.feeds.all():  # the default feeds are real sites: never fetched here
            store.feeds.remove(f.id)
        store.instruments.upsert([], [_listing(s) for s in symbols])
        store.watchlists.create("Soak", pinned=True)
        store.watchlists.add("Soak", symbols)

        # Daily bars: every session of the symbol's calendar in the last `years` years, up to the
        # last one closed, with the coverage the refresher records after a fetch of that span.
        now = int(time.time())
        start = date.today() - timedelta(days=int(years * 365.25))
        bars_written = 0
        for symbol in symbols:
            code = "XHKG" if symbol.endswith(".HK") else "XNYS"
            s = market_hours.schedule(code)
            opens = [o for o, c in zip(s.opens, s.closes)
                     if c <= now and o >= int(datetime.combine(start, datetime.min.time(), timezone.utc).timestamp())]
            closes = price_path(symbol, len(opens))
            bars = [Bar(o, round(c * 0.995, 3), round(c * 1.01, 3), round(c * 0.985, 3), c, round(c * 0.98, 4),
                        1_000_000 + 10 * k) for k, (o, c) in enumerate(zip(opens, closes))]
            bars_written += store.prices.upsert_bars(symbol, "1d", bars, "yahoo")
            if opens:
                store.prices.state.record_success(symbol, "1d", now, covered=(opens[0], opens[-1] + DAY))
        log(f"  {bars_written} daily bars for {len(symbols)} symbols ({time.perf_counter() - t0:.1f} s)")

        t1 = time.perf_counter()
        feed_ids = [store.feeds.add(Feed(url, f"Soak feed {i}", refresh_minutes=feed_minutes))
                    for i, url in enumerate(feed_urls)]
        owner = feed_ids or [store.feeds.add(Feed("http://127.0.0.1:9/archive.xml", "Archive", enabled=False))]
        # News: the bench/feeds.py generator, spread over the feeds, published over the last ~58 days
        # (inside the default 90-day retention, so the first refresh does not prune them).
        rng = random.Random(3)
        tagger = default_tagger()
        step = max(1, int(58 * DAY / max(news_items, 1)))
        batch: list = []
        written, i = 0, 0
        # Near-identical titles within 36 h are merged into one item (as the app does with real
        # feeds): generate until the cache holds `news_items` items, within 78 days at most.
        while written < news_items and i < news_items * 1.35:
            fid = owner[i // 2000 % len(owner)]  # batches close in time: ingest's title look-up stays small
            title = headline(rng, i)
            link = f"https://news.example.com/seed/{i}"
            text = summary(rng, i, title)[:300]
            batch.append(FeedEntry(f"seed:{i}", title, link, text, "", now - i * step, "", canonical_url(link),
                                   title_tokens(title), tagger.tag(title, text)))
            i += 1
            if len(batch) >= min(2000, news_items - written) or owner[i // 2000 % len(owner)] != fid:
                written += len(store.news.ingest(fid, batch, now=now, retention_days=0).new_ids)
                batch = []
        log(f"  {written} news items over {len(owner)} feeds from {i} generated "
            f"({i - written} merged as the same story) ({time.perf_counter() - t1:.1f} s)")

        prefs = Preferences.of(store)
        for key, value in settings.items():
            if key in BY_KEY:
                prefs.set(key, value)  # validated: an out-of-range value fails here, not silently
            elif key.startswith("prices."):
                store.settings.set(key, value)  # PriceSettings reads undeclared prices.* keys too
        prefs.set("ui.default_watchlist", "Soak")
        counts = store.row_counts()
    finally:
        store.close()
    return {"bars": bars_written, "news": counts["news"], "rows": counts, "cache_file": str(paths.cache_file),
            "seconds": time.perf_counter() - t0}


def cache_bytes(cache_file: Path) -> int:
    """The SQLite file plus its -wal (and -shm) as they are now."""
    total = 0
    for suffix in ("", "-wal", "-shm"):
        p = Path(str(cache_file) + suffix)
        if p.exists():
            total += p.stat().st_size
    return total


def proc_status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak RSS) of a live process, in bytes; {} once it has gone."""
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    key, value, _unit = line.split()
                    out[key.rstrip(":")] = int(value) * 1024
    except OSError:
        pass
    return out


def reuse_seed(template: Path, data_dir: Path, feed_urls: list[str]) -> Path:
    """Copy a seeded cache (same symbols, feed count, news count) into `data_dir`; point its feeds at
    this run's server. Returns the cache file."""
    import shutil

    from briefing import paths as paths_mod
    from briefing.store import Store

    paths = paths_mod.resolve(data_dir)
    paths.ensure()
    shutil.copyfile(template, paths.cache_file)
    store = Store.open(paths.cache_file)
    try:
        feeds = sorted((f for f in store.feeds.all() if f.title.startswith("Soak feed ")),
                       key=lambda f: int(f.title.rsplit(" ", 1)[1]))
        assert len(feeds) == len(feed_urls), (len(feeds), len(feed_urls))
        for f, url in zip(feeds, feed_urls):
            store.feeds.update(f.id, url=url)
    finally:
        store.close()
    return paths.cache_file


def open_handles(pid: int, target: Path) -> int:
    """How many file descriptors of `pid` are open on `target` (one per SQLite connection)."""
    want = str(Path(target).resolve())
    n = 0
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") == want:
                    n += 1
            except OSError:
                pass
    except OSError:
        return 0
    return n
