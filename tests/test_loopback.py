"""`LoopbackAdapter` (BRIEFING_YAHOO_REPLAY) against a real HTTP server on 127.0.0.1 (pytest-httpserver):
no proxy from the environment carries the replay away, and cookies land under the Yahoo domain as
they would live, so yfinance asks fc.yahoo.com for its cookie once, not before every call."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from werkzeug.wrappers import Response
from yahoo_replay import CHART, QUOTE, chart_body, quote_body, reset_yfinance

from briefing.sources.loopback import loopback_session

# As fc.yahoo.com sends it: a year's Max-Age (yfinance reads an expiry past 2033 as milliseconds).
COOKIE = "A3=d=AQAB&S=soak; Max-Age=31557600; Domain=.yahoo.com; Path=/; Secure; HttpOnly; SameSite=None"


@pytest.fixture
def yahoo(httpserver):
    """Yahoo's paths on loopback: fc.yahoo.com sets the A3 cookie (with a 404, as live), charts, quotes."""
    today = date.today()

    def handler(request):
        host = request.headers.get("X-Original-Host", "")
        if host == "fc.yahoo.com":
            return Response("Not Found", 404, headers={"Set-Cookie": COOKIE})
        if request.path == "/v1/test/getcrumb":
            return Response("crumb123", 200, content_type="text/plain")
        if request.path.startswith(CHART):
            q = request.args
            period = (int(q["period1"]), int(q["period2"])) if "period1" in q else None
            body = chart_body(request.path[len(CHART):], "XHKG", today - timedelta(days=30), today,
                              q.get("interval", "1d"), 100.0, period)
            return Response(body, 200, content_type="application/json")
        if request.path == QUOTE:
            return Response(quote_body(request.args.get("symbols", "").split(",")), 200,
                            content_type="application/json")
        return Response("Not Found", 404)

    httpserver.expect_request(re.compile(".*")).respond_with_handler(handler)
    return httpserver


def _base(server) -> str:
    return server.url_for("/").rstrip("/")


def test_proxies_in_the_environment_are_not_used(yahoo, monkeypatch):
    for var in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "https_proxy", "http_proxy", "all_proxy"):
        monkeypatch.setenv(var, "http://127.0.0.1:9")  # nothing listens there: a proxied request fails
    session = loopback_session(_base(yahoo))
    r = session.get("https://query2.finance.yahoo.com/v7/finance/quote?symbols=0700.HK", timeout=10)
    assert r.status_code == 200 and r.json()["quoteResponse"]["result"]
    assert r.url == "https://query2.finance.yahoo.com/v7/finance/quote?symbols=0700.HK"


def test_yahoo_cookies_are_kept_for_the_yahoo_domain_and_sent_again(yahoo):
    session = loopback_session(_base(yahoo))
    first = session.get("https://fc.yahoo.com", timeout=10)
    assert first.status_code == 404 and first.url.startswith("https://fc.yahoo.com")
    assert first.request.url.startswith("https://fc.yahoo.com")
    assert [(c.domain, c.name) for c in session.cookies] == [(".yahoo.com", "A3")]
    assert first.cookies.get("A3", domain=".yahoo.com") == "d=AQAB&S=soak"

    session.get("https://query1.finance.yahoo.com/v1/test/getcrumb", timeout=10)
    seen = [(req.headers.get("X-Original-Host"), req.headers.get("Cookie")) for req, _ in yahoo.log]
    assert seen[0] == ("fc.yahoo.com", None)
    assert seen[1] == ("query1.finance.yahoo.com", "A3=d=AQAB&S=soak")


def test_yfinance_fetches_its_cookie_once_across_calls(yahoo, tmp_path):
    import time

    from briefing.sources.yahoo import YahooSource

    reset_yfinance(tmp_path / "yfinance-cache")
    source = YahooSource(loopback_session(_base(yahoo)))
    now = int(time.time())
    for _ in range(3):
        source.history("0700.HK", "1d", now - 20 * 86400, now, tz="Asia/Hong_Kong")
    hosts = [req.headers.get("X-Original-Host") for req, _ in yahoo.log]
    assert hosts.count("fc.yahoo.com") == 1, hosts
