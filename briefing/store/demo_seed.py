"""Fill a cache with the `--demo` dataset (`briefing.domain.demo`), never over real data.

A cache that holds any real price (a bar or quote whose source is not "demo") or any real news
item is refused untouched: demo numbers must never sit next to real ones where they could pass
for them. Seeding again is safe: the previous demo prices are replaced, so the counts stay the
same and no bar of an older demo run is left behind.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone

from briefing.domain.demo import DEFAULT_SEED, generate
from briefing.domain.models import DEMO_SOURCE, Feed
from briefing.store import bootstrap
from briefing.store import changes as topics
from briefing.store.changes import Change
from briefing.store.database import StoreError
from briefing.store.prices import mark_changed
from briefing.store.store import Store


@dataclass(frozen=True)
class SeedReport:
    """What `seed_demo` wrote."""

    end: date
    daily_bars: int
    intraday_bars: int
    quotes: int
    news: int
    feed_id: int
    watchlists_created: tuple[str, ...]
    seconds: float


def default_end() -> date:
    """Yesterday in UTC: every session of that day, US and FX included, has closed by now."""
    return datetime.now(timezone.utc).date() - timedelta(days=1)


def real_data(store: Store) -> list[str]:
    """What in the cache is not demo data, in words (empty when it is all demo or empty)."""
    found = []
    bars = store.db.query(
        "SELECT symbol, source, count(*) AS n FROM bars WHERE source != ? GROUP BY symbol, source "
        "ORDER BY symbol LIMIT 5", (DEMO_SOURCE,))
    found += [f"{r['n']} {r['source']} bars of {r['symbol']}" for r in bars]
    quotes = store.db.query("SELECT symbol, source FROM quotes WHERE source != ? LIMIT 5", (DEMO_SOURCE,))
    found += [f"a {r['source']} quote of {r['symbol']}" for r in quotes]
    news = store.db.query("SELECT count(*) FROM news WHERE is_demo = 0")[0][0]
    if news:
        found.append(f"{news} real news items")
    return found


def _clear_demo_prices(store: Store, symbols: list[str]) -> None:
    """Drop earlier demo bars and quotes (Prices has no delete yet): a reseed must not mix runs.

    The series deleted are marked changed and announced (not only this dataset's `symbols`: an
    older run may have had others), so no cached copy of them outlives the delete."""

    def run(conn: sqlite3.Connection) -> set[str]:
        series = conn.execute("SELECT DISTINCT symbol, interval FROM bars WHERE source = ?",
                              (DEMO_SOURCE,)).fetchall()
        mark_changed(conn, series)
        conn.execute("DELETE FROM bars WHERE source = ?", (DEMO_SOURCE,))
        conn.execute("DELETE FROM quotes WHERE source = ?", (DEMO_SOURCE,))
        return {s for s, _ in series}

    store.db.write(run, lambda deleted: [Change(topics.BARS, s) for s in set(symbols) | deleted]
                   + [Change(topics.QUOTES, s) for s in symbols])


def seed_demo(store: Store, end: date | None = None, seed: int = DEFAULT_SEED) -> SeedReport:
    """Write the demo dataset for sessions up to `end` (default: yesterday, UTC).

    Raises `StoreError` when the cache already holds real prices or news; nothing is written then.
    """
    started = time.perf_counter()
    found = real_data(store)
    if found:
        raise StoreError(
            f"cache {store.path} already holds real data ({'; '.join(found)}); demo data is only "
            "written to a cache of its own. Use --demo without --data-dir, or an empty --data-dir."
        )
    bootstrap.prepare(store)
    end = end or default_end()
    data = generate(end, seed)

    if store.db.query("SELECT 1 FROM bars WHERE source = ? LIMIT 1", (DEMO_SOURCE,)):
        _clear_demo_prices(store, data.symbols)
    daily = sum(store.prices.upsert_bars(s, "1d", bars, source=DEMO_SOURCE) for s, bars in data.daily.items())
    intraday = sum(
        store.prices.upsert_bars(s, "5m", bars, source=DEMO_SOURCE) for s, bars in data.intraday.items() if bars
    )
    store.prices.upsert_quotes(data.quotes)

    feed_id = store.feeds.add(Feed(url=data.feed_url, title=data.feed_title, enabled=False))
    news = store.news.upsert([replace(item, feed_id=feed_id) for item in data.news])

    created = []
    existing = {w.name.casefold() for w in store.watchlists.all()}
    for name, pinned, symbols in data.watchlists:
        if name.casefold() not in existing:
            store.watchlists.create(name, pinned=pinned)
            created.append(name)
        elif pinned:
            store.watchlists.set_pinned(name, True)
        store.watchlists.add(name, list(symbols))

    store.settings.set("demo", True)
    store.settings.set("demo_seeded_for", end.isoformat())
    return SeedReport(end, daily, intraday, len(data.quotes), news, feed_id, tuple(created),
                      time.perf_counter() - started)
