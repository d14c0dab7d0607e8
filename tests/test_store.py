"""The cache (`briefing.store`): schema and migrations, every repository, change notifications,
transactions, concurrency, and how opening copes with files it cannot use."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from dataclasses import replace
from pathlib import Path

import pytest

from briefing.domain.models import Bar, Feed, NewsItem, Quote, RegulationEvent
from briefing.domain.registry import load_curated_events
from briefing.store import (
    DataDirNotWritableError,
    SchemaTooNewError,
    Store,
    StoreClosedError,
    schema,
)
from briefing.store import changes as topics
from briefing.store.changes import Change
from briefing.store.database import SQLITE_HEADER
from briefing.store.news import NewsFilter
from briefing.store.watchlists import WatchlistError

WAIT = 10.0  # seconds: upper bound for anything that should happen "at once"
DAY = 86_400


# ----- helpers ---------------------------------------------------------------------------------
class Recorder:
    """Collects change batches from the writer thread; tests wait on it, never sleep."""

    def __init__(self) -> None:
        self.batches: list[frozenset[Change]] = []
        self._cond = threading.Condition()

    def __call__(self, batch: frozenset[Change]) -> None:
        with self._cond:
            self.batches.append(batch)
            self._cond.notify_all()

    @property
    def changes(self) -> set[Change]:
        with self._cond:
            return set().union(*self.batches) if self.batches else set()

    def wait_for(self, change: Change, timeout: float = WAIT) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: any(change in b for b in self.batches), timeout)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def bar(ts: int, close: float, **kw) -> Bar:
    return Bar(ts=ts, open=kw.get("open", close), high=kw.get("high", close), low=kw.get("low", close),
               close=close, adj_close=kw.get("adj_close"), volume=kw.get("volume"))


def count(store: Store, table: str) -> int:
    return store.db.query(f"SELECT count(*) FROM {table}")[0][0]


def bad_files(directory: Path, name: str = "cache.sqlite3") -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.name.startswith(f"{name}.bad-"))


# ----- schema and migrations ------------------------------------------------------------------
def test_new_cache_has_latest_schema_wal_and_foreign_keys(store):
    assert store.schema_version() == schema.LATEST
    assert store.report.schema_version == schema.LATEST
    assert store.report.created is True
    assert store.report.moved_aside_to is None
    assert store.db.read(lambda c: c.execute("PRAGMA journal_mode").fetchone()[0]) == "wal"
    assert store.db.read(lambda c: c.execute("PRAGMA foreign_keys").fetchone()[0]) == 1
    tables = {r[0] for r in store.db.query("SELECT name FROM sqlite_master WHERE type IN ('table')")}
    assert {"bars", "quotes", "news", "news_fts", "watchlists", "watchlist_members", "settings",
            "fetch_log", "events", "listings", "companies", "feeds", "news_tags"} <= tables
    assert store.integrity_check() == "ok"


def test_read_connections_are_read_only(store):
    with pytest.raises(sqlite3.OperationalError):
        store.db.read(lambda c: c.execute("DELETE FROM settings"))
    assert count(store, "settings") > 0


def test_reopening_keeps_data_and_is_not_created(tmp_path):
    path = tmp_path / "cache.sqlite3"
    with Store.open(path) as s:
        s.settings.set("k", 1)
    with Store.open(path) as s:
        assert s.report.created is False
        assert s.settings.get("k") == 1


def test_migration_from_v1_backfills_full_text_index(tmp_path):
    path = tmp_path / "cache.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    assert schema.migrate(conn, target=1) == 1
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'news_fts'").fetchone()[0] == 0
    conn.executemany(
        "INSERT INTO news(id, title, summary, published) VALUES (?, ?, ?, ?)",
        [
            ("zh", "百度发布文心一言4.0", "人工智能大模型", 1_700_000_000),
            ("en", "Tencent unveils Hunyuan model", "Shenzhen giant joins the race", 1_700_000_100),
            ("mixed", "阿里云 Qwen open weights", "", None),
        ],
    )
    conn.close()

    with Store.open(path) as s:
        assert s.schema_version() == schema.LATEST
        assert s.report.schema_version == schema.LATEST
        assert s.report.created is False
        assert [i.id for i in s.news.search("百度")] == ["zh"]
        assert [i.id for i in s.news.search("文心一言")] == ["zh"]
        assert [i.id for i in s.news.search("大模型")] == ["zh"]  # summary indexed too
        assert [i.id for i in s.news.search("Hunyuan")] == ["en"]
        assert [i.id for i in s.news.search("shenzhen")] == ["en"]
        assert [i.id for i in s.news.search("阿里 Qwen")] == ["mixed"]
        assert s.news.search("腾讯") == []
        assert count(s, "news_fts") == 3
        assert s.db.read(lambda c: c.execute("PRAGMA journal_mode").fetchone()[0]) == "wal"


def test_failed_migration_rolls_back_to_previous_version(tmp_path, monkeypatch):
    conn = sqlite3.connect(tmp_path / "c.sqlite3", isolation_level=None)
    schema.migrate(conn, target=1)

    def broken(c):
        c.execute("CREATE TABLE half_done(x)")
        raise RuntimeError("migration bug")

    monkeypatch.setattr(schema, "MIGRATIONS", [schema.MIGRATIONS[0], broken])
    with pytest.raises(RuntimeError, match="migration bug"):
        schema.migrate(conn, target=2)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'half_done'").fetchone()[0] == 0
    assert not conn.in_transaction
    conn.close()


# ----- prices -----------------------------------------------------------------------------------
def test_bar_upsert_replaces_same_ts_and_orders(store):
    t0 = 1_700_000_000
    assert store.prices.upsert_bars("BIDU", "1d", [bar(t0 + 2 * DAY, 12), bar(t0, 10), bar(t0 + DAY, 11)], "yahoo") == 3
    got = store.prices.bars("BIDU", "1d")
    assert [b.ts for b in got] == [t0, t0 + DAY, t0 + 2 * DAY]
    assert [b.close for b in got] == [10, 11, 12]

    store.prices.upsert_bars("BIDU", "1d", [Bar(t0 + DAY, 1.0, 2.0, 0.5, 1.5, 1.4, 999)], "csv")
    got = store.prices.bars("BIDU", "1d")
    assert len(got) == 3
    assert got[1] == Bar(t0 + DAY, 1.0, 2.0, 0.5, 1.5, 1.4, 999)
    assert store.prices.bar_sources("BIDU") == {"yahoo", "csv"}
    assert count(store, "bars") == 3

    # other interval / symbol are separate series
    store.prices.upsert_bars("BIDU", "1wk", [bar(t0, 50)], "yahoo")
    store.prices.upsert_bars("BABA", "1d", [bar(t0, 80)], "yahoo")
    assert [b.close for b in store.prices.bars("BIDU", "1d")] == [10, 1.5, 12]
    assert [b.close for b in store.prices.bars("BIDU", "1wk")] == [50]
    assert [b.close for b in store.prices.bars("BABA")] == [80]


def test_bars_range_filter_is_half_open_and_span(store):
    t0 = 1_600_000_000
    store.prices.upsert_bars("0700.HK", "1d", [bar(t0 + i * DAY, 100 + i) for i in range(10)], "yahoo")
    assert [b.ts for b in store.prices.bars("0700.HK", "1d", start=t0 + 2 * DAY, end=t0 + 5 * DAY)] == [
        t0 + 2 * DAY, t0 + 3 * DAY, t0 + 4 * DAY]
    assert len(store.prices.bars("0700.HK", "1d", start=t0 + 8 * DAY)) == 2
    assert len(store.prices.bars("0700.HK", "1d", end=t0 + DAY)) == 1
    assert store.prices.bar_span("0700.HK", "1d") == (t0, t0 + 9 * DAY)
    assert store.prices.bar_span("0700.HK", "1wk") is None
    assert store.prices.bar_span("NOPE") is None


def test_bar_span_does_not_read_the_whole_series(store, monkeypatch):
    """The timeline asks every listing's span at each read: two steps down the index, not a scan
    of ten years of bars (SQLite steps for 3,000 bars stay within 2x of those for 30)."""
    t0 = 1_600_000_000
    store.prices.upsert_bars("SMALL", "1d", [bar(t0 + i * DAY, 1) for i in range(30)], "yahoo")
    store.prices.upsert_bars("LARGE", "1d", [bar(t0 + i * DAY, 1) for i in range(3000)], "yahoo")
    counted = [0]
    read = store.db.read

    def counting(fn):
        def run(conn):
            conn.set_progress_handler(lambda: counted.__setitem__(0, counted[0] + 1), 10)
            try:
                return fn(conn)
            finally:
                conn.set_progress_handler(None, 0)
        return read(run)

    monkeypatch.setattr(store.db, "read", counting)

    def steps(symbol):
        counted[0] = 0
        span = store.prices.bar_span(symbol, "1d")
        return span, counted[0]

    (small_span, small), (large_span, large) = steps("SMALL"), steps("LARGE")
    assert small_span == (t0, t0 + 29 * DAY) and large_span == (t0, t0 + 2999 * DAY)
    assert large <= 2 * small + 2, (small, large)


def test_bars_are_unique_per_symbol_interval_ts(store):
    store.prices.upsert_bars("BIDU", "1d", [bar(100, 1)], "yahoo")
    with pytest.raises(sqlite3.IntegrityError):
        store.db.write(lambda c: c.execute(
            "INSERT INTO bars(symbol, interval, ts, close, source) VALUES ('BIDU', '1d', 100, 2, 'x')"))
    # duplicates inside one batch: the last one wins, one row
    store.prices.upsert_bars("BIDU", "1d", [bar(200, 1), bar(200, 2)], "yahoo")
    assert [(b.ts, b.close) for b in store.prices.bars("BIDU")] == [(100, 1), (200, 2)]


def test_bar_with_unknown_interval_is_refused(store):
    with pytest.raises(ValueError):
        store.prices.upsert_bars("BIDU", "3d", [bar(1, 1)], "yahoo")
    assert count(store, "bars") == 0


def test_quotes_upsert_and_change_pct(store):
    store.prices.upsert_quote(Quote("BIDU", 110.0, 1_700_000_000, "yahoo", previous_close=100.0, currency="USD"))
    store.prices.upsert_quotes([Quote("BABA", 80.0, 1_700_000_000, "yahoo")])
    q = store.prices.quotes()
    assert set(q) == {"BIDU", "BABA"}
    assert q["BIDU"].change_pct == pytest.approx(10.0)
    assert q["BIDU"].change == pytest.approx(10.0)
    assert q["BIDU"].currency == "USD"
    assert q["BABA"].change_pct is None and q["BABA"].change is None

    store.prices.upsert_quote(Quote("BIDU", 95.0, 1_700_000_060, "yahoo", previous_close=100.0))
    q = store.prices.quotes(["BIDU"])
    assert set(q) == {"BIDU"}
    assert q["BIDU"].last == 95.0 and q["BIDU"].as_of == 1_700_000_060
    assert q["BIDU"].change_pct == pytest.approx(-5.0)
    assert count(store, "quotes") == 2
    assert Quote("X", 1.0, 0, "demo", previous_close=0.0).change_pct is None


# ----- watchlists -------------------------------------------------------------------------------
def names(store) -> list[str]:
    return [w.name for w in store.watchlists.all()]


def test_watchlist_create_rename_delete(store):
    assert names(store) == ["China AI"]
    store.watchlists.create("Tech")
    store.watchlists.create("港股")
    assert names(store) == ["China AI", "Tech", "港股"]
    with pytest.raises(WatchlistError):
        store.watchlists.create("tech")
    with pytest.raises(WatchlistError):
        store.watchlists.create("  ")
    store.watchlists.rename("Tech", "Tech stocks")
    assert names(store) == ["China AI", "Tech stocks", "港股"]
    store.watchlists.rename("Tech stocks", "TECH STOCKS")  # same list, other case: allowed
    with pytest.raises(WatchlistError):
        store.watchlists.rename("TECH STOCKS", "china ai")
    with pytest.raises(WatchlistError):
        store.watchlists.rename("nope", "x")
    assert store.watchlists.get("tech stocks").name == "TECH STOCKS"
    store.watchlists.delete("TECH STOCKS")
    assert names(store) == ["China AI", "港股"]
    with pytest.raises(WatchlistError):
        store.watchlists.delete("TECH STOCKS")
    with pytest.raises(WatchlistError):
        store.watchlists.get("TECH STOCKS")


def test_deleting_a_watchlist_removes_its_members(store):
    store.watchlists.create("Tmp")
    store.watchlists.add("Tmp", ["BIDU", "BABA"])
    before = count(store, "watchlist_members")
    store.watchlists.delete("Tmp")
    assert count(store, "watchlist_members") == before - 2


def test_pinned_lists_come_first(store):
    store.watchlists.create("A")
    store.watchlists.create("B")
    store.watchlists.create("C")
    assert names(store) == ["China AI", "A", "B", "C"]
    store.watchlists.set_pinned("C", True)
    assert names(store) == ["China AI", "C", "A", "B"]
    store.watchlists.set_pinned("China AI", False)
    assert names(store) == ["C", "China AI", "A", "B"]
    assert [w.pinned for w in store.watchlists.all()] == [True, False, False, False]
    store.watchlists.set_pinned("C", False)
    assert names(store) == ["China AI", "A", "B", "C"]
    with pytest.raises(WatchlistError):
        store.watchlists.set_pinned("nope", True)


def test_watchlist_members_add_move_remove(store):
    store.watchlists.create("W")
    assert store.watchlists.add("W", ["BIDU", "0700.HK", "KWEB"]) == ["BIDU", "0700.HK", "KWEB"]
    assert store.watchlists.add("W", ["0700.HK", "BABA"]) == ["BABA"]  # already there: not again
    assert store.watchlists.get("W").symbols == ("BIDU", "0700.HK", "KWEB", "BABA")

    with pytest.raises(WatchlistError, match="NOTASYMBOL"):
        store.watchlists.add("W", ["9988.HK", "NOTASYMBOL"])
    assert store.watchlists.get("W").symbols == ("BIDU", "0700.HK", "KWEB", "BABA")  # all or nothing

    store.watchlists.move("W", "BABA", 0)
    assert store.watchlists.get("W").symbols == ("BABA", "BIDU", "0700.HK", "KWEB")
    store.watchlists.move("W", "BABA", 99)  # clamped
    assert store.watchlists.get("W").symbols == ("BIDU", "0700.HK", "KWEB", "BABA")
    store.watchlists.move("W", "KWEB", 1)
    assert store.watchlists.get("W").symbols == ("BIDU", "KWEB", "0700.HK", "BABA")
    with pytest.raises(WatchlistError):
        store.watchlists.move("W", "TCEHY", 0)

    assert store.watchlists.remove("W", ["KWEB", "TCEHY"]) == ["KWEB"]
    wid = store.watchlists.get("W").id
    rows = store.watchlists.rows(wid)
    assert [r.listing.symbol for r in rows] == ["BIDU", "0700.HK", "BABA"]
    assert [r.position for r in rows] == [0, 1, 2]  # renumbered, no gap
    store.watchlists.add("W", ["KWEB"])
    assert [r.position for r in store.watchlists.rows(wid)] == [0, 1, 2, 3]
    assert store.watchlists.get("W").symbols[-1] == "KWEB"


def test_watchlist_rows_join_listing_company_and_quote(store):
    store.watchlists.create("R")
    store.watchlists.add("R", ["BIDU", "KWEB", "0700.HK"])
    store.prices.upsert_quote(Quote("BIDU", 110.0, 1_700_000_000, "yahoo", previous_close=100.0))
    store.prices.upsert_quote(Quote("BABA", 80.0, 1_700_000_000, "yahoo"))  # not a member
    rows = store.watchlists.rows(store.watchlists.get("R").id)
    assert [r.listing.symbol for r in rows] == ["BIDU", "KWEB", "0700.HK"]
    bidu, kweb, tencent = rows
    assert bidu.listing.kind == "adr" and bidu.listing.adr_ratio == 8 and bidu.listing.currency == "USD"
    assert bidu.company is not None and bidu.company.id == "baidu" and bidu.company.name_zh == "百度"
    assert "文心一言" in bidu.company.aliases_zh
    assert bidu.quote is not None and bidu.quote.last == 110.0 and bidu.quote.change_pct == pytest.approx(10.0)
    assert kweb.company is None and kweb.quote is None and kweb.listing.kind == "fund"
    assert tencent.company.name_en == "Tencent" and tencent.quote is None
    assert store.watchlists.rows(9999) == []


def test_default_watchlist_is_pinned_with_registry_symbols(store):
    (w,) = store.watchlists.all()
    assert w.name == "China AI" and w.pinned
    assert w.symbols == ("9888.HK", "BIDU", "9988.HK", "BABA", "0700.HK", "TCEHY", "0020.HK")


# ----- settings and fetch log -------------------------------------------------------------------
def test_settings_json_round_trip(store):
    value = {"lang": "zh", "title": "中国人工智能简报", "columns": ["symbol", "价格"], "n": 3, "x": 1.5,
             "on": True, "none": None}
    store.settings.set("ui", value)
    assert store.settings.get("ui") == value
    raw = store.db.query("SELECT value FROM settings WHERE key = 'ui'")[0][0]
    assert "中国人工智能简报" in raw  # stored readable, not \\u-escaped
    store.settings.set("ui", [1, 2])
    assert store.settings.get("ui") == [1, 2]
    assert store.settings.get("missing") is None
    assert store.settings.get("missing", "dflt") == "dflt"
    store.settings.set("zero", 0)
    assert store.settings.get("zero", 5) == 0


def test_fetch_log_record_and_recent(store):
    store.fetch_log.record("yahoo", "BIDU", True, "12 bars", 340)
    store.fetch_log.record("rss", "https://36kr.com/feed", False, "HTTP 503 服务不可用")
    store.fetch_log.record("yahoo", "BABA", True)
    recent = store.fetch_log.recent()
    assert [(e.source, e.target, e.ok) for e in recent] == [
        ("yahoo", "BABA", True), ("rss", "https://36kr.com/feed", False), ("yahoo", "BIDU", True)]
    assert recent[1].message == "HTTP 503 服务不可用" and recent[1].duration_ms is None
    assert recent[2].duration_ms == 340 and recent[2].message == "12 bars"
    assert all(isinstance(e.at, int) and e.at > 1_600_000_000 for e in recent)
    assert recent[0].id > recent[1].id > recent[2].id
    assert len(store.fetch_log.recent(limit=2)) == 2


# ----- events -----------------------------------------------------------------------------------
def test_curated_reload_keeps_user_edit(store):
    curated = load_curated_events()
    assert len(store.events.all()) == len(curated) == 40
    original = curated[0]
    edited = replace(original, title_en="My own title", summary="我的笔记")
    store.events.save(edited)

    # a new app version ships a changed text for the edited one and for another event
    other = curated[1]
    shipped = [replace(e, title_en=e.title_en + " (v2)") if e.id in (original.id, other.id) else e
               for e in curated]
    store.events.load_curated(shipped)
    by_id = {e.id: e for e in store.events.all()}
    assert by_id[original.id].title_en == "My own title"
    assert by_id[original.id].summary == "我的笔记"
    assert by_id[other.id].title_en == other.title_en + " (v2)"  # unedited ones do follow upgrades
    assert len(by_id) == 40


def test_user_event_save_and_delete(store):
    mine = RegulationEvent(id="user-1", title_en="Export rule note", category="us_action",
                           announced=None, effective=__import__("datetime").date(2030, 1, 2),
                           title_zh="出口规则", companies=("baidu",), origin="user")
    store.events.save(mine)
    store.events.load_curated(load_curated_events())
    got = {e.id: e for e in store.events.all()}["user-1"]
    assert got == mine
    assert store.events.all()[0].id == "user-1"  # newest first by key date
    store.events.delete("user-1")
    assert "user-1" not in {e.id for e in store.events.all()}
    victim = store.events.all()[5].id
    store.events.delete(victim)
    assert victim not in {e.id for e in store.events.all()}
    assert len(store.events.all()) == 39


def test_event_without_any_date_is_refused(store):
    with pytest.raises(sqlite3.IntegrityError):
        store.events.save(RegulationEvent(id="nodate", title_en="x", category="china_rule"))
    assert "nodate" not in {e.id for e in store.events.all()}


# ----- news -------------------------------------------------------------------------------------
def news(id, title, published=None, companies=(), summary="", **kw) -> NewsItem:
    return NewsItem(id=id, title=title, published=published, companies=tuple(companies), summary=summary, **kw)


def test_news_reupsert_keeps_user_flags_and_updates_text(store):
    store.news.upsert([news("a", "Baidu old headline", 1000, ["baidu"]), news("b", "Other", 900)])
    store.news.set_flags("a", read=True, starred=True)
    store.news.set_flags("b", read=True)
    store.news.upsert([news("a", "Baidu fresh headline", None, ["baidu", "tencent"]), news("b", "Other v2", 950)])
    items = {i.id: i for i in store.news.items()}
    assert items["a"].is_read and items["a"].starred
    assert items["b"].is_read and not items["b"].starred
    assert items["a"].title == "Baidu fresh headline"
    assert items["a"].published == 1000  # an undated refresh keeps the known date
    assert items["b"].published == 950
    assert items["a"].companies == ("baidu", "tencent")
    assert [i.id for i in store.news.search("fresh")] == ["a"]
    assert store.news.search("old") == []  # the index follows the new title
    assert count(store, "news") == 2 and count(store, "news_fts") == 2
    store.news.set_flags("a", starred=False)
    assert not store.news.items(NewsFilter(starred_only=True))
    assert {i.id for i in store.news.items()} == {"a", "b"}


def test_news_filters_and_order(store):
    fid = store.feeds.add(Feed("https://example.invalid/feed", "Example"))
    store.news.upsert([
        news("old", "old", 100, ["baidu"]),
        news("new", "new", 300, ["tencent"]),
        news("mid", "mid", 200, ["baidu", "alibaba"]),
        news("undated", "undated", None, []),
        NewsItem(id="fromfeed", title="from feed", published=150, feed_id=fid),
    ])
    assert [i.id for i in store.news.items()] == ["new", "mid", "fromfeed", "old", "undated"]
    assert [i.id for i in store.news.items(NewsFilter(companies=("baidu",)))] == ["mid", "old"]
    assert [i.id for i in store.news.items(NewsFilter(companies=("tencent", "alibaba")))] == ["new", "mid"]
    assert store.news.items(NewsFilter(companies=("sensetime",))) == []
    assert [i.id for i in store.news.items(NewsFilter(feed_id=fid))] == ["fromfeed"]
    store.news.set_flags("new", read=True)
    store.news.set_flags("old", starred=True)
    assert [i.id for i in store.news.items(NewsFilter(unread_only=True))] == ["mid", "fromfeed", "old", "undated"]
    assert [i.id for i in store.news.items(NewsFilter(starred_only=True))] == ["old"]
    assert [i.id for i in store.news.items(NewsFilter(starred_only=True, unread_only=True))] == ["old"]
    assert [i.id for i in store.news.items(NewsFilter(companies=("baidu",), text="mid"))] == ["mid"]
    assert len(store.news.items(NewsFilter(limit=2))) == 2
    assert store.news.upsert([]) == 0


def test_feeds_add_is_idempotent_and_record_fetch(store):
    n = len(store.feeds.all())
    fid = store.feeds.add(Feed("https://example.invalid/rss", "One"))
    assert store.feeds.add(Feed("https://example.invalid/rss", "One renamed")) == fid
    assert len(store.feeds.all()) == n + 1
    store.feeds.record_fetch(fid, at=1000, etag='"abc"', last_modified="Mon")
    store.feeds.record_fetch(fid, at=2000, error="timeout")
    f = {f.id: f for f in store.feeds.all()}[fid]
    assert f.title == "One renamed"
    assert (f.last_fetch, f.etag, f.last_modified, f.last_error) == (2000, '"abc"', "Mon", "timeout")


# ----- change notifications ---------------------------------------------------------------------
def test_listener_gets_changes_after_commit(store):
    rec = Recorder()
    seen_committed = []

    def check_committed(batch):
        # runs after COMMIT: a fresh reader on another connection already sees the quote
        if Change(topics.QUOTES, "BIDU") in batch:
            conn = sqlite3.connect(store.path)
            seen_committed.append(conn.execute("SELECT last FROM quotes WHERE symbol='BIDU'").fetchone())
            conn.close()

    store.changes.subscribe(check_committed)  # listeners run in order: this one is done when rec hears
    store.changes.subscribe(rec)
    store.prices.upsert_quote(Quote("BIDU", 101.0, 1, "yahoo"))
    assert rec.wait_for(Change(topics.QUOTES, "BIDU"))
    assert seen_committed == [(101.0,)]
    store.watchlists.create("Notified")
    assert rec.wait_for(Change(topics.WATCHLISTS))
    store.prices.upsert_bars("BABA", "1d", [bar(1, 1)], "yahoo")
    assert rec.wait_for(Change(topics.BARS, "BABA"))
    store.settings.set("theme", "dark")
    assert rec.wait_for(Change(topics.SETTINGS, "theme"))
    store.news.set_flags("x", read=True)
    assert rec.wait_for(Change(topics.NEWS, "x"))


def test_no_change_for_failed_write(store):
    rec = Recorder()
    store.changes.subscribe(rec)
    with pytest.raises(WatchlistError):
        store.watchlists.add("China AI", ["NOTASYMBOL"])
    with pytest.raises(ValueError):
        store.db.write(lambda c: (_ for _ in ()).throw(ValueError("boom")), [Change(topics.QUOTES, "ZZZ")])
    store.settings.set("marker", 1)  # the writer is sequential: once this is told, the failures were too
    assert rec.wait_for(Change(topics.SETTINGS, "marker"))
    assert rec.changes == {Change(topics.SETTINGS, "marker")}


def test_raising_listener_does_not_break_writes(store):
    calls = []

    def bad(batch):
        calls.append(batch)
        raise RuntimeError("listener bug")

    rec = Recorder()
    store.changes.subscribe(bad)
    store.changes.subscribe(rec)
    store.settings.set("a", 1)
    store.settings.set("b", 2)
    assert rec.wait_for(Change(topics.SETTINGS, "b"))
    assert store.settings.get("a") == 1 and store.settings.get("b") == 2
    assert len(calls) == 2


def test_unsubscribe_stops_notifications(store):
    rec, after = Recorder(), Recorder()
    unsubscribe = store.changes.subscribe(rec)
    unsubscribe()
    store.changes.subscribe(after)
    store.settings.set("a", 1)
    assert after.wait_for(Change(topics.SETTINGS, "a"))
    assert rec.batches == []


# ----- transactions -----------------------------------------------------------------------------
def test_exception_inside_write_rolls_back_everything(store):
    class Boom(Exception):
        pass

    def fn(conn):
        conn.execute("INSERT INTO settings(key, value) VALUES ('partial', '1')")
        conn.executemany("INSERT INTO bars(symbol, interval, ts, close, source) VALUES ('BIDU','1d',?,1,'t')",
                         [(i,) for i in range(100)])
        raise Boom("half way")

    with pytest.raises(Boom, match="half way"):
        store.db.write(fn)
    assert count(store, "bars") == 0
    assert store.settings.get("partial") is None
    assert not store.db._writer_conn.in_transaction
    # the writer is still healthy
    store.settings.set("after", True)
    assert store.settings.get("after") is True


def test_constraint_failure_mid_batch_writes_nothing(store):
    good = [bar(i, 1.0) for i in range(50)]
    with pytest.raises(sqlite3.IntegrityError):
        store.prices.upsert_bars("BIDU", "1d", good + [Bar(99, None, None, None, None)], "yahoo")  # close NOT NULL
    assert store.prices.bars("BIDU") == []
    with pytest.raises(sqlite3.IntegrityError):  # news id NULL / title NULL
        store.news.upsert([news("ok", "fine"), NewsItem(id="bad", title=None)])
    assert store.news.items() == [] and count(store, "news_fts") == 0


def test_submit_returns_future_with_result(store):
    fut = store.db.submit(lambda c: c.execute("SELECT 41 + 1").fetchone()[0])
    assert fut.result(timeout=WAIT) == 42


def test_write_from_writer_thread_is_refused(store):
    def nested(conn):
        return store.db.write(lambda c: None)

    with pytest.raises(RuntimeError, match="writer thread"):
        store.db.write(nested)


# ----- concurrency ------------------------------------------------------------------------------
def test_many_writer_and_reader_threads(store):
    threads_n, per_thread = 8, 200
    errors: list[BaseException] = []
    writers_done = threading.Event()
    start = threading.Barrier(threads_n + 3)

    def writer(t: int) -> None:
        try:
            start.wait(WAIT)
            for i in range(per_thread):
                kind = i % 3
                if kind == 0:
                    store.prices.upsert_bars(f"T{t}", "1d", [bar(i, float(i))], "test")
                elif kind == 1:
                    store.settings.set(f"t{t}-{i}", {"t": t, "i": i, "名": "值"})
                else:
                    store.fetch_log.record("test", f"t{t}-{i}", True)
        except BaseException as exc:
            errors.append(exc)

    def reader() -> None:
        try:
            start.wait(WAIT)
            last = 0
            while not writers_done.is_set():
                n = count(store, "bars")
                assert n >= last  # committed rows never disappear
                last = n
                store.prices.bars("T0", "1d")
                store.settings.get("t0-1")
                store.fetch_log.recent(10)
        except BaseException as exc:
            errors.append(exc)

    writers = [threading.Thread(target=writer, args=(t,)) for t in range(threads_n)]
    readers = [threading.Thread(target=reader) for _ in range(3)]
    for th in writers + readers:
        th.start()
    for th in writers:
        th.join(60)
    writers_done.set()
    for th in readers:
        th.join(60)
    assert not any(th.is_alive() for th in writers + readers)
    assert errors == []

    per_kind = {k: len([i for i in range(per_thread) if i % 3 == k]) for k in range(3)}
    for t in range(threads_n):
        assert [b.ts for b in store.prices.bars(f"T{t}")] == [i for i in range(per_thread) if i % 3 == 0]
        assert store.settings.get(f"t{t}-1") == {"t": t, "i": 1, "名": "值"}
    assert store.db.query("SELECT count(*) FROM settings WHERE key LIKE 't%-%'")[0][0] == threads_n * per_kind[1]
    assert store.db.query("SELECT count(*) FROM fetch_log WHERE source = 'test'")[0][0] == threads_n * per_kind[2]
    assert store.integrity_check() == "ok"


def test_short_lived_reader_threads_do_not_leave_connections_open(store):
    """Qt's pool retires idle threads: a connection per thread was never closed (the soak saw
    hundreds of open files after ten minutes). Reads borrow from a small pool instead."""
    from briefing.store.database import MAX_IDLE_READERS

    def cache_fds() -> int:  # descriptors this process holds on the cache file
        return sum(1 for p in Path("/proc/self/fd").iterdir() if os.path.realpath(p) == os.path.realpath(store.path))

    def reads_on_new_threads(n: int) -> None:
        for _ in range(n):  # one read on each of n threads that then end
            t = threading.Thread(target=lambda: store.watchlists.all())
            t.start()
            t.join(WAIT)

    reads_on_new_threads(40)
    assert 1 <= store.db.open_readers <= MAX_IDLE_READERS
    if Path("/proc/self/fd").exists():
        before = cache_fds()
        reads_on_new_threads(40)
        assert cache_fds() == before  # no growth with more threads
    barrier = threading.Barrier(12)

    def slow_read(conn):
        barrier.wait(WAIT)  # twelve reads at once: twelve connections while they last
        return conn.execute("SELECT count(*) FROM listings").fetchone()[0]

    threads = [threading.Thread(target=lambda: store.db.read(slow_read)) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(WAIT)
    assert store.db.open_readers == MAX_IDLE_READERS  # the extra ones were closed when returned


def test_second_store_on_same_file_writes_concurrently(store):
    """Like the CLI writing while the app runs: two writers on one file, neither sees a lock error."""
    other = Store.open(store.path)
    try:
        assert other.report.schema_version == schema.LATEST and other.report.moved_aside_to is None
        errors: list[BaseException] = []
        start = threading.Barrier(6)

        def work(s: Store, tag: str) -> None:
            try:
                start.wait(WAIT)
                for i in range(150):
                    s.prices.upsert_bars(tag, "1d", [bar(i, 1.0), bar(i + 10_000, 2.0)], "test")
                    s.settings.set(f"{tag}-{i}", i)
                    if i % 10 == 0:
                        s.fetch_log.record(tag, str(i), True)
                        s.news.upsert([news(f"{tag}-{i}", f"{tag} 百度 headline {i}", i)])
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(s, f"{n}{k}"))
                   for n, s in (("a", store), ("b", other)) for k in range(3)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(60)
        assert not any(th.is_alive() for th in threads)
        assert errors == [], [str(e) for e in errors]
        for s in (store, other):  # each sees everything both wrote
            assert count(s, "bars") == 6 * 300
            assert s.db.query("SELECT count(*) FROM settings WHERE key GLOB '[ab][0-2]-*'")[0][0] == 6 * 150
            assert len(s.news.search("百度")) == 6 * 15
        assert store.integrity_check() == "ok"
    finally:
        other.close()
    store.settings.set("still", "works")
    assert store.settings.get("still") == "works"


# ----- opening: refusing, moving aside, not writable, closing -----------------------------------
def test_newer_schema_is_refused_untouched(tmp_path):
    path = tmp_path / "cache.sqlite3"
    with Store.open(path) as s:
        s.settings.set("keep", "me")
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute(f"PRAGMA user_version = {schema.LATEST + 1}")
    conn.close()
    before, listing = sha256(path), sorted(p.name for p in tmp_path.iterdir())

    with pytest.raises(SchemaTooNewError, match=str(schema.LATEST + 1)):
        Store.open(path)
    assert sha256(path) == before
    assert bad_files(tmp_path) == []
    assert sorted(p.name for p in tmp_path.iterdir() if ".open-" not in p.name
                  and not p.name.endswith(("-wal", "-shm"))) == [n for n in listing if ".open-" not in n]
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.LATEST + 1
    assert conn.execute("SELECT value FROM settings WHERE key='keep'").fetchone()[0] == '"me"'
    conn.close()


@pytest.mark.parametrize("content", [
    os.urandom(8192),
    "这不是数据库 - this is a text file someone saved here\n".encode() * 50,
    b"SQLite",  # shorter than the header
])
def test_non_sqlite_file_is_moved_aside(tmp_path, content):
    path = tmp_path / "cache.sqlite3"
    if content.startswith(SQLITE_HEADER):  # pragma: no cover - 1 in 2**128
        content = b"x" + content
    path.write_bytes(content)
    with Store.open(path) as s:
        moved = s.report.moved_aside_to
        assert moved is not None
        assert moved.parent == tmp_path and moved.name.startswith("cache.sqlite3.bad-")
        assert bad_files(tmp_path) == [moved]
        assert moved.read_bytes() == content
        assert s.report.reason
        assert s.report.created is True
        assert s.schema_version() == schema.LATEST
        s.settings.set("fresh", True)
        assert s.settings.get("fresh") is True
    assert path.read_bytes().startswith(SQLITE_HEADER)


def test_two_bad_files_get_distinct_names(tmp_path):
    path = tmp_path / "cache.sqlite3"
    moved = []
    for content in (b"first garbage", b"second garbage"):
        path.unlink(missing_ok=True)
        path.write_bytes(content)
        with Store.open(path) as s:
            moved.append(s.report.moved_aside_to)
    assert moved[0] != moved[1]
    assert sorted(p.read_bytes() for p in moved) == [b"first garbage", b"second garbage"]


def _pid_free(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def test_corrupted_cache_after_crash_is_moved_aside(tmp_path):
    path = tmp_path / "cache.sqlite3"
    with Store.open(path) as s:
        for k in range(20):
            s.prices.upsert_bars("BIDU", "1d", [bar(k * 1000 + i, float(i)) for i in range(200)], "test")
        s.news.upsert([news(f"n{i}", f"百度新闻 {i} " + "长文本" * 40, i) for i in range(200)])
    size = path.stat().st_size
    page = 4096
    assert size > 20 * page
    with open(path, "r+b") as f:  # keep page 1 (header, schema) valid; smash the middle
        f.seek(2 * page)
        f.write(os.urandom(size - 4 * page))
    damaged = path.read_bytes()
    assert damaged.startswith(SQLITE_HEADER)
    stale_pid = 999_999
    if not _pid_free(stale_pid):  # pragma: no cover
        pytest.skip("pid 999999 is in use")
    stale = tmp_path / f"cache.sqlite3.open-{stale_pid}"
    stale.write_text(str(stale_pid))

    with Store.open(path) as s:
        assert s.report.checked is True
        moved = s.report.moved_aside_to
        assert moved is not None and moved.name.startswith("cache.sqlite3.bad-")
        assert moved.read_bytes() == damaged
        assert "damaged" in s.report.reason
        assert s.integrity_check() == "ok"
        assert s.prices.bars("BIDU") == []  # a fresh cache, not half of the old one
        assert s.schema_version() == schema.LATEST
        assert not stale.exists()


def test_stale_marker_on_healthy_cache_checks_and_keeps_it(tmp_path):
    path = tmp_path / "cache.sqlite3"
    with Store.open(path) as s:
        s.settings.set("k", "v")
        assert s.report.checked is False
    stale = tmp_path / "cache.sqlite3.open-999999"
    if not _pid_free(999_999):  # pragma: no cover
        pytest.skip("pid 999999 is in use")
    stale.write_text("999999")
    with Store.open(path) as s:
        assert s.report.checked is True
        assert s.report.moved_aside_to is None
        assert s.settings.get("k") == "v"
        assert not stale.exists()
    assert bad_files(tmp_path) == []


def test_data_dir_under_a_regular_file_is_not_writable(tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the data directory should be")
    for path in (blocker / "cache.sqlite3", blocker / "sub" / "cache.sqlite3"):
        with pytest.raises(DataDirNotWritableError):
            Store.open(path)
    assert blocker.read_text() == "a file where the data directory should be"


def test_read_only_data_dir_is_not_writable(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        probe = ro / "probe"
        try:
            probe.write_bytes(b"")
        except OSError:
            pass
        else:
            probe.unlink()
            pytest.skip("running with privileges that ignore directory permissions (root)")
        with pytest.raises(DataDirNotWritableError):
            Store.open(ro / "cache.sqlite3")
    finally:
        ro.chmod(0o700)


def test_close_removes_marker_and_later_use_is_refused(tmp_path):
    path = tmp_path / "cache.sqlite3"
    s = Store.open(path)
    [marker] = tmp_path.glob(f"cache.sqlite3.open-{os.getpid()}-*")
    s.settings.set("a", 1)
    s.close()
    assert not marker.exists()
    assert s.db.closed
    s.close()  # idempotent
    with pytest.raises(StoreClosedError):
        s.settings.get("a")
    with pytest.raises(StoreClosedError):
        s.settings.set("a", 2)
    with pytest.raises(StoreClosedError):
        s.prices.bars("BIDU")
    with pytest.raises(StoreClosedError):
        s.db.submit(lambda c: None)
    # closed cleanly: the WAL was checkpointed into the main file
    wal = Path(str(path) + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    with Store.open(path) as again:
        assert again.report.checked is False
        assert again.settings.get("a") == 1


def test_queued_writes_finish_before_close(tmp_path):
    s = Store.open(tmp_path / "cache.sqlite3")
    futures = [s.db.submit(lambda c, i=i: c.execute("INSERT INTO settings VALUES (?, '1')", (f"k{i}",)))
               for i in range(200)]
    s.close()
    assert all(f.done() and f.exception() is None for f in futures)
    with Store.open(tmp_path / "cache.sqlite3") as again:
        assert again.db.query("SELECT count(*) FROM settings WHERE key LIKE 'k%'")[0][0] == 200


def test_two_stores_on_one_file_in_one_process_keep_their_own_markers(tmp_path):
    """The CLI and the app (or two windows' worth of code) may open the same cache at once."""
    path = tmp_path / "cache.sqlite3"
    first = Store.open(path)
    second = Store.open(path)
    assert not second.report.checked  # the first one's marker is not mistaken for a crash
    assert len(list(tmp_path.glob("cache.sqlite3.open-*"))) == 2
    second.close()
    assert len(list(tmp_path.glob("cache.sqlite3.open-*"))) == 1  # the first is still open
    first.settings.set("still", "works")
    first.close()
    assert list(tmp_path.glob("cache.sqlite3.open-*")) == []


def test_listeners_have_run_when_write_returns(store):
    heard = []
    store.changes.subscribe(lambda batch: heard.extend(batch))
    store.settings.set("x", 1)
    assert Change(topics.SETTINGS, "x") in heard


def test_is_demo_is_read_once_and_again_after_the_setting_is_written(store, monkeypatch):
    reads = []
    get = store.settings.get
    monkeypatch.setattr(store.settings, "get", lambda key, default=None: reads.append(key) or get(key, default))
    assert not store.is_demo() and not store.is_demo()
    assert reads == ["demo"]  # the window asks at every panel read, on the GUI thread
    store.settings.set("demo", True)  # demo seeding
    assert store.is_demo() and store.is_demo()
    assert reads == ["demo", "demo"]


def test_is_demo_does_not_keep_an_answer_read_before_a_write(store, monkeypatch):
    get = store.settings.get

    def read_then_seeded(key, default=None):
        value = get(key, default)  # False...
        store.settings.set("demo", True)  # ...and the seeding commits before the answer is kept
        monkeypatch.setattr(store.settings, "get", get)
        return value

    monkeypatch.setattr(store.settings, "get", read_then_seeded)
    assert not store.is_demo()  # what was read
    assert store.is_demo()  # not the stale answer
