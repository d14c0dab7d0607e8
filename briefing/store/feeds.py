"""Feed subscriptions and their fetch state (validators, last error in plain words, counts)."""

from __future__ import annotations

import sqlite3
from dataclasses import fields

from typing import TYPE_CHECKING

from briefing.domain.models import Feed
from briefing.store import changes as topics
from briefing.store.changes import Change
from briefing.store.database import Database

if TYPE_CHECKING:
    from briefing.domain.news_records import FeedStatus

EDITABLE = frozenset({"url", "title", "refresh_minutes", "enabled", "language", "folder", "html_url"})
_FEED_COLUMNS = {f.name for f in fields(Feed)}


class FeedError(ValueError):
    """A feed edit the user must hear about (unknown feed, duplicate address...)."""


def _feed(r: sqlite3.Row) -> Feed:
    keys = r.keys()
    return Feed(**{k: (bool(r[k]) if k == "enabled" else r[k]) for k in keys if k in _FEED_COLUMNS})


class Feeds:
    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, feed: Feed) -> int:
        """Subscribe (or re-title an existing subscription to the same address); returns its id."""

        def run(conn: sqlite3.Connection) -> int:
            conn.execute(
                """INSERT INTO feeds(url, title, refresh_minutes, enabled, language, folder, html_url)
                   VALUES (?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT(url) DO UPDATE SET title = excluded.title,
                     folder = CASE WHEN excluded.folder != '' THEN excluded.folder ELSE feeds.folder END""",
                (feed.url, feed.title, feed.refresh_minutes, int(feed.enabled), feed.language, feed.folder,
                 feed.html_url),
            )
            return conn.execute("SELECT id FROM feeds WHERE url = ?", (feed.url,)).fetchone()[0]

        return self._db.write(run, [Change(topics.FEEDS)])

    def all(self) -> list[Feed]:
        return [_feed(r) for r in self._db.query("SELECT * FROM feeds ORDER BY folder, title, url")]

    def get(self, feed_id: int) -> Feed | None:
        rows = self._db.query("SELECT * FROM feeds WHERE id = ?", (feed_id,))
        return _feed(rows[0]) if rows else None

    def find(self, ref: str) -> Feed | None:
        """A feed by id, exact address, or title (case-insensitive, when unique)."""
        ref = ref.strip()
        if ref.isdigit():
            found = self.get(int(ref))
            if found:
                return found
        rows = self._db.query("SELECT * FROM feeds WHERE url = ?", (ref,))
        if not rows:
            rows = self._db.query("SELECT * FROM feeds WHERE title = ? COLLATE NOCASE", (ref,))
        return _feed(rows[0]) if len(rows) == 1 else None

    def update(self, feed_id: int, **values) -> Feed:
        """Edit what the user may edit (address, title, interval, enabled, language, folder)."""
        unknown = set(values) - EDITABLE
        if unknown:
            raise FeedError(f"cannot edit {', '.join(sorted(unknown))}")
        if "refresh_minutes" in values and int(values["refresh_minutes"]) < 1:
            raise FeedError("the refresh interval must be at least 1 minute")

        def run(conn: sqlite3.Connection) -> None:
            if conn.execute("SELECT 1 FROM feeds WHERE id = ?", (feed_id,)).fetchone() is None:
                raise FeedError(f"no feed with id {feed_id}")
            if "url" in values:
                other = conn.execute("SELECT id FROM feeds WHERE url = ? AND id != ?",
                                     (values["url"], feed_id)).fetchone()
                if other:
                    raise FeedError(f"another feed (id {other[0]}) already has the address {values['url']}")
                # a new address starts afresh: the old validators and content hash mean nothing there
                conn.execute("UPDATE feeds SET etag = NULL, last_modified = NULL, content_hash = NULL "
                             "WHERE id = ?", (feed_id,))
            for key, value in values.items():
                conn.execute(f"UPDATE feeds SET {key} = ? WHERE id = ?",
                             (int(value) if key == "enabled" else value, feed_id))

        self._db.write(run, [Change(topics.FEEDS, str(feed_id))])
        return self.get(feed_id)

    def remove(self, feed_id: int) -> int:
        """Unsubscribe. Its items go too, except starred ones and stories other feeds also carry.

        Returns the number of items removed.
        """

        def run(conn: sqlite3.Connection) -> int:
            if conn.execute("SELECT 1 FROM feeds WHERE id = ?", (feed_id,)).fetchone() is None:
                raise FeedError(f"no feed with id {feed_id}")
            doomed = [r[0] for r in conn.execute(
                """SELECT n.rowid FROM news n WHERE n.starred = 0
                     AND (n.feed_id = ? OR n.id IN (SELECT news_id FROM news_sources WHERE feed_id = ?))
                     AND NOT EXISTS (SELECT 1 FROM news_sources s WHERE s.news_id = n.id AND s.feed_id != ?)""",
                (feed_id, feed_id, feed_id))]
            conn.executemany("DELETE FROM news_fts WHERE rowid = ?", [(r,) for r in doomed])
            conn.executemany("DELETE FROM news WHERE rowid = ?", [(r,) for r in doomed])
            # items kept because another feed carries them now belong to that feed
            conn.execute(
                """UPDATE news SET feed_id = (SELECT s.feed_id FROM news_sources s
                                              WHERE s.news_id = news.id AND s.feed_id != ? LIMIT 1)
                   WHERE feed_id = ?""", (feed_id, feed_id))
            conn.execute("DELETE FROM feeds WHERE id = ?", (feed_id,))
            return len(doomed)

        return self._db.write(run, [Change(topics.FEEDS, str(feed_id)), Change(topics.NEWS)])

    def record_fetch(self, feed_id: int, *, at: int, etag: str | None = None, last_modified: str | None = None,
                     error: str | None = None, warning: str | None = None, content_hash: str | None = None,
                     title: str | None = None, html_url: str | None = None) -> None:
        """After a fetch: validators are kept on success and left alone on failure.

        `title`/`html_url` (from the feed itself) only fill fields the user left empty.
        """

        def run(conn: sqlite3.Connection) -> None:
            if error is None:
                conn.execute(
                    """UPDATE feeds SET last_fetch = ?, etag = ?, last_modified = ?, last_error = NULL,
                         last_warning = ?, last_success = ?, failures = 0,
                         content_hash = coalesce(?, content_hash) WHERE id = ?""",
                    (at, etag, last_modified, warning, at, content_hash, feed_id),
                )
                if title:
                    conn.execute("UPDATE feeds SET title = ? WHERE id = ? AND title = ''", (title, feed_id))
                if html_url:
                    conn.execute("UPDATE feeds SET html_url = ? WHERE id = ? AND html_url = ''", (html_url, feed_id))
            else:
                conn.execute("UPDATE feeds SET last_fetch = ?, last_error = ?, failures = failures + 1 WHERE id = ?",
                             (at, error, feed_id))

        self._db.write(run, [Change(topics.FEEDS, str(feed_id))])

    def statuses(self) -> list[FeedStatus]:
        """Every feed with its item and unread counts (a story shared by feeds counts in each)."""
        from briefing.domain.news_records import FeedStatus

        rows = self._db.query(
            """WITH carried AS (
                   SELECT feed_id, news_id FROM news_sources
                   UNION SELECT feed_id, id FROM news WHERE feed_id IS NOT NULL)
               SELECT f.*, count(n.id) AS n_items, coalesce(sum(n.is_read = 0), 0) AS n_unread
               FROM feeds f LEFT JOIN carried c ON c.feed_id = f.id LEFT JOIN news n ON n.id = c.news_id
               GROUP BY f.id ORDER BY f.folder, f.title, f.url""")
        return [FeedStatus(_feed(r), r["n_items"], r["n_unread"]) for r in rows]
