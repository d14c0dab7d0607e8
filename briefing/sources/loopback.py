"""Send every Yahoo request to a local replay server instead (tests, benchmarks, demos of faults).

`BRIEFING_YAHOO_REPLAY=http://127.0.0.1:8765` makes the app and the CLI mount `LoopbackAdapter` on
the Yahoo session: `https://query2.finance.yahoo.com/v8/finance/chart/BABA?...` is fetched as
`http://127.0.0.1:8765/v8/finance/chart/BABA?...`, through the real yfinance code and the same
timeouts and request budget. Only loopback addresses are accepted: this can never point the app at
another machine.
"""

from __future__ import annotations

import ipaddress
import logging
import os
from urllib.parse import urlsplit, urlunsplit

from requests.adapters import HTTPAdapter
from requests.cookies import RequestsCookieJar, extract_cookies_to_jar

log = logging.getLogger(__name__)
ENV_REPLAY = "BRIEFING_YAHOO_REPLAY"


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class LoopbackAdapter(HTTPAdapter):
    """Sends a copy of each request to the replay server (scheme, host and port replaced; path and
    query kept) and answers as if Yahoo had: the response carries the original URL and request.

    So requests stores cookies under the Yahoo domain, as live (yfinance then reuses its cookie
    instead of asking fc.yahoo.com before every call), and never routes replay traffic through a
    proxy from the environment (requests picks one by the original Yahoo host)."""

    def __init__(self, base_url: str) -> None:
        if not is_loopback(base_url):
            raise ValueError(f"{base_url} is not a loopback address")
        super().__init__()
        self.base = urlsplit(base_url)

    def send(self, request, **kwargs):
        u = urlsplit(request.url)
        routed = request.copy()
        routed.url = urlunsplit((self.base.scheme, self.base.netloc, u.path, u.query, ""))
        routed.headers["X-Original-Host"] = u.netloc
        kwargs["proxies"] = {}  # loopback: never through a proxy
        response = super().send(routed, **kwargs)
        response.url = request.url
        response.request = request
        response.cookies = RequestsCookieJar()
        extract_cookies_to_jar(response.cookies, request, response.raw)
        return response


def replay_url_from_env() -> str | None:
    url = os.environ.get(ENV_REPLAY, "").strip()
    if not url:
        return None
    if not is_loopback(url):
        log.warning("%s=%s ignored: only loopback addresses are allowed", ENV_REPLAY, url)
        return None
    return url


def loopback_session(base_url: str, budget=None, **timeouts):
    """A `BoundedSession` whose every request goes to the replay server at `base_url`."""
    from briefing.sources.http_session import BoundedSession

    session = BoundedSession(budget, **timeouts)
    adapter = LoopbackAdapter(base_url)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session
