"""Yahoo Finance through yfinance: bars, corporate actions and latest quotes, bounded and typed.

The HTTP session is injected (tests replay recorded Yahoo bodies through the real yfinance code by
mounting an adapter on a `BoundedSession`); by default a curl_cffi session with a browser
fingerprint is made. Every call runs inside the session's `call(deadline)`, so yfinance's own
time-zone and cookie/crumb requests are bounded too, and every request spends the shared
`RequestBudget`. yfinance's failures ("possibly delisted" means many things) are mapped onto
`briefing.sources.errors` using the exception *and* the HTTP statuses the call saw.

yfinance keeps one process-wide session (`YfData`); each call re-installs ours. Its in-process
response cache (`YfData.cache_get`) is cleared after any failure so that one bad answer (a 5xx
to the time-zone look-up) is not served again for the rest of the session.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

from briefing.domain.models import Quote
from briefing.sources import errors
from briefing.sources.base import INTRADAY_INTERVALS, PriceHistory
from briefing.sources.budget import BudgetExhausted, RequestBudget
from briefing.sources.http_session import BoundedSession, CallTrace, bounded_curl_session

log = logging.getLogger(__name__)

CHART_PATH = "/v8/finance/chart/"
QUOTE_URL = "https://query1.finance.yahoo.com/v7/finance/quote"
CHART_URL = "https://query2.finance.yahoo.com/v8/finance/chart/"
# How far back Yahoo serves each intraday interval (asking for more is an error, not less data).
INTRADAY_LOOKBACK_S = {"1m": 7 * 86400, "5m": 59 * 86400, "15m": 59 * 86400, "60m": 729 * 86400}
QUOTE_BATCH = 40  # symbols per v7 quote request
TOKENS_PER_CALL = 2  # what a call usually costs (cookie/crumb and time zone are cached after the first)

_configure_lock = threading.Lock()
_configured_cache: list[str | None] = []


def configure_yfinance(cache_dir: Path | None) -> None:
    """Raise errors instead of logging them, no hidden retries, and its cache in our profile.

    Safe to call again with another directory (tests do): yfinance's cache objects are reset so
    they reopen in the new place instead of the first one.
    """
    import warnings

    import yfinance as yf
    from yfinance import cache as yf_cache

    with _configure_lock:
        # yfinance 1.7 trips pandas 3's deprecations on every call (and re-enables them at import).
        warnings.filterwarnings("ignore", category=DeprecationWarning, module="yfinance")
        yf.config.debug.hide_exceptions = False
        yf.config.network.retries = 0
        logging.getLogger("yfinance").setLevel(logging.CRITICAL)  # we report failures ourselves
        wanted = str(cache_dir) if cache_dir is not None else None
        if wanted is not None and _configured_cache != [wanted]:
            Path(wanted).mkdir(parents=True, exist_ok=True)
            yf_cache.set_cache_location(wanted)
            yf_cache._TzCacheManager._tz_cache = None
            yf_cache._CookieCacheManager._Cookie_cache = None
            yf_cache._ISINCacheManager._isin_cache = None
            _configured_cache[:] = [wanted]


def default_session(budget: RequestBudget):
    return bounded_curl_session(budget) or BoundedSession(budget)


class YahooSource:
    """A `PriceSource` over yfinance. Thread-safe; one per process (yfinance's session is global)."""

    name = "yahoo"

    def __init__(self, session=None, *, budget: RequestBudget | None = None, cache_dir: Path | None = None,
                 deadline_s: float = 25.0, clock=time.time) -> None:
        self.budget = budget or getattr(session, "budget", None) or RequestBudget()
        if session is not None and getattr(session, "budget", None) is not self.budget and hasattr(session, "budget"):
            session.budget = self.budget
        self._session = session
        self._cache_dir = cache_dir
        self.deadline_s = deadline_s
        self.clock = clock  # "now" for intraday look-back limits and quotes' fetched_at
        self._ready = False
        self._lock = threading.Lock()

    # ----- set-up (lazy: importing yfinance costs ~0.5 s) -------------------------------------
    def _data(self):
        with self._lock:
            if not self._ready:
                configure_yfinance(self._cache_dir)
                if self._session is None:
                    self._session = default_session(self.budget)
                from yfinance.data import YfData

                YfData.cache_get.cache_clear()
                self._ready = True
        from yfinance.data import YfData

        return YfData(session=self._session)

    def warm(self) -> None:
        """Import and configure yfinance now (off the GUI thread), not during the first fetch."""
        self._data()
        import yfinance.scrapers.history  # noqa: F401 - pandas and the price code

    def close(self) -> None:
        """Make any request still to come fail at once (the app is quitting)."""
        shut = getattr(self._session, "shut_down", None)
        if shut is not None:
            shut()

    @property
    def session(self):
        self._data()
        return self._session

    def _check_budget(self, symbol: str | None) -> None:
        wait = self.budget.wait_time(TOKENS_PER_CALL)
        if wait > 0:
            why = "the server asked us to wait" if self.budget.closed_for > 0 else "request budget spent"
            raise errors.RateLimited(why, retry_after=wait, symbol=symbol, local=True)

    def _failed(self, exc: BaseException, trace: CallTrace, symbol: str | None) -> errors.SourceError:
        from yfinance.data import YfData

        YfData.cache_get.cache_clear()
        err = classify(exc, trace, symbol, self.budget)
        log.info("yahoo %s failed: %s (%s)", symbol or "quotes", err.kind, err.detail)
        return err

    # ----- bars ----------------------------------------------------------------------------------
    def history(self, symbol: str, interval: str, start: int, end: int, *, tz: str = "") -> PriceHistory:
        """Bars with `start <= ts < end`; daily ones dated at midnight of the session in `tz`."""
        import yfinance as yf

        from briefing.sources.yahoo_frames import frame_to_history

        if interval in INTRADAY_INTERVALS:
            start = max(start, int(self.clock()) - INTRADAY_LOOKBACK_S[interval] + 60)
        if start >= end:
            raise errors.NoData("empty range", symbol=symbol)
        self._data()
        self._check_budget(symbol)
        with self._session.call(self.deadline_s) as trace:
            try:
                ticker = yf.Ticker(symbol, session=self._session)
                df = ticker.history(
                    start=datetime.fromtimestamp(start, timezone.utc), end=datetime.fromtimestamp(end, timezone.utc),
                    interval=interval, auto_adjust=False, actions=True, repair=False, timeout=10)
                meta = dict(ticker._price_history._history_metadata or {}) if ticker._price_history else {}
            except Exception as exc:  # noqa: BLE001 - every failure becomes a typed one
                raise self._failed(exc, trace, symbol) from exc
        series_tz = tz or meta.get("exchangeTimezoneName") or "UTC"
        if df.empty:
            raise errors.NoData(f"{interval} bars", symbol=symbol)
        return frame_to_history(symbol, interval, df, meta, tz=series_tz, start=start, end=end)

    # ----- quotes --------------------------------------------------------------------------------
    def quotes(self, symbols: Sequence[str]) -> dict[str, Quote | Exception]:
        """Latest quotes, several symbols per request (v7 quote); the chart's meta for the rest."""
        from briefing.sources.yahoo_frames import quote_from_v7

        data = self._data()
        out: dict[str, Quote | Exception] = {}
        for i in range(0, len(symbols), QUOTE_BATCH):
            batch = list(symbols[i:i + QUOTE_BATCH])
            self._check_budget(None)
            with self._session.call(self.deadline_s) as trace:
                try:
                    body = data.get_raw_json(QUOTE_URL, params={"symbols": ",".join(batch), "formatted": "false"},
                                             timeout=10)
                    rows = (body.get("quoteResponse") or {}).get("result") or []
                except Exception as exc:  # noqa: BLE001
                    err = self._failed(exc, trace, None)
                    if isinstance(err, (errors.Offline, errors.SourceTimeout, errors.RateLimited)):
                        raise err from exc
                    rows = []  # v7 refused us (401, bad body): ask the chart endpoint instead
            now = int(self.clock())
            for row in rows:
                if isinstance(row, dict) and row.get("symbol") in batch:
                    q = quote_from_v7(row, now)
                    if q is not None:
                        out[q.symbol] = q
            for symbol in batch:
                if symbol not in out:
                    out[symbol] = self._quote_from_chart(symbol)
        return out

    def _quote_from_chart(self, symbol: str) -> Quote | Exception:
        from briefing.sources.yahoo_frames import quote_from_chart_meta

        data = self._data()
        try:
            self._check_budget(symbol)
        except errors.RateLimited as exc:
            return exc
        with self._session.call(self.deadline_s) as trace:
            try:
                response = data.get(CHART_URL + symbol, params={"range": "1d", "interval": "1d"}, timeout=10)
                if response.status_code == 404:
                    return errors.UnknownSymbol(symbol=symbol)
                if response.status_code == 429:
                    raise errors.RateLimited("HTTP 429", retry_after=trace.retry_after or self.budget.closed_for,
                                             symbol=symbol)
                if response.status_code >= 400:
                    return errors.BadResponse(f"HTTP {response.status_code}", symbol=symbol)
                result = ((response.json().get("chart") or {}).get("result") or [None])[0] or {}
                quote = quote_from_chart_meta(symbol, result.get("meta") or {}, int(self.clock()))
            except errors.RateLimited:
                raise
            except Exception as exc:  # noqa: BLE001
                err = self._failed(exc, trace, symbol)
                if isinstance(err, (errors.Offline, errors.SourceTimeout, errors.RateLimited)):
                    raise err from exc
                return err
        return quote if quote is not None else errors.NoData("no price in the chart answer", symbol=symbol)


def classify(exc: BaseException, trace: CallTrace, symbol: str | None,
             budget: RequestBudget | None = None) -> errors.SourceError:
    """The typed error for whatever yfinance (or the HTTP layer under it) raised."""
    from yfinance.exceptions import YFPricesMissingError, YFRateLimitError, YFTzMissingError

    if isinstance(exc, errors.SourceError):
        return exc
    if isinstance(exc, BudgetExhausted):
        return errors.RateLimited(exc.reason, retry_after=exc.wait, symbol=symbol, local=True)
    statuses = [s for _, s in trace.responses]
    data_statuses = trace.statuses(CHART_PATH) + trace.statuses("/v7/finance/quote")
    if isinstance(exc, YFRateLimitError) or 429 in statuses:
        wait = trace.retry_after if trace.retry_after is not None else (budget.closed_for if budget else 60.0)
        return errors.RateLimited("HTTP 429", retry_after=wait, symbol=symbol)
    names = {c.__name__ for c in type(exc).__mro__}
    if names & {"Timeout", "TimeoutError", "DeadlineExceeded"}:
        return errors.SourceTimeout(str(exc)[:120], symbol=symbol)
    if names & {"ConnectionError", "DNSError"}:
        return errors.Offline(_first_line(exc), symbol=symbol)
    if data_statuses and data_statuses[-1] == 404:
        return errors.UnknownSymbol(symbol=symbol)
    if isinstance(exc, YFTzMissingError):
        return errors.UnknownSymbol(symbol=symbol)
    if isinstance(exc, YFPricesMissingError):
        reason = (exc.yahoo_reason or "").strip()
        if "delisted" in reason.lower() or "not found" in reason.lower():
            return errors.UnknownSymbol(reason, symbol=symbol)
        return errors.NoData(reason, symbol=symbol)
    if data_statuses and data_statuses[-1] >= 400:
        return errors.BadResponse(f"HTTP {data_statuses[-1]}", symbol=symbol)
    return errors.BadResponse(f"{type(exc).__name__}: {_first_line(exc)}", symbol=symbol)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:160] if text else type(exc).__name__
