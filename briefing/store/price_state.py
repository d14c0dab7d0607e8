"""Fetch state per price series (coverage, errors) and corporate actions (dividends, splits)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from briefing.domain.price_state import CorporateAction, FetchState
from briefing.store.changes import Change
from briefing.store.database import Database

PRICE_STATE = "price_state"  # change topic: a series' fetch state (stale / error) changed
ACTIONS = "price_actions"

_STATE_COLUMNS = "symbol, interval, covered_from, covered_to, ok_at, error_kind, error_text, error_at, retry_after"


def _state_from_row(r) -> FetchState:
    return FetchState(*r)


class PriceFetchStates:
    """What was asked of the source for each (symbol, interval) and how the last attempt went."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def get(self, symbol: str, interval: str) -> FetchState | None:
        rows = self._db.read(lambda c: c.execute(
            f"SELECT {_STATE_COLUMNS} FROM price_fetch_state WHERE symbol = ? AND interval = ?",
            (symbol, interval)).fetchall())
        return _state_from_row(rows[0]) if rows else None

    def all(self, symbols: Iterable[str] | None = None) -> list[FetchState]:
        rows = self._db.read(lambda c: c.execute(
            f"SELECT {_STATE_COLUMNS} FROM price_fetch_state ORDER BY symbol, interval").fetchall())
        wanted = None if symbols is None else set(symbols)
        return [_state_from_row(r) for r in rows if wanted is None or r[0] in wanted]

    def record_success(self, symbol: str, interval: str, at: int,
                       covered: tuple[int, int] | None = None) -> None:
        """The source answered; `covered` (UTC s, end exclusive) joins the span already covered.

        A span that does not touch the one held replaces it when it is more recent: coverage stays
        one interval, so a gap is never mistaken for data.
        """

        def run(conn: sqlite3.Connection) -> None:
            row = conn.execute("SELECT covered_from, covered_to FROM price_fetch_state "
                               "WHERE symbol = ? AND interval = ?", (symbol, interval)).fetchone()
            lo, hi = (row[0], row[1]) if row else (None, None)
            if covered is not None:
                a, b = covered
                if lo is None or hi is None or b < lo or a > hi:
                    if lo is None or b >= hi:
                        lo, hi = a, b
                else:
                    lo, hi = min(lo, a), max(hi, b)
            conn.execute(
                """INSERT INTO price_fetch_state(symbol, interval, covered_from, covered_to, ok_at,
                       error_kind, error_text, error_at, retry_after)
                   VALUES (?, ?, ?, ?, ?, NULL, '', NULL, NULL)
                   ON CONFLICT(symbol, interval) DO UPDATE SET covered_from = excluded.covered_from,
                       covered_to = excluded.covered_to, ok_at = excluded.ok_at, error_kind = NULL,
                       error_text = '', error_at = NULL, retry_after = NULL""",
                (symbol, interval, lo, hi, at))

        self._db.write(run, [Change(PRICE_STATE, symbol)])

    def record_error(self, symbol: str, interval: str, kind: str, text: str, at: int,
                     retry_after: int | None = None) -> None:
        """The last attempt failed: keep the coverage and the last success, note why."""
        self._db.write(lambda c: c.execute(
            """INSERT INTO price_fetch_state(symbol, interval, error_kind, error_text, error_at, retry_after)
               VALUES (?, ?, ?, ?, ?, ?)
               ON CONFLICT(symbol, interval) DO UPDATE SET error_kind = excluded.error_kind,
                   error_text = excluded.error_text, error_at = excluded.error_at,
                   retry_after = excluded.retry_after""",
            (symbol, interval, kind, text, at, retry_after)), [Change(PRICE_STATE, symbol)])

    def forget(self, symbol: str, interval: str) -> None:
        self._db.write(lambda c: c.execute(
            "DELETE FROM price_fetch_state WHERE symbol = ? AND interval = ?", (symbol, interval)),
            [Change(PRICE_STATE, symbol)])


class CorporateActions:
    """Dividends and splits as the source reported them (the bars keep raw and adjusted closes)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def upsert(self, symbol: str, actions: Iterable[CorporateAction], source: str) -> int:
        rows = [(symbol, a.kind, a.ts, a.value, source) for a in actions]

        def run(conn: sqlite3.Connection) -> int:
            conn.executemany(
                """INSERT INTO price_actions(symbol, kind, ts, value, source) VALUES (?, ?, ?, ?, ?)
                   ON CONFLICT(symbol, kind, ts) DO UPDATE SET value = excluded.value,
                       source = excluded.source""", rows)
            return len(rows)

        return self._db.write(run, [Change(ACTIONS, symbol)] if rows else [])

    def of(self, symbol: str, start: int | None = None, end: int | None = None) -> list[CorporateAction]:
        rows = self._db.read(lambda c: c.execute(
            "SELECT ts, kind, value FROM price_actions WHERE symbol = ? AND ts >= ? AND ts < ? ORDER BY ts, kind",
            (symbol, start if start is not None else -(2**62), end if end is not None else 2**62)).fetchall())
        return [CorporateAction(*r) for r in rows]
