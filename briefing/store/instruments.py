"""Companies and their listings."""

from __future__ import annotations

import json
import sqlite3
from datetime import date

from briefing.domain.models import Company, Listing
from briefing.store import changes as topics
from briefing.store.changes import Change
from briefing.store.database import Database


def _date(s: str | None) -> date | None:
    return date.fromisoformat(s) if s else None


def company_from_row(r: sqlite3.Row) -> Company:
    return Company(
        id=r["id"],
        name_en=r["name_en"],
        name_zh=r["name_zh"],
        aliases_en=tuple(json.loads(r["aliases_en"])),
        aliases_zh=tuple(json.loads(r["aliases_zh"])),
        tickers=tuple(json.loads(r["tickers"])),
    )


def listing_from_row(r: sqlite3.Row) -> Listing:
    return Listing(
        symbol=r["symbol"],
        exchange=r["exchange"],
        currency=r["currency"],
        timezone=r["timezone"],
        company_id=r["company_id"],
        name_en=r["name_en"],
        name_zh=r["name_zh"],
        adr_ratio=r["adr_ratio"],
        kind=r["kind"],
        listed_on=_date(r["listed_on"]),
        history_from=_date(r["history_from"]),
    )


class Instruments:
    def __init__(self, db: Database) -> None:
        self._db = db

    def upsert(self, companies: list[Company], listings: list[Listing]) -> None:
        def run(conn: sqlite3.Connection) -> None:
            conn.executemany(
                """INSERT INTO companies(id, name_en, name_zh, aliases_en, aliases_zh, tickers)
                   VALUES (?, ?, ?, ?, ?, ?)
                   ON CONFLICT(id) DO UPDATE SET name_en=excluded.name_en, name_zh=excluded.name_zh,
                     aliases_en=excluded.aliases_en, aliases_zh=excluded.aliases_zh,
                     tickers=excluded.tickers""",
                [
                    (c.id, c.name_en, c.name_zh, json.dumps(list(c.aliases_en), ensure_ascii=False),
                     json.dumps(list(c.aliases_zh), ensure_ascii=False), json.dumps(list(c.tickers)))
                    for c in companies
                ],
            )
            conn.executemany(
                """INSERT INTO listings(symbol, company_id, exchange, currency, timezone, name_en,
                     name_zh, adr_ratio, kind, listed_on, history_from)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT(symbol) DO UPDATE SET company_id=excluded.company_id,
                     exchange=excluded.exchange, currency=excluded.currency,
                     timezone=excluded.timezone, name_en=excluded.name_en, name_zh=excluded.name_zh,
                     adr_ratio=excluded.adr_ratio, kind=excluded.kind,
                     listed_on=excluded.listed_on, history_from=excluded.history_from""",
                [
                    (l.symbol, l.company_id, l.exchange, l.currency, l.timezone, l.name_en, l.name_zh,
                     l.adr_ratio, l.kind, l.listed_on and l.listed_on.isoformat(),
                     l.history_from and l.history_from.isoformat())
                    for l in listings
                ],
            )

        self._db.write(run, [Change(topics.INSTRUMENTS)])

    def companies(self) -> list[Company]:
        return [company_from_row(r) for r in self._db.query("SELECT * FROM companies ORDER BY name_en")]

    def listings(self) -> list[Listing]:
        return [listing_from_row(r) for r in self._db.query("SELECT * FROM listings ORDER BY symbol")]

    def listing(self, symbol: str) -> Listing | None:
        rows = self._db.query("SELECT * FROM listings WHERE symbol = ?", (symbol,))
        return listing_from_row(rows[0]) if rows else None
