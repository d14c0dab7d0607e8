"""Which companies a headline is about: bilingual, word-aware, ticker-aware.

Naive matching tags "Ernie Els" as Baidu, "Baba Ramdev" as Alibaba and 阿里山 (a Taiwanese
mountain) as 阿里巴巴. So: English names match as whole words (a Latin letter or digit on either
side breaks the match, a Chinese character does not), proper-noun aliases only in their own case,
tickers only as ticker-like tokens, Hong Kong codes only with a market marker ("9988.HK",
"(00700)", "HKEX: 0020"), and Chinese names as substrings except in listed look-alikes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from briefing.domain.models import Company

# Product and brand names beyond the registry's aliases (judgement: what China AI news names).
EXTRA_ALIASES_EN: dict[str, tuple[str, ...]] = {
    "baidu": ("Ernie Bot", "Kunlunxin", "Xiaodu", "PaddlePaddle", "Baidu Cloud"),
    "alibaba": ("Tongyi", "DingTalk", "T-Head", "Cainiao", "Lazada", "Youku", "Freshippo", "Alipay"),
    "tencent": ("Yuanbao", "Tencent Music", "WeChat Pay", "Tencent Video", "Tencent Meeting"),
    "sensetime": ("SenseCore", "SenseAuto"),
}
EXTRA_ALIASES_ZH: dict[str, tuple[str, ...]] = {
    "baidu": ("文心大模型", "文小言", "昆仑芯", "小度", "飞桨"),
    "alibaba": ("钉钉", "平头哥", "菜鸟", "饿了么", "盒马", "优酷", "通义万相", "支付宝"),
    "tencent": ("腾讯元宝", "企业微信", "腾讯会议", "腾讯视频", "微信支付", "鹅厂"),
    "sensetime": ("商汤绝影",),
}
# English aliases too common as words or names to use alone; handled by CONTEXT_EN or dropped.
AMBIGUOUS_EN = frozenset({"ernie", "weixin"})
# Ambiguous names that still count in a telling context.
CONTEXT_EN: dict[str, tuple[str, ...]] = {
    "baidu": (r"Ernie(?=[\s-]+(?:Bot|\d|X\d|[Mm]odels?\b|AI\b|[Cc]hatbot|[Ll]arge))",),
}
UPPER_ONLY_EN: dict[str, tuple[str, ...]] = {"baidu": ("ERNIE",)}  # the brand's own spelling
# Chinese names that are also parts of other words: what must not follow / precede them.
ZH_NOT_AFTER: dict[str, str] = {
    "阿里": "山|地区|郎|斯|克|安|夫|亚|耶|埃|汗|拉|·|•|・",  # 阿里山, 西藏阿里地区, 阿里·哈梅内伊...
    "混元": "太极|功|形意|一气",
    "文心": "雕龙",
    "日日新": r"[，,]\s*又日新",  # 苟日新，日日新，又日新 (the classic saying)
    "小度": "假",  # 小度假村 (a small resort)
    "商汤": "王|灭夏",  # Tang of Shang, the king
}
ZH_NOT_BEFORE: dict[str, str] = {"阿里": "·|•|・", "商汤": "成"}

_L = r"A-Za-z0-9\u00c0-\u024f"  # a Latin letter or digit next to a name makes it part of another word
_BEFORE = rf"(?<![{_L}])"
_AFTER = rf"(?![{_L}])"
_MARKET = r"(?:NYSE|NASDAQ|Nasdaq|OTC|OTCMKTS|US|NYSE American)\s?[:：]\s?"
_HK_MARKET = r"(?:HK|HKEX|SEHK|HKG|港股|港交所)\s?[:：]?\s?"


def _alt(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


@dataclass(frozen=True)
class _CompanyPatterns:
    company_id: str
    always: re.Pattern  # names, contextual aliases, tickers and codes with a market marker
    plain_case: re.Pattern | None  # bare tickers and all-caps brands: not in an all-caps headline
    anchors: frozenset[str] = frozenset()  # lower-case strings one of which any match contains: a cheap first test


def _is_shouting(text: str) -> bool:
    letters = [c for c in text if "A" <= c <= "Z" or "a" <= c <= "z"]
    return len(letters) >= 12 and sum(c.isupper() for c in letters) / len(letters) > 0.7


def _patterns(company: Company) -> _CompanyPatterns:
    cid = company.id
    names_en = [company.name_en, *company.aliases_en, *EXTRA_ALIASES_EN.get(cid, ())]
    names_en = [n for n in names_en if n and n.casefold() not in AMBIGUOUS_EN]
    distinctive = [n for n in names_en if " " not in n]  # invented words: any case
    proper = [n for n in names_en if " " in n]  # "Ant Group", "Apollo Go": as written or in capitals
    tickers = [t for t in company.tickers if t.isalpha()]
    codes = [t for t in company.tickers if t.isdigit()]
    names_zh = [company.name_zh, *company.aliases_zh, *EXTRA_ALIASES_ZH.get(cid, ())]

    always: list[str] = []
    if distinctive:
        always.append(f"(?i:{_BEFORE}(?:{_alt(distinctive)}){_AFTER})")
    if proper:
        always.append(f"{_BEFORE}(?:{_alt(proper + [p.upper() for p in proper])}){_AFTER}")
    always += CONTEXT_EN.get(cid, ())
    if tickers:
        t = _alt(tickers)
        always.append(rf"\$(?:{t}){_AFTER}|{_MARKET}(?:{t}){_AFTER}|[(（]\s?(?:{t})\s?[)）]"
                      rf"|{_BEFORE}(?:{t})\.(?:N|O|US){_AFTER}")
    for code in codes:
        digits = code.lstrip("0") or "0"  # "0700" is also written 00700; never shorter than 4 digits
        c = rf"0{{{max(0, 4 - len(digits))},{5 - len(digits)}}}{digits}"
        c5 = "0" * (5 - len(digits)) + digits  # HKEX's own five-digit form: alone in brackets it is a code
        always.append(rf"(?<![0-9.,]){c}\.HK{_AFTER}|(?<![0-9.,]){c}\sHK{_AFTER}(?!\s?time)"
                      rf"|[(（]\s?(?:{_HK_MARKET}{c}|{c}\.HK|{c5})\s?[)）]|{_HK_MARKET}{c}(?![0-9.])")
    for name in sorted({n for n in names_zh if n}, key=len, reverse=True):
        before = f"(?<!{ZH_NOT_BEFORE[name]})" if name in ZH_NOT_BEFORE else ""
        after = f"(?!{ZH_NOT_AFTER[name]})" if name in ZH_NOT_AFTER else ""
        always.append(f"{before}{re.escape(name)}{after}")

    plain = [*tickers, *UPPER_ONLY_EN.get(cid, ())]
    plain_case = re.compile(f"{_BEFORE}(?:{_alt(plain)}){_AFTER}") if plain else None
    anchors = {n.lower() for n in names_en + names_zh + plain if n}
    anchors |= {c.lstrip("0") for c in codes}
    return _CompanyPatterns(cid, re.compile("|".join(always)), plain_case, frozenset(anchors))


_MARGIN = 40  # characters around an anchor that a pattern may look at ("NYSE American: ", "Ernie 4.0 model")


def _anchor_spans(low: str, anchors: Iterable[str]) -> list[tuple[int, int]]:
    """Where the patterns can match at all: around each occurrence of `anchors` (merged, with margins)."""
    spans = []
    for a in anchors:
        i = low.find(a)
        while i != -1:
            spans.append((max(0, i - _MARGIN), i + len(a) + _MARGIN))
            i = low.find(a, i + 1)
    if len(spans) < 2:
        return spans
    spans.sort()
    merged = [spans[0]]
    for a, b in spans[1:]:
        if a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


class CompanyTagger:
    """Tags text with the ids of the companies it names. Build once; `tag` is thread-safe."""

    def __init__(self, companies: Iterable[Company]) -> None:
        self._patterns = tuple(_patterns(c) for c in companies)
        # Every company's anchors, tested once per text; an ASCII text (most English items) can only
        # contain the ASCII ones. Most are absent: `in` called from C (filter) is the cheapest test.
        self._anchors = tuple(sorted(set().union(*(p.anchors for p in self._patterns))))
        self._ascii_anchors = tuple(a for a in self._anchors if a.isascii())

    def tag(self, *texts: str) -> tuple[str, ...]:
        text = "\n".join(t for t in texts if t)
        if not text:
            return ()
        shouting = None
        found = []
        low = text.lower()
        if len(low) != len(text):  # lower() changed lengths (rare letters): positions would not line up
            low = text
        present = frozenset(filter(low.__contains__, self._ascii_anchors if low.isascii() else self._anchors))
        if not present:
            return ()
        for p in self._patterns:
            hits = p.anchors & present
            if not hits:
                continue
            spans = _anchor_spans(low, hits)
            if any(p.always.search(text, a, b) for a, b in spans):
                found.append(p.company_id)
                continue
            if p.plain_case is not None:
                if shouting is None:
                    shouting = _is_shouting(text)
                if not shouting and any(p.plain_case.search(text, a, b) for a, b in spans):
                    found.append(p.company_id)
        return tuple(sorted(found))


@cache
def default_tagger() -> CompanyTagger:
    """The tagger for the bundled instruments registry."""
    from briefing.domain.registry import load_registry

    return CompanyTagger(load_registry().companies)
