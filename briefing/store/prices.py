"""Price bars and latest quotes."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from briefing.domain.models import Bar, Quote
from briefing.store import changes as topics
from briefing.store.changes import Change
from briefing.store.database import Database
from briefing.store.price_state import CorporateActions, PriceFetchStates
from briefing.store.series_cache import COLUMNS, Series, SeriesCache

INTERVALS = ("1m", "5m", "15m", "60m", "1d", "1wk")
NO_START, NO_END = -(2**62), 2**62
_SELECT_COLUMNS = """SELECT ts, open, high, low, close, adj_close, volume FROM bars
                     WHERE symbol = ? AND interval = ? AND ts >= ? AND ts < ? ORDER BY ts"""


def mark_changed(conn: sqlite3.Connection, keys: Iterable[tuple[str, str]]) -> None:
    """Bump the stored version of each (symbol, interval): call in every transaction that writes
    bars, so no cached copy of them is served again (see `series_cache`)."""
    conn.executemany(
        """INSERT INTO bar_versions(symbol, interval, version) VALUES (?, ?, 1)
           ON CONFLICT(symbol, interval) DO UPDATE SET version = version + 1""",
        list(keys),
    )


def stored_version(conn: sqlite3.Connection, symbol: str, interval: str) -> int:
    row = conn.execute("SELECT version FROM bar_versions WHERE symbol = ? AND interval = ?",
                       (symbol, interval)).fetchone()
    return row[0] if row else 0


class Prices:
    def __init__(self, db: Database) -> None:
        self._db = db
        self.cache = SeriesCache()  # recently read series, for `columns`
        db.changes.subscribe(self._forget_changed)
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
            if rows:
                mark_changed(conn, [(symbol, interval)])
            return len(rows)

        return self._db.write(run, [Change(topics.BARS, symbol)] if rows else [])

    def bars(self, symbol: str, interval: str = "1d", start: int | None = None, end: int | None = None) -> list[Bar]:
        """Bars in [start, end) UTC seconds, oldest first."""
        rows = self._db.read(
            lambda c: c.execute(
                _SELECT_COLUMNS,
                (symbol, interval, start if start is not None else NO_START, end if end is not None else NO_END),
            ).fetchall()
        )
        return [Bar(*r) for r in rows]

    def columns(self, symbol: str, interval: str = "1d", start: int | None = None,
                end: int | None = None) -> dict[str, tuple]:
        """The same bars as `bars()`, column by column (ts, open, ..., volume): what a chart draws.

        Served from `self.cache` when it holds the range at the stored version (one indexed
        look-up in SQLite, then a slice in memory), else read in one snapshot with the version
        and kept for next time.
        """
        lo = start if start is not None else NO_START
        hi = end if end is not None else NO_END
        key = (symbol, interval)
        ticket = self.cache.ticket(key)  # before the read starts: see SeriesCache.put

        def run(conn: sqlite3.Connection) -> tuple[Series | None, int, int, int, list]:
            held = self.cache.get(key, lo, hi, stored_version(conn, symbol, interval))
            if held is not None:
                return held, 0, 0, 0, []
            conn.execute("BEGIN")  # one snapshot: the version and the rows it stands for
            try:
                version = stored_version(conn, symbol, interval)
                a, b = self.cache.read_range(key, lo, hi)
                return None, version, a, b, conn.execute(_SELECT_COLUMNS, (symbol, interval, a, b)).fetchall()
            finally:
                conn.execute("COMMIT")

        held, version, a, b, rows = self._db.read(run)
        if held is None:
            held = Series.of(version, a, b, tuple(zip(*rows)) if rows else ((),) * len(COLUMNS))
            if held is None:  # a ts that is not an integer: cannot be bisected, read as asked
                return self.read_columns(symbol, interval, lo, hi)
            self.cache.put(ticket, held)
        return held.slice(lo, hi)

    def read_columns(self, symbol: str, interval: str, start: int = NO_START, end: int = NO_END) -> dict[str, tuple]:
        """`columns()` straight from SQLite, bypassing the series cache."""
        rows = self._db.read(lambda c: c.execute(_SELECT_COLUMNS, (symbol, interval, start, end)).fetchall())
        return dict(zip(COLUMNS, zip(*rows) if rows else ((),) * len(COLUMNS)))

    def _forget_changed(self, batch: frozenset[Change]) -> None:
        """Change listener (writer thread, after the commit): drop the cached series written."""
        for change in batch:
            if change.topic == topics.BARS:
                self.cache.invalidate(change.key)

    def closes_since(self, symbols: Iterable[str], start: int, interval: str = "1d") -> dict[str, list[tuple[int, float]]]:
        """Each symbol's (ts, close) from `start` on, oldest first, the adjusted close where there
        is one: one query for a whole watchlist's sparklines."""
        symbols = sorted(set(symbols))
        out: dict[str, list[tuple[int, float]]] = {}
        for i in range(0, len(symbols), 500):
            chunk = symbols[i : i + 500]
            rows = self._db.read(lambda c: c.execute(
                f"""SELECT symbol, ts, coalesce(adj_close, close) FROM bars
                    WHERE interval = ? AND ts >= ? AND symbol IN ({','.join('?' * len(chunk))})
                    ORDER BY symbol, ts""", [interval, start, *chunk]).fetchall())
            for symbol, ts, close in rows:
                out.setdefault(symbol, []).append((ts, close))
        return out

    def bar_span(self, symbol: str, interval: str = "1d") -> tuple[int, int] | None:
        """First and last bar time held, or None: what an incremental fetch must not ask again."""
        # Two subqueries: each is one step down the primary key; min() and max() together in one
        # SELECT made SQLite read every bar of the series (0.3 ms for 10 years, ~60 listings a read).
        row = self._db.read(
            lambda c: c.execute(
                "SELECT (SELECT min(ts) FROM bars WHERE symbol = ?1 AND interval = ?2),"
                " (SELECT max(ts) FROM bars WHERE symbol = ?1 AND interval = ?2)", (symbol, interval)
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
