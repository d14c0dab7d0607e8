"""The few ways fetching a price can fail, as types the app can act on and words a user can read.

Every price source maps its library's failures onto these, so the scheduler knows whether to
retry soon (timeout, offline), later (rate limited: after `retry_after`), or not for this symbol
(unknown symbol), and the UI can say why the data is stale.
"""

from __future__ import annotations

from briefing.domain import price_state as kinds


class SourceError(Exception):
    """A fetch failed; `kind` is one of `briefing.domain.price_state`'s error kinds."""

    kind = kinds.BAD_RESPONSE
    transient = True  # worth retrying the same request later

    def __init__(self, detail: str = "", *, symbol: str | None = None) -> None:
        self.detail = detail
        self.symbol = symbol
        super().__init__(self.text)

    @property
    def text(self) -> str:
        """One line for the user: plain words first, the technical detail after."""
        words = kinds.ERROR_WORDS[self.kind]
        who = f"{self.symbol}: " if self.symbol else ""
        return f"{who}{words}" + (f" ({self.detail})" if self.detail else "")


class Offline(SourceError):
    kind = kinds.OFFLINE


class SourceTimeout(SourceError):
    kind = kinds.TIMEOUT


class RateLimited(SourceError):
    """HTTP 429 from the server, or our own request budget is spent; retry after `retry_after` s."""

    kind = kinds.RATE_LIMITED

    def __init__(self, detail: str = "", *, retry_after: float, symbol: str | None = None,
                 local: bool = False) -> None:
        self.retry_after = max(0.0, float(retry_after))
        self.local = local  # True: nothing was sent, our own budget said no
        super().__init__(detail, symbol=symbol)


class UnknownSymbol(SourceError):
    kind = kinds.UNKNOWN_SYMBOL
    transient = False


class NoData(SourceError):
    """The symbol exists but has no bars in the range asked for (a weekend, before listing...)."""

    kind = kinds.NO_DATA
    transient = False


class BadResponse(SourceError):
    """An answer we cannot use: broken JSON, mismatched columns, a 5xx page."""

    kind = kinds.BAD_RESPONSE
