"""Named watchlists and their ordered members; pinned lists come first."""

from __future__ import annotations

import sqlite3

from briefing.domain.models import Watchlist, WatchlistRow
from briefing.store import changes as topics
from briefing.store.changes import Change
from briefing.store.database import Database, StoreError
from briefing.store.instruments import company_from_row, listing_from_row
from briefing.store.prices import quote_from_row

_CHANGED = [Change(topics.WATCHLISTS)]


class WatchlistError(StoreError):
    pass


def _id(conn: sqlite3.Connection, name: str) -> int:
    row = conn.execute("SELECT id FROM watchlists WHERE name = ?", (name,)).fetchone()
    if row is None:
        raise WatchlistError(f"no watchlist named {name!r}")
    return row[0]


class Watchlists:
    def __init__(self, db: Database) -> None:
        self._db = db

    def all(self) -> list[Watchlist]:
        """Pinned lists first, then by the user's order."""

        def run(conn: sqlite3.Connection) -> list[Watchlist]:
            lists = conn.execute(
                "SELECT id, name, pinned, position FROM watchlists ORDER BY pinned DESC, position, id"
            ).fetchall()
            members: dict[int, list[str]] = {}
            for wid, sym in conn.execute(
                "SELECT watchlist_id, symbol FROM watchlist_members ORDER BY watchlist_id, position"
            ):
                members.setdefault(wid, []).append(sym)
            return [Watchlist(i, n, bool(p), pos, tuple(members.get(i, ()))) for i, n, p, pos in lists]

        return self._db.read(run)

    def get(self, name: str) -> Watchlist:
        for w in self.all():
            if w.name.casefold() == name.casefold():
                return w
        raise WatchlistError(f"no watchlist named {name!r}")

    def create(self, name: str, *, pinned: bool = False) -> Watchlist:
        name = name.strip()
        if not name:
            raise WatchlistError("a watchlist needs a name")

        def run(conn: sqlite3.Connection) -> tuple[int, int]:
            if conn.execute("SELECT 1 FROM watchlists WHERE name = ?", (name,)).fetchone():
                raise WatchlistError(f"a watchlist named {name!r} already exists")
            pos = conn.execute("SELECT coalesce(max(position), -1) + 1 FROM watchlists").fetchone()[0]
            wid = conn.execute(
                "INSERT INTO watchlists(name, pinned, position) VALUES (?, ?, ?)", (name, int(pinned), pos)
            ).lastrowid
            return wid, pos

        wid, pos = self._db.write(run, _CHANGED)
        return Watchlist(wid, name, pinned, pos, ())

    def rename(self, old: str, new: str) -> None:
        new = new.strip()
        if not new:
            raise WatchlistError("a watchlist needs a name")

        def run(conn: sqlite3.Connection) -> None:
            wid = _id(conn, old)
            clash = conn.execute("SELECT id FROM watchlists WHERE name = ?", (new,)).fetchone()
            if clash and clash[0] != wid:
                raise WatchlistError(f"a watchlist named {new!r} already exists")
            conn.execute("UPDATE watchlists SET name = ? WHERE id = ?", (new, wid))

        self._db.write(run, _CHANGED)

    def delete(self, name: str) -> None:
        self._db.write(lambda c: c.execute("DELETE FROM watchlists WHERE id = ?", (_id(c, name),)), _CHANGED)

    def set_pinned(self, name: str, pinned: bool) -> None:
        self._db.write(
            lambda c: c.execute("UPDATE watchlists SET pinned = ? WHERE id = ?", (int(pinned), _id(c, name))),
            _CHANGED,
        )

    def add(self, name: str, symbols: list[str]) -> list[str]:
        """Append symbols (known listings only); returns those actually added (not already there)."""

        def run(conn: sqlite3.Connection) -> list[str]:
            wid = _id(conn, name)
            unknown = [
                s for s in symbols if not conn.execute("SELECT 1 FROM listings WHERE symbol = ?", (s,)).fetchone()
            ]
            if unknown:
                raise WatchlistError(f"unknown symbol {', '.join(unknown)} (not in the instruments registry)")
            pos = conn.execute(
                "SELECT coalesce(max(position), -1) + 1 FROM watchlist_members WHERE watchlist_id = ?", (wid,)
            ).fetchone()[0]
            added = []
            for s in symbols:
                cur = conn.execute(
                    "INSERT OR IGNORE INTO watchlist_members(watchlist_id, symbol, position) VALUES (?, ?, ?)",
                    (wid, s, pos),
                )
                if cur.rowcount:
                    added.append(s)
                    pos += 1
            return added

        return self._db.write(run, _CHANGED)

    def remove(self, name: str, symbols: list[str]) -> list[str]:
        def run(conn: sqlite3.Connection) -> list[str]:
            wid = _id(conn, name)
            removed = [
                s for s in symbols
                if conn.execute(
                    "DELETE FROM watchlist_members WHERE watchlist_id = ? AND symbol = ?", (wid, s)
                ).rowcount
            ]
            _renumber(conn, wid)
            return removed

        return self._db.write(run, _CHANGED)

    def move(self, name: str, symbol: str, index: int) -> None:
        """Move a member to `index` in the list's order (clamped)."""

        def run(conn: sqlite3.Connection) -> None:
            wid = _id(conn, name)
            order = [r[0] for r in conn.execute(
                "SELECT symbol FROM watchlist_members WHERE watchlist_id = ? ORDER BY position", (wid,))]
            if symbol not in order:
                raise WatchlistError(f"{symbol} is not in {name!r}")
            order.remove(symbol)
            order.insert(max(0, min(index, len(order))), symbol)
            conn.executemany(
                "UPDATE watchlist_members SET position = ? WHERE watchlist_id = ? AND symbol = ?",
                [(i, wid, s) for i, s in enumerate(order)],
            )

        self._db.write(run, _CHANGED)

    def rows(self, watchlist_id: int) -> list[WatchlistRow]:
        """The members of one list joined with their listing, company and latest quote."""

        def run(conn: sqlite3.Connection) -> list[WatchlistRow]:
            conn_rows = conn.execute(
                """SELECT m.position AS position, l.*, c.id AS c_id, c.name_en AS c_name_en,
                          c.name_zh AS c_name_zh, c.aliases_en AS c_aliases_en,
                          c.aliases_zh AS c_aliases_zh, c.tickers AS c_tickers
                   FROM watchlist_members m JOIN listings l ON l.symbol = m.symbol
                   LEFT JOIN companies c ON c.id = l.company_id
                   WHERE m.watchlist_id = ? ORDER BY m.position""",
                (watchlist_id,),
            )
            conn_rows.row_factory = sqlite3.Row
            members = conn_rows.fetchall()
            qcur = conn.execute(
                "SELECT q.* FROM quotes q JOIN watchlist_members m ON m.symbol = q.symbol WHERE m.watchlist_id = ?",
                (watchlist_id,),
            )
            qcur.row_factory = sqlite3.Row
            quotes = {r["symbol"]: quote_from_row(r) for r in qcur}
            out = []
            for r in members:
                company = None
                if r["c_id"] is not None:
                    company = company_from_row({
                        "id": r["c_id"], "name_en": r["c_name_en"], "name_zh": r["c_name_zh"],
                        "aliases_en": r["c_aliases_en"], "aliases_zh": r["c_aliases_zh"],
                        "tickers": r["c_tickers"],
                    })
                out.append(WatchlistRow(listing_from_row(r), company, quotes.get(r["symbol"]), r["position"]))
            return out

        return self._db.read(run)


def _renumber(conn: sqlite3.Connection, wid: int) -> None:
    order = [r[0] for r in conn.execute(
        "SELECT symbol FROM watchlist_members WHERE watchlist_id = ? ORDER BY position", (wid,))]
    conn.executemany(
        "UPDATE watchlist_members SET position = ? WHERE watchlist_id = ? AND symbol = ?",
        [(i, wid, s) for i, s in enumerate(order)],
    )
