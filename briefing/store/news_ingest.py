"""One fetched feed into the cache, in one transaction on the writer thread.

Each entry is, in this order: an entry this feed sent before (same entry key: updated only if
its text changed), the same story as an item already cached (same canonical link, or a
near-identical title close in time: listed as one more source of that item), or a new item.
Running on the single writer thread makes the decision race-free across concurrent fetches.
Stored titles are matched through a TitleCache kept between ingests (see news_title_cache).
"""

from __future__ import annotations

import hashlib
import sqlite3

from briefing.domain.news_identity import (
    MIN_TITLE_TOKENS, TITLE_WINDOW_S, TitleIndex, news_id, title_key, title_windows,
)
from briefing.domain.news_records import FeedEntry, IngestResult
from briefing.store import fts
from briefing.store.news_title_cache import TitleCache

FUTURE_SLACK_S = 86_400  # a date further ahead than this is a wrong clock: use the fetch time


def _digest(e: FeedEntry) -> str:
    text = f"{e.title}\x00{e.url}\x00{e.published}\x00{e.summary}\x00{len(e.content_html)}"
    return hashlib.sha1(text.encode("utf-8", "replace")).hexdigest()[:16]


_INSERT_NEWS = """INSERT INTO news(rowid, id, feed_id, url, title, summary, published, fetched, source,
                                   canonical_url, title_key, content_html, author, date_guessed)
                  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"""


class _Batch:
    """One ingest. Look-ups are loaded in bulk; new items, index, tag and source rows are written at the end.

    New items go in with one executemany, cheaper than a statement each. Their rowids (the full-text
    index's keys) are given explicitly, as SQLite would give them: one more than the largest; ids that
    exist already are looked up first, as INSERT OR IGNORE would have skipped them.
    """

    def __init__(self, conn: sqlite3.Connection, feed_id: int, entries: list[FeedEntry], now: int, source: str,
                 new_keys: list[str], cache: TitleCache):
        self.conn, self.feed_id, self.now, self.source, self.cache = conn, feed_id, now, source, cache
        self.entries = entries
        self.new_keys = set(new_keys)  # entries this feed did not send before: the only ones matched by title
        self._titles: TitleIndex | None = None
        self.urls = self._known_urls()  # canonical link -> item id
        self.taken = self._existing_ids(new_keys)  # ids of items made from these keys before (source row lost)
        self.next_rowid = conn.execute("SELECT coalesce(max(rowid), 0) + 1 FROM news").fetchone()[0]
        self.news_rows: list[tuple] = []
        self.fts_rows: list[tuple] = []
        self.tag_rows: list[tuple] = []
        self.sources: dict[str, tuple] = {}  # entry key -> news_sources row, written by flush()

    def _existing_ids(self, keys: list[str]) -> set[str]:
        ids = sorted({news_id(self.feed_id, k) for k in keys})
        found: set[str] = set()
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            found.update(r[0] for r in self.conn.execute(
                f"SELECT id FROM news WHERE id IN ({','.join('?' * len(chunk))})", chunk))
        return found

    def _known_urls(self) -> dict[str, str]:
        links = sorted({e.canonical_url for e in self.entries if e.canonical_url})
        found: dict[str, str] = {}
        for i in range(0, len(links), 500):
            chunk = links[i : i + 500]
            for url, item_id in self.conn.execute(
                    f"SELECT canonical_url, id FROM news WHERE canonical_url IN ({','.join('?' * len(chunk))})",
                    chunk):
                found.setdefault(url, item_id)
        return found

    def flush(self) -> None:
        self.conn.executemany(_INSERT_NEWS, self.news_rows)
        self.conn.executemany("INSERT INTO news_fts(rowid, title, summary) VALUES (?, ?, ?)", self.fts_rows)
        self.conn.executemany("INSERT OR IGNORE INTO news_tags(news_id, company_id) VALUES (?, ?)", self.tag_rows)
        self.conn.executemany(
            """INSERT INTO news_sources(feed_id, entry_key, news_id, url, title, published, seen, digest)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT(feed_id, entry_key) DO UPDATE SET news_id = excluded.news_id, url = excluded.url,
                 title = excluded.title, published = excluded.published, seen = excluded.seen,
                 digest = excluded.digest""", list(self.sources.values()))

    def titles(self) -> TitleIndex:
        """Stored titles near the new entries' own dates: only those can match (see title_windows)."""
        if self._titles is None:
            dates = [self.when(e)[0] for e in self.entries
                     if e.entry_key in self.new_keys and len(e.title_tokens) >= MIN_TITLE_TOKENS]
            self._titles = self.cache.index(self.conn, title_windows(dates, TITLE_WINDOW_S))
        return self._titles

    def when(self, e: FeedEntry) -> tuple[int, bool]:
        """The item's date and whether it is a guess (the feed gave none, or an impossible one)."""
        if e.published is None or e.published > self.now + FUTURE_SLACK_S:
            return self.now, True
        return e.published, False

    def find_story(self, e: FeedEntry, published: int) -> str | None:
        if e.canonical_url:
            hit = self.urls.get(e.canonical_url)
            if hit is not None:
                return hit
        if e.title_tokens:
            return self.titles().match(e.title_tokens, published, self.feed_id)
        return None

    def write_text(self, item_id: str, rowid: int, e: FeedEntry) -> None:
        self.conn.execute("DELETE FROM news_fts WHERE rowid = ?", (rowid,))
        self.conn.execute("INSERT INTO news_fts(rowid, title, summary) VALUES (?, ?, ?)",
                          (rowid, fts.index_text(e.title), fts.index_text(e.summary)))

    def add_tags(self, item_id: str, companies: tuple[str, ...]) -> None:
        self.tag_rows += [(item_id, c) for c in companies]

    def put_source(self, item_id: str, e: FeedEntry, published: int, digest: str) -> None:
        self.sources[e.entry_key] = (self.feed_id, e.entry_key, item_id, e.url, e.title, published, self.now, digest)

    def replace_sources(self, item_id: str, keep_key: str) -> None:
        """This feed carries `item_id` under `keep_key` now: its other keys for it go (guid churn)."""
        self.conn.execute("DELETE FROM news_sources WHERE feed_id = ? AND news_id = ? AND entry_key != ?",
                          (self.feed_id, item_id, keep_key))
        self.cache.sources_replaced(item_id, self.feed_id)
        for key in [k for k, row in self.sources.items() if row[2] == item_id and k != keep_key]:
            del self.sources[key]

    def insert_item(self, e: FeedEntry, published: int, guessed: bool) -> str | None:
        item_id = news_id(self.feed_id, e.entry_key)
        if item_id in self.taken:
            return None  # an item with this id exists (its source row was lost): treat as known
        self.taken.add(item_id)
        rowid = self.next_rowid
        self.next_rowid += 1
        self.news_rows.append(
            (rowid, item_id, self.feed_id, e.url, e.title, e.summary, published, self.now, self.source,
             e.canonical_url, title_key(e.title_tokens), e.content_html, e.author, int(guessed)))
        self.fts_rows.append((rowid, fts.index_text(e.title), fts.index_text(e.summary)))
        self.add_tags(item_id, e.companies)
        if e.canonical_url:
            self.urls[e.canonical_url] = item_id
        self.cache.item_added(item_id, e.title_tokens, published, self.feed_id)
        return item_id

    def source_added(self, item_id: str) -> None:
        self.cache.source_added(item_id, self.feed_id)

    def update_item(self, item_id: str, e: FeedEntry, published: int, guessed: bool) -> None:
        """The feed changed an entry it sent before: the item follows if this feed is its first source."""
        row = self.conn.execute("SELECT rowid, feed_id, title_key, published FROM news WHERE id = ?",
                                (item_id,)).fetchone()
        if row is None:
            return
        rowid, first_feed, old_key, old_published = row
        if first_feed == self.feed_id:
            if (old_key, old_published) != (title_key(e.title_tokens), old_published if guessed else published):
                self.cache.title_changed()
            self.conn.execute(
                """UPDATE news SET url = ?, title = ?, summary = ?, content_html = ?, author = ?,
                     canonical_url = ?, title_key = ?,
                     published = CASE WHEN ? THEN published ELSE ? END,
                     date_guessed = CASE WHEN ? THEN date_guessed ELSE 0 END WHERE id = ?""",
                (e.url, e.title, e.summary, e.content_html, e.author, e.canonical_url, title_key(e.title_tokens),
                 int(guessed), published, int(guessed), item_id))
            self.write_text(item_id, rowid, e)
            self.conn.execute("DELETE FROM news_tags WHERE news_id = ?", (item_id,))
        self.add_tags(item_id, e.companies)


def _known_sources(conn: sqlite3.Connection, feed_id: int, keys: list[str]) -> dict[str, tuple[str, str]]:
    """entry key -> (news id, digest) of the given keys this feed has carried before.

    Only this fetch's keys (by the primary key): all of a feed's source rows were read at every
    fetch before, ~3,300 rows and ~10 ms a fetch with a large cache."""
    found: dict[str, tuple[str, str]] = {}
    for i in range(0, len(keys), 500):
        chunk = keys[i : i + 500]
        for key, item_id, digest in conn.execute(
                f"""SELECT entry_key, news_id, digest FROM news_sources
                    WHERE feed_id = ? AND entry_key IN ({','.join('?' * len(chunk))})""", [feed_id, *chunk]):
            found[key] = (item_id, digest)
    return found


def ingest(conn: sqlite3.Connection, feed_id: int, entries: list[FeedEntry], now: int,
           retention_days: int, source: str = "", titles: TitleCache | None = None) -> IngestResult:
    """Store `entries` of feed `feed_id`; `titles` is the writer's kept title cache (None: a fresh one)."""
    titles = titles if titles is not None else TitleCache()
    titles.begin(conn)
    if not source:
        row = conn.execute("SELECT coalesce(nullif(title, ''), url) FROM feeds WHERE id = ?", (feed_id,)).fetchone()
        source = row[0] if row else ""
    cutoff = now - retention_days * 86_400 if retention_days > 0 else None
    known = _known_sources(conn, feed_id, sorted({e.entry_key for e in entries}))
    batch = _Batch(conn, feed_id, entries, now, source, [e.entry_key for e in entries if e.entry_key not in known],
                   titles)
    new_ids: list[str] = []
    updated = merged = unchanged = too_old = 0
    done: set[str] = set()
    for e in entries:
        if e.entry_key in done:  # the same entry twice in one document
            continue
        done.add(e.entry_key)
        published, guessed = batch.when(e)
        if cutoff is not None and not guessed and published < cutoff:
            too_old += 1
            continue
        digest = _digest(e)
        if e.entry_key in known:
            item_id, old_digest = known[e.entry_key]
            if old_digest == digest:
                unchanged += 1
                continue
            batch.update_item(item_id, e, published, guessed)
            batch.put_source(item_id, e, published, digest)
            updated += 1
            continue
        story = batch.find_story(e, published)
        if story is None:
            story = batch.insert_item(e, published, guessed)
            if story is not None:
                batch.put_source(story, e, published, digest)
                new_ids.append(story)
                continue
            story = news_id(feed_id, e.entry_key)
        # Another source of a known story. If this feed already carried it under another key
        # (a feed that changes its guids at every fetch), the old row is replaced, not kept.
        batch.replace_sources(story, e.entry_key)
        batch.put_source(story, e, published, digest)
        batch.add_tags(story, e.companies)
        batch.source_added(story)
        merged += 1
    batch.flush()
    titles.finish(conn)
    return IngestResult(tuple(new_ids), updated, merged, unchanged, too_old)
