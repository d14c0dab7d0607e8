"""The `--demo` dataset: invented prices, quotes and news that look real and say they are not.

Everything is generated from `(end, seed)` at seeding time (nothing is bundled), so the same pair
always gives the same dataset and a demo never shows a stale date. Every bar and quote carries
`source="demo"`; every news title starts with "[Demo] ", says so in its summary and is flagged
`is_demo`.

Conventions (the same as the real sources):
- Daily bar `ts` = the UTC timestamp of the session date at 00:00 in the listing's exchange time
  zone: the XHKG session of 2025-01-02 is `2025-01-01T16:00Z`, the XNYS session of 2025-01-02 is
  `2025-01-02T05:00Z`. HKD=X (time zone "UTC" in the registry) trades on weekdays: midnight UTC.
- 5-minute bar `ts` = the UTC start of the bar; bars cover the regular sessions only (HKEX
  09:30-12:00 and 13:00-16:00 HKT, half days morning only; US 09:30-16:00 ET; HKD=X the whole
  UTC day), taken from `exchange_calendars` (TCEHY trades OTC: XNYS hours).

How the prices are made: each company has one latent price path (a seeded random walk with
fat-tailed shocks, a shared market factor with volatility clustering, and a bridge that pins the
end to a realistic level). Its Hong Kong line closes on that path; its US ADR closes at
HK close x ratio / USDHKD x (1 + a small premium noise within +-1%). The last five sessions also
get 5-minute bars, and those sessions' daily high, low and volume are taken from them, so the
intraday and daily views agree exactly.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass
from datetime import date, timedelta

from briefing.domain import demo_news
from briefing.domain.demo_calendars import Calendar, calendar_code, session_calendar, session_ts
from briefing.domain.models import DEMO_SOURCE, Bar, Listing, NewsItem, Quote
from briefing.domain.registry import load_registry

DEFAULT_SEED = 20240601
HISTORY_DAYS = 1096  # about three years of daily bars
INTRADAY_MINUTES = 5
FEED_TITLE = demo_news.FEED_TITLE
# `.invalid` never resolves (RFC 2606): a fetcher that tried it would fail, never reach anyone.
FEED_URL = "https://demo.invalid/china-ai-briefing/news.xml"

USDHKD_CENTRE, USDHKD_LOW, USDHKD_HIGH = 7.80, 7.77, 7.83  # inside the 7.75-7.85 peg band
MARKET_VOL = 0.018  # daily vol of the shared Hong Kong / China-tech factor
REVERSION = 0.015  # daily pull of each price path back towards its trend (half-life ~6 weeks)

@dataclass(frozen=True)
class _Driver:
    """One latent price path: a company (its HK line) or a benchmark."""

    key: str  # company id, or the benchmark's symbol
    target: float  # level at `end` (in the HK line's / the fund's currency)
    start_level: float  # level three years earlier (the bridge pins both ends)
    vol: float  # daily vol
    beta: float  # loading on the market factor


# Levels from late 2026 as the brief asked for; start levels roughly where they were in late 2023.
_DRIVERS = (
    _Driver("baidu", 115.0, 105.0, 0.030, 1.05),
    _Driver("alibaba", 160.0, 72.0, 0.030, 1.15),
    _Driver("tencent", 620.0, 300.0, 0.025, 0.95),
    _Driver("sensetime", 2.0, 1.4, 0.045, 1.2),
    _Driver("2800.HK", 25.0, 17.5, 0.014, 0.75),
    _Driver("KWEB", 36.0, 27.0, 0.024, 1.2),
)

# Median daily volume in shares / ADS.
_MEDIAN_VOLUME = {
    "9888.HK": 7_000_000, "9988.HK": 55_000_000, "0700.HK": 18_000_000, "0020.HK": 250_000_000,
    "2800.HK": 40_000_000, "BIDU": 3_000_000, "BABA": 14_000_000, "TCEHY": 1_800_000,
    "KWEB": 15_000_000,
}


@dataclass(frozen=True)
class DemoDataset:
    """Everything `--demo` puts in the cache (see the module docstring for the conventions)."""

    end: date  # the date asked for; the last session of each listing is on or before it
    seed: int
    daily: dict[str, list[Bar]]  # symbol -> daily bars, oldest first
    intraday: dict[str, list[Bar]]  # symbol -> 5-minute bars of the last sessions, oldest first
    quotes: list[Quote]
    news: list[NewsItem]
    feed_title: str
    feed_url: str
    watchlists: list[tuple[str, bool, tuple[str, ...]]]  # (name, pinned, symbols)

    @property
    def symbols(self) -> list[str]:
        return list(self.daily)


# ----- random numbers --------------------------------------------------------------------------
def _rng(seed: int, *names: str):
    """A generator of its own for each part, keyed by name: adding a listing moves nothing else."""
    import numpy as np

    return np.random.default_rng([seed, *(zlib.crc32(n.encode()) for n in names)])


def _shocks(rng, n: int, df: float = 5.0):
    """Fat-tailed (Student t) shocks scaled to unit variance."""
    return rng.standard_t(df, n) / math.sqrt(df / (df - 2.0))


# ----- prices ----------------------------------------------------------------------------------
def _hk_tick(price: float) -> float:
    """HKEX spread table (part A)."""
    for limit, tick in ((0.25, 0.001), (0.5, 0.005), (10, 0.01), (20, 0.02), (100, 0.05),
                        (200, 0.1), (500, 0.2), (1000, 0.5), (2000, 1.0), (5000, 2.0)):
        if price < limit:
            return tick
    return 5.0


def _rounder(listing: Listing):
    if listing.kind == "fx":
        return lambda p: round(p, 4)
    if listing.currency == "HKD":
        def hk(p: float) -> float:
            tick = _hk_tick(p)
            return round(round(p / tick) * tick, 6)
        return hk
    return lambda p: round(p, 2)


def _market(seed: int, n: int):
    """The shared factor's daily returns and its volatility multiplier (GARCH(1,1)-like)."""
    import numpy as np

    rng = _rng(seed, "market")
    z = _shocks(rng, n)
    alpha, beta = 0.08, 0.90
    h = np.empty(n)
    h_prev, e_prev = 1.0, 0.0
    for t in range(n):
        h_prev = (1 - alpha - beta) + alpha * e_prev**2 + beta * h_prev
        h[t] = h_prev
        e_prev = math.sqrt(h_prev) * z[t]
    level = np.sqrt(h)
    return MARKET_VOL * level * z, level


def _bridge(log_returns, start_level: float, target: float):
    """Cumulate returns into a path and tilt it so it runs from `start_level` to `target`.

    The path is pulled gently back towards the straight line, so a
    three-year demo chart swings like a stock without wandering off to implausible levels.
    """
    import numpy as np

    path = np.empty(len(log_returns))
    x = 0.0
    for t, r in enumerate(log_returns.tolist()):
        x = 0.0 if t == 0 else (1.0 - REVERSION) * x + r
        path[t] = x
    n = len(path) - 1
    frac = np.arange(len(path)) / max(n, 1)
    path = path - frac * path[-1]
    return np.exp(path + math.log(start_level) + frac * (math.log(target) - math.log(start_level)))


def _latent_paths(seed: int, days: list[date]) -> dict[str, dict[date, float]]:
    import numpy as np

    n = len(days)
    market, level = _market(seed, n)
    paths = {}
    for d in _DRIVERS:
        idio_vol = math.sqrt(max(d.vol**2 - (d.beta * MARKET_VOL) ** 2, (0.2 * d.vol) ** 2))
        rets = d.beta * market + idio_vol * np.sqrt(level) * _shocks(_rng(seed, "latent", d.key), n)
        start_level = d.start_level * math.exp(_rng(seed, "start", d.key).normal(0.0, 0.1))
        paths[d.key] = dict(zip(days, _bridge(rets, start_level, d.target).tolist()))
    return paths


def _usdhkd(seed: int, days: list[date]) -> dict[date, float]:
    """A mean-reverting walk inside the peg band."""
    rng = _rng(seed, "usdhkd")
    x, out = USDHKD_CENTRE + 0.01, {}
    for d, e in zip(days, rng.normal(0.0, 0.0025, len(days)).tolist()):
        x = min(max(x + 0.03 * (USDHKD_CENTRE - x) + e, USDHKD_LOW), USDHKD_HIGH)
        out[d] = x
    return out


def _premium(seed: int, symbol: str, days: list[date]) -> dict[date, float]:
    """The ADR's premium over its HK line: persistent noise within +-1%."""
    rng = _rng(seed, "premium", symbol)
    p, out = 0.0, {}
    for d, e in zip(days, rng.normal(0.0, 0.0015, len(days)).tolist()):
        p = min(max(0.85 * p + e, -0.009), 0.009)
        out[d] = p
    return out


@dataclass
class _Day:
    """A daily bar being built (floats unrounded until the end)."""

    session: date
    open: float
    high: float
    low: float
    close: float
    volume: int | None


def _ohlcv(rng, sessions: list[date], closes: list[float], vol: float, median_volume: int | None) -> list[_Day]:
    """Opens that carry part of the day's move as an overnight gap; highs and lows around them."""
    n = len(closes)
    gap_share = rng.uniform(0.2, 0.6, n).tolist()
    gap_noise = rng.normal(0.0, 0.3 * vol, n).tolist()
    wick_hi = abs(rng.normal(0.0, 0.5 * vol, n)).tolist()
    wick_lo = abs(rng.normal(0.0, 0.5 * vol, n)).tolist()
    vol_noise = rng.normal(0.0, 0.35, n).tolist()
    out = []
    for i, (d, c) in enumerate(zip(sessions, closes)):
        prev = closes[i - 1] if i else c
        move = math.log(c / prev)
        o = prev * math.exp(gap_share[i] * move + gap_noise[i])
        hi = max(o, c) * math.exp(wick_hi[i])
        lo = min(o, c) * math.exp(-wick_lo[i])
        v = None
        if median_volume:
            v = int(median_volume * math.exp(vol_noise[i]) * (1.0 + 6.0 * abs(move)) / 100) * 100
        out.append(_Day(d, o, hi, lo, c, v))
    return out


def _intraday(rng, day: _Day, windows: list[tuple[int, int]], vol: float, rnd) -> list[Bar]:
    """5-minute bars over the session windows that open at the day's open and end at its close."""
    import numpy as np

    step = INTRADAY_MINUTES * 60
    starts = [t for a, b in windows for t in range(a, b, step)]
    n = len(starts)
    sigma = 0.8 * vol / math.sqrt(n)
    walk = np.concatenate([[0.0], np.cumsum(rng.normal(0.0, sigma, n))])
    frac = np.arange(n + 1) / n
    logp = math.log(day.open) + frac * (math.log(day.close) - math.log(day.open)) + walk - frac * walk[-1]
    prices = [rnd(p) for p in np.exp(logp).tolist()]
    prices[0], prices[-1] = rnd(day.open), rnd(day.close)
    wick = np.abs(rng.normal(0.0, 0.35 * sigma, (2, n))).tolist()
    volumes = [None] * n
    if day.volume:
        # U-shaped: busy at the open and the close, quiet around midday.
        x = np.linspace(-1.0, 1.0, n)
        weights = (1.0 + 1.8 * x**2) * np.exp(rng.normal(0.0, 0.3, n))
        volumes = (np.floor(day.volume * weights / weights.sum() / 100) * 100).astype(int).tolist()
    bars = []
    for k, ts in enumerate(starts):
        o, c = prices[k], prices[k + 1]
        hi = rnd(max(o, c) * math.exp(wick[0][k]))
        lo = rnd(min(o, c) * math.exp(-wick[1][k]))
        bars.append(Bar(ts, o, max(hi, o, c), min(lo, o, c), c, c, volumes[k]))
    return bars


def _finish(day: _Day, rnd, intraday: list[Bar] | None, tz: str) -> Bar:
    o, c = rnd(day.open), rnd(day.close)
    if intraday:
        hi, lo = max(b.high for b in intraday), min(b.low for b in intraday)
        volume = sum(b.volume for b in intraday) if day.volume is not None else None
    else:
        hi, lo, volume = rnd(day.high), rnd(day.low), day.volume
    return Bar(session_ts(day.session, tz), o, max(hi, o, c), min(lo, o, c), c, c, volume)


def _first_day(listing: Listing) -> date | None:
    days = [d for d in (listing.listed_on, listing.history_from) if d is not None]
    return max(days) if days else None


# ----- news ------------------------------------------------------------------------------------
# ----- the dataset -----------------------------------------------------------------------------
def _demo_listings() -> list[Listing]:
    registry = load_registry()
    company = [l for c in registry.companies for l in registry.company_listings(c.id)]
    others = [l for l in registry.listings if l.company_id is None]
    return company + others


def generate(end: date, seed: int = DEFAULT_SEED) -> DemoDataset:
    """The demo dataset for sessions up to `end`; the same `(end, seed)` gives the same dataset."""
    listings = _demo_listings()
    start = end - timedelta(days=HISTORY_DAYS)
    weekdays = [start + timedelta(days=i) for i in range(HISTORY_DAYS + 1)]
    weekdays = [d for d in weekdays if d.weekday() < 5]

    latent = _latent_paths(seed, weekdays)
    usdhkd = _usdhkd(seed, weekdays)
    calendars: dict[str, Calendar] = {}
    vols = {d.key: d.vol for d in _DRIVERS}

    daily: dict[str, list[Bar]] = {}
    intraday: dict[str, list[Bar]] = {}
    quotes: list[Quote] = []
    for listing in listings:
        code = calendar_code(listing)
        if code not in calendars:
            calendars[code] = session_calendar(code, start, end)
        cal = calendars[code]
        first = _first_day(listing)
        sessions = [d for d in cal.sessions if first is None or d >= first]
        if not sessions:
            continue
        sym = listing.symbol
        if listing.kind == "fx":
            closes, vol = [usdhkd[d] for d in sessions], 0.0006
        elif listing.kind == "adr":
            ratio = listing.adr_ratio or 1.0
            premium = _premium(seed, sym, weekdays)
            hk = latent[listing.company_id]
            closes = [hk[d] * ratio / usdhkd[d] * (1.0 + premium[d]) for d in sessions]
            vol = vols[listing.company_id]
        else:
            key = listing.company_id or sym
            closes, vol = [latent[key][d] for d in sessions], vols[key]
        rng = _rng(seed, "bars", sym)
        days = _ohlcv(rng, sessions, closes, vol, _MEDIAN_VOLUME.get(sym))
        rnd = _rounder(listing)
        tz = listing.timezone
        five: list[Bar] = []
        bars = []
        for day in days:
            windows = cal.windows.get(day.session)
            bars5 = _intraday(rng, day, windows, vol, rnd) if windows else None
            if bars5:
                five.extend(bars5)
            bars.append(_finish(day, rnd, bars5, tz))
        daily[sym], intraday[sym] = bars, five
        quotes.append(_quote(listing, bars, five))

    watchlists = _watchlists(listings)
    return DemoDataset(
        end=end, seed=seed, daily=daily, intraday=intraday, quotes=quotes,
        news=demo_news.generate(_rng(seed, "news"), end),
        feed_title=FEED_TITLE, feed_url=FEED_URL, watchlists=watchlists,
    )


def _quote(listing: Listing, bars: list[Bar], five: list[Bar]) -> Quote:
    last = bars[-1]
    year = [b for b in bars if b.ts > last.ts - 365 * 86_400]
    as_of = (five[-1].ts + INTRADAY_MINUTES * 60) if five else last.ts
    return Quote(
        symbol=listing.symbol, last=last.close, as_of=as_of, source=DEMO_SOURCE,
        previous_close=bars[-2].close if len(bars) > 1 else None, day_low=last.low, day_high=last.high,
        volume=last.volume, year_low=min(b.low for b in year), year_high=max(b.high for b in year),
        currency=listing.currency, fetched_at=as_of,
    )


def _watchlists(listings: list[Listing]) -> list[tuple[str, bool, tuple[str, ...]]]:
    company = tuple(l.symbol for l in listings if l.company_id)
    return [
        ("China AI", True, company),
        ("HK lines", False, tuple(s for s in company if s.endswith(".HK"))),
        ("US ADRs", False, tuple(l.symbol for l in listings if l.kind == "adr")),
    ]
