"""Regulation events: curated ones from `resources/`, the user's own, and those promoted from news.

Also what the user decided about news items flagged as regulatory (promoted to an event, or
dismissed), and which curated events they deleted, so an app upgrade does not bring them back.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from briefing.domain.models import RegulationEvent
from briefing.store import changes as topics
from briefing.store.changes import Change
from briefing.store.database import Database


def _event(r: sqlite3.Row) -> RegulationEvent:
    return RegulationEvent(
        id=r["id"], title_en=r["title_en"], category=r["category"],
        announced=date.fromisoformat(r["announced"]) if r["announced"] else None,
        effective=date.fromisoformat(r["effective"]) if r["effective"] else None,
        body=r["body"], title_zh=r["title_zh"], companies=tuple(json.loads(r["companies"])),
        summary=r["summary"], source_url=r["source_url"], origin=r["origin"],
    )


def _same(a: RegulationEvent, b: RegulationEvent) -> bool:
    return _row(a)[:10] == _row(b)[:10]


def _row(e: RegulationEvent) -> tuple:
    return (
        e.id, e.announced and e.announced.isoformat(), e.effective and e.effective.isoformat(), e.body,
        e.title_en, e.title_zh, e.category, json.dumps(list(e.companies)), e.summary, e.source_url, e.origin,
    )


_UPSERT_USER = """INSERT INTO events(id, announced, effective, body, title_en, title_zh, category,
       companies, summary, source_url, origin, user_modified)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)
     ON CONFLICT(id) DO UPDATE SET announced=excluded.announced, effective=excluded.effective,
       body=excluded.body, title_en=excluded.title_en, title_zh=excluded.title_zh,
       category=excluded.category, companies=excluded.companies, summary=excluded.summary,
       source_url=excluded.source_url, user_modified=1"""

PROMOTED, DISMISSED = "promoted", "dismissed"


@dataclass(frozen=True)
class NewsDecision:
    news_id: str
    state: str  # promoted | dismissed
    event_id: str | None
    decided_at: int


class Events:
    def __init__(self, db: Database) -> None:
        self._db = db

    def load_curated(self, events: Iterable[RegulationEvent]) -> int:
        """Add or refresh the bundled events; an event the user edited or deleted is left as they made it."""
        rows = [_row(e) for e in events]

        def run(conn: sqlite3.Connection) -> int:
            deleted = {r[0] for r in conn.execute("SELECT id FROM event_tombstones")}
            todo = [r for r in rows if r[0] not in deleted]
            before = conn.total_changes
            conn.executemany(
                """INSERT INTO events(id, announced, effective, body, title_en, title_zh, category,
                     companies, summary, source_url, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT(id) DO UPDATE SET announced=excluded.announced, effective=excluded.effective,
                     body=excluded.body, title_en=excluded.title_en, title_zh=excluded.title_zh,
                     category=excluded.category, companies=excluded.companies, summary=excluded.summary,
                     source_url=excluded.source_url
                   WHERE events.user_modified = 0 AND events.origin = 'curated'""",
                todo,
            )
            return conn.total_changes - before

        return self._db.write(run, [Change(topics.EVENTS)])

    def save(self, event: RegulationEvent) -> None:
        """Save a user's new or edited event; an edited curated event is marked so upgrades keep it."""

        self._db.write(lambda c: c.execute(_UPSERT_USER, _row(event)), [Change(topics.EVENTS, event.id)])

    def save_many(self, events: Iterable[RegulationEvent]) -> int:
        """Save imported events in one transaction; an unchanged event is not rewritten (nor marked edited)."""
        events = list(events)

        def run(conn: sqlite3.Connection) -> int:
            written = 0
            for e in events:
                cur = conn.execute("SELECT * FROM events WHERE id = ?", (e.id,))
                cur.row_factory = sqlite3.Row
                old = cur.fetchone()
                if old is not None and _same(_event(old), e):
                    continue
                conn.execute(_UPSERT_USER, _row(e))
                conn.execute("DELETE FROM event_tombstones WHERE id = ?", (e.id,))
                written += 1
            return written

        return self._db.write(run, lambda n: [Change(topics.EVENTS)] if n else [])

    def delete(self, event_id: str) -> None:
        """Delete an event; a curated one is remembered as deleted so upgrades do not restore it."""

        def run(conn: sqlite3.Connection) -> None:
            row = conn.execute("SELECT origin FROM events WHERE id = ?", (event_id,)).fetchone()
            if row is not None and row[0] == "curated":
                conn.execute("INSERT OR REPLACE INTO event_tombstones(id, deleted_at) VALUES (?, ?)",
                             (event_id, int(time.time())))
            conn.execute("DELETE FROM events WHERE id = ?", (event_id,))
            conn.execute("UPDATE news_event_flags SET event_id = NULL WHERE event_id = ?", (event_id,))

        self._db.write(run, [Change(topics.EVENTS, event_id)])

    def get(self, event_id: str) -> RegulationEvent | None:
        rows = self._db.query("SELECT * FROM events WHERE id = ?", (event_id,))
        return _event(rows[0]) if rows else None

    def ids(self) -> set[str]:
        return {r[0] for r in self._db.query("SELECT id FROM events")}

    def deleted_curated(self) -> set[str]:
        return {r[0] for r in self._db.query("SELECT id FROM event_tombstones")}

    # ----- news items flagged as regulatory ---------------------------------------------------------
    def promote_news(self, news_id: str, event: RegulationEvent) -> None:
        """Save the event made from a flagged news item and remember the item as promoted."""

        def run(conn: sqlite3.Connection) -> None:
            conn.execute(_UPSERT_USER, _row(event))
            conn.execute(
                "INSERT OR REPLACE INTO news_event_flags(news_id, state, event_id, decided_at) VALUES (?, ?, ?, ?)",
                (news_id, PROMOTED, event.id, int(time.time())),
            )

        self._db.write(run, [Change(topics.EVENTS, event.id)])

    def dismiss_news(self, news_id: str) -> None:
        self._db.write(
            lambda c: c.execute(
                "INSERT OR REPLACE INTO news_event_flags(news_id, state, event_id, decided_at) VALUES (?, ?, NULL, ?)",
                (news_id, DISMISSED, int(time.time())),
            ),
            [Change(topics.EVENTS, f"news:{news_id}")],
        )

    def undo_news_decision(self, news_id: str) -> None:
        """Offer the item again (a promoted item's event stays)."""
        self._db.write(lambda c: c.execute("DELETE FROM news_event_flags WHERE news_id = ?", (news_id,)),
                       [Change(topics.EVENTS, f"news:{news_id}")])

    def news_decisions(self) -> dict[str, NewsDecision]:
        rows = self._db.query("SELECT news_id, state, event_id, decided_at FROM news_event_flags")
        return {r[0]: NewsDecision(r[0], r[1], r[2], r[3]) for r in rows}

    def all(self) -> list[RegulationEvent]:
        """Newest first by the date a chart marks."""
        rows = self._db.query(
            "SELECT * FROM events ORDER BY coalesce(announced, effective) DESC, id"
        )
        return [_event(r) for r in rows]
