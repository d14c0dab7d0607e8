"""What changed in the cache, told to listeners after each commit (no Qt: the UI bridges it)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

log = logging.getLogger(__name__)

# Topics, one per kind of data a panel shows.
INSTRUMENTS = "instruments"
BARS = "bars"
QUOTES = "quotes"
FEEDS = "feeds"
NEWS = "news"
EVENTS = "events"
WATCHLISTS = "watchlists"
SETTINGS = "settings"
FETCH_LOG = "fetch_log"


@dataclass(frozen=True)
class Change:
    """`topic` changed; `key` narrows it (a symbol, a watchlist id) or is None for 'anything'."""

    topic: str
    key: str | None = None


Listener = Callable[[frozenset[Change]], None]


class ChangeBus:
    """Fans a committed batch of changes out to listeners; a failing listener is logged, not fatal.

    Listeners run on the writer thread and must return quickly (the UI bridge just posts a signal).
    """

    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def publish(self, changes: Iterable[Change]) -> None:
        batch = frozenset(changes)
        if not batch:
            return
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(batch)
            except Exception:
                log.exception("change listener %r failed", listener)
