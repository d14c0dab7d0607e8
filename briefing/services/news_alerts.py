"""Alert rules kept in settings, and which newly arrived items they match (Qt-free)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from briefing.domain.alerts import AlertRule, matching, rules_from_json
from briefing.domain.models import NewsItem
from briefing.store import Store

ALERTS_SETTING = "news.alerts"


def load_rules(store: Store) -> list[AlertRule]:
    return rules_from_json(store.settings.get(ALERTS_SETTING, []))


def save_rules(store: Store, rules: Sequence[AlertRule]) -> None:
    unique = list(dict.fromkeys(rules))
    store.settings.set(ALERTS_SETTING, [r.to_json() for r in unique])


@dataclass(frozen=True)
class AlertBatch:
    """New items that matched alert rules after one refresh."""

    matches: tuple[tuple[AlertRule, tuple[NewsItem, ...]], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.matches)

    def message(self, company_names: dict[str, str] | None = None) -> tuple[str, str]:
        """A notification's title and body."""
        names = company_names or {}
        items = {i.id: i for _, found in self.matches for i in found}
        labels = [names.get(r.value, r.value) if r.kind == "company" else r.label for r, _ in self.matches]
        title = f"{len(items)} new item{'s' if len(items) != 1 else ''} about {', '.join(labels)}"
        newest = sorted(items.values(), key=lambda i: -(i.published or 0))[:3]
        body = "\n".join(f"• {i.title}" for i in newest)
        if len(items) > 3:
            body += f"\n… and {len(items) - 3} more"
        return title, body


def alerts_for(store: Store, new_ids: Sequence[str]) -> AlertBatch:
    """Match the rules against items that did not exist before this refresh (never old ones)."""
    rules = load_rules(store)
    if not rules or not new_ids:
        return AlertBatch()
    found = matching(rules, store.news.by_ids(list(new_ids)))
    return AlertBatch(tuple((r, tuple(items)) for r, items in found.items()))
