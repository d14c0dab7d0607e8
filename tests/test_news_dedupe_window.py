"""Cross-feed title dedupe loads only the stored titles near each fetched entry's own date.

A feed whose entries span years once made every fetch load every stored title (oldest to newest
date of the feed), in Python, on the writer thread: long GUI stalls with a large cache.
"""

from __future__ import annotations

import pytest

from briefing.domain.models import Feed
from briefing.domain.news_identity import (
    TITLE_WINDOW_S, TitleIndex, canonical_url, entry_key, news_id, title_tokens, title_windows,
)
from briefing.domain.news_records import FeedEntry
from briefing.store import news_ingest, news_title_cache

NOW = 1_790_000_000
DAY = 86_400
STEP = 9 * 3600  # one stored item every 9 hours
STORED = 3000  # about three years of them


def entry(title: str, link: str, guid: str = "", published: int | None = NOW - 3600) -> FeedEntry:
    return FeedEntry(entry_key=entry_key(guid, link, title, "", published), title=title, url=link, summary="",
                     published=published, canonical_url=canonical_url(link), title_tokens=title_tokens(title))


def stored_title(i: int) -> str:
    return f"Company{i % 7} announces widget model number {i}"


@pytest.fixture
def big(store):
    """Feed A holds STORED items, one every STEP seconds back from NOW; feed B is empty.

    Stored without the store's title cache, which so starts empty as after a restart."""
    a = store.feeds.add(Feed("https://a.example/rss", "Feed A"))
    b = store.feeds.add(Feed("https://b.example/rss", "Feed B"))
    stored = [entry(stored_title(i), f"https://a.example/{i}", f"a{i}", published=NOW - i * STEP)
              for i in range(STORED)]
    store.news._db.write(lambda conn: news_ingest.ingest(conn, a, stored, NOW, 0))
    return store, a, b


@pytest.fixture
def loads(monkeypatch):
    """How many stored titles each ingest loaded into its title index."""
    sizes: list[int] = []
    real = news_title_cache.load_titles

    def counting(conn, spans, into=None):
        before = len(into) if into is not None else 0
        index = real(conn, spans, into)
        sizes.append(len(index) - before)
        return index

    monkeypatch.setattr(news_title_cache, "load_titles", counting)
    return sizes


def test_title_windows_merge_overlapping_spans_in_order():
    w = 10
    assert title_windows([], w) == []
    assert title_windows([100, 5, 100, 112, 300], w) == [(-5, 15), (90, 122), (290, 310)]
    assert title_windows([0, 21], w) == [(-10, 31)]  # touching spans merge


def test_a_feed_spanning_years_loads_only_titles_near_its_entries(big, loads):
    store, a, b = big
    old, mid = STORED - 5, STORED // 2  # about three years and eighteen months ago
    fetched = [
        entry(stored_title(3) + " - Reuters", "https://b.example/1", "b1", published=NOW - 3 * STEP + 600),
        entry(stored_title(mid), "https://b.example/2", "b2", published=NOW - mid * STEP - 3600),
        entry(stored_title(old) + " | SCMP", "https://b.example/3", "b3", published=NOW - old * STEP),
        entry(stored_title(40), "https://b.example/4", "b4", published=NOW - 40 * STEP - 10 * DAY),  # too far
        entry("Xiaomi opens a brand new electric car plant", "https://b.example/5", "b5", published=NOW - 2 * DAY),
    ]

    # what a full index (every stored title, as the old oldest-to-newest load gave for this feed) answers
    everything = store.news._db.read(
        lambda conn: news_title_cache.load_titles(conn, [(NOW - 10 * 365 * DAY, NOW + DAY)]))
    loads.clear()
    assert len(everything) == STORED
    expected = [everything.match(e.title_tokens, e.published, b) for e in fetched]
    assert expected[:3] == [news_id(a, "g:a3"), news_id(a, f"g:a{mid}"), news_id(a, f"g:a{old}")]
    assert expected[3:] == [None, None]

    result = store.news.ingest(b, fetched, now=NOW, retention_days=0)

    # bounded by the stored items within the window of each fetched entry, not by the years they span
    per_entry = 2 * TITLE_WINDOW_S // STEP + 1
    assert loads and loads[0] <= len(fetched) * per_entry
    assert loads[0] < STORED // 20
    assert result.merged == 3 and len(result.new_ids) == 2
    for e, story in zip(fetched, expected):
        target = story or news_id(b, e.entry_key)
        sources = [(s.feed_title, s.url) for s in store.news.detail(target).sources]
        assert ("Feed B", e.url) in sources


def test_one_old_entry_does_not_load_the_years_between(big, loads):
    store, a, b = big
    new = [entry(f"Tencent unveils assistant number {i} for gamers", f"https://b.example/n{i}", f"n{i}",
                 published=NOW - i * 3600) for i in range(20)]
    old = entry(stored_title(STORED - 2), "https://b.example/old", "old", published=NOW - (STORED - 2) * STEP)
    result = store.news.ingest(b, [*new, old], now=NOW, retention_days=0)
    assert result.merged == 1 and len(result.new_ids) == 20
    assert loads[0] <= 2 * (2 * TITLE_WINDOW_S // STEP + 1) + 20  # the recent window, the old one


def test_a_refetch_with_nothing_new_loads_no_titles(big, loads):
    store, a, b = big
    batch = [entry(stored_title(i), f"https://b.example/r{i}", f"r{i}", published=NOW - i * STEP - 7 * DAY)
             for i in range(0, STORED, 300)]
    store.news.ingest(b, batch, now=NOW, retention_days=0)
    loads.clear()
    again = store.news.ingest(b, batch, now=NOW + 60, retention_days=0)
    assert again.unchanged == len(batch) and loads == []


def test_ties_between_equally_similar_titles_go_to_the_closest_then_the_smallest_id():
    tokens = title_tokens("Baidu opens robotaxi service in Wuhan today")
    near = title_tokens("Baidu opens robotaxi service in Wuhan today now")
    for order in ((("x", 100), ("y", 50)), (("y", 50), ("x", 100))):
        index = TitleIndex()
        for item_id, gap in order:
            index.add(item_id, near, 1_000_000 - gap, feed_id=1)
        assert index.match(tokens, 1_000_000, feed_id=2) == "y"
    index = TitleIndex()
    for item_id in ("b", "a"):
        index.add(item_id, near, 1_000_000, feed_id=1)
    assert index.match(tokens, 1_000_000, feed_id=2) == "a"


def test_many_spans_load_exactly_the_titles_inside_them(big):
    store, a, b = big
    dates = [NOW - i * STEP for i in range(0, STORED, 10)]  # 90 h apart: 300 disjoint spans, two statements
    spans = title_windows(dates, TITLE_WINDOW_S)
    assert len(spans) == 300
    inside = sum(1 for i in range(STORED) if any(lo <= NOW - i * STEP <= hi for lo, hi in spans))
    index = store.news._db.read(lambda conn: news_title_cache.load_titles(conn, spans))
    assert len(index) == inside
