"""Bring a cache up to date with the bundled data: on first run and after an app upgrade.

Cheap when nothing changed (two settings reads), so it runs at every start.
"""

from __future__ import annotations

import logging

from briefing.domain.models import Feed
from briefing.domain.registry import (
    events_fingerprint, load_curated_events_checked, load_registry, read_resource,
)
from briefing.store.store import Store

log = logging.getLogger(__name__)

DEFAULT_WATCHLIST = "China AI"
EVENTS_FILE_PROBLEMS = "events_file_problems"  # rows of the bundled events file that were skipped


def default_feeds() -> list[Feed]:
    import xml.etree.ElementTree as ET  # only when seeding a new cache

    root = ET.fromstring(read_resource("default_feeds.opml"))
    return [
        Feed(url=o.get("xmlUrl"), title=o.get("title") or o.get("text") or "", language=o.get("language", ""))
        for o in root.iter("outline")
        if o.get("xmlUrl")
    ]


def prepare(store: Store) -> None:
    registry = load_registry()
    if store.settings.get("registry_fingerprint") != registry.fingerprint:
        store.instruments.upsert(list(registry.companies), list(registry.listings))
        store.settings.set("registry_fingerprint", registry.fingerprint)
        log.info("instruments registry loaded (%d listings)", len(registry.listings))
    fingerprint = events_fingerprint()
    if store.settings.get("events_fingerprint") != fingerprint:
        events, problems = load_curated_events_checked()
        store.events.load_curated(events)
        store.settings.set(EVENTS_FILE_PROBLEMS, [str(p) for p in problems])
        store.settings.set("events_fingerprint", fingerprint)
    if not store.settings.get("first_run_done", False):
        if not store.watchlists.all():
            store.watchlists.create(DEFAULT_WATCHLIST, pinned=True)
            store.watchlists.add(DEFAULT_WATCHLIST, [
                l.symbol for c in registry.companies for l in registry.company_listings(c.id)
            ])
        for feed in default_feeds():
            store.feeds.add(feed)
        store.settings.set("first_run_done", True)
