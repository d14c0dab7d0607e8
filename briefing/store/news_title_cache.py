"""The stored titles news ingest matches against, kept between ingests on the writer thread.

A fresh TitleIndex for every fetched feed loaded thousands of stored titles each time with a
large cache (100,000 items, 30 feeds a minute): CPU and garbage collections holding the GIL on the
writer thread, and the GUI thread stalled waiting for it. Kept here, an ingest loads only the date
spans no earlier ingest loaded.

The index holds exactly the stored titles dated within the spans it has loaded, so dedupe answers
as a fresh load would. Ingest tells it what it writes; anything else that may have changed stored
titles (another connection's commit, a schema change, any other write of news or news_sources on
this connection, a failed ingest) makes the next ingest start again from nothing.
"""

from __future__ import annotations

import bisect
import sqlite3
import threading

from briefing.domain.news_identity import TitleIndex, title_key

# About 2 kB an item (tokens, postings, sources): ~40 MB at most, of the whole app's 300 MB goal.
# Fetches need far fewer (100,000 items over 58 days: about 6,000 within the windows of recent
# dates), but the loaded spans only grow (old entries, months of running), and old ones are seldom
# needed again: past this the index is dropped and the next ingest loads just its own spans.
MAX_ITEMS = 20_000

Span = tuple[int, int]  # [lo, hi] dates, both included

# Every write on this connection that can change what a load of stored titles gives bumps `n`:
# other code (retention, feed removal, demo items, future code) needs no call of its own. Temp
# objects: this connection's only, never in the file, and rolled back with the transaction.
_WATCH = [
    "CREATE TEMP TABLE IF NOT EXISTS news_title_writes(n INTEGER NOT NULL)",
    "INSERT INTO temp.news_title_writes SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM temp.news_title_writes)",
    *[f"""CREATE TEMP TRIGGER IF NOT EXISTS news_title_{name} AFTER {event} ON main.{table}
          BEGIN UPDATE news_title_writes SET n = n + 1; END"""
      for name, event, table in [
          ("insert", "INSERT", "news"), ("delete", "DELETE", "news"),
          ("update", "UPDATE OF published, title_key, id", "news"),
          ("source_insert", "INSERT", "news_sources"), ("source_delete", "DELETE", "news_sources"),
          ("source_update", "UPDATE OF news_id, feed_id", "news_sources")]],
]
_STAMP = """SELECT (SELECT data_version FROM pragma_data_version), (SELECT schema_version FROM pragma_schema_version),
                   (SELECT n FROM temp.news_title_writes)"""


def load_titles(conn: sqlite3.Connection, spans: list[Span], into: TitleIndex | None = None) -> TitleIndex:
    """The stored titles dated within `spans` (disjoint [lo, hi] pairs), added to `into` (or a new index).

    Each span is a range search on news.published. Equal titles stay in id order, as one
    GROUP BY n.id over the whole range would give them, so look-ups that find several equal
    keys answer the same however the spans were loaded.
    """
    rows: list[tuple] = []
    for i in range(0, len(spans), 200):  # 400 parameters a statement, under every SQLite's limit
        chunk = spans[i : i + 200]
        rows += conn.execute(
            f"""WITH w(lo, hi) AS (VALUES {', '.join(['(?, ?)'] * len(chunk))})
                SELECT n.id, n.title_key, n.published, group_concat(s.feed_id) FROM w
                JOIN news n ON n.published BETWEEN w.lo AND w.hi
                LEFT JOIN news_sources s ON s.news_id = n.id
                WHERE n.title_key != '' GROUP BY n.id""", [v for span in chunk for v in span]).fetchall()
    rows.sort()  # ids are unique: orders by id only
    index = TitleIndex() if into is None else into
    for item_id, key, published, feeds in rows:
        feed_ids = [int(f) for f in feeds.split(",")] if feeds else []
        index.add(item_id, tuple(key.split(" ")), published, feed_ids[0] if feed_ids else None, in_id_order=True)
        for f in feed_ids[1:]:
            index.add_feed(item_id, f)
    return index


def subtract_spans(spans: list[Span], loaded: list[Span]) -> list[Span]:
    """The parts of `spans` outside `loaded` (both disjoint and in order)."""
    out: list[Span] = []
    for lo, hi in spans:
        i = bisect.bisect_left(loaded, (lo, lo))
        if i and loaded[i - 1][1] >= lo:
            i -= 1
        while lo <= hi and i < len(loaded) and loaded[i][0] <= hi:
            a, b = loaded[i]
            if a > lo:
                out.append((lo, a - 1))
            lo = max(lo, b + 1)
            i += 1
        if lo <= hi:
            out.append((lo, hi))
    return out


def merge_spans(spans: list[Span]) -> list[Span]:
    """`spans` with overlapping or touching ones joined, in order."""
    out: list[Span] = []
    for lo, hi in sorted(spans):
        if out and lo <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


class TitleCache:
    """One writer connection's title index, between ingests. Only the thread that first uses it (the
    store's writer: Database runs every write there) may use it; any other gets RuntimeError.

    An ingest calls `begin`, then `index` when it first matches a title, reports each item and
    source it writes, and `finish` once its rows are written. What it writes before taking the index
    is applied at `finish`: a fresh load would not have seen it (ingest writes its rows at the end).
    """

    def __init__(self, max_items: int = MAX_ITEMS) -> None:
        self.max_items = max_items
        self._thread: int | None = None  # the writer thread's id, set on first use
        self._conn: sqlite3.Connection | None = None
        self._index: TitleIndex | None = None
        self._spans: list[Span] = []  # loaded, disjoint, in order
        self._stamp: tuple | None = None  # the database's state when the index last matched it
        self._lent = False  # the running ingest has the index
        self._stale = False  # the running ingest changed a stored title: drop the index after it
        self._later: list[tuple] = []  # items and sources written before the index was lent
        self._added_keys: set[str] = set()  # titles the running ingest added: back in id order at finish

    @property
    def loaded_items(self) -> int:
        """Items in the index now (what its memory holds)."""
        return len(self._index) if self._index is not None else 0

    def clear(self) -> None:
        """Forget every loaded title: the next `index` loads all the spans it is asked for."""
        self._index, self._spans = None, []

    def begin(self, conn: sqlite3.Connection) -> None:
        """At the start of an ingest, inside its transaction: start again if titles may have changed."""
        self._check_thread()
        if conn is not self._conn:
            self._conn, self._stamp = conn, None
        if self._read_stamp(conn) != self._stamp:
            self.clear()
        self._stamp = None  # until finish(): an ingest that fails leaves the index unknown
        self._lent = self._stale = False
        self._later.clear()
        self._added_keys.clear()

    def index(self, conn: sqlite3.Connection, spans: list[Span]) -> TitleIndex:
        """The index with every stored title dated within `spans` loaded."""
        self._check_thread()
        if self._stale or self.loaded_items > self.max_items:
            self.clear()
        if self._index is None:
            self._index = TitleIndex()
        missing = subtract_spans(spans, self._spans)
        if missing:
            load_titles(conn, missing, self._index)
            self._spans = merge_spans(self._spans + missing)
        self._lent = True
        return self._index

    def item_added(self, item_id: str, tokens: tuple[str, ...], published: int, feed_id: int) -> None:
        """The ingest stores a new item. Indexed when its date is in a loaded span (else a load finds it)."""
        if not self._lent:
            self._later.append((item_id, tokens, published, feed_id))
        elif self._index is not None and tokens and self._covers(published):
            self._index.add(item_id, tokens, published, feed_id)
            self._added_keys.add(title_key(tokens))

    def source_added(self, item_id: str, feed_id: int) -> None:
        """The ingest stores another source of a stored item."""
        if not self._lent:
            self._later.append((item_id, feed_id))
        elif self._index is not None:
            self._index.add_feed(item_id, feed_id)

    def sources_replaced(self, item_id: str, feed_id: int) -> None:
        """The ingest deleted `feed_id`'s source rows of `item_id` (it writes one back at the end)."""
        if not self._lent and self._index is not None:  # as a load now would see it: no such source yet
            self._index.drop_feed(item_id, feed_id)

    def title_changed(self) -> None:
        """The ingest changed a stored item's title or date: this ingest goes on with the index as it
        was lent (as with a fresh load), or loads a new one; the next ingest starts again."""
        self._stale = True

    def finish(self, conn: sqlite3.Connection) -> None:
        """The ingest has written its rows: the index matches the database again."""
        self._check_thread()
        if self._stale:
            self.clear()
            return
        self._lent = True
        for change in self._later:
            if len(change) == 2:
                self.source_added(*change)
            else:
                self.item_added(*change)
        self._later.clear()
        if self._index is not None:
            for key in self._added_keys:
                self._index.order_by_id(key)
        self._added_keys.clear()
        self._stamp = self._read_stamp(conn)

    def _covers(self, date: int) -> bool:
        i = bisect.bisect_right(self._spans, (date, float("inf")))
        return i > 0 and self._spans[i - 1][1] >= date

    def _check_thread(self) -> None:
        me = threading.get_ident()
        if self._thread is None:
            self._thread = me
        elif self._thread != me:
            raise RuntimeError("the news title cache belongs to the store's writer thread")

    @staticmethod
    def _read_stamp(conn: sqlite3.Connection) -> tuple:
        """data_version changes when another connection commits (never for this one's own commits);
        schema_version on any schema change; n on this connection's writes of news or sources."""
        try:
            return conn.execute(_STAMP).fetchone()
        except sqlite3.OperationalError:  # first use on this connection, or a rolled-back first use
            for sql in _WATCH:
                conn.execute(sql)
            return conn.execute(_STAMP).fetchone()
