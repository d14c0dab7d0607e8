"""Records of the news pipeline: a parsed feed entry, where an item came from, a feed's state."""

from __future__ import annotations

from dataclasses import dataclass

from briefing.domain.models import Feed, NewsItem


@dataclass(frozen=True)
class FeedEntry:
    """One entry of a fetched feed, normalised: UTC dates, plain-text summary, absolute link."""

    entry_key: str  # the entry's identity within its feed (see news_identity.entry_key)
    title: str
    url: str = ""  # http(s) only; anything else (javascript:, data:) is dropped
    summary: str = ""  # plain text
    content_html: str = ""  # as feedparser sanitised it; the reader sanitises again to show it
    published: int | None = None  # UTC seconds; None when the feed gave no usable date
    author: str = ""
    canonical_url: str = ""
    title_tokens: tuple[str, ...] = ()
    companies: tuple[str, ...] = ()


@dataclass(frozen=True)
class NewsSource:
    feed_id: int
    feed_title: str
    url: str
    title: str
    published: int | None


@dataclass(frozen=True)
class NewsDetail:
    """What the reader pane shows for one item."""

    item: NewsItem
    content_html: str
    author: str
    date_guessed: bool  # the feed gave no date: `published` is when the item was first seen
    sources: tuple[NewsSource, ...]


@dataclass(frozen=True)
class FeedStatus:
    """A feed with what the feed manager shows about it."""

    feed: Feed
    items: int
    unread: int

    @property
    def state(self) -> str:
        f = self.feed
        if not f.enabled:
            return "disabled"
        if f.last_fetch is None:
            return "never fetched"
        if f.last_error:
            return "error"
        if f.last_warning:
            return "warning"
        return "ok"


@dataclass(frozen=True)
class IngestResult:
    new_ids: tuple[str, ...] = ()  # items that did not exist before (alerts look at these only)
    updated: int = 0  # known entries whose text changed
    merged: int = 0  # entries recognised as another feed's (or an earlier) story
    unchanged: int = 0
    too_old: int = 0  # older than the retention period: not stored
