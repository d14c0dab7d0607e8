"""The HK-vs-ADR premium of a company from what the cache holds (no fetching here)."""

from __future__ import annotations

from briefing.domain.premium import AdrPremium, default_close_time, hk_vs_adr

FX_SYMBOL = "HKD=X"
LOOKBACK_S = 20 * 86400  # enough daily bars to find the last HK close a US session followed


def premium_for(store, symbol: str, now: float) -> AdrPremium | None:
    """The premium for the company of `symbol` (either line), or None without both lines and FX."""
    listing = store.instruments.listing(symbol)
    if listing is None or listing.company_id is None:
        return None
    lines = [l for l in store.instruments.listings() if l.company_id == listing.company_id]
    adr = next((l for l in lines if l.kind == "adr" and l.adr_ratio), None)
    hk = next((l for l in lines if l.exchange == "XHKG"), None)
    if adr is None or hk is None:
        return None
    since = int(now) - LOOKBACK_S
    hk_bars = store.prices.bars(hk.symbol, "1d", start=since)
    adr_bars = store.prices.bars(adr.symbol, "1d", start=since)
    fx = store.prices.bars(FX_SYMBOL, "1d", start=since - LOOKBACK_S)
    if not fx:
        quote = store.prices.quotes([FX_SYMBOL]).get(FX_SYMBOL)
        if quote is None:
            return None
        fx = quote.last
    adr_quote = store.prices.quotes([adr.symbol]).get(adr.symbol)
    return hk_vs_adr(hk, adr, hk_bars, adr_bars, fx, now=now, close_time=default_close_time,
                     adr_quote=adr_quote)
