"""Replaying Yahoo to the real yfinance code: a transport adapter that answers by URL path.

`ReplayAdapter` is mounted on a `BoundedSession` (the session the app gives yfinance), so every
request yfinance makes (time zone, cookie, crumb, chart, quote) comes here; anything without a
route gets a 404, which yfinance tolerates for cookie and crumb. Routes answer with recorded
bodies from shared/data/yahoo_api or with bodies generated here in the same shape (the HK
listings have no recorded body). Each request is logged with the (fake) time it was made.

Also used by bench/prices.py (imported by path).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import requests
from requests.adapters import BaseAdapter

CHART = "/v8/finance/chart/"
QUOTE = "/v7/finance/quote"
RECORDED = "yahoo_api/node-yahoo-finance2"
NOT_FOUND_CHART = json.dumps({"chart": {"result": None, "error": {
    "code": "Not Found", "description": "No data found, symbol may be delisted"}}}).encode()


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict | None = None
    delay: float = 0.0  # seconds to wait before answering (a slow server)


Route = bytes | Reply | Callable[[requests.PreparedRequest], Reply]


@dataclass(frozen=True)
class Seen:
    at: float  # the (fake) clock's time
    host: str
    path: str
    query: dict
    timeout: object


class ReplayAdapter(BaseAdapter):
    """Answers each request from `routes[path]` (bytes, a `Reply`, or a function of the request)."""

    def __init__(self, routes: dict[str, Route] | None = None, *, clock: Callable[[], float] = time.time,
                 default: Callable[[requests.PreparedRequest], Reply] | None = None) -> None:
        super().__init__()
        self.routes: dict[str, Route] = dict(routes or {})
        self.clock = clock
        self.default = default
        self.seen: list[Seen] = []
        self._lock = threading.Lock()

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        u = urlsplit(request.url)
        with self._lock:
            self.seen.append(Seen(self.clock(), u.netloc, u.path, parse_qs(u.query), timeout))
        route = self.routes.get(u.path)
        if route is None and self.default is not None:
            reply = self.default(request)
        elif route is None:
            reply = Reply(404, b"Not Found")
        elif isinstance(route, bytes):
            reply = Reply(200, route)
        elif isinstance(route, Reply):
            reply = route
        else:
            reply = route(request)
        if reply.delay:
            time.sleep(reply.delay)  # the server is slow (the caller's timeouts are under test)
        response = requests.Response()
        response.status_code = reply.status
        response._content = reply.body
        response.headers.update({"Content-Type": "application/json", **(reply.headers or {})})
        response.url = request.url
        response.request = request
        response.encoding = "utf-8"
        return response

    def close(self) -> None:
        pass

    def count(self, path_part: str = "") -> int:
        with self._lock:
            return sum(1 for s in self.seen if path_part in s.path)

    def data_requests(self) -> list[Seen]:
        with self._lock:
            return [s for s in self.seen if s.path.startswith((CHART, QUOTE))]


def replay_session(adapter: ReplayAdapter, budget=None, **timeouts):
    from briefing.sources.http_session import BoundedSession

    session = BoundedSession(budget, **timeouts)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def reset_yfinance(cache_dir) -> None:
    """A fresh yfinance state for one test: its cache in `cache_dir`, no remembered answers."""
    from yfinance.data import YfData

    from briefing.sources.yahoo import configure_yfinance

    configure_yfinance(cache_dir)
    YfData.cache_get.cache_clear()
    data = YfData()
    data._crumb = data._cookie = None
    data._cookie_strategy = "basic"


def recorded(shared_data, name: str) -> bytes:
    return (shared_data / RECORDED / name).read_bytes()


def recorded_routes(shared_data) -> dict[str, bytes]:
    """The recorded chart bodies, each under the symbol it is about; the broken ones under BAD1/BAD2."""
    r = lambda n: recorded(shared_data, n)  # noqa: E731
    return {
        CHART + "BABA": r("chart-BABA-2020-01-01-to-2020-01-03.json"),
        CHART + "AAPL": r("chart-AAPL-2020-08-31-to-2020-11-07.json"),
        CHART + "MSFT": r("historical-via-chart-MSFT-dividends-2021-02-01-to-2022-01-31.csv.json"),
        CHART + "NVDA": r("historical-via-chart-NVDA-split-2021-02-01-to-2022-01-31.csv.json"),
        CHART + "BAD1": r("chart-notimestamp-quotes-length.fake.json"),
        CHART + "BAD2": r("chart-notimestamp-weird-quote.fake.json"),
        QUOTE: r("quote-AAPL-BABA.json"),
    }


# ----- generated bodies in Yahoo's shape --------------------------------------------------------
_EXCHANGES = {  # our calendar -> (Yahoo exchange code, full name, zone, currency, short zone)
    "XHKG": ("HKG", "HKSE", "Asia/Hong_Kong", "HKD"),
    "XNYS": ("NYQ", "NYSE", "America/New_York", "USD"),
    "XNAS": ("NMS", "NasdaqGS", "America/New_York", "USD"),
}


def _sessions(calendar: str, start: date, end: date):
    from briefing.domain import market_hours

    s = market_hours.schedule(calendar)
    out = []
    for i, day in enumerate(s.days):
        if start.toordinal() <= day <= end.toordinal():
            out.append((date.fromordinal(day), s.opens[i], s.break_starts[i], s.break_ends[i], s.closes[i]))
    return out


def price_path(symbol: str, n: int, base: float = 100.0) -> list[float]:
    """A deterministic path like a price's: slow swings, a trend, small daily noise (no randomness)."""
    import math

    seed = sum(map(ord, symbol))
    return [round(base * (1 + 0.25 * math.sin((i + seed) / 40) + 0.01 * ((i * 37 + seed) % 11 - 5) / 5
                          + i / (4 * max(n, 1))), 3) for i in range(n)]


def chart_body(symbol: str, calendar: str, start: date, end: date, interval: str = "1d",
               base: float = 100.0, period: tuple[int, int] | None = None) -> bytes:
    """A v8 chart body for `symbol` with real sessions of `calendar` (lunch break included)."""
    code, full, tz, ccy = _EXCHANGES[calendar]
    sessions = _sessions(calendar, start, end)
    stamps, periods = [], []
    step = {"1m": 60, "5m": 300, "15m": 900, "60m": 3600}.get(interval)
    for day, o, bs, be, c in sessions:
        if step is None:
            stamps.append(o)
        else:
            windows = [(o, bs), (be, c)] if bs >= 0 else [(o, c)]
            for a, b in windows:
                stamps.extend(range(a, b, step))
        periods.append([{"timezone": "HKT" if calendar == "XHKG" else "EST", "start": o, "end": c,
                         "gmtoffset": int(datetime.fromtimestamp(o, ZoneInfo(tz)).utcoffset().total_seconds())}])
    if period is not None:
        stamps = [t for t in stamps if period[0] <= t < period[1]]
    closes = price_path(symbol, len(stamps), base)
    last = closes[-1] if closes else base
    zone_now = datetime.now(ZoneInfo(tz))
    meta = {
        "currency": ccy, "symbol": symbol, "exchangeName": code, "fullExchangeName": full,
        "instrumentType": "EQUITY", "firstTradeDate": sessions[0][1] if sessions else 0,
        "regularMarketTime": stamps[-1] if stamps else 0, "hasPrePostMarketData": calendar != "XHKG",
        "gmtoffset": int(zone_now.utcoffset().total_seconds()), "timezone": zone_now.tzname(),
        "exchangeTimezoneName": tz, "regularMarketPrice": last, "fiftyTwoWeekHigh": max(closes or [last]),
        "fiftyTwoWeekLow": min(closes or [last]), "regularMarketDayHigh": last * 1.01,
        "regularMarketDayLow": last * 0.99, "regularMarketVolume": 1_000_000, "longName": f"{symbol} Ltd",
        "shortName": symbol, "chartPreviousClose": closes[0] if closes else base, "priceHint": 3,
        "currentTradingPeriod": {k: {"timezone": "HKT", "start": 0, "end": 0, "gmtoffset": 28800}
                                 for k in ("pre", "regular", "post")},
        "dataGranularity": interval, "range": "",
        "validRanges": ["1d", "5d", "1mo", "3mo", "6mo", "1y", "2y", "5y", "10y", "ytd", "max"],
    }
    if step is not None:
        meta["tradingPeriods"] = periods
    result = {"meta": meta, "timestamp": stamps, "indicators": {
        "quote": [{"open": [round(c * 0.995, 3) for c in closes], "high": [round(c * 1.01, 3) for c in closes],
                   "low": [round(c * 0.985, 3) for c in closes], "close": closes,
                   "volume": [1_000_000 + 10 * i for i in range(len(closes))]}],
        **({} if step else {"adjclose": [{"adjclose": [round(c * 0.98, 4) for c in closes]}]}),
    }}
    if not stamps:
        result = {"meta": meta, "indicators": {"quote": [{}]}}
    return json.dumps({"chart": {"result": [result], "error": None}}).encode()


def chart_route(symbol: str, calendar: str, start: date, end: date, base: float = 100.0):
    """A route that answers like Yahoo: only the bars in period1..period2 of the request."""

    def answer(request) -> Reply:
        q = parse_qs(urlsplit(request.url).query)
        interval = q.get("interval", ["1d"])[0]
        if "period1" in q:
            period = (int(q["period1"][0]), int(q["period2"][0]))
        else:
            period = None  # range=1d etc.: the time-zone look-up only reads the meta
        lo = start if interval == "1d" else max(start, end - timedelta(days=7))
        return Reply(200, chart_body(symbol, calendar, lo, end, interval, base, period))

    return answer


def quote_body(symbols: list[str], *, price: float = 100.0, at: int | None = None) -> bytes:
    rows = []
    for i, s in enumerate(symbols):
        hk = s.endswith(".HK")
        rows.append({
            "symbol": s, "currency": "HKD" if hk else "USD", "regularMarketPrice": price + i,
            "regularMarketTime": at or int(time.time()), "regularMarketPreviousClose": price + i - 1,
            "regularMarketDayHigh": price + i + 1, "regularMarketDayLow": price + i - 2,
            "regularMarketVolume": 123456, "fiftyTwoWeekLow": 50.0, "fiftyTwoWeekHigh": 150.0,
            "marketCap": 1e11, "exchangeTimezoneName": "Asia/Hong_Kong" if hk else "America/New_York",
        })
    return json.dumps({"quoteResponse": {"result": rows, "error": None}}).encode()


def quote_route(price: float = 100.0, known=None, clock=None):
    """v7 quote: answers for the symbols the request names (those in `known`, if given)."""

    def answer(request) -> Reply:
        q = parse_qs(urlsplit(request.url).query)
        symbols = [s for s in q.get("symbols", [""])[0].split(",") if known is None or s in known]
        return Reply(200, quote_body(symbols, price=price, at=int(clock()) if clock else None))

    return answer


def utc(y: int, m: int, d: int, hh: int = 0, mm: int = 0, tz: str = "UTC") -> int:
    return int(datetime(y, m, d, hh, mm, tzinfo=ZoneInfo(tz) if tz != "UTC" else timezone.utc).timestamp())


class FakeClock:
    """Epoch seconds that only move when the test says so."""

    def __init__(self, now: float) -> None:
        self.now = float(now)

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
