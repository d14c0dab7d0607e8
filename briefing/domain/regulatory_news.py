"""Which news headlines are about regulation: a rules-first flagger, English and Chinese.

A headline scores 2 for naming a regulator (CAC / 网信办, MIIT / 工信部, SAMR, BIS / Commerce
Department / Entity List, SEC / PCAOB / HFCAA...), 1 for each regulatory word (rules, measures,
draft, fine, 办法, 规定...) and 3 for a decisive phrase (antitrust, export controls, delisting,
征求意见稿, 出口管制...). It is flagged at 3 or more, or with two different regulatory words: a
regulator's name alone ("Baidu files its annual report with the SEC") is not enough.

Precision and recall are measured on a labelled table of real headlines in
`tests/test_regulatory_news.py`; change the rules together with that table.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from dataclasses import dataclass

BODY_SCORE, TERM_SCORE, STRONG_SCORE, FLAG_AT = 2, 1, 3, 3

# (canonical name, side, case-sensitive acronyms, case-insensitive phrases)
_BODIES: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("CAC", "cn", ("CAC",), ("cyberspace administration", "cyberspace regulator", "网信办", "網信辦",
                             "国家互联网信息办公室", "國家互聯網信息辦公室", "网信部门", "網信部門")),
    ("MIIT", "cn", ("MIIT",), ("ministry of industry and information technology", "工信部", "工业和信息化部",
                               "工業和信息化部")),
    ("SAMR", "cn", ("SAMR",), ("state administration for market regulation", "market regulator",
                               "antitrust regulator", "市场监管总局", "市场监督管理总局", "市場監管總局",
                               "市場監督管理總局")),
    ("NPPA", "cn", ("NPPA",), ("national press and publication administration", "gaming regulator",
                               "国家新闻出版署", "國家新聞出版署")),
    ("CSRC", "cn", ("CSRC",), ("china securities regulatory commission", "证监会", "證監會")),
    ("PBOC", "cn", ("PBOC",), ("people's bank of china",)),
    ("State Council", "cn", (), ("state council", "国务院", "國務院")),
    ("NPC", "cn", ("NPC",), ("national people's congress", "全国人大", "全國人大", "人大常委会", "人大常委會")),
    ("NDRC", "cn", ("NDRC",), ("national development and reform commission", "发改委", "發改委")),
    ("BIS", "us", ("BIS",), ("bureau of industry and security", "commerce department", "department of commerce",
                             "u.s. commerce", "us commerce", "entity list", "美国商务部", "美國商務部")),
    ("SEC", "us", ("SEC",), ("securities and exchange commission", "美国证交会", "美國證交會")),
    ("PCAOB", "us", ("PCAOB",), ("audit watchdog",)),
    ("HFCAA", "us", ("HFCAA",), ("holding foreign companies accountable",)),
    ("US Treasury", "us", ("OFAC",), ("treasury department", "u.s. treasury", "us treasury", "美国财政部",
                                      "美國財政部")),
    ("Pentagon", "us", (), ("pentagon", "defense department", "department of defense", "dept of defense",
                            "五角大楼", "五角大樓")),
    ("MOFCOM", "cn", ("MOFCOM",), ("china's commerce ministry", "商务部", "商務部")),
)

# Plain regulatory words: one alone is not enough.
_TERMS_EN = (
    r"rules?(?! out)", r"measures", r"drafts?", r"bans?", r"banned", r"fines?", r"fined", r"penalt(?:y|ies)",
    r"probes?", r"investigations?", r"curbs?", r"restrict(?:s|ed|ions?)?", r"laws?", r"provisions",
    r"guidelines", r"compliance", r"approvals?", r"approves?", r"approved", r"watchdog", r"summons(?:es)?",
    r"licen[cs]e requirements?", r"licen[cs]ing", r"monopoly", r"crack(?:s|ed)? down", r"police",
)
_TERMS_ZH = (
    "监管", "監管", "办法", "辦法", "规定", "規定", "处罚", "處罰", "罚款", "罰款", "垄断", "壟斷", "禁令",
    "条例", "條例", "法规", "法規", "审查", "審查", "约谈", "約談", "备案", "備案", "整改", "指导意见",
    "指導意見", "草案", "新规", "新規", "黑名单", "黑名單", "管制", "处罚决定", "征求意见", "徵求意見",
)
# Decisive phrases: enough on their own.
_STRONG_EN = (
    r"regulat\w*", r"anti-?trust", r"anti-?monopoly", r"export controls?", r"export (?:restrictions?|curbs?|bans?)",
    r"entity list", r"de-?list(?:ing|ed)?", r"crackdown", r"blacklist(?:s|ed|ing)?", r"sanction(?:s|ed)?",
    r"military[- ]linked", r"military companies", r"military-industrial",
    r"(?:list|blacklist)\b[^.]{0,60}\bmilitary", r"(?:pass(?:es|ed)?|adopt(?:s|ed)?|new|draft)\b[^.]{0,40}\blaws?",
    r"(?:chips?|exports?|sales?)\b[\w\s-]{0,15}\b(?:restrictions?|curbs?|bans?|controls?|limits?)",
    r"(?:block|bar|ban|curb|restrict|limit)s?\b[^.]{0,25}\b(?:chips?|exports?|sales)",
    r"approv\w*\b[^.]{0,30}\bgames?", r"games?\b[^.]{0,20}\b(?:approvals?|licen[cs]es?)",
)
_STRONG_ZH = (
    "征求意见稿", "徵求意見稿", "反垄断", "反壟斷", "出口管制", "实体清单", "實體清單", "制裁", "管理规定",
    "管理規定", "暂行办法", "暫行辦法",
)
_MINISTRIES_ZH = re.compile(r"[二三四五六七八九十]+部[门門委]")  # "三部门联合发布…": several ministries acting
_US_STRONG = re.compile(r"export|entity list|de-?list|military|sanction|blacklist|实体清单|實體清單|出口管制",
                        re.IGNORECASE)
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _compile_en(patterns: tuple[str, ...]) -> list[tuple[str, re.Pattern]]:
    return [(p, re.compile(rf"(?<![\w-]){p}(?![\w])", re.IGNORECASE)) for p in patterns]


@cache
def _patterns() -> tuple[list, list, list]:
    """The compiled rules, built on first use (~20 ms: kept off the app's start-up path)."""
    bodies = [
        (name, side,
         [re.compile(rf"(?<![\w.]){re.escape(a)}(?![\w])") for a in acronyms]
         + [re.compile(re.escape(p) if _CJK.search(p) else rf"(?<!\w){re.escape(p)}(?!\w)", re.IGNORECASE)
            for p in phrases])
        for name, side, acronyms, phrases in _BODIES
    ]
    return _compile_en(_TERMS_EN), _compile_en(_STRONG_EN), bodies


@dataclass(frozen=True)
class RegulatoryVerdict:
    """Whether a headline reads as regulatory news, and the evidence: shown as "why flagged"."""

    flagged: bool
    score: int
    bodies: tuple[str, ...] = ()
    terms: tuple[str, ...] = ()
    category: str = ""  # the event category a promoted item would start with

    @property
    def reason(self) -> str:
        return " + ".join(self.bodies + self.terms) or "no regulatory words"


def _matches(text: str) -> tuple[list[tuple[str, str]], list[str], list[str]]:
    terms_en, strong_en, body_res = _patterns()
    bodies = [(name, side) for name, side, pats in body_res if any(p.search(text) for p in pats)]
    # "美国商务部" contains "商务部": the US body wins.
    if any(n == "BIS" for n, _ in bodies) and ("美国商务部" in text or "美國商務部" in text):
        bodies = [(n, s) for n, s in bodies if n != "MOFCOM"]
    strong = [m.group(0) for _, p in strong_en if (m := p.search(text))]
    strong += [w for w in _STRONG_ZH if w in text]
    if (m := _MINISTRIES_ZH.search(text)) is not None:
        strong.append(m.group(0))
    terms = [m.group(0) for _, p in terms_en if (m := p.search(text))]
    terms += [w for w in _TERMS_ZH if w in text and not any(w in s for s in strong)]
    return bodies, strong, terms


def _dedupe(words: list[str]) -> tuple[str, ...]:
    out: list[str] = []
    for w in words:
        if not any(w.casefold() in o.casefold() for o in out):
            out = [o for o in out if o.casefold() not in w.casefold()] + [w]
    return tuple(out)


@lru_cache(maxsize=4096)
def classify(title: str, summary: str = "") -> RegulatoryVerdict:
    """Score the headline; the summary only adds when the headline already has a regulatory word.

    Remembered per text: the timeline re-reads the newest 500 items whenever news arrives, and
    classifying them all again (~60 patterns each) kept a worker busy, and the GUI waiting for the
    GIL, at every feed refresh."""
    bodies, strong, terms = _matches(title)
    if summary and (strong or terms or bodies):
        s_bodies, s_strong, _ = _matches(summary)
        bodies += [b for b in s_bodies if b not in bodies]
        strong += s_strong[:1]
    words = _dedupe(strong + terms)
    plain = {t.casefold() for t in terms}
    score = BODY_SCORE * min(len(bodies), 1) + STRONG_SCORE * bool(strong) + TERM_SCORE * len(plain)
    flagged = score >= FLAG_AT or len(plain) >= 2
    text = f"{title} {summary}"
    if any(side == "us" for _, side in bodies) or _US_STRONG.search(" ".join(strong)):
        category = "us_action"
    elif bodies or _CJK.search(title) or re.search(r"\b(China|Chinese|Beijing)\b", text):
        category = "china_rule"
    else:
        category = "policy_signal"
    return RegulatoryVerdict(flagged, score, tuple(n for n, _ in bodies), words, category)


def guess_body(verdict: RegulatoryVerdict) -> str:
    """The issuing body a promoted event starts with: the first regulator named, else blank."""
    names = {
        "CAC": "Cyberspace Administration of China (CAC)", "MIIT": "MIIT", "SAMR": "SAMR", "NPPA": "NPPA",
        "CSRC": "CSRC", "PBOC": "PBOC", "State Council": "State Council", "NPC": "NPC Standing Committee",
        "NDRC": "NDRC", "BIS": "US Commerce BIS", "SEC": "US SEC", "PCAOB": "PCAOB", "HFCAA": "US SEC",
        "US Treasury": "US Treasury", "Pentagon": "US Defense Dept", "MOFCOM": "MOFCOM",
    }
    return names.get(verdict.bodies[0], verdict.bodies[0]) if verdict.bodies else ""
