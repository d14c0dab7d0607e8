"""Cache-first prices: read the store, fetch only the gap, upsert, remember what was asked.

Used by the poller (on worker threads), the CLI and the benchmarks; no Qt. For each series the
store keeps the span already asked for (`FetchState.covered_from/to`): a read inside it never
touches the network, a read past it asks only for the missing part, and the tail is asked again
only when a session has traded since (so a weekend or a holiday costs nothing). A session that is
still trading, or closed less than `SETTLE_S` ago, is never counted as covered: its bars are
asked for again until they are final.
"""

from __future__ import annotations

import logging
import threading
import time
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from briefing.domain import market_hours
from briefing.domain.bar_time import day_ts, is_daily, ts_day
from briefing.domain.models import Listing, Quote
from briefing.domain.price_state import QUOTE
from briefing.sources import errors
from briefing.sources.base import PriceHistory, PriceSource

log = logging.getLogger(__name__)

SETTLE_S = 30 * 60  # a session's bars may still change this long after its close
UNKNOWN_SYMBOL_PAUSE_S = 6 * 3600  # do not ask again about a symbol Yahoo does not know for this long
FX_SYMBOL = "HKD=X"
YAHOO_EXCHANGES = {  # Yahoo's exchange codes -> ours (for symbols outside the registry)
    "HKG": "XHKG", "NYQ": "XNYS", "PCX": "XNYS", "ASE": "XNYS", "NMS": "XNAS", "NGM": "XNAS",
    "NCM": "XNAS", "NAS": "XNAS", "PNK": "OTC", "OQB": "OTC", "OQX": "OTC", "CCY": "FX",
}


@dataclass(frozen=True)
class PriceSettings:
    """Polling settings, declared once; each can be overridden in `store.settings` (key: prices.NAME)."""

    requests_per_minute: int = 60
    quote_interval_s: float = 15.0
    fx_quote_interval_s: float = 60.0
    intraday_interval: str = "5m"
    intraday_every_s: float = 300.0
    daily_check_s: float = 600.0
    history_years: int = 10
    intraday_days: int = 5

    @classmethod
    def load(cls, store) -> PriceSettings:
        from briefing.domain.preferences import BY_KEY, Preferences

        prefs = Preferences.of(store)
        values = {}
        for name, default in cls().__dict__.items():
            if f"prices.{name}" in BY_KEY:  # declared (and validated) in domain/preferences.py
                values[name] = type(default)(prefs.get(f"prices.{name}"))
                continue
            value = store.settings.get(f"prices.{name}", default)
            try:
                values[name] = type(default)(value)
            except (TypeError, ValueError):
                values[name] = default
        return cls(**values)


@dataclass(frozen=True)
class FetchOutcome:
    """What one `ensure_bars` did: bars written, the ranges asked, or why it did nothing."""

    symbol: str
    interval: str
    new_bars: int = 0
    asked: tuple[tuple[int, int], ...] = ()
    error: errors.SourceError | None = None
    skipped: str = ""  # "" | "cached" | "in flight" | "paused"
    notes: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.error is None


class PriceRefresher:
    """The one place that decides what to ask a price source for, and records what it answered."""

    def __init__(self, store, source: PriceSource, *, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.source = source
        self.clock = clock
        self._in_flight: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    # ----- which listings -------------------------------------------------------------------------
    def listing(self, symbol: str) -> Listing:
        return self.store.instruments.listing(symbol) or market_hours.guess_listing(symbol)

    def tracked_symbols(self) -> list[str]:
        """Every watchlist member, plus USD/HKD (the premium needs it)."""
        seen: dict[str, None] = {}
        for w in self.store.watchlists.all():
            for s in w.symbols:
                seen.setdefault(s, None)
        seen.setdefault(FX_SYMBOL, None)
        return list(seen)

    def _remember_listing(self, symbol: str, history: PriceHistory) -> None:
        """A symbol outside the registry: keep a listing made from what the source said about it."""
        info = history.info
        if self.store.instruments.listing(symbol) is not None or info is None or not info.timezone:
            return
        exchange = YAHOO_EXCHANGES.get(info.exchange, info.exchange or "")
        listing = Listing(symbol, exchange, info.currency or "", info.timezone, name_en=info.name or symbol,
                          kind="fx" if exchange == "FX" else "ordinary")
        self.store.instruments.upsert([], [listing])

    # ----- in-flight guard --------------------------------------------------------------------------
    def _claim(self, key: tuple[str, str]) -> bool:
        with self._lock:
            if key in self._in_flight:
                return False
            self._in_flight.add(key)
            return True

    def _release(self, key: tuple[str, str]) -> None:
        with self._lock:
            self._in_flight.discard(key)

    # ----- coverage -------------------------------------------------------------------------------
    def _settled(self, listing: Listing, interval: str, now: float) -> int:
        """Up to when bars are final: the open of a session still trading (or just closed), else now."""
        code = market_hours.calendar_code(listing)
        if code in (market_hours.FX, market_hours.GENERIC):
            return day_ts(ts_day(int(now), "UTC"), "UTC") if code == market_hours.FX else int(now) - SETTLE_S
        s = market_hours.schedule(code)
        i = bisect_right(s.closes, now - SETTLE_S)
        if i < len(s.opens) and s.opens[i] <= now:
            return s.opens[i] if is_daily(interval) else max(s.opens[i], int(now) - SETTLE_S)
        return int(now)

    def _new_data_possible(self, listing: Listing, since: int, now: float) -> bool:
        code = market_hours.calendar_code(listing)
        if code == market_hours.FX:
            return now - since > 3600
        return market_hours.opened_between(code, since, now)

    def gaps(self, symbol: str, interval: str, start: int, end: int) -> list[tuple[int, int]]:
        """The parts of [start, end) not yet asked for (and not pointless to ask for)."""
        listing = self.listing(symbol)
        start = max(start, self._history_floor(listing))
        end = min(end, int(self.clock()) + 1)
        if start >= end:
            return []
        state = self.store.prices.state.get(symbol, interval)
        if state is None or state.covered_from is None or state.covered_to is None:
            return [(start, end)]
        out = []
        if start < state.covered_from:
            out.append((start, min(end, state.covered_from)))
        if end > state.covered_to and self._new_data_possible(listing, state.covered_to, end):
            tail = state.covered_to
            if is_daily(interval) and listing.timezone:
                tail = day_ts(ts_day(tail, listing.timezone), listing.timezone)  # that session's bar
            out.append((max(start, tail), end))
        return [(a, b) for a, b in out if a < b]

    @staticmethod
    def _history_floor(listing: Listing) -> int:
        """Bars before `history_from` belong to another company that used the same code."""
        floor = listing.history_from
        return day_ts(floor, listing.timezone) if floor and listing.timezone else -(2**62)

    # ----- bars -----------------------------------------------------------------------------------
    def ensure_bars(self, symbol: str, interval: str, start: int, end: int | None = None, *,
                    force: bool = False) -> FetchOutcome:
        """Make the cache hold [start, end) of this series, asking the source only for the gaps."""
        now = self.clock()
        end = int(now) + 1 if end is None else end
        state = self.store.prices.state.get(symbol, interval)
        if not force and state is not None and state.error_kind == errors.UnknownSymbol.kind \
                and state.retry_after and now < state.retry_after:
            return FetchOutcome(symbol, interval, skipped="paused", error=errors.UnknownSymbol(symbol=symbol))
        gaps = self.gaps(symbol, interval, start, end)
        if not gaps:
            return FetchOutcome(symbol, interval, skipped="cached")
        key = (symbol, interval)
        if not self._claim(key):
            return FetchOutcome(symbol, interval, skipped="in flight")
        try:
            return self._fetch_gaps(symbol, interval, gaps)
        finally:
            self._release(key)

    def _fetch_gaps(self, symbol: str, interval: str, gaps: list[tuple[int, int]]) -> FetchOutcome:
        listing = self.store.instruments.listing(symbol)
        tz = listing.timezone if listing is not None else ""
        written, notes = 0, []
        for a, b in gaps:
            started = time.perf_counter()
            try:
                history = self.source.history(symbol, interval, a, b, tz=tz)
            except errors.NoData:
                history = None  # answered: nothing in this range (a holiday, before the listing)
            except errors.SourceError as exc:
                self._record_error(symbol, interval, exc)
                return FetchOutcome(symbol, interval, written, tuple(gaps), error=exc, notes=tuple(notes))
            if history is not None:
                if listing is None:
                    self._remember_listing(symbol, history)
                    listing = self.store.instruments.listing(symbol)
                written += self._store_history(history, listing)
                notes += history.notes
            settled = self._settled(listing or self.listing(symbol), interval, self.clock())
            self.store.prices.state.record_success(symbol, interval, int(self.clock()), (a, min(b, settled)))
            self.store.fetch_log.record(self.source.name, f"{symbol} {interval}", True,
                                        f"{0 if history is None else len(history.bars)} bars",
                                        int((time.perf_counter() - started) * 1000))
        return FetchOutcome(symbol, interval, written, tuple(gaps), notes=tuple(notes))

    def _store_history(self, history: PriceHistory, listing: Listing | None) -> int:
        floor = self._history_floor(listing) if listing is not None else -(2**62)
        bars = [b for b in history.bars if b.ts >= floor]
        actions = [x for x in history.actions if x.ts >= floor]
        n = self.store.prices.upsert_bars(history.symbol, history.interval, bars, self.source.name) if bars else 0
        if actions and is_daily(history.interval):
            self.store.prices.actions.upsert(history.symbol, actions, self.source.name)
        return n

    def _record_error(self, symbol: str, interval: str, exc: errors.SourceError) -> None:
        now = int(self.clock())
        retry = None
        if isinstance(exc, errors.RateLimited):
            retry = now + int(exc.retry_after)
        elif isinstance(exc, errors.UnknownSymbol):
            retry = now + UNKNOWN_SYMBOL_PAUSE_S
        self.store.prices.state.record_error(symbol, interval, exc.kind, exc.text, now, retry)
        self.store.fetch_log.record(self.source.name, f"{symbol} {interval}", False, exc.text)

    def read_bars(self, symbol: str, interval: str, start: int, end: int | None = None, *,
                  fetch: bool = True) -> dict[str, tuple]:
        """Cache first: fetch the gap if any (and allowed), then read the columns from the store."""
        if fetch:
            self.ensure_bars(symbol, interval, start, end)
        return self.store.prices.columns(symbol, interval, start, end)

    def refresh_daily(self, symbol: str, *, force: bool = False) -> FetchOutcome:
        years = PriceSettings.load(self.store).history_years
        return self.ensure_bars(symbol, "1d", int(self.clock()) - int(years * 365.25 * 86400), force=force)

    def refresh_intraday(self, symbol: str, interval: str = "5m", days: int = 5) -> FetchOutcome:
        return self.ensure_bars(symbol, interval, int(self.clock()) - days * 86400)

    # ----- quotes ---------------------------------------------------------------------------------
    def refresh_quotes(self, symbols: Sequence[str]) -> dict[str, Quote | errors.SourceError]:
        """Latest quotes for `symbols` in as few requests as the source allows; errors per symbol.

        Raises when the source could not be reached at all (offline, rate limited, timeout), after
        recording that error against every symbol, so the caller backs off.
        """
        symbols = [s for s in dict.fromkeys(symbols) if self._claim((s, QUOTE))]
        if not symbols:
            return {}
        try:
            try:
                answers = self.source.quotes(symbols)
            except errors.SourceError as exc:
                for s in symbols:
                    self._record_error(s, QUOTE, exc)
                raise
            quotes = [q for q in answers.values() if isinstance(q, Quote)]
            if quotes:
                self.store.prices.upsert_quotes(quotes)
            now = int(self.clock())
            for s in symbols:
                answer = answers.get(s)
                if isinstance(answer, Quote):
                    self.store.prices.state.record_success(s, QUOTE, now)
                elif isinstance(answer, errors.SourceError):
                    self._record_error(s, QUOTE, answer)
            return {s: answers[s] for s in symbols if s in answers}
        finally:
            for s in symbols:
                self._release((s, QUOTE))


def group_by_calendar(listings: Iterable[Listing]) -> dict[str, list[str]]:
    """Symbols by the calendar that says when they trade (the poller runs one job per group)."""
    groups: dict[str, list[str]] = {}
    for listing in listings:
        groups.setdefault(market_hours.calendar_code(listing), []).append(listing.symbol)
    return groups


def yahoo_source_for(paths, store):
    """The app's Yahoo source: its budget from the settings, yfinance's cache in the profile, and
    the loopback replay server of `BRIEFING_YAHOO_REPLAY` when one is set."""
    from briefing.sources.budget import RequestBudget
    from briefing.sources.loopback import loopback_session, replay_url_from_env
    from briefing.sources.yahoo import YahooSource

    budget = RequestBudget(PriceSettings.load(store).requests_per_minute)
    replay = replay_url_from_env()
    session = loopback_session(replay, budget) if replay else None
    return YahooSource(session, budget=budget, cache_dir=paths.yfinance_cache_dir)
