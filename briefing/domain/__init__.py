"""Plain-Python domain: the typed records the store returns and the rules over them. No Qt."""

from briefing.domain.models import (  # noqa: F401
    Bar,
    Company,
    Feed,
    FetchLogEntry,
    Listing,
    NewsItem,
    Quote,
    RegulationEvent,
    Watchlist,
    WatchlistRow,
)
