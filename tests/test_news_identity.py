"""Same story or not: canonical links, title tokens, near-identical titles, stable ids, HTML to text."""

from __future__ import annotations

import pytest

from briefing.domain.alerts import AlertRule, rules_from_json
from briefing.domain.html_text import html_to_text
from briefing.domain.models import NewsItem
from briefing.domain.news_identity import (
    TitleIndex,
    canonical_url,
    entry_key,
    jaccard,
    news_id,
    title_key,
    title_tokens,
)


@pytest.mark.parametrize("a, b", [
    ("https://www.scmp.com/tech/article/123/baidu?utm_source=rss&utm_medium=feed",
     "http://scmp.com/tech/article/123/baidu/"),
    ("HTTPS://WWW.Example.COM:443/a/b/", "https://example.com/a/b"),
    ("https://example.com/a?b=2&a=1&fbclid=x#top", "https://example.com/a?a=1&b=2"),
    ("https://example.com/a?spm=a2c4g.11186623&id=5", "https://example.com/a?id=5"),
    ("https://example.com//a//b", "https://example.com/a/b"),
])
def test_same_link_after_canonicalisation(a, b):
    assert canonical_url(a) == canonical_url(b) != ""


@pytest.mark.parametrize("a, b", [
    ("https://example.com/a?id=1", "https://example.com/a?id=2"),
    ("https://example.com/a", "https://example.org/a"),
    ("https://example.com:8080/a", "https://example.com/a"),
    ("https://example.com/A", "https://example.com/a"),  # paths are case-sensitive
])
def test_different_links_stay_different(a, b):
    assert canonical_url(a) != canonical_url(b)


@pytest.mark.parametrize("url", ["", "javascript:alert(1)", "file:///etc/passwd", "mailto:x@y.z", "not a url",
                                 "http://[::1", "data:text/html,x", "tag:example.com,2006:1"])
def test_non_web_links_have_no_canonical_form(url):
    assert canonical_url(url) == ""


def test_title_tokens_fold_case_width_and_outlet_suffix():
    assert title_tokens("Baidu unveils ERNIE 4.0 model - Reuters") == title_tokens("baidu unveils Ernie 4.0 model")
    assert title_tokens("Ｂａｉｄｕ unveils ERNIE 4.0 model") == title_tokens("Baidu unveils ERNIE 4.0 model")
    assert title_tokens("百度发布文心一言") == ("百度", "度发", "发布", "布文", "文心", "心一", "一言")
    assert title_tokens("Markets - Reuters") == ("markets", "reuters")  # too short to strip anything


def test_near_identical_titles_within_the_window_match():
    idx = TitleIndex()
    t0 = 1_700_000_000
    idx.add("a", title_tokens("Alibaba shares jump 5% after earnings beat estimates"), t0, feed_id=1)
    assert idx.match(title_tokens("Alibaba shares jump 5% after earnings beat estimates | SCMP"), t0 + 3600, 2) == "a"
    assert idx.match(title_tokens("Alibaba shares jump 5% after earnings beat"), t0 + 3600, 2) == "a"
    assert idx.match(title_tokens("Alibaba shares jump 5% after earnings beat"), t0 + 5 * 86400, 2) is None
    assert idx.match(title_tokens("Alibaba shares slump 5% after earnings miss"), t0, 2) is None


def test_a_repeated_title_in_one_feed_is_a_new_entry_unless_at_the_same_time():
    idx = TitleIndex()
    t0 = 1_700_000_000
    idx.add("mon", title_tokens("Morning briefing: what to watch in Hong Kong today"), t0, feed_id=1)
    assert idx.match(title_tokens("Morning briefing: what to watch in Hong Kong today"), t0 + 86400 // 2, 1) is None
    assert idx.match(title_tokens("Morning briefing: what to watch in Hong Kong today"), t0, 1) == "mon"


def test_short_titles_never_merge():
    idx = TitleIndex()
    idx.add("x", title_tokens("Markets wrap"), 0, 1)
    assert idx.match(title_tokens("Markets wrap"), 0, 2) is None


def test_title_index_finds_matches_among_many():
    idx = TitleIndex()
    for i in range(2000):
        idx.add(f"n{i}", title_tokens(f"Company number {i} reports quarterly results for period {i}"), 0, 1)
    assert idx.match(title_tokens("Company number 1234 reports quarterly results for period 1234"), 0, 2) == "n1234"
    assert jaccard(frozenset("ab"), frozenset("bc")) == pytest.approx(1 / 3)


def test_entry_keys_prefer_guid_then_link_then_hash():
    assert entry_key("urn:1", "https://e.com/a", "t", "s", 1) == "g:urn:1"
    assert entry_key("", "https://www.e.com/a/?utm_source=x", "t", "s", 1) == "u:e.com/a"
    h = entry_key("", "", "t", "s", 1)
    assert h.startswith("h:") and h == entry_key("", "", "t", "s", 1) != entry_key("", "", "t", "s", 2)
    assert news_id(1, "g:x") == news_id(1, "g:x") != news_id(2, "g:x")
    assert title_key(("a", "b")) == "a b"


def test_html_to_text():
    assert html_to_text("<p>百度 &amp; <b>Baidu</b></p><script>alert(1)</script><p>two</p>") == "百度 & Baidu\ntwo"
    assert html_to_text("plain &lt;text&gt;") == "plain <text>"
    assert html_to_text("x" * 50, limit=10) == "x" * 9 + "…"
    assert html_to_text("") == "" and html_to_text(None) == ""


def test_alert_rules():
    item = NewsItem(id="1", title="Export controls tightened on AI chips", summary="英伟达芯片", companies=("baidu",))
    assert AlertRule("company", "baidu").matches(item)
    assert AlertRule("keyword", "export controls").matches(item)
    assert AlertRule("keyword", "芯片").matches(item)
    assert not AlertRule("keyword", "export control s").matches(item)
    assert not AlertRule("keyword", "chip").matches(item)  # whole words in Latin script
    with pytest.raises(ValueError):
        AlertRule("colour", "red")
    assert rules_from_json([{"kind": "keyword", "value": "x"}, {"kind": "bad"}, "junk", {}]) == [
        AlertRule("keyword", "x")]
