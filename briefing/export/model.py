"""The briefing as plain data: what every writer (HTML, Markdown, PDF, CSV) renders.

Built once by `briefing.export.build.build_briefing` from the store and the domain functions; no
Qt, no formatting decisions beyond the words a reader sees. Percentages are in percent (1.5 =
+1.5 %); times are UTC seconds or aware datetimes, shown by the writers in the zone named here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from briefing.export.formats import DEFAULT_NEWS_PER_COMPANY, FORMATS, PAGE_SIZES  # noqa: F401
from briefing.ui.chart_render import ChartSpec
DISCLAIMER = (
    "For information only; not investment advice. Figures come from the local cache and may be "
    "delayed, incomplete or wrong; check them with your broker or the exchange before acting."
)


@dataclass(frozen=True)
class BriefingOptions:
    """What the user chose. `day` None = today in the clock's zone; `watchlist` None = the pinned list."""

    day: date | None = None
    watchlist: str | None = None
    news_per_company: int = DEFAULT_NEWS_PER_COMPANY
    offline: bool = False


@dataclass(frozen=True)
class MarketSession:
    """Which session of one market the figures come from, and why (closed, not yet closed...)."""

    market: str  # "Hong Kong", "US", "FX"
    session: date | None  # the last session closed by the briefing time, None if unknown
    as_of: str  # "16:08 HKT Thu 15 Jan 2026" (the quote's time when it is that session's)
    note: str = ""  # "Hong Kong markets were closed on ...", "" when the day was a normal session


@dataclass(frozen=True)
class Header:
    title: str
    day: date
    day_text: str  # "Thursday 15 January 2026"
    generated: datetime  # aware, in the zone the reader sees
    generated_text: str  # "2026-01-16 08:00 HKT (UTC+08:00)"
    watchlist: str
    sessions: tuple[MarketSession, ...]
    freshness: str  # "16:00 HKT Thu 15 Jan 2026 (Hong Kong) · 16:00 EST ... (US)"; "" with no listings
    data_state: str  # the app's one-line state: "Demo data", "Offline · cached data from 05:12"
    sources: tuple[str, ...]  # where the prices came from, in words
    demo: bool
    notices: tuple[str, ...] = ()  # markets closed, refresh not done... one sentence each


@dataclass(frozen=True)
class MarketRow:
    """One listing of the watchlist. Changes in percent; None = not computable (see `missing`)."""

    symbol: str
    name: str
    name_zh: str
    company_id: str | None
    exchange: str
    currency: str
    kind: str
    session: date | None = None
    close: float | None = None
    change_1d: float | None = None
    change_5d: float | None = None
    change_mtd: float | None = None
    change_ytd: float | None = None
    volume: int | None = None
    volume_avg20: float | None = None
    volume_ratio: float | None = None  # last session's volume / average of the 20 before
    low_52w: float | None = None
    high_52w: float | None = None
    position_52w: float | None = None  # 0 = at the 52-week low, 100 = at the high
    premium: float | None = None  # ADR vs HK line, percent
    premium_note: str = ""  # which closes the premium compares
    missing: tuple[str, ...] = ()  # what could not be computed, in words
    source: str = ""


@dataclass(frozen=True)
class ChartRef:
    """A chart of the briefing; `key` names its PNG (`compare`, `company-baidu`)."""

    key: str
    title: str
    caption: str
    spec: ChartSpec
    events: tuple[tuple[str, str], ...] = ()  # (marker label, "13 Jan 2026 · title") for the legend


@dataclass(frozen=True)
class NewsEntry:
    title: str
    url: str
    source: str
    published: int
    published_text: str
    also_about: tuple[str, ...] = ()  # other companies the item is tagged with (names)


@dataclass(frozen=True)
class CompanyNews:
    company_id: str
    name: str
    entries: tuple[NewsEntry, ...]
    more: int = 0  # items in the window beyond the N shown


@dataclass(frozen=True)
class RegulationEntry:
    event_id: str
    when: date  # the date that puts the event in its list (sorts the list)
    dates_text: str  # "announced Tue 13 Jan 2026 · in force Thu 15 Jan 2026"
    title: str
    title_zh: str
    body: str
    companies: tuple[str, ...]  # names
    url: str


@dataclass(frozen=True)
class WindowFigure:
    """One event-study window: the line's change and its excess over the benchmark, in percent."""

    label: str  # "[-1,+1]"
    change: float | None
    abnormal: float | None
    complete: bool  # False when the window ends after the briefing's session (not known yet)


@dataclass(frozen=True)
class EventReaction:
    """How one line of the watchlist reacted to a recent event (`briefing.domain.event_study`)."""

    event_id: str
    event_title: str
    event_day: date
    symbol: str
    company: str
    benchmark: str
    day0: date | None
    windows: tuple[WindowFigure, ...]
    note: str = ""


@dataclass(frozen=True)
class Regulation:
    recent: tuple[RegulationEntry, ...]
    upcoming: tuple[RegulationEntry, ...]
    reactions: tuple[EventReaction, ...]
    recent_from: date
    upcoming_to: date
    method: str  # how the reactions were computed, in one sentence

    @property
    def reaction_groups(self) -> list[tuple[str, date, list[EventReaction]]]:
        """The reactions by event, in their order: (event title, event day, rows)."""
        groups: dict[str, tuple[str, date, list[EventReaction]]] = {}
        for r in self.reactions:
            groups.setdefault(r.event_id, (r.event_title, r.event_day, []))[2].append(r)
        return list(groups.values())


@dataclass(frozen=True)
class Footer:
    sources: tuple[str, ...]
    disclaimer: str
    version: str
    notes: tuple[str, ...] = ()  # definitions of the table's columns


@dataclass(frozen=True)
class Briefing:
    header: Header
    rows: tuple[MarketRow, ...]
    premiums: tuple[str, ...]  # one line per dual listing: what the premium compares
    company_charts: tuple[ChartRef, ...]
    compare_chart: ChartRef | None
    news: tuple[CompanyNews, ...]
    news_since: datetime
    news_until: datetime
    news_window_text: str
    regulation: Regulation
    footer: Footer
    empty_watchlist: bool = False
    charts_note: str = ""  # why there are no charts, when there are none

    @property
    def charts(self) -> tuple[ChartRef, ...]:
        return self.company_charts + ((self.compare_chart,) if self.compare_chart else ())

    @property
    def slug(self) -> str:
        """`2026-01-15-china-ai`: the default file name's stem after `briefing-`."""
        name = "".join(c if c.isalnum() else "-" for c in self.header.watchlist.lower()).strip("-")
        while "--" in name:
            name = name.replace("--", "-")
        return f"{self.header.day.isoformat()}-{name or 'watchlist'}"


@dataclass
class ExportResult:
    """What an export wrote: the main file and any files beside it (Markdown's charts)."""

    path: object  # pathlib.Path
    fmt: str
    extra: list = field(default_factory=list)
    notices: tuple[str, ...] = ()
    timings: dict = field(default_factory=dict)  # step -> seconds (build, charts, write)
