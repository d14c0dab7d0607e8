"""All 76 real and ill-formed feeds of ../shared/data/rss/, served over loopback HTTP.

Each is ingested with every entry feedparser itself extracts from the same bytes and headers, or
refused with a clear per-feed error; never a crash. Where the feedparser corpus states its own
expectation (INDEX.tsv), it holds for what our fetch handed to feedparser.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from pathlib import Path

import pytest

from briefing.domain.models import Feed
from briefing.services.news_refresh import NewsRefresher
from briefing.store.news import RETENTION_SETTING
from feed_helpers import feed_server, server  # noqa: F401

NOW = 1_790_000_000
# Where our set-up differs from the one the corpus was written for, on purpose.
KNOWN_DIVERGENCES = {
    "feedparser_corpus/encoding__bozo_linenoise.xml":
        "deliberately undecodable bytes: with chardet installed (we add it so Chinese feeds without an "
        "encoding declaration decode) the guess differs from the corpus's chardet-less expectation",
}
# feedparser's own HTML passes are off (see sources.feeds.parse_feed): these expectations are about
# them. What we show is checked instead: the reader's sanitiser leaves nothing active.
SANITISED_AT_DISPLAY = {
    "feedparser_corpus/wellformed__atom10__tag_in_attr.xml",
    "feedparser_corpus/wellformed__atom__relative_uri_inherit.xml",
    "feedparser_corpus/wellformed__sanitize__entry_content_crazy.xml",
    "feedparser_corpus/wellformed__sanitize__entry_content_onload.xml",
    "feedparser_corpus/wellformed__sanitize__entry_content_script_cdata.xml",
}
ACTIVE = re.compile(r"<script|<iframe|<object|<embed|<style|\son\w+\s*=|javascript:", re.IGNORECASE)
_HEADER = re.compile(r"^Header:\s*([\w-]+):\s*(.+?)\s*$", re.MULTILINE)


def index_rows() -> list[dict]:
    from conftest import SHARED_DATA

    path = SHARED_DATA / "rss" / "INDEX.tsv"
    if not path.exists():
        return []
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


ROWS = index_rows()


def declared_headers(body: bytes) -> dict[str, str]:
    """The HTTP headers a corpus file says it is served with (feedparser's test harness does the same)."""
    text = body[:1024].decode("latin-1")
    headers = {k.lower(): v for k, v in _HEADER.findall(text)}
    headers.setdefault("content-type", "application/xml")
    return headers


class EncodingName(str):
    """chardet 7 names a superset where the corpus (written for older chardet) names the subset."""

    SUPERSETS = {"gb2312": "gb18030", "shift_jis": "cp932"}

    @classmethod
    def norm(cls, name: str) -> str:
        try:
            name = codecs.lookup(name).name
        except LookupError:
            name = name.lower()
        return cls.SUPERSETS.get(name, name)

    def __eq__(self, other):
        return isinstance(other, str) and self.norm(self) == self.norm(other)

    __hash__ = str.__hash__


class Attr(dict):
    __getattr__ = dict.get


def expectation_env(parsed) -> dict:
    if parsed.version == "json1":  # our JSON Feed reader, in feedparser's shape
        return {"bozo": False, "feed": Attr(title=parsed.title), "entries": list(parsed.entries)}
    env = dict(parsed.raw)
    env["encoding"] = EncodingName(env.get("encoding", ""))
    return env


def test_the_index_lists_76_feeds(shared_data):
    assert len(ROWS) == 76
    assert all((shared_data / "rss" / r["path"]).exists() for r in ROWS)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("row", ROWS, ids=[r["path"] for r in ROWS])
def test_every_shared_feed_is_ingested_or_refused_clearly(shared_data, server, store, row):
    import feedparser

    body = (shared_data / "rss" / row["path"]).read_bytes()
    headers = declared_headers(body)
    server.expect_request("/corpus").respond_with_data(body, headers={k: v for k, v in headers.items()})
    store.settings.set(RETENTION_SETTING, 0)  # keep everything: these feeds are years old
    fid = store.feeds.add(Feed(server.url_for("/corpus"), ""))
    refresher = NewsRefresher(store, politeness_s=0, clock=lambda: NOW)
    report = refresher.refresh([store.feeds.get(fid)], force=True)
    refresher.close()
    (outcome,) = report.outcomes

    oracle = feedparser.parse(io.BytesIO(body), response_headers=headers)
    feed = store.feeds.get(fid)
    if not oracle.get("version") and not oracle.get("entries") and not row["path"].endswith(".json"):
        assert outcome.outcome == "error" and "not a feed" in outcome.error
        assert feed.last_error == outcome.error
        return
    assert outcome.outcome == "parsed", outcome.error
    assert outcome.entries >= len(oracle.entries)  # at least what feedparser extracts
    keys = store.db.query("SELECT count(*) FROM news_sources WHERE feed_id = ?", (fid,))[0][0]
    assert keys + outcome.merged >= min(outcome.entries, 1) if outcome.entries else keys == 0
    assert len(report.new_ids) + outcome.merged == outcome.new + outcome.merged
    stored = store.news.items()
    assert len(stored) == outcome.new
    for item in stored:  # dates are UTC seconds, links are http(s) or nothing
        assert item.published is None or 631_152_000 <= item.published <= NOW + 86_400
        assert item.url == "" or item.url.startswith(("http://", "https://"))
    if oracle.get("bozo") and outcome.entries and not row["path"].endswith(".json"):
        assert feed.last_warning  # ill-formed, entries kept, the warning recorded in words
    expect = row["feedparser_expect"].strip().removesuffix('-->",').strip()
    from briefing.domain.html_text import sanitize_html
    from briefing.sources.feeds import parse_feed

    parsed = parse_feed(body, headers, server.url_for("/corpus"))
    for e in parsed.entries:  # whatever the feed holds, what the reader shows is inert
        assert not ACTIVE.search(sanitize_html(e.content_html, images=True, base=e.url))
        assert "<" not in e.title or "&" in body.decode("latin-1")  # titles are text
    if expect and row["path"] not in KNOWN_DIVERGENCES and row["path"] not in SANITISED_AT_DISPLAY:
        env = expectation_env(parsed)
        assert eval(expect, {"__builtins__": {}, "ord": ord, "len": len}, env), expect  # noqa: S307


def test_hostile_corpus_content_is_inert_when_shown(shared_data):
    from briefing.domain.html_text import sanitize_html
    from briefing.sources.feeds import parse_feed

    for name in sorted(SANITISED_AT_DISPLAY):
        body = (shared_data / "rss" / name).read_bytes()
        parsed = parse_feed(body, declared_headers(body), "http://example.com/feed")
        for e in parsed.entries:
            shown = sanitize_html(e.content_html, images=True, base="http://example.com/a/")
            assert not ACTIVE.search(shown), (name, shown)
    onload = parse_feed((shared_data / "rss" / "feedparser_corpus" / "wellformed__sanitize__entry_content_onload.xml")
                        .read_bytes(), {"content-type": "application/atom+xml"})
    assert sanitize_html(onload.entries[0].content_html, images=True) == \
        '<img src="http://www.ragingplatypus.com/i/cam-full.jpg">'  # what feedparser's sanitiser gives too


def test_chinese_encodings_decode_to_chinese(shared_data):
    from briefing.sources.feeds import parse_feed

    corpus = shared_data / "rss" / "feedparser_corpus"
    gb = parse_feed((corpus / "illformed__chardet__gb2312.xml").read_bytes(), {"content-type": "application/xml"})
    assert any("\u4e00" <= ch <= "\u9fff" for ch in gb.entries[0].title)
    big5 = parse_feed((corpus / "illformed__chardet__big5.xml").read_bytes(), {"content-type": "application/xml"})
    assert EncodingName(big5.encoding) == "big5"


def test_a_feed_in_gb18030_with_chinese_headlines_is_tagged(store):
    from briefing.sources.feeds import parse_feed

    doc = ('<?xml version="1.0" encoding="gb2312"?><rss version="2.0"><channel><title>新闻</title>'
           "<item><title>百度发布文心大模型</title><link>https://example.cn/1</link></item>"
           "<item><title>腾讯控股(00700)回购股份</title><link>https://example.cn/2</link></item>"
           "</channel></rss>").encode("gb18030")
    parsed = parse_feed(doc, {"content-type": "text/xml; charset=gb2312"})
    assert [e.title for e in parsed.entries] == ["百度发布文心大模型", "腾讯控股(00700)回购股份"]
    assert [e.companies for e in parsed.entries] == [("baidu",), ("tencent",)]


def test_relative_links_resolve_against_the_feed_address():
    from briefing.sources.feeds import parse_feed

    doc = b'<rss version="2.0"><channel><title>t</title><item><title>x</title><link>/a/b</link></item></channel></rss>'
    parsed = parse_feed(doc, {"content-type": "application/rss+xml"}, "https://news.example.com/feed.xml")
    assert parsed.entries[0].url == "https://news.example.com/a/b"


def test_dates_are_utc_and_missing_dates_are_none():
    from briefing.sources.feeds import parse_feed

    doc = (b'<rss version="2.0"><channel><title>t</title>'
           b"<item><title>a</title><guid>1</guid><pubDate>Tue, 03 Jun 2025 08:00:00 +0800</pubDate></item>"
           b"<item><title>b</title><guid>2</guid></item>"
           b"<item><title>c</title><guid>3</guid><pubDate>not a date</pubDate></item></channel></rss>")
    a, b, c = parse_feed(doc, {"content-type": "application/rss+xml"}).entries
    assert a.published == 1748908800  # 2025-06-03 00:00 UTC
    assert b.published is None and c.published is None
    assert len({a.entry_key, b.entry_key, c.entry_key}) == 3
