"""What the regulation timeline lists: events and news items flagged as regulatory, filtered.

Plain data (no Qt), so the panel's filtering, the "in force in 12 days" wording and the
promotion of a news item to an event are tested without a window.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timezone

from briefing.domain.event_files import new_id
from briefing.domain.event_validation import CATEGORY_LABELS
from briefing.domain.models import NewsItem, RegulationEvent
from briefing.domain.regulatory_news import RegulatoryVerdict, classify, guess_body

NEWS_CATEGORY = "from_news"  # the filter value for flagged news items
NEWS_LABEL = "From the news"


@dataclass(frozen=True)
class NewsCandidate:
    """A news item the classifier flagged, not yet promoted or dismissed."""

    item: NewsItem
    verdict: RegulatoryVerdict

    @property
    def day(self) -> date | None:
        if self.item.published is None:
            return None
        return datetime.fromtimestamp(self.item.published, timezone.utc).date()


@dataclass(frozen=True)
class TimelineEntry:
    """One row of the timeline: an event, or a flagged news item."""

    key: str  # event id, or "news:<news id>"
    day: date | None
    event: RegulationEvent | None = None
    candidate: NewsCandidate | None = None

    @property
    def is_news(self) -> bool:
        return self.candidate is not None

    @property
    def title(self) -> str:
        if self.event is not None:
            e = self.event
            return f"{e.title_en} / {e.title_zh}" if e.title_zh and e.title_zh != e.title_en else e.title_en
        return self.candidate.item.title

    @property
    def category(self) -> str:
        return self.event.category if self.event is not None else NEWS_CATEGORY

    @property
    def category_label(self) -> str:
        return CATEGORY_LABELS.get(self.category, NEWS_LABEL if self.is_news else self.category)

    @property
    def body(self) -> str:
        return self.event.body if self.event is not None else guess_body(self.candidate.verdict)

    @property
    def companies(self) -> tuple[str, ...]:
        return self.event.companies if self.event is not None else self.candidate.item.companies

    @property
    def search_text(self) -> str:
        if self.event is not None:
            e = self.event
            return " ".join((e.id, e.title_en, e.title_zh, e.body, e.summary)).casefold()
        it = self.candidate.item
        return " ".join((it.title, it.summary, it.source)).casefold()


def candidates(items: list[NewsItem], decided: set[str]) -> list[NewsCandidate]:
    """Flagged items the user has neither promoted nor dismissed."""
    out = []
    for it in items:
        if it.id in decided:
            continue
        verdict = classify(it.title, it.summary)
        if verdict.flagged:
            out.append(NewsCandidate(it, verdict))
    return out


def entries(events: list[RegulationEvent], news: list[NewsCandidate]) -> list[TimelineEntry]:
    """Newest first; undated news last."""
    rows = [TimelineEntry(e.id, e.key_date, event=e) for e in events]
    rows += [TimelineEntry(f"news:{c.item.id}", c.day, candidate=c) for c in news]
    return sorted(rows, key=lambda r: (r.day is not None, r.day or date.min, r.key), reverse=True)


@dataclass(frozen=True)
class TimelineFilter:
    """Every field narrows the list; empty means "any"."""

    category: str = ""  # an event category, or NEWS_CATEGORY
    body: str = ""
    company: str = ""
    since: date | None = None
    until: date | None = None
    text: str = ""

    def accepts(self, row: TimelineEntry) -> bool:
        if self.category and row.category != self.category:
            return False
        if self.body and self.body.casefold() not in row.body.casefold():
            return False
        if self.company and self.company not in row.companies:
            return False
        if self.since and (row.day is None or row.day < self.since):
            return False
        if self.until and (row.day is None or row.day > self.until):
            return False
        return all(w in row.search_text for w in self.text.casefold().split())


def days_until_in_force(event: RegulationEvent, today: date) -> int | None:
    """Days until the effective date, when it is still ahead (0 = in force today)."""
    if event.effective is None or event.effective < today:
        return None
    return (event.effective - today).days


def in_force_text(days: int) -> str:
    if days == 0:
        return "in force today"
    return "in force tomorrow" if days == 1 else f"in force in {days} days"


def upcoming(events: list[RegulationEvent], today: date, limit: int = 3) -> list[tuple[RegulationEvent, int]]:
    """The next effective dates, soonest first."""
    ahead = [(e, d) for e in events if (d := days_until_in_force(e, today)) is not None]
    return sorted(ahead, key=lambda x: (x[1], x[0].id))[:limit]


def draft_event(candidate: NewsCandidate, taken: set[str], companies: set[str]) -> RegulationEvent:
    """The event a promoted news item starts as: the user checks it in the dialog before saving."""
    it, verdict = candidate.item, candidate.verdict
    has_zh = any("\u4e00" <= ch <= "\u9fff" for ch in it.title)
    draft = RegulationEvent(
        id="", title_en="" if has_zh else it.title, title_zh=it.title if has_zh else "",
        category=verdict.category or "china_rule", announced=candidate.day, body=guess_body(verdict),
        companies=tuple(c for c in it.companies if c in companies), summary=it.summary[:400].strip(),
        source_url=it.url, origin="news",
    )
    stand_in = draft if draft.title_en else RegulationEvent(id="", title_en="news", category=draft.category,
                                                            announced=draft.announced)
    return replace(draft, id=new_id(stand_in, taken, prefix="news"))
