"""What the cache knows about each price series besides its bars: coverage, errors, corporate actions.

`FetchState` answers "what have we already asked the source for?" (so an incremental fetch asks
only for the gap and re-opening a chart never touches the network) and "why is this stale?" in
plain words for the user.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

# The failures a price source reports, and how the user hears about them.
OFFLINE, RATE_LIMITED, UNKNOWN_SYMBOL, NO_DATA, BAD_RESPONSE, TIMEOUT = (
    "offline", "rate_limited", "unknown_symbol", "no_data", "bad_response", "timeout")
ERROR_WORDS = {
    OFFLINE: "offline: Yahoo Finance could not be reached",
    RATE_LIMITED: "rate limited by Yahoo Finance",
    UNKNOWN_SYMBOL: "unknown symbol (Yahoo has no such symbol, or it was delisted)",
    NO_DATA: "no data for this range",
    BAD_RESPONSE: "Yahoo Finance sent a response that could not be read",
    TIMEOUT: "Yahoo Finance did not answer in time",
}
QUOTE = "quote"  # the `interval` under which the latest-quote fetch keeps its state


@dataclass(frozen=True)
class CorporateAction:
    """A dividend (cash per share) or a split (new shares per old share) on a session date."""

    ts: int  # same dating rule as daily bars
    kind: str  # dividend | split
    value: float


@dataclass(frozen=True)
class FetchState:
    symbol: str
    interval: str  # a bar interval, or QUOTE
    covered_from: int | None = None  # [covered_from, covered_to) was asked for and answered
    covered_to: int | None = None
    ok_at: int | None = None  # wall-clock time of the last successful fetch
    error_kind: str | None = None  # set while the last attempt failed
    error_text: str = ""
    error_at: int | None = None
    retry_after: int | None = None  # do not ask again before this (UTC s)

    @property
    def failing(self) -> bool:
        return self.error_kind is not None

    def covers(self, start: int, end: int) -> bool:
        return (self.covered_from is not None and self.covered_to is not None
                and self.covered_from <= start and end <= self.covered_to)

    def reason(self) -> str:
        """Why the data is not fresh, in plain words ('' when the last fetch worked)."""
        if not self.failing:
            return ""
        words = ERROR_WORDS.get(self.error_kind, self.error_kind or "")
        if self.retry_after:
            words += f"; retrying after {_hhmm(self.retry_after)}"
        return words


def stale_text(state: FetchState | None, tz=None) -> str:
    """'stale since 14:05 (offline: ...)' or '' when the series is not failing."""
    if state is None or not state.failing:
        return ""
    since = f" since {_hhmm(state.ok_at, tz)}" if state.ok_at else ""
    return f"stale{since} ({state.reason()})"


def _hhmm(ts: int, tz=None) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).astimezone(tz).strftime("%H:%M")
