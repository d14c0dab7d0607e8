"""Company tagging on headlines that must and must not match (English, Chinese, tickers, codes).

The headlines follow real coverage (Reuters, SCMP, CNBC, Caixin, 36Kr style) and real non-company
stories that naive matching gets wrong: golfers called Ernie, Baba Ramdev, Taiwan's 阿里山,
Iran's 阿里·哈梅内伊, "0700 GMT".
"""

from __future__ import annotations

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
