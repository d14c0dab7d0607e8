"""The interface every price source offers (Yahoo over yfinance, a CSV file...), and what it returns.

Sources do no caching and no scheduling: they answer one question, return typed records with UTC
timestamps dated by `briefing.domain.bar_time`, and raise `briefing.sources.errors.SourceError`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from briefing.domain.models import Bar, Quote
from briefing.domain.price_state import CorporateAction

INTRADAY_INTERVALS = ("1m", "5m", "15m", "60m")
BAR_INTERVALS = INTRADAY_INTERVALS + ("1d", "1wk")


@dataclass(frozen=True)
class SeriesInfo:
    """What the source says about the instrument itself (for symbols outside the registry)."""

    symbol: str
    timezone: str = ""  # the exchange's IANA zone
    currency: str = ""
    exchange: str = ""  # the source's own exchange code (Yahoo: HKG, NYQ, NMS...)
    name: str = ""
    first_trade: int | None = None  # UTC s


@dataclass(frozen=True)
class PriceHistory:
    """Bars of one symbol and interval, oldest first, with the corporate actions in the range."""

    symbol: str
    interval: str
    bars: tuple[Bar, ...]
    actions: tuple[CorporateAction, ...] = ()
    info: SeriesInfo | None = None
    notes: tuple[str, ...] = field(default=())  # what was dropped and why, for the user


@runtime_checkable
class PriceSource(Protocol):
    """A place prices come from. `name` is stored as the bars' `source`."""

    name: str

    def history(self, symbol: str, interval: str, start: int, end: int, *, tz: str) -> PriceHistory:
        """Bars with `start <= ts < end` (UTC s); daily bars dated at midnight in `tz`."""
        ...

    def quotes(self, symbols: Sequence[str]) -> dict[str, Quote | Exception]:
        """The latest quote of each symbol, or the error that symbol met."""
        ...
