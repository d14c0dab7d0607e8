"""One request budget for all traffic to a host: at most N requests a minute, and silence after a 429.

Every HTTP request the Yahoo session sends (chart, quote, time zone, cookie, crumb) takes a token
here first, so the limit holds whatever yfinance does inside a call. Taking a token never waits:
a spent budget raises `BudgetExhausted` at once and the caller (the scheduler, the CLI) decides
when to try again. A 429 closes the budget until its `Retry-After`; without one, for 30 s,
doubling on each 429 in a row up to 15 minutes, with jitter.
"""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from collections.abc import Callable

DEFAULT_PER_MINUTE = 60
WINDOW_S = 60.0
FIRST_COOL_OFF_S = 30.0
MAX_COOL_OFF_S = 15 * 60.0


class BudgetExhausted(Exception):
    """No token now; one will be free in `wait` seconds. Nothing was sent."""

    def __init__(self, wait: float, reason: str) -> None:
        self.wait = wait
        self.reason = reason
        super().__init__(f"{reason}; next request allowed in {wait:.0f} s")


class RequestBudget:
    """A sliding one-minute window of request times plus a 'closed until' time. Thread-safe."""

    def __init__(self, per_minute: int = DEFAULT_PER_MINUTE, *, clock: Callable[[], float] = time.time,
                 rng: random.Random | None = None) -> None:
        self.per_minute = max(1, int(per_minute))
        self._clock = clock
        self._rng = rng or random.Random()
        self._sent: deque[float] = deque()
        self._closed_until = 0.0
        self._strikes = 0  # 429s in a row
        self._lock = threading.Lock()
        self.total = 0  # requests let through since creation (for tests and the log)

    def _trim(self, now: float) -> None:
        while self._sent and self._sent[0] <= now - WINDOW_S:
            self._sent.popleft()

    def wait_time(self, tokens: int = 1) -> float:
        """Seconds until `tokens` requests may go (0 = now)."""
        with self._lock:
            return self._wait_locked(self._clock(), tokens)

    def _wait_locked(self, now: float, tokens: int) -> float:
        self._trim(now)
        wait = max(0.0, self._closed_until - now)
        over = len(self._sent) + tokens - self.per_minute
        if over > 0:
            wait = max(wait, self._sent[min(over, len(self._sent)) - 1] + WINDOW_S - now)
        return wait

    def acquire(self) -> None:
        """Take one token or raise `BudgetExhausted`."""
        with self._lock:
            now = self._clock()
            wait = self._wait_locked(now, 1)
            if wait > 0:
                reason = "rate limited by the server" if now < self._closed_until else \
                    f"request budget of {self.per_minute}/min spent"
                raise BudgetExhausted(wait, reason)
            self._sent.append(now)
            self.total += 1

    def note_rate_limited(self, retry_after: float | None) -> float:
        """A 429 arrived: close the budget; returns how long it stays closed."""
        with self._lock:
            self._strikes += 1
            if retry_after is not None and retry_after > 0:
                pause = min(float(retry_after), 6 * 3600.0)
            else:
                pause = min(FIRST_COOL_OFF_S * 2 ** (self._strikes - 1), MAX_COOL_OFF_S)
                pause *= self._rng.uniform(1.0, 1.25)
            self._closed_until = max(self._closed_until, self._clock() + pause)
            return self._closed_until - self._clock()

    def note_success(self) -> None:
        with self._lock:
            self._strikes = 0

    @property
    def closed_for(self) -> float:
        """Seconds the server asked us to stay quiet for, from now (0 when open)."""
        with self._lock:
            return max(0.0, self._closed_until - self._clock())

    def set_per_minute(self, per_minute: int) -> None:
        with self._lock:
            self.per_minute = max(1, int(per_minute))
