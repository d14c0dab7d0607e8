"""The news and regulation sections of the briefing (plain data from the store, no Qt).

Seams for the other issues' domain functions:
- News relevance (issue 5): `rank_news` orders a company's items by how many feeds carried the
  story (`NewsItem.source_count`, the store's cross-feed dedupe), then by whether the company is
  the item's only tag, then by time; a relevance score from `briefing.domain` replaces it here.
- Event study (issue 6): `reactions` runs `briefing.domain.event_study.study_event` on bars cut
  at the briefing's sessions, with the benchmarks the user chose (`services.timeline.benchmarks`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta

from briefing.domain.bar_time import zone
from briefing.domain.models import Company, Listing, NewsItem, RegulationEvent
from briefing.export.model import (
    CompanyNews,
    EventReaction,
    NewsEntry,
    Regulation,
    RegulationEntry,
    WindowFigure,
)
from briefing.export.sessions import day_text
from briefing.store.news import NewsFilter

BRIEFING_TIME = time(9, 0)  # a day's briefing is due before the next Hong Kong open
BRIEFING_ZONE = "Asia/Hong_Kong"
RECENT_DAYS, UPCOMING_DAYS = 7, 30
REACTION_METHOD = (
    "Day 0 is the first session on or after the announcement; [-1,+1] is the close of the session "
    "after day 0 against the close before it. Abnormal = the line's change minus its benchmark's "
    "(2800.HK for Hong Kong lines, KWEB for US lines, unless changed in the app). "
    "A window that ends after the briefing's session shows – until that session has closed."
)


def cutoff(day: date) -> datetime:
    """When the briefing for `day` is due: 09:00 HKT the next day (after the US close)."""
    return datetime.combine(day + timedelta(days=1), BRIEFING_TIME, zone(BRIEFING_ZONE))


def when_text(ts: int | float, tz) -> str:
    t = datetime.fromtimestamp(ts, tz)
    return f"{t:%a} {t.day} {t:%b %H:%M} {t.tzname()}"


# ----- news ------------------------------------------------------------------------------------
def _title_key(title: str) -> str:
    return re.sub(r"\W+", "", title.casefold())


def dedupe(items: Sequence[NewsItem]) -> list[NewsItem]:
    """Drop repeats of a story already listed (same link or same title), keeping the first."""
    seen: set[str] = set()
    out = []
    for it in items:
        keys = {k for k in (it.url.strip().rstrip("/").casefold(), _title_key(it.title)) if k}
        if keys & seen:
            continue
        seen |= keys
        out.append(it)
    return out


def rank_news(items: Sequence[NewsItem], company_id: str) -> list[NewsItem]:
    """Most relevant first (see the module docstring: the seam for issue 5's relevance)."""
    return sorted(items, key=lambda it: (-getattr(it, "source_count", 1),
                                         it.companies != (company_id,), -(it.published or 0), it.id))


def company_news(store, companies: Sequence[Company], since: int, until: int, per_company: int,
                 tz, names: dict[str, str]) -> list[CompanyNews]:
    out = []
    for c in companies:
        items = store.news.items(NewsFilter(companies=(c.id,), limit=1000))
        window = [it for it in items if it.published is not None and since < it.published <= until]
        ranked = rank_news(dedupe(window), c.id)
        shown = sorted(ranked[:per_company], key=lambda it: (-(it.published or 0), it.id))
        entries = tuple(
            NewsEntry(it.title, it.url, it.source or "unknown source", it.published, when_text(it.published, tz),
                      tuple(names.get(o, o) for o in it.companies if o != c.id))
            for it in shown
        )
        out.append(CompanyNews(c.id, c.display_name, entries, max(0, len(ranked) - per_company)))
    return out


# ----- regulation ------------------------------------------------------------------------------
def _concerns(e: RegulationEvent, company_ids: set[str]) -> bool:
    return not company_ids or not e.companies or bool(company_ids & set(e.companies))


def _dates_text(e: RegulationEvent, day: date) -> str:
    parts = []
    if e.announced:
        parts.append(f"announced {day_text(e.announced)}")
    if e.effective:
        verb = "in force" if e.effective <= day else "takes effect"
        parts.append(f"{verb} {day_text(e.effective)}")
    return " · ".join(parts)


def _entry(e: RegulationEvent, when: date, day: date, names: dict[str, str]) -> RegulationEntry:
    return RegulationEntry(e.id, when, _dates_text(e, day), e.title_en, e.title_zh, e.body,
                           tuple(names.get(c, c) for c in e.companies), e.source_url)


def regulation(events: Sequence[RegulationEvent], day: date, company_ids: set[str], names: dict[str, str],
               reactions: tuple[EventReaction, ...] = ()) -> Regulation:
    """Events announced or taking effect in the 7 days to `day`, and in the 30 days after it."""
    start, end = day - timedelta(days=RECENT_DAYS - 1), day + timedelta(days=UPCOMING_DAYS)
    recent, upcoming = [], []
    for e in events:
        if not _concerns(e, company_ids):
            continue
        dates = [d for d in (e.announced, e.effective) if d is not None]
        past = [d for d in dates if start <= d <= day]
        future = [d for d in dates if day < d <= end]
        if past:
            recent.append(_entry(e, max(past), day, names))
        if future:
            upcoming.append(_entry(e, min(future), day, names))
    recent.sort(key=lambda r: (r.when, r.event_id), reverse=True)
    upcoming.sort(key=lambda r: (r.when, r.event_id))
    return Regulation(tuple(recent), tuple(upcoming), reactions, start, end, REACTION_METHOD)


def recent_events(events: Sequence[RegulationEvent], day: date, company_ids: set[str]) -> list[RegulationEvent]:
    """Events whose chart date (announcement, else entry into force) is in the 7 days to `day`."""
    start = day - timedelta(days=RECENT_DAYS - 1)
    return [e for e in events if e.key_date and start <= e.key_date <= day and _concerns(e, company_ids)]


def reactions(store, events: Sequence[RegulationEvent], lines: Sequence[Listing],
              end_of: Callable[[Listing], date | None], bars_of: Callable[[str], list],
              names: dict[str, str]) -> tuple[EventReaction, ...]:
    """The event study (`briefing.domain.event_study`) of each recent event for the watchlist's lines.

    Bars are cut at each line's reported session, so a briefing for a past day never uses prices
    from after it: a window that ends later is marked incomplete.
    """
    from briefing.domain import event_study as es
    from briefing.services.timeline import benchmarks

    bench = {m: store.instruments.listing(s) for m, s in benchmarks(store).items()}
    bench = {m: l for m, l in bench.items() if l is not None}
    out = []
    for e in sorted(events, key=lambda e: (e.key_date, e.id), reverse=True):
        concerned = [l for l in lines if l.company_id and (not e.companies or l.company_id in e.companies)]
        cut = {}
        for l in concerned + list(bench.values()):
            end = end_of(l)
            cut[l.symbol] = [b for b in bars_of(l.symbol) if end is not None and b.ts <= _day_start(end, l.timezone)]
        study = es.study_event(e, concerned, cut, bench)
        for l, r in zip(concerned, study.reactions):
            end = end_of(l)
            windows = tuple(
                WindowFigure(w.label, None if w.raw is None else w.raw * 100.0,
                             None if w.abnormal is None else w.abnormal * 100.0,
                             end is not None and w.to_session is not None and w.to_session <= end)
                for w in r.windows)
            out.append(EventReaction(e.id, e.title_en, e.key_date, l.symbol, names.get(l.company_id, l.company_id),
                                     r.benchmark or "–", r.day0, windows, r.note or study.note))
    return tuple(out)


def _day_start(day: date, tz: str) -> int:
    return int(datetime.combine(day, time(0), zone(tz)).timestamp())
