"""Live prices in the app: quote, intraday and daily jobs per market, on the `Scheduler`.

Per exchange calendar (XHKG, XNYS, XNAS, FX...) three jobs run off the GUI thread:
- quotes every `quote_interval_s` (15 s) while that market is open, plus one after each close
  (the final price) and one at start-up when it is closed (the last price);
- intraday bars every `intraday_every_s` while open;
- daily bars checked every `daily_check_s`: the first run backfills `history_years`, later ones
  fetch only after a session has closed (the refresher asks only for the gap).
All Yahoo traffic shares one `RequestBudget`; a job whose request failed backs off exponentially
with jitter (the scheduler), never before a 429's Retry-After; nothing runs while the server has
asked us to be quiet. Results reach the panels through the store's change notifications.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from briefing.domain import market_hours
from briefing.process_tuning import loading_for_good
from briefing.domain.price_state import ERROR_WORDS, RATE_LIMITED
from briefing.services.price_refresh import PriceRefresher, PriceSettings, group_by_calendar
from briefing.services.scheduler import Job, Scheduler
from briefing.services.tasks import TaskRunner
from briefing.sources import errors
from briefing.sources.base import PriceSource

log = logging.getLogger(__name__)

CLOSING_QUOTE_AFTER_S = 15 * 60  # HKEX's closing auction ends ~16:10: ask for the final price after it
UNIVERSE_EVERY_S = 30.0
KINDS = ("quotes", "intraday", "daily")
# Bars (intraday and daily: pandas work for every symbol) are first fetched this long after the
# quotes: what the user looks at first comes first, and the start-up's work is not piled on it
# (bench/soak.py's longest start-up stalls were the first bars, quotes and chart paints together).
FIRST_BARS_AFTER_S = 8.0


class PricePoller(QObject):
    """Owns a scheduler whose jobs keep the watched symbols' prices fresh while markets trade."""

    status = Signal(str)  # one line for the status bar when the state of the feed changes
    first_quotes = Signal()  # the first quotes job has ended, well or not (once): start-up's busiest part is over

    def __init__(self, store, source: PriceSource | Callable[[], PriceSource], *, runner: TaskRunner | None = None,
                 clock: Callable[[], float] = time.time, kinds: tuple[str, ...] = KINDS, seed: int | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        # Its own threads: a slow network must not queue the panels' reads behind it.
        self.runner = runner or TaskRunner(self, max_threads=2)
        self._own_runner = runner is None
        self._source_or_factory = source  # a PriceSource, or a function making one (called off the GUI thread)
        self.source = None
        self.clock = clock
        self.kinds = kinds
        self.settings = PriceSettings()
        self.refresher: PriceRefresher | None = None
        self.scheduler = Scheduler(self.runner, clock=clock, seed=seed, parent=self)
        self.scheduler.job_failed.connect(self._on_job_failed)
        self.groups: dict[str, list[str]] = {}
        self.ready = False
        self._last_ok: dict[str, float] = {}
        self._problem = ""
        self._stopped = False
        self._quoted = False

    # ----- life cycle ---------------------------------------------------------------------------
    def start(self) -> None:
        """Load settings, calendars and the watched symbols off the GUI thread, then start the jobs."""
        self.runner.run(self._prepare, self._on_prepared, self._on_prepare_failed, name="prices: prepare")

    def stop(self) -> None:
        """Stop the jobs; a fetch in flight is cut short at its next request."""
        self._stopped = True
        self.scheduler.stop()
        close = getattr(self.source, "close", None)
        if close is not None:
            close()
        if self._own_runner:
            self.runner.shutdown(3000)

    def _prepare(self):
        # The source's imports (yfinance, pandas: ~1 s) happen here, not inside the first fetch
        # nor on the GUI thread, with no collection among their objects (process_tuning).
        with loading_for_good():
            source = self._source_or_factory
            if not isinstance(source, PriceSource):
                source = source()
            warm = getattr(source, "warm", None)
            if warm is not None:
                warm()
        self.source = source
        self.refresher = PriceRefresher(self.store, source, clock=self.clock)
        settings = PriceSettings.load(self.store)
        groups = self._read_groups()
        market_hours.preload(tuple(c for c in groups if c not in (market_hours.FX, market_hours.GENERIC)))
        return settings, groups

    def _read_groups(self) -> dict[str, list]:
        """Watched listings by calendar (worker thread: the GUI thread never reads the store here)."""
        listings = [self.refresher.listing(s) for s in self.refresher.tracked_symbols()]
        by_symbol = {l.symbol: l for l in listings}
        return {code: [by_symbol[s] for s in symbols] for code, symbols in group_by_calendar(listings).items()}

    def _on_prepared(self, result) -> None:
        if self._stopped:
            return
        self.settings, groups = result
        budget = getattr(self.source, "budget", None)
        if budget is not None:
            budget.set_per_minute(self.settings.requests_per_minute)
        self.ready = True
        self.scheduler.add(Job("prices:universe", UNIVERSE_EVERY_S, self._read_groups, self._set_groups), run_now=False)
        self._set_groups(groups)
        self.scheduler.start()
        self.scheduler.tick()

    def _on_prepare_failed(self, error: BaseException) -> None:
        self.status.emit(f"Prices: could not start polling ({error})")
        self._quotes_ended("quotes:")

    def _quotes_ended(self, name: str) -> None:
        if not self._quoted and name.startswith("quotes:"):
            self._quoted = True
            self.first_quotes.emit()

    def _set_groups(self, groups: dict[str, list]) -> None:
        for code in set(self.groups) - set(groups):
            for kind in KINDS:
                self.scheduler.remove(f"{kind}:{code}")
        for code in groups:
            if not market_hours.is_loaded(code):
                continue  # a new exchange: the next universe run loads its calendar first
            self._add_jobs(code)
        self.groups = {c: s for c, s in groups.items() if market_hours.is_loaded(c)}
        missing = [c for c in groups if not market_hours.is_loaded(c)]
        if missing:
            self.runner.run(lambda: market_hours.preload(tuple(missing)), name="prices: calendars")

    def _add_jobs(self, code: str) -> None:
        s = self.settings
        specs = {
            "quotes": (s.fx_quote_interval_s if code == market_hours.FX else s.quote_interval_s,
                       lambda: self._quotes(code), lambda: self._quotes_may_run(code), 900.0),
            "intraday": (s.intraday_every_s, lambda: self._intraday(code), lambda: self._is_open(code), 3600.0),
            "daily": (s.daily_check_s, lambda: self._daily(code), self._budget_open, 3600.0),
        }
        for kind in self.kinds:
            name = f"{kind}:{code}"
            if self._has_job(name):
                continue
            interval, fn, may_run, cap = specs[kind]
            job = Job(name, interval, fn, on_result=lambda r, n=name: self._on_result(n, r), may_run=may_run,
                      max_backoff_s=cap)
            self.scheduler.add(job)
            if kind != "quotes":
                job.next_due = self.clock() + FIRST_BARS_AFTER_S

    def _has_job(self, name: str) -> bool:
        try:
            self.scheduler.job(name)
        except KeyError:
            return False
        return True

    # ----- when may a job run (GUI thread: cheap, no I/O) ---------------------------------------
    def _budget_open(self) -> bool:
        budget = getattr(self.source, "budget", None)
        return budget is None or budget.wait_time(2) == 0

    def _is_open(self, code: str) -> bool:
        return market_hours.market_state(self._any_listing(code), self.clock()).is_open and self._budget_open()

    def _any_listing(self, code: str):
        listings = self.groups.get(code) or []
        return listings[0] if listings else market_hours.guess_listing("X")

    def symbols(self, code: str) -> list[str]:
        return [l.symbol for l in self.groups.get(code, ())]

    def _quotes_may_run(self, code: str) -> bool:
        if not self._budget_open():
            return False
        now = self.clock()
        if market_hours.market_state(self._any_listing(code), now).is_open:
            return True
        last_ok = self._last_ok.get(f"quotes:{code}")
        if last_ok is None:
            return True  # closed at start-up: fetch the last price once
        close = market_hours.last_close(code, now)
        return close is not None and last_ok < close + CLOSING_QUOTE_AFTER_S <= now

    # ----- the jobs (worker threads) ------------------------------------------------------------
    def _quotes(self, code: str):
        try:
            return self.refresher.refresh_quotes(self.symbols(code))
        except errors.RateLimited as exc:
            self.scheduler.job(f"quotes:{code}").extra["retry_after"] = exc.retry_after
            raise

    def _intraday(self, code: str):
        return self._per_symbol(code, "intraday", lambda s: self.refresher.refresh_intraday(
            s, self.settings.intraday_interval, self.settings.intraday_days))

    def _daily(self, code: str):
        return self._per_symbol(code, "daily", self.refresher.refresh_daily)

    def _per_symbol(self, code: str, kind: str, fetch):
        """Fetch each symbol; raise only when the source itself failed (not one odd symbol)."""
        outcomes = []
        for symbol in self.symbols(code):
            outcome = fetch(symbol)
            outcomes.append(outcome)
            err = outcome.error
            if err is not None and isinstance(err, (errors.Offline, errors.SourceTimeout, errors.RateLimited)):
                if isinstance(err, errors.RateLimited):
                    self.scheduler.job(f"{kind}:{code}").extra["retry_after"] = err.retry_after
                raise err
        return outcomes

    # ----- results (GUI thread) -----------------------------------------------------------------
    def _on_result(self, name: str, _result) -> None:
        self._last_ok[name] = self.clock()
        self._quotes_ended(name)
        if self._problem:
            self._problem = ""
            self.status.emit("Prices: updated")

    def _on_job_failed(self, name: str, message: str) -> None:
        self._quotes_ended(name)
        try:
            job = self.scheduler.job(name)
        except KeyError:
            return
        retry_after = job.extra.pop("retry_after", None)
        if retry_after:
            job.next_due = max(job.next_due, self.clock() + retry_after)
        kind = RATE_LIMITED if retry_after else ""
        text = ERROR_WORDS[kind] if kind else message
        problem = f"Prices: {text} — showing the last data, retrying later"
        if problem != self._problem:
            self._problem = problem
            self.status.emit(problem)
