"""The regulation timeline over the cache: what the panel, the CLI and the briefing export share.

Blocking (store reads, pandas): call from a worker thread or the CLI, never on the GUI thread.
No Qt here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time as dtime, timedelta, timezone
from zoneinfo import ZoneInfo

from briefing.domain import event_study as es
from briefing.domain.models import Company, Listing, RegulationEvent
from briefing.domain.timeline import NewsCandidate, TimelineEntry, candidates, entries
from briefing.store import Store
from briefing.store.bootstrap import EVENTS_FILE_PROBLEMS
from briefing.store.news import NewsFilter

BENCHMARKS_SETTING = "event_study.benchmarks"  # {"US": "KWEB", "HK": "2800.HK"}
NEWS_SCANNED = 500  # the newest items the flagger looks at
STUDY_KINDS = ("ordinary", "adr")


def benchmarks(store: Store, override: dict[str, str] | None = None) -> dict[str, str]:
    """Benchmark symbol per market: defaults, then the saved setting, then `override`."""
    chosen = dict(es.DEFAULT_BENCHMARKS)
    saved = store.settings.get(BENCHMARKS_SETTING, {}) or {}
    chosen.update({k: v for k, v in saved.items() if k in chosen and v})
    chosen.update({k: v for k, v in (override or {}).items() if k in chosen and v})
    return chosen


def event_listings(store: Store, event: RegulationEvent) -> list[Listing]:
    """The lines of the companies the event names, HK first then US, in registry order."""
    wanted = set(event.companies)
    out = [l for l in store.instruments.listings() if l.company_id in wanted and l.kind in STUDY_KINDS]
    order = {c: i for i, c in enumerate(event.companies)}
    return sorted(out, key=lambda l: (order.get(l.company_id, 99), es.market_of(l) != "HK", l.symbol))


def _session_ts(d: date, tz: str) -> int:
    return int(datetime.combine(d, dtime(), ZoneInfo(tz)).timestamp())


def study(store: Store, event: RegulationEvent | str, benchmark_override: dict[str, str] | None = None,
          listings: list[Listing] | None = None) -> es.EventStudy:
    """The event study of one event, from the cached daily bars."""
    if isinstance(event, str):
        found = store.events.get(event)
        if found is None:
            raise KeyError(event)
        event = found
    day = event.announced or event.effective
    listings = listings if listings is not None else event_listings(store, event)
    bench: dict[str, Listing] = {}
    for market, symbol in benchmarks(store, benchmark_override).items():
        listing = store.instruments.listing(symbol)
        if listing is not None:
            bench[market] = listing
    bars = {}
    if day is not None:
        lo, hi = es.bar_range(day)
        for l in list(listings) + list(bench.values()):
            if l.symbol not in bars:
                bars[l.symbol] = store.prices.bars(l.symbol, "1d", start=_session_ts(lo, "UTC") - 86400,
                                                   end=_session_ts(hi, "UTC") + 86400)
    return es.study_event(event, listings, bars, bench)


def news_candidates(store: Store, limit: int = NEWS_SCANNED) -> list[NewsCandidate]:
    """Flagged regulatory news the user has not promoted or dismissed yet."""
    items = store.news.items(NewsFilter(limit=limit))
    return candidates(items, set(store.events.news_decisions()))


def bar_spans(store: Store) -> dict[str, tuple[int, int]]:
    spans = {}
    for l in store.instruments.listings():
        span = store.prices.bar_span(l.symbol, "1d")
        if span is not None:
            spans[l.symbol] = span
    return spans


def has_study_data(event: RegulationEvent, listings_by_company: dict[str, list[Listing]],
                   spans: dict[str, tuple[int, int]], settle_days: int = 9) -> bool:
    """Whether some listing the event names has daily bars from before the event to a week after."""
    day = event.announced or event.effective
    if day is None:
        return False
    for cid in event.companies:
        for l in listings_by_company.get(cid, ()):
            span = spans.get(l.symbol)
            if span and span[0] <= _session_ts(day - timedelta(days=3), l.timezone) \
                    and span[1] >= _session_ts(day + timedelta(days=settle_days), l.timezone):
                return True
    return False


@dataclass(frozen=True)
class TimelineData:
    """One read of everything the timeline panel shows."""

    events: tuple[RegulationEvent, ...]
    news: tuple[NewsCandidate, ...]
    companies: tuple[Company, ...]
    file_problems: tuple[str, ...]
    default_event: str | None  # the most recent event with prices around it: selected at first
    today: date
    # The events and news as rows, newest first: sorted here, off the GUI thread. Made of the fields
    # above, so equality need not look at it.
    entries: tuple[TimelineEntry, ...] = field(compare=False)


def read_timeline(store: Store, today: date | None = None) -> TimelineData:
    events = store.events.all()
    companies = store.instruments.companies()
    listings: dict[str, list[Listing]] = {}
    for l in store.instruments.listings():
        if l.company_id and l.kind in STUDY_KINDS:
            listings.setdefault(l.company_id, []).append(l)
    spans = bar_spans(store)
    today = today or datetime.now(timezone.utc).date()
    default = next((e.id for e in events if e.announced and e.announced <= today
                    and has_study_data(e, listings, spans)), None)
    news = tuple(news_candidates(store))
    return TimelineData(tuple(events), news, tuple(companies),
                        tuple(store.settings.get(EVENTS_FILE_PROBLEMS, []) or ()), default, today,
                        tuple(entries(list(events), list(news))))

