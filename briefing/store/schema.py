"""The cache schema as a list of forward migrations.

`PRAGMA user_version` holds the version. Migration N takes a version N-1 cache to version N,
inside one transaction; a cache newer than `LATEST` is refused untouched.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from briefing.store import fts

V1 = """
CREATE TABLE companies (
    id          TEXT PRIMARY KEY,
    name_en     TEXT NOT NULL,
    name_zh     TEXT NOT NULL DEFAULT '',
    aliases_en  TEXT NOT NULL DEFAULT '[]',   -- JSON list
    aliases_zh  TEXT NOT NULL DEFAULT '[]',
    tickers     TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE listings (
    symbol       TEXT PRIMARY KEY,
    company_id   TEXT REFERENCES companies(id) ON DELETE SET NULL,
    exchange     TEXT NOT NULL,
    currency     TEXT NOT NULL,
    timezone     TEXT NOT NULL,
    name_en      TEXT NOT NULL DEFAULT '',
    name_zh      TEXT NOT NULL DEFAULT '',
    adr_ratio    REAL CHECK (adr_ratio IS NULL OR adr_ratio > 0),
    kind         TEXT NOT NULL DEFAULT 'ordinary',
    listed_on    TEXT,
    history_from TEXT
);
CREATE TABLE bars (
    symbol    TEXT NOT NULL,
    interval  TEXT NOT NULL,
    ts        INTEGER NOT NULL,            -- UTC seconds
    open      REAL,
    high      REAL,
    low       REAL,
    close     REAL NOT NULL,
    adj_close REAL,
    volume    INTEGER,
    source    TEXT NOT NULL,               -- yahoo | csv | demo ...
    PRIMARY KEY (symbol, interval, ts)
) WITHOUT ROWID;
CREATE TABLE quotes (
    symbol         TEXT PRIMARY KEY,
    last           REAL NOT NULL,
    previous_close REAL,
    day_low        REAL,
    day_high       REAL,
    volume         INTEGER,
    year_low       REAL,
    year_high      REAL,
    market_cap     REAL,
    currency       TEXT,
    as_of          INTEGER NOT NULL,
    source         TEXT NOT NULL,
    fetched_at     INTEGER
);
CREATE TABLE feeds (
    id              INTEGER PRIMARY KEY,
    url             TEXT NOT NULL UNIQUE,
    title           TEXT NOT NULL DEFAULT '',
    etag            TEXT,
    last_modified   TEXT,
    last_fetch      INTEGER,
    last_error      TEXT,
    refresh_minutes INTEGER NOT NULL DEFAULT 30 CHECK (refresh_minutes > 0),
    enabled         INTEGER NOT NULL DEFAULT 1,
    language        TEXT NOT NULL DEFAULT ''
);
CREATE TABLE news (
    id        TEXT PRIMARY KEY,
    feed_id   INTEGER REFERENCES feeds(id) ON DELETE SET NULL,
    url       TEXT NOT NULL DEFAULT '',
    title     TEXT NOT NULL,
    summary   TEXT NOT NULL DEFAULT '',
    published INTEGER,
    fetched   INTEGER,
    source    TEXT NOT NULL DEFAULT '',
    is_read   INTEGER NOT NULL DEFAULT 0,
    starred   INTEGER NOT NULL DEFAULT 0,
    is_demo   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX news_published ON news(published DESC);
CREATE TABLE news_tags (
    news_id    TEXT NOT NULL REFERENCES news(id) ON DELETE CASCADE,
    company_id TEXT NOT NULL,
    PRIMARY KEY (news_id, company_id)
) WITHOUT ROWID;
CREATE INDEX news_tags_company ON news_tags(company_id);
CREATE TABLE events (
    id            TEXT PRIMARY KEY,
    announced     TEXT,
    effective     TEXT,
    body          TEXT NOT NULL DEFAULT '',
    title_en      TEXT NOT NULL,
    title_zh      TEXT NOT NULL DEFAULT '',
    category      TEXT NOT NULL,
    companies     TEXT NOT NULL DEFAULT '[]',   -- JSON list of company ids
    summary       TEXT NOT NULL DEFAULT '',
    source_url    TEXT NOT NULL DEFAULT '',
    origin        TEXT NOT NULL DEFAULT 'curated',
    user_modified INTEGER NOT NULL DEFAULT 0,
    CHECK (announced IS NOT NULL OR effective IS NOT NULL)
);
CREATE TABLE watchlists (
    id       INTEGER PRIMARY KEY,
    name     TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(trim(name)) > 0),
    pinned   INTEGER NOT NULL DEFAULT 0,
    position INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE watchlist_members (
    watchlist_id INTEGER NOT NULL REFERENCES watchlists(id) ON DELETE CASCADE,
    symbol       TEXT NOT NULL REFERENCES listings(symbol) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    PRIMARY KEY (watchlist_id, symbol)
) WITHOUT ROWID;
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL                          -- JSON
);
CREATE TABLE fetch_log (
    id          INTEGER PRIMARY KEY,
    at          INTEGER NOT NULL,
    source      TEXT NOT NULL,
    target      TEXT NOT NULL,
    ok          INTEGER NOT NULL,
    message     TEXT NOT NULL DEFAULT '',
    duration_ms INTEGER
);
CREATE INDEX fetch_log_at ON fetch_log(at DESC);
"""


def _v1(conn: sqlite3.Connection) -> None:
    # Statement by statement: executescript() would commit the migration's transaction.
    for statement in V1.split(";"):
        if statement.strip():
            conn.execute(statement)


def _v2(conn: sqlite3.Connection) -> None:
    """Full-text search over news titles and summaries, Chinese included (see `fts`)."""
    conn.execute(
        "CREATE VIRTUAL TABLE news_fts USING fts5(title, summary, tokenize='unicode61')"
    )
    rows = conn.execute("SELECT rowid, title, summary FROM news").fetchall()
    conn.executemany(
        "INSERT INTO news_fts(rowid, title, summary) VALUES (?, ?, ?)",
        [(r[0], fts.index_text(r[1]), fts.index_text(r[2])) for r in rows],
    )


NEWS_SOURCES = """
ALTER TABLE feeds ADD COLUMN folder TEXT NOT NULL DEFAULT '';
ALTER TABLE feeds ADD COLUMN html_url TEXT NOT NULL DEFAULT '';
ALTER TABLE feeds ADD COLUMN last_warning TEXT;
ALTER TABLE feeds ADD COLUMN last_success INTEGER;
ALTER TABLE feeds ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE feeds ADD COLUMN content_hash TEXT;
ALTER TABLE news ADD COLUMN canonical_url TEXT NOT NULL DEFAULT '';
ALTER TABLE news ADD COLUMN title_key TEXT NOT NULL DEFAULT '';
ALTER TABLE news ADD COLUMN content_html TEXT NOT NULL DEFAULT '';
ALTER TABLE news ADD COLUMN author TEXT NOT NULL DEFAULT '';
ALTER TABLE news ADD COLUMN date_guessed INTEGER NOT NULL DEFAULT 0;
CREATE INDEX news_canonical_url ON news(canonical_url);
CREATE TABLE news_sources (
    feed_id   INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
    entry_key TEXT NOT NULL,                   -- guid, else canonical link, else content hash
    news_id   TEXT NOT NULL REFERENCES news(id) ON DELETE CASCADE,
    url       TEXT NOT NULL DEFAULT '',
    title     TEXT NOT NULL DEFAULT '',
    published INTEGER,
    seen      INTEGER NOT NULL,                -- UTC seconds of the fetch that last carried it
    digest    TEXT NOT NULL DEFAULT '',        -- of title, link, summary, date: unchanged entries cost nothing
    PRIMARY KEY (feed_id, entry_key)
) WITHOUT ROWID;
CREATE INDEX news_sources_news ON news_sources(news_id);
"""


def _news_sources(conn: sqlite3.Connection) -> None:
    """Cross-feed dedupe (one item, several sources) and each feed's fetch state (issue 5)."""
    from briefing.domain.news_identity import canonical_url, title_key, title_tokens

    for statement in NEWS_SOURCES.split(";"):
        if statement.strip():
            conn.execute(statement)
    rows = conn.execute("SELECT id, url, title, feed_id, published, fetched FROM news").fetchall()
    conn.executemany(
        "UPDATE news SET canonical_url = ?, title_key = ? WHERE id = ?",
        [(canonical_url(r[1]), title_key(title_tokens(r[2])), r[0]) for r in rows],
    )
    conn.executemany(
        "INSERT OR IGNORE INTO news_sources(feed_id, entry_key, news_id, url, title, published, seen) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(r[3], "id:" + r[0], r[0], r[1], r[2], r[4], r[5] or 0) for r in rows if r[3] is not None],
    )


def _price_state(conn: sqlite3.Connection) -> None:
    """Per-series fetch state (coverage asked for, last error, retry-after) and corporate actions."""
    conn.execute("""
        CREATE TABLE price_fetch_state (
            symbol       TEXT NOT NULL,
            interval     TEXT NOT NULL,        -- a bar interval, or 'quote'
            covered_from INTEGER,              -- [covered_from, covered_to) asked for and answered
            covered_to   INTEGER,
            ok_at        INTEGER,
            error_kind   TEXT,                 -- offline | rate_limited | unknown_symbol | ...
            error_text   TEXT NOT NULL DEFAULT '',
            error_at     INTEGER,
            retry_after  INTEGER,
            PRIMARY KEY (symbol, interval)
        ) WITHOUT ROWID""")
    conn.execute("""
        CREATE TABLE price_actions (
            symbol TEXT NOT NULL,
            kind   TEXT NOT NULL CHECK (kind IN ('dividend', 'split')),
            ts     INTEGER NOT NULL,           -- dated like daily bars
            value  REAL NOT NULL,
            source TEXT NOT NULL,
            PRIMARY KEY (symbol, kind, ts)
        ) WITHOUT ROWID""")



def _event_decisions(conn: sqlite3.Connection) -> None:
    """Curated events the user deleted (upgrades must not restore them), and what the user did
    with news items flagged as regulatory (promoted to an event, or dismissed)."""
    conn.execute("""
        CREATE TABLE event_tombstones (
            id         TEXT PRIMARY KEY,
            deleted_at INTEGER NOT NULL
        ) WITHOUT ROWID""")
    conn.execute("""
        CREATE TABLE news_event_flags (
            news_id    TEXT PRIMARY KEY,          -- no foreign key: pruning old news keeps decisions
            state      TEXT NOT NULL CHECK (state IN ('promoted', 'dismissed')),
            event_id   TEXT,
            decided_at INTEGER NOT NULL
        ) WITHOUT ROWID""")


def _bar_versions(conn: sqlite3.Connection) -> None:
    """A version per bar series, bumped in the same transaction as every write of its bars: what
    tells the in-memory series cache (`series_cache`) that a series changed, even when another
    process wrote it. A series with no row is at version 0."""
    conn.execute("""
        CREATE TABLE bar_versions (
            symbol   TEXT NOT NULL,
            interval TEXT NOT NULL,
            version  INTEGER NOT NULL,
            PRIMARY KEY (symbol, interval)
        ) WITHOUT ROWID""")


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [
    _v1, _v2, _news_sources, _price_state, _event_decisions, _bar_versions,
]
LATEST = len(MIGRATIONS)


def migrate(conn: sqlite3.Connection, target: int = LATEST) -> int:
    """Bring `conn` (autocommit mode) from its version up to `target`; return the new version."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    while version < target:
        conn.execute("BEGIN IMMEDIATE")
        try:
            MIGRATIONS[version](conn)
            version += 1
            conn.execute(f"PRAGMA user_version = {version}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return version
