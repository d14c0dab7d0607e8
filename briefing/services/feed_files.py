"""OPML import and export between files and the store (Qt-free: the CLI and the feed manager)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from briefing.sources.opml import OpmlError, read_opml, write_opml
from briefing.store import Store

MAX_OPML_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class ImportReport:
    added: int
    already: int
    skipped: tuple[str, ...] = ()
    warning: str | None = None

    def summary(self) -> str:
        text = f"Imported {self.added} new feed(s); {self.already} were already subscribed."
        if self.skipped:
            text += f" Skipped {len(self.skipped)}: {'; '.join(self.skipped[:3])}."
        if self.warning:
            text += f" Note: {self.warning}."
        return text


def import_opml(store: Store, path: Path) -> ImportReport:
    """Subscribe to every http(s) feed of an OPML file (lenient with ill-formed files)."""
    try:
        if path.stat().st_size > MAX_OPML_BYTES:
            raise OpmlError(f"{path} is larger than {MAX_OPML_BYTES // (1024 * 1024)} MB; not an OPML list")
        data = path.read_bytes()
    except OSError as exc:
        raise OpmlError(f"cannot read {path}: {exc.strerror or exc}") from exc
    result = read_opml(data)
    known = {f.url for f in store.feeds.all()}
    added = 0
    for feed in result.feeds:
        if feed.url in known:
            continue
        store.feeds.add(feed.as_feed())
        known.add(feed.url)
        added += 1
    return ImportReport(added, len(result.feeds) - added, result.skipped, result.warning)


def export_opml(store: Store, path: Path) -> int:
    """Write every feed (folders kept) to `path`; returns how many."""
    feeds = [f for f in store.feeds.all() if f.url.startswith(("http://", "https://")) and ".invalid/" not in f.url]
    try:
        path.write_bytes(write_opml(feeds))
    except OSError as exc:
        raise OpmlError(f"cannot write {path}: {exc.strerror or exc}") from exc
    return len(feeds)
