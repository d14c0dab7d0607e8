"""HTTP sessions for yfinance that bound every request in time and spend the request budget.

yfinance's `timeout=` only covers its final chart request: the time-zone look-up is fixed at
10 s and the cookie/crumb requests at 30 s each, so a silent network drop cost 130 s. These
sessions cap the timeout of *every* request they send, and inside `call(deadline_s)` also cut it
to what is left of the whole call, so one fetch can never outlive its deadline (by more than
one socket read). They count each request against a `RequestBudget`, turn 429s into a closed
budget (honouring Retry-After), and keep a per-thread trace of statuses so a failure deep inside
yfinance can still be told apart (404 = unknown symbol, 429, 5xx).

Two flavours, the same behaviour: `BoundedSession` (requests; tests mount a replay adapter on it)
and `bounded_curl_session()` (curl_cffi with a browser fingerprint, what yfinance prefers live).
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import requests

from briefing.sources.budget import RequestBudget

CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 10.0


class DeadlineExceeded(requests.exceptions.Timeout):
    """The whole call ran out of time before this request could be sent."""


@dataclass
class CallTrace:
    """What one call sent and got back: (path, status) pairs and any Retry-After seen."""

    deadline: float | None = None
    responses: list[tuple[str, int]] = field(default_factory=list)
    retry_after: float | None = None

    def statuses(self, path_part: str) -> list[int]:
        return [s for p, s in self.responses if path_part in p]


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds from a Retry-After header: delta-seconds or an HTTP date (None if absent/bad)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when - (time.time() if now is None else now))


class _Bounded:
    """The behaviour both session flavours share (a mixin over their `request`)."""

    budget: RequestBudget
    connect_timeout: float
    read_timeout: float

    def _init_bounds(self, budget: RequestBudget | None, connect_timeout: float, read_timeout: float,
                     clock=time.monotonic) -> None:
        self.budget = budget or RequestBudget()
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self._clock = clock
        self._local = threading.local()
        self.shut = False  # set when the app stops: any further request fails at once

    def shut_down(self) -> None:
        self.shut = True

    @contextmanager
    def call(self, deadline_s: float):
        """Bound everything this thread sends inside the block to `deadline_s` in total."""
        previous = getattr(self._local, "trace", None)
        trace = CallTrace(deadline=self._clock() + deadline_s)
        self._local.trace = trace
        try:
            yield trace
        finally:
            self._local.trace = previous

    def _bounded_timeout(self, timeout):
        connect, read = self.connect_timeout, self.read_timeout
        if isinstance(timeout, (int, float)) and timeout > 0:
            connect, read = min(connect, timeout), min(read, timeout)
        elif isinstance(timeout, tuple) and len(timeout) == 2:
            connect = min(connect, timeout[0] or connect)
            read = min(read, timeout[1] or read)
        trace = getattr(self._local, "trace", None)
        if trace is not None and trace.deadline is not None:
            left = trace.deadline - self._clock()
            if left <= 0.05:
                raise DeadlineExceeded("the call's deadline passed")
            connect, read = min(connect, left), min(read, left)
        return connect, read

    def _before(self, url: str, kwargs: dict) -> None:
        if self.shut:
            raise DeadlineExceeded("the app is stopping")
        kwargs["timeout"] = self._timeout_arg(self._bounded_timeout(kwargs.get("timeout")))
        self.budget.acquire()

    def _after(self, url: str, response) -> None:
        status = int(getattr(response, "status_code", 0) or 0)
        trace = getattr(self._local, "trace", None)
        if trace is not None:
            trace.responses.append((urlsplit(url).path, status))
        if status == 429:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            if trace is not None:
                trace.retry_after = retry_after
            self.budget.note_rate_limited(retry_after)
        elif 200 <= status < 300:
            self.budget.note_success()

    def _timeout_arg(self, pair):
        return pair


class BoundedSession(_Bounded, requests.Session):
    """A `requests.Session` whose every request is time-bounded and budgeted."""

    def __init__(self, budget: RequestBudget | None = None, *, connect_timeout: float = CONNECT_TIMEOUT_S,
                 read_timeout: float = READ_TIMEOUT_S) -> None:
        requests.Session.__init__(self)
        self._init_bounds(budget, connect_timeout, read_timeout)
        self.headers["User-Agent"] = (
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36")

    def request(self, method, url, *args, **kwargs):
        self._before(url, kwargs)
        response = super().request(method, url, *args, **kwargs)
        self._after(url, response)
        return response


def bounded_curl_session(budget: RequestBudget | None = None, *, connect_timeout: float = CONNECT_TIMEOUT_S,
                         read_timeout: float = READ_TIMEOUT_S):
    """The same over curl_cffi (browser TLS fingerprint), or None when curl_cffi is missing.

    curl's timeout is a total transfer timeout, so a server that dribbles bytes is cut off too.
    """
    try:
        from curl_cffi import requests as curl_requests
    except ImportError:
        return None

    class BoundedCurlSession(_Bounded, curl_requests.Session):
        def request(self, method, url, *args, **kwargs):
            self._before(url, kwargs)
            response = super().request(method, url, *args, **kwargs)
            self._after(url, response)
            return response

        def _timeout_arg(self, pair):
            return max(pair)  # one total timeout, already cut to the call's deadline

    session = BoundedCurlSession(impersonate="chrome")
    session._init_bounds(budget, connect_timeout, read_timeout)
    return session
