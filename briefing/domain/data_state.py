"""The one-line answer to "how fresh is what I see?", shown in the status bar and the briefing."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone

from briefing.domain.models import DEMO_SOURCE, Quote

STALE_AFTER_S = 15 * 60  # a quote fetched longer ago than this, while we try to be live, is stale


@dataclass(frozen=True)
class DataState:
    kind: str  # demo | offline | live | stale | empty
    text: str


def describe(quotes: Iterable[Quote], *, demo: bool, offline: bool, now: float, tz=None) -> DataState:
    quotes = list(quotes)
    if demo or any(q.source == DEMO_SOURCE for q in quotes):
        return DataState("demo", "Demo data")
    if not quotes:
        return DataState("empty", "No prices in the cache yet")
    newest = max((q.fetched_at or q.as_of) for q in quotes)
    since = datetime.fromtimestamp(newest, timezone.utc).astimezone(tz).strftime("%H:%M")
    if offline:
        return DataState("offline", f"Offline · cached data from {since}")
    if now - newest > STALE_AFTER_S:
        return DataState("stale", f"Stale since {since}")
    return DataState("live", f"Live · updated {since}")
