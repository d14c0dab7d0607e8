"""yfinance's pandas frames and Yahoo's JSON turned into our records (pandas lives only here).

Daily rows are dated by the session date in the exchange's zone (yfinance puts them at exchange
midnight), then stamped with `bar_time.day_ts` in the listing's zone; intraday rows keep their
UTC start. `Close` is Yahoo's close (split-adjusted, as Yahoo always reports it, not
dividend-adjusted) and `Adj Close` its dividend-and-split adjusted close: both are kept.
"""

from __future__ import annotations

import math
from typing import Any

from briefing.domain.bar_time import day_ts, is_daily
from briefing.domain.models import Bar, Quote
from briefing.domain.price_state import CorporateAction
from briefing.sources.base import PriceHistory, SeriesInfo


def _num(v) -> float | None:
    if v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) or math.isinf(f) else f


def _epoch(v) -> int | None:
    """An int epoch, or a pandas/py datetime (yfinance formats its metadata), as UTC seconds."""
    if v is None:
        return None
    if isinstance(v, (int, float)):
        return int(v)
    ts = getattr(v, "timestamp", None)
    return int(ts()) if callable(ts) else None


def series_info(symbol: str, meta: dict[str, Any]) -> SeriesInfo:
    return SeriesInfo(
        symbol=symbol, timezone=meta.get("exchangeTimezoneName") or "", currency=meta.get("currency") or "",
        exchange=meta.get("exchangeName") or "", name=meta.get("longName") or meta.get("shortName") or "",
        first_trade=_epoch(meta.get("firstTradeDate")),
    )


def frame_to_history(symbol: str, interval: str, df, meta: dict[str, Any], *, tz: str,
                     start: int, end: int) -> PriceHistory:
    """Rows of `df` with `start <= ts < end` as bars; dividends and splits as actions."""
    notes: list[str] = []
    if is_daily(interval):
        stamps = [day_ts(d, tz) for d in df.index.date]
    else:
        stamps = df.index.as_unit("s").asi8.tolist()

    def column(name: str) -> list:
        return df[name].tolist() if name in df.columns else [None] * len(df)

    opens, highs, lows, closes = column("Open"), column("High"), column("Low"), column("Close")
    adj, vols = column("Adj Close"), column("Volume")
    divs, splits = column("Dividends"), column("Stock Splits")
    bars: list[Bar] = []
    actions: list[CorporateAction] = []
    dropped = 0
    seen: set[int] = set()
    for i, ts in enumerate(stamps):
        if not (start <= ts < end) or ts in seen:
            continue
        d, s = _num(divs[i]), _num(splits[i])
        if d:
            actions.append(CorporateAction(ts, "dividend", d))
        if s:
            actions.append(CorporateAction(ts, "split", s))
        close = _num(closes[i])
        if close is None:
            dropped += 1
            continue
        seen.add(ts)
        v = _num(vols[i])
        bars.append(Bar(ts, _num(opens[i]), _num(highs[i]), _num(lows[i]), close, _num(adj[i]),
                        None if v is None else int(v)))
    if dropped:
        notes.append(f"{dropped} rows without a close were skipped")
    bars.sort(key=lambda b: b.ts)
    return PriceHistory(symbol, interval, tuple(bars), tuple(actions), series_info(symbol, meta), tuple(notes))


def quote_from_v7(row: dict[str, Any], fetched_at: int, source: str = "yahoo") -> Quote | None:
    """One `quoteResponse.result` entry; None when it has no price."""
    last = _num(row.get("regularMarketPrice"))
    as_of = _epoch(row.get("regularMarketTime"))
    if last is None or as_of is None:
        return None
    vol = _num(row.get("regularMarketVolume"))
    return Quote(
        symbol=row["symbol"], last=last, as_of=as_of, source=source,
        previous_close=_num(row.get("regularMarketPreviousClose")),
        day_low=_num(row.get("regularMarketDayLow")), day_high=_num(row.get("regularMarketDayHigh")),
        volume=None if vol is None else int(vol),
        year_low=_num(row.get("fiftyTwoWeekLow")), year_high=_num(row.get("fiftyTwoWeekHigh")),
        market_cap=_num(row.get("marketCap")), currency=row.get("currency"), fetched_at=fetched_at,
    )


def quote_from_chart_meta(symbol: str, meta: dict[str, Any], fetched_at: int, source: str = "yahoo") -> Quote | None:
    """A quote from a chart response's `meta` (no market cap there)."""
    last = _num(meta.get("regularMarketPrice"))
    as_of = _epoch(meta.get("regularMarketTime"))
    if last is None or as_of is None:
        return None
    vol = _num(meta.get("regularMarketVolume"))
    previous = _num(meta.get("previousClose"))
    if previous is None:
        previous = _num(meta.get("chartPreviousClose"))
    return Quote(
        symbol=symbol, last=last, as_of=as_of, source=source, previous_close=previous,
        day_low=_num(meta.get("regularMarketDayLow")), day_high=_num(meta.get("regularMarketDayHigh")),
        volume=None if vol is None else int(vol),
        year_low=_num(meta.get("fiftyTwoWeekLow")), year_high=_num(meta.get("fiftyTwoWeekHigh")),
        currency=meta.get("currency"), fetched_at=fetched_at,
    )
