"""The HK-vs-ADR premium, computed the honest way: the two markets never trade at the same time.

premium = ADR price / (ratio x HK price / USDHKD) - 1, from the last Hong Kong close and the US
price of the session that followed it, and labelled with both timestamps so nobody mistakes it
for a simultaneous comparison.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from briefing.domain import formatting as fmt
from briefing.domain.bar_time import ts_day
from briefing.domain.models import Bar, Listing, Quote


def adr_premium(adr_price: float, hk_price: float, ratio: float, usdhkd: float) -> float:
    """ADR price over the HK price converted into one ADS in USD, minus one (0.01 = +1 %)."""
    if min(adr_price, hk_price, ratio, usdhkd) <= 0:
        raise ValueError("prices, ratio and exchange rate must be positive")
    return adr_price / (ratio * hk_price / usdhkd) - 1.0


@dataclass(frozen=True)
class AdrPremium:
    """One premium figure and the moments it compares."""

    hk_symbol: str
    adr_symbol: str
    value: float  # 0.0123 = the ADR trades 1.23 % above the HK line
    hk_close: float
    hk_time: int  # UTC s of the HK session close
    adr_price: float
    adr_time: int  # UTC s of the US price (its session close, or the live quote's time)
    usdhkd: float
    ratio: float
    live: bool = False  # the US price is a quote of a session still trading

    def label(self, hk_tz: str = "Asia/Hong_Kong", us_tz: str = "America/New_York") -> str:
        us_what = "last" if self.live else "close"
        return (f"{self.adr_symbol} vs {self.hk_symbol}: {fmt.percent(self.value * 100)} "
                f"(HK close {fmt.local_time(self.hk_time, hk_tz)} vs US {us_what} "
                f"{fmt.local_time(self.adr_time, us_tz)}, USD/HKD {self.usdhkd:.4f})")


def hk_vs_adr(hk: Listing, adr: Listing, hk_bars: Sequence[Bar], adr_bars: Sequence[Bar],
              usdhkd: float | Sequence[Bar], *, now: float,
              close_time: Callable[[Listing, Bar], int],
              adr_quote: Quote | None = None) -> AdrPremium | None:
    """The premium from the latest HK close that a US session has followed, or None.

    `close_time(listing, daily_bar)` says when that bar's session closed (UTC s); HK bars whose
    session has not closed by `now` are ignored. `usdhkd` is a rate, or daily HKD=X bars (the last
    one at or before the US price is used).
    """
    if not adr.adr_ratio:
        raise ValueError(f"{adr.symbol} has no ADR ratio")
    adr_closes = [(close_time(adr, b), b) for b in adr_bars]
    for h in reversed(hk_bars):
        hk_time = close_time(hk, h)
        if hk_time > now or not h.close:
            continue
        following = next(((t, b) for t, b in adr_closes if t > hk_time and t <= now), None)
        if following is not None:
            adr_time, adr_price, live = following[0], following[1].close, False
        elif adr_quote is not None and adr_quote.as_of > hk_time:
            adr_time, adr_price, live = adr_quote.as_of, adr_quote.last, True
        else:
            continue
        rate = _rate_at(usdhkd, adr_time)
        if rate is None:
            return None
        return AdrPremium(hk.symbol, adr.symbol, adr_premium(adr_price, h.close, adr.adr_ratio, rate),
                          h.close, hk_time, adr_price, adr_time, rate, adr.adr_ratio, live)
    return None


def _rate_at(usdhkd: float | Sequence[Bar], when: int) -> float | None:
    if isinstance(usdhkd, (int, float)):
        return float(usdhkd)
    before = [b for b in usdhkd if b.ts <= when and b.close]
    return before[-1].close if before else None


def default_close_time(listing: Listing, bar: Bar) -> int:
    """When a daily bar's session closed, from the exchange calendar (16:00 local if unknown)."""
    from datetime import datetime, time

    from briefing.domain import market_hours
    from briefing.domain.bar_time import zone

    day = ts_day(bar.ts, listing.timezone)
    code = market_hours.calendar_code(listing)
    close = None
    if code not in (market_hours.FX, market_hours.GENERIC):
        close = market_hours.session_close(code, day)
    if close is None:
        close = int(datetime.combine(day, time(16), zone(listing.timezone)).timestamp())
    return close
