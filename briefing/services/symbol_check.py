"""Adding what a user typed to a watchlist: registry first, then, for a symbol the registry does
not know, a check with the price source, so a typo is refused instead of joining the list.

Blocking (it may fetch): the panel runs it in a worker, the CLI inline. The check is the daily-bar
fetch the poller would make next anyway, through `PriceRefresher`, which also records the listing
the source describes and the bars, so the new row has a name, a zone and a chart at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from briefing.domain.market_hours import guess_listing
from briefing.domain.price_state import ERROR_WORDS
from briefing.domain.symbol_lookup import NotInRegistry, SymbolLookupError, lookup
from briefing.sources import errors
from briefing.sources.base import PriceSource


class SymbolNotChecked(SymbolLookupError):
    """The source could not say whether the symbol exists (offline, rate limited, no answer in
    time, demo profile): nothing was added, and the message says why and what to do."""


SourceOrFactory = PriceSource | Callable[[], PriceSource] | None


def symbols_for(store, text: str, source: SourceOrFactory = None, *, check: bool = True,
                clock: Callable[[], float] = time.time) -> list[str]:
    """The symbols `text` names, each with a listing in the store (raises `SymbolLookupError`).

    `source` (or a function making it) answers for symbols outside the registry; None means it
    cannot be asked (offline). `check=False` records a guessed listing instead (offline use).
    """
    try:
        return lookup(text, store.instruments.listings(), store.instruments.companies())
    except NotInRegistry as exc:
        if not exc.symbol:
            raise
        symbol = exc.symbol
    if not check:
        store.instruments.upsert([], [guess_listing(symbol)])
        return [symbol]
    if store.is_demo():
        raise SymbolNotChecked(f"{symbol} is not in the registry, and the demo profile never asks Yahoo "
                               "Finance: nothing added")
    if source is None:
        raise SymbolNotChecked(f"{symbol} is not in the registry and could not be checked with Yahoo "
                               "Finance (offline): nothing added")
    if not isinstance(source, PriceSource):
        source = source()
    return [verify_symbol(store, source, symbol, clock)]


def verify_symbol(store, source: PriceSource, symbol: str, clock: Callable[[], float] = time.time) -> str:
    """Ask `source` for `symbol`'s daily bars; keep its listing and bars if it exists."""
    from briefing.services.price_refresh import PriceRefresher

    outcome = PriceRefresher(store, source, clock=clock).refresh_daily(symbol, force=True)
    err = outcome.error
    if isinstance(err, errors.UnknownSymbol):
        raise SymbolLookupError(f"unknown symbol {symbol}: Yahoo Finance does not know it (nothing added)")
    if err is not None:
        raise SymbolNotChecked(f"{symbol} is not in the registry and could not be checked "
                               f"({ERROR_WORDS[err.kind]}): nothing added, try again later")
    if store.instruments.listing(symbol) is None:
        raise SymbolLookupError(f"unknown symbol {symbol}: Yahoo Finance has no prices for it (nothing added)")
    return symbol
