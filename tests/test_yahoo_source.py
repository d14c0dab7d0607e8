"""The Yahoo source through the real yfinance code, replaying recorded (and generated) Yahoo bodies.

The session is the app's own `BoundedSession` with a `ReplayAdapter` mounted, so the time-zone,
cookie and crumb requests yfinance makes are answered (or 404'd) too and every one is counted.
"""

from __future__ import annotations

import json
import socket
import threading
from datetime import date

import pytest
import requests

from briefing.domain.bar_time import day_ts, ts_day
from briefing.sources import errors
from briefing.sources.budget import RequestBudget
from briefing.sources.loopback import loopback_session
from briefing.sources.yahoo import YahooSource
from yahoo_replay import (CHART, NOT_FOUND_CHART, QUOTE, FakeClock, ReplayAdapter, Reply, chart_route,
                          recorded, recorded_routes, replay_session, reset_yfinance, utc)

NY, HK = "America/New_York", "Asia/Hong_Kong"


@pytest.fixture(autouse=True)
def yf_cache(tmp_path):
    reset_yfinance(tmp_path / "yfinance-cache")


@pytest.fixture
def replay(shared_data):
    adapter = ReplayAdapter(recorded_routes(shared_data))
    adapter.routes[CHART + "9988.HK"] = chart_route("9988.HK", "XHKG", date(2024, 11, 1), date(2025, 2, 14), base=90)
    adapter.routes[CHART + "DEAD"] = Reply(404, NOT_FOUND_CHART)
    adapter.originals = dict(adapter.routes)
    return adapter


def source_for(adapter, budget=None, **timeouts):
    return YahooSource(replay_session(adapter, budget, **timeouts))


def chart_json(shared_data, name):
    return json.loads(recorded(shared_data, name))["chart"]["result"][0]


def test_recorded_daily_bars_are_dated_by_the_us_session(replay, shared_data):
    h = source_for(replay).history("BABA", "1d", utc(2020, 1, 1), utc(2020, 1, 4), tz=NY)
    body = chart_json(shared_data, "chart-BABA-2020-01-01-to-2020-01-03.json")
    assert [b.ts for b in h.bars] == [day_ts(date(2020, 1, 2), NY)]
    bar = h.bars[0]
    q = body["indicators"]["quote"][0]
    assert (bar.open, bar.high, bar.low, bar.close, bar.volume) == (q["open"][0], q["high"][0], q["low"][0],
                                                                    q["close"][0], q["volume"][0])
    assert bar.adj_close == body["indicators"]["adjclose"][0]["adjclose"][0]
    assert h.info.timezone == NY and h.info.currency == "USD" and h.info.exchange == "NYQ"


def test_split_in_range_keeps_raw_close_and_adjusted_close(replay, shared_data):
    h = source_for(replay).history("NVDA", "1d", utc(2021, 2, 1), utc(2022, 2, 1), tz=NY)
    body = chart_json(shared_data, "historical-via-chart-NVDA-split-2021-02-01-to-2022-01-31.csv.json")
    assert len(h.bars) == len(body["timestamp"]) == 252
    assert [b.close for b in h.bars] == body["indicators"]["quote"][0]["close"]
    assert [b.adj_close for b in h.bars] == body["indicators"]["adjclose"][0]["adjclose"]
    assert [(ts_day(a.ts, NY), a.kind, a.value) for a in h.actions] == [(date(2021, 7, 20), "split", 4.0)]
    # Adjusted closes run on smoothly across the 4:1 split; raw ones are Yahoo's as given.
    i = next(i for i, b in enumerate(h.bars) if ts_day(b.ts, NY) == date(2021, 7, 20))
    assert 0.8 < h.bars[i].adj_close / h.bars[i - 1].adj_close < 1.2
    assert all(b.adj_close <= b.close for b in h.bars)


def test_dividends_are_reported_on_their_ex_dates(replay, shared_data):
    h = source_for(replay).history("MSFT", "1d", utc(2021, 2, 1), utc(2022, 2, 1), tz=NY)
    events = chart_json(shared_data, "historical-via-chart-MSFT-dividends-2021-02-01-to-2022-01-31.csv.json")["events"]
    expected = sorted((ts_day(int(k), NY), v["amount"]) for k, v in events["dividends"].items())
    assert [(ts_day(a.ts, NY), a.value) for a in h.actions if a.kind == "dividend"] == expected
    assert all(h.bars[0].ts <= a.ts for a in h.actions)


def test_hk_daily_bars_are_dated_by_the_hk_session(replay):
    src = source_for(replay)
    daily = src.history("9988.HK", "1d", day_ts(date(2025, 1, 27), HK), day_ts(date(2025, 2, 4), HK), tz=HK)
    days = [ts_day(b.ts, HK) for b in daily.bars]
    assert days == [date(2025, 1, 27), date(2025, 1, 28), date(2025, 2, 3)]  # Lunar New Year 29-31 Jan
    assert all(b.ts == day_ts(d, HK) for b, d in zip(daily.bars, days))
    assert daily.info.timezone == HK and daily.info.currency == "HKD"


def test_hk_intraday_bars_skip_the_lunch_break(shared_data):
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    today = date.today()
    adapter = ReplayAdapter({CHART + "0700.HK": chart_route("0700.HK", "XHKG", today - timedelta(days=10), today)})
    now = int(datetime.now().timestamp())
    h = YahooSource(replay_session(adapter)).history("0700.HK", "5m", now - 6 * 86400, now, tz=HK)
    assert h.bars
    times = {datetime.fromtimestamp(b.ts, ZoneInfo(HK)).strftime("%H:%M") for b in h.bars}
    assert "09:30" in times and "11:55" in times and "13:00" in times
    assert not {t for t in times if "12:00" <= t < "13:00"}
    assert all(b.ts % 300 == 0 for b in h.bars)


@pytest.mark.parametrize("symbol, interval, start, end, error", [
    ("NOPE", "1d", utc(2020, 1, 1), utc(2020, 2, 1), errors.UnknownSymbol),  # 404, not even JSON
    ("DEAD", "1d", utc(2020, 1, 1), utc(2020, 2, 1), errors.UnknownSymbol),  # Yahoo's "delisted" answer
    ("BAD1", "1d", utc(2020, 1, 1), utc(2020, 2, 1), errors.BadResponse),  # no timestamps, quotes present
    ("BAD2", "1d", utc(2020, 1, 1), utc(2020, 2, 1), errors.BadResponse),  # no timestamps, odd quote
    ("BABA", "1d", utc(2020, 1, 5), utc(2020, 1, 5), errors.NoData),  # an empty range
    ("9988.HK", "1d", utc(2025, 1, 29), utc(2025, 2, 1), errors.NoData),  # a holiday week-end
])
def test_faults_become_typed_errors(replay, symbol, interval, start, end, error):
    with pytest.raises(error) as info:
        source_for(replay).history(symbol, interval, start, end, tz=NY)
    assert info.value.text.startswith(symbol)


def test_recorded_empty_answers_mean_no_data(shared_data):
    for name, interval in (("chart-AAPL-2025-02-01-to-2025-02-02-includePrePost-false-interval-1m.json", "1m"),
                           ("chart-TSLA-2025-01-01-to-2025-01-02-interval-1h.fake.json", "60m")):
        adapter = ReplayAdapter({CHART + "X": recorded(shared_data, name)})
        from time import time as now

        with pytest.raises(errors.NoData):
            YahooSource(replay_session(adapter)).history("X", interval, int(now()) - 86400, int(now()), tz=NY)


def test_every_request_is_time_bounded(replay):
    source_for(replay, connect_timeout=2.0, read_timeout=3.0).history(
        "BABA", "1d", utc(2020, 1, 1), utc(2020, 1, 4), tz=NY)
    hosts = {s.host for s in replay.seen}
    assert {"fc.yahoo.com", "query2.finance.yahoo.com"} <= hosts  # cookie and chart (and time zone) all came here
    assert all(s.timeout is not None and max(s.timeout) <= 3.0 for s in replay.seen)


def test_429_with_retry_after_closes_the_budget_for_that_long(replay):
    clock = FakeClock(1_700_000_000)
    budget = RequestBudget(60, clock=clock)
    replay.routes[CHART + "BABA"] = Reply(429, b"Too Many Requests", {"Retry-After": "120"})
    src = source_for(replay, budget)
    with pytest.raises(errors.RateLimited) as info:
        src.history("BABA", "1d", utc(2020, 1, 1), utc(2020, 1, 4), tz=NY)
    assert info.value.retry_after == pytest.approx(120)
    assert replay.count(CHART) == 1  # after the 429 nothing more went out
    sent = replay.count()
    clock.advance(119)
    with pytest.raises(errors.RateLimited) as again:
        src.history("BABA", "1d", utc(2020, 1, 1), utc(2020, 1, 4), tz=NY)
    assert again.value.local and replay.count() == sent  # refused here, not sent
    clock.advance(2)
    replay.routes[CHART + "BABA"] = replay.originals[CHART + "BABA"]
    assert src.history("BABA", "1d", utc(2020, 1, 1), utc(2020, 1, 4), tz=NY).bars


def test_429_without_retry_after_backs_off_with_jitter(replay):
    clock = FakeClock(1_700_000_000)
    budget = RequestBudget(60, clock=clock)
    replay.routes[CHART + "BABA"] = Reply(429, b"Too Many Requests")
    with pytest.raises(errors.RateLimited) as info:
        source_for(replay, budget).history("BABA", "1d", utc(2020, 1, 1), utc(2020, 1, 4), tz=NY)
    assert 30 <= info.value.retry_after <= 37.5
    assert 30 <= budget.closed_for <= 37.5


def test_server_error_then_recovery(replay):
    replay.routes[CHART + "BABA"] = Reply(503, b"<html>Will be right back</html>", {"Content-Type": "text/html"})
    src = source_for(replay)
    with pytest.raises(errors.BadResponse) as info:
        src.history("BABA", "1d", utc(2020, 1, 1), utc(2020, 1, 4), tz=NY)
    assert "503" in info.value.text
    replay.routes[CHART + "BABA"] = replay.originals[CHART + "BABA"]  # the server is back: no cached failure is served again
    assert src.history("BABA", "1d", utc(2020, 1, 1), utc(2020, 1, 4), tz=NY).bars


class DnsFailure(requests.adapters.BaseAdapter):
    def send(self, request, **kw):
        raise requests.exceptions.ConnectionError(
            f"HTTPSConnectionPool(host='{request.url.split('/')[2]}'): Failed to resolve (NameResolutionError)")

    def close(self):
        pass


def test_dns_failure_is_offline():
    from briefing.sources.http_session import BoundedSession

    session = BoundedSession()
    session.mount("https://", DnsFailure())
    with pytest.raises(errors.Offline):
        YahooSource(session).history("BABA", "1d", utc(2020, 1, 1), utc(2020, 1, 4), tz=NY)
    with pytest.raises(errors.Offline):
        YahooSource(session).quotes(["BABA"])


@pytest.fixture
def silent_server():
    """Accepts connections and never answers a byte."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held, stop = [], threading.Event()

    def accept():
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    t.join()
    for c in held:
        c.close()
    server.close()


def test_a_server_that_never_answers_times_out_within_the_call_deadline(silent_server):
    session = loopback_session(silent_server, connect_timeout=0.5, read_timeout=0.3)
    src = YahooSource(session, deadline_s=1.5)
    with pytest.raises(errors.SourceTimeout):
        src.history("BABA", "1d", utc(2020, 1, 1), utc(2020, 1, 4), tz=NY)
    with pytest.raises(errors.SourceTimeout):
        src.quotes(["BABA"])


def test_quotes_come_in_one_batch_with_typed_errors_for_the_rest(replay):
    answers = source_for(replay).quotes(["AAPL", "BABA", "NOPE"])
    assert replay.count(QUOTE) == 1
    assert answers["BABA"].last == 124.73 and answers["BABA"].previous_close == 119.54
    assert answers["BABA"].market_cap == 302870626304 and answers["BABA"].year_high == 126.8
    assert answers["AAPL"].currency == "USD"
    assert isinstance(answers["NOPE"], errors.UnknownSymbol)


def test_quotes_fall_back_to_the_chart_when_v7_refuses(replay):
    replay.routes[QUOTE] = Reply(401, b'{"finance":{"error":{"code":"Unauthorized"}}}')
    answers = source_for(replay).quotes(["BABA"])
    assert answers["BABA"].last == 125.79 and answers["BABA"].as_of == 1739998802
    assert answers["BABA"].day_high == 127.7 and answers["BABA"].market_cap is None
