"""Full-text search over mixed Chinese/English news: the bigram index text, the MATCH query built
from user input, and what `store.news.search` finds."""

from __future__ import annotations

import re
import sqlite3

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from briefing.domain.models import NewsItem
from briefing.store import Store, fts


# ----- index_text / match_query ----------------------------------------------------------------
def test_bigrams():
    assert fts.bigrams("") == []
    assert fts.bigrams("百") == ["百"]
    assert fts.bigrams("百度") == ["百度"]
    assert fts.bigrams("文心一言") == ["文心", "心一", "一言"]


def test_index_text_spells_chinese_as_bigrams_and_keeps_latin():
    assert fts.index_text("百度发布").split() == ["百度", "度发", "发布"]
    assert fts.index_text("百度发布文心一言4.0 Baidu ERNIE").split() == [
        "百度", "度发", "发布", "布文", "文心", "心一", "一言", "4.0", "Baidu", "ERNIE"]
    assert fts.index_text("Tencent腾讯Hunyuan").split() == ["Tencent", "腾讯", "Hunyuan"]
    assert fts.index_text("A股 百 B").split() == ["A", "股", "百", "B"]
    assert fts.index_text("Plain English, untouched.") == "Plain English, untouched."
    assert fts.index_text("") == "" and fts.index_text(None) == ""
    # Chinese punctuation splits runs: no bigram across it
    assert "度，" not in fts.index_text("百度，腾讯") and fts.index_text("百度，腾讯").split() == ["百度", "，", "腾讯"]


def test_match_query_terms():
    assert fts.match_query("百度") == '"百度"'
    assert fts.match_query("文心一言") == '"文心 心一 一言"'
    assert fts.match_query("Baidu") == '"Baidu"'
    assert fts.match_query("Baidu 文心") == '"Baidu" AND "文心"'
    assert fts.match_query("Baidu文心") == '"Baidu 文心"'
    assert fts.match_query("百") is None
    assert fts.match_query("百 Baidu") is None
    assert fts.match_query("") is None and fts.match_query("   ") is None
    assert fts.match_query('"*()') is None


@pytest.mark.parametrize("query", [
    'AND', 'OR', 'NOT', 'NEAR', 'NEAR(a b)', 'NEAR(百度 腾讯, 3)', 'a AND', 'AND OR NOT',
    '"', '""', '"unterminated', 'he said "百度', "it's", '*', 'bai*', '*du', '^Baidu', 'title:百度',
    'summary : x', '{title summary}: x', '(', ')', '((a)', 'a + b', '-', '- x', 'a OR', '百度 OR 腾讯',
    '百度*', '"百度" AND "腾讯"', '::', '\\', '%', '_', '__', '100%', "'; DROP TABLE news; --",
    '\x00', '😀', '百度😀腾讯', 'Baidu,Tencent', 'a.b.c', '文心-一言', '\t\n', '　', '、。',
])
def test_user_input_never_breaks_search(store, query):
    store.news.upsert([NewsItem(id="1", title="百度发布文心一言 Baidu ERNIE"),
                       NewsItem(id="2", title="腾讯混元 Tencent Hunyuan")])
    match = fts.match_query(query)
    if match is not None:  # a valid FTS5 expression on its own
        conn = sqlite3.connect(":memory:")
        conn.execute("CREATE VIRTUAL TABLE t USING fts5(x)")
        conn.execute("SELECT * FROM t WHERE t MATCH ?", (match,)).fetchall()
        conn.close()
    result = store.news.search(query)
    assert isinstance(result, list)


def test_operator_words_are_plain_words(store):
    store.news.upsert([NewsItem(id="and", title="Research AND development"),
                       NewsItem(id="near", title="Offices near Hangzhou"),
                       NewsItem(id="other", title="Unrelated")])
    assert [i.id for i in store.news.search("AND")] == ["and"]
    assert [i.id for i in store.news.search("near")] == ["near"]
    assert [i.id for i in store.news.search("NEAR(Offices Hangzhou)")] == ["near"]
    assert store.news.search("NOT") == []
    assert [i.id for i in store.news.search('"Offices near"')] == ["near"]


# ----- store-level search ----------------------------------------------------------------------
ITEMS = [
    NewsItem(id="baidu-ernie", title="百度发布文心一言4.0", summary="大模型能力全面提升", published=500),
    NewsItem(id="baidu-en", title="Baidu unveils ERNIE 4.0 at Baidu World", summary="Robin Li on stage", published=400),
    NewsItem(id="baidu-mixed", title="Baidu 文心大模型 update 新闻", published=450),
    NewsItem(id="tencent", title="腾讯混元大模型开放", summary="深圳科技公司", published=300),
    NewsItem(id="sense", title="港股商汤科技股价大涨", published=200),
    NewsItem(id="alibaba", title="阿里云发布通义千问2.5 Alibaba Cloud Qwen", published=100),
    NewsItem(id="hundred", title="百亿补贴", published=50),
]


@pytest.fixture
def searchable(store):
    store.news.upsert(ITEMS)
    return store


def ids(items) -> list[str]:
    return [i.id for i in items]


@pytest.mark.parametrize("query,expected", [
    ("百度", ["baidu-ernie"]),
    ("腾讯", ["tencent"]),
    ("商汤", ["sense"]),
    ("阿里", ["alibaba"]),
    ("文心一言", ["baidu-ernie"]),
    ("通义千问", ["alibaba"]),
    ("混元大模型", ["tencent"]),
    ("大模型", ["baidu-ernie", "baidu-mixed", "tencent"]),
    ("深圳", ["tencent"]),  # in the summary
    ("ERNIE", ["baidu-en"]),
    ("ernie", ["baidu-en"]),  # case-insensitive
    ("Qwen", ["alibaba"]),
    ("robin", ["baidu-en"]),
    ("Baidu", ["baidu-mixed", "baidu-en"]),  # newest first
    ("Baidu 文心", ["baidu-mixed"]),
    ("文心 Baidu", ["baidu-mixed"]),
    ("百度 ERNIE", []),  # every term must match in the same item
    ("度发", ["baidu-ernie"]),
    ("发布", ["baidu-ernie", "alibaba"]),
    ("一言4", ["baidu-ernie"]),  # 一言 then the number, adjacent
    ("言4.0", ["baidu-ernie"]),  # a single character: LIKE
    ("文心一言4.0", ["baidu-ernie"]),
])
def test_search(searchable, query, expected):
    assert ids(searchable.news.search(query)) == expected


def test_two_character_names_are_not_false_positives(searchable):
    assert "alibaba" not in ids(searchable.news.search("腾讯"))
    assert "tencent" not in ids(searchable.news.search("阿里"))
    assert searchable.news.search("度百") == []  # characters of 百度 in another order
    assert searchable.news.search("百腾") == []
    assert searchable.news.search("字节跳动") == []


def test_single_character_falls_back_to_like(searchable):
    assert ids(searchable.news.search("百")) == ["baidu-ernie", "hundred"]
    assert ids(searchable.news.search("汤")) == ["sense"]
    assert ids(searchable.news.search(" 汤 ")) == ["sense"]
    assert searchable.news.search("鹅") == []


def test_single_character_mixed_with_other_terms_requires_each_term(searchable):
    # every term is required, wherever it stands, as with full-text terms
    assert ids(searchable.news.search("汤 港股")) == ["sense"]
    assert ids(searchable.news.search("港股 汤")) == ["sense"]
    assert ids(searchable.news.search("新 Baidu")) == ["baidu-mixed"]
    assert ids(searchable.news.search("百 4.0")) == ["baidu-ernie"]  # baidu-en has 4.0 but no 百
    assert searchable.news.search("汤 Baidu") == []


def test_like_fallback_treats_wildcards_literally(store):
    store.news.upsert([NewsItem(id="pct", title="营收增长100%"), NewsItem(id="plain", title="百度"),
                       NewsItem(id="under", title="a_b 股")])
    assert ids(store.news.search("%")) == ["pct"]
    assert ids(store.news.search("% 长")) == ["pct"]
    assert ids(store.news.search("_ 股")) == ["under"]
    assert store.news.search("*") == []


def test_search_combines_with_tags_and_flags(store):
    store.news.upsert([
        NewsItem(id="a", title="百度 news one", companies=("baidu",), published=2),
        NewsItem(id="b", title="百度 news two", companies=("tencent",), published=1),
    ])
    from briefing.store.news import NewsFilter

    assert ids(store.news.items(NewsFilter(text="百度", companies=("baidu",)))) == ["a"]
    store.news.set_flags("a", read=True)
    assert ids(store.news.items(NewsFilter(text="百度", unread_only=True))) == ["b"]
    assert ids(store.news.search("百度", limit=1)) == ["a"]


def test_index_follows_reupsert(store):
    store.news.upsert([NewsItem(id="x", title="腾讯发布新模型")])
    assert ids(store.news.search("腾讯")) == ["x"]
    store.news.upsert([NewsItem(id="x", title="阿里发布新模型")])
    assert store.news.search("腾讯") == []
    assert ids(store.news.search("阿里")) == ["x"]
    assert store.db.query("SELECT count(*) FROM news_fts")[0][0] == 1


# ----- property: any Chinese substring of a title finds it --------------------------------------
CJK_CHARS = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
LATIN_CHARS = st.sampled_from(list("abcXYZ019 .,-'\"*():_AND NEAR"))
TITLE = st.lists(
    st.one_of(st.text(CJK_CHARS, min_size=1, max_size=8), st.text(LATIN_CHARS, min_size=1, max_size=6)),
    min_size=1, max_size=6,
).map("".join)
_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")


@pytest.fixture(scope="module")
def prop_store(tmp_path_factory):
    s = Store.open(tmp_path_factory.mktemp("fts-prop") / "cache.sqlite3")
    yield s
    s.close()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=TITLE, data=st.data())
def test_any_chinese_substring_of_a_title_finds_it(prop_store, title, data):
    runs = _RUN.findall(title)
    assume(runs)
    run = data.draw(st.sampled_from(runs), label="run")
    start = data.draw(st.integers(0, len(run) - 2), label="start")
    end = data.draw(st.integers(start + 2, len(run)), label="end")
    query = run[start:end]
    prop_store.news.upsert([NewsItem(id="prop", title=title)])
    assert "prop" in ids(prop_store.news.search(query)), (title, query, fts.match_query(query))
    # and a query built from Chinese characters the title lacks does not find it
    absent = "".join(c for c in "鑫淼焱垚" if c not in title)
    if len(absent) >= 2:
        assert "prop" not in ids(prop_store.news.search(absent[:2]))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.text(max_size=30))
def test_arbitrary_text_never_raises(prop_store, query):
    prop_store.news.search(query)
