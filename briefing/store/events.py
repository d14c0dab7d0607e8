"""Regulation events: curated ones from `resources/`, the user's own, and those promoted from news."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
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


def _row(e: RegulationEvent) -> tuple:
    return (
        e.id, e.announced and e.announced.isoformat(), e.effective and e.effective.isoformat(), e.body,
        e.title_en, e.title_zh, e.category, json.dumps(list(e.companies)), e.summary, e.source_url, e.origin,
    )


class Events:
    def __init__(self, db: Database) -> None:
        self._db = db

    def load_curated(self, events: Iterable[RegulationEvent]) -> int:
        """Add or refresh the bundled events; an event the user edited is left as they made it."""
        rows = [_row(e) for e in events]

        def run(conn: sqlite3.Connection) -> int:
            before = conn.total_changes
            conn.executemany(
                """INSERT INTO events(id, announced, effective, body, title_en, title_zh, category,
                     companies, summary, source_url, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT(id) DO UPDATE SET announced=excluded.announced, effective=excluded.effective,
                     body=excluded.body, title_en=excluded.title_en, title_zh=excluded.title_zh,
                     category=excluded.category, companies=excluded.companies, summary=excluded.summary,
                     source_url=excluded.source_url
                   WHERE events.user_modified = 0 AND events.origin = 'curated'""",
                rows,
            )
            return conn.total_changes - before

        return self._db.write(run, [Change(topics.EVENTS)])

    def save(self, event: RegulationEvent) -> None:
        """Save a user's new or edited event; an edited curated event is marked so upgrades keep it."""

        def run(conn: sqlite3.Connection) -> None:
            conn.execute(
                """INSERT INTO events(id, announced, effective, body, title_en, title_zh, category,
                     companies, summary, source_url, origin, user_modified)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)
                   ON CONFLICT(id) DO UPDATE SET announced=excluded.announced, effective=excluded.effective,
                     body=excluded.body, title_en=excluded.title_en, title_zh=excluded.title_zh,
                     category=excluded.category, companies=excluded.companies, summary=excluded.summary,
                     source_url=excluded.source_url, user_modified=1""",
                _row(event),
            )

        self._db.write(run, [Change(topics.EVENTS, event.id)])

    def delete(self, event_id: str) -> None:
        self._db.write(lambda c: c.execute("DELETE FROM events WHERE id = ?", (event_id,)),
                       [Change(topics.EVENTS, event_id)])

    def all(self) -> list[RegulationEvent]:
        """Newest first by the date a chart marks."""
        rows = self._db.query(
            "SELECT * FROM events ORDER BY coalesce(announced, effective) DESC, id"
        )
        return [_event(r) for r in rows]
