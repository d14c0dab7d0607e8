"""`briefing prices SYMBOL`, `briefing quote SYMBOL...`, `briefing import-prices SYMBOL FILE.csv`.

Reads are cache-first: the network is asked only for what the cache lacks (never with --offline
or in the demo profile), and when it fails the cached data is shown with why it is stale.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date, timedelta

from briefing.cli.common import emit, profile_for

INTERVALS = ("1d", "1wk", "1m", "5m", "15m", "60m")
DEFAULT_SPAN = {"1d": 366, "1wk": 5 * 366, "1m": 2, "5m": 5, "15m": 10, "60m": 30}  # days shown by default


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def register(sub, add_globals) -> None:
    p = sub.add_parser("prices", help="show a symbol's bars (cache first, fetching only the gap)")
    p.add_argument("symbol")
    p.add_argument("--interval", default="1d", choices=INTERVALS)
    p.add_argument("--start", type=_day, help="first session date, YYYY-MM-DD (exchange's date)")
    p.add_argument("--end", type=_day, help="last session date, YYYY-MM-DD (inclusive)")
    p.add_argument("--json", action="store_true", help="print JSON")
    add_globals(p)
    p.set_defaults(handler=run_prices)

    q = sub.add_parser("quote", help="show the latest quote of symbols (and the HK-vs-ADR premium)")
    q.add_argument("symbols", nargs="+")
    q.add_argument("--json", action="store_true", help="print JSON")
    add_globals(q)
    q.set_defaults(handler=run_quote)

    i = sub.add_parser("import-prices", help="import daily or weekly bars from a CSV file")
    i.add_argument("symbol")
    i.add_argument("file")
    i.add_argument("--timezone", help="the exchange's IANA zone, for a symbol the app does not know")
    i.add_argument("--json", action="store_true", help="print JSON")
    add_globals(i)
    i.set_defaults(handler=run_import)


def _online(args, store) -> bool:
    return not args.offline and not args.demo and not store.is_demo()


def _refresher(profile):
    from briefing.services.price_refresh import PriceRefresher, yahoo_source_for

    return PriceRefresher(profile.store, yahoo_source_for(profile.paths, profile.store))


def _warn(text: str) -> None:
    print(f"briefing: warning: {text}", file=sys.stderr)


# ----- prices ------------------------------------------------------------------------------------
def run_prices(args) -> int:
    from briefing.cli import CommandError
    from briefing.domain import formatting as fmt
    from briefing.domain.bar_time import day_ts, is_daily, ts_day
    from briefing.domain.market_hours import guess_listing

    symbol = args.symbol.strip().upper()
    with profile_for(args) as profile:
        store = profile.store
        listing = store.instruments.listing(symbol) or guess_listing(symbol)
        tz = listing.timezone or "UTC"
        today = ts_day(int(time.time()), tz)
        last = args.end or today
        first = args.start or last - timedelta(days=DEFAULT_SPAN[args.interval])
        if first > last:
            raise CommandError("--start is after --end")
        start, end = day_ts(first, tz), day_ts(last + timedelta(days=1), tz)
        error = None
        if _online(args, store):
            outcome = _refresher(profile).ensure_bars(symbol, args.interval, start, end)
            error = outcome.error
        cols = store.prices.columns(symbol, args.interval, start, end)
        if not cols["ts"]:
            if error is not None:
                raise CommandError(error.text)
            raise CommandError(f"no {args.interval} bars of {symbol} between {first} and {last} in the cache"
                               + (" (offline)" if not _online(args, store) else ""))
        if error is not None:
            _warn(f"{error.text}; showing cached bars")
        listing = store.instruments.listing(symbol) or listing
        tz = listing.timezone or tz
        stamp = (lambda t: ts_day(t, tz).isoformat()) if is_daily(args.interval) else \
            (lambda t: fmt.local_time(t, tz))
        rows = [dict(time=stamp(t), ts=t, open=o, high=h, low=lo, close=c, adj_close=a, volume=v)
                for t, o, h, lo, c, a, v in zip(*cols.values())]
        data = {"symbol": symbol, "interval": args.interval, "timezone": tz, "currency": listing.currency,
                "sources": sorted(store.prices.bar_sources(symbol)), "stale": error.text if error else None,
                "bars": rows}
        lines = [f"{symbol} {args.interval} ({listing.currency or '?'}, {tz}); {len(rows)} bars",
                 f"{'time':<22}{'open':>11}{'high':>11}{'low':>11}{'close':>11}{'adj close':>11}{'volume':>14}"]
        lines += [f"{r['time']:<22}{fmt.price(r['open']):>11}{fmt.price(r['high']):>11}{fmt.price(r['low']):>11}"
                  f"{fmt.price(r['close']):>11}{fmt.price(r['adj_close']):>11}{fmt.volume(r['volume']):>14}"
                  for r in rows]
        emit(args, data, lines)
        return 0


# ----- quote -------------------------------------------------------------------------------------
def run_quote(args) -> int:
    from briefing.cli import CommandError
    from briefing.domain import formatting as fmt
    from briefing.domain.market_hours import guess_listing, market_state
    from briefing.domain.price_state import QUOTE, stale_text
    from briefing.services.premiums import premium_for
    from briefing.sources.errors import SourceError

    symbols = list(dict.fromkeys(s.strip().upper() for s in args.symbols))
    with profile_for(args) as profile:
        store = profile.store
        failure = None
        if _online(args, store):
            try:
                _refresher(profile).refresh_quotes(symbols)
            except SourceError as exc:
                failure = exc
        quotes = store.prices.quotes(symbols)
        if not quotes:
            raise CommandError(failure.text if failure else f"no quote of {', '.join(symbols)} in the cache")
        now = time.time()
        data, lines = [], []
        for s in symbols:
            q = quotes.get(s)
            state = store.prices.state.get(s, QUOTE)
            listing = store.instruments.listing(s) or guess_listing(s)
            if q is None:
                _warn(f"{s}: no quote" + (f" ({state.reason()})" if state and state.failing else ""))
                continue
            stale = stale_text(state)
            market = market_state(listing, now).label if listing.timezone else ""
            premium = premium_for(store, s, now) if listing.kind == "adr" else None
            data.append({"symbol": s, "last": q.last, "currency": q.currency or listing.currency,
                         "previous_close": q.previous_close, "change": q.change, "change_pct": q.change_pct,
                         "day_low": q.day_low, "day_high": q.day_high, "volume": q.volume,
                         "year_low": q.year_low, "year_high": q.year_high, "market_cap": q.market_cap,
                         "as_of": q.as_of, "as_of_local": fmt.local_time(q.as_of, listing.timezone or "UTC"),
                         "source": q.source, "market": market, "stale": stale or None,
                         "premium": None if premium is None else {"value": premium.value, "label": premium.label(),
                                                                  "hk_time": premium.hk_time,
                                                                  "adr_time": premium.adr_time}})
            lines.append(f"{s:<9}{fmt.price(q.last):>10} {q.currency or listing.currency:<4}"
                         f"{fmt.change(q.change):>9} ({fmt.percent(q.change_pct)})  "
                         f"at {fmt.local_time(q.as_of, listing.timezone or 'UTC')}  {market}"
                         + (f"  [{stale}]" if stale else "") + ("  [demo]" if q.source == "demo" else ""))
            if premium is not None:
                lines.append(f"{'':9}premium {premium.label()}")
        if failure is not None:
            _warn(f"{failure.text}; showing cached quotes")
        emit(args, data, lines)
        return 0 if data else 1


# ----- import-prices -----------------------------------------------------------------------------
def run_import(args) -> int:
    from pathlib import Path

    from briefing.cli import CommandError
    from briefing.domain.bar_time import ts_day
    from briefing.domain.market_hours import guess_listing
    from briefing.domain.models import Listing
    from briefing.sources.csv_prices import CsvFormatError, read_price_csv

    symbol = args.symbol.strip().upper()
    path = Path(args.file)
    if not path.is_file():
        raise CommandError(f"no such file: {path}")
    with profile_for(args) as profile:
        store = profile.store
        if args.demo or store.is_demo():
            raise CommandError("the demo profile holds demo prices only; import into your own profile")
        listing = store.instruments.listing(symbol)
        if listing is None:
            listing = guess_listing(symbol)
            if args.timezone:
                listing = Listing(symbol, listing.exchange, listing.currency, args.timezone, name_en=symbol)
            if not listing.timezone or listing.timezone == "UTC" and listing.kind != "fx":
                raise CommandError(f"{symbol} is not a symbol the app knows: pass --timezone (e.g. Asia/Hong_Kong)")
            store.instruments.upsert([], [listing])
        try:
            result = read_price_csv(path, tz=listing.timezone, history_from=listing.history_from)
        except (CsvFormatError, OSError) as exc:
            raise CommandError(f"{path}: {exc}") from exc
        if result.bars:
            store.prices.upsert_bars(symbol, result.interval, result.bars, "csv")
            store.prices.actions.upsert(symbol, result.actions, "csv")
            store.prices.state.record_success(symbol, result.interval, int(time.time()),
                                              (result.bars[0].ts, result.bars[-1].ts + 1))
        kind = {"1d": "daily", "1wk": "weekly"}[result.interval]
        span = (f" ({ts_day(result.bars[0].ts, listing.timezone)} to {ts_day(result.bars[-1].ts, listing.timezone)})"
                if result.bars else "")
        lines = [f"imported {len(result.bars)} {kind} bars of {symbol}{span} from {path.name}"]
        if result.actions:
            lines.append(f"  with {len(result.actions)} dividends/splits")
        lines += [f"  note: {n}" for n in result.notes]
        if result.bad_rows:
            lines.append(f"{len(result.bad_rows)} bad rows skipped:")
            lines += [f"  {b}" for b in result.bad_rows]
        data = {"symbol": symbol, "file": str(path), "interval": result.interval, "imported": len(result.bars),
                "actions": len(result.actions), "columns": result.columns, "notes": list(result.notes),
                "bad_rows": [{"line": b.line, "reason": b.reason} for b in result.bad_rows]}
        emit(args, data, lines)
        if not result.bars:
            print(f"briefing: error: no usable rows in {path}", file=sys.stderr)
            return 1
        return 0
