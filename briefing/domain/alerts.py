"""Alert rules: "tell me when a new item mentions X", X a company or a keyword."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from briefing.domain.models import NewsItem

KINDS = ("company", "keyword")
_LATIN = re.compile(r"[A-Za-z0-9]")


@dataclass(frozen=True)
class AlertRule:
    kind: str  # company | keyword
    value: str  # a company id, or words to look for (case-insensitive; whole words in Latin script)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"alert kind must be one of {', '.join(KINDS)}, not {self.kind!r}")
        if not self.value.strip():
            raise ValueError("an alert needs a company or a keyword")

    @property
    def label(self) -> str:
        return self.value if self.kind == "company" else f"“{self.value}”"

    def _pattern(self) -> re.Pattern:
        words = re.escape(self.value.strip())
        before = r"(?<![A-Za-z0-9])" if _LATIN.match(self.value.strip()[0]) else ""
        after = r"(?![A-Za-z0-9])" if _LATIN.match(self.value.strip()[-1]) else ""
        return re.compile(before + words + after, re.IGNORECASE)

    def matches(self, item: NewsItem) -> bool:
        if self.kind == "company":
            return self.value in item.companies
        return bool(self._pattern().search(f"{item.title}\n{item.summary}"))

    def to_json(self) -> dict:
        return {"kind": self.kind, "value": self.value}


def rules_from_json(data: Iterable[dict] | None) -> list[AlertRule]:
    """Rules as kept in settings; malformed entries are skipped, not fatal."""
    rules = []
    for d in data or ():
        try:
            rules.append(AlertRule(str(d["kind"]), str(d["value"])))
        except (KeyError, TypeError, ValueError):
            continue
    return rules


def matching(rules: Sequence[AlertRule], items: Iterable[NewsItem]) -> dict[AlertRule, list[NewsItem]]:
    """For each rule, the items it matches (rules without a match are left out)."""
    out: dict[AlertRule, list[NewsItem]] = {}
    for item in items:
        for rule in rules:
            if rule.matches(item):
                out.setdefault(rule, []).append(item)
    return out
