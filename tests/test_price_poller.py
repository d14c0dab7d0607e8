"""The poller on a fake clock: quotes only while a market is open (HKEX lunch included), one final
price after the close, the request budget and Retry-After under a 429 storm, and a GUI that never
waits on the network."""

from __future__ import annotations

import threading
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
from PySide6.QtCore import QObject, QTimer, Signal

from briefing.services.price_poller import PricePoller
from briefing.services.tasks import TaskRunner
from briefing.sources.budget import RequestBudget
from briefing.sources.yahoo import YahooSource
from yahoo_replay import (QUOTE, FakeClock, ReplayAdapter, Reply, quote_route, replay_session, reset_yfinance, utc)

HK = "Asia/Hong_Kong"


@pytest.fixture(autouse=True)
def yf_cache(tmp_path):
    reset_yfinance(tmp_path / "yfinance-cache")


@pytest.fixture
def runner(qtbot):
    r = TaskRunner(max_threads=2)
    yield r
    r.shutdown()


def make_poller(qtbot, store, runner, adapter, clock, *, kinds=("quotes",), per_minute=60):
    budget = RequestBudget(per_minute, clock=clock)
    source = YahooSource(replay_session(adapter, budget), budget=budget, clock=clock)
    store.settings.set("prices.requests_per_minute", per_minute)
    poller = PricePoller(store, source, runner=runner, clock=clock, kinds=kinds, seed=7)
    poller.start()
    qtbot.waitUntil(lambda: poller.ready, timeout=20000)
    poller.scheduler.stop()  # the test drives the ticks
    qtbot.waitUntil(lambda: runner.pending == 0, timeout=20000)
    return poller


def run_until(qtbot, poller, clock, end, step=5):
    while clock() < end:
        clock.advance(step)
        poller.scheduler.tick()
        qtbot.waitUntil(lambda: poller.runner.pending == 0, timeout=20000)


def hk_quote_times(adapter):
    return [s.at for s in adapter.seen if s.path == QUOTE and "9988.HK" in s.query.get("symbols", [""])[0]]


def hk_only(store):
    for w in store.watchlists.all():
        store.watchlists.delete(w.name)
    store.watchlists.create("HK", pinned=True)
    store.watchlists.add("HK", ["9988.HK", "0700.HK"])


def test_quotes_poll_in_session_stop_at_noon_and_resume_at_one(qtbot, store, runner):
    hk_only(store)
    clock = FakeClock(utc(2025, 1, 2, 11, 50, tz=HK))
    adapter = ReplayAdapter({QUOTE: quote_route(clock=clock)}, clock=clock)
    poller = make_poller(qtbot, store, runner, adapter, clock)
    run_until(qtbot, poller, clock, utc(2025, 1, 2, 13, 10, tz=HK))
    times = hk_quote_times(adapter)
    noon, one = utc(2025, 1, 2, 12, 0, tz=HK), utc(2025, 1, 2, 13, 0, tz=HK)
    morning = [t for t in times if t < noon]
    assert [t - morning[0] for t in morning] == [15 * i for i in range(40)]  # every 15 s until 11:59:45
    assert not [t for t in times if noon <= t < one]  # the lunch break
    afternoon = [t for t in times if t >= one]
    assert afternoon[0] == one and len(afternoon) == 10 * 4 + 1  # resumes at 13:00 sharp
    assert {s.query["symbols"][0] for s in adapter.seen if s.path == QUOTE} >= {"9988.HK,0700.HK"}  # one batch
    assert store.prices.quotes(["9988.HK"])["9988.HK"].source == "yahoo"


def test_closed_markets_get_one_last_price_and_then_silence(qtbot, store, runner):
    hk_only(store)
    clock = FakeClock(utc(2025, 1, 29, 10, 0, tz=HK))  # Lunar New Year holiday
    adapter = ReplayAdapter({QUOTE: quote_route(clock=clock)}, clock=clock)
    poller = make_poller(qtbot, store, runner, adapter, clock)
    run_until(qtbot, poller, clock, utc(2025, 1, 29, 11, 0, tz=HK), step=15)
    assert len(hk_quote_times(adapter)) == 1  # the last price, once at start-up


def test_one_quote_after_the_close_for_the_final_price(qtbot, store, runner):
    hk_only(store)
    clock = FakeClock(utc(2025, 1, 2, 15, 55, tz=HK))
    adapter = ReplayAdapter({QUOTE: quote_route(clock=clock)}, clock=clock)
    poller = make_poller(qtbot, store, runner, adapter, clock)
    run_until(qtbot, poller, clock, utc(2025, 1, 2, 17, 0, tz=HK))
    close = utc(2025, 1, 2, 16, 0, tz=HK)
    after = [t for t in hk_quote_times(adapter) if t >= close]
    assert after == [close + 15 * 60]


def test_a_429_storm_never_breaks_the_budget_or_retry_after(qtbot, store, runner):
    clock = FakeClock(utc(2025, 1, 2, 10, 0, tz=HK))
    state = {"n": 0}
    lock = threading.Lock()

    def storm(request):
        if "/finance/" not in request.url:  # cookie and crumb: not found, as when fc.yahoo.com is blocked
            return Reply(404, b"Not Found")
        with lock:
            state["n"] += 1
            n = state["n"]
        return Reply(429, b"Too Many Requests", {"Retry-After": "90"} if n % 2 else {})

    adapter = ReplayAdapter({}, clock=clock, default=storm)
    poller = make_poller(qtbot, store, runner, adapter, clock, kinds=("quotes", "intraday", "daily"), per_minute=20)
    run_until(qtbot, poller, clock, clock() + 30 * 60, step=2)
    times = sorted(s.at for s in adapter.seen)
    assert times, "the poller sent nothing at all"
    for t in times:  # never more than the budget in any minute
        assert sum(1 for u in times if t <= u < t + 60) <= 20
    # after a 429 the next request waits at least the cool-off (30 s) or the Retry-After (90 s)
    bursts = [t for i, t in enumerate(times) if i == 0 or t > times[i - 1]]
    gaps = [b - a for a, b in zip(bursts, bursts[1:])]
    assert all(g >= 30 for g in gaps)
    assert len(times) <= 2 * (30 * 60 // 30 + 1)
    assert poller._problem.startswith("Prices: rate limited")


def test_the_gui_keeps_running_while_a_fetch_hangs(qtbot, store, runner):
    hk_only(store)
    clock = FakeClock(utc(2025, 1, 2, 10, 0, tz=HK))
    entered, release = threading.Event(), threading.Event()
    good = quote_route(clock=clock)

    def hanging(request):
        entered.set()
        release.wait(20)
        return good(request)

    adapter = ReplayAdapter({QUOTE: good}, clock=clock)
    poller = make_poller(qtbot, store, runner, adapter, clock)
    adapter.routes[QUOTE] = hanging
    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(10)
    clock.advance(15)
    poller.scheduler.tick()
    assert entered.wait(10)
    qtbot.waitUntil(lambda: len(ticks) >= 5, timeout=5000)  # the event loop runs while the fetch waits
    assert runner.pending == 1
    release.set()
    qtbot.waitUntil(lambda: runner.pending == 0, timeout=10000)
    timer.stop()


def test_demo_and_offline_profiles_never_poll(tmp_path, monkeypatch):
    from types import SimpleNamespace

    from briefing import app

    made = []
    monkeypatch.setattr("briefing.services.price_poller.PricePoller.__init__",
                        lambda self, *a, **k: made.append(1) or None)
    profile = SimpleNamespace(store=SimpleNamespace(is_demo=lambda: True), paths=None)
    args = SimpleNamespace(offline=False, demo=False, screenshot=None)
    assert app._start_price_polling(None, profile, args) is None
    profile.store.is_demo = lambda: False
    assert app._start_price_polling(None, profile, SimpleNamespace(offline=True, demo=False, screenshot=None)) is None
    assert app._start_price_polling(None, profile, SimpleNamespace(offline=False, demo=True, screenshot=None)) is None
    assert made == []


def test_the_live_app_checks_typed_symbols_with_the_pollers_source(qtbot, store, tmp_path, monkeypatch):
    """app.py hands the watchlist's add box the poller's Yahoo source (one request budget)."""
    from types import SimpleNamespace

    from PySide6.QtCore import QSettings

    from briefing import app
    from briefing.ui.main_window import MainWindow

    made = []
    monkeypatch.setattr("briefing.services.price_refresh.yahoo_source_for", lambda *a: made.append(a) or "fresh")
    window = MainWindow(store, QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    profile = SimpleNamespace(store=store, paths="paths")
    poller = app._start_price_polling(window, profile, SimpleNamespace(offline=False, demo=False, screenshot=None))
    try:
        factory = window.watchlist.actions.source
        assert callable(factory)
        assert factory() == "fresh" and made == [("paths", store)]  # before the poller has prepared its own
        poller.source = "the poller's"
        assert factory() == "the poller's" and len(made) == 1
    finally:
        poller.source = None
        poller.stop()
        window.runner.shutdown()


def test_first_quotes_is_said_once_after_the_first_quotes_job(qtbot, store, runner):
    hk_only(store)
    clock = FakeClock(utc(2025, 1, 2, 10, 0, tz=HK))
    adapter = ReplayAdapter({QUOTE: quote_route(clock=clock)}, clock=clock)
    budget = RequestBudget(60, clock=clock)
    poller = PricePoller(store, YahooSource(replay_session(adapter, budget), budget=budget, clock=clock),
                         runner=runner, clock=clock, kinds=("quotes",), seed=7)
    said = []
    poller.first_quotes.connect(lambda: said.append(len(hk_quote_times(adapter))))
    poller.start()
    qtbot.waitUntil(lambda: poller.ready, timeout=20000)
    poller.scheduler.stop()
    qtbot.waitUntil(lambda: runner.pending == 0, timeout=20000)
    assert said == [1]  # after the first batch was fetched
    run_until(qtbot, poller, clock, clock() + 60, step=15)
    assert len(hk_quote_times(adapter)) > 2 and said == [1]


def test_first_quotes_is_said_when_the_first_quotes_fail(qtbot, store, runner):
    hk_only(store)
    clock = FakeClock(utc(2025, 1, 2, 10, 0, tz=HK))
    adapter = ReplayAdapter({}, clock=clock, default=lambda request: Reply(429, b"Too Many Requests", {"Retry-After": "90"}))
    budget = RequestBudget(60, clock=clock)
    poller = PricePoller(store, YahooSource(replay_session(adapter, budget), budget=budget, clock=clock),
                         runner=runner, clock=clock, kinds=("quotes",), seed=7)
    said = []
    poller.first_quotes.connect(lambda: said.append(True))
    poller.start()
    qtbot.waitUntil(lambda: poller.ready, timeout=20000)
    poller.scheduler.stop()
    qtbot.waitUntil(lambda: runner.pending == 0, timeout=20000)
    assert poller._problem.startswith("Prices: rate limited") and said == [True]


class _Window(QObject):
    all_loaded = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.news_service = SimpleNamespace(starts=[])
        self.news_service.start_schedule = lambda: self.news_service.starts.append(True)


class _Poller(QObject):
    first_quotes = Signal()


def test_the_app_checks_feeds_after_the_first_quotes_not_with_them(qtbot, monkeypatch):
    from briefing import app

    monkeypatch.setattr(app, "NEWS_START_WAIT_MS", 300)
    window, poller = _Window(), _Poller()
    app._start_news_after_prices(window, poller)
    window.all_loaded.emit()
    assert window.news_service.starts == []  # the prices' first fetch runs alone
    poller.first_quotes.emit()
    assert window.news_service.starts == [True]
    qtbot.wait(500)  # the fallback timer fires: no second start
    assert window.news_service.starts == [True]


def test_the_app_checks_feeds_anyway_when_no_quotes_come(qtbot, monkeypatch):
    from briefing import app

    monkeypatch.setattr(app, "NEWS_START_WAIT_MS", 100)
    window, poller = _Window(), _Poller()
    app._start_news_after_prices(window, poller)
    window.all_loaded.emit()
    qtbot.waitUntil(lambda: window.news_service.starts == [True], timeout=3000)
    window2 = _Window()
    app._start_news_after_prices(window2, None)  # offline, demo: no poller (the service then says why not)
    window2.all_loaded.emit()
    assert window2.news_service.starts == [True]


def test_bars_are_first_fetched_after_the_first_quotes(qtbot, store, runner):
    from briefing.services.price_poller import FIRST_BARS_AFTER_S

    hk_only(store)
    clock = FakeClock(utc(2025, 1, 2, 10, 0, tz=HK))
    adapter = ReplayAdapter({QUOTE: quote_route(clock=clock)}, clock=clock,
                            default=lambda request: Reply(404, b"Not Found"))
    start = clock()
    poller = make_poller(qtbot, store, runner, adapter, clock, kinds=("quotes", "intraday", "daily"))
    assert hk_quote_times(adapter) == [start]  # the quotes at once ...
    assert not [s for s in adapter.seen if "/chart/" in s.path]  # ... and no bars yet
    run_until(qtbot, poller, clock, start + FIRST_BARS_AFTER_S + 5, step=1)
    bars = [s.at for s in adapter.seen if "/chart/" in s.path]
    assert bars and min(bars) >= start + FIRST_BARS_AFTER_S
