"""Feeds and news items, with company tags and full-text search."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from briefing.domain.models import Feed, NewsItem
from briefing.store import changes as topics
from briefing.store import fts
from briefing.store.changes import Change
from briefing.store.database import Database


@dataclass(frozen=True)
class NewsFilter:
    """What the news list shows; every field narrows it."""

    companies: tuple[str, ...] = ()  # any of these
    feed_id: int | None = None
    unread_only: bool = False
    starred_only: bool = False
    text: str = ""
    limit: int = 500


def _feed(r: sqlite3.Row) -> Feed:
    return Feed(
        url=r["url"], title=r["title"], id=r["id"], etag=r["etag"], last_modified=r["last_modified"],
        last_fetch=r["last_fetch"], last_error=r["last_error"], refresh_minutes=r["refresh_minutes"],
        enabled=bool(r["enabled"]), language=r["language"],
    )


class Feeds:
    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, feed: Feed) -> int:
        def run(conn: sqlite3.Connection) -> int:
            conn.execute(
                """INSERT INTO feeds(url, title, refresh_minutes, enabled, language) VALUES (?, ?, ?, ?, ?)
                   ON CONFLICT(url) DO UPDATE SET title = excluded.title""",
                (feed.url, feed.title, feed.refresh_minutes, int(feed.enabled), feed.language),
            )
            return conn.execute("SELECT id FROM feeds WHERE url = ?", (feed.url,)).fetchone()[0]

        return self._db.write(run, [Change(topics.FEEDS)])

    def all(self) -> list[Feed]:
        return [_feed(r) for r in self._db.query("SELECT * FROM feeds ORDER BY title, url")]

    def record_fetch(self, feed_id: int, *, at: int, etag: str | None = None,
                     last_modified: str | None = None, error: str | None = None) -> None:
        """After a fetch: validators are kept on success and left alone on failure."""

        def run(conn: sqlite3.Connection) -> None:
            if error is None:
                conn.execute(
                    "UPDATE feeds SET last_fetch = ?, etag = ?, last_modified = ?, last_error = NULL WHERE id = ?",
                    (at, etag, last_modified, feed_id),
                )
            else:
                conn.execute("UPDATE feeds SET last_fetch = ?, last_error = ? WHERE id = ?", (at, error, feed_id))

        self._db.write(run, [Change(topics.FEEDS, str(feed_id))])


class News:
    def __init__(self, db: Database) -> None:
        self._db = db

    def upsert(self, items: Iterable[NewsItem]) -> int:
        """Insert new items and refresh known ones; read/starred state is the user's and is kept."""
        items = list(items)

        def run(conn: sqlite3.Connection) -> int:
            for it in items:
                conn.execute(
                    """INSERT INTO news(id, feed_id, url, title, summary, published, fetched, source, is_demo)
                       VALUES (?, ?, ?, ?, ?, ?, strftime('%s','now'), ?, ?)
                       ON CONFLICT(id) DO UPDATE SET url=excluded.url, title=excluded.title,
                         summary=excluded.summary, published=coalesce(excluded.published, news.published),
                         source=excluded.source""",
                    (it.id, it.feed_id, it.url, it.title, it.summary, it.published, it.source, int(it.is_demo)),
                )
                rowid = conn.execute("SELECT rowid FROM news WHERE id = ?", (it.id,)).fetchone()[0]
                conn.execute("DELETE FROM news_fts WHERE rowid = ?", (rowid,))
                conn.execute(
                    "INSERT INTO news_fts(rowid, title, summary) VALUES (?, ?, ?)",
                    (rowid, fts.index_text(it.title), fts.index_text(it.summary)),
                )
                conn.execute("DELETE FROM news_tags WHERE news_id = ?", (it.id,))
                conn.executemany(
                    "INSERT INTO news_tags(news_id, company_id) VALUES (?, ?)", [(it.id, c) for c in it.companies]
                )
            return len(items)

        return self._db.write(run, [Change(topics.NEWS)] if items else [])

    def set_flags(self, news_id: str, *, read: bool | None = None, starred: bool | None = None) -> None:
        def run(conn: sqlite3.Connection) -> None:
            if read is not None:
                conn.execute("UPDATE news SET is_read = ? WHERE id = ?", (int(read), news_id))
            if starred is not None:
                conn.execute("UPDATE news SET starred = ? WHERE id = ?", (int(starred), news_id))

        self._db.write(run, [Change(topics.NEWS, news_id)])

    def items(self, flt: NewsFilter = NewsFilter()) -> list[NewsItem]:
        """Newest first (undated items last)."""
        where, params = [], []
        if flt.companies:
            where.append(
                f"n.id IN (SELECT news_id FROM news_tags WHERE company_id IN ({','.join('?' * len(flt.companies))}))"
            )
            params += list(flt.companies)
        if flt.feed_id is not None:
            where.append("n.feed_id = ?")
            params.append(flt.feed_id)
        if flt.unread_only:
            where.append("n.is_read = 0")
        if flt.starred_only:
            where.append("n.starred = 1")
        if flt.text.strip():
            match = fts.match_query(flt.text)
            if match is not None:
                where.append("n.rowid IN (SELECT rowid FROM news_fts WHERE news_fts MATCH ?)")
                params.append(match)
            else:  # a single Chinese character: no bigram to look up; every word required, literally
                for word in flt.text.split():
                    like = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
                    where.append("(n.title LIKE ? ESCAPE '\\' OR n.summary LIKE ? ESCAPE '\\')")
                    params += [like, like]
        sql = f"""SELECT n.*, (SELECT group_concat(company_id) FROM news_tags t WHERE t.news_id = n.id) AS tags
                  FROM news n {'WHERE ' + ' AND '.join(where) if where else ''}
                  ORDER BY n.published IS NULL, n.published DESC, n.rowid DESC LIMIT ?"""
        params.append(flt.limit)
        return [_item(r) for r in self._db.query(sql, params)]

    def search(self, text: str, limit: int = 200) -> list[NewsItem]:
        return self.items(NewsFilter(text=text, limit=limit))


def _item(r: sqlite3.Row) -> NewsItem:
    return NewsItem(
        id=r["id"], title=r["title"], url=r["url"], summary=r["summary"], published=r["published"],
        feed_id=r["feed_id"], source=r["source"], is_read=bool(r["is_read"]), starred=bool(r["starred"]),
        companies=tuple(sorted(r["tags"].split(","))) if r["tags"] else (), is_demo=bool(r["is_demo"]),
    )
