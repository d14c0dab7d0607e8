"""The news part of the cache: ingest with cross-feed dedupe, sources, filters, counts, retention,
feed edits, and the migration that added sources to an existing cache."""

from __future__ import annotations

import sqlite3

import pytest

from briefing.domain.models import Feed, NewsItem
from briefing.domain.news_identity import canonical_url, entry_key, title_tokens
from briefing.domain.news_records import FeedEntry
from briefing.domain.tagging import default_tagger
from briefing.store import Store, schema
from briefing.store.feeds import FeedError
from briefing.store.news import NewsFilter

NOW = 1_790_000_000
DAY = 86_400


def entry(title, link="", guid="", published=NOW - 3600, summary="") -> FeedEntry:
    return FeedEntry(entry_key=entry_key(guid, link, title, summary, published), title=title, url=link,
                     summary=summary, published=published, canonical_url=canonical_url(link),
                     title_tokens=title_tokens(title), companies=default_tagger().tag(title, summary))


@pytest.fixture
def feeds(store):
    a = store.feeds.add(Feed("https://a.example/rss", "Feed A"))
    b = store.feeds.add(Feed("https://b.example/rss", "Feed B"))
    return a, b


def test_same_link_from_two_feeds_is_one_item_with_two_sources(store, feeds):
    a, b = feeds
    ra = store.news.ingest(a, [entry("Baidu unveils Ernie 5 at Wuhan event", "https://news.example/x?utm_source=a",
                                     "a-1")], now=NOW)
    rb = store.news.ingest(b, [entry("Baidu launches Ernie 5", "http://www.news.example/x/", "b-9")], now=NOW)
    assert len(ra.new_ids) == 1 and rb.new_ids == () and rb.merged == 1
    (item,) = store.news.items()
    assert item.source_count == 2 and item.companies == ("baidu",)
    detail = store.news.detail(item.id)
    assert [s.feed_title for s in detail.sources] == ["Feed A", "Feed B"]
    assert [i.id for i in store.news.items(NewsFilter(feed_id=b))] == [item.id]
    assert store.news.unread_counts()["feeds"] == {a: 1, b: 1}


def test_near_identical_titles_from_two_feeds_merge_within_the_window(store, feeds):
    a, b = feeds
    store.news.ingest(a, [entry("Tencent posts 11% revenue growth on gaming, ads", "https://a.example/1")], now=NOW)
    store.news.ingest(b, [entry("Tencent posts 11% revenue growth on gaming, ads - Reuters", "https://b.example/2",
                                published=NOW - 7200)], now=NOW)
    store.news.ingest(b, [entry("Tencent posts 11% revenue growth on gaming, ads", "https://b.example/3",
                                published=NOW - 10 * DAY)], now=NOW)  # same words, another week: another story
    assert sorted(i.source_count for i in store.news.items()) == [1, 2]


def test_ingest_is_idempotent_and_follows_edits(store, feeds):
    a, _ = feeds
    batch = [entry("商汤发布日日新大模型", "https://a.example/s", "s1"), entry("Unrelated local news", "", "u1")]
    first = store.news.ingest(a, batch, now=NOW)
    again = store.news.ingest(a, batch, now=NOW + 60)
    assert len(first.new_ids) == 2 and again.unchanged == 2 and again.new_ids == ()
    edited = store.news.ingest(a, [entry("商汤发布日日新大模型升级版", "https://a.example/s", "s1")], now=NOW + 120)
    assert edited.updated == 1
    assert [i.title for i in store.news.search("升级")] == ["商汤发布日日新大模型升级版"]
    assert [i.companies for i in store.news.search("商汤")] == [("sensetime",)]


def test_two_character_chinese_search_finds_ingested_items(store, feeds):
    a, _ = feeds
    store.news.ingest(a, [entry("腾讯混元大模型开放", "https://a.example/t"), entry("阿里云发布新模型", "https://a.example/l"),
                          entry("Baidu earnings call", "https://a.example/b", summary="百度营收增长")], now=NOW)
    assert [i.title for i in store.news.search("腾讯")] == ["腾讯混元大模型开放"]
    assert [i.title for i in store.news.search("阿里")] == ["阿里云发布新模型"]
    assert [i.title for i in store.news.search("百度")] == ["Baidu earnings call"]  # summary indexed too
    assert store.news.search("度百") == []


def test_undated_entries_get_the_first_seen_time_and_keep_it(store, feeds):
    a, _ = feeds
    store.news.ingest(a, [entry("An undated story about markets", "https://a.example/u", published=None)], now=NOW)
    store.news.ingest(a, [entry("An undated story about markets, edited", "https://a.example/u", published=None)],
                      now=NOW + 3600)
    (item,) = store.news.items()
    assert item.published == NOW and store.news.detail(item.id).date_guessed
    future = store.news.ingest(a, [entry("From the future", "https://a.example/f", published=NOW + 400 * DAY)], now=NOW)
    assert store.news.by_ids(list(future.new_ids))[0].published == NOW


def test_retention_keeps_starred_and_skips_old_entries(store, feeds):
    a, _ = feeds
    result = store.news.ingest(a, [entry("Old but starred story here", "https://a.example/o", published=NOW - 80 * DAY),
                                   entry("Old and forgotten story here", "https://a.example/f", published=NOW - 85 * DAY),
                                   entry("Ancient story from years ago", "https://a.example/x", published=NOW - 900 * DAY)],
                               now=NOW, retention_days=90)
    assert result.too_old == 1 and len(result.new_ids) == 2
    starred = next(i for i in store.news.items() if i.title.startswith("Old but"))
    store.news.set_flags(starred.id, starred=True)
    assert store.news.prune(now=NOW + 10 * DAY, retention_days=90) == 1
    assert [i.title for i in store.news.items()] == ["Old but starred story here"]
    assert store.db.query("SELECT count(*) FROM news_fts")[0][0] == 1
    assert store.news.prune(now=NOW + 999 * DAY, retention_days=0) == 0  # 0 keeps everything


def test_removing_a_feed_keeps_starred_and_shared_items(store, feeds):
    a, b = feeds
    store.news.ingest(a, [entry("Only in A, not starred at all", "https://x.example/1"),
                          entry("Only in A but starred by me", "https://x.example/2"),
                          entry("In A and in B as well today", "https://x.example/3")], now=NOW)
    store.news.ingest(b, [entry("In A and in B as well today", "https://x.example/3?utm_campaign=b")], now=NOW)
    starred = next(i for i in store.news.items() if "starred" in i.title)
    store.news.set_flags(starred.id, starred=True)
    assert store.feeds.remove(a) == 1
    left = {i.title: i for i in store.news.items()}
    assert set(left) == {"Only in A but starred by me", "In A and in B as well today"}
    assert left["In A and in B as well today"].feed_id == b
    with pytest.raises(FeedError):
        store.feeds.remove(a)


def test_filters_by_watchlist_unread_and_keep_ids(store, feeds):
    a, _ = feeds
    r = store.news.ingest(a, [entry("Tencent buys back shares again", "https://a.example/t"),
                              entry("SenseTime narrows its loss", "https://a.example/s")], now=NOW)
    store.watchlists.create("HK only")
    store.watchlists.add("HK only", ["0700.HK"])
    wl = store.watchlists.get("HK only").id
    assert [i.title for i in store.news.items(NewsFilter(watchlist_id=wl))] == ["Tencent buys back shares again"]
    tencent = r.new_ids[0]
    assert store.news.mark_read([tencent]) == 1
    assert [i.id for i in store.news.items(NewsFilter(unread_only=True))] == [r.new_ids[1]]
    assert {i.id for i in store.news.items(NewsFilter(unread_only=True, keep_ids=(tencent,)))} == set(r.new_ids)
    assert store.news.mark_read(flt=NewsFilter(companies=("sensetime",))) == 1
    assert store.news.unread_counts()["total"] == 0
    assert store.news.mark_read(list(r.new_ids), read=False) == 2
    assert store.news.unread_counts()["companies"] == {"tencent": 1, "sensetime": 1}


def test_feed_edits_and_statuses(store, feeds):
    a, b = feeds
    store.feeds.update(a, title="Renamed", refresh_minutes=15, folder="China / Tech", enabled=False)
    f = store.feeds.get(a)
    assert (f.title, f.refresh_minutes, f.folder, f.enabled) == ("Renamed", 15, "China / Tech", False)
    with pytest.raises(FeedError, match="already has the address"):
        store.feeds.update(a, url="https://b.example/rss")
    with pytest.raises(FeedError, match="at least 1 minute"):
        store.feeds.update(a, refresh_minutes=0)
    with pytest.raises(FeedError, match="cannot edit"):
        store.feeds.update(a, etag="x")
    store.feeds.record_fetch(b, at=NOW, etag='"e"', warning="ill-formed")
    store.news.ingest(b, [entry("Something happened in Shenzhen", "https://b.example/1")], now=NOW)
    status = {s.feed.id: s for s in store.feeds.statuses()}
    assert status[a].state == "disabled" and status[b].state == "warning"
    assert (status[b].items, status[b].unread) == (1, 1)
    store.feeds.record_fetch(b, at=NOW + 1, error="HTTP 404: the feed is not at this address")
    assert {s.feed.id: s for s in store.feeds.statuses()}[b].state == "error"
    assert store.feeds.get(b).failures == 1 and store.feeds.get(b).etag == '"e"'
    store.feeds.update(b, url="https://b.example/new")
    assert store.feeds.get(b).etag is None  # a new address starts without validators
    assert store.feeds.find(str(b)).id == b and store.feeds.find("renamed").id == a


def test_migration_adds_sources_to_an_existing_cache(tmp_path):
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    schema.migrate(conn, target=2)
    conn.execute("INSERT INTO feeds(url, title) VALUES ('https://a.example/rss', 'A')")
    conn.execute("INSERT INTO news(id, feed_id, url, title, published) VALUES "
                 "('x', 1, 'https://www.n.example/1?utm_source=a', 'Baidu unveils a new Ernie model', 100)")
    conn.close()
    with Store.open(path) as s:
        assert s.schema_version() == schema.LATEST
        row = s.db.query("SELECT canonical_url, title_key FROM news WHERE id = 'x'")[0]
        assert row[0] == "n.example/1" and row[1].startswith("baidu unveils")
        assert s.db.query("SELECT feed_id, news_id FROM news_sources")[0][:] == (1, "x")
        fid = s.feeds.find("https://a.example/rss").id
        r = s.news.ingest(fid, [entry("Baidu unveils a new Ernie model", "https://n.example/1", "g")], now=NOW)
        assert r.merged == 1 and len(s.news.items()) == 1


def test_plain_upsert_still_works_for_demo_items(store):
    store.news.upsert([NewsItem(id="d1", title="[Demo] 百度发布", url="https://ir.baidu.com", is_demo=True)])
    (item,) = store.news.items()
    assert item.source_count == 1 and store.news.detail("d1").sources == ()
