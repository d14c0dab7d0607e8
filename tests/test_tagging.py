"""Company tagging on headlines that must and must not match (English, Chinese, tickers, codes).

Two tables. MUST / MUST_NOT were written by hand in the style of real coverage (Reuters, SCMP,
CNBC, Caixin, 36Kr) and of the non-company stories naive matching gets wrong (golfers called
Ernie, Baba Ramdev, Taiwan's 阿里山, Iran's 阿里·哈梅内伊, "0700 GMT"): they pin the rules down but
are not quoted from any source. REAL_* are real texts from ../shared/data (see its SOURCES.md),
read from their files at test time; each row names its file and says where in it the text is.

What the real data holds (checked when this table was written): the 75 entries of the 47 RSS/Atom
files that have entries name none of the four companies, and none contains a tracked name in any
language; the only near-misses in them are digit runs containing "20" (SenseTime's HK code 0020
without its zeros: R720xd, E5-2620, "Windows Server 2019"). No Ernie, no Tencent, no 阿里 at all.
The Yahoo JSON bodies hold the only real headlines that name a tracked company: all about Alibaba,
in English, plus look-alike names from a search for "BABA" (Bababos, Babaco Market).
"""

from __future__ import annotations

import csv
import json
import re

import pytest

from briefing.domain.tagging import default_tagger

B, A, T, S = "baidu", "alibaba", "tencent", "sensetime"

MUST = [
    ("China's Baidu unveils new Ernie AI version to rival GPT-4", {B}),
    ("Baidu's robotaxi unit Apollo Go to expand into Hong Kong", {B}),
    ("Baidu shares fall after Ernie Bot launch disappoints investors", {B}),
    ("Robin Li says Ernie 4.0 now has more than 200 million users", {B}),
    ("百度发布文心大模型4.5和X1", {B}),
    ("萝卜快跑在武汉扩大无人驾驶运营范围", {B}),
    ("李彦宏：文心一言用户数突破3亿", {B}),
    ("Kunlunxin chips to power a new 30,000-card cluster", {B}),
    ("BAIDU UNVEILS ERNIE BOT 4.5 AND X1 MODELS", {B}),
    ("Nasdaq: BIDU slides 5% after earnings miss", {B}),
    ("Alibaba releases Qwen 2.5 model it says surpasses DeepSeek-V3", {A}),
    ("Alibaba Cloud cuts prices of Tongyi Qianwen models by up to 97%", {A}),
    ("Jack Ma makes rare appearance at the Hangzhou campus", {A}),
    ("阿里巴巴-W(09988.HK)收涨3.2%", {A}),
    ("阿里云通义千问开源Qwen3系列模型", {A}),
    ("淘宝天猫618大促启动", {A}),
    ("DingTalk adds a Qwen-powered AI assistant", {A}),
    ("Alibaba-backed Moonshot AI raises $1 billion", {A}),
    ("Tencent unveils Hunyuan large language model for businesses", {T}),
    ("WeChat owner Tencent posts 11% revenue growth on gaming, ads", {T}),
    ("Tencent (0700.HK) buys back HK$1 billion of shares", {T}),
    ("腾讯控股(00700)今日回购股份", {T}),
    ("腾讯混元大模型接入微信搜一搜", {T}),
    ("Pony Ma says the company was slow to react to ChatGPT", {T}),
    ("Yuanbao app climbs China's App Store chart after DeepSeek integration", {T}),
    ("WeChat Pay opens to foreign visitors' cards", {T}),
    ("Tencent-backed Zhipu AI files for Shanghai IPO", {T}),
    ("SenseTime shares jump after SenseNova 5.0 model launch", {S}),
    ("商汤科技发布日日新5.0大模型", {S}),
    ("商汤-W(00020.HK)股价大涨", {S}),
    ("SenseTime (0020.HK) narrows loss as generative AI revenue grows", {S}),
    ("Hong Kong stocks: Tencent, Alibaba lead Hang Seng rebound", {A, T}),
    ("Chinese ADRs rally: BABA, BIDU up in premarket trading", {A, B}),
    ("$BABA and $BIDU jump as Beijing signals support for tech", {A, B}),
    ("港股科技股走强，腾讯、阿里巴巴、百度集团均涨超3%", {A, B, T}),
    ("Baidu, Alibaba, Tencent and SenseTime among firms cleared to launch AI chatbots", {A, B, S, T}),
    ("百度、阿里、腾讯等首批大模型通过备案", {A, B, T}),
    ("Tencent腾讯Hunyuan模型开源", {T}),
    ("baidu search traffic drops as AI answers spread", {B}),
]

MUST_NOT = [
    "Ernie Els shoots 66 to take the lead at the Senior Open",
    "Bert and Ernie return for Sesame Street's 55th season",
    "Baba Ramdev's Patanjali faces contempt notice from Supreme Court",
    "Ali Baba and the Forty Thieves pantomime opens in London",
    "ALI BABA AND THE FORTY THIEVES: A NEW MUSICAL FOR THE HOLIDAYS",
    "阿里山森林游乐区樱花季游客大增",
    "伊朗最高领袖阿里·哈梅内伊发表讲话",
    "西藏阿里地区发生5.2级地震",
    "Flights resume at 0700 GMT after the storm",
    "Markets open (0700 GMT) with oil higher",
    "The town's population reached 9,988 in the 2020 census",
    "Apollo 11 astronauts honoured on mission anniversary",
    "Ant group behaviour helps colonies survive floods, study finds",
    "Robin Lim named midwife of the year",
    "ByteDance's Doubao becomes China's most used AI chatbot",
    "DeepSeek releases R1 reasoning model",
    "JD.com launches food delivery price war with Meituan",
    "PDD Holdings shares slump on Temu tariff worries",
    "苟日新，日日新，又日新：创新的古老智慧",
    "太极拳大师讲解混元太极要领",
    "《文心雕龙》与中国古代文论",
    "小度假村推出周末亲子套餐",
    "Xiaomi unveils its first EV, the SU7",
    "Sense and time: how clocks shape our lives",
    "Muhammad Ali's birthplace becomes a museum",
    "Huawei's Ascend chips gain ground in China's data centres",
    "Tencentral Station opens (a made-up word around a name)",
    "Alibabas and other plural oddities",
    "Scores: 20 (0020) goals",
]


@pytest.fixture(scope="module")
def tagger():
    return default_tagger()


@pytest.mark.parametrize("headline, expected", MUST, ids=[h for h, _ in MUST])
def test_must_match(tagger, headline, expected):
    assert set(tagger.tag(headline)) == expected


@pytest.mark.parametrize("headline", MUST_NOT)
def test_must_not_match(tagger, headline):
    assert tagger.tag(headline) == ()


def test_precision_and_recall_on_the_table(tagger):
    tp = fp = fn = 0
    for text, expected in [*MUST, *((h, set()) for h in MUST_NOT)]:
        got = set(tagger.tag(text))
        tp += len(got & expected)
        fp += len(got - expected)
        fn += len(expected - got)
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    assert precision == 1.0 and recall == 1.0, (precision, recall)


def test_summary_counts_and_order_is_stable(tagger):
    assert tagger.tag("Markets today", "腾讯和百度领涨") == ("baidu", "tencent")
    assert tagger.tag("", "") == ()


def test_tagger_is_built_from_the_registry_aliases(tagger):
    from briefing.domain.registry import load_registry

    for company in load_registry().companies:
        assert company.id in tagger.tag(company.name_en), company.name_en
        if company.name_zh:
            assert company.id in tagger.tag(company.name_zh), company.name_zh


# ----- real texts from ../shared/data ------------------------------------------------------------
YAHOO = "yahoo_api/node-yahoo-finance2"
# (file, where in its JSON, how the text starts there, the companies it names)
REAL_JSON = [
    # Yahoo Finance search for "BABA": its news headlines...
    (f"{YAHOO}/search-BABA.json", "news/0/title", "Why Alibaba (BABA) Stock Is Retreating Today", {A}),
    (f"{YAHOO}/search-BABA.json", "news/1/title", "How to Play Alibaba Group Stock After Mixed Q3 Earnings", {A}),
    (f"{YAHOO}/search-BABA.json", "news/2/title", "Alibaba Group Holding Limited (BABA): A High Growth Mega Cap", {A}),
    (f"{YAHOO}/search-BABA.json", "news/3/title", "Investors Heavily Search Alibaba Group Holding Limited (BABA)", {A}),
    # ...and the instruments and look-alike names it found
    (f"{YAHOO}/search-BABA.json", "quotes/1/shortname", "BABA-W", {A}),  # 9988.HK's short name
    (f"{YAHOO}/search-BABA.json", "quotes/2/longname", "GraniteShares 2x Long BABA Daily ETF", {A}),
    (f"{YAHOO}/search-BABA.json", "quotes/4/shortname", "BABA Dec 2025 95.000 put", {A}),
    (f"{YAHOO}/search-BABA.json", "quotes/5/name", "Bababos", set()),
    (f"{YAHOO}/search-BABA.json", "quotes/6/name", "Babaco Market", set()),
    # Yahoo insights for BABA: a WSJ headline, Morningstar's report title, summary and bull/bear points
    (f"{YAHOO}/insights-BABA.json", "finance/result/sigDevs/0/headline",
     "Ryan Cohen Boosts Alibaba Stake To $1 Billion - WSJ", {A}),
    (f"{YAHOO}/insights-BABA.json", "finance/result/upsellSearchDD/researchReports/title",
     "Alibaba: Fair Value Estimate Raised by 27%", {A}),
    (f"{YAHOO}/insights-BABA.json", "finance/result/upsellSearchDD/researchReports/summary",
     "Alibaba is the world’s largest online and mobile commerce company", {A}),  # names Taobao, Tmall, Cainiao
    (f"{YAHOO}/insights-BABA.json", "finance/result/reports/0/headHtml",
     "Analyst Report: Alibaba Group Holding Limited", {A}),
    (f"{YAHOO}/insights-BABA.json", "finance/result/upsell/msBullishSummary/0", "Alibaba is able to maintain", {A}),
    (f"{YAHOO}/insights-BABA.json", "finance/result/upsell/msBullishSummary/1", "Alibaba successfully increases", {A}),
    (f"{YAHOO}/insights-BABA.json", "finance/result/upsell/msBullishSummary/2", "Alibaba delivers better-than", {A}),
    (f"{YAHOO}/insights-BABA.json", "finance/result/upsell/msBearishSummary/0",
     "Alibaba's gross merchandise volume share in China decreases faster than our expectation as competitors "
     "such as Douyin", {A}),
    (f"{YAHOO}/insights-BABA.json", "finance/result/upsell/msBearishSummary/1",
     "Expansion into the nonphysical-goods-marketplace", set()),  # about Alibaba, but names no company
    (f"{YAHOO}/insights-BABA.json", "finance/result/upsell/msBearishSummary/2", "Alibaba fails in its globalization",
     {A}),
    (f"{YAHOO}/insights-BABA.json", "finance/result/secReports/0/title", "6-K : Corporate Changes & Voting Matters",
     set()),
    # the day's top US gainers: one of them a Chinese data-centre operator, none tracked
    (f"{YAHOO}/dailyGainers.json", "finance/result/0/quotes/0/longName", "Unity Software Inc.", set()),
    (f"{YAHOO}/dailyGainers.json", "finance/result/0/quotes/1/longName", "FTAI Aviation Ltd.", set()),
    (f"{YAHOO}/dailyGainers.json", "finance/result/0/quotes/2/longName", "DigitalBridge Group, Inc.", set()),
    (f"{YAHOO}/dailyGainers.json", "finance/result/0/quotes/3/longName", "Hasbro, Inc.", set()),
    (f"{YAHOO}/dailyGainers.json", "finance/result/0/quotes/4/longName", "GDS Holdings Limited", set()),
]
# Entries of the real feeds whose text has digits containing "20" (SenseTime's HK code 0020 written
# short) with no market marker: (feed file, entry title, the digits in its text).
REAL_FEED_NEAR_MISSES = [
    ("feed-rs_fixtures/atom_mediarss_reddit_1.xml", "Sanity Check (NAS Build)", "R720xd"),
    ("feed-rs_fixtures/atom_mediarss_reddit_1.xml",
     "Black/blank screen on install for Proxmox VE, Debian 11 on R730", "E5-2620"),
    ("feed-rs_fixtures/atom_mediarss_reddit_1.xml", "Dell Proliant 360 G9 - Server Health", "Windows Server 2019"),
    ("feed-rs_fixtures/atom_mediarss_reddit_1.xml", "NSX Edge Fails To Start in Nested Environment ?!", "20159694"),
    ("feed-rs_fixtures/atom_mediarss_reddit_1.xml", "Looking into UPS for server rack", "220w-250w"),
    ("feed-rs_fixtures/rss_0.91_encoding_2.xml",
     "13/08/2020 21:27 - Comitê completa 150 dias de atuação na prevenção contra o novo Coronavírus",
     "13/08/2020"),
]
_HEADER = re.compile(r"^Header:\s*([\w-]+):\s*(.+?)\s*$", re.MULTILINE)


def _json_text(shared_data, file: str, where: str) -> str:
    node = json.loads((shared_data / file).read_text(encoding="utf-8"))
    for step in where.split("/"):
        node = node[int(step)] if isinstance(node, list) else node[step]
    return node


@pytest.fixture(scope="module")
def real_feed_entries():
    """(feed file, title, summary) of every entry of ../shared/data/rss, as the app reads them."""
    from conftest import SHARED_DATA

    from briefing.sources.feeds import parse_feed
    from briefing.sources.http import FetchError

    if not (SHARED_DATA / "rss" / "INDEX.tsv").exists():
        pytest.skip(f"shared test data not found at {SHARED_DATA}")
    with open(SHARED_DATA / "rss" / "INDEX.tsv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    out = []
    for row in rows:
        body = (SHARED_DATA / "rss" / row["path"]).read_bytes()
        headers = {k.lower(): v for k, v in _HEADER.findall(body[:1024].decode("latin-1"))}  # as test_feed_corpus
        headers.setdefault("content-type", "application/xml")
        try:
            parsed = parse_feed(body, headers, "https://example.com/feed")
        except FetchError:
            continue  # the empty document: no entries
        out += [(row["path"], e.title, e.summary) for e in parsed.entries]
    return out


@pytest.mark.parametrize("file, where, text, expected", REAL_JSON,
                         ids=[f"{f.split('/')[-1]}:{w}" for f, w, _, _ in REAL_JSON])
def test_real_yahoo_texts(shared_data, tagger, file, where, text, expected):
    found = _json_text(shared_data, file, where)
    assert found.startswith(text), "the row must quote its file"
    assert set(tagger.tag(found)) == expected


def test_real_feed_entries_name_no_tracked_company(real_feed_entries, tagger):
    assert len(real_feed_entries) == 75
    assert len({f for f, _, _ in real_feed_entries}) == 47
    tagged = [(f, title, tagger.tag(title, summary)) for f, title, summary in real_feed_entries
              if tagger.tag(title, summary)]
    assert tagged == []


@pytest.mark.parametrize("file, title, digits", REAL_FEED_NEAR_MISSES,
                         ids=[t[:40] for _, t, _ in REAL_FEED_NEAR_MISSES])
def test_real_feed_digits_are_not_hk_codes(real_feed_entries, tagger, file, title, digits):
    [summary] = [s for f, t, s in real_feed_entries if f == file and t == title]
    assert digits in title + "\n" + summary
    assert tagger.tag(title, summary) == ()


def test_precision_and_recall_on_the_real_texts(shared_data, real_feed_entries, tagger):
    """Counted per (text, company): 16 texts name Alibaba; 84 texts name no tracked company."""
    cases = [(_json_text(shared_data, f, w), expected) for f, w, _, expected in REAL_JSON]
    cases += [("\n".join(t for t in (title, summary) if t), set()) for _, title, summary in real_feed_entries]
    tp = fp = fn = 0
    for text, expected in cases:
        got = set(tagger.tag(text))
        tp, fp, fn = tp + len(got & expected), fp + len(got - expected), fn + len(expected - got)
    assert (len(cases), sum(bool(e) for _, e in cases)) == (100, 16)
    assert (tp, fp, fn) == (16, 0, 0)
