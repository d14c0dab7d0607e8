"""`Store`: the typed API over the cache, one repository per kind of data."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from briefing.store import schema
from briefing.store.changes import SETTINGS, Change, ChangeBus
from briefing.store.database import Database, OpenReport
from briefing.store.events import Events
from briefing.store.instruments import Instruments
from briefing.store.news import Feeds, News
from briefing.store.prices import Prices
from briefing.store.settings import FetchLog, Settings
from briefing.store.watchlists import Watchlists

COUNTED_TABLES = (
    "companies", "listings", "bars", "quotes", "feeds", "news", "news_tags", "events",
    "watchlists", "watchlist_members", "settings", "fetch_log",
)


class Store:
    """The cache. `store.prices`, `store.news`, `store.watchlists`... each own their tables.

    Writes from any thread go through one writer thread; `store.changes` tells listeners what a
    committed write changed.
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        self.instruments = Instruments(db)
        self.prices = Prices(db)
        self.feeds = Feeds(db)
        self.news = News(db)
        self.events = Events(db)
        self.watchlists = Watchlists(db)
        self.settings = Settings(db)
        self.fetch_log = FetchLog(db)
        self._demo: bool | None = None  # is_demo(), known until the setting is written again
        self._demo_generation = 0
        self._demo_lock = threading.Lock()
        db.changes.subscribe(self._forget_demo)

    @classmethod
    def open(cls, path: Path) -> Store:
        return cls(Database.open(path))

    @property
    def path(self) -> Path:
        return self.db.path

    @property
    def report(self) -> OpenReport:
        return self.db.report

    @property
    def changes(self) -> ChangeBus:
        return self.db.changes

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ----- health ------------------------------------------------------------------------------
    def schema_version(self) -> int:
        return self.db.read(lambda c: c.execute("PRAGMA user_version").fetchone()[0])

    def integrity_check(self) -> str:
        return self.db.read(lambda c: c.execute("PRAGMA integrity_check").fetchone()[0])

    def row_counts(self) -> dict[str, int]:
        def run(conn: sqlite3.Connection) -> dict[str, int]:
            return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in COUNTED_TABLES}

        return self.db.read(run)

    def is_demo(self) -> bool:
        """Whether this is a demo profile. Kept after the first read: the window asks at every
        panel read, on the GUI thread, where a query waits for a free reader. Forgotten when
        this store writes the setting (demo seeding does; nothing else turns a profile demo)."""
        demo = self._demo
        if demo is not None:
            return demo
        with self._demo_lock:
            generation = self._demo_generation
        demo = bool(self.settings.get("demo", False))
        with self._demo_lock:
            if generation == self._demo_generation:  # not written meanwhile: still true
                self._demo = demo
        return demo

    def _forget_demo(self, batch: frozenset[Change]) -> None:
        if any(c.topic == SETTINGS and c.key in (None, "demo") for c in batch):
            with self._demo_lock:
                self._demo_generation += 1
                self._demo = None

    latest_schema = schema.LATEST
