"""Validate the bundled data files in resources/ (instruments, regulation timeline, default feeds).

Uses only the standard library (json, xml.etree) besides pytest itself.
"""

import datetime as dt
import json
import pathlib
import re
import xml.etree.ElementTree as ET
from urllib.parse import urlparse

import pytest

RESOURCES = pathlib.Path(__file__).resolve().parents[1] / "resources"
INSTRUMENTS_PATH = RESOURCES / "instruments.json"
EVENTS_PATH = RESOURCES / "regulation_events.json"
OPML_PATH = RESOURCES / "default_feeds.opml"

COMPANY_IDS = {"baidu", "alibaba", "tencent", "sensetime"}
CATEGORIES = {"china_rule", "us_action", "company_milestone", "policy_signal", "market_event"}
LISTING_KINDS = {"ordinary", "adr"}
KEBAB_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
HK_SYMBOL_RE = re.compile(r"^\d{4}\.HK$")
ISO_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
CJK_RE = re.compile(r"[\u4e00-\u9fff]")


def _load_json(path):
    with path.open(encoding="utf-8") as fh:
        return json.load(fh)


def _parse_date(value):
    assert isinstance(value, str) and ISO_DATE_RE.match(value), f"not an ISO date: {value!r}"
    return dt.date.fromisoformat(value)


def _is_http_url(value):
    if not isinstance(value, str):
        return False
    parts = urlparse(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


@pytest.fixture(scope="module")
def instruments():
    return _load_json(INSTRUMENTS_PATH)


@pytest.fixture(scope="module")
def companies(instruments):
    return {c["id"]: c for c in instruments["companies"]}


@pytest.fixture(scope="module")
def events():
    data = _load_json(EVENTS_PATH)
    assert data["schema"] == 1
    return data["events"]


@pytest.fixture(scope="module")
def opml_root():
    return ET.parse(OPML_PATH).getroot()


# --------------------------------------------------------------------------- instruments


def test_instruments_top_level_shape(instruments):
    assert instruments["schema"] == 1
    for key in ("companies", "fx", "benchmarks"):
        assert isinstance(instruments[key], list) and instruments[key], key


def test_company_ids_are_the_four_followed_and_unique(instruments):
    ids = [c["id"] for c in instruments["companies"]]
    assert len(ids) == len(set(ids))
    assert set(ids) == COMPANY_IDS


def test_company_fields_and_types(instruments):
    for c in instruments["companies"]:
        for key in ("name_en", "name_zh"):
            assert isinstance(c[key], str) and c[key].strip(), (c["id"], key)
        assert CJK_RE.search(c["name_zh"]), c["id"]
        for key in ("aliases_en", "aliases_zh", "tickers", "listings"):
            assert isinstance(c[key], list) and c[key], (c["id"], key)
        for key in ("aliases_en", "aliases_zh", "tickers"):
            assert all(isinstance(a, str) and a.strip() == a and a for a in c[key]), (c["id"], key)
            assert len(c[key]) == len(set(c[key])), f"duplicate in {c['id']}.{key}"
        assert c["name_en"] in c["aliases_en"]
        assert c["name_zh"] in c["aliases_zh"]
        assert all(CJK_RE.search(a) for a in c["aliases_zh"]), c["id"]


def test_aliases_are_not_generic_single_words(instruments):
    generic = {"cloud", "ai", "bot", "app", "china", "group", "tech", "chat", "go"}
    for c in instruments["companies"]:
        for alias in c["aliases_en"]:
            assert alias.lower() not in generic, (c["id"], alias)


def test_aliases_do_not_collide_between_companies(instruments):
    seen = {}
    for c in instruments["companies"]:
        for alias in c["aliases_en"] + c["aliases_zh"] + c["tickers"]:
            key = alias.casefold()
            assert key not in seen or seen[key] == c["id"], f"{alias!r} used by {seen.get(key)} and {c['id']}"
            seen[key] = c["id"]


def test_expected_product_aliases_present(companies):
    expected = {
        "baidu": (["Ernie", "Apollo Go"], ["文心一言", "文心", "萝卜快跑"]),
        "alibaba": (["Qwen", "Taobao", "Tmall", "Alibaba Cloud"], ["通义千问", "通义", "淘宝", "天猫", "阿里云", "阿里"]),
        "tencent": (["WeChat", "Weixin", "Hunyuan"], ["微信", "混元"]),
        "sensetime": (["SenseNova"], ["日日新"]),
    }
    for cid, (en, zh) in expected.items():
        assert set(en) <= set(companies[cid]["aliases_en"]), cid
        assert set(zh) <= set(companies[cid]["aliases_zh"]), cid


def test_listing_fields_and_types(instruments):
    symbols = []
    for c in instruments["companies"]:
        for lst in c["listings"]:
            symbols.append(lst["symbol"])
            assert isinstance(lst["symbol"], str) and lst["symbol"]
            assert lst["exchange"] in {"XHKG", "XNYS", "XNAS", "OTC"}, lst
            assert lst["currency"] in {"HKD", "USD"}, lst
            assert lst["timezone"] in {"Asia/Hong_Kong", "America/New_York"}, lst
            assert lst["kind"] in LISTING_KINDS, lst
            assert lst["short_name"] is None or (isinstance(lst["short_name"], str) and lst["short_name"])
            for key in ("listed_on", "history_from"):
                if lst[key] is not None:
                    _parse_date(lst[key])
            if lst["listed_on"] and lst["history_from"]:
                assert _parse_date(lst["history_from"]) >= _parse_date(lst["listed_on"]), lst
            lot = lst["board_lot"]
            assert lot is None or (isinstance(lot, int) and not isinstance(lot, bool) and lot > 0), lst
    assert len(symbols) == len(set(symbols)), "duplicate listing symbol"


def test_every_company_has_one_hk_listing(instruments):
    for c in instruments["companies"]:
        hk = [l for l in c["listings"] if l["exchange"] == "XHKG"]
        assert len(hk) == 1, c["id"]
        hk = hk[0]
        assert HK_SYMBOL_RE.match(hk["symbol"]), hk["symbol"]
        assert hk["currency"] == "HKD"
        assert hk["timezone"] == "Asia/Hong_Kong"
        assert hk["kind"] == "ordinary"
        assert hk["adr_ratio"] is None
        # the 4-digit HK code should be usable as a news-tagging ticker token
        assert hk["symbol"][:4] in c["tickers"], c["id"]


def test_adr_ratio_positive_or_null_and_consistent_with_kind(instruments):
    for c in instruments["companies"]:
        for lst in c["listings"]:
            ratio = lst["adr_ratio"]
            assert ratio is None or (
                isinstance(ratio, (int, float)) and not isinstance(ratio, bool) and ratio > 0
            ), lst
            if lst["kind"] == "adr":
                assert ratio is not None and lst["currency"] == "USD", lst
            else:
                assert ratio is None, lst


def test_known_listing_facts(companies):
    def listing(cid, symbol):
        matches = [l for l in companies[cid]["listings"] if l["symbol"] == symbol]
        assert len(matches) == 1, (cid, symbol)
        return matches[0]

    assert listing("baidu", "BIDU")["adr_ratio"] == 8
    assert listing("baidu", "BIDU")["exchange"] == "XNAS"
    assert listing("baidu", "9888.HK")["board_lot"] == 50
    assert listing("alibaba", "BABA")["adr_ratio"] == 8
    assert listing("alibaba", "BABA")["exchange"] == "XNYS"
    assert listing("alibaba", "9988.HK")
    assert listing("tencent", "TCEHY")["adr_ratio"] == 1
    assert listing("tencent", "TCEHY")["exchange"] == "OTC"
    assert listing("tencent", "0700.HK")["board_lot"] == 100
    assert [l["symbol"] for l in companies["sensetime"]["listings"]] == ["0020.HK"]


def test_sensetime_history_starts_at_its_own_listing(companies):
    hk = companies["sensetime"]["listings"][0]
    assert hk["history_from"] == "2021-12-30"
    assert hk["listed_on"] == "2021-12-30"


def test_fx_and_benchmarks(instruments):
    fx_symbols = {f["symbol"] for f in instruments["fx"]}
    assert "HKD=X" in fx_symbols
    for f in instruments["fx"]:
        assert {"symbol", "base", "quote", "name_en"} <= f.keys()
    fors = set()
    for b in instruments["benchmarks"]:
        assert {"symbol", "exchange", "currency", "timezone", "name_en", "for"} <= b.keys()
        assert b["for"] in {"US", "HK"}
        if b["exchange"] == "XHKG":
            assert HK_SYMBOL_RE.match(b["symbol"]) and b["currency"] == "HKD"
        fors.add(b["for"])
    assert fors == {"US", "HK"}


# --------------------------------------------------------------------------- regulation events

EVENT_KEYS = {"id", "announced", "effective", "body", "title_en", "title_zh",
              "category", "companies", "summary", "source_url"}


def test_at_least_30_events(events):
    assert isinstance(events, list)
    assert len(events) >= 30


def test_event_keys_and_types(events):
    for e in events:
        assert EVENT_KEYS <= e.keys(), e.get("id")
        for key in ("id", "body", "title_en", "summary", "source_url", "category"):
            assert isinstance(e[key], str) and e[key].strip(), (e.get("id"), key)
        assert isinstance(e["title_zh"], str), e["id"]
        assert isinstance(e["companies"], list) and e["companies"], e["id"]
        for key in ("announced", "effective"):
            assert e[key] is None or isinstance(e[key], str), (e["id"], key)


def test_event_ids_unique_kebab_case(events):
    ids = [e["id"] for e in events]
    assert len(ids) == len(set(ids))
    for i in ids:
        assert KEBAB_RE.match(i), i


def test_event_dates_iso_and_ordered(events):
    for e in events:
        assert e["announced"] is not None or e["effective"] is not None, e["id"]
        announced = _parse_date(e["announced"]) if e["announced"] is not None else None
        effective = _parse_date(e["effective"]) if e["effective"] is not None else None
        for d in (announced, effective):
            if d is not None:
                assert dt.date(2010, 1, 1) <= d <= dt.date(2030, 12, 31), e["id"]
        if announced and effective:
            assert effective >= announced, e["id"]


def test_event_categories_allowed(events):
    for e in events:
        assert e["category"] in CATEGORIES, (e["id"], e["category"])


def test_event_companies_exist_in_instruments(events, companies):
    for e in events:
        assert len(e["companies"]) == len(set(e["companies"])), e["id"]
        unknown = set(e["companies"]) - set(companies)
        assert not unknown, (e["id"], unknown)


def test_event_source_urls_are_http(events):
    for e in events:
        assert _is_http_url(e["source_url"]), (e["id"], e["source_url"])
        assert " " not in e["source_url"] and ";" not in e["source_url"], e["id"]


def test_no_unverified_chinese_titles(events):
    for e in events:
        assert "†" not in e["title_zh"], e["id"]
        assert "†" not in e["title_en"], e["id"]
        if e["title_zh"]:
            assert CJK_RE.search(e["title_zh"]), e["id"]


def test_summaries_are_single_sentences_of_sane_length(events):
    for e in events:
        s = e["summary"]
        assert 20 <= len(s) <= 400, e["id"]
        assert s.endswith("."), e["id"]


def test_events_are_chronological_enough(events):
    # sorted by the first available date keeps the timeline file easy to review
    keys = [e["announced"] or e["effective"] for e in events]
    assert keys == sorted(keys)


# --------------------------------------------------------------------------- OPML


def _feed_outlines(root):
    return [o for o in root.iter("outline") if o.get("xmlUrl") is not None]


def test_opml_structure(opml_root):
    assert opml_root.tag == "opml"
    assert opml_root.get("version") == "2.0"
    assert opml_root.find("head") is not None
    assert opml_root.find("head/title") is not None
    assert opml_root.find("body") is not None


def test_opml_groups(opml_root):
    groups = [o.get("text") for o in opml_root.find("body").findall("outline")]
    assert "China business & tech (English)" in groups
    for group in opml_root.find("body").findall("outline"):
        assert group.get("xmlUrl") is None
        assert group.findall("outline"), group.get("text")


def test_opml_feeds_have_required_attributes(opml_root):
    feeds = _feed_outlines(opml_root)
    assert len(feeds) >= 6
    for o in feeds:
        for attr in ("text", "title", "type", "xmlUrl", "htmlUrl", "language"):
            assert o.get(attr), (o.get("text"), attr)
        assert o.get("type") == "rss"
        assert o.get("language") in {"en", "zh"}
        assert _is_http_url(o.get("xmlUrl")), o.get("xmlUrl")
        assert _is_http_url(o.get("htmlUrl")), o.get("htmlUrl")


def test_opml_feed_urls_unique_and_reference_feeds_present(opml_root):
    urls = [o.get("xmlUrl") for o in _feed_outlines(opml_root)]
    assert len(urls) == len(set(urls))
    for required in (
        "https://www.scmp.com/rss/4/feed",
        "https://www.scmp.com/rss/36/feed",
        "http://www.chinadaily.com.cn/rss/bizchina_rss.xml",
        "http://www.chinadaily.com.cn/rss/china_rss.xml",
        "https://technode.com/feed/",
        "https://pandaily.com/feed/",
    ):
        assert required in urls, required
