"""Key/value settings (JSON values) and the fetch log."""

from __future__ import annotations

import json
import sqlite3
import time
from typing import Any

from briefing.domain.models import FetchLogEntry
from briefing.store import changes as topics
from briefing.store.changes import Change
from briefing.store.database import Database

_MISSING = object()


class Settings:
    def __init__(self, db: Database) -> None:
        self._db = db

    def get(self, key: str, default: Any = None) -> Any:
        rows = self._db.query("SELECT value FROM settings WHERE key = ?", (key,))
        return json.loads(rows[0][0]) if rows else default

    def set(self, key: str, value: Any) -> None:
        self._db.write(
            lambda c: c.execute(
                "INSERT OR REPLACE INTO settings(key, value) VALUES (?, ?)",
                (key, json.dumps(value, ensure_ascii=False)),
            ),
            [Change(topics.SETTINGS, key)],
        )


class FetchLog:
    KEEP = 5000  # older entries are trimmed: the log explains recent trouble, it is not an archive

    def __init__(self, db: Database) -> None:
        self._db = db

    def record(self, source: str, target: str, ok: bool, message: str = "", duration_ms: int | None = None) -> None:
        def run(conn: sqlite3.Connection) -> None:
            cur = conn.execute(
                "INSERT INTO fetch_log(at, source, target, ok, message, duration_ms) VALUES (?, ?, ?, ?, ?, ?)",
                (int(time.time()), source, target, int(ok), message, duration_ms),
            )
            if cur.lastrowid % 500 == 0:
                conn.execute("DELETE FROM fetch_log WHERE id <= ?", (cur.lastrowid - self.KEEP,))

        self._db.write(run, [Change(topics.FETCH_LOG, source)])

    def recent(self, limit: int = 100) -> list[FetchLogEntry]:
        rows = self._db.query(
            "SELECT id, at, source, target, ok, message, duration_ms FROM fetch_log ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        return [FetchLogEntry(r["at"], r["source"], r["target"], bool(r["ok"]), r["message"], r["duration_ms"], r["id"])
                for r in rows]
