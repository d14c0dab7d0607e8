"""Refreshing the news: which feeds are due, fetching them politely, storing what is new.

Qt-free, so the CLI (`briefing refresh --news`) and the app's scheduler job run the same code.
Feeds are fetched by a few threads at once (and parsed one at a time), but never two requests to
one host closer together than the politeness delay; one feed's failure is recorded on that feed
and nothing else.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlsplit

from briefing.domain.models import Feed
from briefing.process_tuning import python_lane
from briefing.store import Store, StoreError
from briefing.store.news import DEFAULT_RETENTION_DAYS, RETENTION_SETTING

log = logging.getLogger(__name__)

POLITENESS_SETTING = "news.politeness_seconds"
DEFAULT_POLITENESS_S = 1.0
MAX_BACKOFF_S = 24 * 3600


class DemoProfileError(StoreError):
    """Real feeds are never fetched into a demo profile (demo and real data must not mix)."""


def is_due(feed: Feed, now: float) -> bool:
    """Enabled, and its interval has passed since the last fetch (longer after failures)."""
    if not feed.enabled:
        return False
    if feed.last_fetch is None:
        return True
    interval = feed.refresh_minutes * 60
    if feed.failures:
        interval = min(interval * 2 ** min(feed.failures, 8), MAX_BACKOFF_S)
    return now - feed.last_fetch >= interval


class HostPacer:
    """At most one request per host every `delay` seconds (threads wait their turn)."""

    def __init__(self, delay: float, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.delay, self._clock, self._sleep = delay, clock, sleep
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, host: str) -> float:
        """Block until `host` may be asked again; returns the seconds waited."""
        with self._lock:
            now = self._clock()
            start = max(now, self._next.get(host, now))
            self._next[host] = start + self.delay
        waited = start - now
        if waited > 0:
            self._sleep(waited)
        return waited


def interleave_by_host(feeds: Iterable[Feed]) -> list[Feed]:
    """Round-robin over hosts, so parallel workers rarely queue behind the same host."""
    groups: dict[str, list[Feed]] = defaultdict(list)
    for f in feeds:
        groups[(urlsplit(f.url).hostname or "").lower()].append(f)
    out: list[Feed] = []
    queues = list(groups.values())
    while any(queues):
        for q in queues:
            if q:
                out.append(q.pop(0))
    return out


@dataclass(frozen=True)
class FeedOutcome:
    feed_id: int
    title: str
    url: str
    outcome: str  # parsed | not_modified | unchanged | error
    new: int = 0
    merged: int = 0
    updated: int = 0
    entries: int = 0
    too_old: int = 0  # entries older than the retention period, not kept
    error: str | None = None
    warning: str | None = None
    elapsed: float = 0.0


@dataclass(frozen=True)
class RefreshReport:
    outcomes: tuple[FeedOutcome, ...] = ()
    new_ids: tuple[str, ...] = ()
    pruned: int = 0
    not_due: int = 0
    busy: bool = False  # another refresh was running; this one did nothing

    @property
    def errors(self) -> list[FeedOutcome]:
        return [o for o in self.outcomes if o.outcome == "error"]

    def summary(self) -> str:
        if self.busy:
            return "a refresh is already running"
        n = len(self.outcomes)
        parts = [f"{n} feed{'s' if n != 1 else ''} checked", f"{len(self.new_ids)} new item(s)"]
        if self.errors:
            parts.append(f"{len(self.errors)} failed")
        if self.not_due:
            parts.append(f"{self.not_due} not due yet")
        return ", ".join(parts)


class NewsRefresher:
    """Fetch due feeds into `store`. One refresh at a time per refresher (others return `busy`)."""

    def __init__(self, store: Store, *, client=None, politeness_s: float | None = None, max_workers: int = 4,
                 clock: Callable[[], float] = time.time, tagger=None) -> None:
        self.store = store
        self._client = client
        self._politeness = politeness_s
        self.max_workers = max_workers
        self._clock = clock
        self._tagger = tagger
        self._running = threading.Lock()
        self.cancelled = threading.Event()

    def _http(self):
        if self._client is None:
            from briefing.sources.http import HttpClient

            self._client = HttpClient()
        return self._client

    def refresh(self, feeds: Iterable[Feed] | None = None, *, force: bool = False) -> RefreshReport:
        """Fetch `feeds` (default: every enabled feed), only those due unless `force`."""
        if self.store.is_demo():
            raise DemoProfileError("this is a demo profile: real feeds are not fetched into it "
                                   "(demo data must not mix with real news)")
        if not self._running.acquire(blocking=False):
            return RefreshReport(busy=True)
        try:
            return self._refresh(feeds, force)
        finally:
            self._running.release()

    def _refresh(self, feeds, force) -> RefreshReport:
        from briefing.domain.tagging import default_tagger
        from briefing.sources.feeds import fetch_feed

        now = self._clock()
        candidates = [f for f in (self.store.feeds.all() if feeds is None else feeds) if f.enabled or force]
        due = [f for f in candidates if force or is_due(f, now)]
        from briefing.domain.preferences import NEWS_RETENTION, POLITENESS, Preferences

        prefs = Preferences.of(self.store)
        retention = int(prefs.get(NEWS_RETENTION))
        delay = self._politeness
        if delay is None:
            delay = float(prefs.get(POLITENESS))
        pacer = HostPacer(delay)
        tagger = self._tagger or default_tagger()
        client = self._http()

        def one(feed: Feed) -> tuple[FeedOutcome, tuple[str, ...]]:
            if self.cancelled.is_set():
                return FeedOutcome(feed.id, feed.title, feed.url, "error", error="cancelled"), ()
            pacer.wait((urlsplit(feed.url).hostname or "").lower())
            # fetched together, parsed one at a time, and not beside a panel's read (fetch_feed, python_lane)
            fetched = fetch_feed(client, feed, tagger, parse_gate=python_lane())
            return self._store(feed, fetched, retention)

        outcomes: list[FeedOutcome] = []
        new_ids: list[str] = []
        with ThreadPoolExecutor(max_workers=max(1, self.max_workers), thread_name_prefix="feeds") as pool:
            for outcome, ids in pool.map(one, interleave_by_host(due)):
                outcomes.append(outcome)
                new_ids += ids
        pruned = self.store.news.prune(now=int(now), retention_days=retention) if due else 0
        return RefreshReport(tuple(outcomes), tuple(new_ids), pruned, len(candidates) - len(due))

    def _store(self, feed: Feed, fetched, retention: int) -> tuple[FeedOutcome, tuple[str, ...]]:
        at = int(self._clock())
        title = feed.title or (fetched.parsed.title if fetched.parsed else "") or feed.url
        base = dict(feed_id=feed.id, title=title, url=feed.url, elapsed=fetched.elapsed)
        try:
            if fetched.outcome == "error":
                self.store.feeds.record_fetch(feed.id, at=at, error=fetched.error)
                self.store.fetch_log.record("rss", feed.url, False, fetched.error or "", int(fetched.elapsed * 1000))
                return FeedOutcome(outcome="error", error=fetched.error, **base), ()
            new_ids: tuple[str, ...] = ()
            outcome = FeedOutcome(outcome=fetched.outcome, **base)
            warning = feed.last_warning if fetched.outcome != "parsed" else None
            if fetched.parsed is not None:
                p = fetched.parsed
                result = self.store.news.ingest(feed.id, p.entries, now=at, retention_days=retention, source=title)
                new_ids = result.new_ids
                warning = p.warning
                outcome = FeedOutcome(outcome="parsed", new=len(result.new_ids), merged=result.merged,
                                      updated=result.updated, entries=len(p.entries), too_old=result.too_old,
                                      warning=warning, **base)
            self.store.feeds.record_fetch(
                feed.id, at=at, etag=fetched.etag, last_modified=fetched.last_modified, warning=warning,
                content_hash=fetched.content_hash,
                title=fetched.parsed.title if fetched.parsed else None,
                html_url=fetched.parsed.html_url if fetched.parsed else None)
            self.store.fetch_log.record("rss", feed.url, True, f"{fetched.outcome}: {len(new_ids)} new",
                                        int(fetched.elapsed * 1000))
            return outcome, new_ids
        except StoreError:
            raise
        except Exception as exc:  # noqa: BLE001 - one feed's bad data must not stop the others
            log.exception("storing feed %s failed", feed.url)
            message = f"the feed could not be stored ({type(exc).__name__}: {str(exc)[:120]})"
            self.store.feeds.record_fetch(feed.id, at=at, error=message)
            return FeedOutcome(outcome="error", error=message, **base), ()

    def close(self) -> None:
        self.cancelled.set()
        if self._client is not None:
            self._client.close()
