"""Typed records exchanged between the store, the sources and the UI.

Times are UTC: `int` seconds since the epoch in bars and quotes (compact, sortable), aware
`datetime` only at the edges. Prices carry their `source` so demo data never passes for real.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone

DEMO_SOURCE = "demo"


@dataclass(frozen=True)
class Company:
    id: str
    name_en: str
    name_zh: str = ""
    aliases_en: tuple[str, ...] = ()
    aliases_zh: tuple[str, ...] = ()
    tickers: tuple[str, ...] = ()

    @property
    def display_name(self) -> str:
        return f"{self.name_en} / {self.name_zh}" if self.name_zh else self.name_en


@dataclass(frozen=True)
class Listing:
    """One line of a company (or a fund / FX pair) on one exchange."""

    symbol: str
    exchange: str
    currency: str
    timezone: str
    company_id: str | None = None
    name_en: str = ""
    name_zh: str = ""
    adr_ratio: float | None = None  # ordinary shares per ADS; None for ordinary lines
    kind: str = "ordinary"  # ordinary | adr | fund | fx
    listed_on: date | None = None
    history_from: date | None = None  # earlier bars under this code belong to someone else


@dataclass(frozen=True)
class Bar:
    ts: int  # UTC seconds at the bar's start
    open: float | None
    high: float | None
    low: float | None
    close: float
    adj_close: float | None = None
    volume: int | None = None

    @property
    def time(self) -> datetime:
        return datetime.fromtimestamp(self.ts, timezone.utc)


@dataclass(frozen=True)
class Quote:
    symbol: str
    last: float
    as_of: int  # UTC seconds of the price itself, not of the fetch
    source: str
    previous_close: float | None = None
    day_low: float | None = None
    day_high: float | None = None
    volume: int | None = None
    year_low: float | None = None
    year_high: float | None = None
    market_cap: float | None = None
    currency: str | None = None
    fetched_at: int | None = None

    @property
    def change(self) -> float | None:
        return None if self.previous_close is None else self.last - self.previous_close

    @property
    def change_pct(self) -> float | None:
        if not self.previous_close:
            return None
        return (self.last / self.previous_close - 1.0) * 100.0


@dataclass(frozen=True)
class Feed:
    url: str
    title: str = ""
    id: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    last_fetch: int | None = None
    last_error: str | None = None
    refresh_minutes: int = 30
    enabled: bool = True
    language: str = ""
    folder: str = ""  # "" or "Parent / Child", from OPML outlines or the user
    html_url: str = ""
    last_warning: str | None = None  # the last fetch worked but the feed is ill-formed (kept entries)
    last_success: int | None = None
    failures: int = 0  # consecutive failed fetches
    content_hash: str | None = None  # of the last body: a server that ignores conditional GET costs no parse


@dataclass(frozen=True)
class NewsItem:
    id: str  # stable: guid, else canonical link, else content hash
    title: str
    url: str = ""
    summary: str = ""
    published: int | None = None  # UTC seconds
    feed_id: int | None = None
    source: str = ""  # human name of where it came from
    is_read: bool = False
    starred: bool = False
    companies: tuple[str, ...] = ()
    is_demo: bool = False
    source_count: int = 1  # feeds that carried this story (cross-feed duplicates are one item)


EVENT_CATEGORIES = ("china_rule", "us_action", "company_milestone", "policy_signal", "market_event")


@dataclass(frozen=True)
class RegulationEvent:
    id: str
    title_en: str
    category: str
    announced: date | None = None
    effective: date | None = None
    body: str = ""
    title_zh: str = ""
    companies: tuple[str, ...] = ()
    summary: str = ""
    source_url: str = ""
    origin: str = "curated"  # curated | user | news

    @property
    def key_date(self) -> date | None:
        """The date a chart marks: the announcement, else the entry into force."""
        return self.announced or self.effective


@dataclass(frozen=True)
class Watchlist:
    id: int
    name: str
    pinned: bool = False
    position: int = 0
    symbols: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class WatchlistRow:
    """What the watchlist panel shows for one member: the listing joined with its last quote."""

    listing: Listing
    company: Company | None
    quote: Quote | None
    position: int


@dataclass(frozen=True)
class FetchLogEntry:
    at: int
    source: str
    target: str
    ok: bool
    message: str = ""
    duration_ms: int | None = None
    id: int | None = None
