"""`briefing refresh --prices`, `prices` and `quote`: in-process on a replayed Yahoo, and end to end
as a subprocess against a loopback HTTP server (`BRIEFING_YAHOO_REPLAY`)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import date, timedelta

import pytest

from briefing.cli import main
from briefing.services import price_refresh
from briefing.sources.yahoo import YahooSource
from yahoo_replay import (CHART, NOT_FOUND_CHART, QUOTE, ReplayAdapter, Reply, chart_body, chart_route, quote_body,
                          quote_route, replay_session, reset_yfinance)

CALENDARS = {"9888.HK": "XHKG", "9988.HK": "XHKG", "0700.HK": "XHKG", "0020.HK": "XHKG",
             "BABA": "XNYS", "BIDU": "XNAS", "TCEHY": "XNYS"}


@pytest.fixture(autouse=True)
def yf_cache(tmp_path):
    reset_yfinance(tmp_path / "yfinance-cache")


@pytest.fixture
def replay(monkeypatch):
    today = date.today()
    adapter = ReplayAdapter({CHART + s: chart_route(s, c, today - timedelta(days=4000), today)
                             for s, c in CALENDARS.items()})
    adapter.routes[CHART + "HKD=X"] = Reply(404, NOT_FOUND_CHART)
    adapter.routes[QUOTE] = quote_route(known=set(CALENDARS))
    monkeypatch.setattr(price_refresh, "yahoo_source_for",
                        lambda paths, store: YahooSource(replay_session(adapter)))
    return adapter


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_refresh_then_prices_and_quote_from_the_cache(capsys, tmp_path, replay):
    d = str(tmp_path / "p")
    code, out, err = run(capsys, "refresh", "--prices", "--data-dir", d)
    assert code == 0, err
    assert re.search(r"^BABA\s+\+\d+ daily bars; quote 10\d", out, re.M)
    assert "HKD=X" in out and "unknown symbol" in out  # one failure does not fail the run
    assert "7 of 8 symbols refreshed" in out
    sent = replay.count()
    code, out, _ = run(capsys, "prices", "9988.HK", "--json", "--data-dir", d, "--offline")
    data = json.loads(out)
    assert code == 0 and data["timezone"] == "Asia/Hong_Kong" and len(data["bars"]) > 200
    assert data["sources"] == ["yahoo"] and replay.count() == sent
    code, out, _ = run(capsys, "quote", "BABA", "9988.HK", "--json", "--data-dir", d, "--offline")
    quotes = {q["symbol"]: q for q in json.loads(out)}
    assert code == 0 and quotes["BABA"]["currency"] == "USD" and quotes["9988.HK"]["market_cap"] == 1e11
    assert replay.count() == sent


def test_prices_fetch_only_the_gap(capsys, tmp_path, replay):
    d = str(tmp_path / "p")
    start = (date.today() - timedelta(days=30)).isoformat()
    assert run(capsys, "prices", "BABA", "--start", start, "--data-dir", d)[0] == 0
    first = replay.count(CHART + "BABA")
    code, out, _ = run(capsys, "prices", "BABA", "--start", start, "--data-dir", d)
    assert code == 0 and "BABA 1d (USD, America/New_York)" in out
    assert replay.count(CHART + "BABA") - first <= 1  # at most the still-open session again


def test_failures_fall_back_to_the_cache_with_the_reason(capsys, tmp_path, replay):
    d = str(tmp_path / "p")
    start = (date.today() - timedelta(days=30)).isoformat()
    run(capsys, "prices", "BABA", "--start", start, "--data-dir", d)
    run(capsys, "quote", "BABA", "--data-dir", d)
    replay.routes = {}
    replay.default = lambda request: Reply(429, b"Too Many Requests", {"Retry-After": "3600"})
    code, out, err = run(capsys, "quote", "BABA", "--data-dir", d)
    assert code == 0 and "rate limited" in err and "showing cached quotes" in err
    assert "stale" in out
    code, out, err = run(capsys, "quote", "NOPE", "--data-dir", d)
    assert code == 1 and err.startswith("briefing: error:") and len(err.strip().splitlines()) == 1


def test_usage_and_refusals(capsys, tmp_path, replay):
    d = str(tmp_path / "p")
    with pytest.raises(SystemExit) as info:
        main(["prices", "BABA", "--interval", "2h"])
    assert info.value.code == 2
    assert run(capsys, "refresh", "--data-dir", d)[0] == 2
    code, _, err = run(capsys, "refresh", "--prices", "--offline", "--data-dir", d)
    assert code == 1 and "--offline" in err
    demo = str(tmp_path / "demo")
    code, _, err = run(capsys, "refresh", "--prices", "--demo", "--data-dir", demo)
    assert code == 1 and "demo" in err
    code, _, err = run(capsys, "import-prices", "BABA", __file__, "--demo", "--data-dir", demo)
    assert code == 1 and "demo" in err
    assert replay.count() == 0


def test_total_failure_exits_1(capsys, tmp_path, replay):
    replay.routes = {}
    code, out, err = run(capsys, "refresh", "--prices", "BABA", "--data-dir", str(tmp_path / "p"))
    assert code == 1 and "0 of 1 symbols refreshed" in out


# ----- end to end: a real HTTP server on loopback ---------------------------------------------
@pytest.fixture
def yahoo_server(httpserver):
    """pytest-httpserver answering Yahoo's paths: charts by period, quotes, 404 for the rest."""
    from werkzeug.wrappers import Response

    today = date.today()

    def handler(request):
        if request.path.startswith(CHART):
            symbol = request.path[len(CHART):]
            if symbol not in CALENDARS:
                return Response(NOT_FOUND_CHART, 404, content_type="application/json")
            q = request.args
            period = (int(q["period1"]), int(q["period2"])) if "period1" in q else None
            body = chart_body(symbol, CALENDARS[symbol], today - timedelta(days=4000), today,
                              q.get("interval", "1d"), 100.0, period)
            return Response(body, 200, content_type="application/json")
        if request.path == QUOTE:
            wanted = [s for s in request.args.get("symbols", "").split(",") if s in CALENDARS]
            return Response(quote_body(wanted), 200, content_type="application/json")
        return Response("Not Found", 404)

    httpserver.expect_request(re.compile(".*")).respond_with_handler(handler)
    return httpserver


def test_refresh_prices_end_to_end_against_a_loopback_replay(yahoo_server, tmp_path):
    env = dict(os.environ, BRIEFING_DATA_DIR=str(tmp_path / "profile"),
               BRIEFING_YAHOO_REPLAY=yahoo_server.url_for("/").rstrip("/"))
    proc = subprocess.run([sys.executable, "-m", "briefing", "refresh", "--prices", "--json"], env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(proc.stdout)
    assert report["refreshed"] == 7 and report["requests"] > 7
    assert report["symbols"]["0700.HK"]["daily"]["new_bars"] > 2000
    assert report["symbols"]["0020.HK"]["quote"]["ok"]
    paths = {r.path for r, _ in yahoo_server.log}
    assert CHART + "9988.HK" in paths and QUOTE in paths
    again = subprocess.run([sys.executable, "-m", "briefing", "prices", "0020.HK", "--start", "2021-01-01",
                            "--end", "2022-01-10", "--offline", "--json"], env=env, capture_output=True, text=True,
                           timeout=120)
    bars = json.loads(again.stdout)["bars"]
    assert bars[0]["time"] == "2021-12-30"  # SenseTime's code before its listing is someone else's


def test_the_replay_switch_accepts_loopback_only(monkeypatch):
    from briefing.sources.loopback import LoopbackAdapter, replay_url_from_env

    monkeypatch.setenv("BRIEFING_YAHOO_REPLAY", "http://10.1.2.3:80")
    assert replay_url_from_env() is None
    monkeypatch.setenv("BRIEFING_YAHOO_REPLAY", "http://127.0.0.1:8080")
    assert replay_url_from_env() == "http://127.0.0.1:8080"
    with pytest.raises(ValueError):
        LoopbackAdapter("http://example.com")
