"""Full-text search text for mixed English and Chinese.

SQLite's unicode61 tokenizer treats a run of Chinese characters as one token, and the trigram
tokenizer cannot match the 2-character names that matter most (百度, 腾讯, 商汤, 阿里). So Chinese
runs are indexed as overlapping bigrams ("百度发布" -> "百度 度发 发布") and a Chinese query
becomes a phrase of its bigrams; single characters fall back to LIKE in the store.
"""

from __future__ import annotations

import re
from operator import add

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]+")
_TERM = re.compile(r"[\w\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+", re.UNICODE)


def bigrams(run: str) -> list[str]:
    if len(run) < 2:
        return [run] if run else []
    return list(map(add, run, run[1:]))  # "百度发布" -> 百度, 度发, 发布


def _spelt(m: re.Match) -> str:
    return " " + " ".join(bigrams(m.group())) + " "


def index_text(text: str) -> str:
    """Text as stored in the index: Latin words kept, Chinese runs spelt out as bigrams."""
    if not text or text.isascii():  # nothing to spell out (most English items): skip the scan
        return text or ""
    return _CJK.sub(_spelt, text)


def match_query(query: str) -> str | None:
    """An FTS5 MATCH expression for a user query, every term required; None if no term is usable.

    Terms are quoted, so user input never reaches FTS5's query syntax (AND, NEAR, *, quotes).
    """
    parts: list[str] = []
    for term in _TERM.findall(query or ""):
        pieces = []
        for chunk in re.split(f"({_CJK.pattern})", term):
            if not chunk:
                continue
            if _CJK.fullmatch(chunk):
                if len(chunk) < 2:
                    return None  # one Chinese character: the store uses LIKE instead
                pieces.extend(bigrams(chunk))
            else:
                pieces.append(chunk)
        phrase = " ".join(p.replace('"', "") for p in pieces)
        parts.append(f'"{phrase}"')
    return " AND ".join(parts) if parts else None
