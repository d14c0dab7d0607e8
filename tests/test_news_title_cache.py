"""The title index ingest keeps between fetches: loads only new date spans, answers as a fresh load.

Rebuilding the index for every fetched feed loaded thousands of stored titles each time with a
large cache, holding the GIL on the writer thread long enough to stall the GUI.
"""

from __future__ import annotations

import random
import sqlite3
import threading

import pytest

from briefing.domain import news_identity
from briefing.domain.models import Feed, NewsItem
from briefing.domain.news_identity import news_id, title_tokens
from briefing.domain.news_records import FeedEntry
from briefing.store import Store, news_ingest, news_title_cache
from briefing.store.news_title_cache import TitleCache, merge_spans, subtract_spans
from test_news_dedupe_window import entry, loads  # noqa: F401 - loads: a fixture (stored titles loaded by each load)

NOW = 1_790_000_000
HOUR = 3600
DAY = 86_400


def older_title(i: int) -> str:
    return f"Maker{i % 5} ships gadget series number {i}"


@pytest.fixture
def adds(monkeypatch):
    """How many times anything was added to any title index."""
    calls = [0]
    real = news_identity.TitleIndex.add

    def counting(self, *args, **kwargs):
        calls[0] += 1
        return real(self, *args, **kwargs)

    monkeypatch.setattr(news_identity.TitleIndex, "add", counting)
    return calls


@pytest.fixture
def three(store):
    """Feeds A, B, C; A holds 200 older items (one every 2 h back from NOW), stored around the cache."""
    a, b, c = (store.feeds.add(Feed(f"https://{n}.example/rss", f"Feed {n}")) for n in "abc")
    older = [entry(older_title(i), f"https://a.example/{i}", f"a{i}", NOW - i * 2 * HOUR) for i in range(200)]
    store.db.write(lambda conn: news_ingest.ingest(conn, a, older, NOW, 0))
    return store, a, b, c


def _assert_kept(store, feed_id: int, loads: list[int], tag: str) -> None:
    """A new unrelated entry near NOW loads nothing: the index is kept (the dates around NOW are loaded)."""
    loads.clear()
    r = store.news.ingest(feed_id, [entry(f"Unrelated notice {tag} about nothing much", f"https://u.example/{tag}",
                                          f"u{tag}", NOW - HOUR)], now=NOW)
    assert len(r.new_ids) == 1 and loads == []


def test_a_second_ingest_around_the_same_dates_loads_nothing_and_still_dedupes(three, loads, adds):
    store, a, b, c = three
    first = store.news.ingest(b, [entry("Baidu opens robotaxi service in Wuhan today", "https://b.example/1", "b1"),
                                  entry(older_title(3) + " - Reuters", "https://b.example/2", "b2", NOW - 6 * HOUR)],
                              now=NOW)
    assert first.merged == 1 and len(first.new_ids) == 1
    assert loads and loads[0] > 0
    loads.clear()
    adds[0] = 0

    second = store.news.ingest(c, [
        entry("Baidu opens robotaxi service in Wuhan today - SCMP", "https://c.example/1", "c1", NOW - 2 * HOUR),
        entry(older_title(2), "https://c.example/2", "c2", NOW - 4 * HOUR + 600),  # an older stored item
        entry("Xiaomi shows its second electric car model", "https://c.example/3", "c3", NOW - 3 * HOUR),
    ], now=NOW + 60)

    assert loads == [] and adds[0] == 1  # nothing loaded again; only its own new item indexed
    assert second.merged == 2 and len(second.new_ids) == 1
    robotaxi = first.new_ids[0]
    assert {s.url for s in store.news.detail(robotaxi).sources} == {"https://b.example/1", "https://c.example/1"}
    assert "https://c.example/2" in {s.url for s in store.news.detail(news_id(a, "g:a2")).sources}

    third = store.news.ingest(b, [entry("Xiaomi shows its second electric car model", "https://b.example/9", "b9",
                                        NOW - 3 * HOUR + 900)], now=NOW + 120)
    assert third.merged == 1 and loads == []  # matched the item the previous ingest added to the index


def test_dates_outside_loaded_spans_load_only_the_new_span(three, loads):
    store, a, b, c = three
    store.news.ingest(b, [entry("Baidu opens robotaxi service in Wuhan today", "https://b.example/1", "b1")], now=NOW)
    loads.clear()
    far = NOW - 300 * HOUR  # 12.5 days back: a span of its own
    r = store.news.ingest(c, [entry("Xiaomi shows its second electric car model", "https://c.example/0", "c0"),
                              entry(older_title(150), "https://c.example/1", "c1", far + 600)], now=NOW)
    assert r.merged == 1
    assert loads == [36]  # A's items 132 to 167 (every 2 h within +-36 h of it); none near NOW again


def _sequence_step(rng: random.Random, feeds: list[int], sent: list[tuple[int, FeedEntry]], now: int):
    """One random ingest: new titles from a small vocabulary (near-duplicates across and within feeds),
    edits of entries sent before, titles that recur hours apart, guid churn, undated and short titles."""
    words = ["Tencent", "Baidu", "Alibaba", "Xiaomi", "profit", "rises", "falls", "cloud", "chips", "AI",
             "in", "quarter", "sharply", "again", "robotaxi", "Wuhan"]
    fid = rng.choice(feeds)
    batch: list[FeedEntry] = []
    for _ in range(rng.randint(1, 6)):
        kind = rng.random()
        old_feed, old = rng.choice(sent) if sent else (None, None)
        if kind < 0.12 and old:  # an entry sent before, perhaps edited (title or date)
            fid = old_feed
            title = old.title if rng.random() < 0.4 else old.title + " " + rng.choice(words)
            published = old.published if rng.random() < 0.5 else (old.published or now) + rng.randint(-5, 5) * HOUR
            batch.append(FeedEntry(old.entry_key, title, old.url, "", published=published,
                                   canonical_url=old.canonical_url, title_tokens=title_tokens(title)))
        elif kind < 0.27 and old:  # the same title again, in any feed, up to 10 h apart
            title = old.title + rng.choice(["", "", " - Reuters"])
            batch.append(entry(title, f"https://r.example/{rng.randrange(10**9)}", f"g{rng.randrange(10**9)}",
                               (old.published or now) + rng.randint(-30, 30) * HOUR // 3))
        elif kind < 0.37 and old:  # first: the same link under a new guid (often its own feed's); then its title
            fid = old_feed if rng.random() < 0.6 else fid
            batch.insert(0, entry(old.title, old.url or "https://p.example/0", f"g{rng.randrange(10**9)}",
                                  old.published))
            batch.append(entry(old.title, f"https://s.example/{rng.randrange(10**9)}", f"g{rng.randrange(10**9)}",
                               (old.published or now) + rng.randint(1, 20) * HOUR))
        else:
            n = rng.choice([2, 5, 5, 6, 7])
            title = " ".join(rng.choice(words[:8]) if i == 0 else rng.choice(words) for i in range(n))
            published = None if rng.random() < 0.05 else now - rng.randint(0, 4 * DAY) + rng.choice([0, 0, 36 * HOUR])
            link = "" if rng.random() < 0.2 else f"https://{rng.choice('pq')}.example/{rng.randrange(40)}"
            batch.append(entry(title, link, f"g{rng.randrange(10**9)}" if rng.random() < 0.8 else "", published))
    sent += [(fid, e) for e in batch if e.entry_key.startswith("g")]
    return fid, batch


def _snapshot(store: Store) -> tuple:
    return (store.db.query("SELECT id, feed_id, title, title_key, published FROM news ORDER BY id"),
            store.db.query("SELECT feed_id, entry_key, news_id, title, published FROM news_sources ORDER BY 1, 2"))


@pytest.mark.parametrize("seed,max_items", [(1, 50_000), (2, 50_000), (3, 40), (4, 50_000), (5, 25), (6, 50_000),
                                            (7, 50_000), (8, 60)])
def test_a_random_sequence_answers_as_fresh_loads_would(tmp_path, seed, max_items):
    """Cached and fresh (a new index for every ingest) give the same results and the same rows,
    with retention, feed removal and plain upserts in between."""
    cached, fresh = Store.open(tmp_path / "cached.sqlite3"), Store.open(tmp_path / "fresh.sqlite3")
    try:
        cached.news._titles.max_items = max_items
        feeds = [[s.feeds.add(Feed(f"https://f{i}.example/rss", f"Feed {i}")) for i in range(4)]
                 for s in (cached, fresh)]
        assert feeds[0] == feeds[1]
        live = feeds[0]
        rng = random.Random(seed)
        sent: list[tuple[int, FeedEntry]] = []
        now = NOW
        for step in range(200):
            now += rng.randint(30, 2 * HOUR)
            roll = rng.random()
            if roll < 0.03:
                for s in (cached, fresh):
                    s.news.prune(now=now, retention_days=3)
                continue
            if roll < 0.045 and len(live) > 2:
                gone = live.pop(rng.randrange(len(live)))
                sent = [(f, e) for f, e in sent if f != gone]
                for s in (cached, fresh):
                    s.feeds.remove(gone)
                continue
            if roll < 0.06:
                item = NewsItem(id=f"plain{step}", title=rng.choice(sent)[1].title if sent else "A plain item here",
                                url=f"https://plain.example/{step}", published=now - HOUR, feed_id=None)
                for s in (cached, fresh):
                    s.news.upsert([item])
                continue
            fid, batch = _sequence_step(rng, live, sent, now)
            got = cached.news.ingest(fid, batch, now=now, retention_days=7)
            want = fresh.db.write(lambda conn: news_ingest.ingest(conn, fid, batch, now, 7))
            assert got == want, f"step {step}"
        assert _snapshot(cached) == _snapshot(fresh)
        assert cached.news._titles.loaded_items > 0
    finally:
        cached.close()
        fresh.close()


def test_retention_and_feed_removal_make_the_next_ingest_reload(three, loads):
    store, a, b, c = three
    store.news.ingest(b, [entry("Baidu opens robotaxi service in Wuhan today", "https://b.example/1", "b1")], now=NOW)
    store.news.ingest(c, [entry("Alibaba cloud revenue rises in the quarter", "https://c.example/1", "c1")], now=NOW)
    _assert_kept(store, c, loads, "1")
    assert store.feeds.remove(b) == 1
    again = store.news.ingest(c, [entry("Baidu opens robotaxi service in Wuhan today", "https://c.example/2", "c2")],
                              now=NOW + 60)
    assert len(again.new_ids) == 1 and again.merged == 0  # not merged into the removed feed's item
    assert len(loads) == 1 and loads[0] > 0
    _assert_kept(store, c, loads, "2")
    assert store.news.prune(now=NOW - 80 * HOUR + DAY, retention_days=1) > 0  # A's items before NOW - 80 h
    d = store.feeds.add(Feed("https://d.example/rss", "Feed D"))
    r = store.news.ingest(d, [entry(older_title(60), "https://d.example/1", "x", NOW - 120 * HOUR)], now=NOW + 60)
    assert len(r.new_ids) == 1 and r.merged == 0  # the pruned item is not matched
    assert len(loads) == 1


def test_the_writer_connection_sees_data_version_change_only_for_other_connections(three):
    store, a, b, c = three
    version = lambda: store.db.write(lambda conn: conn.execute("PRAGMA data_version").fetchone()[0])  # noqa: E731
    before = version()
    store.news.ingest(b, [entry("Baidu opens robotaxi service in Wuhan today", "https://b.example/1", "b1")], now=NOW)
    store.settings.set("ui.test", "1")
    assert version() == before  # its own commits
    other = sqlite3.connect(store.db.path)
    other.execute("UPDATE feeds SET title = 'Renamed' WHERE id = ?", (a,))  # a no-op commit changes nothing
    other.commit()
    other.close()
    assert version() != before


@pytest.mark.parametrize("writer", ["store", "connection"])
def test_a_commit_from_another_store_or_connection_makes_the_next_ingest_reload(three, loads, writer):
    store, a, b, c = three
    store.news.ingest(b, [entry("Baidu opens robotaxi service in Wuhan today", "https://b.example/1", "b1")], now=NOW)
    _assert_kept(store, b, loads, "1")
    theirs = [entry("Tencent cloud chips rise sharply this week", "https://c.example/1", "c1")]
    if writer == "store":  # another Store on the file (closing it also runs PRAGMA optimize)
        other = Store.open(store.db.path)
        try:
            assert len(other.news.ingest(c, theirs, now=NOW).new_ids) == 1
        finally:
            other.close()
    else:  # a bare connection, as another process would commit: only data_version tells
        conn = sqlite3.connect(store.db.path, isolation_level=None)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("BEGIN IMMEDIATE")
        assert len(news_ingest.ingest(conn, c, theirs, NOW, 0).new_ids) == 1
        conn.execute("COMMIT")
        conn.close()
    loads.clear()
    mine = store.news.ingest(a, [entry("Tencent cloud chips rise sharply this week - Reuters", "https://a.example/t",
                                       "t1")], now=NOW + 60)
    assert mine.merged == 1  # the other writer's item is in the reloaded index
    assert len(loads) == 1 and loads[0] > 0


def test_an_edited_title_and_a_plain_upsert_make_the_next_ingest_reload(three, loads):
    store, a, b, c = three
    store.news.ingest(b, [entry("Baidu opens robotaxi service in Wuhan today", "https://b.example/1", "b1")], now=NOW)
    _assert_kept(store, c, loads, "0")
    store.news.ingest(b, [entry("Baidu closes robotaxi service in Wuhan today", "https://b.example/1", "b1")],
                      now=NOW + 60)  # edited: its stored title changes
    loads.clear()
    r = store.news.ingest(c, [entry("Baidu closes robotaxi service in Wuhan today", "https://c.example/1", "c1")],
                          now=NOW + 120)
    assert r.merged == 1 and len(loads) == 1
    _assert_kept(store, c, loads, "1")
    store.news.upsert([NewsItem(id="plain", title="Xiaomi shows its second electric car model",
                                url="https://plain.example/1", published=NOW - HOUR, feed_id=None)])
    loads.clear()
    r = store.news.ingest(c, [entry("Xiaomi shows its second electric car model", "https://c.example/2", "c2")],
                          now=NOW + 180)
    assert r.merged == 1 and len(loads) == 1


def test_a_failed_ingest_leaves_nothing_behind_in_the_index(three, loads, monkeypatch):
    store, a, b, c = three
    store.news.ingest(b, [entry("Baidu opens robotaxi service in Wuhan today", "https://b.example/1", "b1")], now=NOW)
    _assert_kept(store, b, loads, "1")

    def boom(self):
        raise RuntimeError("disk full")

    with monkeypatch.context() as m:
        m.setattr(news_ingest._Batch, "flush", boom)
        with pytest.raises(RuntimeError):
            store.news.ingest(c, [entry("Xiaomi shows its second electric car model", "https://c.example/1", "c1")],
                              now=NOW)
    loads.clear()
    r = store.news.ingest(a, [entry("Xiaomi shows its second electric car model", "https://a.example/x", "x")],
                          now=NOW + 60)
    assert len(r.new_ids) == 1 and r.merged == 0  # the rolled-back item is not matched
    assert len(loads) == 1


def test_past_its_bound_the_index_starts_again(three, loads):
    store, a, b, c = three
    store.news._titles.max_items = 10
    store.news.ingest(b, [entry("Baidu opens robotaxi service in Wuhan today", "https://b.example/1", "b1")], now=NOW)
    assert store.news._titles.loaded_items == 20  # 19 within 36 h, and the new one
    loads.clear()
    r = store.news.ingest(c, [entry(older_title(100), "https://c.example/1", "c1", NOW - 200 * HOUR)], now=NOW)
    assert r.merged == 1
    assert len(loads) == 1 and store.news._titles.loaded_items == loads[0]  # only the new span: the rest dropped


def test_only_the_thread_that_first_used_it_may_use_it(store):
    cache = TitleCache()
    conn = sqlite3.connect(":memory:")
    conn.executescript("CREATE TABLE news(id, title_key, published); CREATE TABLE news_sources(news_id, feed_id);")
    cache.begin(conn)
    errors: list[BaseException] = []

    def other():
        try:
            cache.begin(conn)
        except RuntimeError as exc:
            errors.append(exc)

    t = threading.Thread(target=other)
    t.start()
    t.join()
    assert len(errors) == 1


def test_span_arithmetic():
    loaded = merge_spans([(10, 20), (30, 40), (21, 25)])
    assert loaded == [(10, 25), (30, 40)]
    assert subtract_spans([(0, 50)], loaded) == [(0, 9), (26, 29), (41, 50)]
    assert subtract_spans([(12, 18), (31, 35)], loaded) == []
    assert subtract_spans([(5, 12), (24, 31), (39, 45)], loaded) == [(5, 9), (26, 29), (41, 45)]
    assert subtract_spans([(1, 2)], []) == [(1, 2)]


def test_an_index_loaded_in_pieces_answers_as_one_loaded_at_once(three):
    """Equal titles (a weekly column: one feed, hours apart) are tried in id order however loaded."""
    store, a, b, c = three
    base = NOW - 50 * DAY
    for k in range(8):
        store.news.ingest(a, [entry("Tencent weekly market wrap for investors", f"https://a.example/w{k}", f"w{k}",
                                    base + k * 12 * HOUR)], now=NOW)
    pieces = [(base - HOUR, base + 41 * HOUR), (base + 42 * HOUR, base + 90 * HOUR)]
    tokens = title_tokens("Tencent weekly market wrap for investors")

    def answers(conn):
        whole = news_title_cache.load_titles(conn, pieces)
        split = news_title_cache.load_titles(conn, pieces[1:])
        news_title_cache.load_titles(conn, pieces[:1], split)
        return ([whole.match(tokens, base + h * HOUR, b) for h in range(0, 86, 2)],
                [split.match(tokens, base + h * HOUR, b) for h in range(0, 86, 2)])

    whole, split = store.db.read(answers)
    assert whole == split and len(set(whole)) > 1


def test_an_ingest_reads_only_its_own_entries_source_rows(store):
    """A feed's earlier entries are looked up by this fetch's keys, not all read at every fetch:
    the work of an ingest (SQLite steps) does not grow with the feed's history."""
    def steps_of_one_fetch(history: int) -> int:
        fid = store.feeds.add(Feed(f"https://h{history}.example/rss", f"History {history}"))
        old = [entry(older_title(i), f"https://h{history}.example/{i}", f"h{history}-{i}", published=NOW - 900 * DAY + i)
               for i in range(history)]
        store.news.ingest(fid, old, now=NOW - 900 * DAY + history)
        fresh = [entry(f"Fresh item {history} {k} about robotaxis", f"https://h{history}.example/new{k}",
                       f"new{history}-{k}") for k in range(3)]
        counted = [0]

        def run(conn):
            conn.set_progress_handler(lambda: counted.__setitem__(0, counted[0] + 1), 100)
            try:
                return news_ingest.ingest(conn, fid, fresh, NOW, 0)
            finally:
                conn.set_progress_handler(None, 0)

        assert len(store.db.write(run).new_ids) == 3
        return counted[0]

    small, large = steps_of_one_fetch(20), steps_of_one_fetch(3000)
    assert large < 2 * small + 50, (small, large)
