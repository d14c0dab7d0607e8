"""Cache first, fetch only the gap: what the refresher asks Yahoo for, and what it keeps when that fails."""

from __future__ import annotations

import threading
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest

from briefing.domain.bar_time import day_ts, ts_day
from briefing.domain.price_state import QUOTE, stale_text
from briefing.services.price_refresh import PriceRefresher
from briefing.sources import errors
from briefing.sources.yahoo import YahooSource
from yahoo_replay import (CHART, QUOTE as QUOTE_PATH, FakeClock, ReplayAdapter, Reply, chart_route,
                          quote_route, recorded_routes, replay_session, reset_yfinance, utc)

HK, NY = "Asia/Hong_Kong", "America/New_York"
YEARS_10 = int(10 * 365.25 * 86400)


@pytest.fixture(autouse=True)
def yf_cache(tmp_path):
    reset_yfinance(tmp_path / "yfinance-cache")


@pytest.fixture
def clock():
    return FakeClock(utc(2025, 1, 10, 20, 0, tz=HK))  # a Friday evening in Hong Kong


@pytest.fixture
def replay(shared_data, clock):
    adapter = ReplayAdapter(recorded_routes(shared_data), clock=clock)
    end = date(2025, 2, 28)
    for symbol, cal in (("9988.HK", "XHKG"), ("0020.HK", "XHKG"), ("BABA", "XNYS")):
        adapter.routes[CHART + symbol] = chart_route(symbol, cal, date(2014, 1, 1), end)
    adapter.routes[QUOTE_PATH] = quote_route(known={"9988.HK", "0020.HK", "BABA"}, clock=clock)
    return adapter


@pytest.fixture
def refresher(store, replay, clock):
    return PriceRefresher(store, YahooSource(replay_session(replay), clock=clock), clock=clock)


def periods(adapter, symbol):
    """(period1, period2) of each bar request for `symbol` (the time-zone look-up asks a range instead)."""
    out = []
    for s in adapter.data_requests():
        if s.path == CHART + symbol and "period1" in s.query:
            out.append((int(s.query["period1"][0]), int(s.query["period2"][0])))
    return out


def test_first_fetch_asks_for_everything_then_nothing(refresher, replay, store, clock):
    out = refresher.ensure_bars("9988.HK", "1d", int(clock()) - YEARS_10)
    assert out.ok and out.new_bars > 1200
    # the request starts at the HK listing (2019-11-26), not ten years back
    assert periods(replay, "9988.HK") == [(day_ts(date(2019, 11, 26), HK), int(clock()) + 1)]
    bars = store.prices.bars("9988.HK", "1d")
    assert ts_day(bars[0].ts, HK) == date(2019, 11, 26) and ts_day(bars[-1].ts, HK) == date(2025, 1, 10)
    sent = replay.count()
    again = refresher.ensure_bars("9988.HK", "1d", int(clock()) - YEARS_10)
    cols = refresher.read_bars("9988.HK", "1d", int(clock()) - YEARS_10)
    assert again.skipped == "cached" and replay.count() == sent  # re-opening 10 years: no network
    assert len(cols["ts"]) == len(bars) and cols["close"][-1] == bars[-1].close


def test_only_the_gap_after_a_new_session_and_nothing_on_a_weekend(refresher, replay, clock):
    refresher.ensure_bars("9988.HK", "1d", int(clock()) - YEARS_10)
    clock.now = utc(2025, 1, 12, 12, 0, tz=HK)  # Sunday: no session since
    assert refresher.ensure_bars("9988.HK", "1d", int(clock()) - YEARS_10).skipped == "cached"
    clock.now = utc(2025, 1, 13, 17, 0, tz=HK)  # Monday after the close
    out = refresher.ensure_bars("9988.HK", "1d", int(clock()) - YEARS_10)
    assert out.ok
    last = periods(replay, "9988.HK")[-1]
    assert last[0] == day_ts(date(2025, 1, 10), HK)  # from the last covered session's bar, not ten years
    assert len(periods(replay, "9988.HK")) == 2


def test_a_session_still_trading_is_asked_again_until_settled(refresher, replay, clock):
    refresher.ensure_bars("9988.HK", "1d", int(clock()) - YEARS_10)
    clock.now = utc(2025, 1, 13, 10, 0, tz=HK)
    refresher.ensure_bars("9988.HK", "1d", int(clock()) - YEARS_10)
    clock.now = utc(2025, 1, 13, 11, 0, tz=HK)
    refresher.ensure_bars("9988.HK", "1d", int(clock()) - YEARS_10)
    assert [p[0] for p in periods(replay, "9988.HK")[1:]] == [day_ts(date(2025, 1, 10), HK),
                                                              day_ts(date(2025, 1, 13), HK)]
    clock.now = utc(2025, 1, 13, 16, 45, tz=HK)  # closed and settled: one last time
    refresher.ensure_bars("9988.HK", "1d", int(clock()) - YEARS_10)
    clock.now = utc(2025, 1, 13, 20, 0, tz=HK)
    assert refresher.ensure_bars("9988.HK", "1d", int(clock()) - YEARS_10).skipped == "cached"
    assert len(periods(replay, "9988.HK")) == 4


def test_an_earlier_start_asks_only_for_the_front(refresher, replay, clock, store):
    refresher.ensure_bars("BABA", "1d", int(clock()) - 365 * 86400)
    covered = store.prices.state.get("BABA", "1d").covered_from
    refresher.ensure_bars("BABA", "1d", int(clock()) - 3 * 365 * 86400)
    assert periods(replay, "BABA")[-1] == (int(clock()) - 3 * 365 * 86400, covered)


def test_sensetime_history_before_its_listing_is_never_fetched_or_kept(refresher, replay, clock, store):
    refresher.ensure_bars("0020.HK", "1d", int(clock()) - YEARS_10)
    assert periods(replay, "0020.HK")[0][0] == day_ts(date(2021, 12, 30), HK)
    assert ts_day(store.prices.bars("0020.HK", "1d")[0].ts, HK) == date(2021, 12, 30)


def test_a_failure_keeps_the_last_good_data_and_says_why(refresher, replay, clock, store):
    refresher.ensure_bars("9988.HK", "1d", int(clock()) - YEARS_10)
    before = store.prices.bars("9988.HK", "1d")
    good = replay.routes[CHART + "9988.HK"]
    replay.routes[CHART + "9988.HK"] = Reply(503, b"<html>Will be right back</html>")
    clock.now = utc(2025, 1, 13, 17, 0, tz=HK)
    out = refresher.ensure_bars("9988.HK", "1d", int(clock()) - YEARS_10)
    assert isinstance(out.error, errors.BadResponse)
    assert store.prices.bars("9988.HK", "1d") == before
    state = store.prices.state.get("9988.HK", "1d")
    assert state.failing and state.covered_to is not None
    assert stale_text(state).startswith("stale since") and "could not be read" in stale_text(state)
    replay.routes[CHART + "9988.HK"] = good
    assert refresher.ensure_bars("9988.HK", "1d", int(clock()) - YEARS_10).ok
    assert not store.prices.state.get("9988.HK", "1d").failing


def test_unknown_symbols_are_not_asked_again_for_a_while(refresher, replay, clock):
    assert isinstance(refresher.ensure_bars("NOPE", "1d", int(clock()) - 86400 * 30).error, errors.UnknownSymbol)
    sent = replay.count()
    assert refresher.ensure_bars("NOPE", "1d", int(clock()) - 86400 * 30).skipped == "paused"
    assert replay.count() == sent
    assert isinstance(refresher.ensure_bars("NOPE", "1d", int(clock()) - 86400 * 30, force=True).error,
                      errors.UnknownSymbol)


def test_a_symbol_outside_the_registry_gets_a_listing_from_yahoo(refresher, clock, store):
    clock.now = utc(2020, 11, 7)
    out = refresher.ensure_bars("AAPL", "1d", utc(2020, 8, 31), utc(2020, 11, 7))
    assert out.ok and out.new_bars == 49
    listing = store.instruments.listing("AAPL")
    assert (listing.exchange, listing.currency, listing.timezone) == ("XNAS", "USD", NY)
    assert [(ts_day(a.ts, NY), a.kind, a.value) for a in store.prices.actions.of("AAPL")] == [
        (date(2020, 8, 31), "split", 4.0), (date(2020, 11, 6), "dividend", 0.205)]


def test_no_two_fetches_of_the_same_series_at_once(refresher, replay):
    entered, release = threading.Event(), threading.Event()
    good = replay.routes[CHART + "BABA"]

    def slow(request):
        if "period1" in parse_qs(urlsplit(request.url).query):
            entered.set()
            release.wait(10)
        return good(request)

    replay.routes[CHART + "BABA"] = slow
    results = []
    t = threading.Thread(target=lambda: results.append(refresher.ensure_bars("BABA", "1d", utc(2024, 1, 1))))
    t.start()
    assert entered.wait(10)
    second = refresher.ensure_bars("BABA", "1d", utc(2024, 1, 1))
    release.set()
    t.join(10)
    assert second.skipped == "in flight" and results[0].ok
    assert len(periods(replay, "BABA")) == 1


def test_quotes_are_stored_and_failures_recorded(refresher, replay, store):
    answers = refresher.refresh_quotes(["9988.HK", "BABA", "NOPE"])
    assert replay.count(QUOTE_PATH) == 1
    assert set(store.prices.quotes()) >= {"9988.HK", "BABA"}
    assert isinstance(answers["NOPE"], errors.UnknownSymbol)
    assert store.prices.state.get("NOPE", QUOTE).error_kind == "unknown_symbol"
    kept = store.prices.quotes(["BABA"])["BABA"]

    class Down(ReplayAdapter):
        def send(self, request, **kw):
            import requests

            raise requests.exceptions.ConnectionError("Failed to resolve 'query1.finance.yahoo.com'")

    refresher.source.session.mount("https://", Down())
    with pytest.raises(errors.Offline):
        refresher.refresh_quotes(["BABA"])
    assert store.prices.quotes(["BABA"])["BABA"] == kept
    assert store.prices.state.get("BABA", QUOTE).error_kind == "offline"
