"""Price bars and latest quotes."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from briefing.domain.models import Bar, Quote
from briefing.store import changes as topics
from briefing.store.changes import Change
from briefing.store.database import Database
from briefing.store.price_state import CorporateActions, PriceFetchStates

INTERVALS = ("1m", "5m", "15m", "60m", "1d", "1wk")


class Prices:
    def __init__(self, db: Database) -> None:
        self._db = db
        self.state = PriceFetchStates(db)  # coverage and last error per series
        self.actions = CorporateActions(db)  # dividends and splits

    def upsert_bars(self, symbol: str, interval: str, bars: Iterable[Bar], source: str) -> int:
        """Insert or replace bars by (symbol, interval, ts); returns the number written."""
        if interval not in INTERVALS:
            raise ValueError(f"unknown interval {interval!r}")
        rows = [
            (symbol, interval, b.ts, b.open, b.high, b.low, b.close, b.adj_close, b.volume, source)
            for b in bars
        ]

        def run(conn: sqlite3.Connection) -> int:
            conn.executemany(
                """INSERT INTO bars(symbol, interval, ts, open, high, low, close, adj_close, volume, source)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT(symbol, interval, ts) DO UPDATE SET open=excluded.open,
                     high=excluded.high, low=excluded.low, close=excluded.close,
                     adj_close=excluded.adj_close, volume=excluded.volume, source=excluded.source""",
                rows,
            )
            return len(rows)

        return self._db.write(run, [Change(topics.BARS, symbol)] if rows else [])

    def bars(self, symbol: str, interval: str = "1d", start: int | None = None, end: int | None = None) -> list[Bar]:
        """Bars in [start, end) UTC seconds, oldest first."""
        rows = self._db.read(
            lambda c: c.execute(
                """SELECT ts, open, high, low, close, adj_close, volume FROM bars
                   WHERE symbol = ? AND interval = ? AND ts >= ? AND ts < ? ORDER BY ts""",
                (symbol, interval, start if start is not None else -(2**62), end if end is not None else 2**62),
            ).fetchall()
        )
        return [Bar(*r) for r in rows]

    def columns(self, symbol: str, interval: str = "1d", start: int | None = None,
                end: int | None = None) -> dict[str, tuple]:
        """The same bars as `bars()`, column by column (ts, open, ..., volume): what a chart draws.

        Cheaper than building one `Bar` per row: a 10-year chart is ~2,500 rows.
        """
        rows = self._db.read(
            lambda c: c.execute(
                """SELECT ts, open, high, low, close, adj_close, volume FROM bars
                   WHERE symbol = ? AND interval = ? AND ts >= ? AND ts < ? ORDER BY ts""",
                (symbol, interval, start if start is not None else -(2**62), end if end is not None else 2**62),
            ).fetchall()
        )
        cols = tuple(zip(*rows)) if rows else ((),) * 7
        return dict(zip(("ts", "open", "high", "low", "close", "adj_close", "volume"), cols))

    def bar_span(self, symbol: str, interval: str = "1d") -> tuple[int, int] | None:
        """First and last bar time held, or None: what an incremental fetch must not ask again."""
        row = self._db.read(
            lambda c: c.execute(
                "SELECT min(ts), max(ts) FROM bars WHERE symbol = ? AND interval = ?", (symbol, interval)
            ).fetchone()
        )
        return None if row[0] is None else (row[0], row[1])

    def bar_sources(self, symbol: str) -> set[str]:
        rows = self._db.read(
            lambda c: c.execute("SELECT DISTINCT source FROM bars WHERE symbol = ?", (symbol,)).fetchall()
        )
        return {r[0] for r in rows}

    def upsert_quote(self, quote: Quote) -> None:
        self.upsert_quotes([quote])

    def upsert_quotes(self, quotes: Iterable[Quote]) -> None:
        quotes = list(quotes)
        rows = [
            (q.symbol, q.last, q.previous_close, q.day_low, q.day_high, q.volume, q.year_low, q.year_high,
             q.market_cap, q.currency, q.as_of, q.source, q.fetched_at)
            for q in quotes
        ]

        def run(conn: sqlite3.Connection) -> None:
            conn.executemany(
                """INSERT OR REPLACE INTO quotes(symbol, last, previous_close, day_low, day_high, volume,
                     year_low, year_high, market_cap, currency, as_of, source, fetched_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                rows,
            )

        self._db.write(run, [Change(topics.QUOTES, q.symbol) for q in quotes])

    def quotes(self, symbols: Iterable[str] | None = None) -> dict[str, Quote]:
        rows = self._db.query("SELECT * FROM quotes")
        wanted = set(symbols) if symbols is not None else None
        return {r["symbol"]: quote_from_row(r) for r in rows if wanted is None or r["symbol"] in wanted}


def quote_from_row(r: sqlite3.Row) -> Quote:
    return Quote(
        symbol=r["symbol"], last=r["last"], as_of=r["as_of"], source=r["source"],
        previous_close=r["previous_close"], day_low=r["day_low"], day_high=r["day_high"],
        volume=r["volume"], year_low=r["year_low"], year_high=r["year_high"],
        market_cap=r["market_cap"], currency=r["currency"], fetched_at=r["fetched_at"],
    )
